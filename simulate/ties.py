"""Tie strength as a graph property: intensity, neighbourhood overlap, levels 1-5, percolation by
strength, reliable introduction paths and independent cascades.

Conventions (one everywhere in smallworld)
------------------------------------------
* **Level 5 = strongest**, 1 = weakest, as routing's ``min_strength`` and ``attrition_by_strength``
  use it. A personal *rating* s (1 = best friend ... 5 = never met, the networking essays' scale)
  is level ``6 - s`` (:func:`level_from_rating`, :func:`rating_from_level`).
* **Intensity** = the edge weight (for event lists read with ``format="events"``, the number of
  events per pair, both directions summed). Directed graphs are used through their undirected
  projection, with intensity summed over both directions (:func:`undirected_projection`).
* **Overlap** (Onnela et al. 2007): ``O_ij = n_ij / ((k_i - 1) + (k_j - 1) - n_ij)``, ``n_ij`` the
  common neighbours; ``O_ij = 0`` when ``k_i = k_j = 1`` (denominator 0).
* **Levels** (:data:`LEVEL_SCHEMES`):

  - ``"fixed"``: fixed cut points for counts: 1 -> 1, 2 -> 2, 3-4 -> 3, 5-9 -> 4, >= 10 -> 5
    (only for intensities that are positive integers);
  - ``"quantile"``: tie-preserving quintiles, ``level = 1 + floor(5 * F(<x))`` with ``F(<x)`` the
    share of edges with a strictly smaller value, so equal values always share a level (a mass of
    ties may leave the levels just above it empty, which the summary shows);
  - ``"given"``: the weights already are levels 1..5 (an explicit choice: integer weights never become
    levels silently).

  Defaults: ``"fixed"`` for intensity, ``"quantile"`` for overlap.

References: M. S. Granovetter, AJS 78, 1360 (1973), doi:10.1086/225469; J.-P. Onnela et al.,
PNAS 104, 7332 (2007), doi:10.1073/pnas.0610245104; M. E. J. Newman, R. M. Ziff, PRL 85, 4104
(2000), doi:10.1103/PhysRevLett.85.4104.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from .errors import GraphError, ParameterError
from .graph import Graph
from .kernels import ties as _k
from .registry import did_you_mean

BY = ("intensity", "overlap")
ORDERS = ("weak-first", "strong-first", "random")
LEVEL_SCHEMES = ("fixed", "quantile", "given")
#: Upper ends of levels 1-4 for ``"fixed"`` count levels: 1, 2, 3-4, 5-9, >= 10.
COUNT_CUTS = (1, 2, 4, 9)


def _choice(value, options, what):
    if value not in options:
        raise ParameterError(f"unknown {what} {value!r}{did_you_mean(value, options)} "
                             f"(choose one of: {', '.join(options)})")
    return value


def level_from_rating(rating):
    """Level (5 = strongest) of a personal rating s (1 = best friend ... 5 = never met): ``6 - s``."""
    r = np.asarray(rating)
    if r.size and (not np.all(np.isin(r, [1, 2, 3, 4, 5]))):
        raise ParameterError(f"ratings must be integers 1..5 (1 = best friend, 5 = never met); got {r[~np.isin(r, [1, 2, 3, 4, 5])][:3].tolist()}")
    return (6 - r).astype(np.int8)


def rating_from_level(level):
    """The inverse of :func:`level_from_rating`."""
    return level_from_rating(level)


# ---------------------------------------------------------------------------- projection
def undirected_projection(graph: Graph) -> Graph:
    """``graph`` itself if undirected, else its undirected projection with weights summed over both
    directions (unweighted arcs count 1 each when the graph has no weights: the projection is then
    unweighted). O(m log m)."""
    if not graph.directed:
        return graph
    src, dst = graph.edges()
    lo, hi = np.minimum(src, dst), np.maximum(src, dst)
    key = lo * np.int64(graph.n) + hi
    uniq, inv = np.unique(key, return_inverse=True)
    w = None
    if graph.weights is not None:
        w = np.bincount(inv.ravel(), weights=np.asarray(graph.weights), minlength=uniq.shape[0])
    return Graph.from_edges(uniq // graph.n, uniq % graph.n, directed=False, n=graph.n, weights=w,
                            node_ids=graph.node_ids, node_attrs=graph.node_attrs, relabel=False,
                            meta=dict(graph.meta, projection="undirected, weights summed"))


# ---------------------------------------------------------------------------- levels
def fixed_count_levels(counts) -> np.ndarray:
    """Levels 1-5 from positive integer counts by the fixed cut points 1, 2, 3-4, 5-9, >= 10."""
    c = np.asarray(counts, dtype=np.float64)
    if c.size and (np.any(c < 1) or np.any(c != np.floor(c))):
        raise ParameterError("fixed count levels need positive integer weights (event counts); "
                             "use levels='quantile' for other weights")
    return (np.searchsorted(np.asarray(COUNT_CUTS, dtype=np.float64), c, side="left") + 1).astype(np.int8)


def quantile_levels(values) -> np.ndarray:
    """Tie-preserving quintile levels: ``1 + floor(5 * share of values strictly below x)``."""
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        return np.empty(0, dtype=np.int8)
    below = np.searchsorted(np.sort(v), v, side="left")
    return (1 + (5 * below) // v.size).astype(np.int8)


def given_levels(weights) -> np.ndarray:
    """Weights that already are levels 1..5 (ParameterError otherwise)."""
    w = np.asarray(weights, dtype=np.float64)
    bad = ~np.isin(w, [1.0, 2.0, 3.0, 4.0, 5.0])
    if bad.any():
        raise ParameterError(f"levels must be integers 1..5 (5 = strongest); found {w[bad][:3].tolist()}")
    return w.astype(np.int8)


# ---------------------------------------------------------------------------- ties
@dataclass
class Ties:
    """Per-edge tie strengths of an undirected graph (edges in :meth:`Graph.edges` order).

    Attributes
    ----------
    graph : Graph
        The undirected graph (the projection, for directed input).
    src, dst : ndarray of int32
        Internal endpoints, ``src < dst``.
    weight : ndarray of float64 or None
        Intensity (event counts or weights).
    overlap : ndarray of float64
        Onnela overlap.
    common : ndarray of int32
        Common neighbours ``n_ij``.
    level : ndarray of int8
        Levels 1..5 (5 = strongest) from ``by`` under ``scheme``.
    by, scheme : str
    """

    graph: Graph
    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray | None
    overlap: np.ndarray
    common: np.ndarray
    level: np.ndarray
    by: str
    scheme: str

    @property
    def m(self) -> int:
        return int(self.src.shape[0])

    def strength(self, by=None) -> np.ndarray:
        """The raw strength values ``by`` (intensity or overlap) per edge."""
        by = by or self.by
        if by == "overlap":
            return self.overlap
        if self.weight is None:
            raise GraphError("the graph has no weights, so there is no interaction intensity; use "
                             "--by overlap, or read an event list with --weights count")
        return self.weight

    def arc_levels(self) -> np.ndarray:
        """Levels per arc (int8, aligned with ``graph.indices``), for routing's ``min_strength``."""
        ids = _k.arc_edge_ids(self.graph.indptr, self.graph.indices, self._off())
        return self.level[ids]

    def arc_values(self, per_edge) -> np.ndarray:
        """Spread a per-edge array onto arcs (both arcs of an edge get its value)."""
        ids = _k.arc_edge_ids(self.graph.indptr, self.graph.indices, self._off())
        return np.asarray(per_edge)[ids]

    def _off(self):
        return _k.edge_offsets(self.graph.indptr, self.graph.indices)

    def table(self) -> pl.DataFrame:
        """One row per edge: u, v (original labels), weight, overlap, common, level, rating (= 6 - level)."""
        g = self.graph
        u = g.label_of(self.src) if g.node_ids is not None else self.src
        v = g.label_of(self.dst) if g.node_ids is not None else self.dst
        return pl.DataFrame({
            "u": np.asarray(u), "v": np.asarray(v),
            "weight": self.weight if self.weight is not None else np.full(self.m, np.nan),
            "overlap": self.overlap, "common": self.common,
            "level": self.level, "rating": (6 - self.level).astype(np.int8),
        })

    def summary(self) -> dict:
        """Level distribution (counts, shares), mean overlap and mean intensity by level."""
        out = {"by": self.by, "levels": self.scheme, "nodes": self.graph.n, "edges": self.m,
               "level_convention": "5 = strongest; rating s (1 = best friend .. 5 = never met) = 6 - level",
               "mean_overlap": float(self.overlap.mean()) if self.m else None,
               "zero_overlap_share": float((self.overlap == 0).mean()) if self.m else None,
               "by_level": []}
        for lev in range(1, 6):
            sel = self.level == lev
            k = int(sel.sum())
            row = {"level": lev, "rating": 6 - lev, "edges": k, "share": k / self.m if self.m else 0.0,
                   "mean_overlap": float(self.overlap[sel].mean()) if k else None}
            if self.weight is not None:
                row["mean_weight"] = float(self.weight[sel].mean()) if k else None
            out["by_level"].append(row)
        return out

    def provenance(self) -> dict:
        from . import __version__

        return {"kind": "ties", "by": self.by, "levels": self.scheme, "nodes": self.graph.n,
                "edges": self.m, "graph_fingerprint": self.graph.fingerprint,
                "graph_meta": self.graph.meta, "smallworld_version": __version__}

    def to_parquet(self, path, metadata=None):
        """Write :meth:`table` atomically with provenance (key ``smallworld``) in the file metadata."""
        return write_table(self.table(), path, self.provenance(), metadata)


