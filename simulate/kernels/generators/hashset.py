"""Open-addressing hash set of non-negative int64 keys (edge keys of the sequential generators).

Linear probing; -1 marks an empty slot. Capacity is a power of two at least twice the number of
insertions, so the load factor stays <= 1/2 and a lookup is O(1) expected. There is no removal:
no generator needs one.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_EMPTY = -1


@njit(cache=True)
def hashset_new(max_inserts):
    """Empty hash set able to take ``max_inserts`` insertions."""
    cap = 16
    while cap < 2 * max_inserts + 16:
        cap *= 2
    return np.full(cap, _EMPTY, dtype=np.int64)


@njit(cache=True, inline="always")
def _slot(table, key):
    z = np.uint64(key) * np.uint64(0x9E3779B97F4A7C15)
    z ^= z >> np.uint64(31)
    return np.int64(z & np.uint64(table.shape[0] - 1))


@njit(cache=True)
def hashset_insert(table, key):
    """Insert ``key``; True if it was not present. O(1) expected."""
    mask = table.shape[0] - 1
    i = _slot(table, key)
    while True:
        t = table[i]
        if t == key:
            return False
        if t == _EMPTY:
            table[i] = key
            return True
        i = (i + 1) & mask


@njit(cache=True)
def hashset_contains(table, key):
    """True if ``key`` is in the set. O(1) expected."""
    mask = table.shape[0] - 1
    i = _slot(table, key)
    while True:
        t = table[i]
        if t == key:
            return True
        if t == _EMPTY:
            return False
        i = (i + 1) & mask


@njit(cache=True, inline="always")
def pair_key(u, v, n):
    """Undirected edge key ``min * n + max``: unique for the unordered pair {u, v}."""
    if u < v:
        return u * n + v
    return v * n + u
