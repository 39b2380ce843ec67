"""BTER phase 1: dense Erdos-Renyi affinity blocks (the union of two CSR graphs is :func:`simulate.kernels.csr.csr_union`).

Pure Numba over arrays. Blocks are disjoint runs ``order[block_ptr[b]:block_ptr[b+1]]`` of
nodes, so a block's edges touch only its own rows: the count and scatter passes run in
parallel over blocks without two threads ever writing one row. Each block draws from its own
stream ``states[b]``, so the graph does not depend on the thread count.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..random import next_double


@njit(cache=True)
def affinity_blocks(sorted_deg, group_ptr):
    """BTER affinity blocks over nodes sorted by (group, degree ascending).

    Inside each group, consecutive nodes form blocks of ``d + 1`` nodes, ``d`` the block's
    smallest target degree (Seshadhri, Kolda, Pinar 2012); the last block of a group may be
    smaller. Runs of nodes of degree < 2 form one block each that gets no internal edges
    (``active`` False). Returns ``(block_ptr int64, active bool)``. O(n).
    """
    n = sorted_deg.shape[0]
    ptr = np.empty(n + 1, dtype=np.int64)
    active = np.empty(n, dtype=np.bool_)
    nb = 0
    ptr[0] = 0
    for g in range(group_ptr.shape[0] - 1):
        pos = group_ptr[g]
        end = group_ptr[g + 1]
        while pos < end:
            d = sorted_deg[pos]
            if d < 2:
                stop = pos
                while stop < end and sorted_deg[stop] < 2:
                    stop += 1
                active[nb] = False
            else:
                stop = min(pos + d + 1, end)
                active[nb] = True
            nb += 1
            ptr[nb] = stop
            pos = stop
    return ptr[:nb + 1].copy(), active[:nb].copy()


@njit(cache=True)
def _block_walk(st, order, lo, size, p, deg, cursor, indices, write):
    # Pairs (i, j), i < j, of the block visited in row-major order with geometric skips of
    # parameter p: each pair is present independently with probability p, O(size + edges).
    if p <= 0.0 or size < 2:
        return
    full = p >= 1.0
    log_q = np.log(1.0 - p) if not full else 0.0
    i = 0
    j = 0  # current pair is (i, j); start before (0, 1)
    while True:
        if full:
            skip = 1
        else:
            u = next_double(st)
            skip = 1 + np.int64(np.floor(np.log(1.0 - u) / log_q))
        j += skip
        while i < size - 1 and j >= size:
            j = j - size + i + 2
            i += 1
        if i >= size - 1:
            return
        a = order[lo + i]
        b = order[lo + j]
        if write:
            indices[cursor[a]] = b
            cursor[a] += 1
            indices[cursor[b]] = a
            cursor[b] += 1
        else:
            deg[a] += 1
            deg[b] += 1


@njit(cache=True, parallel=True)
def block_count(order, block_ptr, block_p, states, deg):
    """Pass 1: add each node's number of block edges to ``deg`` (int64, n), none stored."""
    no = np.empty(0, dtype=np.int32)
    for b in prange(block_ptr.shape[0] - 1):
        st = states[b].copy()
        _block_walk(st, order, block_ptr[b], block_ptr[b + 1] - block_ptr[b], block_p[b], deg, deg, no, False)


@njit(cache=True, parallel=True)
def block_scatter(order, block_ptr, block_p, states, cursor, indices):
    """Pass 2: regenerate pass 1's edges from the same streams and write both arcs at ``cursor``."""
    for b in prange(block_ptr.shape[0] - 1):
        st = states[b].copy()
        _block_walk(st, order, block_ptr[b], block_ptr[b + 1] - block_ptr[b], block_p[b], cursor, cursor,
                    indices, True)