def write_table(df: pl.DataFrame, path, provenance: dict, metadata=None):
    """Write a polars table to Parquet atomically, provenance JSON under key ``smallworld``."""
    from .provenance import write_parquet

    return write_parquet(df, path, provenance, metadata)


def tie_strengths(graph: Graph, by="overlap", levels=None) -> Ties:
    """Intensity, overlap and levels 1-5 of every tie.

    Parameters
    ----------
    graph : Graph
        Any graph; directed graphs are projected (weights summed over both directions).
    by : {"intensity", "overlap"}
        What the levels are made from. ``"intensity"`` needs weights (GraphError otherwise).
    levels : {"fixed", "quantile", "given"}, optional
        Default ``"fixed"`` for intensity (cut points 1, 2, 3-4, 5-9, >= 10), ``"quantile"``
        (tie-preserving) for overlap. ``"given"`` takes weights 1..5 as levels.

    Returns
    -------
    Ties

    Notes
    -----
    Overlap: one sorted-row merge per edge (:func:`simulate.kernels.triangles.common_sorted`),
    O(sum over edges (k_i + k_j)) time, O(m) memory (12 bytes per edge plus the levels), parallel
    over rows. Onnela et al., PNAS 104, 7332 (2007), doi:10.1073/pnas.0610245104.
    """
    _choice(by, BY, "tie strength measure (--by)")
    if levels is None:
        levels = "fixed" if by == "intensity" else "quantile"
    _choice(levels, LEVEL_SCHEMES, "level scheme (--levels)")
    g = undirected_projection(graph)
    if by == "intensity" and g.weights is None:
        raise GraphError("--by intensity needs a weighted graph (weights or event counts), and this one "
                         "is unweighted; use --by overlap, or read an event list with --weights count")
    off = _k.edge_offsets(g.indptr, g.indices)
    ov, cm = _k.edge_overlap(g.indptr, g.indices, off)
    src, dst = _k.edge_endpoints(g.indptr, g.indices, off)
    w = g.edge_weights()
    values = w if by == "intensity" else ov
    if levels == "given":
        if w is None:
            raise GraphError("levels='given' takes the weights as levels, and this graph is unweighted")
        lev = given_levels(w)
    elif levels == "fixed":
        if by != "intensity":
            raise ParameterError("fixed cut points are for counts (--by intensity); overlap uses "
                                 "--levels quantile")
        lev = fixed_count_levels(values)
    else:
        lev = quantile_levels(values)
    return Ties(g, src, dst, w, ov, cm, lev, by, levels)


