"""Milgram-style chain experiments: decentralized search with attrition.

:func:`run_chains` sends messages from sources to targets through a graph. Every holder
sees only local information (its neighbours' ids, degrees, attributes and tie strengths,
and the target's attributes) and either drops out (attrition) or forwards the message to
one neighbour chosen by a routing policy. The result is one row per chain, with the
attrition-corrected chain-length estimators of :mod:`simulate.estimators` in
:meth:`ChainResults.summary`.

Policies
--------
Declared in :mod:`simulate.policies` (:data:`simulate.policies.POLICIES`): ``random_walk``,
``greedy_lattice``, ``greedy_geo``, ``greedy_hierarchy``, ``greedy_attributes``,
``max_degree``, each with what it needs from the graph, its kernel branch and its source.
A policy that needs node attributes the graph lacks fails before any chain runs.

Every policy delivers when the target is a neighbour; ties are broken uniformly at random
with the chain's own stream; ``epsilon`` mixes any policy with uniformly random choice.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from .provenance import json_default
from . import estimators, policies
from .errors import ParameterError
from .graph import Graph
from .kernels import routing as _routing
from .kernels.random import stream_states
from .progress import progress_bar

STATUSES = estimators.STATUSES

#: Spawn keys separating the uses of one seed.
_KEY_PAIRS = (0xC4A1, 1)
#: Spawn key of the per-chain random streams (chain i uses stream i); public so that an oracle can
#: replay a chain with the same draws.
CHAIN_STREAM_KEY = (0xC4A1, 2)
_KEY_GROUPS = (0xC4A1, 4)


def default_max_steps(n: int) -> int:
    """Default cap on forwarding steps: ``10 sqrt(n) + 100``.

    Generous for greedy search on 2-D lattices (lattice distances are at most about
    ``sqrt(n)``; Kleinberg's r = 0 lower bound grows as ``n^(1/3)``).
    """
    return int(10 * math.sqrt(max(n, 1))) + 100


def beta_attrition(n, mean, concentration=10.0, seed=0) -> np.ndarray:
    """Per-node attrition probabilities drawn from a Beta distribution.

    Parameters
    ----------
    n : int
        Number of nodes.
    mean : float in (0, 1)
        Mean attrition probability.
    concentration : float > 0
        ``alpha + beta``; larger means less heterogeneity (variance
        ``mean (1 - mean) / (concentration + 1)``).
    seed : int

    Returns
    -------
    ndarray of float64, shape (n,)
    """
    if not 0 < mean < 1:
        raise ParameterError(f"mean attrition must lie in (0, 1), got {mean}")
    if not concentration > 0:
        raise ParameterError(f"concentration must be > 0, got {concentration}")
    rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(0xC4A1, 3)))
    return rng.beta(mean * concentration, (1 - mean) * concentration, size=int(n))


# ------------------------------------------------------------------ tie strength
def tie_levels(graph: Graph) -> np.ndarray:
    """Tie-strength level 1..5 (int8) per arc.

    From ``graph.weights`` when present (used as is if they are integers in 1..5, else
    binned into quintiles), otherwise from the number of common neighbours of the two ends
    (:func:`simulate.kernels.routing.tie_strength_levels`: 0, 1, 2-3, 4-7, >= 8 common
    neighbours -> levels 1..5).
    """
    if graph.weights is not None:
        w = np.asarray(graph.weights)
        if w.size and np.all(w == np.round(w)) and w.min() >= 1 and w.max() <= 5:
            return w.astype(np.int8)
        if w.size == 0:
            return np.zeros(0, dtype=np.int8)
        edges = np.quantile(w, [0.2, 0.4, 0.6, 0.8])
        return (1 + np.searchsorted(edges, w, side="right")).astype(np.int8)
    return _routing.tie_strength_levels(graph.indptr, graph.indices)


# ------------------------------------------------------------------ sources and targets
def _component_nodes(graph: Graph):
    if graph.n == 0:
        raise ParameterError("the graph has no nodes")
    return np.flatnonzero(graph.largest_component_mask(strong=graph.directed))


def _internal(graph, nodes, name):
    from .errors import GraphError

    try:
        ids = graph.index_of(np.atleast_1d(np.asarray(nodes)))
    except GraphError as exc:
        raise ParameterError(f"{name}: {exc}")
    return ids.astype(np.int64)


def _chains_per_target(k, n_chains, chains_per_target) -> np.ndarray:
    """Chains started towards each of ``k`` targets: ``chains_per_target`` each, else ``n_chains``
    split as evenly as possible (the first ``n_chains % k`` targets get one more)."""
    if chains_per_target is not None:
        if int(chains_per_target) < 1:
            raise ParameterError(f"chains_per_target must be >= 1, got {chains_per_target}")
        return np.full(k, int(chains_per_target), dtype=np.int64)
    if int(n_chains) < k:
        raise ParameterError(f"n_chains ({n_chains}) must be >= the number of targets ({k})")
    per = np.full(k, int(n_chains) // k, dtype=np.int64)
    per[: int(n_chains) % k] += 1
    return per


def _choose_pairs(graph, n_chains, n_targets, chains_per_target, sources, targets, seed):
    rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=_KEY_PAIRS))
    if sources is not None and targets is not None:
        s = _internal(graph, sources, "sources")
        t = _internal(graph, targets, "targets")
        try:
            s, t = np.broadcast_arrays(s, t)
        except ValueError:
            raise ParameterError(f"sources ({s.size}) and targets ({t.size}) must have equal length or one entry")
        return s.copy(), t.copy()
    comp = _component_nodes(graph)
    if comp.shape[0] < 2:
        raise ParameterError("the largest component has fewer than 2 nodes: no chain possible")
    if sources is not None:
        # One uniformly random target per given source, from the largest component.
        s = _internal(graph, sources, "sources")
        # Shift past the source (sampling the component minus the source when it is in it).
        pos = np.searchsorted(comp, s)
        inside = (pos < comp.shape[0]) & (comp[np.minimum(pos, comp.shape[0] - 1)] == s)
        idx = rng.integers(0, comp.shape[0] - inside.astype(np.int64), s.shape[0])
        idx = idx + (inside & (idx >= pos))
        t = comp[idx]
        return s, t
    if targets is not None:
        tgt = _internal(graph, targets, "targets")
    else:
        if n_targets is None or int(n_targets) < 1:
            raise ParameterError(f"n_targets must be >= 1, got {n_targets}")
        tgt = comp[rng.integers(0, comp.shape[0], int(n_targets))]
    per = _chains_per_target(tgt.shape[0], n_chains, chains_per_target)
    t = np.repeat(tgt, per)
    # Sources uniform over the component minus the target ("several chains per target").
    pos = np.repeat(np.searchsorted(comp, tgt), per)
    inside = (pos < comp.shape[0]) & (comp[np.minimum(pos, comp.shape[0] - 1)] == t)
    idx = rng.integers(0, comp.shape[0] - inside.astype(np.int64), t.shape[0])
    idx = idx + (inside & (idx >= pos))
    return comp[idx], t


def shortest_path_lengths(graph: Graph, sources, targets) -> np.ndarray:
    """Hop distance from ``sources[i]`` to ``targets[i]`` (internal ids), -1 if unreachable.

    One BFS per distinct target over the reversed graph (arc direction respected), run in
    parallel over targets, each stopping once its sources are reached. O(k (n + m)).
    """
    sources = np.asarray(sources, dtype=np.int32)
    targets = np.asarray(targets, dtype=np.int32)
    order = np.argsort(targets, kind="stable")
    ts = targets[order]
    uniq, start = np.unique(ts, return_index=True)
    ptr = np.append(start, ts.shape[0]).astype(np.int64)
    rev = graph.transpose()
    d = _routing.distances_to_targets(rev.indptr, rev.indices, uniq.astype(np.int32), ptr,
                                      np.ascontiguousarray(sources[order]))
    out = np.empty_like(d)
    out[order] = d
    return out


# ------------------------------------------------------------------ results
@dataclass
class ChainResults:
    """The chains of one experiment.

    Attributes
    ----------
    table : polars.DataFrame
        One row per chain: ``chain``, ``source``, ``target`` (original labels),
        ``source_id``, ``target_id`` (internal ids), ``status`` (reached, dropped, dead_end,
        max_steps), ``steps`` (forwarding steps; for reached chains the chain length in hops,
        Milgram's intermediaries = steps - 1), ``shortest_path`` (hop distance source ->
        target, null if unreachable or not computed), ``survival`` (probability the chain
        survived the attrition events it met), ``backtracks``, ``last_id`` (final holder)
        and, with ``record_paths``, ``path`` (list of internal ids, source first).
    params : dict
        Policy, parameters and seed (provenance).
    graph_fingerprint : str
    """

    table: pl.DataFrame
    params: dict = field(default_factory=dict)
    graph_fingerprint: str = ""

    def __len__(self):
        return self.table.height

    def attrition_rates(self, min_alive=30):
        """Per-step attrition estimated from these chains (:func:`simulate.estimators.attrition_rates`)."""
        return estimators.attrition_rates(self.table["steps"], self.table["status"], min_alive)

    def summary(self, n_boot=1000, ci=0.95, seed=None) -> dict:
        """Completion and chain-length statistics, attrition-corrected.

        Keys: ``chains, reached, completion_rate, mean_steps_reached, median_steps_reached,
        estimated_attrition, corrected_mean, corrected_mean_ci, corrected_median,
        corrected_median_ci, mean_shortest_path, correction``.

        ``corrected_*`` use the per-step estimator of Dodds et al. 2003 when attrition is
        the same for every holder, and per-chain survival probabilities (Goel et al. 2009)
        when it depends on the node or the tie. ``mean_shortest_path`` averages the
        shortest-path distance over chains whose target is reachable.
        """
        t = self.table
        steps = t["steps"].to_numpy()
        codes = estimators.status_codes(t["status"])
        seed = self.params.get("seed", 0) if seed is None else seed
        done = codes == 0
        heterogeneous = self.params.get("node_attrition") or self.params.get("attrition_by_strength")
        dodds = estimators.corrected_lengths(steps, codes, n_boot=n_boot, ci=ci, seed=seed)
        if heterogeneous:
            corr = estimators.survival_corrected_lengths(steps, codes, t["survival"].to_numpy(),
                                                         n_boot=n_boot, ci=ci, seed=seed)
            method = "survival (Goel, Muhamad, Watts 2009)"
        else:
            corr = dodds
            method = "per-step (Dodds, Muhamad, Watts 2003)"
        sp = t["shortest_path"].drop_nulls() if "shortest_path" in t.columns else pl.Series([], dtype=pl.Int32)
        return {
            "chains": int(t.height),
            "reached": int(done.sum()),
            "completion_rate": float(done.mean()) if t.height else float("nan"),
            "mean_steps_reached": float(steps[done].mean()) if done.any() else float("nan"),
            "median_steps_reached": float(np.median(steps[done])) if done.any() else float("nan"),
            "estimated_attrition": dodds["estimated_attrition"],
            "corrected_mean": corr["corrected_mean"],
            "corrected_mean_ci": list(corr["corrected_mean_ci"]),
            "corrected_median": corr["corrected_median"],
            "corrected_median_ci": list(corr["corrected_median_ci"]),
            "mean_shortest_path": float(sp.mean()) if sp.len() else float("nan"),
            "correction": method,
        }

    def provenance(self, metadata=None) -> dict:
        from . import __version__

        prov = {"kind": "chains", "params": self.params, "graph_fingerprint": self.graph_fingerprint,
                "smallworld_version": __version__}
        if metadata:
            prov["metadata"] = metadata
        return prov

    def to_parquet(self, path, metadata=None):
        """Write the table atomically, with provenance (policy, parameters, seed, graph
        fingerprint, package version, plus ``metadata``) under the key ``smallworld.chains``."""
        import pyarrow.parquet as pq

        from .io.atomic import atomic_path

        table = self.table.to_arrow()
        md = dict(table.schema.metadata or {})
        md[b"smallworld.chains"] = json.dumps(self.provenance(metadata), default=json_default).encode()
        table = table.replace_schema_metadata(md)
        with atomic_path(path) as tmp:
            pq.write_table(table, tmp)
        return path


def read_chains(path) -> ChainResults:
    """Read a chain table written by :meth:`ChainResults.to_parquet`."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    md = table.schema.metadata or {}
    prov = json.loads(md.get(b"smallworld.chains", b"{}"))
    return ChainResults(pl.from_arrow(table), prov.get("params", {}), prov.get("graph_fingerprint", ""))


# ------------------------------------------------------------------ source groups (near / far starters)
def policy_distances(graph: Graph, policy: str, target, attributes=None) -> np.ndarray:
    """Distance from every node to ``target`` as the routing policy measures it.

    Parameters
    ----------
    graph : Graph
    policy : str
        ``greedy_lattice`` (Manhattan, periodic-aware), ``greedy_geo`` (great-circle
        haversine key ``sin^2(dphi/2) + cos phi1 cos phi2 sin^2(dlambda/2)``, monotone in the
        distance; or squared Euclidean on ``x``/``y``), ``greedy_hierarchy`` (WDN social
        distance ``min_h`` LCA height), ``greedy_attributes`` (minus the number of shared
        attributes); ``max_degree`` and ``random_walk`` have no geometry and use the hop
        distance (``inf`` when the target cannot be reached).
    target : node label
    attributes : list of str, optional
        As in :func:`run_chains`.

    Returns
    -------
    ndarray of float64, shape (n,)
        Lower = closer; the same order the policy's greedy choice uses.

    Notes
    -----
    Vectorised over nodes: O(n x dimensions) (O(n x depth) for hierarchies), or one BFS.
    Used by :func:`run_chains` (``source_groups``) to draw starters near or far from the
    target, as Travers & Milgram's Boston and Nebraska groups (Sociometry 32, 425 (1969),
    doi:10.2307/2786545).
    """
    t = int(_internal(graph, target, "target")[0])
    feats = policies.build_features(policy, graph, attributes)
    d = policies.distances_to(policy, graph, feats, t)
    if d is not None:
        return d
    n = graph.n
    d = shortest_path_lengths(graph, np.arange(n, dtype=np.int32), np.full(n, t, dtype=np.int32)).astype(np.float64)
    d[d < 0] = np.inf
    return d


def check_source_groups(source_groups) -> list:
    """Validated ``source_groups``: a list of ``{"name", "chains", "quantiles": [lo, hi]}``, or of
    ``{"name", "chains", "heights": [[lo, hi], ...]}`` (one band per identity dimension: the LCA
    height of the starter's group with the target's, 0 = same group; implicit
    ``hierarchical_identity`` populations only, :func:`simulate.implicit.identity_band_starters`).

    Raises ParameterError naming the bad entry.
    """
    if isinstance(source_groups, dict):
        source_groups = [source_groups]
    if not isinstance(source_groups, (list, tuple)) or not source_groups:
        raise ParameterError("source_groups must be a non-empty list of tables "
                             "{name = ..., chains = ..., quantiles = [lo, hi]}")
    out, names = [], set()
    for i, g in enumerate(source_groups):
        if not isinstance(g, dict):
            raise ParameterError(f"source_groups[{i}] must be a table {{name, chains, quantiles}}, got {g!r}")
        extra = set(g) - {"name", "chains", "quantiles", "heights"}
        if extra:
            raise ParameterError(f"source_groups[{i}]: unknown key {sorted(extra)[0]!r} "
                                 "(allowed: name, chains, quantiles, heights)")
        name = g.get("name", f"group{i}")
        if not isinstance(name, str) or not name or name in names:
            raise ParameterError(f"source_groups[{i}]: name must be a non-empty string, unique among groups, got {name!r}")
        names.add(name)
        k = g.get("chains")
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ParameterError(f"source_groups[{i}] ({name}): chains must be an integer >= 1, got {k!r}")
        if "heights" in g:
            out.append({"name": name, "chains": int(k), "heights": _check_heights(g, i, name)})
            continue
        q = g.get("quantiles", [0.0, 1.0])
        if (not isinstance(q, (list, tuple)) or len(q) != 2
                or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in q)
                or not 0.0 <= q[0] < q[1] <= 1.0):
            raise ParameterError(f"source_groups[{i}] ({name}): quantiles must be [lo, hi] with "
                                 f"0 <= lo < hi <= 1, got {q!r}")
        out.append({"name": name, "chains": int(k), "quantiles": [float(q[0]), float(q[1])]})
    return out


