"""Kleinberg lattice kernels: local lattice arcs and d^-r long-range links (Kleinberg 2000,
doi:10.1145/335305.335325).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ..random import next_below, next_double, next_u64
from .alias import alias_draw


@njit(cache=True)
def lattice_sphere_sizes(dim, dmax):
    """Number of points of Z^dim at L1 distance d, for d = 0..dmax (float64).

    S(0) = 1, S(d) = sum_k C(dim, k) 2^k C(d-1, k-1) for d >= 1 (k non-zero coordinates).
    """
    out = np.zeros(dmax + 1, dtype=np.float64)
    out[0] = 1.0
    for d in range(1, dmax + 1):
        s = 0.0
        for k in range(1, min(dim, d) + 1):
            s += _binom(dim, k) * 2.0 ** k * _binom(d - 1, k - 1)
        out[d] = s
    return out


@njit(cache=True, inline="always")
def _binom(a, b):
    if b < 0 or b > a:
        return 0.0
    return math.exp(math.lgamma(a + 1.0) - math.lgamma(b + 1.0) - math.lgamma(a - b + 1.0))


@njit(cache=True)
def _l1_sphere_point(dim, d, st, delta, perm, cuts):
    # Uniform point of Z^dim with |delta|_1 = d (d >= 1): pick the number k of non-zero
    # coordinates with weight C(dim,k) 2^k C(d-1,k-1), which coordinates (uniform subset),
    # a uniform composition of d into k positive parts (k-1 distinct cut points, Floyd's
    # algorithm), and random signs. O(dim^2).
    total = 0.0
    for k in range(1, min(dim, d) + 1):
        total += _binom(dim, k) * 2.0 ** k * _binom(d - 1, k - 1)
    x = next_double(st) * total
    k = 1
    kmax = min(dim, d)
    while k < kmax:
        x -= _binom(dim, k) * 2.0 ** k * _binom(d - 1, k - 1)
        if x < 0.0:
            break
        k += 1
    for i in range(dim):
        delta[i] = 0
        perm[i] = i
    for i in range(k):  # partial Fisher-Yates: first k entries are a uniform k-subset
        j = i + next_below(st, dim - i)
        t = perm[i]
        perm[i] = perm[j]
        perm[j] = t
    # Floyd: k-1 distinct cut points from 1..d-1
    nc = 0
    for jj in range(d - k + 1, d):
        t = 1 + next_below(st, jj)
        dup = False
        for i in range(nc):
            if cuts[i] == t:
                dup = True
                break
        cuts[nc] = jj if dup else t
        nc += 1
    for i in range(1, nc):  # insertion sort (nc < dim)
        t = cuts[i]
        j = i - 1
        while j >= 0 and cuts[j] > t:
            cuts[j + 1] = cuts[j]
            j -= 1
        cuts[j + 1] = t
    prev = 0
    for i in range(k):
        nxt = cuts[i] if i < nc else d
        part = nxt - prev
        prev = nxt
        if next_u64(st) >> np.uint64(63):
            part = -part
        delta[perm[i]] = part


@njit(cache=True, parallel=True)
def kleinberg_long_range(side, dim, q, periodic, dist_prob, dist_alias, block, states):
    """q long-range out-contacts per lattice node, P(u -> v) proportional to d(u, v)^-r.

    A distance d is drawn from the alias table over d = 1..dmax (weights S(d) d^-r, S the
    infinite-lattice L1 sphere size), then a uniform offset on the L1 sphere of radius d; the
    proposal is rejected if it leaves the lattice (open boundary) or the fundamental box
    (-side/2, side/2]^dim (torus, where that box maps one-to-one onto the other nodes with
    the same L1 distance). Every accepted v != u then has probability exactly proportional
    to d^-r; expected O(1) proposals per link for fixed dim. Returns ``dst`` of shape (n*q,),
    contacts of node u at ``[u*q, (u+1)*q)``.
    """
    n = side ** dim
    dst = np.empty(n * q, dtype=np.int64)
    nb = (n + block - 1) // block
    for b in prange(nb):
        st = states[b]
        coord = np.empty(dim, dtype=np.int64)
        delta = np.empty(dim, dtype=np.int64)
        perm = np.empty(dim, dtype=np.int64)
        cuts = np.empty(dim, dtype=np.int64)
        for u in range(b * block, min(n, (b + 1) * block)):
            x = u
            for i in range(dim):
                coord[i] = x % side
                x //= side
            for t in range(q):
                while True:
                    d = alias_draw(dist_prob, dist_alias, st) + 1
                    _l1_sphere_point(dim, d, st, delta, perm, cuts)
                    ok = True
                    v = 0
                    mult = 1
                    for i in range(dim):
                        if periodic:
                            if 2 * delta[i] <= -side or delta[i] > side // 2:
                                ok = False
                                break
                            c = (coord[i] + delta[i]) % side
                        else:
                            c = coord[i] + delta[i]
                            if c < 0 or c >= side:
                                ok = False
                                break
                        v += c * mult
                        mult *= side
                    if ok:
                        break
                dst[u * q + t] = v
    return dst


@njit(cache=True, parallel=True)
def lattice_local_arcs(side, dim, periodic, offsets):
    """Arcs from every node to every node at lattice (L1) distance 1..p (``offsets`` rows).

    Parallel over nodes, no randomness. Torus wrap-arounds that land on u itself are skipped
    (tiny sides only). O(n * len(offsets)).
    """
    n = side ** dim
    k = offsets.shape[0]
    cnt = np.zeros(n + 1, dtype=np.int64)
    for u in prange(n):
        cnt[u + 1] = _local_scan(u, side, dim, periodic, offsets, k, cnt, 0, False)
    for u in range(n):
        cnt[u + 1] += cnt[u]
    dst = np.empty(cnt[n], dtype=np.int64)
    for u in prange(n):
        _local_scan(u, side, dim, periodic, offsets, k, dst, cnt[u], True)
    src = np.empty(cnt[n], dtype=np.int64)
    for u in prange(n):
        for j in range(cnt[u], cnt[u + 1]):
            src[j] = u
    return src, dst


@njit(cache=True)
def _local_scan(u, side, dim, periodic, offsets, k, out, c0, write):
    c = c0
    for o in range(k):
        x = u
        v = 0
        mult = 1
        ok = True
        for i in range(dim):
            ci = x % side + offsets[o, i]
            x //= side
            if periodic:
                ci %= side
            elif ci < 0 or ci >= side:
                ok = False
                break
            v += ci * mult
            mult *= side
        if ok and v != u:
            if write:
                out[c] = v
            c += 1
    return c - c0


@njit(cache=True, inline="always")
def _lattice_within(u, v, side, dim, periodic, radius):
    # L1 (torus when periodic) lattice distance between u and v is <= radius.
    d = 0
    for i in range(dim):
        x = u % side - v % side
        u //= side
        v //= side
        if x < 0:
            x = -x
        if periodic and side - x < x:
            x = side - x
        d += x
        if d > radius:
            return False
    return True


@njit(cache=True)
def _kleinberg_row(u, side, dim, periodic, offsets, radius, long_dst, q, out, a, write):
    # Row u: every lattice node within ``radius`` (offsets sorted by their linear id shift,
    # so the row comes out nearly sorted), then each long-range contact that is neither a
    # local contact nor an earlier contact of u. Returns (row length, contacts dropped).
    c = _local_scan(u, side, dim, periodic, offsets, offsets.shape[0], out, a, write)
    dropped = 0
    for t in range(q):
        v = long_dst[u * q + t]
        dup = _lattice_within(u, v, side, dim, periodic, radius)
        if not dup:
            for t2 in range(t):
                if long_dst[u * q + t2] == v:
                    dup = True
                    break
        if dup:
            dropped += 1
        else:
            if write:
                out[a + c] = v
            c += 1
    if write:  # insertion sort: O(row + inversions), the local part is (nearly) in order
        for j in range(a + 1, a + c):
            x = out[j]
            i = j - 1
            while i >= a and out[i] > x:
                out[i + 1] = out[i]
                i -= 1
            out[i + 1] = x
    return c, dropped


@njit(cache=True, parallel=True)
def kleinberg_csr(side, dim, periodic, offsets, radius, long_dst, q, block):
    """Directed Kleinberg CSR straight from the lattice and the long-range contacts.

    Row u lists every node within lattice distance ``radius`` (``offsets``: the ball, sorted
    by linear id shift; no two offsets may wrap onto the same node, i.e. side > 2 radius on a
    torus) and u's distinct long-range contacts ``long_dst[u*q:(u+1)*q]`` that are not local
    contacts, sorted. Returns ``(indptr, indices, dropped)``, dropped = contacts merged
    away. Two passes parallel over node blocks (count, then fill); no edge list is built.
    O(n (|ball| + q^2)).
    """
    n = side ** dim
    nb = (n + block - 1) // block
    indptr = np.zeros(n + 1, dtype=np.int64)
    dropped_b = np.zeros(nb, dtype=np.int64)
    none = np.empty(0, dtype=np.int32)
    for b in prange(nb):
        dr = 0
        for u in range(b * block, min(n, (b + 1) * block)):
            c, d = _kleinberg_row(u, side, dim, periodic, offsets, radius, long_dst, q, none, 0, False)
            indptr[u + 1] = c
            dr += d
        dropped_b[b] = dr
    for u in range(n):
        indptr[u + 1] += indptr[u]
    indices = np.empty(indptr[n], dtype=np.int32)
    for b in prange(nb):
        for u in range(b * block, min(n, (b + 1) * block)):
            _kleinberg_row(u, side, dim, periodic, offsets, radius, long_dst, q, indices, indptr[u], True)
    return indptr, indices, dropped_b.sum()