# ---------------------------------------------------------------------------- percolation
@dataclass
class Percolation:
    """Percolation curves by tie strength, averaged over seeds.

    Attributes
    ----------
    removed : ndarray, shape (p,)
        Fraction of ties removed at each point (starts at 0).
    giant, susceptibility : ndarray, shape (seeds, p)
        Largest component / all nodes, and ``sum_{s < s_max} n_s s^2 / N`` (every component of the
        largest size left out), per seed.
    peak_removed : ndarray, shape (seeds,)
        Fraction removed where the susceptibility peaks, per seed, over every removal step.
    """

    by: str
    order: str
    removed: np.ndarray
    giant: np.ndarray
    susceptibility: np.ndarray
    peak_removed: np.ndarray
    nodes: int
    edges: int
    seed: int
    fingerprint: str = ""
    params: dict = field(default_factory=dict)

    @property
    def collapse_at(self) -> float:
        """Mean over seeds of the fraction removed at the susceptibility peak (every step resolved)."""
        return float(self.peak_removed.mean())

    def band(self, a, q=(2.5, 97.5)):
        return np.percentile(a, q[0], axis=0), np.percentile(a, q[1], axis=0)

    def to_json(self) -> dict:
        """``{"curve": [{"removed", "giant", "susceptibility"}...], "collapse_at": f, ...}`` (means over seeds)."""
        g = self.giant.mean(axis=0)
        s = self.susceptibility.mean(axis=0)
        glo, ghi = self.band(self.giant)
        slo, shi = self.band(self.susceptibility)
        clo, chi = self.band(self.peak_removed)
        return {
            "curve": [{"removed": float(f), "giant": float(a), "susceptibility": float(b)}
                      for f, a, b in zip(self.removed, g, s)],
            "collapse_at": self.collapse_at,
            "collapse_band": [float(clo), float(chi)],
            "collapse_at_curve": float(self.removed[int(np.argmax(s))]) if s.size else None,
            "bands": {"quantiles": [2.5, 97.5], "giant_lo": glo.tolist(), "giant_hi": ghi.tolist(),
                      "susceptibility_lo": slo.tolist(), "susceptibility_hi": shi.tolist()},
            "by": self.by, "order": self.order, "seeds": int(self.giant.shape[0]), "seed": self.seed,
            "nodes": self.nodes, "edges": self.edges,
        }

    def table(self) -> pl.DataFrame:
        """Long table: one row per (seed index, point)."""
        k, p = self.giant.shape
        return pl.DataFrame({
            "run": np.repeat(np.arange(k, dtype=np.int32), p),
            "removed": np.tile(self.removed, k),
            "giant": self.giant.ravel(), "susceptibility": self.susceptibility.ravel(),
            "by": [self.by] * (k * p), "order": [self.order] * (k * p),
        })

    def provenance(self) -> dict:
        from . import __version__

        return {"kind": "percolation", "by": self.by, "order": self.order, "seed": self.seed,
                "seeds": int(self.giant.shape[0]), "nodes": self.nodes, "edges": self.edges,
                "collapse_at": self.collapse_at, "graph_fingerprint": self.fingerprint,
                "params": self.params, "smallworld_version": __version__}

    def to_parquet(self, path, metadata=None):
        return write_table(self.table(), path, self.provenance(), metadata)


