"""Erdos-Renyi kernels: G(n, m) by rejection on a hash set, G(n, p) by geometric skipping.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ..random import next_below, next_double
from .hashset import hashset_new, hashset_insert, hashset_contains
from .blocks import compact_blocks


@njit(cache=True, inline="always")
def _pair_of_index(k):
    """Lower-triangle pair (w, v), w < v, with k = v(v-1)/2 + w (Batagelj-Brandes order)."""
    v = np.int64((1.0 + math.sqrt(1.0 + 8.0 * k)) / 2.0)
    while v * (v - 1) // 2 > k:  # fix float rounding for large k
        v -= 1
    while (v + 1) * v // 2 <= k:
        v += 1
    return k - v * (v - 1) // 2, v


@njit(cache=True)
def gnm_edges(n, m, st):
    """G(n, m): ``m`` distinct unordered pairs, uniformly. O(n + m) expected.

    For m <= N/2 (N = n(n-1)/2) pairs are drawn by rejection against a hash set (expected
    < 2m draws); otherwise the N - m *missing* pairs are drawn that way and the N = O(m)
    pairs enumerated.
    """
    N = n * (n - 1) // 2
    src = np.empty(m, dtype=np.int32)
    dst = np.empty(m, dtype=np.int32)
    if m <= N // 2:
        table = hashset_new(m)
        c = 0
        while c < m:
            k = next_below(st, N)
            if hashset_insert(table, k):
                w, v = _pair_of_index(k)
                src[c] = w
                dst[c] = v
                c += 1
    else:
        excl = N - m
        table = hashset_new(excl)
        c = 0
        while c < excl:
            if hashset_insert(table, next_below(st, N)):
                c += 1
        c = 0
        k = 0
        for v in range(1, n):
            for w in range(v):
                if not hashset_contains(table, k):
                    src[c] = w
                    dst[c] = v
                    c += 1
                k += 1
    return src, dst


@njit(cache=True)
def _gnp_rows(r0, r1, p, log_q, st, src, dst, c0, limit):
    # Batagelj & Brandes (2005) skip sampling over pairs (w, v), w < v, rows v in [r0, r1):
    # the gap to the next edge is geometric, so every pair is visited implicitly. Edges are
    # written at c0, c0 + 1, ... while below ``limit``; returns how many there are.
    v = r0
    w = np.int64(-1)
    c = 0
    if v < 1:
        v = np.int64(1)
    while v < r1:
        if p >= 1.0:
            w += 1
        else:
            gap = math.floor(math.log(1.0 - next_double(st)) / log_q)
            if gap > 4.0e18:
                gap = 4.0e18
            w += 1 + np.int64(gap)
        while w >= v and v < r1:
            w -= v
            v += 1
        if v < r1:
            if c0 + c < limit:
                src[c0 + c] = w
                dst[c0 + c] = v
            c += 1
    return c


@njit(cache=True, parallel=True)
def gnp_edges(p, bounds, cap_ptr, states):
    """G(n, p) by geometric skipping, parallel over row blocks ``bounds``. O(n + m) expected.

    Block b covers rows v in [bounds[b], bounds[b+1]) and uses stream ``states[b]``; the
    geometric gaps are memoryless, so restarting at a block boundary is exact. Block b first
    writes into slot ``[cap_ptr[b], cap_ptr[b+1])``; see the module notes on capacities.
    Edges come out in pair order (v ascending, then w), which
    :func:`simulate.kernels.csr.csr_from_unique_edges` turns into sorted rows without sorting.
    """
    nb = bounds.shape[0] - 1
    log_q = math.log1p(-p) if p < 1.0 else -1.0
    src_c = np.empty(cap_ptr[nb], dtype=np.int32)
    dst_c = np.empty(cap_ptr[nb], dtype=np.int32)
    counts = np.zeros(nb, dtype=np.int64)
    for b in prange(nb):
        st = states[b].copy()
        counts[b] = _gnp_rows(bounds[b], bounds[b + 1], p, log_q, st, src_c, dst_c, cap_ptr[b], cap_ptr[b + 1])
    src, dst, offs = compact_blocks(src_c, dst_c, cap_ptr, counts)
    for b in range(nb):
        if counts[b] > cap_ptr[b + 1] - cap_ptr[b]:  # overflow (p < 1e-12): re-run in place
            st = states[b].copy()
            _gnp_rows(bounds[b], bounds[b + 1], p, log_q, st, src, dst, offs[b], offs[b + 1])
    return src, dst


@njit(cache=True, parallel=True)
def gnp_csr(p, n, bounds, cap_ptr, states):
    """Sorted CSR of :func:`gnp_edges`' graph (the identical graph) without the exact-size
    edge list: the block slots are bucketed straight into rows.

    Edges leave the blocks in pair order (v ascending, then w < v ascending), so scattering
    both arcs in that order writes every row ascending: row x gets its w < x neighbours
    while v = x is generated, then the v > x ones. Overflowing blocks (p < 1e-12) fall back
    to the exact-size arrays of :func:`gnp_edges`. O(n + m); generation parallel, the
    scatter serial (memory-bound).
    """
    nb = bounds.shape[0] - 1
    log_q = math.log1p(-p) if p < 1.0 else -1.0
    src_c = np.empty(cap_ptr[nb], dtype=np.int32)
    dst_c = np.empty(cap_ptr[nb], dtype=np.int32)
    counts = np.zeros(nb, dtype=np.int64)
    for b in prange(nb):
        st = states[b].copy()
        counts[b] = _gnp_rows(bounds[b], bounds[b + 1], p, log_q, st, src_c, dst_c, cap_ptr[b], cap_ptr[b + 1])
    seg = cap_ptr.copy()
    overflow = False
    for b in range(nb):
        if counts[b] > cap_ptr[b + 1] - cap_ptr[b]:
            overflow = True
    if overflow:
        src_c, dst_c, seg = compact_blocks(src_c, dst_c, cap_ptr, counts)
        for b in range(nb):
            if counts[b] > cap_ptr[b + 1] - cap_ptr[b]:
                st = states[b].copy()
                _gnp_rows(bounds[b], bounds[b + 1], p, log_q, st, src_c, dst_c, seg[b], seg[b + 1])
    indptr = np.zeros(n + 1, dtype=np.int64)
    for b in range(nb):
        for i in range(seg[b], seg[b] + counts[b]):
            indptr[src_c[i] + 1] += 1
            indptr[dst_c[i] + 1] += 1
    for u in range(n):
        indptr[u + 1] += indptr[u]
    cur = indptr[:-1].copy()
    indices = np.empty(indptr[n], dtype=np.int32)
    for b in range(nb):
        for i in range(seg[b], seg[b] + counts[b]):
            w = src_c[i]
            v = dst_c[i]
            indices[cur[v]] = w
            cur[v] += 1
            indices[cur[w]] = v
            cur[w] += 1
    return indptr, indices
