"""BTER phase 1: dense Erdos-Renyi affinity blocks (the union of two CSR graphs is :func:`simulate.kernels.csr.csr_union`).

Pure Numba over arrays. Blocks are disjoint runs ``order[block_ptr[b]:block_ptr[b+1]]`` of
nodes, so a block's edges touch only its own rows: the count and scatter passes run in
parallel over blocks without two threads ever writing one row. Each block draws from its own
stream ``states[b]``, so the graph does not depend on the thread count.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..random import next_double


@njit(cache=True)
def affinity_blocks(sorted_deg, group_ptr):
    """BTER affinity blocks over nodes sorted by (group, degree ascending).

    Inside each group, consecutive nodes form blocks of ``d + 1`` nodes, ``d`` the block's
    smallest target degree (Seshadhri, Kolda, Pinar 2012); the last block of a group may be
    smaller. Runs of nodes of degree < 2 form one block each that gets no internal edges
    (``active`` False). Returns ``(block_ptr int64, active bool)``. O(n).
    """
    n = sorted_deg.shape[0]
    ptr = np.empty(n + 1, dtype=np.int64)
    active = np.empty(n, dtype=np.bool_)
    nb = 0
    ptr[0] = 0
    for g in range(group_ptr.shape[0] - 1):
        pos = group_ptr[g]
        end = group_ptr[g + 1]
        while pos < end:
            d = sorted_deg[pos]
            if d < 2:
                stop = pos
                while stop < end and sorted_deg[stop] < 2:
                    stop += 1
                active[nb] = False
            else:
                stop = min(pos + d + 1, end)
                active[nb] = True
            nb += 1
            ptr[nb] = stop
            pos = stop
    return ptr[:nb + 1].copy(), active[:nb].copy()


@njit(cache=True)
def _block_walk(st, order, lo, size, p, deg, cursor, indices, write):
    # Pairs (i, j), i < j, of the block visited in row-major order with geometric skips of
    # parameter p: each pair is present independently with probability p, O(size + edges).
    if p <= 0.0 or size < 2:
        return
    full = p >= 1.0
    log_q = np.log(1.0 - p) if not full else 0.0
    i = 0
    j = 0  # current pair is (i, j); start before (0, 1)
    while True:
        if full:
            skip = 1
        else:
            u = next_double(st)
            skip = 1 + np.int64(np.floor(np.log(1.0 - u) / log_q))
        j += skip
        while i < size - 1 and j >= size:
            j = j - size + i + 2
            i += 1
        if i >= size - 1:
            return
        a = order[lo + i]
        b = order[lo + j]
        if write:
            indices[cursor[a]] = b
            cursor[a] += 1
            indices[cursor[b]] = a
            cursor[b] += 1
        else:
            deg[a] += 1
            deg[b] += 1


@njit(cache=True, parallel=True)
def block_count(order, block_ptr, block_p, states, deg):
    """Pass 1: add each node's number of block edges to ``deg`` (int64, n), none stored."""
    no = np.empty(0, dtype=np.int32)
    for b in prange(block_ptr.shape[0] - 1):
        st = states[b].copy()
        _block_walk(st, order, block_ptr[b], block_ptr[b + 1] - block_ptr[b], block_p[b], deg, deg, no, False)


@njit(cache=True, parallel=True)
def block_scatter(order, block_ptr, block_p, states, cursor, indices):
    """Pass 2: regenerate pass 1's edges from the same streams and write both arcs at ``cursor``."""
    for b in prange(block_ptr.shape[0] - 1):
        st = states[b].copy()
        _block_walk(st, order, block_ptr[b], block_ptr[b + 1] - block_ptr[b], block_p[b], cursor, cursor,
                    indices, True)