@njit(cache=True)
def _first_below(e, lo, hi, t):
    # First index k in [lo, hi) with e[k] < t (``e`` non-increasing on [lo, hi)); hi if none.
    while lo < hi:
        mid = (lo + hi) >> 1
        if e[mid] < t:
            hi = mid
        else:
            lo = mid + 1
    return lo


@njit(cache=True)
def _first_below_near(e, lo, hi, t, hint):
    # _first_below by galloping from ``hint``: O(log |answer - hint|), so a walk whose
    # answers move little from node to node (sorted weights, thresholds that follow them)
    # costs O(1) per node instead of a cold O(log n) search with its cache misses.
    if lo >= hi:
        return lo
    hint = min(max(hint, lo), hi - 1)
    step = 1
    if e[hint] < t:  # answer at or before hint
        b = hint
        while b - step > lo and e[b - step] < t:
            b -= step
            step <<= 1
        return _first_below(e, max(lo, b - step), b, t) if b > lo else lo
    a = hint + 1  # answer after hint
    while a + step < hi and e[a + step] >= t:
        a += step
        step <<= 1
    return _first_below(e, a, min(hi, a + step + 1), t)


@njit(cache=True)
def _capped_range(e, cx, cex, a, c, ei, f, hint):
    # sum over k in [a, c) of min(1, ei e[k] f) x[k] from prefix sums cx (x) and cex (e x);
    # also the first index t whose pair is below the cap (searched from ``hint``).
    if a >= c or f <= 0.0 or ei <= 0.0:
        return 0.0, a
    t = _first_below_near(e, a, c, 1.0 / (ei * f), hint)
    return (cx[t] - cx[a]) + ei * f * (cex[c] - cex[t]), t


