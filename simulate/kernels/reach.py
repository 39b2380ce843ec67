"""Per-source distance profiles: how many nodes, same-group nodes and weight at each hop.

One breadth-first search gives ``dist[v] = d(s, v)`` for every node; the kernels here fold
that array into three rows indexed by distance ``d``:

* ``counts[d]``: nodes at distance exactly ``d`` (the ball ``B(s, r)`` is the cumulative sum);
* ``same[d]``: of those, nodes whose group label equals the source's (e.g. same "country");
* ``weight[d]``: the sum of a per-node weight over those nodes (e.g. the probability that the
  node is a random follower of a random target).

The search itself is :func:`simulate.kernels.bfs.bfs_direction_optimizing`; these kernels
only do the O(n) fold, so that the per-source work in the caller stays in compiled code.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .csr import row_has


@njit(cache=True, parallel=True)
def fold_profile(dist, group, group_of_source, weight, counts, same, wsum):
    """Accumulate one source's distances into ``counts``, ``same`` and ``wsum`` rows.

    Parameters
    ----------
    dist : int32[n]
        Hop distances from the source, ``-1`` where unreachable.
    group : int64[n]
        Group label of every node.
    group_of_source : int
        The source's label; ``same[d]`` counts nodes at distance ``d`` with this label.
    weight : float64[n]
        Per-node weight summed into ``wsum``.
    counts, same : int64[D]
        Output rows (added to, not overwritten). ``D`` must exceed ``dist.max()``.
    wsum : float64[D]
        Output row (added to).

    Notes
    -----
    Parallel over fixed chunks of nodes with per-chunk partial rows merged in chunk order,
    so the float sums are identical on any number of threads. O(n) time, O(chunks * D)
    extra memory.
    """
    n = dist.shape[0]
    D = counts.shape[0]
    chunk = 1 << 16
    nchunks = (n + chunk - 1) // chunk
    pc = np.zeros((nchunks, D), dtype=np.int64)
    ps = np.zeros((nchunks, D), dtype=np.int64)
    pw = np.zeros((nchunks, D), dtype=np.float64)
    for c in prange(nchunks):
        lo = c * chunk
        hi = min(n, lo + chunk)
        for v in range(lo, hi):
            d = dist[v]
            if d < 0:
                continue
            pc[c, d] += 1
            if group[v] == group_of_source:
                ps[c, d] += 1
            pw[c, d] += weight[v]
    for c in range(nchunks):
        for d in range(D):
            counts[d] += pc[c, d]
            same[d] += ps[c, d]
            wsum[d] += pw[c, d]


@njit(cache=True, parallel=True)
def follower_weights(indptr, indices, in_degree):
    """``w[f] = sum over arcs f -> v of 1 / in_degree[v]`` for every node ``f``.

    With arcs pointing from follower to followee, ``w[f] / n`` is the probability that ``f``
    is drawn by "pick a uniformly random user ``v`` with a follower, then a uniformly random
    follower of ``v``" (up to the share of users without followers). O(n + m).
    """
    n = indptr.shape[0] - 1
    w = np.zeros(n, dtype=np.float64)
    for f in prange(n):
        s = 0.0
        for k in range(indptr[f], indptr[f + 1]):
            s += 1.0 / in_degree[indices[k]]
        w[f] = s
    return w


@njit(cache=True, parallel=True)
def reciprocated_arcs(indptr, indices):
    """Number of arcs ``u -> v`` whose reverse ``v -> u`` exists (rows of ``indices`` sorted).

    Binary search of ``u`` in ``v``'s row for every arc: O(m log d_max), parallel over rows,
    an integer count (identical on any number of threads).
    """
    n = indptr.shape[0] - 1
    total = 0
    for u in prange(n):
        c = 0
        for k in range(indptr[u], indptr[u + 1]):
            if row_has(indptr, indices, indices[k], u):
                c += 1
        total += c
    return total