def removal_order(strength, order, seed, run=0) -> np.ndarray:
    """Edge removal order: by ``strength`` ascending (weak-first) or descending (strong-first), a
    seeded uniformly random order within equal strengths; or a uniformly random permutation.

    Run ``r`` draws from ``stream_states(seed, 1, spawn_key=(17, r))``: the same whatever the number
    of runs. O(m log m) for the sort, O(m) for shuffling the ties
    (:func:`simulate.kernels.ties.shuffle_equal_runs`).
    """
    from .kernels.random import stream_states

    _choice(order, ORDERS, "removal order (--order)")
    m = strength.shape[0]
    st = stream_states(int(seed), 1, spawn_key=(17, int(run)))[0]
    key = np.zeros(m) if order == "random" else np.asarray(strength, dtype=np.float64)
    if order == "strong-first":
        key = -key
    o = np.argsort(key, kind="quicksort").astype(np.int64) if order != "random" else np.arange(m, dtype=np.int64)
    return _k.shuffle_equal_runs(o, key, st)


def percolation(graph: Graph, by="overlap", order="weak-first", points=100, seeds=10, seed=0,
                ties: Ties | None = None, strength=None) -> Percolation:
    """Giant component and susceptibility while ties are removed by strength (Newman-Ziff, one pass).

    Parameters
    ----------
    graph : Graph
        Directed graphs are projected (intensity summed over both directions).
    by : {"overlap", "intensity"}
        The strength that orders removal (raw values, not levels: finer order).
    order : {"weak-first", "strong-first", "random"}
    points : int >= 2
        Points of the curve, at removed fractions ``linspace(0, 1, points)`` (rounded to whole edges).
    seeds : int >= 1
        Runs averaged (each its own permutation within tied strengths).
    seed : int
    ties : Ties, optional
        Precomputed strengths (skips the overlap computation).
    strength : ndarray, optional
        Explicit per-edge strengths (edge order of ``graph.edges()``), e.g. a model's own.

    Returns
    -------
    Percolation

    Notes
    -----
    Per run O(m log m) for the order plus O(m alpha(n)) for the union-find; the susceptibility is
    tracked at every edge, so ``collapse_at`` is resolved to one edge, not to the point grid.
    Onnela et al. 2007 (doi:10.1073/pnas.0610245104), Fig. 4; Newman & Ziff 2000.
    """
    _choice(by, BY, "tie strength measure (--by)")
    _choice(order, ORDERS, "removal order (--order)")
    if int(points) < 2:
        raise ParameterError(f"points must be >= 2, got {points}")
    if int(seeds) < 1:
        raise ParameterError(f"seeds must be >= 1, got {seeds}")
    g = undirected_projection(graph)
    off = _k.edge_offsets(g.indptr, g.indices)
    src, dst = _k.edge_endpoints(g.indptr, g.indices, off)
    m = int(src.shape[0])
    if strength is not None:
        values = np.asarray(strength, dtype=np.float64)
        if values.shape[0] != m:
            raise ParameterError(f"strength has {values.shape[0]} entries for {m} edges")
    elif ties is not None:
        values = ties.strength(by)
    elif by == "intensity":
        if g.weights is None:
            raise GraphError("--by intensity needs a weighted graph (weights or event counts), and this "
                             "one is unweighted; use --by overlap, or read an event list with --weights count")
        values = g.edge_weights()
    else:
        values = _k.edge_overlap(g.indptr, g.indices, off)[0] if order != "random" else np.zeros(m)
    removed = np.linspace(0.0, 1.0, int(points))
    record = np.rint(removed * m).astype(np.int64)
    giant = np.empty((int(seeds), record.shape[0]))
    chi = np.empty_like(giant)
    peak = np.empty(int(seeds))
    for r in range(int(seeds)):
        o = removal_order(values, order, seed, r)
        giant[r], chi[r], pk = _k.percolation_curve(g.n, src, dst, o, record)
        peak[r] = pk / m if m else 0.0
    return Percolation(by=by, order=order, removed=removed, giant=giant, susceptibility=chi,
                       peak_removed=peak, nodes=g.n, edges=m, seed=int(seed), fingerprint=g.fingerprint,
                       params={"points": int(points), "seeds": int(seeds)})


