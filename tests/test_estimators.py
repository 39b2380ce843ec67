"""Tests for simulate.estimators: attrition rates and attrition-corrected chain lengths."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings, strategies as hst

from simulate import estimators as E
from simulate.chains import Attrition, beta_attrition, run_chains
from simulate.errors import ParameterError


def kleinberg(side, r=2.0, q=1, seed=0):
    from simulate.generators import kleinberg_lattice

    return kleinberg_lattice(side, dim=2, r=r, q=q, periodic=True, seed=seed)


def test_attrition_rates_closed_form():
    # reached at 2, dropped at 0, dropped at 1, dead end at 1, max_steps at 3.
    steps = [2, 0, 1, 1, 3]
    status = ["reached", "dropped", "dropped", "dead_end", "max_steps"]
    r = E.attrition_rates(steps, status, min_alive=1)
    assert r.alive[:3].tolist() == [5, 4, 1]
    assert r.dropped[:3].tolist() == [1, 1, 0]
    assert np.allclose(r.rates[:3], [0.2, 0.25, 0.0])
    assert r.pooled == pytest.approx(2 / 10)
    # With a high min_alive every step falls back to the pooled rate.
    assert np.allclose(E.attrition_rates(steps, status, min_alive=100).rates, 0.2)
    # Codes and strings agree.
    codes = E.status_codes(status)
    assert codes.tolist() == [0, 1, 1, 2, 3]
    assert np.array_equal(E.attrition_rates(steps, codes, 1).alive, r.alive)
    with pytest.raises(ParameterError, match="unknown chain status"):
        E.status_codes(["lost"])


def test_dodds_weights_closed_form():
    # Constant rate 1/2: a chain of length L is up-weighted by 2^L.
    assert E.dodds_weights([0, 1, 3], [0.5, 0.5]).tolist() == [1.0, 2.0, 8.0]
    steps = np.array([1] * 8 + [2] * 4 + [0] * 12)
    status = np.array([0] * 12 + [1] * 12)
    out = E.corrected_lengths(steps, status, n_boot=0, min_alive=1)
    # alive: step 0: 24 (12 drop) -> r0 = 1/2; step 1: 4 (the length-2 chains) -> r1 = 0.
    assert out["estimated_attrition"] == pytest.approx(12 / (24 + 4))
    w1, w2 = 8 * 2.0, 4 * 2.0
    assert out["corrected_mean"] == pytest.approx((w1 * 1 + w2 * 2) / (w1 + w2))
    assert out["uncorrected_mean"] == pytest.approx(16 / 12)


def test_no_attrition_means_no_correction():
    rng = np.random.default_rng(0)
    steps = rng.integers(1, 9, 500)
    status = np.zeros(500, dtype=np.int8)
    out = E.corrected_lengths(steps, status, n_boot=100)
    assert out["estimated_attrition"] == 0
    assert out["corrected_mean"] == pytest.approx(steps.mean())
    assert out["corrected_median"] == E.weighted_median(steps, np.ones(500))
    assert out["corrected_mean_ci"][0] < steps.mean() < out["corrected_mean_ci"][1]


@settings(max_examples=60, deadline=None)
@given(hst.lists(hst.tuples(hst.integers(0, 20), hst.integers(1, 4)), min_size=1, max_size=30))
def test_weighted_median_matches_expansion(pairs):
    values = np.array([v for v, _ in pairs])
    weights = np.array([w for _, w in pairs], dtype=float)
    expanded = np.sort(np.repeat(values, weights.astype(int)))
    assert E.weighted_median(values, weights) == expanded[(len(expanded) - 1) // 2]


def synthetic_chains(rng, n, p, lengths_pmf):
    """Chains with a known attrition-free length distribution, then constant attrition p per holder."""
    L = rng.choice(len(lengths_pmf), size=n, p=lengths_pmf)
    # First holder (0..L-1) that drops; L or more means it survived.
    first_drop = rng.geometric(p, size=n) - 1
    reached = first_drop >= L
    steps = np.where(reached, L, first_drop)
    return steps, np.where(reached, 0, 1), L


def test_bootstrap_interval_covers_the_truth_at_its_nominal_rate():
    pmf = np.array([0, 0.1, 0.2, 0.3, 0.2, 0.1, 0.05, 0.05])
    truth = float(np.dot(np.arange(8), pmf))
    rng = np.random.default_rng(1)
    hits, biased = 0, 0
    reps = 120
    for i in range(reps):
        steps, status, _ = synthetic_chains(rng, 3000, 0.4, pmf)
        out = E.corrected_lengths(steps, status, n_boot=300, seed=i)
        lo, hi = out["corrected_mean_ci"]
        hits += lo <= truth <= hi
        biased += out["uncorrected_mean"] < lo
    # 95% interval: binomial(120, 0.95) lies in [106, 120] with probability > 0.999.
    assert hits >= 106, hits
    assert biased == reps


def coupled_runs(attrition=0.0, node_attrition=None):
    g = kleinberg(16, r=2.0, q=3, seed=1)
    kw = dict(n_chains=100_000, n_targets=50, seed=7, compute_distances=False)
    free = run_chains(g, "greedy_lattice", **kw)
    lossy = run_chains(g, "greedy_lattice", Attrition(rate=attrition, per_node=node_attrition), **kw)
    return g, free, lossy


@pytest.mark.parametrize("p", [0.25, 0.45, 0.65])
def test_correction_recovers_attrition_free_lengths(p):
    # Same graph, pairs and seeds: the lossy run is the free run cut short (tests/test_chains.py).
    _, free, lossy = coupled_runs(attrition=p)
    L_free = free.table["steps"].to_numpy()
    assert (free.table["status"] == "reached").all()
    true_mean = L_free.mean()
    true_median = E.weighted_median(L_free, np.ones(L_free.shape[0]))
    s = lossy.summary(n_boot=1000)
    assert abs(s["estimated_attrition"] - p) < 0.01
    lo, hi = s["corrected_mean_ci"]
    assert lo <= true_mean <= hi, (true_mean, lo, hi)
    assert s["corrected_median_ci"][0] <= true_median <= s["corrected_median_ci"][1]
    # The uncorrected completed chains are biased short, outside the corrected interval.
    assert s["mean_steps_reached"] < lo
    reached = lossy.table.filter(pl.col("status") == "reached")["steps"].to_numpy()
    assert E.weighted_median(reached, np.ones(reached.shape[0])) < s["corrected_median_ci"][0]


def test_survival_estimator_with_heterogeneous_node_attrition():
    g = kleinberg(16, r=2.0, q=3, seed=1)
    q = beta_attrition(g.n, 0.45, 4.0, seed=2)
    assert abs(q.mean() - 0.45) < 0.03 and q.std() > 0.15
    _, free, lossy = coupled_runs(node_attrition=q)
    true_mean = free.table["steps"].mean()
    s = lossy.summary(n_boot=1000)
    assert s["correction"].startswith("survival")
    lo, hi = s["corrected_mean_ci"]
    assert lo <= true_mean <= hi, (true_mean, lo, hi)
    assert s["mean_steps_reached"] < lo


def test_chain_survival_from_paths_matches_kernel():
    g = kleinberg(12, r=2.0, q=1, seed=3)
    q = beta_attrition(g.n, 0.3, 5.0, seed=4)
    res = run_chains(g, "greedy_lattice", Attrition(per_node=q), n_chains=2000, n_targets=10, seed=1, record_paths=True)
    t = res.table
    surv = E.chain_survival(t["path"], t["steps"].to_numpy(), q)
    done = (t["status"] == "reached").to_numpy()
    assert done.sum() > 50
    assert np.allclose(surv[done], t["survival"].to_numpy()[done], rtol=1e-12)
    # Estimated probabilities give the same estimator as the known ones.
    a = E.survival_corrected_lengths(t["steps"], t["status"], surv, n_boot=0)
    b = E.survival_corrected_lengths(t["steps"], t["status"], t["survival"].to_numpy(), n_boot=0)
    assert a["corrected_mean"] == pytest.approx(b["corrected_mean"])


def test_bootstrap_is_seeded():
    rng = np.random.default_rng(3)
    steps, status, _ = synthetic_chains(rng, 2000, 0.3, np.array([0, 0.3, 0.4, 0.3]))
    a = E.corrected_lengths(steps, status, n_boot=200, seed=5)
    b = E.corrected_lengths(steps, status, n_boot=200, seed=5)
    c = E.corrected_lengths(steps, status, n_boot=200, seed=6)
    assert a["corrected_mean_ci"] == b["corrected_mean_ci"] != c["corrected_mean_ci"]
    with pytest.raises(ParameterError, match="ci"):
        E.corrected_lengths(steps, status, ci=1.5)
    with pytest.raises(ParameterError, match="same length"):
        E.corrected_lengths(steps[:5], status, n_boot=0)
