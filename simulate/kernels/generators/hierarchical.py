"""Watts-Dodds-Newman hierarchical identities: tree distances and link formation (Watts, Dodds &
Newman 2002, doi:10.1126/science.1070120). :mod:`simulate.kernels.routing` reuses the tree distances.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..random import next_below
from .hashset import hashset_new, hashset_insert, pair_key
from .alias import alias_draw


@njit(cache=True)
def tree_height(a, b, branching):
    """Height of the lowest common ancestor of leaves ``a`` and ``b`` in a ``branching``-ary tree.

    0 for the same leaf (group), 1 for sibling leaves, ..., ``depth`` at most. O(depth).
    """
    h = 0
    while a != b:
        a //= branching
        b //= branching
        h += 1
    return h


@njit(cache=True)
def tree_distance(a, b, branching):
    """Watts-Dodds-Newman distance between leaves ``a`` and ``b`` of a b-ary tree.

    x = 1 when a == b (same group); otherwise x = h + 1 where h is the height of the lowest
    common ancestor above the leaves (siblings under one parent: x = 2): ``tree_height + 1``.
    """
    return tree_height(a, b, branching) + 1


@njit(cache=True)
def social_distance(ident_i, ident_j, branching):
    """y_ij = min over dimensions h of tree_distance(ident_i[h], ident_j[h]) (WDN 2002)."""
    best = np.int64(1 << 62)
    for h in range(ident_i.shape[0]):
        x = tree_distance(ident_i[h], ident_j[h], branching)
        if x < best:
            best = x
    return best


@njit(cache=True)
def hierarchical_edges(ident, order, leaf_ptr, branching, x_prob, x_alias, target, max_draws, st):
    """WDN link formation: draw (i, dimension h, distance x ~ exp(-alpha x), j at distance x).

    ``ident[i, h]`` is node i's leaf in dimension h; ``order[h]`` lists nodes sorted by leaf
    and ``leaf_ptr[h]`` is its CSR pointer. Nodes at distance x >= 2 from leaf l are those in
    the subtree of l's ancestor at height x - 1 minus the subtree at height x - 2: two
    contiguous ranges of ``order[h]``, so j is drawn in O(1). Draws with no candidate, and
    repeated pairs, are discarded. Stops at ``target`` distinct edges or after ``max_draws``.
    Returns ``(src, dst, draws)``.
    """
    n = ident.shape[0]
    H = ident.shape[1]
    src = np.empty(target, dtype=np.int64)
    dst = np.empty(target, dtype=np.int64)
    table = hashset_new(target)
    c = 0
    draws = 0
    while c < target and draws < max_draws:
        draws += 1
        i = next_below(st, n)
        h = next_below(st, H)
        x = alias_draw(x_prob, x_alias, st) + 1
        leaf = ident[i, h]
        ptr = leaf_ptr[h]
        if x == 1:
            a = ptr[leaf]
            cnt = ptr[leaf + 1] - a - 1  # others in i's own group
            if cnt <= 0:
                continue
            pos = a + next_below(st, cnt)
            j = order[h, pos]
            if j == i:  # i occupies one slot of the range: use the last slot instead
                j = order[h, ptr[leaf + 1] - 1]
        else:
            outer = np.int64(branching) ** (x - 1)
            inner = outer // branching
            lo = (leaf // outer) * outer
            ilo = (leaf // inner) * inner
            first = ptr[ilo] - ptr[lo]
            cnt = first + ptr[lo + outer] - ptr[ilo + inner]
            if cnt <= 0:
                continue
            k = next_below(st, cnt)
            if k < first:
                j = order[h, ptr[lo] + k]
            else:
                j = order[h, ptr[ilo + inner] + k - first]
        if hashset_insert(table, pair_key(i, j, n)):
            src[c] = i
            dst[c] = j
            c += 1
    return src[:c], dst[:c], draws