def _check_heights(g, i, name):
    # Identity bands of a source group: [[lo, hi], ...] per dimension, integers 0 <= lo <= hi.
    if "quantiles" in g:
        raise ParameterError(f"source_groups[{i}] ({name}): give either quantiles or heights, not both")
    hs = g["heights"]
    ok = isinstance(hs, (list, tuple)) and len(hs) > 0 and all(
        isinstance(b, (list, tuple)) and len(b) == 2
        and all(isinstance(x, (int, np.integer)) and not isinstance(x, bool) for x in b)
        and 0 <= b[0] <= b[1] for b in hs)
    if not ok:
        raise ParameterError(f"source_groups[{i}] ({name}): heights must be one [lo, hi] per identity dimension, "
                             f"integers with 0 <= lo <= hi, got {hs!r}")
    return [[int(b[0]), int(b[1])] for b in hs]


def group_sources(graph: Graph, policy, targets, source_groups, seed=0, attributes=None):
    """Starters for every target, drawn by distance band (Milgram's near and far groups).

    For each target, the nodes of the largest component other than the target are ranked
    by :func:`policy_distances` (ties in random order); group ``{"chains": k, "quantiles":
    [lo, hi]}`` draws ``k`` distinct starters uniformly from ranks ``floor(lo M) ..
    ceil(hi M) - 1`` (M candidates): ``[0, 0.02]`` = the 2% of the population nearest the
    target, ``[0.75, 1]`` = the farthest quarter.

    Returns
    -------
    sources, targets : int64 arrays of internal ids (grouped by target, then group)
    group : int64 array, the index of each chain's group in ``source_groups``
    """
    groups = check_source_groups(source_groups)
    if any("heights" in g for g in groups):
        raise ParameterError("source groups by identity heights need an implicit hierarchical_identity population; "
                             "on a stored graph give quantiles")
    rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=_KEY_GROUPS))
    comp = _component_nodes(graph)
    src, tgt, grp = [], [], []
    for t in np.atleast_1d(np.asarray(targets, dtype=np.int64)):  # a handful of targets
        label = t if graph.node_ids is None else graph.node_ids[t]
        d = policy_distances(graph, policy, label, attributes)[comp]
        cand = comp[comp != t]
        d = d[comp != t]
        order = np.lexsort((rng.random(cand.shape[0]), d))
        ranked = cand[order]
        M = ranked.shape[0]
        for gi, g in enumerate(groups):
            lo = int(math.floor(g["quantiles"][0] * M))
            hi = max(lo + 1, min(M, int(math.ceil(g["quantiles"][1] * M))))
            pool = ranked[lo:hi]
            if not np.isfinite(d[order][lo:hi]).all():
                pool = pool[np.isfinite(d[order][lo:hi])]
            if pool.shape[0] < g["chains"]:
                raise ParameterError(f"source group {g['name']!r}: {g['chains']} chains need that many distinct "
                                     f"starters, but quantiles {g['quantiles']} hold only {pool.shape[0]} nodes")
            src.append(rng.choice(pool, size=g["chains"], replace=False))
            tgt.append(np.full(g["chains"], t, dtype=np.int64))
            grp.append(np.full(g["chains"], gi, dtype=np.int64))
    return np.concatenate(src), np.concatenate(tgt), np.concatenate(grp)


