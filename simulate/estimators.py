"""Attrition-corrected chain-length estimators for Milgram-style experiments.

In a chain experiment most chains die because some holder does not forward the message
(attrition), not because the target is unreachable. Completed chains are then a sample
biased towards short chains: a chain of length L survives only if all of its L holders
(source included) forward it. These estimators undo that bias by inverse probability
weighting.

Conventions (``steps``, ``status`` as produced by :func:`simulate.chains.run_chains`):

* step ``k`` is the holding by the ``k``-th holder (the source is holder 0); a reached chain
  of length ``L`` (hops) survived the attrition events at steps ``0 .. L-1``;
* a chain *alive at step k* holds the message at step ``k``: reached chains with
  ``steps > k``, dropped chains with ``steps >= k`` (they drop at ``k = steps``), dead ends
  with ``steps >= k`` (the dead-end holder did not drop), ``max_steps`` chains with
  ``steps > k``;
* Milgram's "intermediaries" = ``steps - 1`` for a reached chain.

References
----------
P. S. Dodds, R. Muhamad, D. J. Watts, "An experimental study of search in global social
networks", Science 301, 827 (2003), doi:10.1126/science.1081058.
S. Goel, R. Muhamad, D. J. Watts, "Social search in 'small-world' experiments", WWW 2009,
doi:10.1145/1526709.1526745.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import ParameterError

#: Chain end states, in code order (codes are the kernel's ``STATUS_*``).
STATUSES = ("reached", "dropped", "dead_end", "max_steps")


def status_codes(status) -> np.ndarray:
    """Status as int8 codes 0..3 (accepts codes, or strings such as a polars column)."""
    if hasattr(status, "to_numpy"):
        status = status.to_numpy()
    status = np.asarray(status)
    if status.dtype.kind in "iu":
        codes = status.astype(np.int8)
    else:
        lookup = {s: i for i, s in enumerate(STATUSES)}
        try:
            codes = np.fromiter((lookup[str(s)] for s in status), dtype=np.int8, count=status.shape[0])
        except KeyError as exc:
            raise ParameterError(f"unknown chain status {exc.args[0]!r}; allowed: {', '.join(STATUSES)}")
    if codes.size and (codes.min() < 0 or codes.max() > 3):
        raise ParameterError("status codes must lie in 0..3")
    return codes


def _as_arrays(steps, status):
    steps = np.asarray(steps.to_numpy() if hasattr(steps, "to_numpy") else steps).astype(np.int64)
    codes = status_codes(status)
    if steps.shape != codes.shape:
        raise ParameterError("steps and status must have the same length")
    if steps.size and steps.min() < 0:
        raise ParameterError("steps must be >= 0")
    return steps, codes


# ------------------------------------------------------------------ per-step attrition
@dataclass(frozen=True)
class AttritionRates:
    """Per-step attrition estimated from the chains.

    Attributes
    ----------
    alive : ndarray of int64
        ``alive[k]``: chains holding the message at step ``k``.
    dropped : ndarray of int64
        ``dropped[k]``: chains alive at step ``k`` that dropped at step ``k``.
    rates : ndarray of float64
        ``r_k = dropped[k] / alive[k]``, or the pooled rate where ``alive[k] < min_alive``.
    pooled : float
        ``sum(dropped) / sum(alive)``: the constant-attrition maximum-likelihood estimate.
    """

    alive: np.ndarray
    dropped: np.ndarray
    rates: np.ndarray
    pooled: float


def _cell_counts(steps, codes):
    kmax = int(steps.max(initial=0))
    counts = np.zeros((4, kmax + 2), dtype=np.int64)
    np.add.at(counts, (codes.astype(np.int64), steps), 1)
    return counts


def _rates_from_counts(C, min_alive):
    """Vectorised over leading axes: C[..., status, steps] -> (alive, dropped, rates, pooled)."""
    K = C.shape[-1]
    # Exposure end e (last step held): reached L -> L-1, dropped k -> k, dead_end s -> s, max_steps K -> K-1.
    E = np.zeros(C.shape[:-2] + (K + 1,), dtype=np.float64)
    E[..., :K - 1] += C[..., 0, 1:]
    E[..., :K - 1] += C[..., 3, 1:]
    E[..., :K] += C[..., 1, :] + C[..., 2, :]
    alive = np.cumsum(E[..., ::-1], axis=-1)[..., ::-1][..., :K]
    dropped = C[..., 1, :].astype(np.float64)
    tot_alive = alive.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = dropped.sum(axis=-1) / tot_alive
        per_step = dropped / alive
    rates = np.where(alive >= min_alive, per_step, pooled[..., None])
    return alive, dropped, rates, pooled


def attrition_rates(steps, status, min_alive=30) -> AttritionRates:
    """Per-step attrition rates ``r_k`` and the pooled rate.

    Parameters
    ----------
    steps, status : array-like
        Per chain: forwarding steps taken and end state (codes or strings).
    min_alive : int, default 30
        Steps with fewer chains alive use the pooled rate (per-step ratios from a handful
        of chains are too noisy to weight by).

    Returns
    -------
    AttritionRates

    Notes
    -----
    ``r_k`` = (chains alive at step k that drop at step k) / (chains alive at step k)
    (Dodds, Muhamad, Watts 2003, doi:10.1126/science.1081058). O(n_chains).
    """
    steps, codes = _as_arrays(steps, status)
    alive, dropped, rates, pooled = _rates_from_counts(_cell_counts(steps, codes), min_alive)
    return AttritionRates(alive.astype(np.int64), dropped.astype(np.int64), rates, float(pooled))


# ------------------------------------------------------------------ weighted summaries
def weighted_median(values, weights) -> float:
    """Lower weighted median: the smallest value whose cumulative weight reaches half the total.

    For unit weights this is the lower of the two middle values (an observed chain length).
    """
    values = np.asarray(values, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    keep = weights > 0
    if not keep.any():
        return float("nan")
    values, weights = values[keep], weights[keep]
    order = np.argsort(values, kind="stable")
    cw = np.cumsum(weights[order])
    i = int(np.searchsorted(cw, 0.5 * cw[-1] * (1 - 1e-12)))
    return float(values[order][min(i, len(cw) - 1)])


def _mean_median_by_length(W):
    """W[..., L]: weight of length L. Returns (mean, lower weighted median), vectorised."""
    L = np.arange(W.shape[-1], dtype=np.float64)
    tot = W.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (W * L).sum(axis=-1) / tot
    cw = np.cumsum(W, axis=-1)
    med = np.argmax(cw >= 0.5 * tot[..., None] * (1 - 1e-12), axis=-1).astype(np.float64)
    med = np.where(tot > 0, med, np.nan)
    return mean, med


def _percentile_ci(x, ci):
    x = x[np.isfinite(x)]
    if x.size == 0:
        return (float("nan"), float("nan"))
    lo, hi = np.quantile(x, [(1 - ci) / 2, 1 - (1 - ci) / 2])
    return (float(lo), float(hi))


def _check_boot(n_boot, ci):
    if int(n_boot) < 0:
        raise ParameterError(f"n_boot must be >= 0, got {n_boot}")
    if not 0 < ci < 1:
        raise ParameterError(f"ci must lie in (0, 1), got {ci}")


def corrected_lengths(steps, status, n_boot=1000, ci=0.95, seed=0, min_alive=30) -> dict:
    """Attrition-corrected chain-length mean and median (Dodds, Muhamad, Watts 2003).

    Each completed chain of length ``L`` is weighted by ``1 / prod_{k<L} (1 - r_k)``, the
    inverse of the estimated probability that a chain survives ``L`` holders, with ``r_k``
    from :func:`attrition_rates`. The weighted distribution estimates the lengths that
    completed chains would have had without attrition (holding the routing fixed).

    Parameters
    ----------
    steps, status : array-like
        Per chain (all chains, not only the completed ones: the rates need them).
    n_boot : int, default 1000
        Bootstrap replicates (resampling chains with replacement; ``0`` skips the CIs).
    ci : float, default 0.95
        Two-sided percentile interval.
    seed : int
        Bootstrap seed.
    min_alive : int
        See :func:`attrition_rates`.

    Returns
    -------
    dict
        ``estimated_attrition`` (pooled), ``corrected_mean``, ``corrected_mean_ci``,
        ``corrected_median``, ``corrected_median_ci``, ``uncorrected_mean``,
        ``uncorrected_median``, ``lengths`` and ``corrected_pmf`` (the corrected
        distribution of completed-chain lengths).

    Notes
    -----
    Resampling chains is a multinomial draw over the (status, steps) cells, so each
    replicate costs O(max_steps), not O(n_chains).
    """
    _check_boot(n_boot, ci)
    steps, codes = _as_arrays(steps, status)
    C = _cell_counts(steps, codes)
    _, _, rates, pooled = _rates_from_counts(C, min_alive)
    W, mean, med = _dodds_point(C, rates)
    out = {
        "estimated_attrition": float(pooled),
        "corrected_mean": float(mean),
        "corrected_median": float(med),
        "uncorrected_mean": float(steps[codes == 0].mean()) if (codes == 0).any() else float("nan"),
        "uncorrected_median": weighted_median(steps[codes == 0], np.ones((codes == 0).sum())),
        "lengths": np.arange(W.shape[-1]),
        "corrected_pmf": W / W.sum() if W.sum() > 0 else W,
    }
    out["corrected_mean_ci"], out["corrected_median_ci"] = (float("nan"),) * 2, (float("nan"),) * 2
    N = int(steps.shape[0])
    if n_boot and N and (codes == 0).any():
        rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(0x5EED,)))
        p = (C / N).ravel()
        means, meds = [], []
        for start in range(0, int(n_boot), 256):
            b = min(256, int(n_boot) - start)
            Cb = rng.multinomial(N, p, size=b).reshape((b,) + C.shape)
            _, _, rb, _ = _rates_from_counts(Cb, min_alive)
            _, m, md = _dodds_point(Cb, rb)
            means.append(m)
            meds.append(md)
        out["corrected_mean_ci"] = _percentile_ci(np.concatenate(means), ci)
        out["corrected_median_ci"] = _percentile_ci(np.concatenate(meds), ci)
    return out


def _dodds_point(C, rates):
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        surv = np.cumprod(np.concatenate([np.ones(rates.shape[:-1] + (1,)), 1.0 - rates[..., :-1]], axis=-1),
                          axis=-1)
        reached = C[..., 0, :].astype(np.float64)
        W = np.where(reached > 0, reached / surv, 0.0)
    mean, med = _mean_median_by_length(W)
    return W, mean, med


def dodds_weights(lengths, rates) -> np.ndarray:
    """Inverse survival weight ``1 / prod_{k<L} (1 - r_k)`` for each length ``L``.

    Lengths beyond ``len(rates)`` use the last rate.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    rates = np.asarray(rates, dtype=np.float64)
    K = int(lengths.max(initial=0))
    r = np.concatenate([rates, np.full(max(0, K - rates.shape[0]), rates[-1] if rates.size else 0.0)])
    surv = np.concatenate([[1.0], np.cumprod(1.0 - r)])
    return 1.0 / surv[lengths]


