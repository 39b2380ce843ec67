"""Walker/Vose alias tables: O(k) build, O(1) draws of an index with probability proportional to a weight.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..random import next_below, next_double


@njit(cache=True)
def alias_build(weights):
    """Walker/Vose alias table for sampling index i with probability proportional to weights[i].

    Returns ``(prob, alias)``; :func:`alias_draw` then samples in O(1). O(len) build.
    """
    k = weights.shape[0]
    total = 0.0
    for i in range(k):
        total += weights[i]
    prob = np.zeros(k, dtype=np.float64)
    alias = np.arange(k, dtype=np.int64)
    scaled = np.empty(k, dtype=np.float64)
    small = np.empty(k, dtype=np.int64)
    large = np.empty(k, dtype=np.int64)
    ns = 0
    nl = 0
    for i in range(k):
        scaled[i] = weights[i] * k / total
        if scaled[i] < 1.0:
            small[ns] = i
            ns += 1
        else:
            large[nl] = i
            nl += 1
    while ns > 0 and nl > 0:
        ns -= 1
        s = small[ns]
        g = large[nl - 1]
        prob[s] = scaled[s]
        alias[s] = g
        scaled[g] = (scaled[g] + scaled[s]) - 1.0
        if scaled[g] < 1.0:
            nl -= 1
            small[ns] = g
            ns += 1
    for i in range(nl):
        prob[large[i]] = 1.0
    for i in range(ns):  # rounding leftovers
        prob[small[i]] = 1.0
    return prob, alias


@njit(cache=True, inline="always")
def alias_draw(prob, alias, st):
    """Index drawn from an alias table in O(1)."""
    i = next_below(st, prob.shape[0])
    if next_double(st) < prob[i]:
        return i
    return alias[i]
