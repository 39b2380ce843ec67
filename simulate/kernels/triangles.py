"""Per-node triangle counts on an undirected CSR graph (for clustering coefficients).

Pure array code (see :mod:`simulate.kernels`). Rows must be sorted, loop-free and
duplicate-free, with every edge stored as both arcs.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True, inline="always")
def common_sorted(indices, a0, a1, b0, b1):
    """Number of values shared by the sorted, duplicate-free slices ``indices[a0:a1]`` and
    ``indices[b0:b1]`` (one merge pass, O(a1 - a0 + b1 - b0)): common neighbours of two rows."""
    i = a0
    j = b0
    count = 0
    while i < a1 and j < b1:
        x = indices[i]
        y = indices[j]
        if x == y:
            count += 1
            i += 1
            j += 1
        elif x < y:
            i += 1
        else:
            j += 1
    return count


@njit(cache=True, inline="always")
def triangles_through(indptr, indices, u):
    """Edges among the neighbours of ``u``: merge u's sorted row with each neighbour's row
    (each triangle (u, v, w) is seen via v and via w, hence the halving). O(sum over v in N(u)
    of d(u) + d(v))."""
    a0 = indptr[u]
    a1 = indptr[u + 1]
    count = 0
    for p in range(a0, a1):
        v = indices[p]
        count += common_sorted(indices, a0, a1, indptr[v], indptr[v + 1])
    return count // 2


@njit(cache=True, parallel=True)
def node_triangles(indptr, indices):
    """Triangles through each node.

    ``t[u]`` = number of edges among the neighbours of ``u``, found by merging the sorted
    rows of ``u`` and each neighbour ``v``: each triangle (u, v, w) is seen from u via v and
    via w, hence the halving. Each node is one task (prange), so the result does not depend
    on the thread count.

    Work O(sum over arcs of d(u) + d(v)) = O(sum_u d(u)^2); memory O(n).
    """
    n = indptr.shape[0] - 1
    t = np.zeros(n, dtype=np.int64)
    for u in prange(n):
        t[u] = triangles_through(indptr, indices, u)
    return t


@njit(cache=True, parallel=True)
def node_triangles_of(indptr, indices, nodes):
    """Triangles through each of the given nodes (``t[i]`` for ``nodes[i]``).

    The same merge count as :func:`node_triangles`, restricted to ``nodes`` so that a
    uniform sample of people estimates the local clustering distribution of a graph whose
    full count (O(sum_u d(u)^2), ~10^12 steps at 10^7 people of mean degree 190) is out of
    reach. One task per listed node: same result on any thread count.

    Work O(sum over listed u of (d(u)^2 + sum_{v in N(u)} d(v))); memory O(len(nodes)).
    """
    k = nodes.shape[0]
    t = np.zeros(k, dtype=np.int64)
    for i in prange(k):
        t[i] = triangles_through(indptr, indices, nodes[i])
    return t
