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


def graph_statistics(graph, clustering=True) -> dict:
    """Nodes, edges, components, degree statistics and (optionally) clustering.

    Clustering is computed on the undirected simple graph underlying ``graph``:
    ``average_clustering`` is the mean over nodes of ``2 t_u / (d_u (d_u - 1))`` (0 for
    ``d_u < 2``; networkx's convention) and ``transitivity`` is ``3 x triangles /
    connected triples`` (Watts & Strogatz, Nature 393, 440 (1998), doi:10.1038/30918).
    Work O(sum_u d_u^2) with the Numba kernel :func:`simulate.kernels.triangles.node_triangles`;
    skipped (null) above 4e9 merge steps.
    """
    from .kernels.triangles import node_triangles

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
    if clustering and n:
        und = graph
        if graph.directed:
            from .graph import Graph

            s, d = graph.edges()
            und = Graph.from_edges(s, d, directed=False, n=n)
        d = und.out_degree().astype(np.float64)
        if 2.0 * float(np.dot(d, d)) <= 4e9:
            t = node_triangles(und.indptr, und.indices).astype(np.float64)
            pairs = d * (d - 1) / 2
            local = np.divide(t, pairs, out=np.zeros(n), where=pairs > 0)
            out["average_clustering"] = float(local.mean())
            out["transitivity"] = float(t.sum() / pairs.sum()) if pairs.sum() > 0 else 0.0
    return out


def _run_graph_statistics(graph, params, seed):
    # seed unused: the statistics are deterministic functions of the graph.
    row = graph_statistics(graph, clustering=params["clustering"])
    return pl.DataFrame([row], schema_overrides={"average_clustering": pl.Float64,
                                                 "transitivity": pl.Float64}), row


declare_kind(
    "graph",
    "Structural statistics of the cell's graph (simulate.graph_statistics.graph_statistics).",
    [ParamSpec("clustering", bool, True,
               doc="also compute average clustering and transitivity (triangle count)")],
    _run_graph_statistics,
    metrics=("nodes", "edges", "degree_mean", "components", "average_clustering", "transitivity"),
    table="one row (nodes, edges, components, degree statistics, average_clustering, transitivity)",
)
