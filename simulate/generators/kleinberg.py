"""Kleinberg's navigable lattice: local contacts plus long-range links with P ~ d^-r."""

from __future__ import annotations

import numpy as np
import polars as pl

from ..graph import BuildReport, Graph
from ..kernels.generators import kleinberg as _k
from ..kernels.generators.alias import alias_build
from ..kernels.random import stream_states
from .registry import MAX_NODES, ParamSpec, Rule, register_model, seed_meta

#: First spawn-key entry of this model's random streams (one distinct tag per model).
STREAM_TAG = 5
_NODE_BLOCK = 1024


@register_model(
    "kleinberg_lattice",
    "Kleinberg 2000 navigable small world: side^dim lattice, local contacts within distance p, q long-range out-links with P ~ d^-r.",
    ParamSpec("side", int, low=0, high=MAX_NODES, doc="Nodes per lattice side (n = side^dim)."),
    ParamSpec("dim", int, default=2, low=1, high=8, doc="Lattice dimension."),
    ParamSpec("r", float, default=2.0, low=0.0, high=1000.0, doc="Clustering exponent: P(u->v) ~ d(u,v)^-r."),
    ParamSpec("q", int, default=1, low=0, high=10000, doc="Long-range out-links per node."),
    ParamSpec("p", int, default=1, low=0, high=1000, doc="Local contacts: every node within lattice distance p."),
    ParamSpec("periodic", bool, default=False, doc="Torus (wrap-around) instead of open boundaries."),
    ParamSpec("undirected", bool, default=False, doc="Symmetrise long-range links (undirected graph)."),
    provides=("coord_*",),  # coord_0 .. coord_{dim-1}, row-major; meta side, dim, periodic
    rules=[Rule(("side", "dim"), f"side^dim <= {MAX_NODES} nodes", lambda v: v["side"] ** v["dim"] <= MAX_NODES,
                lambda v: f"kleinberg_lattice: side**dim = {v['side'] ** v['dim']} nodes exceeds {MAX_NODES}; "
                          "lower 'side' or 'dim'"),
           Rule(("p", "dim"), "(2 p + 1)^dim <= 50,000,000 (the local ball's offsets)",
                lambda v: (2 * v["p"] + 1) ** v["dim"] <= 50_000_000,
                lambda v: f"parameter 'p' of kleinberg_lattice: the local ball ({2 * v['p'] + 1}^{v['dim']} "
                          "offsets) is too large")],
)
def kleinberg_lattice(side, dim=2, r=2.0, q=1, p=1, periodic=False, undirected=False, *, seed=0) -> Graph:
    """Kleinberg's lattice small world with exact d^-r long-range links.

    Parameters
    ----------
    side : int
        Nodes per side: the graph has ``side**dim`` nodes (unlike networkx's
        ``navigable_small_world_graph(n, ...)``, whose n is also the side; here the name says it).
        Node ``u`` has coordinates ``coord_i = (u // side**i) % side``.
    dim : int
        Lattice dimension (Kleinberg: 2).
    r : float
        Long-range link u -> v is drawn with probability proportional to d(u, v)^-r, d the
        lattice (Manhattan) distance; r = dim is the navigable case, r = 0 uniform.
    q : int
        Long-range out-contacts per node, drawn independently (a repeat, or one that is also a
        local contact, collapses into one arc and is counted in ``graph.report``).
    p : int
        Every node has arcs to all nodes within lattice distance p (both directions).
    periodic : bool
        Wrap around (torus distances) instead of open boundaries.
    undirected : bool
        False (default, as in Kleinberg): a *directed* graph, local contacts as arcs both
        ways and long-range links as out-arcs u -> v only (decentralised routing follows
        out-arcs). True: every link symmetrised, an undirected graph.
    seed : int or numpy.random.SeedSequence

    Returns
    -------
    Graph
        Node attributes ``coord_0 .. coord_{dim-1}`` (int64); ``meta``: model
        "kleinberg_lattice", side, dim, r, q, p, periodic, undirected, seed.

    Notes
    -----
    J. Kleinberg, "The small-world phenomenon: an algorithmic perspective", STOC 2000,
    doi:10.1145/335305.335325 (Nature 406, 845 (2000), doi:10.1038/35022643).

    Exact O(1)-expected sampling for every r: draw d from the distance law
    P(d) ~ S(d) d^-r, d = 1..dmax, by an alias table (S(d) = points of Z^dim at L1 distance d,
    O(side * dim) to build once), then an offset uniform on the L1 sphere of radius d. An
    offset leaving the lattice (open boundary), or the fundamental box (-side/2, side/2]^dim
    of the torus, is rejected and redrawn. Each accepted v != u therefore has probability
    exactly proportional to d(u,v)^-r; the acceptance rate is bounded below by a constant
    depending only on dim (>= 1/8 in 2-D). Parallel over blocks of nodes with one stream per
    block. Total O(n (|ball_p| + q)) time. The directed graph's rows are filled straight
    from the lattice ball and the contacts (a contact that is also a local contact, or a
    repeat, is merged and counted in ``graph.report.duplicates_dropped``), without an
    intermediate edge list.
    """
    n = side**dim if side > 0 else 0
    meta = {"model": "kleinberg_lattice", "side": side, "dim": dim, "r": r, "q": q, "p": p,
            "periodic": periodic, "undirected": undirected, "seed": seed_meta(seed)}
    offsets = ball_offsets(dim, p)
    ids = np.arange(n, dtype=np.int64)
    attrs = pl.DataFrame({f"coord_{i}": (ids // side**i) % side for i in range(dim)}) if n else \
        pl.DataFrame({f"coord_{i}": np.empty(0, dtype=np.int64) for i in range(dim)})
    del ids
    long_dst = long_range_contacts(side, dim, r, q, periodic, seed)
    q_eff = q if long_dst.shape[0] else 0
    if not undirected and n > 0 and q_eff <= 64 and (not periodic or side > 2 * p):
        # Fast path: rows filled straight from the lattice and the contacts (no edge list).
        shift = (offsets * side ** np.arange(dim, dtype=np.int64)).sum(axis=1)
        ordered = np.ascontiguousarray(offsets[np.argsort(shift, kind="stable")])
        indptr, indices, dropped = _k.kleinberg_csr(np.int64(side), np.int64(dim), bool(periodic), ordered,
                                                    np.int64(p), long_dst, np.int64(q_eff), _NODE_BLOCK)
        local = int(indptr[-1]) - (n * q_eff - int(dropped))
        report = BuildReport(input_edges=local + n * q_eff, duplicates_dropped=int(dropped))
        return Graph(indptr, indices, True, node_attrs=attrs, meta=meta, report=report)
    if n > 0 and offsets.shape[0] > 0:
        lsrc, ldst = _k.lattice_local_arcs(np.int64(side), np.int64(dim), bool(periodic), offsets)
    else:
        lsrc = ldst = np.empty(0, dtype=np.int64)
    long_src = np.repeat(np.arange(n, dtype=np.int64), q_eff)
    src = np.concatenate([lsrc, long_src])
    dst = np.concatenate([ldst, long_dst])
    del lsrc, ldst, long_src, long_dst
    return Graph.from_edges(src, dst, directed=not undirected, n=n, relabel=False, node_attrs=attrs, meta=meta)


def long_range_contacts(side, dim, r, q, periodic, seed):
    """The raw long-range contacts of :func:`kleinberg_lattice` (repeats kept).

    Returns an int64 array of shape (side**dim * q,): node u's contacts are
    ``out[u*q:(u+1)*q]``; empty when no other node exists. Same streams as
    :func:`kleinberg_lattice`, so ``kleinberg_lattice(..., seed=s)`` holds exactly these links.
    """
    n = side**dim if side > 0 else 0
    dmax = dim * (side // 2 if periodic else side - 1) if n > 1 else 0
    if q == 0 or dmax == 0:
        return np.empty(0, dtype=np.int64)
    d = np.arange(1, dmax + 1, dtype=np.float64)
    sizes = _k.lattice_sphere_sizes(np.int64(dim), np.int64(dmax))[1:]
    weights = np.exp(np.log(sizes) - r * np.log(d))  # log space: no overflow for large r or dim
    prob, alias = alias_build(weights)
    nb = (n + _NODE_BLOCK - 1) // _NODE_BLOCK
    return _k.kleinberg_long_range(np.int64(side), np.int64(dim), np.int64(q), bool(periodic),
                                   prob, alias, _NODE_BLOCK, stream_states(seed, nb, (STREAM_TAG,)))


def ball_offsets(dim, p):
    """All integer offsets with 1 <= L1 norm <= p, shape (k, dim)."""
    if p == 0:
        return np.empty((0, dim), dtype=np.int64)
    rng = np.arange(-p, p + 1, dtype=np.int64)
    grid = np.stack(np.meshgrid(*([rng] * dim), indexing="ij"), -1).reshape(-1, dim)
    norm = np.abs(grid).sum(axis=1)
    return np.ascontiguousarray(grid[(norm >= 1) & (norm <= p)])