# ------------------------------------------------------------------ per-chain survival (Goel et al.)
def chain_survival(paths, steps, node_attrition) -> np.ndarray:
    """Probability that each chain survived attrition at its holders, from per-node rates.

    Parameters
    ----------
    paths : sequence of int arrays (or a polars list column) of internal node ids; chain
        ``i``'s holders ``paths[i][0 .. steps[i]-1]`` each had to forward.
    steps : array of int
    node_attrition : float array over nodes, known or estimated attrition probabilities.

    Returns
    -------
    ndarray of float64: ``prod_{k < steps} (1 - node_attrition[path[k]])``.

    Notes
    -----
    Goel, Muhamad, Watts 2009 (doi:10.1145/1526709.1526745) model attrition per individual;
    weighting completed chains by this product's inverse corrects for holders who are
    individually unlikely to forward.
    """
    if hasattr(paths, "to_list"):
        paths = paths.to_list()
    steps = np.asarray(steps, dtype=np.int64)
    q = np.asarray(node_attrition, dtype=np.float64)
    if len(paths) != steps.shape[0]:
        raise ParameterError("paths and steps must have one entry per chain")
    lens = np.fromiter((len(p) for p in paths), dtype=np.int64, count=len(paths))
    if (lens < steps).any():
        raise ParameterError("a path is shorter than its chain's steps (record_paths=True needed)")
    flat = np.concatenate([np.asarray(p[:k], dtype=np.int64) for p, k in zip(paths, steps)] or [np.zeros(0, np.int64)])
    owner = np.repeat(np.arange(steps.shape[0]), steps)
    logs = np.zeros(steps.shape[0])
    np.add.at(logs, owner, np.log1p(-q[flat]))
    return np.exp(logs)


