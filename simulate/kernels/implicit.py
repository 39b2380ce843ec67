"""Numba kernels for implicit populations: contacts computed on demand, never stored.

A person of an implicit population is an int64 id; its contacts are a deterministic function
of (population key, id) (*quenched*: :func:`simulate.kernels.random.keyed_state` gives person
``u`` its own counter-based stream) or are drawn afresh from the chain's stream at every
visit (*annealed*). Greedy routing never needs more of the population than the people a
message visits, so memory is O(chains in flight x path length).

Pure array code: no I/O, no configuration, no imports from the layers above. The public layer
is :mod:`simulate.implicit`.

Kleinberg lattice (Kleinberg, STOC 2000, doi:10.1145/335305.335325)
------------------------------------------------------------------
Node ``u`` of the ``side^dim`` lattice has row-major coordinates ``coord_i = (u // side^i) %
side``. Long-range link lengths ``d`` follow ``P(d) ~ S(d) d^-r`` on ``1..dmax`` (``S(d)`` the
number of points of Z^dim at L1 distance d), drawn in O(1) expected time by
:func:`draw_distance` from an alias table over *bins*: one bin per distance up to
``exact_upto`` and geometric bins beyond, each bin proposing a uniform distance accepted with
probability ``w(d) / envelope``. Every accepted distance therefore has probability exactly
proportional to ``w(d)`` (no normalising sums are needed, so sides up to 2^31 in 2-D cost
O(bins) to set up, where the stored generator's per-distance alias table costs O(side)).
The offset is then uniform on the L1 sphere of radius d, and the proposal is redrawn if it
leaves the lattice (open boundary) or the torus' fundamental box, exactly as the stored
generator (:func:`simulate.kernels.generators.kleinberg.kleinberg_long_range`) does: the
accepted contact ``v`` has probability proportional to ``d(u, v)^-r``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from .generators.hierarchical import tree_height
from .generators.kleinberg import _l1_sphere_point
from .random import _splitmix64, keyed_state, next_below, next_below32, next_double, next_u64
from .variates import beta as _beta
from .routing import CHAINS_PER_TASK, STATUS_DEAD_END, STATUS_DROPPED, STATUS_MAX_STEPS, STATUS_REACHED

# ------------------------------------------------------------------ the distance law


@njit(cache=True, inline="always")
def sphere_size(dim, d):
    """S(d) = sum_k C(dim, k) 2^k C(d-1, k-1), the number of points of Z^dim at L1 distance d >= 1 (float)."""
    if dim == 1:
        return 2.0
    if dim == 2:
        return 4.0 * d
    s = 0.0
    c = 1.0  # C(d-1, k-1), updated in k
    cd = float(dim)  # C(dim, k)
    pw = 2.0
    for k in range(1, dim + 1):
        if k > d:
            break
        s += cd * pw * c
        c *= (d - k) / k
        cd *= (dim - k) / (k + 1.0)
        pw *= 2.0
    return s


@njit(cache=True, inline="always")
def log_distance_weight(dim, r, d):
    """log of the unnormalised probability ``S(d) d^-r`` of a long-range link of length d."""
    return np.log(sphere_size(dim, d)) - r * np.log(float(d))


@njit(cache=True)
def distance_bins(dim, r, dmax, exact_upto, per_octave):
    """Bins of the distance law on ``1..dmax`` for :func:`draw_distance`.

    Distances ``1..min(dmax, exact_upto)`` get one bin each; beyond, bins ``[lo, lo + width)``
    grow geometrically (``per_octave`` per doubling). Returns ``(lo, width, s_hi, mass)``:
    ``s_hi = S(lo + width - 1)``; the envelope ``S(hi - 1) lo^-r`` bounds ``w(d) = S(d) d^-r``
    on the bin (``S`` increases and ``d^-r`` does not, for r >= 0), and ``mass`` is the bin's
    envelope mass ``width x envelope`` (exact weight for one-distance bins), relative to the
    largest, so nothing overflows. O(exact_upto + per_octave log dmax).
    """
    e = min(dmax, exact_upto)
    nb = e
    lo_ = e + 1
    ratio = 2.0 ** (1.0 / per_octave)
    while lo_ <= dmax:
        hi = min(max(lo_ + 1, int(np.ceil(lo_ * ratio))), dmax + 1)
        nb += 1
        lo_ = hi
    lo = np.empty(nb, dtype=np.int64)
    width = np.empty(nb, dtype=np.int64)
    s_hi = np.empty(nb, dtype=np.float64)
    loge = np.empty(nb, dtype=np.float64)
    for d in range(1, e + 1):
        lo[d - 1] = d
        width[d - 1] = 1
        s_hi[d - 1] = sphere_size(dim, d)
        loge[d - 1] = log_distance_weight(dim, r, d)
    b = e
    lo_ = e + 1
    while lo_ <= dmax:
        hi = min(max(lo_ + 1, int(np.ceil(lo_ * ratio))), dmax + 1)
        lo[b] = lo_
        width[b] = hi - lo_
        s_hi[b] = sphere_size(dim, hi - 1)
        loge[b] = np.log(s_hi[b]) - r * np.log(float(lo_))
        b += 1
        lo_ = hi
    ref = loge.max()
    mass = np.empty(nb, dtype=np.float64)
    for i in range(nb):
        mass[i] = np.exp(loge[i] - ref) * width[i]
    return lo, width, s_hi, mass


@njit(cache=True, inline="always")
def _pow_r(x, r):
    # x^r for x in (0, 1]; the common exponents without a libm pow.
    if r == 2.0:
        return x * x
    if r == 0.0:
        return 1.0
    if r == 1.0:
        return x
    return x ** r


@njit(cache=True, inline="always")
def draw_distance(prob, alias, lo, width, s_hi, dim, r, st):
    """A link length d with P(d) proportional to ``S(d) d^-r`` (bins of :func:`distance_bins`).

    Bin from the alias table (weights = bin masses; 32-bit Lemire index, 53-bit coin), then
    within a wide bin a uniform proposal accepted with probability ``w(d) / envelope =
    (S(d) / S(hi - 1)) (lo / d)^r``: exact, O(1) expected draws (acceptance at least
    ``2^-((dim - 1 + r) / per_octave)`` in a wide bin).
    """
    k = prob.shape[0]
    while True:
        b = next_below32(st, k)
        if next_double(st) >= prob[b]:
            b = alias[b]
        w = width[b]
        if w == 1:
            return lo[b]
        d = lo[b] + (next_below32(st, w) if w < 4294967296 else next_below(st, w))
        if next_double(st) * s_hi[b] < sphere_size(dim, d) * _pow_r(lo[b] / d, r):
            return d


@njit(cache=True, inline="always")
def _sphere_point_2d(d, st, delta):
    # Uniform point of the 4d points of Z^2 at L1 distance d: one of the diamond's four sides
    # (2 bits) and a position k in [0, d) along it (a bijection onto the sphere).
    x = next_u64(st)
    side_ = x >> np.uint64(62)
    k = next_below32(st, d) if d < 4294967296 else next_below(st, d)
    if side_ == 0:
        delta[0] = d - k
        delta[1] = k
    elif side_ == 1:
        delta[0] = -k
        delta[1] = d - k
    elif side_ == 2:
        delta[0] = k - d
        delta[1] = -k
    else:
        delta[0] = k
        delta[1] = k - d


@njit(cache=True)
def draw_link(hc, side, dim, periodic, limit, prob, alias, lo, width, s_hi, r, st, delta, perm, cuts, vc):
    """One long-range contact of the node with coordinates ``hc``; its coordinates into ``vc``.

    ``limit``: open lattices accept coordinates ``0 <= c < limit`` (``side``; ``side - 1``
    reproduces kleinberg-grid-simulator, whose links never reach the last row or column).
    Returns the contact's row-major id.
    """
    while True:
        d = draw_distance(prob, alias, lo, width, s_hi, dim, r, st)
        if dim == 2:
            _sphere_point_2d(d, st, delta)
        else:
            _l1_sphere_point(dim, d, st, delta, perm, cuts)
        ok = True
        v = np.int64(0)
        mult = np.int64(1)
        for i in range(dim):
            if periodic:
                if 2 * delta[i] <= -side or delta[i] > side // 2:
                    ok = False
                    break
                c = hc[i] + delta[i]
                if c >= side:
                    c -= side
                elif c < 0:
                    c += side
            else:
                c = hc[i] + delta[i]
                if c < 0 or c >= limit:
                    ok = False
                    break
            vc[i] = c
            v += c * mult
            mult *= side
        if ok:
            return v


# ------------------------------------------------------------------ lattice geometry
@njit(cache=True, inline="always")
def _coords(u, side, out):
    for i in range(out.shape[0]):
        q = u // side
        out[i] = u - q * side
        u = q


@njit(cache=True, inline="always")
def _l1(a, b, side, periodic):
    d = np.int64(0)
    for i in range(a.shape[0]):
        x = a[i] - b[i]
        if x < 0:
            x = -x
        if periodic and side - x < x:
            x = side - x
        d += x
    return d


@njit(cache=True, inline="always")
def _step_coord(c, o, side, periodic):
    # Coordinate c moved by offset o; -1 when it leaves an open lattice.
    x = c + o
    if periodic:
        return x % side
    if x < 0 or x >= side:
        return np.int64(-1)
    return x


@njit(cache=True)
def _local_ties(hc, tc, side, periodic, offsets, best, pick, out):
    # Number of local contacts (offsets in the L1 ball of radius p) at distance ``best`` from
    # the target; with ``pick >= 0``, the coordinates of the pick-th of them into ``out``.
    # Torus wrap-arounds that land on the holder itself are skipped, as in the stored graph.
    dim = hc.shape[0]
    k = 0
    for o in range(offsets.shape[0]):
        d = np.int64(0)
        same = True
        ok = True
        for i in range(dim):
            c = _step_coord(hc[i], offsets[o, i], side, periodic)
            if c < 0:
                ok = False
                break
            if c != hc[i]:
                same = False
            x = c - tc[i]
            if x < 0:
                x = -x
            if periodic and side - x < x:
                x = side - x
            d += x
        if not ok or same or d != best:
            continue
        if k == pick:
            for i in range(dim):
                out[i] = _step_coord(hc[i], offsets[o, i], side, periodic)
            return k + 1
        k += 1
    return k


@njit(cache=True, inline="always")
def _unit_ties(hc, tc, side, periodic, pick):
    # p = 1: the lattice neighbours one step closer to the target are one per coordinate that
    # differs, two where the torus displacement is exactly side/2 (both ways shorten it). With
    # ``pick >= 0`` move ``hc`` to the pick-th of them (coordinates in order, + before -).
    k = 0
    for i in range(hc.shape[0]):
        x = tc[i] - hc[i]
        if x == 0:
            continue
        if periodic:
            if x < 0:
                x += side
            # x in (0, side): forward distance x, backward side - x
            if 2 * x == side:
                if pick == k or pick == k + 1:
                    c = hc[i] + (1 if pick == k else -1)
                    hc[i] = c - side if c >= side else (c + side if c < 0 else c)
                    return k + 2
                k += 2
                continue
            if pick == k:
                c = hc[i] + (1 if 2 * x < side else -1)
                hc[i] = c - side if c >= side else (c + side if c < 0 else c)
                return k + 1
        elif pick == k:
            hc[i] += 1 if x > 0 else -1
            return k + 1
        k += 1
    return k


@njit(cache=True, inline="always")
def _row_major(c, side):
    v = np.int64(0)
    mult = np.int64(1)
    for i in range(c.shape[0]):
        v += c[i] * mult
        mult *= side
    return v


# ------------------------------------------------------------------ greedy routing
@njit(cache=True, parallel=True)
def route_kleinberg(side, dim, periodic, p, q, limit, offsets, prob, alias, lo, width, s_hi, r,
                    quenched, node_key, sources, targets, states, max_steps, drop, kgs_rules,
                    record_paths, paths):
    """Greedy lattice routing on an implicit Kleinberg lattice, one chain per (source, target).

    Parameters
    ----------
    side, dim, periodic, p, q : the lattice (local contacts within L1 distance ``p >= 1``,
        ``q`` long-range out-links per node).
    limit : int, open-boundary coordinate limit for long-range contacts (see :func:`draw_link`).
    offsets : int64 (k, dim), the L1 ball of radius p minus the origin.
    prob, alias, lo, width, s_hi, r : the distance law (:func:`distance_bins` + alias table).
    quenched : bool; True: node u's long-range contacts come from ``keyed_state(node_key, u)``
        (the same on every visit); False (annealed): from the chain's stream at every visit.
    sources, targets : int64 node ids, one per chain (equal ids give a 0-step reached chain).
    states : uint64 (n_chains, 4), per-chain streams (mutated).
    max_steps : int; drop : float, constant attrition per holder.
    kgs_rules : bool; kleinberg-grid-simulator's rules: a long-range contact is taken only if
        strictly closer than the best local move, local moves go along coordinate 0 first,
        ties between long-range contacts go to the first drawn. False: the stored router's
        rule, uniform among the best distinct contacts (a long-range contact that is also a
        local contact, or a repeat, counts once, as the stored graph merges them).
    record_paths : bool; paths : int64 (n_chains, max_steps + 1), -1 filled (or (0, 0)).

    Returns
    -------
    status (int8), steps (int32), log_survival (float64), last (int64) per chain.

    Notes
    -----
    Random draws per holding step on the chain's stream: ``next_double`` for attrition (always,
    so attrition cuts the attrition-free chain short), then (annealed) the q contacts, then
    ``next_below32(#tied)`` when several contacts tie. Greedy with p >= 1 strictly decreases the
    distance, so no one is visited twice and annealed contacts have the quenched law along
    every chain. Work O(steps x (q + |ball|) x dim) (O(steps x (q + dim)) for p = 1); memory
    O(threads x q x dim) plus the optional paths. Parallel over blocks of chains, per-chain
    streams: identical results on any thread count.
    """
    n_chains = sources.shape[0]
    status = np.empty(n_chains, dtype=np.int8)
    steps_out = np.zeros(n_chains, dtype=np.int32)
    log_surv = np.zeros(n_chains, dtype=np.float64)
    last = np.empty(n_chains, dtype=np.int64)
    lq = np.log1p(-drop) if 0.0 < drop < 1.0 else 0.0
    n_tasks = (n_chains + CHAINS_PER_TASK - 1) // CHAINS_PER_TASK
    for task in prange(n_tasks):
        hc = np.empty(dim, dtype=np.int64)
        tc = np.empty(dim, dtype=np.int64)
        vc = np.empty(dim, dtype=np.int64)
        delta = np.empty(dim, dtype=np.int64)
        perm = np.empty(dim, dtype=np.int64)
        cuts = np.empty(dim, dtype=np.int64)
        nst = np.empty(4, dtype=np.uint64)
        qid = np.empty(max(q, 1), dtype=np.int64)
        qdist = np.empty(max(q, 1), dtype=np.int64)
        qc = np.empty((max(q, 1), dim), dtype=np.int64)
        for c in range(task * CHAINS_PER_TASK, min(n_chains, (task + 1) * CHAINS_PER_TASK)):
            st = states[c]
            h = sources[c]
            t = targets[c]
            _coords(h, side, hc)
            _coords(t, side, tc)
            dist = _l1(hc, tc, side, periodic)
            steps = 0
            ls = 0.0
            result = -1
            if record_paths:
                paths[c, 0] = h
            if dist == 0:
                result = STATUS_REACHED
            while result < 0 and steps < max_steps:
                if next_double(st) < drop:
                    result = STATUS_DROPPED
                    break
                ls += lq
                if dist <= p:  # the target is a local contact
                    h = t
                    dist = 0
                else:
                    lst = st
                    if quenched:
                        keyed_state(node_key, h, nst)
                        lst = nst
                    nq = 0
                    best_long = np.int64(1) << 62
                    nbl = 0
                    ibest = -1
                    for j in range(q):
                        v = draw_link(hc, side, dim, periodic, limit, prob, alias, lo, width, s_hi, r, lst,
                                      delta, perm, cuts, vc)
                        if not kgs_rules:
                            if _l1(vc, hc, side, periodic) <= p:
                                continue  # also a local contact: one arc in the stored graph
                            rep = False
                            for i in range(nq):
                                if qid[i] == v:
                                    rep = True
                                    break
                            if rep:
                                continue
                        dv = _l1(vc, tc, side, periodic)
                        qid[nq] = v
                        qdist[nq] = dv
                        for i in range(dim):
                            qc[nq, i] = vc[i]
                        if dv < best_long:
                            best_long = dv
                            nbl = 1
                            ibest = nq
                        elif dv == best_long:
                            nbl += 1
                        nq += 1
                    best_local = dist - p
                    if kgs_rules:
                        if best_long < best_local:
                            h = qid[ibest]
                            for i in range(dim):
                                hc[i] = qc[ibest, i]
                            dist = best_long
                        else:
                            # Move p along the coordinates in order, towards the target.
                            left = p
                            for i in range(dim):
                                x = tc[i] - hc[i]
                                if periodic and (x > side // 2 or x < -((side - 1) // 2)):
                                    x = x - side if x > 0 else x + side
                                m = min(left, abs(x))
                                hc[i] = (hc[i] + (m if x > 0 else -m)) % side
                                left -= m
                            h = _row_major(hc, side)
                            dist = best_local
                    else:
                        best = min(best_local, best_long)
                        nloc = 0
                        if best_local == best:
                            nloc = _unit_ties(hc, tc, side, periodic, -1) if p == 1 else \
                                _local_ties(hc, tc, side, periodic, offsets, best, -1, vc)
                        nlong = nbl if best_long == best else 0
                        k = next_below32(st, nloc + nlong) if nloc + nlong > 1 else 0
                        if k < nloc:
                            if p == 1:
                                _unit_ties(hc, tc, side, periodic, k)
                            else:
                                _local_ties(hc, tc, side, periodic, offsets, best, k, vc)
                                for i in range(dim):
                                    hc[i] = vc[i]
                            h = _row_major(hc, side)
                        else:
                            k -= nloc
                            for i in range(nq):
                                if qdist[i] == best:
                                    if k == 0:
                                        h = qid[i]
                                        for j in range(dim):
                                            hc[j] = qc[i, j]
                                        break
                                    k -= 1
                        dist = best
                steps += 1
                if record_paths:
                    paths[c, steps] = h
                if dist == 0:
                    result = STATUS_REACHED
            if result < 0:
                result = STATUS_MAX_STEPS
            status[c] = result
            steps_out[c] = steps
            log_surv[c] = ls
            last[c] = h
    return status, steps_out, log_surv, last


@njit(cache=True, inline="always")
def _wrap(c, side):
    if c >= side:
        return c - side
    if c < 0:
        return c + side
    return c


@njit(cache=True, inline="always")
def _torus_abs(x, side, periodic):
    if x < 0:
        x = -x
    if periodic and side - x < x:
        x = side - x
    return x


@njit(cache=True, parallel=True)
def route_kleinberg_2d(side, periodic, q, limit, prob, alias, lo, width, s_hi, r, quenched, node_key,
                       sources, targets, states, max_steps, drop, kgs_rules, record_paths, paths):
    """:func:`route_kleinberg` for dim = 2, p = 1 (Kleinberg's lattice), on scalars.

    The same chains, draw for draw, as the general kernel; written out on scalar coordinates
    with the distance and sphere draws of :func:`draw_link` inline in the loop, because every
    array handed to a helper costs Numba a reference-count round trip per call (about half of
    the step time of the general kernel, measured). ``tests/test_implicit.py`` checks both
    kernels give identical tables and that quenched paths follow :func:`kleinberg_contacts`.
    """
    n_chains = sources.shape[0]
    status = np.empty(n_chains, dtype=np.int8)
    steps_out = np.zeros(n_chains, dtype=np.int32)
    log_surv = np.zeros(n_chains, dtype=np.float64)
    last = np.empty(n_chains, dtype=np.int64)
    lq = np.log1p(-drop) if 0.0 < drop < 1.0 else 0.0
    nbins = prob.shape[0]
    half = side // 2
    n_tasks = (n_chains + CHAINS_PER_TASK - 1) // CHAINS_PER_TASK
    for task in prange(n_tasks):
        nst = np.empty(4, dtype=np.uint64)
        qid = np.empty(max(q, 1), dtype=np.int64)
        qdist = np.empty(max(q, 1), dtype=np.int64)
        qx = np.empty(max(q, 1), dtype=np.int64)
        qy = np.empty(max(q, 1), dtype=np.int64)
        k0 = node_key[0]
        k1 = node_key[1]
        k2 = node_key[2]
        k3 = node_key[3]
        for c in range(task * CHAINS_PER_TASK, min(n_chains, (task + 1) * CHAINS_PER_TASK)):
            st = states[c]
            h = sources[c]
            t = targets[c]
            hy = h // side
            hx = h - hy * side
            ty = t // side
            tx = t - ty * side
            dist = _torus_abs(hx - tx, side, periodic) + _torus_abs(hy - ty, side, periodic)
            steps = 0
            ls = 0.0
            result = -1
            if record_paths:
                paths[c, 0] = h
            if dist == 0:
                result = STATUS_REACHED
            while result < 0 and steps < max_steps:
                if next_double(st) < drop:
                    result = STATUS_DROPPED
                    break
                ls += lq
                if dist <= 1:
                    h = t
                    hx = tx
                    hy = ty
                    dist = 0
                else:
                    lst = st
                    if quenched:  # keyed_state(node_key, h, nst), written out
                        x = k0 ^ _splitmix64(np.uint64(h) + k1)
                        x = _splitmix64(x ^ k2)
                        nst[0] = x
                        x = _splitmix64(x ^ k3)
                        nst[1] = x
                        x = _splitmix64(x ^ k0)
                        nst[2] = x
                        x = _splitmix64(x ^ k1)
                        nst[3] = x
                        if nst[0] == 0 and nst[1] == 0 and nst[2] == 0 and nst[3] == 0:
                            nst[0] = np.uint64(1)
                        lst = nst
                    nq = 0
                    best_long = np.int64(1) << 62
                    nbl = 0
                    ibest = -1
                    for j in range(q):
                        # ---- draw_link(), inline: distance, sphere point, boundary check
                        while True:
                            while True:
                                b = next_below32(lst, nbins)
                                if next_double(lst) >= prob[b]:
                                    b = alias[b]
                                w = width[b]
                                if w == 1:
                                    d = lo[b]
                                    break
                                d = lo[b] + (next_below32(lst, w) if w < 4294967296 else next_below(lst, w))
                                if next_double(lst) * s_hi[b] < 4.0 * d * _pow_r(lo[b] / d, r):
                                    break
                            sd = next_u64(lst) >> np.uint64(62)
                            kk = next_below32(lst, d) if d < 4294967296 else next_below(lst, d)
                            if sd == 0:
                                dx = d - kk
                                dy = kk
                            elif sd == 1:
                                dx = -kk
                                dy = d - kk
                            elif sd == 2:
                                dx = kk - d
                                dy = -kk
                            else:
                                dx = kk
                                dy = kk - d
                            if periodic:
                                if 2 * dx <= -side or dx > half or 2 * dy <= -side or dy > half:
                                    continue
                                vx = _wrap(hx + dx, side)
                                vy = _wrap(hy + dy, side)
                            else:
                                vx = hx + dx
                                vy = hy + dy
                                if vx < 0 or vx >= limit or vy < 0 or vy >= limit:
                                    continue
                            break
                        v = vx + side * vy
                        if not kgs_rules:
                            if _torus_abs(vx - hx, side, periodic) + _torus_abs(vy - hy, side, periodic) <= 1:
                                continue  # also a local contact: one arc in the stored graph
                            rep = False
                            for i in range(nq):
                                if qid[i] == v:
                                    rep = True
                                    break
                            if rep:
                                continue
                        dv = _torus_abs(vx - tx, side, periodic) + _torus_abs(vy - ty, side, periodic)
                        qid[nq] = v
                        qdist[nq] = dv
                        qx[nq] = vx
                        qy[nq] = vy
                        if dv < best_long:
                            best_long = dv
                            nbl = 1
                            ibest = nq
                        elif dv == best_long:
                            nbl += 1
                        nq += 1
                    best_local = dist - 1
                    # Local moves one step closer: per coordinate that differs, towards the
                    # target (both ways when the torus displacement is exactly side/2).
                    ex = tx - hx
                    ey = ty - hy
                    if periodic:
                        if ex < 0:
                            ex += side
                        if ey < 0:
                            ey += side
                    if kgs_rules:
                        if best_long < best_local:
                            h = qid[ibest]
                            hx = qx[ibest]
                            hy = qy[ibest]
                            dist = best_long
                        else:
                            if ex != 0:
                                if periodic:
                                    hx = _wrap(hx + (1 if 2 * ex <= side else -1), side)
                                else:
                                    hx += 1 if ex > 0 else -1
                            elif periodic:
                                hy = _wrap(hy + (1 if 2 * ey <= side else -1), side)
                            else:
                                hy += 1 if ey > 0 else -1
                            h = hx + side * hy
                            dist = best_local
                    else:
                        best = min(best_local, best_long)
                        nlx = 0
                        nly = 0
                        if best_local == best:
                            if ex != 0:
                                nlx = 2 if periodic and 2 * ex == side else 1
                            if ey != 0:
                                nly = 2 if periodic and 2 * ey == side else 1
                        nlong = nbl if best_long == best else 0
                        ntot = nlx + nly + nlong
                        k = next_below32(st, ntot) if ntot > 1 else 0
                        if k < nlx:
                            if periodic:
                                if 2 * ex == side:
                                    hx = _wrap(hx + (1 if k == 0 else -1), side)
                                else:
                                    hx = _wrap(hx + (1 if 2 * ex < side else -1), side)
                            else:
                                hx += 1 if ex > 0 else -1
                            h = hx + side * hy
                        elif k < nlx + nly:
                            k -= nlx
                            if periodic:
                                if 2 * ey == side:
                                    hy = _wrap(hy + (1 if k == 0 else -1), side)
                                else:
                                    hy = _wrap(hy + (1 if 2 * ey < side else -1), side)
                            else:
                                hy += 1 if ey > 0 else -1
                            h = hx + side * hy
                        else:
                            k -= nlx + nly
                            for i in range(nq):
                                if qdist[i] == best:
                                    if k == 0:
                                        h = qid[i]
                                        hx = qx[i]
                                        hy = qy[i]
                                        break
                                    k -= 1
                        dist = best
                steps += 1
                if record_paths:
                    paths[c, steps] = h
                if dist == 0:
                    result = STATUS_REACHED
            if result < 0:
                result = STATUS_MAX_STEPS
            status[c] = result
            steps_out[c] = steps
            log_surv[c] = ls
            last[c] = h
    return status, steps_out, log_surv, last


@njit(cache=True)
def kleinberg_contacts(u, side, dim, periodic, q, limit, prob, alias, lo, width, s_hi, r, node_key):
    """The q raw long-range contacts of node ``u`` in quenched mode (repeats kept), int64 ids.

    The same numbers the router draws at ``u``: O(q) expected, nothing stored.
    """
    hc = np.empty(dim, dtype=np.int64)
    _coords(u, side, hc)
    vc = np.empty(dim, dtype=np.int64)
    delta = np.empty(dim, dtype=np.int64)
    perm = np.empty(dim, dtype=np.int64)
    cuts = np.empty(dim, dtype=np.int64)
    st = np.empty(4, dtype=np.uint64)
    keyed_state(node_key, u, st)
    out = np.empty(q, dtype=np.int64)
    for j in range(q):
        out[j] = draw_link(hc, side, dim, periodic, limit, prob, alias, lo, width, s_hi, r, st, delta, perm, cuts, vc)
    return out


@njit(cache=True, parallel=True)
def kleinberg_contacts_many(nodes, side, dim, periodic, q, limit, prob, alias, lo, width, s_hi, r, node_key):
    """:func:`kleinberg_contacts` for many nodes, shape (len(nodes), q); parallel over nodes."""
    out = np.empty((nodes.shape[0], q), dtype=np.int64)
    for i in prange(nodes.shape[0]):
        out[i] = kleinberg_contacts(nodes[i], side, dim, periodic, q, limit, prob, alias, lo, width, s_hi, r,
                                    node_key)
    return out


@njit(cache=True)
def sample_distances(n, prob, alias, lo, width, s_hi, dim, r, st):
    """n draws of :func:`draw_distance` (for tests of the distance law)."""
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        out[i] = draw_distance(prob, alias, lo, width, s_hi, dim, r, st)
    return out


# ------------------------------------------------------------------ Watts-Dodds-Newman identities
@njit(cache=True, inline="always")
def _round(v, k, ua):
    # Round function onto [0, a): multiply-shift of 32 hashed bits (a < 2^32), no division.
    return np.int64(((_splitmix64(np.uint64(v) ^ k) >> np.uint64(32)) * ua) >> np.uint64(32))


@njit(cache=True, inline="always")
def feistel_permute(x, n, k0, k1, k2, k3, a):
    """Keyed bijection of [0, n): a 4-round Feistel network on Z_a x Z_a (``a = ceil(sqrt(n))``,
    modular addition of the round function), cycle-walked back into [0, n) (Black & Rogaway,
    "Ciphers with arbitrary finite domains", CT-RSA 2002). ``k0..k3``: the round keys.
    a^2 - n < 2a + 1, so O(1) expected walks. Scalars only (no array reference counting)."""
    ua = np.uint64(a)
    while True:
        left = x // a
        right = x - left * a
        for i in range(4):
            k = k0 if i == 0 else (k1 if i == 1 else (k2 if i == 2 else k3))
            f = _round(right, k, ua)
            nl = right
            right = left + f
            if right >= a:
                right -= a
            left = nl
        x = left * a + right
        if x < n:
            return x


@njit(cache=True, inline="always")
def feistel_invert(y, n, k0, k1, k2, k3, a):
    """Inverse of :func:`feistel_permute` (same keys)."""
    ua = np.uint64(a)
    while True:
        left = y // a
        right = y - left * a
        for i in range(3, -1, -1):
            k = k0 if i == 0 else (k1 if i == 1 else (k2 if i == 2 else k3))
            f = _round(left, k, ua)
            nr = left
            left = right - f
            if left < 0:
                left += a
            right = nr
        y = left * a + right
        if y < n:
            return y


@njit(cache=True)
def poisson(st, lam):
    """Poisson(lam) variate: multiplication method below 10, else Hormann's PTRS transformed
    rejection (W. Hormann, Insurance: Math. Econ. 12, 39 (1993), as in numpy). O(1) expected."""
    if lam <= 0.0:
        return np.int64(0)
    if lam < 10.0:
        L = np.exp(-lam)
        k = 0
        p = next_double(st)
        while p > L:
            k += 1
            p *= next_double(st)
        return np.int64(k)
    slam = np.sqrt(lam)
    loglam = np.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        U = next_double(st) - 0.5
        V = next_double(st)
        us = 0.5 - abs(U)
        k = np.int64(np.floor((2.0 * a / us + b) * U + lam + 0.43))
        if us >= 0.07 and V <= vr:
            return k
        if k < 0 or (us < 0.013 and V > us):
            continue
        if np.log(V) + np.log(invalpha) - np.log(a / (us * us) + b) <= -lam + k * loglam - math.lgamma(k + 1.0):
            return k


@njit(cache=True, inline="always")
def _leaf(person, h, g, n, keys, fside):
    # Leaf (group) of ``person`` in dimension h: slot // g, the slot being the person's own id
    # in dimension 0 and a keyed permutation of it in the others (equal group sizes).
    if h == 0:
        return person // g
    return feistel_permute(person, n, keys[h, 0], keys[h, 1], keys[h, 2], keys[h, 3], fside) // g


@njit(cache=True, inline="always")
def wdn_contact(u, ulea, h, g, n, branching, keys, fside, x_prob, x_alias, st):
    """One fresh contact of person ``u`` (leaf ``ulea`` in dimension h): distance x ~ exp(-alpha x)
    (alias table over x = 1..depth+1), then a uniform person at tree distance x from u in
    dimension h (WDN 2002's link rule), mapped back to an id through the dimension's bijection."""
    k = x_prob.shape[0]
    b = next_below32(st, k)
    if next_double(st) >= x_prob[b]:
        b = x_alias[b]
    x = b + 1
    if x == 1:
        # another member of u's own group: slot among the g - 1 others
        own = u if h == 0 else feistel_permute(u, n, keys[h, 0], keys[h, 1], keys[h, 2], keys[h, 3], fside)
        off = next_below(st, g - 1)
        slot = ulea * g + off
        if slot >= own:
            slot += 1
    else:
        outer = np.int64(branching) ** (x - 1)
        inner = outer // branching
        lo = (ulea // outer) * outer
        ilo = (ulea // inner) * inner
        cnt = g * (outer - inner)
        kk = next_below(st, cnt)
        leaf = lo + kk // g
        if leaf >= ilo:
            leaf += inner
        slot = leaf * g + kk % g
    if h == 0:
        return slot
    return feistel_invert(slot, n, keys[h, 0], keys[h, 1], keys[h, 2], keys[h, 3], fside)


@njit(cache=True, parallel=True)
def route_wdn(n, g, branching, H, keys, fside, x_prob, x_alias, z, sources, targets, states, max_steps,
              drop, epsilon=0.0, node_key=np.zeros(4, dtype=np.uint64), node_a=0.0, node_b=0.0):
    """Greedy hierarchy routing on an implicit WDN population, annealed exploration.

    Each holder knows Poisson(z) fresh contacts drawn by :func:`wdn_contact` (dimension uniform)
    besides the sender (a holder reached along a link has the size-biased degree 1 + Poisson(z));
    it delivers if the target is among them, else forwards to the unvisited contact of smallest
    social distance y = min_h x_h to the target (ties uniform); with ``epsilon > 0``, with that
    probability to a uniform unvisited contact instead (the coin drawn before the contacts);
    with ``node_a > 0`` the holder's attrition is its Beta(node_a, node_b) value keyed by
    (node_key, holder) instead of ``drop``. Returns status (int8), steps
    (int32), log_survival (float64), last (int64) and revisit (bool: some drawn contact was
    already on the chain, where annealed and quenched populations can differ).
    Memory O(threads x max_steps).
    """
    n_chains = sources.shape[0]
    status = np.empty(n_chains, dtype=np.int8)
    steps_out = np.zeros(n_chains, dtype=np.int32)
    log_surv = np.zeros(n_chains, dtype=np.float64)
    last = np.empty(n_chains, dtype=np.int64)
    revisit = np.zeros(n_chains, dtype=np.bool_)
    lq = np.log1p(-drop) if 0.0 < drop < 1.0 else 0.0
    n_tasks = (n_chains + CHAINS_PER_TASK - 1) // CHAINS_PER_TASK
    for task in prange(n_tasks):
        visited = np.empty(max_steps + 2, dtype=np.int64)
        tleaf = np.empty(H, dtype=np.int64)
        nst = np.empty(4, dtype=np.uint64)
        for c in range(task * CHAINS_PER_TASK, min(n_chains, (task + 1) * CHAINS_PER_TASK)):
            st = states[c]
            h0 = sources[c]
            t = targets[c]
            for d in range(H):
                tleaf[d] = _leaf(t, d, g, n, keys, fside)
            visited[0] = h0
            nv = 1
            holder = h0
            steps = 0
            ls = 0.0
            result = -1
            rev = False
            while steps < max_steps:
                q = drop
                lq_h = lq
                if node_a > 0.0:
                    # The holder's own attrition, keyed by (node_key, holder): the same person
                    # has the same value in every chain (Beta(node_a, node_b) law).
                    keyed_state(node_key, holder, nst)
                    q = _beta(nst, node_a, node_b)
                    lq_h = np.log1p(-q) if q < 1.0 else -np.inf
                if next_double(st) < q:
                    result = STATUS_DROPPED
                    break
                # epsilon-greedy: the coin is independent of the contacts, so it is drawn first;
                # heads: a uniform unvisited contact (reservoir over the fresh draws).
                rnd = epsilon > 0.0 and next_double(st) < epsilon
                k = poisson(st, z)
                best = np.int64(1) << 62
                nbest = 0
                choice = np.int64(-1)
                hit = False
                for j in range(k):
                    d = next_below32(st, H)
                    v = wdn_contact(holder, _leaf(holder, d, g, n, keys, fside), d, g, n, branching, keys,
                                    fside, x_prob, x_alias, st)
                    if v == t:
                        hit = True
                        break
                    seen = False
                    for i in range(nv):
                        if visited[i] == v:
                            seen = True
                            break
                    if seen:
                        # The sender is known anyway; anyone else already on the chain is a
                        # revisit that a quenched population would have answered differently.
                        if nv < 2 or v != visited[nv - 2]:
                            rev = True
                        continue
                    if rnd:
                        nbest += 1
                        if next_below32(st, nbest) == 0:
                            choice = v
                        continue
                    y = np.int64(1) << 62
                    for dd in range(H):
                        x = tree_height(_leaf(v, dd, g, n, keys, fside), tleaf[dd], branching)
                        if x < y:
                            y = x
                    if y < best:
                        best = y
                        nbest = 1
                        choice = v
                    elif y == best:
                        nbest += 1
                        if next_below32(st, nbest) == 0:
                            choice = v
                ls += lq_h
                if hit:
                    steps += 1
                    holder = t
                    result = STATUS_REACHED
                    break
                if choice < 0:
                    result = STATUS_DEAD_END  # no unvisited contact
                    break
                steps += 1
                holder = choice
                visited[nv] = choice
                nv += 1
            if result < 0:
                result = STATUS_MAX_STEPS
            status[c] = result
            steps_out[c] = steps
            log_surv[c] = ls
            last[c] = holder
            revisit[c] = rev
    return status, steps_out, log_surv, last, revisit


@njit(cache=True, parallel=True)
def wdn_contacts_sample(people, n, g, branching, H, keys, fside, x_prob, x_alias, z, states):
    """Fresh contacts of each of ``people`` (Poisson(z) draws, repeats and self kept as drawn):
    returns (ptr, contacts) in CSR form. For comparisons with the stored generator."""
    m = people.shape[0]
    counts = np.empty(m, dtype=np.int64)
    for i in range(m):
        counts[i] = poisson(states[i], z)
    ptr = np.zeros(m + 1, dtype=np.int64)
    for i in range(m):
        ptr[i + 1] = ptr[i] + counts[i]
    out = np.empty(ptr[m], dtype=np.int64)
    for i in prange(m):
        st = states[i]
        u = people[i]
        for j in range(ptr[i], ptr[i + 1]):
            d = next_below32(st, H)
            out[j] = wdn_contact(u, _leaf(u, d, g, n, keys, fside), d, g, n, branching, keys, fside,
                                 x_prob, x_alias, st)
    return ptr, out


@njit(cache=True)
def wdn_leaves(people, n, g, H, keys, fside):
    """Leaf of each person in each dimension, int64 (len, H)."""
    out = np.empty((people.shape[0], H), dtype=np.int64)
    for i in range(people.shape[0]):
        for d in range(H):
            out[i, d] = _leaf(people[i], d, g, n, keys, fside)
    return out


# ------------------------------------------------------------------ WDN starters by identity band
@njit(cache=True)
def wdn_band_people(target, k, n, g, branching, H, keys, fside, lo, hi, anchor, max_tries, st):
    """Up to ``k`` distinct people, uniform among those (other than ``target``) whose group's LCA
    height with the target's group lies in ``[lo[h], hi[h]]`` in every dimension h.

    Draws uniformly from the anchor dimension's band (a block of leaves around the target's leaf
    minus the inner block below height ``lo``: a range of slots, mapped back to ids through the
    dimension's bijection), then keeps a draw only if every other dimension's height is in its
    band and it is new (rejection sampling: exactly uniform on the intersection). Returns the
    people found (fewer than ``k`` only if ``max_tries`` draws did not suffice). O(k^2 + tries x
    H x depth).
    """
    out = np.empty(k, dtype=np.int64)
    tleaf = np.empty(H, dtype=np.int64)
    for d in range(H):
        tleaf[d] = _leaf(target, d, g, n, keys, fside)
    outer = np.int64(branching) ** hi[anchor]
    block = (tleaf[anchor] // outer) * outer
    inner = np.int64(0)
    iblock = np.int64(0)
    if lo[anchor] >= 1:
        inner = np.int64(branching) ** (lo[anchor] - 1)
        iblock = (tleaf[anchor] // inner) * inner
    cnt = g * (outer - inner)
    found = 0
    tries = 0
    while found < k and tries < max_tries:
        tries += 1
        kk = next_below(st, cnt)
        leaf = block + kk // g
        if inner > 0 and leaf >= iblock:
            leaf += inner
        slot = leaf * g + kk % g
        if anchor == 0:
            v = slot
        else:
            v = feistel_invert(slot, n, keys[anchor, 0], keys[anchor, 1], keys[anchor, 2], keys[anchor, 3], fside)
        if v == target:
            continue
        ok = True
        for d in range(H):
            if d != anchor:
                x = tree_height(_leaf(v, d, g, n, keys, fside), tleaf[d], branching)
                if x < lo[d] or x > hi[d]:
                    ok = False
                    break
        if not ok:
            continue
        for i in range(found):
            if out[i] == v:
                ok = False
                break
        if ok:
            out[found] = v
            found += 1
    return out[:found]


# ------------------------------------------------------------------ routing options (Kleinberg)
@njit(cache=True, inline="always")
def _hs_slot(table, v):
    # Open addressing over int64 ids (-1 = empty), Fibonacci hashing, linear probing.
    mask = table.shape[0] - 1
    h = np.int64((np.uint64(v) * np.uint64(11400714819323198485)) >> np.uint64(40)) & mask
    while table[h] != -1 and table[h] != v:
        h = (h + 1) & mask
    return h


@njit(cache=True)
def _hs_grow(table, vis, nv):
    # Double the visited table (keeps the load below 1/2) and re-insert the nv visited ids.
    table = np.full(2 * table.shape[0], -1, dtype=np.int64)
    for i in range(nv):
        table[_hs_slot(table, vis[i])] = vis[i]
    return table


@njit(cache=True, parallel=True)
def route_kleinberg_options(side, dim, periodic, p, q, limit, offsets, prob, alias, lo, width, s_hi, r, quenched,
                            node_key, random_walk, epsilon, backtrack, sources, targets, states, max_steps, drop,
                            drop_key, drop_a, drop_b, record_paths, paths):
    """Chains on an implicit Kleinberg lattice with the stored router's options.

    The stored router's rules (:func:`simulate.kernels.routing.route_chains`) over each
    holder's contacts: the local ones (the L1 ball of radius p, in ``offsets`` order) then the
    distinct long-range ones (a long-range contact that is also local, or a repeat, counts once,
    as the stored graph merges them). A chain never forwards to someone already on it; draws
    per holding step, in order: ``next_double`` for attrition (``drop``, or with ``drop_a > 0``
    the holder's Beta(drop_a, drop_b) value keyed by (drop_key, holder)); (annealed) the q
    long-range contacts; delivery if the target is a contact; with ``epsilon > 0``,
    ``next_double`` < epsilon -> a uniform unvisited contact (``next_below``); else greedy
    (smallest lattice distance to the target; ``random_walk``: every unvisited contact ties),
    ties by ``next_below``. No unvisited contact: with ``backtrack`` the message returns to the
    previous holder (a step), else the chain ends (dead_end). Backtracking and random walks
    need ``quenched`` (a holder met again must have the same contacts).

    Returns status (int8), steps (int32), log_survival (float64), last (int64), backtracks (int32).
    Work O(steps x (|ball| + q) x dim); memory per task O(dim (|ball| + q)) plus the visited
    set and stack, which grow with the chain (nothing per person). Per-chain streams: identical
    results on any thread count.
    """
    n_chains = sources.shape[0]
    status = np.empty(n_chains, dtype=np.int8)
    steps_out = np.zeros(n_chains, dtype=np.int32)
    log_surv = np.zeros(n_chains, dtype=np.float64)
    last = np.empty(n_chains, dtype=np.int64)
    nback_out = np.zeros(n_chains, dtype=np.int32)
    lq_const = np.log1p(-drop) if 0.0 < drop < 1.0 else 0.0
    nball = offsets.shape[0]
    ncand_max = nball + max(q, 1)
    n_tasks = (n_chains + CHAINS_PER_TASK - 1) // CHAINS_PER_TASK
    for task in prange(n_tasks):
        hc = np.empty(dim, dtype=np.int64)
        tc = np.empty(dim, dtype=np.int64)
        vc = np.empty(dim, dtype=np.int64)
        delta = np.empty(dim, dtype=np.int64)
        perm = np.empty(dim, dtype=np.int64)
        cuts = np.empty(dim, dtype=np.int64)
        nst = np.empty(4, dtype=np.uint64)
        dst_ = np.empty(4, dtype=np.uint64)
        cid = np.empty(ncand_max, dtype=np.int64)
        cdist = np.empty(ncand_max, dtype=np.int64)
        free = np.empty(ncand_max, dtype=np.int64)
        fdist = np.empty(ncand_max, dtype=np.int64)
        table = np.full(1024, -1, dtype=np.int64)
        vis = np.empty(512, dtype=np.int64)
        stack = np.empty(512, dtype=np.int64)
        for c in range(task * CHAINS_PER_TASK, min(n_chains, (task + 1) * CHAINS_PER_TASK)):
            st = states[c]
            h = sources[c]
            t = targets[c]
            _coords(t, side, tc)
            nv = 0
            if 2 * (nv + 1) > table.shape[0]:
                table = _hs_grow(table, vis, nv)
            table[_hs_slot(table, h)] = h
            vis[0] = h
            nv = 1
            sp = 0
            stack[0] = h
            steps = 0
            nback = 0
            ls = 0.0
            result = -1
            if record_paths:
                paths[c, 0] = h
            if h == t:
                result = STATUS_REACHED
            while result < 0 and steps < max_steps:
                if drop_a > 0.0:
                    keyed_state(drop_key, h, dst_)
                    qd = _beta(dst_, drop_a, drop_b)
                    lq = np.log1p(-qd) if qd < 1.0 else -np.inf
                else:
                    qd = drop
                    lq = lq_const
                if next_double(st) < qd:
                    result = STATUS_DROPPED
                    break
                _coords(h, side, hc)
                # The holder's contacts: local ball, then distinct long-range links.
                nc = 0
                hit = False
                for o in range(nball):
                    ok = True
                    same = True
                    v = np.int64(0)
                    mult = np.int64(1)
                    for i in range(dim):
                        x = _step_coord(hc[i], offsets[o, i], side, periodic)
                        if x < 0:
                            ok = False
                            break
                        if x != hc[i]:
                            same = False
                        vc[i] = x
                        v += x * mult
                        mult *= side
                    if not ok or same:
                        continue
                    dup = False
                    for i in range(nc):
                        if cid[i] == v:
                            dup = True  # torus wrap-arounds can give one neighbour twice
                            break
                    if dup:
                        continue
                    cid[nc] = v
                    cdist[nc] = _l1(vc, tc, side, periodic)
                    nc += 1
                lst = st
                if quenched:
                    keyed_state(node_key, h, nst)
                    lst = nst
                for j in range(q):
                    v = draw_link(hc, side, dim, periodic, limit, prob, alias, lo, width, s_hi, r, lst, delta, perm,
                                  cuts, vc)
                    if _l1(vc, hc, side, periodic) <= p:
                        continue  # also a local contact: one arc in the stored graph
                    dup = False
                    for i in range(nc):
                        if cid[i] == v:
                            dup = True
                            break
                    if dup:
                        continue
                    cid[nc] = v
                    cdist[nc] = _l1(vc, tc, side, periodic)
                    nc += 1
                nfree = 0
                for i in range(nc):
                    if cid[i] == t:
                        hit = True
                        break
                    if table[_hs_slot(table, cid[i])] == cid[i]:
                        continue
                    free[nfree] = cid[i]
                    fdist[nfree] = cdist[i]
                    nfree += 1
                if hit:
                    ls += lq
                    steps += 1
                    h = t
                    if record_paths:
                        paths[c, steps] = t
                    result = STATUS_REACHED
                    break
                if nfree == 0:
                    if backtrack and sp > 0:
                        sp -= 1
                        h = stack[sp]
                        steps += 1
                        nback += 1
                        ls += lq
                        if record_paths:
                            paths[c, steps] = h
                        continue
                    result = STATUS_DEAD_END
                    break
                if epsilon > 0.0 and next_double(st) < epsilon:
                    nxt = free[next_below(st, nfree)]
                else:
                    best = np.int64(1) << 62
                    nbest = 0
                    for i in range(nfree):
                        d = 0 if random_walk else fdist[i]
                        if d < best:
                            best = d
                            nbest = 1
                        elif d == best:
                            nbest += 1
                    kk = next_below(st, nbest) if nbest > 1 else 0
                    nxt = np.int64(-1)
                    for i in range(nfree):
                        d = 0 if random_walk else fdist[i]
                        if d == best:
                            if kk == 0:
                                nxt = free[i]
                                break
                            kk -= 1
                ls += lq
                steps += 1
                h = nxt
                if record_paths:
                    paths[c, steps] = nxt
                if 2 * (nv + 1) > table.shape[0]:
                    table = _hs_grow(table, vis, nv)
                if nv == vis.shape[0]:
                    grown = np.empty(2 * vis.shape[0], dtype=np.int64)
                    grown[:nv] = vis[:nv]
                    vis = grown
                    grown2 = np.empty(2 * stack.shape[0], dtype=np.int64)
                    grown2[:sp + 1] = stack[:sp + 1]
                    stack = grown2
                table[_hs_slot(table, nxt)] = nxt
                vis[nv] = nxt
                nv += 1
                sp += 1
                stack[sp] = nxt
            if result < 0:
                result = STATUS_MAX_STEPS
            status[c] = result
            steps_out[c] = steps
            log_surv[c] = ls
            last[c] = h
            nback_out[c] = nback
            # Empty the table: find every slot first (probing needs the table intact), then clear.
            for i in range(nv):
                stack[i] = _hs_slot(table, vis[i])
            for i in range(nv):
                table[stack[i]] = -1
    return status, steps_out, log_surv, last, nback_out