# ------------------------------------------------------------------ grouped options
#: Spawn key of an implicit population's per-person attrition (BetaAttrition.seed's streams).
_KEY_NODE_DROP = (0xC4A1, 5)


@dataclass(frozen=True)
class BetaAttrition:
    """Per-node attrition drawn from a Beta law with mean ``mean`` and concentration ``a + b``
    (variance ``mean (1 - mean) / (concentration + 1)``): an :attr:`Attrition.per_node` given as
    a law rather than an array.

    On a stored graph it is :func:`beta_attrition` ``(n, mean, concentration, seed)`` (the same
    array); on an implicit population person u's value is drawn from the stream keyed by
    (``seed``, u), so it is the same in every chain, and nothing per person is stored.
    """

    mean: float
    concentration: float = 10.0
    seed: int = 0

    def shapes(self) -> tuple:
        """Validated Beta shapes ``(a, b)``."""
        mean, conc = float(self.mean), float(self.concentration)
        if not 0 < mean < 1:
            raise ParameterError(f"mean attrition must lie in (0, 1), got {self.mean}")
        if not conc > 0:
            raise ParameterError(f"concentration must be > 0, got {self.concentration}")
        return mean * conc, (1 - mean) * conc

    def draw(self, n) -> np.ndarray:
        """The per-node array of a stored graph with ``n`` nodes (:func:`beta_attrition`)."""
        return beta_attrition(n, self.mean, self.concentration, seed=self.seed)

    def person_key(self) -> np.ndarray:
        """uint64[4] key of the per-person streams (implicit populations)."""
        from .kernels.random import stream_key

        return stream_key(int(self.seed), _KEY_NODE_DROP)


