"""Degree mixing on an undirected CSR graph: per-node sums of neighbour degrees.

Pure array code (see :mod:`simulate.kernels`). The degree assortativity coefficient needs
only ``sum over arcs (u, v) of d(u) d(v)`` beyond the degree moments; it is accumulated per
row in integers (exact, ``<= 2m`` per row) so that the total does not depend on how threads
split the rows.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True, parallel=True)
def neighbour_degree_sums(indptr, indices):
    """``s[u] = sum of d(v) over the neighbours v of u`` (int64), d the row lengths.

    One task per row; O(n + m) work, O(n) memory. ``s[u] / d(u)`` is the average
    neighbour degree of ``u``.
    """
    n = indptr.shape[0] - 1
    s = np.zeros(n, dtype=np.int64)
    for u in prange(n):
        acc = 0
        for p in range(indptr[u], indptr[u + 1]):
            v = indices[p]
            acc += indptr[v + 1] - indptr[v]
        s[u] = acc
    return s
