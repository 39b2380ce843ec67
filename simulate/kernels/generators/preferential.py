"""Barabasi-Albert preferential attachment kernels (Barabasi & Albert 1999, doi:10.1126/science.286.5439.509).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..random import next_below, next_u64


@njit(cache=True)
def barabasi_albert_edges(n, m, st):
    """Linear preferential attachment (networkx's algorithm), 1 <= m < n.

    Starts from a star on m + 1 nodes (centre 0). Each new node picks m distinct targets
    uniformly from the list of edge endpoints ("repeated nodes", Batagelj & Brandes 2005), so
    P(target = v) is proportional to the degree of v. O(n m) expected, serial. Each node's
    targets are emitted in ascending order, so bucketing the edges in emission order gives
    sorted CSR rows (smaller neighbours: the node's own targets; larger: later nodes).
    """
    E = m + (n - m - 1) * m
    src = np.empty(E, dtype=np.int32)
    dst = np.empty(E, dtype=np.int32)
    rep = np.empty(2 * E, dtype=np.int32)
    mark = np.full(n, -1, dtype=np.int64)
    targets = np.empty(m, dtype=np.int64)
    c = 0
    r = 0
    for i in range(1, m + 1):
        src[c] = i
        dst[c] = 0
        c += 1
        rep[r] = 0
        rep[r + 1] = i
        r += 2
    for s in range(m + 1, n):
        # next_below(st, r) inlined with its rejection threshold computed once per node (r is
        # fixed while s picks its targets): one 64-bit division per draw instead of two, and
        # the identical draws.
        bound = np.uint64(r)
        threshold = (np.uint64(0) - bound) % bound
        t = 0
        while t < m:
            u = next_u64(st)
            while u < threshold:
                u = next_u64(st)
            x = rep[np.int64(u % bound)]
            if mark[x] != s:
                mark[x] = s
                targets[t] = x
                t += 1
        for i in range(1, m):  # ascending targets: the CSR fill then needs no sort (order is
            x = targets[i]    # irrelevant to the model: rep is sampled uniformly)
            j = i - 1
            while j >= 0 and targets[j] > x:
                targets[j + 1] = targets[j]
                j -= 1
            targets[j + 1] = x
        for i in range(m):
            src[c] = s
            dst[c] = targets[i]
            c += 1
            rep[r] = targets[i]
            rep[r + 1] = s
            r += 2
    return src, dst


@njit(cache=True)
def barabasi_albert_csr(n, m, st):
    """Sorted CSR of :func:`barabasi_albert_edges`' graph, the identical graph, no edge list.

    Runs the same process from the same stream; the list of edge endpoints ("repeated
    nodes", pairs (target, new node)) *is* the edge list, and the degrees are known when it
    ends. Row v is v's own targets (ascending, all < v) followed by the later nodes that
    picked v (in arrival order, all > v): sorted by construction, so one scatter pass in
    arrival order fills the CSR. O(n m) expected, serial.
    """
    E = m + (n - m - 1) * m
    rep = np.empty(2 * E, dtype=np.int32)
    mark = np.full(n, -1, dtype=np.int64)
    targets = np.empty(m, dtype=np.int64)
    indptr = np.zeros(n + 1, dtype=np.int64)
    r = 0
    for i in range(1, m + 1):  # star: i -> 0
        rep[r] = 0
        rep[r + 1] = i
        r += 2
    for s in range(m + 1, n):
        bound = np.uint64(r)  # next_below(st, r), threshold hoisted (see barabasi_albert_edges)
        threshold = (np.uint64(0) - bound) % bound
        t = 0
        while t < m:
            u = next_u64(st)
            while u < threshold:
                u = next_u64(st)
            x = rep[np.int64(u % bound)]
            if mark[x] != s:
                mark[x] = s
                targets[t] = x
                t += 1
        for i in range(1, m):
            x = targets[i]
            j = i - 1
            while j >= 0 and targets[j] > x:
                targets[j + 1] = targets[j]
                j -= 1
            targets[j + 1] = x
        for i in range(m):
            rep[r] = targets[i]
            rep[r + 1] = s
            r += 2
    for k in range(E):  # degrees: each pair (target, newcomer) adds one arc at both
        indptr[rep[2 * k] + 1] += 1
        indptr[rep[2 * k + 1] + 1] += 1
    for v in range(n):
        indptr[v + 1] += indptr[v]
    # own targets first: node 0 has none, star leaves 1..m one (node 0), later nodes m
    cur = indptr[:-1].copy()
    for v in range(1, n):
        cur[v] += 1 if v <= m else m
    own = indptr[:-1].copy()
    indices = np.empty(2 * E, dtype=np.int32)
    for k in range(E):
        t = rep[2 * k]
        v = rep[2 * k + 1]
        indices[own[v]] = t
        own[v] += 1
        indices[cur[t]] = v
        cur[t] += 1
    return indptr, indices