@dataclass(frozen=True)
class Attrition:
    """Where a message is lost: at its holders and along the ties it crosses.

    ``run_chains(..., attrition=0.25)`` is ``Attrition(rate=0.25)``.

    Attributes
    ----------
    rate : float in [0, 1]
        Constant probability that a holder (the source included) drops the message, per step.
    per_node : array of floats over nodes, or BetaAttrition, optional
        Per-node drop probability, replacing ``rate`` (e.g. :func:`beta_attrition`); a
        :class:`BetaAttrition` law works on stored graphs and implicit populations alike.
    by_strength : sequence of 5 floats, optional
        Probability that the message is lost in transit along a tie of strength level 1..5
        (weak ties dropped more often), on top of the holder's attrition.
    """

    rate: float = 0.0
    per_node: object = None
    by_strength: object = None

    @classmethod
    def of(cls, value) -> "Attrition":
        """``value`` if it is an Attrition, else ``Attrition(rate=value)``."""
        return value if isinstance(value, cls) else cls(rate=value)

    def kernel_arrays(self, n: int):
        """Validated ``(rate, per_node float64 (n,) or empty, by_strength float64 (5,) or empty)``."""
        rate = _probability("attrition", self.rate)
        node_drop = np.zeros(0, dtype=np.float64)
        if self.per_node is not None:
            per_node = self.per_node.draw(n) if isinstance(self.per_node, BetaAttrition) else self.per_node
            node_drop = np.ascontiguousarray(per_node, dtype=np.float64)
            if node_drop.shape != (n,):
                raise ParameterError(f"node_attrition must have one entry per node ({n}), got shape {node_drop.shape}")
            if not np.all((node_drop >= 0) & (node_drop <= 1)):
                raise ParameterError("node_attrition values must lie in [0, 1]")
            if rate:
                raise ParameterError("give either attrition or node_attrition, not both")
        strength_drop = np.zeros(0, dtype=np.float64)
        if self.by_strength is not None:
            strength_drop = np.asarray(self.by_strength, dtype=np.float64)
            if strength_drop.shape != (5,) or not np.all((strength_drop >= 0) & (strength_drop <= 1)):
                raise ParameterError("attrition_by_strength must be 5 probabilities in [0, 1] (levels 1..5)")
        return rate, node_drop, strength_drop


