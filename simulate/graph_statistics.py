"""Structural statistics of a graph, and the ``graph`` experiment kind (one row per graph).

Nodes, edges, connected components, degree statistics, reciprocity as arc and pair shares
(directed graphs) and
clustering: what Watts & Strogatz (1998) tabulate per graph, and what every sweep over generator
parameters can record with ``[experiment] kind = "graph"``.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .kinds import declare_kind
from .params import ParamSpec


def reciprocity_shares(graph) -> dict:
    """The two reciprocity measures of a directed graph, which are easy to confuse.

    ``reciprocity_arcs`` is the share of arcs u -> v whose reverse v -> u exists (networkx's
    ``overall_reciprocity``); ``mutual_pair_share`` the share of connected unordered pairs
    joined both ways (igraph's ``reciprocity(mode="ratio")``), the measure of Kwak et al.'s
    22.1% for Twitter (WWW 2010, doi:10.1145/1772690.1772751). With R reciprocated arcs among
    A arcs they are R / A and (R / 2) / (A - R / 2), so pairs = arcs / (2 - arcs). O(m log d_max)
    with :func:`simulate.kernels.reach.reciprocated_arcs`.
    """
    from .kernels.reach import reciprocated_arcs

    arcs = int(graph.num_arcs)
    rec = int(reciprocated_arcs(graph.indptr, graph.indices))
    return {"reciprocity_arcs": rec / arcs if arcs else 0.0,
            "mutual_pair_share": (rec / 2) / (arcs - rec / 2) if arcs else 0.0}


def local_clustering(graph, nodes=None) -> np.ndarray:
    """Local clustering coefficient of every node of an undirected graph (float64, length n),
    or of the listed ``nodes`` only (in their order).

    ``c_u = t_u / C(d_u, 2)``, ``t_u`` the edges among the neighbours of ``u`` and ``d_u`` its
    degree; 0 for ``d_u < 2`` (networkx's and igraph's ``mode="zero"`` convention; Watts &
    Strogatz, Nature 393, 440 (1998), doi:10.1038/30918). Work O(sum_u d_u^2) with
    :func:`simulate.kernels.triangles.node_triangles`; with ``nodes``, O(sum over the listed u
    of d_u^2 + the degrees of u's neighbours) with
    :func:`simulate.kernels.triangles.node_triangles_of` (a uniform sample of people then
    estimates the mean and median of c without the whole count).

    Raises
    ------
    ParameterError
        For a directed graph (use its undirected version), or ``nodes`` out of range.
    """
    from .errors import ParameterError

    if graph.directed:
        raise ParameterError("local clustering is defined here for undirected graphs; build the undirected version first")
    if nodes is None:
        t, pairs = _triangles_and_pairs(graph)
        return np.divide(t, pairs, out=np.zeros(graph.n), where=pairs > 0)
    from .kernels.triangles import node_triangles_of

    nodes = np.ascontiguousarray(nodes, dtype=np.int64)
    if nodes.ndim != 1 or (nodes.size and (nodes.min() < 0 or nodes.max() >= graph.n)):
        raise ParameterError(f"nodes must be a 1-d array of node ids in [0, {graph.n})")
    t = node_triangles_of(graph.indptr, graph.indices, nodes).astype(np.float64)
    d = (graph.indptr[nodes + 1] - graph.indptr[nodes]).astype(np.float64)
    pairs = d * (d - 1) / 2
    return np.divide(t, pairs, out=np.zeros(nodes.size), where=pairs > 0)


def _triangles_and_pairs(graph):
    # Triangles through each node and its neighbour pairs C(d, 2), both float64.
    from .kernels.triangles import node_triangles

    d = graph.out_degree().astype(np.float64)
    return node_triangles(graph.indptr, graph.indices).astype(np.float64), d * (d - 1) / 2


def clustering_by_degree(graph, local=None):
    """Mean local clustering of the nodes of each degree: the curve c(d) of BTER and Ugander et al.

    Returns ``(degrees, mean_clustering, nodes)``: the distinct degrees ``d >= 1`` present
    (ascending, int64), the mean of :func:`local_clustering` over the nodes of that degree, and
    how many nodes have it. ``local`` reuses already computed local clustering values. O(n) after
    the triangle count.
    """
    deg = graph.out_degree().astype(np.int64)
    c = local_clustering(graph) if local is None else np.asarray(local, dtype=np.float64)
    counts = np.bincount(deg)
    sums = np.bincount(deg, weights=c)
    present = np.flatnonzero(counts)
    present = present[present >= 1]
    return present.astype(np.int64), sums[present] / counts[present], counts[present].astype(np.int64)


def degree_assortativity(graph) -> float:
    """Degree assortativity coefficient r of an undirected graph (Newman's, over edge ends).

    The Pearson correlation of the degrees at the two ends of an edge, each edge counted in
    both orientations (M. E. J. Newman, "Assortative mixing in networks", Phys. Rev. Lett. 89,
    208701 (2002), doi:10.1103/PhysRevLett.89.208701; networkx's
    ``degree_assortativity_coefficient`` and igraph's ``assortativity_degree(directed=False)``):
    with 2m arcs, ``r = (S_dd / 2m - mu^2) / (S_d3 / 2m - mu^2)``, ``mu = sum d^2 / 2m``,
    ``S_d3 = sum d^3``, ``S_dd = sum over arcs d(u) d(v)``. NaN when every edge end has the same
    degree (zero variance) or there is no edge. O(n + m) with
    :func:`simulate.kernels.degree_mixing.neighbour_degree_sums`; no edge list.

    Raises
    ------
    ParameterError
        For a directed graph.
    """
    from .errors import ParameterError
    from .kernels.degree_mixing import neighbour_degree_sums

    if graph.directed:
        raise ParameterError("degree assortativity is defined here for undirected graphs")
    d = graph.out_degree().astype(np.float64)
    arcs = float(d.sum())
    if arcs == 0:
        return float("nan")
    s = neighbour_degree_sums(graph.indptr, graph.indices).astype(np.float64)
    mu = float(np.dot(d, d)) / arcs
    var = float(np.dot(d * d, d)) / arcs - mu * mu
    cov = float(np.dot(d, s)) / arcs - mu * mu
    # Relative round-off of the moments is ~1e-16 * d_max^2; below that the variance is zero.
    if var <= 1e-12 * max(1.0, mu * mu):
        return float("nan")
    return cov / var


def graph_statistics(graph, clustering=True, clustering_sample=0, assortativity=False, seed=0) -> dict:
    """Nodes, edges, components, degree statistics and (optionally) clustering and assortativity.

    Clustering is computed on the undirected simple graph underlying ``graph``:
    ``average_clustering`` is the mean over nodes of ``2 t_u / (d_u (d_u - 1))`` (0 for
    ``d_u < 2``; networkx's convention) and ``transitivity`` is ``3 x triangles /
    connected triples`` (Watts & Strogatz, Nature 393, 440 (1998), doi:10.1038/30918).
    Work O(sum_u d_u^2) with the Numba kernel :func:`simulate.kernels.triangles.node_triangles`;
    skipped (null) above 4e9 merge steps.

    ``clustering_sample`` = k > 0 (with ``clustering``) instead draws k people uniformly without
    replacement (seeded by ``seed``) and estimates the local clustering distribution from them
    (:func:`local_clustering` with ``nodes``; O(k x (mean d^2 + d x mean neighbour degree))):
    ``average_clustering`` is then the sample mean with ``average_clustering_stderr`` (sd /
    sqrt(k)), ``median_clustering`` the sample median with a distribution-free 95% interval
    (``median_clustering_low`` / ``_high``: order statistics k/2 -+ 1.96 sqrt(k)/2), and
    ``transitivity`` is null. ``assortativity`` adds ``degree_assortativity`` (Newman's r,
    :func:`degree_assortativity`, O(n + m); undirected graphs).
    """
    n = graph.n
    deg = graph.out_degree() if not graph.directed else graph.out_degree() + graph.in_degree()
    labels, k = graph.connected_components()
    out = {
        "nodes": int(n),
        "edges": int(graph.num_edges),
        "directed": bool(graph.directed),
        "components": int(k),
        "largest_component_nodes": int(np.bincount(labels).max()) if n else 0,
        "degree_min": int(deg.min()) if n else 0,
        "degree_median": float(np.median(deg)) if n else float("nan"),
        "degree_mean": float(deg.mean()) if n else float("nan"),
        "degree_max": int(deg.max()) if n else 0,
        "average_clustering": None,
        "transitivity": None,
    }
    if graph.directed:
        out.update(reciprocity_shares(graph))
        # Shares of nodes without in-arcs / out-arcs (on a follow graph: users nobody follows /
        # users who follow nobody; Kwak et al. 2010 and Gabielkov & Legout 2012 report them).
        out["in_degree_zero_share"] = float((graph.in_degree() == 0).mean()) if n else 0.0
        out["out_degree_zero_share"] = float((graph.out_degree() == 0).mean()) if n else 0.0
    if clustering and n:
        und = graph
        if graph.directed:
            from .graph import Graph

            s, d = graph.edges()
            und = Graph.from_edges(s, d, directed=False, n=n)
        d = und.out_degree().astype(np.float64)
        if clustering_sample > 0:
            out.update(_sampled_clustering(und, int(clustering_sample), seed))
        elif 2.0 * float(np.dot(d, d)) <= 4e9:
            t, pairs = _triangles_and_pairs(und)
            local = np.divide(t, pairs, out=np.zeros(n), where=pairs > 0)
            out["average_clustering"] = float(local.mean())
            out["transitivity"] = float(t.sum() / pairs.sum()) if pairs.sum() > 0 else 0.0
    if assortativity and not graph.directed:
        out["degree_assortativity"] = degree_assortativity(graph) if n else float("nan")
    return out


def _sampled_clustering(graph, k, seed):
    # Uniform people without replacement: per-task stream from the cell seed, so the same
    # people are drawn on any thread count.
    rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(0xC1A5,)))
    k = min(k, graph.n)
    nodes = np.sort(rng.choice(graph.n, size=k, replace=False))
    c = np.sort(local_clustering(graph, nodes=nodes))
    half = 1.959963984540054 * np.sqrt(k) / 2
    lo, hi = max(int(np.floor(k / 2 - half)), 0), min(int(np.ceil(k / 2 + half)), k - 1)
    return {"clustering_sample_nodes": int(k), "average_clustering": float(c.mean()),
            "average_clustering_stderr": float(c.std(ddof=1) / np.sqrt(k)) if k > 1 else float("nan"),
            "median_clustering": float(np.median(c)),
            "median_clustering_low": float(c[lo]), "median_clustering_high": float(c[hi])}


def _run_graph_statistics(graph, params, seed):
    # The statistics are deterministic functions of the graph, except clustering_sample's draw of
    # people, which takes the cell seed (same people on any thread or worker count).
    row = graph_statistics(graph, clustering=params["clustering"], clustering_sample=params["clustering_sample"],
                           assortativity=params["assortativity"], seed=seed)
    return pl.DataFrame([row], schema_overrides={"average_clustering": pl.Float64,
                                                 "transitivity": pl.Float64}), row


declare_kind(
    "graph",
    "Structural statistics of the cell's graph (simulate.graph_statistics.graph_statistics).",
    [ParamSpec("clustering", bool, True,
               doc="also compute average clustering and transitivity (triangle count)"),
     ParamSpec("clustering_sample", int, 0, low=0, high=100_000_000,
               doc="0: clustering over every node; k > 0: estimate mean and median local clustering "
                   "from k people drawn uniformly (seeded; for graphs too large for the full count)"),
     ParamSpec("assortativity", bool, False,
               doc="also compute Newman's degree assortativity r (undirected graphs)")],
    _run_graph_statistics,
    metrics=("nodes", "edges", "degree_mean", "components", "average_clustering", "transitivity"),
    table="one row (nodes, edges, components, degree statistics, average_clustering, transitivity)",
)
