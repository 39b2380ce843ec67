"""Liben-Nowell et al. rank-based geographic links (2005, doi:10.1073/pnas.0503018102).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ..random import next_below, next_double
from .alias import alias_draw


@njit(cache=True, inline="always")
def _rect_count(sat, g, r0, r1, c0, c1):
    # Points in cell rows [r0, r1] and columns [c0, c1] (inclusive, clipped) via the
    # summed-area table sat[(g+1)*(g+1)].
    if r0 < 0:
        r0 = 0
    if c0 < 0:
        c0 = 0
    if r1 > g - 1:
        r1 = g - 1
    if c1 > g - 1:
        c1 = g - 1
    if r0 > r1 or c0 > c1:
        return np.int64(0)
    w = g + 1
    return sat[(r1 + 1) * w + c1 + 1] - sat[r0 * w + c1 + 1] - sat[(r1 + 1) * w + c0] + sat[r0 * w + c0]


@njit(cache=True)
def _kth_in_rect(sat, g, cell_ptr, r0, r1, c0, c1, k):
    # Position (in cell-sorted point order) of the k-th point (0-based) of a rectangle of
    # cells: binary search the row through the summed-area table, then the row's cells
    # [c0, c1] are one contiguous run of points. O(log g).
    if r0 < 0:
        r0 = 0
    if c0 < 0:
        c0 = 0
    if r1 > g - 1:
        r1 = g - 1
    if c1 > g - 1:
        c1 = g - 1
    lo = r0
    hi = r1
    while lo < hi:  # smallest row R with count(rows r0..R) > k
        mid = (lo + hi) // 2
        if _rect_count(sat, g, r0, mid, c0, c1) > k:
            hi = mid
        else:
            lo = mid + 1
    before = _rect_count(sat, g, r0, lo - 1, c0, c1) if lo > r0 else 0
    return cell_ptr[lo * g + c0] + (k - before)


@njit(cache=True)
def _ring_pick(sat, g, cell_ptr, cy, cx, t, k):
    # k-th point of the ring of cells at Chebyshev cell distance t around (cy, cx), ring split
    # into top rows, bottom rows, left and right column strips.
    if t == 0:
        return _kth_in_rect(sat, g, cell_ptr, cy, cy, cx, cx, k)
    n_top = _rect_count(sat, g, cy - t, cy - t, cx - t, cx + t)
    if k < n_top:
        return _kth_in_rect(sat, g, cell_ptr, cy - t, cy - t, cx - t, cx + t, k)
    k -= n_top
    n_bot = _rect_count(sat, g, cy + t, cy + t, cx - t, cx + t)
    if k < n_bot:
        return _kth_in_rect(sat, g, cell_ptr, cy + t, cy + t, cx - t, cx + t, k)
    k -= n_bot
    n_left = _rect_count(sat, g, cy - t + 1, cy + t - 1, cx - t, cx - t)
    if k < n_left:
        return _kth_in_rect(sat, g, cell_ptr, cy - t + 1, cy + t - 1, cx - t, cx - t, k)
    k -= n_left
    return _kth_in_rect(sat, g, cell_ptr, cy - t + 1, cy + t - 1, cx + t, cx + t, k)


@njit(cache=True)
def _rank_neighbour(u, rho, px, py, pcell_y, pcell_x, order, sat, g, cell_ptr, cw, ch,
                    exact_cells, max_exact, buf_d, buf_i, st):
    # Approximately the rho-th nearest neighbour of u (1-based, u excluded).
    cy = pcell_y[u]
    cx = pcell_x[u]
    tmax = max(max(cy, g - 1 - cy), max(cx, g - 1 - cx))
    lo = 0
    hi = tmax
    while lo < hi:  # smallest t whose square holds rho others
        mid = (lo + hi) // 2
        if _rect_count(sat, g, cy - mid, cy + mid, cx - mid, cx + mid) - 1 >= rho:
            hi = mid
        else:
            lo = mid + 1
    t = lo
    if t <= exact_cells:
        # Exact: every point closer than the farthest corner of square t is inside the
        # rectangle below; select the rho-th smallest distance among its points.
        rad = math.sqrt(((t + 1) * cw) ** 2 + ((t + 1) * ch) ** 2)
        ty = np.int64(math.ceil(rad / ch))
        tx = np.int64(math.ceil(rad / cw))
        total = _rect_count(sat, g, cy - ty, cy + ty, cx - tx, cx + tx)
        if total <= max_exact:
            m = 0
            for r in range(max(0, cy - ty), min(g - 1, cy + ty) + 1):
                a = cell_ptr[r * g + max(0, cx - tx)]
                b = cell_ptr[r * g + min(g - 1, cx + tx) + 1]
                for pos in range(a, b):
                    v = order[pos]
                    if v != u:
                        buf_d[m] = (px[v] - px[u]) ** 2 + (py[v] - py[u]) ** 2
                        buf_i[m] = v
                        m += 1
            # quickselect the (rho-1)-th smallest (Hoare partition, in place)
            left = 0
            right = m - 1
            kk = rho - 1
            while left < right:
                pivot = buf_d[(left + right) // 2]
                i = left
                j = right
                while i <= j:
                    while buf_d[i] < pivot:
                        i += 1
                    while buf_d[j] > pivot:
                        j -= 1
                    if i <= j:
                        td = buf_d[i]
                        buf_d[i] = buf_d[j]
                        buf_d[j] = td
                        ti = buf_i[i]
                        buf_i[i] = buf_i[j]
                        buf_i[j] = ti
                        i += 1
                        j -= 1
                if kk <= j:
                    right = j
                elif kk >= i:
                    left = i
                else:
                    break
            return buf_i[kk]
    # Approximate: a uniform point of the ring of cells where the cumulative count reaches rho.
    inner = _rect_count(sat, g, cy - t + 1, cy + t - 1, cx - t + 1, cx + t - 1) if t > 0 else 0
    ring = _rect_count(sat, g, cy - t, cy + t, cx - t, cx + t) - inner
    while True:
        v = order[_ring_pick(sat, g, cell_ptr, cy, cx, t, next_below(st, ring))]
        if v != u:
            return v


@njit(cache=True, parallel=True)
def rank_geographic_links(px, py, pcell_y, pcell_x, order, sat, g, cell_ptr, cw, ch, link_ptr,
                          geo_fraction, rank_prob, rank_alias, exact_cells, max_exact, block, states):
    """Rank-based friendship links (Liben-Nowell et al. 2005), parallel over node blocks.

    Node u makes ``link_ptr[u+1] - link_ptr[u]`` out-links. Each is geographic with
    probability ``geo_fraction``: a rank rho in 1..n-1 is drawn with P(rho) proportional to
    rho^-alpha (alias table), and the target is u's rho-th nearest neighbour (exact when the
    rho-th neighbour lies within ``exact_cells`` grid rings, else a uniform point of the grid
    ring of cells where the cumulative count reaches rho). Otherwise the target is uniform
    among the other nodes. O(log n) per link, plus O(rho) for exact small ranks.
    """
    n = px.shape[0]
    dst = np.empty(link_ptr[n], dtype=np.int64)
    nb = (n + block - 1) // block
    for b in prange(nb):
        st = states[b]
        buf_d = np.empty(max_exact, dtype=np.float64)
        buf_i = np.empty(max_exact, dtype=np.int64)
        for u in range(b * block, min(n, (b + 1) * block)):
            for e in range(link_ptr[u], link_ptr[u + 1]):
                if next_double(st) < geo_fraction:
                    rho = alias_draw(rank_prob, rank_alias, st) + 1
                    dst[e] = _rank_neighbour(u, rho, px, py, pcell_y, pcell_x, order, sat, g,
                                             cell_ptr, cw, ch, exact_cells, max_exact, buf_d,
                                             buf_i, st)
                else:
                    v = next_below(st, n - 1)
                    dst[e] = v + 1 if v >= u else v
    return dst