@dataclass(frozen=True)
class Starters:
    """Which (source, target) pairs start chains; by default (all None) random pairs: ``n_targets``
    targets uniform over the largest (strongly) connected component, ``n_chains`` spread evenly
    over them, sources uniform over the component minus the target. Targets are drawn *with
    replacement* (they may repeat, and may outnumber the nodes).

    Attributes
    ----------
    sources, targets : array-like of node labels, optional
        Given pairs (broadcast against each other); only ``targets`` -> random sources per
        target; only ``sources`` -> one random target per source.
    chains_per_target : int, optional
        Chains per target (overrides ``n_chains``).
    source_groups : list of dict, optional
        Starters by distance band, e.g. ``[{"name": "near", "chains": 100, "quantiles":
        [0, 0.02]}, {"name": "far", "chains": 196, "quantiles": [0.75, 1]}]``: for each of
        ``n_targets`` random targets (or the given ``targets``), ``chains`` distinct starters
        uniform among the nodes ranked in that quantile band of :func:`policy_distances`
        (see :func:`group_sources`); replaces ``n_chains``/``sources``. Adds a
        ``source_group`` column (the group's name). On an implicit ``hierarchical_identity``
        population, bands per identity dimension instead: ``{"name": "boston", "chains": 100,
        "heights": [[0, 4], [0, 6]]}`` (:func:`simulate.implicit.identity_band_starters`).
    """

    sources: object = None
    targets: object = None
    chains_per_target: int | None = None
    source_groups: object = None


# ------------------------------------------------------------------ the experiment
def _probability(name, p):
    p = float(p)
    if not 0.0 <= p <= 1.0 or math.isnan(p):
        raise ParameterError(f"{name} must lie in [0, 1], got {p}")
    return p


