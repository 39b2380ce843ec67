"""Follower-graph kernels: one-way arcs filtered against the mutual ones.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .hashset import hashset_new, hashset_insert, pair_key


@njit(cache=True)
def one_way_filter(msrc, mdst, osrc, odst, n):
    """Keep-mask for arcs (osrc, odst): False if the pair is already a mutual pair or an
    earlier kept arc joins the same two nodes (either way). Serial, O(m) expected."""
    table = hashset_new(msrc.shape[0] + osrc.shape[0])
    for i in range(msrc.shape[0]):
        hashset_insert(table, pair_key(msrc[i], mdst[i], n))
    keep = np.zeros(osrc.shape[0], dtype=np.bool_)
    for i in range(osrc.shape[0]):
        keep[i] = hashset_insert(table, pair_key(osrc[i], odst[i], n))
    return keep