def survival_corrected_lengths(steps, status, survival, n_boot=1000, ci=0.95, seed=0) -> dict:
    """Chain-length mean and median weighting each completed chain by 1 / its survival probability.

    The Goel, Muhamad, Watts (2009) style estimator for heterogeneous attrition: instead of
    one rate per step, each completed chain's survival is the product of its own holders'
    forwarding probabilities (``survival``: known, e.g. the ``survival`` column of
    :func:`simulate.chains.run_chains`, or estimated with :func:`chain_survival`).

    Returns
    -------
    dict with ``corrected_mean``, ``corrected_mean_ci``, ``corrected_median``,
    ``corrected_median_ci`` (bootstrap over completed chains, percentile intervals).
    """
    _check_boot(n_boot, ci)
    steps, codes = _as_arrays(steps, status)
    survival = np.asarray(survival, dtype=np.float64)
    if survival.shape != steps.shape:
        raise ParameterError("survival must have one entry per chain")
    done = codes == 0
    L = steps[done]
    w = 1.0 / survival[done]
    if not np.all(np.isfinite(w)):
        raise ParameterError("a completed chain has survival probability 0")
    K = int(L.max(initial=0)) + 1
    W = np.bincount(L, weights=w, minlength=K)
    mean, med = _mean_median_by_length(W)
    out = {"corrected_mean": float(mean), "corrected_median": float(med),
           "corrected_mean_ci": (float("nan"),) * 2, "corrected_median_ci": (float("nan"),) * 2}
    R = L.shape[0]
    if n_boot and R:
        rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(0x5EED, 1)))
        Wb = np.empty((int(n_boot), K))
        for b in range(int(n_boot)):
            idx = rng.integers(0, R, R)
            Wb[b] = np.bincount(L[idx], weights=w[idx], minlength=K)
        mb, mdb = _mean_median_by_length(Wb)
        out["corrected_mean_ci"] = _percentile_ci(mb, ci)
        out["corrected_median_ci"] = _percentile_ci(mdb, ci)
    return out