def run_chains(graph: Graph, policy=None, attrition=0.0, n_chains=1000, n_targets=10, seed=0, *,
               starters: Starters | None = None, max_steps=None, epsilon=0.0, backtrack=False, attributes=None,
               min_strength=None, record_paths=False, compute_distances=True, progress=False) -> ChainResults:
    """Run a Milgram-style chain experiment on ``graph``.

    Parameters
    ----------
    graph : Graph or simulate.implicit.ImplicitPopulation
        Directed or undirected; messages follow out-arcs. An implicit population (never
        stored) runs its own router: see :meth:`simulate.implicit.KleinbergPopulation.run_chains`.
    policy : str, optional
        Default: ``greedy_lattice`` on a stored graph, the model's own default policy on an implicit
        population (:data:`simulate.implicit_routing.IMPLICIT_ROUTING`).
        A routing policy of :data:`simulate.policies.POLICIES` (``greedy_lattice, greedy_geo,
        greedy_hierarchy, greedy_attributes, max_degree, random_walk``); one that needs node
        attributes the graph lacks raises ParameterError naming them before any chain runs.
    attrition : float in [0, 1] or Attrition
        Constant probability that a holder (the source included) drops the message; an
        :class:`Attrition` for per-node attrition or transit loss by tie strength.
    n_chains, n_targets : int
        Chains and distinct random targets (see :class:`Starters` for the default draw).
    seed : int
        Chain ``i`` uses stream ``i`` of ``stream_states(seed, n, spawn_key)``; targets and
        sources use another spawn key. Same seed -> identical results on any thread count.
    starters : Starters, optional
        Given sources and/or targets, chains per target or source groups by distance band
        (default: random pairs).
    max_steps : int, optional
        Forwarding steps before a chain stops (status ``max_steps``); default
        :func:`default_max_steps`.
    epsilon : float in [0, 1]
        Probability of forwarding to a uniformly random eligible neighbour instead.
    backtrack : bool
        A holder with no eligible neighbour returns the message to the previous holder
        (counted as a step), who tries another; otherwise the chain ends (``dead_end``).
    attributes : list of str, optional
        Columns for ``greedy_attributes`` (default: dorm, year, major, high_school present).
    min_strength : int in 1..5, optional
        Forward (and deliver) only along ties of at least this strength level.
    record_paths : bool
        Add a ``path`` list column (allocates n_chains x (min(max_steps, 2 (n - 1)) + 1) int32 while running).
    compute_distances : bool
        Add ``shortest_path`` (one BFS per target).
    progress : bool
        Show a progress bar (runs the chains in batches; results are unchanged).

    Returns
    -------
    ChainResults

    Notes
    -----
    Work O(total forwarding steps x degree) in a Numba kernel, parallel over chains; memory
    O(n_chains) plus the optional path buffer. Tie levels (O(sum of d_u + d_v) over arcs)
    are computed only when ``min_strength`` or ``Attrition.by_strength`` is given.
    """
    # An implicit population (simulate.implicit) runs its own router. Recognised by its run_chains
    # method rather than imported: simulate.implicit builds on this module, not the other way round.
    if not isinstance(graph, Graph) and callable(getattr(graph, "run_chains", None)):
        loss = Attrition.of(attrition)
        start = Starters() if starters is None else starters
        return graph.run_chains(policy, loss.rate, n_chains, n_targets, start.sources, start.targets, seed,
                                max_steps=max_steps, epsilon=epsilon, backtrack=backtrack, attributes=attributes,
                                min_strength=min_strength, attrition_by_strength=loss.by_strength,
                                node_attrition=loss.per_node, record_paths=record_paths,
                                compute_distances=compute_distances, progress=progress,
                                chains_per_target=start.chains_per_target, source_groups=start.source_groups)
    if not isinstance(graph, Graph):
        raise ParameterError(f"graph must be a simulate.Graph or an implicit population, got {type(graph).__name__}")
    if policy is None:
        policy = "greedy_lattice"
    policies.get(policy)
    if graph.n < 2:
        raise ParameterError("the graph needs at least 2 nodes")
    loss = Attrition.of(attrition)
    start = Starters() if starters is None else starters
    if not isinstance(start, Starters):
        raise ParameterError(f"starters must be a simulate.chains.Starters, got {type(start).__name__}")
    epsilon = _probability("epsilon", epsilon)
    if max_steps is None:
        max_steps = default_max_steps(graph.n)
    if not 1 <= int(max_steps) < 2**31 - 1:
        raise ParameterError(f"max_steps must lie in 1..{2**31 - 2:,} (step counts are int32), got {max_steps}")
    max_steps = int(max_steps)
    feats = policies.build_features(policy, graph, attributes)
    feat_i, feat_f, side, periodic, branching, spherical = feats.kernel_arguments()

    attrition, node_drop, strength_drop = loss.kernel_arrays(graph.n)
    levels = np.zeros(0, dtype=np.int8)
    ms = 0
    if min_strength is not None:
        ms = int(min_strength)
        if not 1 <= ms <= 5:
            raise ParameterError(f"min_strength must lie in 1..5, got {min_strength}")
    if strength_drop.size or ms:
        levels = np.ascontiguousarray(tie_levels(graph))

    group = None
    if start.source_groups is not None:
        if start.sources is not None:
            raise ParameterError("give either sources or source_groups, not both")
        source_groups = check_source_groups(start.source_groups)
        if start.targets is not None:
            tg = _internal(graph, start.targets, "targets")
        else:
            if n_targets is None or int(n_targets) < 1:
                raise ParameterError(f"n_targets must be >= 1, got {n_targets}")
            comp = _component_nodes(graph)
            rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=_KEY_PAIRS))
            tg = rng.choice(comp, size=int(n_targets), replace=int(n_targets) > comp.shape[0])
        src, tgt, group = group_sources(graph, policy, tg, source_groups, seed, attributes)
    else:
        src, tgt = _choose_pairs(graph, n_chains, n_targets, start.chains_per_target, start.sources, start.targets, seed)
    if np.any(src == tgt):
        raise ParameterError(f"source and target are the same node ({graph.label_of(int(src[src == tgt][0]))!r})")
    src = np.ascontiguousarray(src, dtype=np.int32)
    tgt = np.ascontiguousarray(tgt, dtype=np.int32)
    nc = src.shape[0]
    states = stream_states(seed, nc, spawn_key=CHAIN_STREAM_KEY)
    degree = graph.out_degree().astype(np.int64)
    # A chain moves forward only to unvisited nodes (at most n - 1 moves) and backtracks at most
    # once per forward move, so no path is longer than min(max_steps, 2 (n - 1)) steps.
    width = min(max_steps, 2 * (graph.n - 1)) + 1
    if record_paths:
        from .memory import require_memory

        require_memory(4 * nc * width, f"recording the paths of {nc:,} chains of up to {width - 1:,} steps")
    paths = np.full((nc, width) if record_paths else (0, 0), -1, dtype=np.int32)

    outs = []
    batch = nc if not progress else max(1, min(nc, max(20_000, nc // 100)))
    bar = progress_bar(progress, nc, f"chains ({policy})", "chain")
    for a in range(0, nc, batch):
        b = min(nc, a + batch)
        outs.append(_routing.route_chains(
            graph.indptr, graph.indices, src[a:b], tgt[a:b], states[a:b], feats.code, epsilon,
            bool(backtrack), max_steps, feat_i, feat_f, degree, side, periodic, branching, spherical,
            levels, ms, node_drop, attrition, strength_drop, bool(record_paths),
            paths[a:b] if record_paths else paths))
        bar.update(b - a)
    bar.close()
    status, steps, log_surv, last, nback = (np.concatenate(x) for x in zip(*outs))

    lab = (lambda ids: ids) if graph.node_ids is None else (lambda ids: graph.node_ids[ids])
    cols = {
        "chain": np.arange(nc, dtype=np.int64),
        "source": lab(src),
        "target": lab(tgt),
        "source_id": src,
        "target_id": tgt,
        "status": pl.Series("status", np.asarray(STATUSES)[status]),
        "steps": steps,
    }
    if group is not None:
        cols["source_group"] = np.asarray([g["name"] for g in source_groups])[group]
    table = pl.DataFrame(cols)
    if compute_distances:
        d = shortest_path_lengths(graph, src, tgt)
        table = table.with_columns(pl.Series("shortest_path", d).replace(-1, None).cast(pl.Int32))
    else:
        table = table.with_columns(pl.lit(None, dtype=pl.Int32).alias("shortest_path"))
    table = table.with_columns(pl.Series("survival", np.exp(log_surv)), pl.Series("backtracks", nback),
                               pl.Series("last_id", last))
    if record_paths:
        import pyarrow as pa

        offsets = np.concatenate([[0], np.cumsum(steps.astype(np.int64) + 1)]).astype(np.int32 if nc * width < 2**31 else np.int64)
        mask = np.arange(width)[None, :] <= steps[:, None]
        values = paths[mask]
        arr = (pa.ListArray if offsets.dtype == np.int32 else pa.LargeListArray).from_arrays(offsets, pa.array(values))
        table = table.with_columns(pl.Series("path", pl.from_arrow(arr)))

    params = {
        "policy": policy, "attrition": attrition, "n_chains": nc, "seed": int(seed), "max_steps": max_steps,
        "epsilon": epsilon, "backtrack": bool(backtrack), "attributes": feats.used,
        "min_strength": ms or None,
        "attrition_by_strength": None if loss.by_strength is None else strength_drop.tolist(),
        "node_attrition": None if loss.per_node is None else {"mean": float(node_drop.mean())},
        "n_targets": int(np.unique(tgt).shape[0]),
        "graph_meta": graph.meta,
    }
    if group is not None:
        params["source_groups"] = source_groups
    return ChainResults(table, params, graph.fingerprint)


# ---------------------------------------------------------------------------- experiment kind
# The "chains" experiment kind in one block: [experiment] keys, their cross-parameter rules,
# and the adapter from a resolved config section to run_chains.
from .kinds import SourceRule as _SourceRule, declare_kind  # noqa: E402  (the block stays self-contained)
from .params import ParamSpec as _ParamSpec, Rule as _Rule  # noqa: E402

#: ``[experiment]`` key -> keyword of :func:`run_chains`, or ``Attrition.<field>`` /
#: ``Starters.<field>``, where it is not a keyword of the same name (``node_attrition_*`` become
#: one ``Attrition.per_node`` array per cell, drawn by :func:`beta_attrition`).
CHAINS_CONFIG_KEYS = {"chains": "n_chains", "targets": "n_targets", "attrition": "Attrition.rate",
                      "attrition_by_strength": "Attrition.by_strength",
                      "node_attrition_mean": "Attrition.per_node", "node_attrition_concentration": "Attrition.per_node",
                      "chains_per_target": "Starters.chains_per_target", "source_groups": "Starters.source_groups"}


def _source_groups_valid(groups) -> bool:
    if groups is None:
        return True
    try:
        check_source_groups(groups)
    except ParameterError:
        return False
    return True


def _source_groups_problem(v) -> str:
    try:
        check_source_groups(v["source_groups"])
    except ParameterError as e:
        return str(e)
    return ""


def _run_chain_experiment(graph, params, seed):
    kw, loss, start = {}, {}, {}
    for key, value in params.items():
        target = CHAINS_CONFIG_KEYS.get(key, key)
        if value is None or target == "Attrition.per_node":
            continue
        owner, _, name = target.rpartition(".")
        {"": kw, "Attrition": loss, "Starters": start}[owner][name] = value
    mean = params.get("node_attrition_mean")
    if mean is not None:
        loss.pop("rate", None)
        conc = params.get("node_attrition_concentration") or 10.0
        # A law, not an array: a stored graph draws beta_attrition(n, ...) from it, an implicit
        # population one value per person it meets.
        loss["per_node"] = BetaAttrition(mean, conc, seed=seed ^ 0x5EED)
    res = run_chains(graph, attrition=Attrition(**loss), seed=seed, starters=Starters(**start), **kw)
    return res.table, res.summary()


def _group_bands_vs_source(graph, params):
    """Source groups by distance quantiles need a stored graph (everyone is ranked by distance to the
    target); by identity heights, an implicit population (the band is drawn, never searched). Checked
    at load so that a sweep does not fail in its first cell."""
    groups, implicit_model = params.get("source_groups"), graph.get("implicit")
    if not isinstance(groups, list):
        return None
    for g in groups:
        if not isinstance(g, dict):
            continue
        name = g.get("name", "?")
        if implicit_model is not None and "heights" not in g:
            return (f"source group {name!r}: an implicit {implicit_model} population takes heights = "
                    "[[lo, hi], ...] per identity dimension, not quantiles")
        if implicit_model is None and "heights" in g:
            return (f"source group {name!r}: source groups by identity heights need an implicit "
                    "hierarchical_identity population; on a stored graph give quantiles")
    return None


def _policy_vs_generator(graph, params):
    """The policy's node-attribute needs against what the ``[graph]`` generator declares it provides
    (files and datasets are checked when opened, before any chain runs); on an implicit population,
    the policy and options against what the model's router declares
    (:func:`simulate.implicit_routing.check_routing`)."""
    if "implicit" in graph:
        from .implicit_routing import IMPLICIT_ROUTING, check_routing

        try:
            mode = graph.get("mode") or IMPLICIT_ROUTING.get(graph["implicit"]).default_mode
            check_routing(graph["implicit"], mode, params["policy"], **{
                k: params.get(k) for k in ("attrition", "epsilon", "backtrack", "min_strength",
                                           "attrition_by_strength", "attributes", "record_paths", "source_groups")},
                node_attrition=params.get("node_attrition_mean"))
        except ParameterError as e:
            return str(e)
        return None
    if "generator" not in graph:
        return None
    model_params = {k: v for k, v in graph.items() if k != "generator"}
    try:
        policies.check_generator(params["policy"], graph["generator"], model_params, params.get("attributes"))
    except ParameterError as e:
        return str(e)
    return None


declare_kind(
    "chains",
    "Milgram-style message chains (simulate.chains.run_chains): each holder forwards the message "
    "to one neighbour by the policy until it reaches the target, is dropped, or gives up.",
    [
        _ParamSpec("policy", str, "greedy_lattice", choices=policies.names(),
                   doc="routing policy (`simulate.policies`); one needing node attributes that the "
                       "`[graph]` generator does not provide is an error at load"),
        _ParamSpec("attrition", float, 0.0, low=0.0, high=1.0,
                   doc="probability that a holder drops the message at each step"),
        _ParamSpec("chains", int, 1000, low=1, high=1_000_000_000, doc="chains started"),
        _ParamSpec("targets", int, 10, low=1, high=1_000_000_000,
                   doc="random targets, uniform with replacement (may repeat)"),
        _ParamSpec("chains_per_target", int, None, low=1, doc="chains per target (overrides chains)"),
        _ParamSpec("epsilon", float, 0.0, low=0.0, high=1.0,
                   doc="probability of a uniformly random forward instead of the policy's"),
        _ParamSpec("backtrack", bool, False, doc="return the message to the sender at dead ends"),
        _ParamSpec("max_steps", int, None, low=1,
                   doc="give up after this many steps [default: 10 sqrt(n) + 100]"),
        _ParamSpec("attributes", "str_list", None, doc="node attribute columns for greedy_attributes"),
        _ParamSpec("min_strength", int, None, low=1, high=5,
                   doc="forward only along ties of at least this strength level"),
        _ParamSpec("attrition_by_strength", "any", None,
                   doc="5 probabilities: message lost along a tie of level 1..5"),
        _ParamSpec("node_attrition_mean", float, None, low=0.0, high=1.0,
                   doc="per-node attrition drawn from a Beta with this mean "
                       "(replaces attrition; simulate.chains.beta_attrition)"),
        _ParamSpec("node_attrition_concentration", float, 10.0, low=1e-6, high=1e9,
                   doc="Beta concentration a + b"),
        _ParamSpec("compute_distances", bool, True,
                   doc="add each chain's shortest-path distance (one BFS per target)"),
        _ParamSpec("record_paths", bool, False, doc="store every chain's path"),
        _ParamSpec("source_groups", "any", None,
                   doc="starters by distance band to each target: an array of tables "
                       '`[{name = "near", chains = 100, quantiles = [0, 0.02]}, ...]`, distance measured '
                       "by the policy's own metric (replaces `chains`; `simulate.chains.group_sources`); "
                       "on an implicit hierarchical_identity population, bands per identity dimension instead: "
                       "`heights = [[lo, hi], ...]` (LCA height with the target's group, 0 = same group; "
                       "`simulate.implicit.identity_band_starters`); the chain table gets a `source_group` column"),
    ],
    _run_chain_experiment,
    metrics=("completion_rate", "mean_steps_reached", "estimated_attrition", "corrected_mean",
             "corrected_median", "mean_shortest_path"),
    rules=[
        _Rule(("node_attrition_mean", "attrition"), "give either attrition or node_attrition_mean, not both",
              lambda v: v["node_attrition_mean"] is None or not v["attrition"]),
        _Rule("node_attrition_mean", "node_attrition_mean must lie strictly between 0 and 1 (a Beta mean)",
              lambda v: v["node_attrition_mean"] is None or 0.0 < v["node_attrition_mean"] < 1.0),
        _Rule("attrition_by_strength", "attrition_by_strength must be 5 probabilities in [0, 1] (levels 1..5)",
              lambda v: v["attrition_by_strength"] is None or (
                  isinstance(v["attrition_by_strength"], list) and len(v["attrition_by_strength"]) == 5
                  and all(isinstance(x, (int, float)) and not isinstance(x, bool) and 0 <= x <= 1
                          for x in v["attrition_by_strength"]))),
        _Rule(("chains", "targets"), "chains must be >= targets (unless chains_per_target or source_groups "
                                     "sets the starters)",
              lambda v: v["chains_per_target"] is not None or v["source_groups"] is not None
              or v["chains"] >= v["targets"]),
        _Rule("source_groups", "source_groups must be an array of tables {name, chains, quantiles = [lo, hi] or "
                               "heights = [[lo, hi], ...]}",
              lambda v: _source_groups_valid(v["source_groups"]),
              lambda v: _source_groups_problem(v)),
    ],
    table="one row per chain",
    source_rules=[_SourceRule("policy", _policy_vs_generator),
                  _SourceRule("source_groups", _group_bands_vs_source)],
)