@njit(cache=True)
def chung_lu_pair_sums(gend, e, mult, x, coef, bcoef, log_ratio, degree, band_degree):
    """Expected Chung-Lu pair sums over later members of each class's group, capped at 1.

    Every array is in *position* order: classes of ``mult[k]`` exchangeable nodes each (1.0:
    one node per position), sorted by (group, weight ``e`` descending), and ``gend[k]`` ends
    position k's group (the caller gathers per-class arrays into this order, so the walk reads
    memory in sequence). A node of position k and a node of a later position j of its group,
    or another node of position k itself, are joined with P_kj = min(1, e_k e_j f), f =
    ``coef[k] + bcoef[k]`` for the *band prefix* (e_j >= e_k / exp(``log_ratio``), position k
    itself included) and f = ``coef[k]`` after it: the pair probability of the layered Chung-Lu
    kernel with the degree band (:func:`simulate.kernels.generators.power_law.chung_lu_count`;
    ``bcoef`` empty: no band).

    Returns ``(sum over node pairs {u, v} of P_uv x_u x_v, the same for the band's part)``
    (each pair once, ``mult[k] mult[j]`` pairs between positions, C(``mult[k]``, 2) inside
    one), the band's part of a pair being P_kj minus its value without ``bcoef``. With
    ``degree`` not empty, adds each node's expected number of these pairs (whatever ``x``) to
    ``degree`` at its position, and with ``band_degree`` not empty the band's part of it
    there. Prefix sums weighted by ``mult`` make a position cost what a node did. The cap
    and band boundaries are found by galloping from the previous position's: O(n) for a
    ``coef`` constant in each group (weights and thresholds move together), O(n log n) at
    worst, n positions.
    """
    n = gend.shape[0]
    cm = np.zeros(n + 1)  # prefix sums of the multiplicities: pair counts of capped ranges
    cx = np.zeros(n + 1)
    cex = np.zeros(n + 1)
    ce = np.zeros(n + 1)  # prefix sums of e: the same sums with x = 1, for the degrees
    for k in range(n):
        m = mult[k]
        cm[k + 1] = cm[k] + m
        cx[k + 1] = cx[k] + m * x[k]
        cex[k + 1] = cex[k] + m * e[k] * x[k]
        ce[k + 1] = ce[k] + m * e[k]
    use_band = bcoef.shape[0] > 0
    cols = degree.shape[0] > 0
    band_cols = cols and use_band and band_degree.shape[0] > 0
    # the partners' side as difference arrays: the capped part (1 each) and the coefficient
    # of the linear part (P = e_j times it), both times the row's multiplicity
    d_one = np.zeros(n + 1 if cols else 0)
    d_coef = np.zeros(n + 1 if cols else 0)
    b_one = np.zeros(n + 1 if band_cols else 0)  # the same for the band's part (P minus P without it)
    b_coef = np.zeros(n + 1 if band_cols else 0)
    shrink = np.exp(-log_ratio)
    total = 0.0
    band_total = 0.0
    h_band = h_cap_b = h_cap_0 = h_cap = 0  # the previous position's answers: searches start there
    for k in range(n):
        ei = e[k]
        mk = mult[k]
        a = k + 1
        c = gend[k]
        if ei <= 0.0:
            continue
        f = coef[k]
        in_band = use_band and bcoef[k] > 0.0
        if mk > 1.0:
            # pairs inside the position: equal weights, so inside the band
            p_in = min(1.0, ei * ei * (f + bcoef[k] if in_band else f))
            own = 0.5 * mk * (mk - 1.0) * x[k] * x[k]
            total += own * p_in
            if cols:
                degree[k] += (mk - 1.0) * p_in
            if in_band:
                p_in0 = min(1.0, ei * ei * f)
                band_total += own * (p_in - p_in0)
                if band_cols:
                    band_degree[k] += (mk - 1.0) * (p_in - p_in0)
        if a >= c:
            continue
        bend = a
        row = 0.0
        row1 = 0.0  # the row with x = 1: a node's expected number of these pairs
        if in_band:
            bend = _first_below_near(e, a, c, ei * shrink, h_band)
            h_band = bend
            fb = f + bcoef[k]
            s_b, t_b = _capped_range(e, cx, cex, a, bend, ei, fb, h_cap_b)
            s_0, t_0 = _capped_range(e, cx, cex, a, bend, ei, f, h_cap_0)
            h_cap_b = t_b
            h_cap_0 = t_0
            row += s_b
            band_total += mk * x[k] * (s_b - s_0)
            if cols:
                one_b = (cm[t_b] - cm[a]) + ei * fb * (ce[bend] - ce[t_b])
                row1 += one_b
                d_one[a] += mk
                d_one[t_b] -= mk
                d_coef[t_b] += mk * ei * fb
                d_coef[bend] -= mk * ei * fb
            if band_cols:
                # t_0 <= t_b: on [t_0, t_b) capped with the band only, 1 - ei f e_j; on
                # [t_b, bend) ei (fb - f) e_j
                b_one[t_0] += mk
                b_one[t_b] -= mk
                b_coef[t_0] -= mk * ei * f
                b_coef[t_b] += mk * ei * fb
                b_coef[bend] -= mk * ei * (fb - f)
                band_degree[k] += one_b - ((cm[t_0] - cm[a]) + ei * f * (ce[bend] - ce[t_0]))
        if f > 0.0:
            s, t = _capped_range(e, cx, cex, bend, c, ei, f, h_cap)
            h_cap = t
            row += s
            if cols:
                row1 += (cm[t] - cm[bend]) + ei * f * (ce[c] - ce[t])
                d_one[bend] += mk
                d_one[t] -= mk
                d_coef[t] += mk * ei * f
                d_coef[c] -= mk * ei * f
        total += mk * x[k] * row
        if cols:
            degree[k] += row1
    if cols:
        one = lin = b1 = bl = 0.0
        for k in range(n):
            one += d_one[k]
            lin += d_coef[k]
            degree[k] += one + e[k] * lin
            if band_cols:
                b1 += b_one[k]
                bl += b_coef[k]
                band_degree[k] += b1 + e[k] * bl
    return total, band_total
