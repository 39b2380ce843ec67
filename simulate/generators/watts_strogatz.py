"""Watts-Strogatz small-world graphs (rewired ring lattices)."""

from __future__ import annotations

import numpy as np

from ..graph import BuildReport, Graph
from ..kernels.generators import watts_strogatz as _k
from ..kernels.random import stream_states
from .registry import MAX_NODES, ParamSpec, Rule, register_model, seed_meta

#: First spawn-key entry of this model's random streams (one distinct tag per model).
STREAM_TAG = 2


@register_model(
    "watts_strogatz",
    "Watts-Strogatz 1998: ring lattice of n nodes each joined to its k nearest, every edge rewired with probability p.",
    ParamSpec("n", int, low=0, high=MAX_NODES, doc="Number of nodes."),
    ParamSpec("k", int, low=0, high=MAX_NODES, doc="Lattice degree (even): each node joined to k/2 on each side."),
    ParamSpec("p", float, low=0.0, high=1.0, doc="Rewiring probability per edge."),
    provides=(),
    rules=[Rule("k", "k must be even (k/2 neighbours on each side)", lambda v: v["k"] % 2 == 0,
                lambda v: f"parameter 'k' of watts_strogatz must be an even int in [0, {MAX_NODES}], got {v['k']}")],
)
def watts_strogatz(n, k, p, *, seed=0) -> Graph:
    """Watts-Strogatz small-world graph, undirected.

    Parameters
    ----------
    n : int
        Number of nodes on the ring.
    k : int
        Even lattice degree: node u is first joined to u +- 1, ..., u +- k/2 (mod n).
    p : float
        Probability that an edge is rewired. p = 0 gives the ring lattice exactly; p = 1 a
        graph close to (but, as in the paper, not exactly) a random graph with the same m.
    seed : int or numpy.random.SeedSequence

    Returns
    -------
    Graph
        Undirected, n k / 2 edges (rewiring keeps the edge count). ``meta`` records the
        model, n, k, p and seed.

    Notes
    -----
    Exactly the procedure of Watts & Strogatz, "Collective dynamics of 'small-world'
    networks", Nature 393, 440 (1998), doi:10.1038/30918, in networkx's order: for lap
    j = 1..k/2, for u = 0..n-1, edge (u, u+j) is rewired with probability p to (u, w) with
    w uniform, redrawn while w = u or (u, w) already exists; a node already adjacent to all
    others keeps its edge. Serial (the paper's process is sequential). The independent
    rewiring decisions are drawn up front by geometric skipping; "is (u, w) an edge" reads
    the lattice arrays plus a hash set of the rewired-in edges only (~ p n k / 2 keys).
    O(n k) time. The CSR rows are then written directly, in order, from the surviving ring
    neighbours and the rewired-in ones (no edge list, no sort).

    ``k >= n`` returns the complete graph K_n (networkx does so for k = n and refuses k > n).
    """
    meta = {"model": "watts_strogatz", "n": n, "k": k, "p": p, "seed": seed_meta(seed)}
    if k >= n:
        iu, ju = np.triu_indices(n, 1)
        return Graph.from_edges(iu, ju, directed=False, n=n, relabel=False, meta=meta)
    if k == 0:
        e = np.empty(0, dtype=np.int64)
        return Graph.from_edges(e, e, directed=False, n=n, relabel=False, meta=meta)
    dst, rewired = _k.watts_strogatz_targets(np.int64(n), np.int64(k // 2), float(p), stream_states(seed, 2, (STREAM_TAG,)))
    indptr, indices = _k.watts_strogatz_csr(np.int64(n), np.int64(k // 2), dst, rewired)
    return Graph(indptr, indices, False, meta=meta, report=BuildReport(input_edges=n * (k // 2)))
