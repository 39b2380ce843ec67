"""Follower-graph kernels: one-way arcs kept one-way, and trimmed to an exact count, in place in a CSR.

The follower graph (:func:`simulate.generators.directed_follower`) is built in one int32
buffer laid out row by row: row u holds first u's *mutual* neighbours (a symmetric
Chung-Lu layer: both arcs of each mutual pair), then u's candidate *one-way* arcs (a
directed Chung-Lu layer). The kernels here drop the one-way arcs that would not be one-way
(:func:`mark_one_way`), drop a uniformly random subset so that exactly the wanted number
remains (:func:`key_histogram`, :func:`keys_in_bucket`, :func:`trim_one_way`), and close
the gaps (:func:`compact_rows`). No edge list is ever held.

A dropped arc ``u -> v`` is marked in place as ``-(v + 1)``; :func:`_decoded` reads either
form back as ``v``, so a sorted part stays sorted (and binary-searchable) by decoded value
while other rows are being marked concurrently.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange, uint64

from ..random import _splitmix64

#: Bits of an arc key used by the first level of the exact selection.
KEY_BUCKET_BITS = 16


@njit(cache=True, inline="always")
def _decoded(x):
    return x if x >= 0 else -x - 1


@njit(cache=True, inline="always")
def arc_key(u, v, n, salt):
    """Uniform 64-bit key of arc ``u -> v``: SplitMix64 of ``u n + v`` xor ``salt``, a bijection of
    the arc (n < 2^31), so distinct arcs never share a key."""
    return _splitmix64((uint64(u) * uint64(n) + uint64(v)) ^ salt)


@njit(cache=True, inline="always")
def _contains(buf, lo, hi, x):
    # Binary search for x among the decoded values of the sorted buf[lo:hi].
    while lo < hi:
        mid = (lo + hi) >> 1
        y = _decoded(buf[mid])
        if y < x:
            lo = mid + 1
        elif y > x:
            hi = mid
        else:
            return True
    return False


@njit(cache=True, parallel=True)
def sort_row_parts(indptr, split, buf):
    """Sort, per row u, the mutual part ``buf[indptr[u]:split[u]]`` and the one-way part
    ``buf[split[u]:indptr[u + 1]]`` separately (parallel over rows)."""
    n = indptr.shape[0] - 1
    for u in prange(n):
        if split[u] - indptr[u] > 1:
            buf[indptr[u]:split[u]].sort()
        if indptr[u + 1] - split[u] > 1:
            buf[split[u]:indptr[u + 1]].sort()


@njit(cache=True, parallel=True)
def mark_one_way(indptr, split, buf, salt):
    """Mark the candidate one-way arcs that cannot stay one-way; return how many stay, per row.

    Arc ``u -> v`` of u's one-way part is dropped if ``{u, v}`` is a mutual pair (v in u's
    mutual part), or if ``v -> u`` is also a candidate and the pair's coin says the arc
    kept is the other one: of ``a = min(u, v)``, ``b = max(u, v)`` the arc ``a -> b`` stays
    when bit 0 of ``arc_key(a, b, n, salt)`` is 0, else ``b -> a``. Each row decides from
    read-only facts about the pair, so the outcome does not depend on the order in which
    rows run. Both parts of every row must be sorted (:func:`sort_row_parts`). O(m log d).
    """
    n = indptr.shape[0] - 1
    kept = np.zeros(n, dtype=np.int64)
    for u in prange(n):
        c = 0
        for k in range(split[u], indptr[u + 1]):
            v = buf[k]
            drop = _contains(buf, indptr[u], split[u], v)
            if not drop and _contains(buf, split[v], indptr[v + 1], u):
                a = min(u, v)
                b = max(u, v)
                low_to_high = (arc_key(a, b, n, salt) & uint64(1)) == uint64(0)
                drop = low_to_high != (u == a)
            if drop:
                buf[k] = -v - 1
            else:
                c += 1
        kept[u] = c
    return kept


@njit(cache=True, parallel=True)
def key_histogram(indptr, split, buf, salt, chunks):
    """Histogram of the top ``KEY_BUCKET_BITS`` bits of the keys of the unmarked one-way arcs.

    Rows are cut into ``chunks`` equal ranges with one histogram each, summed at the end:
    the result does not depend on ``chunks``. Returns int64[2^KEY_BUCKET_BITS].
    """
    n = indptr.shape[0] - 1
    nbk = 1 << KEY_BUCKET_BITS
    shift = uint64(64 - KEY_BUCKET_BITS)
    h = np.zeros((chunks, nbk), dtype=np.int64)
    for t in prange(chunks):
        for u in range(t * n // chunks, (t + 1) * n // chunks):
            for k in range(split[u], indptr[u + 1]):
                v = buf[k]
                if v >= 0:
                    h[t, np.int64(arc_key(u, v, n, salt) >> shift)] += 1
    return h.sum(axis=0)


@njit(cache=True, parallel=True)
def keys_in_bucket(indptr, split, buf, salt, bucket, chunks):
    """The keys (uint64, unsorted) of the unmarked one-way arcs whose top bits equal ``bucket``."""
    n = indptr.shape[0] - 1
    shift = uint64(64 - KEY_BUCKET_BITS)
    cnt = np.zeros(chunks + 1, dtype=np.int64)
    for t in prange(chunks):
        c = 0
        for u in range(t * n // chunks, (t + 1) * n // chunks):
            for k in range(split[u], indptr[u + 1]):
                v = buf[k]
                if v >= 0 and np.int64(arc_key(u, v, n, salt) >> shift) == bucket:
                    c += 1
        cnt[t + 1] = c
    for t in range(chunks):
        cnt[t + 1] += cnt[t]
    out = np.empty(cnt[chunks], dtype=np.uint64)
    for t in prange(chunks):
        c = cnt[t]
        for u in range(t * n // chunks, (t + 1) * n // chunks):
            for k in range(split[u], indptr[u + 1]):
                v = buf[k]
                if v >= 0:
                    key = arc_key(u, v, n, salt)
                    if np.int64(key >> shift) == bucket:
                        out[c] = key
                        c += 1
    return out


@njit(cache=True, parallel=True)
def trim_one_way(indptr, split, buf, salt, threshold):
    """Mark every unmarked one-way arc whose key is ``>= threshold``; return the arcs left per row."""
    n = indptr.shape[0] - 1
    kept = np.zeros(n, dtype=np.int64)
    for u in prange(n):
        c = 0
        for k in range(split[u], indptr[u + 1]):
            v = buf[k]
            if v >= 0:
                if arc_key(u, v, n, salt) >= threshold:
                    buf[k] = -v - 1
                else:
                    c += 1
        kept[u] = c
    return kept


@njit(cache=True)
def compact_rows(indptr, buf, new_indptr):
    """Move every row's unmarked entries to ``buf[new_indptr[u]:new_indptr[u + 1]]``, in place.

    Serial on purpose: rows only move left (``new_indptr[u] <= indptr[u]``), so in row order
    no write reaches an entry not yet read; a parallel version could overwrite a row another
    thread has not copied. O(m).
    """
    n = indptr.shape[0] - 1
    for u in range(n):
        c = new_indptr[u]
        for k in range(indptr[u], indptr[u + 1]):
            x = buf[k]
            if x >= 0:
                buf[c] = x
                c += 1
