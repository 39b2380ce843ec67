"""Distance profiles of sampled sources: reach (ball sizes), within-group distances, weighted targets.

For every sampled source ``s`` one breadth-first search over the whole graph gives, at each
hop distance ``d``:

* ``counts[s, d]``: nodes at distance ``d`` (the ball of radius ``r`` is
  ``sum_{d <= r} counts[s, d]``, the source included): Ugander et al.'s "friends of friends"
  are ``counts[s, 2]``, unique people reachable in 2 hops ``ball(2) - 1``;
* ``same[s, d]``: nodes at distance ``d`` in the source's group (a node attribute such as
  ``country``), so distances to same-group and to other-group targets can be compared
  (Backstrom et al. 2012: "within a country most pairs are about 4 hops apart");
* ``weight[s, d]``: the summed weight of those nodes; with ``target_weight="follower"`` the
  weight of ``f`` is ``sum_{f -> v} 1 / in_degree(v)``, so the weighted distribution is
  that of ``d(s, f)`` for ``f`` a uniformly random follower of a uniformly random user
  (arcs point from follower to followee).

Exact per source (no sketches); cost O(S (n + m)) for S sources.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from .errors import ParameterError
from .graph import Graph
from .kinds import SourceRule, declare_kind
from .params import ParamSpec
from .progress import progress_bar

TARGET_WEIGHTS = ("uniform", "follower")
#: "ignore": directed graphs searched as undirected (KONECT's reading of distances in a follow graph).
PROFILE_DIRECTIONS = ("out", "in", "ignore")


@dataclass
class DistanceProfiles:
    """Per-source distance profiles (see the module docstring).

    Attributes
    ----------
    sources : ndarray of int64, shape (S,)
        Internal node ids of the sources, in draw order.
    degree : ndarray of int64, shape (S,)
        Out-degree of each source (its degree for undirected graphs).
    group_of_source : ndarray of int64, shape (S,)
        Group label of each source (0 when no group attribute).
    counts, same : ndarray of int64, shape (S, D)
        Nodes, and same-group nodes, at distance ``d = 0..D-1`` from each source
        (``counts[:, 0] == 1``: the source itself).
    weight : ndarray of float64, shape (S, D)
        Summed target weight at each distance.
    group : str or None
        The node attribute used for groups.
    target_weight : str
        ``"uniform"`` (every node weight 1) or ``"follower"``.
    directed : bool
    direction : str
        ``"out"``: ``d(s, v)`` along arcs; ``"in"``: ``d(v, s)``.
    nodes : int
        Nodes of the graph (the BFS runs over the whole graph).
    frame : dict
        Where sources were drawn from (``component``, ``nodes``).
    params : dict
    """

    sources: np.ndarray
    degree: np.ndarray
    group_of_source: np.ndarray
    counts: np.ndarray
    same: np.ndarray
    weight: np.ndarray
    group: str | None
    target_weight: str
    directed: bool
    direction: str
    nodes: int
    frame: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)

    def balls(self, radius) -> np.ndarray:
        """Ball size ``|{v : d(s, v) <= radius}|`` of every source (the source included)."""
        r = int(radius)
        if r < 0:
            raise ParameterError(f"radius must be >= 0, got {r}")
        return self.counts[:, : r + 1].sum(axis=1)

    def histogram(self, which="all") -> np.ndarray:
        """Pairs ``(s, v)``, ``v != s``, at each distance ``d = 0..D-1`` summed over sources
        (``counts[0] = 0``): ``which`` = ``"all"``, ``"same"`` (v in s's group),
        ``"other"`` (v outside it) or ``"weight"`` (summed target weight)."""
        if which == "all":
            h = self.counts.sum(axis=0).astype(np.float64)
            h[0] = 0.0
        elif which == "same":
            h = self.same.sum(axis=0).astype(np.float64)
            h[0] = 0.0
        elif which == "other":
            h = (self.counts - self.same).sum(axis=0).astype(np.float64)
            h[0] = 0.0
        elif which == "weight":
            h = self.weight.sum(axis=0)
            h = h.copy()
            h[0] = 0.0
        else:
            raise ParameterError(f"which must be 'all', 'same', 'other' or 'weight', got {which!r}")
        return h

    def to_polars(self):
        """Long table, one row per (source, distance) up to the source's eccentricity:
        ``source, degree, group, distance, nodes, same_group, weight``."""
        import polars as pl

        S, D = self.counts.shape
        # Eccentricity of each source: last distance with a node (counts[:, 0] = 1 always).
        depth = (D - 1 - np.argmax((self.counts > 0)[:, ::-1], axis=1)).astype(np.int64)
        keep = np.arange(D)[None, :] <= depth[:, None]
        si, di = np.nonzero(keep)
        return pl.DataFrame({
            "source": self.sources[si],
            "degree": self.degree[si],
            "group": self.group_of_source[si],
            "distance": di.astype(np.int64),
            "nodes": self.counts[si, di],
            "same_group": self.same[si, di],
            "weight": self.weight[si, di],
        })

    def summary(self) -> dict:
        """Headline numbers (JSON-able): mean distance overall, to same-group and to
        other-group targets, weighted mean and sd, mean and median ball sizes at radii 1-3,
        fraction of pairs within 1..6 hops, and the pooled histograms (``[d, pairs]``)."""
        def mean_sd(h):
            tot = h.sum()
            if tot <= 0:
                return float("nan"), float("nan")
            d = np.arange(h.shape[0], dtype=np.float64)
            mu = float(np.dot(d, h) / tot)
            return mu, float(np.sqrt(max(np.dot((d - mu) ** 2, h) / tot, 0.0)))

        h_all, h_same, h_other, h_w = (self.histogram(w) for w in ("all", "same", "other", "weight"))
        cdf = np.cumsum(h_all) / h_all.sum() if h_all.sum() > 0 else np.full(h_all.shape, np.nan)
        out = {
            "sources": int(self.sources.shape[0]),
            "nodes": int(self.nodes),
            "group": self.group,
            "target_weight": self.target_weight,
            "mean_distance": mean_sd(h_all)[0],
            "sd_distance": mean_sd(h_all)[1],
            "mean_distance_same_group": mean_sd(h_same)[0],
            "mean_distance_other_group": mean_sd(h_other)[0],
            "same_group_pair_share": float(h_same.sum() / h_all.sum()) if h_all.sum() > 0 else float("nan"),
            "mean_distance_weighted": mean_sd(h_w)[0],
            "sd_distance_weighted": mean_sd(h_w)[1],
            "mean_source_degree": float(self.degree.mean()) if self.degree.size else float("nan"),
        }
        for k in range(1, 7):
            out[f"within_{k}"] = float(cdf[min(k, len(cdf) - 1)]) if len(cdf) else float("nan")
        for r in (1, 2, 3):
            b = self.balls(r).astype(np.float64) if self.counts.shape[1] > 0 else np.zeros(0)
            out[f"mean_ball_{r}"] = float(b.mean()) if b.size else float("nan")
            out[f"median_ball_{r}"] = float(np.median(b)) if b.size else float("nan")
        out["histogram"] = json.dumps([[d, float(h_all[d])] for d in range(1, len(h_all))])
        out["histogram_same_group"] = json.dumps([[d, float(h_same[d])] for d in range(1, len(h_same))])
        out["histogram_weighted"] = json.dumps([[d, float(h_w[d])] for d in range(1, len(h_w))])
        return out


def distance_profiles(graph: Graph, n_sources=256, sources=None, group=None, target_weight="uniform",
                      seed=0, component="largest", direction="out", progress=False) -> DistanceProfiles:
    """Exact per-source distance profiles of sampled sources.

    Parameters
    ----------
    graph : Graph
    n_sources : int, default 256
        Sources drawn uniformly without replacement from the frame (all of it if smaller).
    sources : array-like of int, optional
        Explicit sources (internal node ids, distinct); overrides ``n_sources`` and the frame.
    group : str, optional
        Node attribute (integer column of ``graph.node_attrs``) defining groups, e.g.
        ``"country"``. None: one group (``same == counts``).
    target_weight : {"uniform", "follower"}
        ``follower``: weight ``w[f] = sum_{f -> v} 1 / in_degree(v)`` (arcs follower ->
        followee; for undirected graphs followers are neighbours).
    seed : int
        Seeds the source draw.
    component : {"largest", "all"}
        Draw sources from the largest (strongly, if directed) connected component or from
        all nodes. The searches always run over the whole graph.
    direction : {"out", "in", "ignore"}
        Directed graphs: distances along arcs (``d(s, v)``), against them (``d(v, s)``), or
        with directions ignored (``ignore``: BFS on the undirected version, every arc's
        reverse added, built by counting without an edge list; ``component="largest"`` then
        means the largest weak component).
    progress : bool
        tqdm bar over sources on stderr.

    Returns
    -------
    DistanceProfiles

    Raises
    ------
    ParameterError
        Bad ``n_sources``, unknown ``group`` attribute or ``target_weight``, bad sources.

    Notes
    -----
    One direction-optimizing BFS per source (S. Beamer, K. Asanovic, D. Patterson, SC 2012,
    doi:10.1109/SC.2012.50) and an O(n) fold into the three rows: O(S (n + m)) time,
    O(n + S D) memory. Ball sizes at 2 and 3 hops compare with J. Ugander, B. Karrer,
    L. Backstrom, C. Marlow, "The Anatomy of the Facebook Social Graph", arXiv:1111.4503
    (2011); same-country distances with L. Backstrom, P. Boldi, M. Rosa, J. Ugander,
    S. Vigna, "Four Degrees of Separation", WebSci 2012, doi:10.1145/2380718.2380723.
    """
    from .kernels.bfs import bfs_direction_optimizing
    from .kernels.reach import fold_profile, follower_weights

    if not isinstance(graph, Graph):
        raise ParameterError(f"graph must be a simulate.Graph, got {type(graph).__name__}")
    if target_weight not in TARGET_WEIGHTS:
        raise ParameterError(f"target_weight must be one of {', '.join(TARGET_WEIGHTS)}; got {target_weight!r}")
    if component not in ("largest", "all"):
        raise ParameterError(f"component must be 'largest' or 'all'; got {component!r}")
    if direction not in PROFILE_DIRECTIONS:
        raise ParameterError(f"direction must be one of {', '.join(PROFILE_DIRECTIONS)}; got {direction!r}")
    undirected = None
    if graph.directed and direction == "ignore":
        from numba import get_num_threads

        from .kernels.csr import undirected_from_directed

        undirected = undirected_from_directed(graph.indptr, graph.indices, get_num_threads())
    n = graph.n
    if group is not None:
        attrs = graph.node_attrs
        if attrs is None or group not in attrs.columns:
            have = ", ".join(attrs.columns) if attrs is not None else "none"
            raise ParameterError(f"group attribute {group!r} is not a node attribute of the graph (has: {have})")
        labels = np.asarray(attrs[group].fill_null(-1).to_numpy(), dtype=np.int64)
    else:
        labels = np.zeros(n, dtype=np.int64)

    if sources is not None:
        src = np.atleast_1d(np.asarray(sources))
        if src.ndim != 1 or src.size == 0 or src.dtype.kind not in "iu":
            raise ParameterError("sources must be a non-empty 1-D list of integer internal node ids")
        src = src.astype(np.int64)
        if src.min() < 0 or src.max() >= n:
            raise ParameterError(f"sources must be internal node ids in 0..{n - 1}")
        if np.unique(src).size != src.size:
            raise ParameterError("sources must be distinct")
        frame = {"component": "explicit", "nodes": int(n)}
    else:
        n_sources = int(n_sources)
        if n_sources < 1:
            raise ParameterError(f"n_sources must be >= 1, got {n_sources}")
        if component == "largest" and n > 0:
            strong = graph.directed and undirected is None
            pool = np.flatnonzero(graph.largest_component_mask(strong=strong)).astype(np.int64)
        else:
            pool = np.arange(n, dtype=np.int64)
        rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(0x5245,)))
        k = min(n_sources, pool.size)
        src = pool[rng.choice(pool.size, size=k, replace=False)] if k < pool.size else pool[rng.permutation(pool.size)]
        frame = {"component": component, "nodes": int(pool.size)}

    if undirected is not None:
        push = pull = undirected
        deg = np.diff(undirected[0])
    elif graph.directed:
        t = graph.transpose()
        fwd, back = (graph, t) if direction == "out" else (t, graph)
        push, pull = (fwd.indptr, fwd.indices), (back.indptr, back.indices)
        deg = np.diff(fwd.indptr)
    else:
        push = pull = (graph.indptr, graph.indices)
        deg = np.diff(graph.indptr)
    if target_weight == "follower":
        indeg = graph.in_degree() if graph.directed else graph.out_degree()
        w = follower_weights(graph.indptr, graph.indices, np.asarray(indeg, dtype=np.float64))
    else:
        w = np.ones(n, dtype=np.float64)

    S = int(src.shape[0])
    cap = 16
    counts = np.zeros((S, cap), dtype=np.int64)
    same = np.zeros((S, cap), dtype=np.int64)
    wsum = np.zeros((S, cap), dtype=np.float64)
    bar = progress_bar(progress, S, "profiles", "src")
    try:
        for i in range(S):
            s = int(src[i])
            dist = bfs_direction_optimizing(push[0], push[1], pull[0], pull[1], s, 15.0, 18.0)
            depth = int(dist.max())
            if depth >= cap:
                new = depth + 1
                counts = np.pad(counts, ((0, 0), (0, new - cap)))
                same = np.pad(same, ((0, 0), (0, new - cap)))
                wsum = np.pad(wsum, ((0, 0), (0, new - cap)))
                cap = new
            fold_profile(dist, labels, labels[s], w, counts[i], same[i], wsum[i])
            bar.update(1)
    finally:
        bar.close()
    nz = np.flatnonzero(counts.sum(axis=0) > 0)
    D = int(nz[-1]) + 1 if nz.size else 1
    return DistanceProfiles(sources=src, degree=deg[src].astype(np.int64), group_of_source=labels[src],
                            counts=counts[:, :D].copy(), same=same[:, :D].copy(), weight=wsum[:, :D].copy(),
                            group=group, target_weight=target_weight, directed=graph.directed,
                            direction=direction if graph.directed else "out", nodes=n, frame=frame,
                            params={"seed": seed, "n_sources": S})


# ---------------------------------------------------------------------------- experiment kind
def _group_vs_generator(graph, params):
    """``group`` must be a node attribute the ``[graph]`` generator declares it provides (files and
    datasets are checked when the cell opens them)."""
    group = params["group"]
    if group is None or "generator" not in graph:
        return None
    from .generators import MODELS
    from .node_attributes import parse_requirement

    model = MODELS[graph["generator"]]
    provided = model.node_attributes({k: v for k, v in graph.items() if k not in ("generator", "component")})
    tokens = {t for text in provided for alt in parse_requirement(text) for t in alt}
    if any(t == group or (t.endswith("_*") and group.startswith(t[:-1])) for t in tokens):
        return None
    return (f"group attribute {group!r} is not a node attribute of {graph['generator']} graphs "
            f"(they provide: {', '.join(provided) or 'none'})")


def _run_profiles(graph, params, seed):
    prof = distance_profiles(graph, n_sources=params["sources"], group=params["group"],
                             target_weight=params["target_weight"], seed=seed,
                             component=params["component"], direction=params["direction"])
    return prof.to_polars(), prof.summary()


declare_kind(
    "profiles",
    "Exact per-source distance profiles (simulate.reach.distance_profiles): one BFS per sampled source, "
    "recording how many people lie at each distance, how many of them share the source's group, and "
    "(optionally) distances to a random follower of a random user.",
    [
        ParamSpec("sources", int, 256, low=1, high=100_000_000,
                  doc="BFS sources drawn uniformly without replacement (simulate.reach.distance_profiles)"),
        ParamSpec("group", str, None, doc="node attribute defining groups (e.g. country) for "
                                          "same-group vs other-group distances"),
        ParamSpec("target_weight", str, "uniform", choices=TARGET_WEIGHTS,
                  doc="follower: also weight targets as a random follower of a random user"),
        ParamSpec("component", str, "largest", choices=("largest", "all"),
                  doc="draw sources from the largest (strongly) connected component or all nodes"),
        ParamSpec("direction", str, "out", choices=PROFILE_DIRECTIONS,
                  doc="follow arcs forward or backward, or ignore directions (directed graphs)"),
    ],
    _run_profiles,
    source_rules=[SourceRule("group", _group_vs_generator)],
    metrics=("mean_distance", "sd_distance", "mean_distance_same_group", "mean_distance_other_group",
             "mean_distance_weighted", "within_6"),
    table="one row per source and distance",
)
