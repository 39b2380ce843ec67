"""Watts-Strogatz kernels: ring lattice rewiring (Watts & Strogatz 1998, doi:10.1038/30918).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ..random import next_below, next_double
from .hashset import hashset_new, hashset_insert, hashset_contains, pair_key


@njit(cache=True)
def _bernoulli_positions(m, p, st, out, write):
    # Indices i in 0..m-1 each kept independently with probability p, in increasing order,
    # by geometric gaps (one draw per kept index). Returns how many.
    if p >= 1.0:
        if write:
            for i in range(m):
                out[i] = i
        return m
    log_q = math.log1p(-p)
    c = 0
    i = np.int64(-1)
    while True:
        gap = math.floor(math.log(1.0 - next_double(st)) / log_q)
        if gap >= m - i - 1:
            break
        i += 1 + np.int64(gap)
        if write:
            out[c] = i
        c += 1
    return c


@njit(cache=True)
def _bernoulli_positions_capped(m, p, st, out):
    # As _bernoulli_positions, writing only the first len(out) positions; returns the total.
    cap = out.shape[0]
    if p >= 1.0:
        for i in range(min(m, cap)):
            out[i] = i
        return m
    log_q = math.log1p(-p)
    c = 0
    i = np.int64(-1)
    while True:
        gap = math.floor(math.log(1.0 - next_double(st)) / log_q)
        if gap >= m - i - 1:
            break
        i += 1 + np.int64(gap)
        if c < cap:
            out[c] = i
        c += 1
    return c


@njit(cache=True, inline="always")
def _ws_has_edge(u, w, n, half_k, dst, added):
    # (u, w) is an edge iff it is a lattice edge not yet rewired, or a rewired-in edge. The
    # lattice edge (a, a + j mod n), j <= half_k, has index (j-1) n + a and keeps its target
    # in dst until rewired (a rewired edge never points back at its lattice target).
    d = w - u
    if d < 0:
        d += n
    if d >= 1 and d <= half_k:
        if dst[(d - 1) * n + u] == w:
            return True
    elif d > 0 and n - d <= half_k:
        if dst[(n - d - 1) * n + w] == u:
            return True
    return hashset_contains(added, pair_key(u, w, n))


@njit(cache=True)
def watts_strogatz_edges(n, half_k, p, states):
    """Ring lattice (each node to its k = 2*half_k nearest) rewired as Watts & Strogatz (1998).

    Edge (u, u+j) is considered in the paper's order: lap j = 1..k/2, nodes u = 0..n-1. With
    probability p it is rewired to (u, w), w uniform, redrawn while w == u or (u, w) is an
    edge; the rewiring is skipped when u already has degree n - 1 (networkx's rule).
    The independent rewiring decisions are drawn first by geometric skipping (stream
    ``states[0]``), then the new endpoints in order (``states[1]``). Edge membership is read
    off the lattice arrays plus a hash set holding only the rewired-in edges (about p n k/2
    keys, so it stays cache-sized). Requires half_k >= 1 and 2*half_k < n. O(nk) time, serial.
    Returns ``(src, dst, rewired)``: edge e = (j-1) n + u joins src[e] = u and dst[e];
    ``rewired`` lists, ascending, the edges whose endpoint was moved.
    """
    dst, rewired = watts_strogatz_targets(n, half_k, p, states)
    src = np.empty(dst.shape[0], dtype=np.int32)
    for j in range(half_k):
        for u in range(n):
            src[j * n + u] = u
    return src, dst, rewired


@njit(cache=True)
def watts_strogatz_targets(n, half_k, p, states):
    """:func:`watts_strogatz_edges` without the ``src`` array (edge e starts at e % n):
    returns ``(dst, rewired)``, the identical process and draws."""
    m = n * half_k
    dst = np.empty(m, dtype=np.int32)
    for j in range(1, half_k + 1):
        e0 = (j - 1) * n
        for u in range(n - j):
            dst[e0 + u] = u + j
        for u in range(n - j, n):
            dst[e0 + u] = u + j - n
    if p <= 0.0:
        return dst, np.empty(0, dtype=np.int64)
    st = states[0]
    # One pass into a slot of m p + 8 sd + 64 entries (overflow probability < 1e-15); only on
    # overflow is the stream re-run to count. Same draws either way.
    cap = min(m, np.int64(m * p + 8.0 * math.sqrt(m * p) + 64.0))
    buf = np.empty(cap, dtype=np.int64)
    nchosen = _bernoulli_positions_capped(m, p, st.copy(), buf)
    if nchosen <= cap:
        chosen = buf[:nchosen]
    else:
        chosen = np.empty(nchosen, dtype=np.int64)
        _bernoulli_positions(m, p, st.copy(), chosen, True)
    st = states[1]
    added = hashset_new(nchosen)
    deg = np.full(n, 2 * half_k, dtype=np.int64)
    nrew = 0
    for i in range(nchosen):
        e = chosen[i]
        u = e % n  # edge e = (j-1) n + u starts at u
        w = next_below(st, n)
        skip = False
        while w == u or _ws_has_edge(u, w, n, half_k, dst, added):
            w = next_below(st, n)
            if deg[u] >= n - 1:
                skip = True
                break
        if not skip:
            v = dst[e]
            hashset_insert(added, pair_key(u, w, n))
            dst[e] = w
            deg[v] -= 1
            deg[w] += 1
            chosen[nrew] = e
            nrew += 1
    return dst, chosen[:nrew]


@njit(cache=True, inline="always")
def _ws_lattice_present(u, v, n, half_k, dst):
    # Is the ring pair (u, v), at ring distance <= half_k, still a lattice edge?
    d = v - u
    if d < 0:
        d += n
    if d <= half_k:
        return dst[(d - 1) * n + u] == v
    return dst[(n - d - 1) * n + v] == u


@njit(cache=True)
def _ws_row(u, n, half_k, dst, add_ptr, add_idx, out, a, write):
    # Row u in ascending order: the ring neighbours u-h..u+h (mod n) still present, as up to
    # three increasing runs (at most one side wraps since 2h < n), merged with u's sorted
    # rewired-in neighbours (never lattice-present ones, so no repeats).
    h = half_k
    lo0 = np.int64(0)
    hi0 = np.int64(-1)
    lo1 = u - h
    hi1 = u + h
    lo2 = np.int64(0)
    hi2 = np.int64(-1)
    if u - h < 0:
        lo0 = np.int64(0)
        hi0 = u + h
        lo1 = np.int64(1)
        hi1 = np.int64(0)
        lo2 = n + u - h
        hi2 = n - 1
    elif u + h >= n:
        lo0 = np.int64(0)
        hi0 = u + h - n
        lo1 = u - h
        hi1 = n - 1
    k = add_ptr[u]
    kend = add_ptr[u + 1]
    c = 0
    for run in range(3):
        lo = lo0 if run == 0 else (lo1 if run == 1 else lo2)
        hi = hi0 if run == 0 else (hi1 if run == 1 else hi2)
        for v in range(lo, hi + 1):
            if v == u or not _ws_lattice_present(u, v, n, half_k, dst):
                continue
            while k < kend and add_idx[k] < v:
                if write:
                    out[a + c] = add_idx[k]
                c += 1
                k += 1
            if write:
                out[a + c] = v
            c += 1
    while k < kend:
        if write:
            out[a + c] = add_idx[k]
        c += 1
        k += 1
    return c


@njit(cache=True, parallel=True)
def watts_strogatz_csr(n, half_k, dst, rewired):
    """Sorted CSR of the rewired ring from :func:`watts_strogatz_edges`' output, no edge list.

    Lattice edge e = (j-1) n + u joins u and dst[e]; ``rewired`` lists the edges whose
    endpoint moved. Those few give the degrees (2 half_k, minus ring edges moved away, plus
    moved-in ones) and are bucketed into a small CSR; every row is then written in
    ascending order by merging its surviving ring neighbours with its rewired-in ones, in
    parallel over nodes. Requires 1 <= half_k, 2 half_k < n. O(n k).
    """
    add_cnt = np.zeros(n + 1, dtype=np.int64)
    indptr = np.full(n + 1, 2 * half_k, dtype=np.int64)  # degrees first: ring, then moves
    indptr[0] = 0
    for i in range(rewired.shape[0]):
        e = rewired[i]
        u = e % n
        j = e // n + 1
        add_cnt[u + 1] += 1
        add_cnt[dst[e] + 1] += 1
        indptr[(u + j) % n + 1] -= 1
        indptr[dst[e] + 1] += 1
    for u in range(n):
        add_cnt[u + 1] += add_cnt[u]
        indptr[u + 1] += indptr[u]
    add_idx = np.empty(add_cnt[n], dtype=np.int64)
    pos = add_cnt[:-1].copy()
    for i in range(rewired.shape[0]):
        e = rewired[i]
        u = e % n
        w = dst[e]
        add_idx[pos[u]] = w
        pos[u] += 1
        add_idx[pos[w]] = u
        pos[w] += 1
    for u in prange(n):  # rows of rewired-in neighbours: ~p k each, insertion sort
        for i in range(add_cnt[u] + 1, add_cnt[u + 1]):
            x = add_idx[i]
            j = i - 1
            while j >= add_cnt[u] and add_idx[j] > x:
                add_idx[j + 1] = add_idx[j]
                j -= 1
            add_idx[j + 1] = x
    indices = np.empty(indptr[n], dtype=np.int32)
    for u in prange(n):
        _ws_row(u, n, half_k, dst, add_cnt, add_idx, indices, indptr[u], True)
    return indptr, indices
