"""Numba kernel: the geographic rank of each friend (Liben-Nowell et al. 2005).

Pure array code: no I/O, no configuration, no imports from the layers above. The public entry
point is :func:`simulate.rank_friendship.friend_ranks`, which validates the graph and turns
lat/lon into unit vectors before calling :func:`friend_ranks_kernel`.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True, parallel=True)
def friend_ranks_kernel(pos, indptr, indices, users, out_ptr):
    """``rank_u(v) = 1 + #{w != u : d(u, w) < d(u, v)}`` for every out-neighbour v of each user u.

    Parameters
    ----------
    pos : float64 array (n, k)
        Coordinates; d is the Euclidean distance between rows (for lat/lon the caller passes
        unit vectors, whose chord distance orders pairs exactly as the great-circle distance).
    indptr : int64 array (n + 1), indices : int32 array
        CSR out-neighbours (no self-loops).
    users : int64 array (m)
        The users u whose friends are ranked.
    out_ptr : int64 array (m + 1)
        ``out_ptr[i+1] - out_ptr[i]`` = out-degree of ``users[i]``.

    Returns
    -------
    int64 array (out_ptr[m])
        Ranks of ``users[i]``'s neighbours at ``out_ptr[i]:out_ptr[i+1]``, in CSR order.
        Equidistant people are not counted as closer (so co-located friends get rank 1).

    Notes
    -----
    O(m n log n) time (one sort of the n distances per user), O(n) scratch per task; parallel
    over users, each result written to its own slots (identical on any thread count).
    """
    n = pos.shape[0]
    k = pos.shape[1]
    m = users.shape[0]
    out = np.empty(out_ptr[m], dtype=np.int64)
    for i in prange(m):
        u = users[i]
        d = np.empty(n, dtype=np.float64)
        for w in range(n):
            s = 0.0
            for j in range(k):
                x = pos[w, j] - pos[u, j]
                s += x * x
            d[w] = s
        # u itself sorts first (below every distance) and is then not counted.
        d[u] = -1.0
        order = np.sort(d)
        base = out_ptr[i] - indptr[u]
        for a in range(indptr[u], indptr[u + 1]):
            closer = np.searchsorted(order, d[indices[a]]) - 1
            out[base + a] = closer + 1
    return out