# ---------------------------------------------------------------------------- introductions
def _arc_probs(graph: Graph, arc_prob):
    p = np.asarray(arc_prob, dtype=np.float64)
    if p.shape[0] != graph.num_arcs:
        raise ParameterError(f"arc probabilities: {p.shape[0]} values for {graph.num_arcs} arcs")
    if p.size and (p.min() < 0 or p.max() > 1 or not np.all(np.isfinite(p))):
        raise ParameterError("arc probabilities must lie in [0, 1]")
    return p


def level_probs(levels, f) -> np.ndarray:
    """``f[level - 1]`` per tie: the probability a tie of each level passes a request."""
    f = np.asarray(f, dtype=np.float64)
    if f.shape != (5,) or f.min() < 0 or f.max() > 1:
        raise ParameterError(f"f must be 5 probabilities in [0, 1] (levels 1..5), got {f.tolist()}")
    return f[np.asarray(levels, dtype=np.int64) - 1]


def reliable_paths(graph: Graph, arc_prob, sources, hops=3) -> np.ndarray:
    """Most reliable introduction path probability from each source to every node, <= ``hops`` hops.

    The max over paths of at most ``hops`` arcs of the product of arc probabilities: ``hops`` rounds of
    Bellman-Ford on products (equivalently on ``-log f``). Plain Dijkstra with a hop cap is not exact
    (a more reliable but longer prefix can block a shorter one), hence the rounds.

    Returns float64 ``(len(sources), n)``: 1 at the source, 0 where no path of <= hops exists.
    O(hops * m) per source; dense output, so batch the sources.
    """
    if int(hops) < 0:
        raise ParameterError(f"hops must be >= 0, got {hops}")
    p = _arc_probs(graph, arc_prob)
    src = np.asarray(sources, dtype=np.int64)
    return _k.reliable_reach(graph.indptr, graph.indices, p, src, int(hops))


