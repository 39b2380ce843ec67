"""Numba kernels for Milgram-style decentralized search (message-forwarding chains).

Pure array code: no I/O, no configuration, no imports from the layers above. The public
entry point is :func:`simulate.chains.run_chains`, which validates input, builds the
feature arrays a policy needs (:mod:`simulate.policies`) and calls :func:`route_chains`.

A chain carries a message from a source towards a target. At each step the holder first
drops out with its attrition probability; otherwise it delivers to the target if the
target is an (eligible) out-neighbour, else it forwards to one eligible neighbour chosen by
a policy that sees only local information: its neighbours' ids, degrees and attributes, and
the target's attributes. Eligible = not already on the chain and (with ``min_strength``) a
tie of at least that strength level.

Random draws per holding step, in this order (the brute-force reference router in
``tests/naive.py`` replays exactly this order on the same streams):

1. ``next_double`` for the holder's attrition (always drawn, even at probability 0, so a
   run with attrition is the attrition-free run with the same seed cut short: coupling);
2. if the target is an eligible neighbour: deliver (go to 5);
3. if ``epsilon > 0``: ``next_double``; below ``epsilon`` -> ``next_below(#eligible)``
   picks a uniformly random eligible neighbour (in CSR order) and 4 is skipped;
4. policy scores (lower is better); if several eligible neighbours share the best score,
   ``next_below(#tied)`` picks one of them (in CSR order);
5. with per-level tie attrition: ``next_double``; below the chosen arc's level probability
   the message is lost in transit (status dropped at this step).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange, uint64

from .generators.hierarchical import tree_height
from .random import next_below, next_double
from .triangles import common_sorted

# Policy branches of _score. Each is named by one declaration in simulate.policies (its
# ``kernel`` or ``kernel_variants``); a new policy that needs a new scoring rule adds a code here
# and its branch in _score (lower score is better).
POLICY_RANDOM_WALK = 0
POLICY_GREEDY_LATTICE = 1
POLICY_GREEDY_GEO = 2
POLICY_GREEDY_HIERARCHY = 3
POLICY_GREEDY_ATTRIBUTES = 4
POLICY_MAX_DEGREE = 5
#: greedy_lattice on a row-major lattice (coord_i = (u // side**i) % side): coordinates are
#: computed from the node id instead of read from memory (saves a cache miss per neighbour).
POLICY_GREEDY_LATTICE_ROW_MAJOR = 6

# Chain end states.
STATUS_REACHED = 0
STATUS_DROPPED = 1
STATUS_DEAD_END = 2
STATUS_MAX_STEPS = 3

#: Chains handled by one parallel task (one scratch allocation per task).
CHAINS_PER_TASK = 64


# ------------------------------------------------------------------ distances a policy may use
@njit(cache=True, inline="always")
def lattice_distance(coords, v, t, side, periodic):
    """Manhattan distance between lattice nodes ``v`` and ``t`` (rows of ``coords``), periodic-aware."""
    d = 0
    for j in range(coords.shape[1]):
        x = coords[v, j] - coords[t, j]
        if x < 0:
            x = -x
        if periodic and side - x < x:
            x = side - x
        d += x
    return d


@njit(cache=True, inline="always")
def row_major_lattice_distance(v, tcoord, side, periodic):
    """:func:`lattice_distance` for a row-major node id ``v`` (``coord_i = (v // side**i) % side``)
    and the target's coordinates ``tcoord`` (computed once per chain)."""
    d = 0
    for j in range(tcoord.shape[0]):
        q = v // side
        x = v - q * side - tcoord[j]
        v = q
        if x < 0:
            x = -x
        if periodic and side - x < x:
            x = side - x
        d += x
    return d


@njit(cache=True, inline="always")
def hierarchy_distance(ident, v, t, branching):
    """Social distance y = min over dimensions of the tree distance of the identities (WDN 2002)."""
    best = np.int64(1) << 62
    for j in range(ident.shape[1]):
        h = tree_height(ident[v, j], ident[t, j], branching)
        if h < best:
            best = h
    return best


@njit(cache=True, inline="always")
def geo_key(feat, v, t, spherical):
    """A key monotone in the distance between ``v`` and ``t``.

    Spherical: columns (lat_rad, lon_rad, cos_lat); returns the haversine term
    ``a = sin^2(dphi/2) + cos phi1 cos phi2 sin^2(dlambda/2)`` (great-circle distance is
    ``2 R asin(sqrt(a))``, increasing in ``a``). Plane: columns (x, y); squared distance.
    """
    if spherical:
        s1 = np.sin(0.5 * (feat[v, 0] - feat[t, 0]))
        s2 = np.sin(0.5 * (feat[v, 1] - feat[t, 1]))
        return s1 * s1 + feat[v, 2] * feat[t, 2] * s2 * s2
    dx = feat[v, 0] - feat[t, 0]
    dy = feat[v, 1] - feat[t, 1]
    return dx * dx + dy * dy


@njit(cache=True, inline="always")
def _score(policy, v, t, tcoord, feat_i, feat_f, degree, side, periodic, branching, spherical):
    # Lower is better for every policy.
    if policy == POLICY_GREEDY_LATTICE_ROW_MAJOR:
        return np.float64(row_major_lattice_distance(np.int64(v), tcoord, side, periodic))
    if policy == POLICY_GREEDY_LATTICE:
        return np.float64(lattice_distance(feat_i, v, t, side, periodic))
    if policy == POLICY_GREEDY_GEO:
        return geo_key(feat_f, v, t, spherical)
    if policy == POLICY_GREEDY_HIERARCHY:
        return np.float64(hierarchy_distance(feat_i, v, t, branching))
    if policy == POLICY_GREEDY_ATTRIBUTES:
        m = 0
        for j in range(feat_i.shape[1]):
            a = feat_i[t, j]
            if a != 0 and feat_i[v, j] == a:
                m += 1
        return -np.float64(m)
    if policy == POLICY_MAX_DEGREE:
        return -np.float64(degree[v])
    return 0.0  # random walk: every eligible neighbour ties


# ------------------------------------------------------------------ per-chain visited set
@njit(cache=True, inline="always")
def _slot(table, v, shift):
    # Fibonacci hashing into a power-of-two open-addressing table (linear probing).
    mask = table.shape[0] - 1
    h = np.int64((uint64(v) * uint64(11400714819323198485)) >> uint64(shift))
    while table[h] != -1 and table[h] != v:
        h = (h + 1) & mask
    return h


# ------------------------------------------------------------------ the router
@njit(cache=True, parallel=True)
def route_chains(indptr, indices, sources, targets, states, policy, epsilon, backtrack, max_steps,
                 feat_i, feat_f, degree, side, periodic, branching, spherical,
                 levels, min_strength, node_drop, drop_const, strength_drop,
                 record_paths, paths):
    """Run one message chain per (source, target) pair.

    Parameters
    ----------
    indptr, indices : CSR out-adjacency (int64, int32).
    sources, targets : int32 arrays, one entry per chain (internal ids, source != target).
    states : uint64 (n_chains, 4); row ``i`` is chain ``i``'s stream (mutated).
    policy : int, one of the ``POLICY_*`` codes.
    epsilon : float, probability of a uniformly random eligible neighbour instead of the policy.
    backtrack : bool; a holder with no eligible neighbour returns the message to the previous
        holder (one forwarding step), who tries another neighbour.
    max_steps : int, forwarding steps after which an undelivered chain stops (status max_steps).
    feat_i : int64 (n, k) integer features (lattice coordinates, identities, attributes).
    feat_f : float64 (n, k) float features (lat_rad, lon_rad, cos_lat) or (x, y).
    degree : int64 (n,) out-degrees (max_degree policy).
    side, periodic : lattice side and wrap-around.
    branching : hierarchy branching ratio.
    spherical : bool, haversine (True) or Euclidean (False) for greedy_geo.
    levels : int8 per arc, tie-strength level 1..5 (empty when unused).
    min_strength : int, forward only along arcs with level >= min_strength (0: any).
    node_drop : float64 per node attrition probability (empty: use ``drop_const``).
    drop_const : float, constant per-step attrition probability.
    strength_drop : float64 (5,), transit-loss probability by tie level (empty: none).
    record_paths : bool; write each chain's holders into ``paths``.
    paths : int32 (n_chains, max_steps + 1) filled with -1 (or shape (0, 0) when not recording).

    Returns
    -------
    status : int8 per chain (``STATUS_*``)
    steps : int32 per chain, forwarding steps taken (backtracking returns included)
    log_survival : float64 per chain, sum of log(1 - p) over the loss events the chain passed
        (for a reached chain: the log probability it survived attrition)
    last : int32 per chain, the final holder (the target for reached chains)
    backtracks : int32 per chain, number of returns to a previous holder

    Notes
    -----
    Work O(sum over steps of holder degree); memory O(n_chains + threads * min(max_steps, n)).
    Parallel over blocks of chains; every chain uses only its own stream, so results do not
    depend on the number of threads.
    """
    n_chains = sources.shape[0]
    status = np.empty(n_chains, dtype=np.int8)
    steps_out = np.zeros(n_chains, dtype=np.int32)
    log_surv = np.zeros(n_chains, dtype=np.float64)
    last = np.empty(n_chains, dtype=np.int32)
    nback_out = np.zeros(n_chains, dtype=np.int32)
    n = indptr.shape[0] - 1
    dmax = 0
    for u in range(n):
        d = indptr[u + 1] - indptr[u]
        if d > dmax:
            dmax = d
    # A chain only ever moves to unvisited nodes, so its visited set and backtracking stack
    # hold at most min(max_steps, n) + 1 nodes: buffers bounded by the graph, not by max_steps.
    cap = min(max_steps, n) + 2
    bits = 1
    while (1 << bits) < 2 * cap:
        bits += 1
    shift = 64 - bits
    has_node_drop = node_drop.shape[0] > 0
    has_strength_drop = strength_drop.shape[0] > 0
    use_levels = levels.shape[0] > 0 and min_strength > 0
    n_tasks = (n_chains + CHAINS_PER_TASK - 1) // CHAINS_PER_TASK
    for task in prange(n_tasks):
        table = np.full(1 << bits, -1, dtype=np.int32)
        slots = np.empty(cap, dtype=np.int64)
        stack = np.empty(cap, dtype=np.int32)
        cand = np.empty(max(dmax, 1), dtype=np.int64)
        score = np.empty(max(dmax, 1), dtype=np.float64)
        tcoord = np.zeros(feat_i.shape[1] if policy == POLICY_GREEDY_LATTICE_ROW_MAJOR else 0, dtype=np.int64)
        c_end = min(n_chains, (task + 1) * CHAINS_PER_TASK)
        for c in range(task * CHAINS_PER_TASK, c_end):
            st = states[c]
            s = sources[c]
            t = targets[c]
            x = np.int64(t)
            for j in range(tcoord.shape[0]):
                tcoord[j] = x % side
                x //= side
            h = _slot(table, s, shift)
            table[h] = s
            slots[0] = h
            nvis = 1
            sp = 0
            stack[0] = s
            holder = s
            steps = 0
            nback = 0
            ls = 0.0
            result = -1
            if record_paths:
                paths[c, 0] = s
            while steps < max_steps:
                q = node_drop[holder] if has_node_drop else drop_const
                if next_double(st) < q:
                    result = STATUS_DROPPED
                    break
                lq = np.log1p(-q) if q > 0.0 else 0.0
                a = indptr[holder]
                b = indptr[holder + 1]
                arc = -1
                ncand = 0
                for j in range(a, b):
                    if use_levels and levels[j] < min_strength:
                        continue
                    v = indices[j]
                    if v == t:
                        arc = j
                        break
                    if table[_slot(table, v, shift)] == v:
                        continue
                    cand[ncand] = j
                    ncand += 1
                if arc < 0:
                    if ncand == 0:
                        if backtrack and sp > 0:
                            # Return the message to the previous holder; the dead end stays visited.
                            sp -= 1
                            holder = stack[sp]
                            steps += 1
                            nback += 1
                            ls += lq
                            if record_paths:
                                paths[c, steps] = holder
                            continue
                        result = STATUS_DEAD_END
                        break
                    if epsilon > 0.0 and next_double(st) < epsilon:
                        arc = cand[next_below(st, ncand)]
                    else:
                        best = np.inf
                        nbest = 0
                        for i in range(ncand):
                            sc = _score(policy, indices[cand[i]], t, tcoord, feat_i, feat_f, degree, side,
                                        periodic, branching, spherical)
                            score[i] = sc
                            if sc < best:
                                best = sc
                                nbest = 1
                                arc = cand[i]
                            elif sc == best:
                                nbest += 1
                        if nbest > 1:
                            k = next_below(st, nbest)
                            for i in range(ncand):
                                if score[i] == best:
                                    if k == 0:
                                        arc = cand[i]
                                        break
                                    k -= 1
                ls += lq
                if has_strength_drop:
                    p = strength_drop[levels[arc] - 1]
                    if next_double(st) < p:
                        result = STATUS_DROPPED
                        break
                    if p > 0.0:
                        ls += np.log1p(-p)
                nxt = indices[arc]
                steps += 1
                if record_paths:
                    paths[c, steps] = nxt
                holder = nxt
                if nxt == t:
                    result = STATUS_REACHED
                    break
                h = _slot(table, nxt, shift)
                table[h] = nxt
                slots[nvis] = h
                nvis += 1
                sp += 1
                stack[sp] = nxt
            if result < 0:
                result = STATUS_MAX_STEPS
            status[c] = result
            steps_out[c] = steps
            log_surv[c] = ls
            last[c] = holder
            nback_out[c] = nback
            for i in range(nvis):
                table[slots[i]] = -1
    return status, steps_out, log_surv, last, nback_out


# ------------------------------------------------------------------ shortest paths per target
@njit(cache=True, parallel=True)
def distances_to_targets(rev_indptr, rev_indices, group_targets, group_ptr, group_sources):
    """Hop distance from each chain's source to its target: one BFS per distinct target.

    Parameters
    ----------
    rev_indptr, rev_indices : CSR of the reversed graph (in-neighbours; the graph itself
        when undirected), so a BFS from the target follows arcs backwards.
    group_targets : int32 (k,) distinct targets.
    group_ptr : int64 (k + 1,) offsets into ``group_sources``.
    group_sources : int32, the sources of the chains of each target, grouped.

    Returns
    -------
    int32 array aligned with ``group_sources``: distance, or -1 when unreachable.

    Notes
    -----
    Each BFS stops once all of its sources are labelled. O(k (n + m)) work at worst,
    parallel over targets; O(threads * n) scratch memory.
    """
    n = rev_indptr.shape[0] - 1
    k = group_targets.shape[0]
    out = np.full(group_sources.shape[0], -1, dtype=np.int32)
    for g in prange(k):
        dist = np.full(n, -1, dtype=np.int32)
        queue = np.empty(n, dtype=np.int32)
        need = 0
        t = group_targets[g]
        for i in range(group_ptr[g], group_ptr[g + 1]):
            s = group_sources[i]
            if dist[s] == -1 and s != t:
                dist[s] = -2  # marks a source still to be found
                need += 1
        dist[t] = 0
        queue[0] = t
        head = 0
        tail = 1
        while head < tail and need > 0:
            u = queue[head]
            head += 1
            du = dist[u] + 1
            for j in range(rev_indptr[u], rev_indptr[u + 1]):
                v = rev_indices[j]
                if dist[v] < 0:
                    if dist[v] == -2:
                        need -= 1
                    dist[v] = du
                    queue[tail] = v
                    tail += 1
        for i in range(group_ptr[g], group_ptr[g + 1]):
            s = group_sources[i]
            d = dist[s]
            out[i] = d if d >= 0 else -1
    return out


# ------------------------------------------------------------------ tie strength
@njit(cache=True, inline="always")
def strength_level(common):
    """Level 1..5 for a number of common neighbours: 0 -> 1, 1 -> 2, 2-3 -> 3, 4-7 -> 4, >= 8 -> 5."""
    if common <= 0:
        return 1
    if common == 1:
        return 2
    if common <= 3:
        return 3
    if common <= 7:
        return 4
    return 5


@njit(cache=True, parallel=True)
def tie_strength_levels(indptr, indices):
    """Tie-strength level (1..5, int8) of every arc from the neighbourhood overlap of its ends.

    The number of common out-neighbours of ``u`` and ``v`` (sorted-row merge), binned on a
    log2 scale by :func:`strength_level`. Embeddedness as a proxy of tie strength follows
    Granovetter's strength-of-weak-ties argument and its measurement by Onnela et al.,
    PNAS 104, 7332 (2007), doi:10.1073/pnas.0610245104.

    Complexity O(sum over arcs (d_u + d_v)), parallel over rows.
    """
    n = indptr.shape[0] - 1
    out = np.empty(indices.shape[0], dtype=np.int8)
    for u in prange(n):
        a0 = indptr[u]
        a1 = indptr[u + 1]
        for j in range(a0, a1):
            v = indices[j]
            out[j] = strength_level(common_sorted(indices, a0, a1, indptr[v], indptr[v + 1]))
    return out
