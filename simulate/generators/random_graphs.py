"""Erdos-Renyi random graphs G(n, m) and G(n, p)."""

from __future__ import annotations

import numpy as np

from ..graph import BuildReport, Graph
from ..kernels.generators import random_graphs as _k
from ..kernels.random import stream_states
from .registry import MAX_NODES, ParamSpec, Rule, graph_from_unique_edges, register_model, seed_meta

#: First spawn-key entry of this model's random streams (one distinct tag per model).
STREAM_TAG = 1


@register_model(
    "erdos_renyi",
    "Erdos-Renyi random graph: G(n, m) (m uniform distinct edges) or G(n, p) (each pair with probability p).",
    ParamSpec("n", int, low=0, high=MAX_NODES, doc="Number of nodes."),
    ParamSpec("m", int, default=None, low=0, doc="Number of edges (G(n,m)); give m or p, not both."),
    ParamSpec("p", float, default=None, low=0.0, high=1.0, doc="Edge probability (G(n,p))."),
    provides=(),
    rules=[Rule(("m", "p"), "give exactly one of 'm' (G(n,m)) and 'p' (G(n,p))",
                lambda v: (v["m"] is None) != (v["p"] is None),
                lambda v: "erdos_renyi needs exactly one of 'm' (G(n,m)) and 'p' (G(n,p))"),
           Rule(("m", "n"), "m <= n (n - 1) / 2 (the number of node pairs)",
                lambda v: v["m"] is None or v["m"] <= v["n"] * (v["n"] - 1) // 2,
                lambda v: f"parameter 'm' of erdos_renyi must be an int in [0, n(n-1)/2 = "
                          f"{v['n'] * (v['n'] - 1) // 2}], got {v['m']}")],
)
def erdos_renyi(n, m=None, p=None, *, seed=0) -> Graph:
    """Erdos-Renyi random graph, undirected, no self-loops.

    Parameters
    ----------
    n : int
        Number of nodes.
    m : int, optional
        G(n, m): exactly ``m`` edges, a uniform random m-subset of the n(n-1)/2 pairs.
    p : float, optional
        G(n, p): every pair independently with probability ``p``. Give exactly one of m, p.
    seed : int or numpy.random.SeedSequence

    Returns
    -------
    Graph
        Undirected; ``meta = {"model": "erdos_renyi", "n", "m" or "p", "seed"}``.

    Notes
    -----
    G(n, m): pairs are indexed 0..N-1 and drawn uniformly, rejecting repeats with a hash
    set (m <= N/2: < 2m draws expected); for m > N/2 the N - m absent pairs are drawn
    instead. O(n + m) expected time, serial. Both variants emit every pair at most once, so
    the CSR is filled directly (no dedupe pass).

    G(n, p): geometric skip sampling over the pair sequence (Batagelj & Brandes 2005,
    "Efficient generation of large random networks", Phys. Rev. E 71, 036113,
    doi:10.1103/PhysRevE.71.036113): O(n + m) expected, never n^2 coin flips. Rows are cut
    into blocks with equal numbers of pairs, each with its own random stream, and run in
    parallel; the result does not depend on the thread count. Pairs come out in order, so
    the CSR rows need no sorting.
    """
    if m is not None:
        src, dst = _k.gnm_edges(np.int64(n), np.int64(m), stream_states(seed, 1, (STREAM_TAG, 0))[0])
        meta = {"model": "erdos_renyi", "n": n, "m": m}
    elif p == 0.0 or n < 2:
        src = dst = np.empty(0, dtype=np.int32)
        meta = {"model": "erdos_renyi", "n": n, "p": p}
    else:
        blocks = int(min(4096, max(1, n // 256)))
        # Row boundaries with (nearly) equal pair counts: rows below v hold v(v-1)/2 pairs.
        bounds = np.unique(np.round(n * np.sqrt(np.arange(blocks + 1) / blocks)).astype(np.int64))
        bounds[0], bounds[-1] = 0, n
        # Slot per block: expected edges + 8 standard deviations + 64 (overflow p < 1e-15;
        # an overflowing block is re-run exactly, so capacities never change the output).
        pairs_b = (bounds[1:] * (bounds[1:] - 1) - bounds[:-1] * (bounds[:-1] - 1)) // 2
        mu = p * pairs_b.astype(np.float64)
        cap = np.ceil(mu + 8.0 * np.sqrt(mu) + 64.0).astype(np.int64)
        cap_ptr = np.concatenate([[0], np.cumsum(np.minimum(cap, pairs_b))]).astype(np.int64)
        # Rows straight from the block slots (no exact-size edge list; identical graph).
        indptr, indices = _k.gnp_csr(float(p), np.int64(n), bounds, cap_ptr,
                                     stream_states(seed, bounds.shape[0] - 1, (STREAM_TAG, 1)))
        meta = {"model": "erdos_renyi", "n": n, "p": p, "seed": seed_meta(seed)}
        return Graph(indptr, indices, False, meta=meta, report=BuildReport(input_edges=int(indices.shape[0] // 2)))
    meta["seed"] = seed_meta(seed)
    return graph_from_unique_edges(src, dst, n, directed=False, meta=meta)
