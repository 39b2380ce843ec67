"""Exact random variates on the package's counter-based streams (:mod:`simulate.kernels.random`):
normal, gamma, beta and binomial, for kernels that need them keyed (implicit populations: a
person's attrition, a block's point counts). Pure Numba; each takes the stream ``st`` (uint64[4]).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .random import next_double


@njit(cache=True)
def standard_normal(st):
    """N(0, 1) by Box-Muller (one of the pair). Two uniforms."""
    u1 = 1.0 - next_double(st)  # (0, 1]
    u2 = next_double(st)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


@njit(cache=True)
def gamma(st, a):
    """Gamma(a, 1) variate, a > 0: Marsaglia & Tsang, ACM TOMS 26, 363 (2000),
    doi:10.1145/358407.358414; for a < 1, Gamma(a + 1) U^(1/a). O(1) expected."""
    boost = 1.0
    if a < 1.0:
        boost = (1.0 - next_double(st)) ** (1.0 / a)
        a += 1.0
    d = a - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        x = standard_normal(st)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u = 1.0 - next_double(st)
        if u < 1.0 - 0.0331 * x * x * x * x or math.log(u) < 0.5 * x * x + d * (1.0 - v + math.log(v)):
            return d * v * boost


@njit(cache=True)
def beta(st, a, b):
    """Beta(a, b) variate (a, b > 0) as G_a / (G_a + G_b)."""
    x = gamma(st, a)
    y = gamma(st, b)
    s = x + y
    if s <= 0.0:  # both underflowed (tiny shapes): the Beta mass sits at 0 or 1 in proportion a : b
        return 1.0 if next_double(st) * (a + b) < a else 0.0
    return x / s


@njit(cache=True)
def binomial(st, n, p):
    """Binomial(n, p) variate, exact for any int64 n: Knuth's recursion (TAOCP vol. 2, 3.4.1):
    the a-th smallest of n uniforms, a = n // 2 + 1, is Beta(a, n + 1 - a); below p it leaves
    ``a + Binomial(n - a, (p - X) / (1 - X))``, else ``Binomial(a - 1, p / X)``; below 40
    trials, one uniform each. O(log n) expected."""
    acc = np.int64(0)
    if p <= 0.0 or n <= 0:
        return acc
    if p >= 1.0:
        return np.int64(n)
    while n > 40:
        a = n // 2 + 1
        x = beta(st, float(a), float(n + 1 - a))
        if x >= p:
            n = a - 1
            p = p / x
        else:
            acc += a
            n = n - a
            p = (p - x) / (1.0 - x)
        if p <= 0.0:
            return acc
        if p >= 1.0:
            return acc + n
    for _ in range(n):
        if next_double(st) < p:
            acc += 1
    return acc