def warm_reach_paths(graph: Graph, arc_prob, sources, hops=3, group=None, n_groups=0):
    """Sum over other nodes of the most reliable <= hops path probability, per source, and the best
    probability into each group (``group`` int32 per node, -1 = none). Exact expected warm reach on
    trees (one path per pair); a lower bound of the cascade reach elsewhere."""
    p = _arc_probs(graph, arc_prob)
    grp = np.empty(0, dtype=np.int32) if group is None else np.asarray(group, dtype=np.int32)
    return _k.reliable_reach_sums(graph.indptr, graph.indices, p, np.asarray(sources, dtype=np.int64),
                                  int(hops), grp, int(n_groups))


def cascade_reach(graph: Graph, arc_prob, sources, hops=3, trials=200, seed=0, through=None):
    """Monte-Carlo independent-cascade reach within ``hops`` hops, per source.

    Each reached person passes the request over each tie once, succeeding with the tie's
    probability; source ``i`` uses its own stream (``stream_states(seed, len(sources))``), so
    results are identical on any thread count.

    Returns
    -------
    mean : float64 (k,)
        Expected number of people reached (source excluded).
    via_share : float64 (k,)
        Share of those reached whose chain passed through a ``through`` node (e.g. centers of
        influence), or zeros.
    """
    from .kernels.random import stream_states

    if int(trials) < 1:
        raise ParameterError(f"trials must be >= 1, got {trials}")
    p = _arc_probs(graph, arc_prob)
    src = np.asarray(sources, dtype=np.int64)
    states = stream_states(seed, src.shape[0], spawn_key=(13,))
    thr = np.empty(0, dtype=np.bool_) if through is None else np.asarray(through, dtype=np.bool_)
    counts = np.zeros((src.shape[0], 2), dtype=np.int64)
    mean = _k.cascade_reach(graph.indptr, graph.indices, p, src, int(hops), int(trials), states, thr, counts)
    via = np.where(counts[:, 1] > 0, counts[:, 0] / np.maximum(counts[:, 1], 1), 0.0)
    return mean, via


# ---------------------------------------------------------------------------- experiment kind
def _run_percolation(graph, params, seed):
    res = percolation(graph, by=params["by"], order=params["order"], points=params["points"],
                      seeds=params["seeds"], seed=seed)
    lo, hi = res.band(res.giant)
    slo, shi = res.band(res.susceptibility)
    clo, chi = res.band(res.peak_removed)
    table = pl.DataFrame({"removed": res.removed, "giant": res.giant.mean(axis=0), "giant_lo": lo,
                          "giant_hi": hi, "susceptibility": res.susceptibility.mean(axis=0),
                          "susceptibility_lo": slo, "susceptibility_hi": shi})
    summary = {"collapse_at": res.collapse_at, "collapse_lo": float(clo), "collapse_hi": float(chi),
               "giant_area": float(res.giant.mean()), "nodes": res.nodes, "edges": res.edges}
    return table, summary


def _declare_kind():
    from .kinds import declare_kind
    from .params import ParamSpec

    declare_kind(
        "percolation",
        "Ties removed by strength (simulate.ties.percolation): giant component and susceptibility "
        "against the fraction removed, Newman-Ziff one pass per run, averaged over seeded runs.",
        [
            ParamSpec("by", str, "overlap", choices=BY,
                      doc="strength ordering removal: Onnela overlap, or intensity (the weights)"),
            ParamSpec("order", str, "weak-first", choices=ORDERS, doc="which ties go first"),
            ParamSpec("points", int, 100, low=2, high=1_000_000, doc="curve points from 0 to 1 removed"),
            ParamSpec("seeds", int, 10, low=1, high=10_000,
                      doc="runs averaged (random order within tied strengths)"),
        ],
        _run_percolation,
        metrics=("collapse_at", "giant_area"),
        table="one row per curve point (removed, giant and susceptibility: mean and 2.5/97.5% band over runs)",
    )


_declare_kind()
