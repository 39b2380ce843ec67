"""Numba kernels for the quenched, pair-symmetric Watts-Dodds-Newman population (never stored).

Pure array code: no I/O, no configuration, no imports from the layers above. The public layer
is :class:`simulate.implicit.HierarchyPopulation` (``mode="quenched"``).

The law (Watts, Dodds & Newman, Science 296, 1302 (2002), doi:10.1126/science.1070120)
---------------------------------------------------------------------------------------
N = g b^depth people; in dimension h person u sits in slot ``pi_h(u)`` (``pi_0`` = identity,
the others keyed Feistel bijections of [0, N), :func:`simulate.kernels.implicit.feistel_permute`)
and in group (leaf) ``slot // g``. In each dimension the people at tree distance x from u form
a set of n_x = g - 1 (x = 1) or g b^(x-2) (b - 1) (x >= 2) people. Every unordered pair {u, v}
receives, in each dimension h, an independent Poisson(mu_x) number of links, x = x_h(u, v),

    mu_x = z p(x) / (H n_x),     p(x) ~ exp(-alpha x) on x = 1..depth+1,

and u, v are contacts when the total over dimensions is >= 1: pairs are independent, linked
with probability ``1 - exp(-lambda_uv)``, ``lambda_uv = sum_h mu_{x_h(u, v)}`` (probabilities
"capped at 1" smoothly). ``lambda_uv`` is the stored generator's expected number of link draws
hitting the pair (N z / 2 draws of (i, h, x, j)), so for z << g (no pair drawn twice) the two
laws agree; the mean degree is ``sum_v (1 - exp(-lambda_uv))``, a little under z.

The construction (links between tree blocks keyed by the unordered pair)
-------------------------------------------------------------------------
The pairs of one dimension at distance x split into *blocks*: the pairs of one group (x = 1),
or the pairs between two sibling subtrees, children i < j of one ancestor at height x - 1
(x >= 2; m = g b^(x-2) slots each). A block's links are a Poisson point process of rate
mu_x on its cells (rows = child i's slots, columns = child j's; a group is its own rows and
columns at rate mu_1 / 2 per ordered cell, diagonal points dropped). Such a process is K ~
Poisson(mu m_r m_c) points with independent uniform rows and columns, i.e. (i) the row
counts, a uniform multinomial of K over the row slots, (ii) the column counts, another, and
(iii) a uniformly random matching of the row-ordered points to the column-ordered points.
Each piece is keyed by the block (the unordered pair of subtrees), not by either person:

- K and the matching's keys come from the stream keyed by the block;
- the multinomials are binary splits of the slot range (``Binomial(k, half / size)`` per node,
  each node's stream keyed by (block, side, range)), so a person finds its own count and the
  offset of its first point by one descent (O(log m), stopping early at count 0), and the
  slot holding point number j by another;
- the matching is a keyed Feistel bijection of [0, K) (cycle-walking).

So u's partners in a block are found from u's side, v's from v's side, and both read the same
points: u is a contact of v iff v is a contact of u, on every visit, in every chain, on any
thread count, with nothing stored. Equal group sizes are forced by the keyed bijections
(a slot is computed from a person and back in O(1) only if every group holds g slots).

Complexity per person per dimension: ``1 + (b - 1) depth`` blocks, each O(log2 m) binomial
draws to find u's points plus O(log2 m) per point (per contact) to find the partner;
binomials are exact (Knuth's beta-splitting recursion, O(log n)). Memory O(contacts).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange, uint64

from .generators.hierarchical import tree_height
from .implicit import feistel_invert, feistel_permute, poisson
from .random import _splitmix64, keyed_state, next_below, next_double, next_u64
from .variates import beta, binomial  # noqa: F401  (binomial: block splits)
from .routing import CHAINS_PER_TASK, STATUS_DEAD_END, STATUS_DROPPED, STATUS_MAX_STEPS, STATUS_REACHED

#: Policy codes of :func:`route_wdn_quenched` (the ``simulate.kernels.routing`` codes).
from .routing import POLICY_GREEDY_HIERARCHY, POLICY_RANDOM_WALK  # noqa: E402,F401


@njit(cache=True)
def keyed_beta(key, person, a, b, st):
    """Person ``person``'s Beta(a, b) value from the stream keyed by (key, person): the same on
    every visit (per-person attrition of an implicit population)."""
    keyed_state(key, person, st)
    return beta(st, a, b)


# ------------------------------------------------------------------ blocks
@njit(cache=True, inline="always")
def _mix(a, b):
    return _splitmix64(uint64(a) ^ (_splitmix64(uint64(b)) + uint64(0x632BE59BD9B4E019)))


@njit(cache=True, inline="always")
def _block_id(h, r0, c0, m):
    # A block of dimension h: rows [r0, r0 + m), columns [c0, c0 + m) (slots).
    return _mix(_mix(_mix(h, r0), c0), m)


@njit(cache=True)
def _split(key, bid, side, lo, hi, k, st):
    # Points of the node [lo, hi) of a block side falling in its left half [lo, mid).
    keyed_state(key, _mix(_mix(bid, lo * 2 + side), hi), st)
    mid = lo + (hi - lo) // 2
    return binomial(st, k, (mid - lo) / (hi - lo))


@njit(cache=True)
def _locate(key, bid, side, lo, hi, k, s, st):
    """(count, offset): the points of block side [lo, hi) (k in all) in slot s, and how many
    precede s on that side (points are numbered in slot order)."""
    off = np.int64(0)
    while hi - lo > 1 and k > 0:
        kl = _split(key, bid, side, lo, hi, k, st)
        mid = lo + (hi - lo) // 2
        if s < mid:
            hi = mid
            k = kl
        else:
            off += kl
            lo = mid
            k -= kl
    return k, off


@njit(cache=True)
def _find(key, bid, side, lo, hi, k, j, st):
    """The slot of point number j (0 <= j < k) of block side [lo, hi)."""
    while hi - lo > 1:
        kl = _split(key, bid, side, lo, hi, k, st)
        mid = lo + (hi - lo) // 2
        if j < kl:
            hi = mid
            k = kl
        else:
            j -= kl
            lo = mid
            k -= kl
    return lo


@njit(cache=True)
def _block_partners(key, h, r0, c0, m, rate, s, on_rows, on_cols, out, nout, st, fk):
    """Append to ``out`` the partner slots of slot s in the block (rows [r0, r0+m), columns
    [c0, c0+m), ``rate`` per cell): through its row points if ``on_rows``, its column points if
    ``on_cols``. Returns the new length (``out`` must have room; the caller grows it)."""
    bid = _block_id(h, r0, c0, m)
    keyed_state(key, bid, st)
    K = poisson(st, rate * float(m) * float(m))
    if K == 0:
        return nout, out
    for i in range(4):
        fk[i] = next_u64(st)
    a = max(np.int64(2), np.int64(np.sqrt(float(K))) + 1)  # any a with a^2 >= K: cycle-walking does the rest
    for side in range(2):
        if (side == 0 and not on_rows) or (side == 1 and not on_cols):
            continue
        lo = r0 if side == 0 else c0
        cnt, off = _locate(key, bid, side, lo, lo + m, K, s, st)
        for t in range(cnt):
            j = off + t
            if side == 0:
                other = feistel_permute(j, K, fk[0], fk[1], fk[2], fk[3], a) if K > 1 else j
                slot = _find(key, bid, 1, c0, c0 + m, K, other, st)
            else:
                other = feistel_invert(j, K, fk[0], fk[1], fk[2], fk[3], a) if K > 1 else j
                slot = _find(key, bid, 0, r0, r0 + m, K, other, st)
            if slot == s:
                continue  # a diagonal point of a group block: no self-links
            if nout == out.shape[0]:
                grown = np.empty(2 * out.shape[0], dtype=np.int64)
                grown[:nout] = out[:nout]
                out = grown
            out[nout] = slot
            nout += 1
    return nout, out


@njit(cache=True)
def _slot_of(u, h, n, keys, fside):
    if h == 0:
        return u
    return feistel_permute(u, n, keys[h, 0], keys[h, 1], keys[h, 2], keys[h, 3], fside)


@njit(cache=True)
def _person_of(slot, h, n, keys, fside):
    if h == 0:
        return slot
    return feistel_invert(slot, n, keys[h, 0], keys[h, 1], keys[h, 2], keys[h, 3], fside)


@njit(cache=True)
def symmetric_contacts(u, n, g, branching, depth, H, keys, fside, rates, block_key, out, st, fk):
    """Contacts of person u in the pair-symmetric population, sorted and distinct, into ``out``
    (grown when needed). Returns ``(count, out)``.

    ``rates[x - 1]`` = mu_x (per unordered pair; the group block uses mu_1 / 2 per ordered cell).
    """
    nout = 0
    for h in range(H):
        s = _slot_of(u, h, n, keys, fside)
        leaf = s // g
        start = nout
        # x = 1: u's own group, rows and columns alike.
        nout, out = _block_partners(block_key, h, leaf * g, leaf * g, g, 0.5 * rates[0], s, True, True, out, nout,
                                    st, fk)
        inner = np.int64(1)  # leaves per child subtree: b^(x-2)
        for x in range(2, depth + 2):
            m = g * inner
            anc = leaf // (inner * branching)
            ci = (leaf // inner) % branching
            base = anc * inner * branching
            for cj in range(branching):
                if cj == ci:
                    continue
                lo_i = (base + ci * inner) * g
                lo_j = (base + cj * inner) * g
                if ci < cj:
                    nout, out = _block_partners(block_key, h, lo_i, lo_j, m, rates[x - 1], s, True, False, out, nout,
                                                st, fk)
                else:
                    nout, out = _block_partners(block_key, h, lo_j, lo_i, m, rates[x - 1], s, False, True, out, nout,
                                                st, fk)
            inner *= branching
        for i in range(start, nout):
            out[i] = _person_of(out[i], h, n, keys, fside)
    if nout > 1:
        srt = np.sort(out[:nout])
        k = 1
        for i in range(1, nout):
            if srt[i] != srt[k - 1]:
                srt[k] = srt[i]
                k += 1
        out[:k] = srt[:k]
        nout = k
    return nout, out


@njit(cache=True, parallel=True)
def symmetric_contacts_many(people, n, g, branching, depth, H, keys, fside, rates, block_key):
    """:func:`symmetric_contacts` of each of ``people`` in CSR form ``(ptr, contacts)``; parallel
    (two passes: counts, then contacts; each person's contacts are recomputed, not stored)."""
    m = people.shape[0]
    counts = np.empty(m, dtype=np.int64)
    for i in prange(m):
        st = np.empty(4, dtype=np.uint64)
        fk = np.empty(4, dtype=np.uint64)
        buf = np.empty(64, dtype=np.int64)
        c, buf = symmetric_contacts(people[i], n, g, branching, depth, H, keys, fside, rates, block_key, buf, st, fk)
        counts[i] = c
    ptr = np.zeros(m + 1, dtype=np.int64)
    for i in range(m):
        ptr[i + 1] = ptr[i] + counts[i]
    out = np.empty(ptr[m], dtype=np.int64)
    for i in prange(m):
        st = np.empty(4, dtype=np.uint64)
        fk = np.empty(4, dtype=np.uint64)
        buf = np.empty(64, dtype=np.int64)
        c, buf = symmetric_contacts(people[i], n, g, branching, depth, H, keys, fside, rates, block_key, buf, st, fk)
        out[ptr[i]:ptr[i] + c] = buf[:c]
    return ptr, out


# ------------------------------------------------------------------ routing
@njit(cache=True, inline="always")
def _social(v, tleaf, h_dims, g, n, keys, fside, branching):
    y = np.int64(1) << 62
    for d in range(h_dims):
        x = tree_height(_slot_of(v, d, n, keys, fside) // g, tleaf[d], branching)
        if x < y:
            y = x
    return y


@njit(cache=True, parallel=True)
def route_wdn_quenched(n, g, branching, depth, H, keys, fside, rates, block_key, policy, epsilon, backtrack,
                       sources, targets, states, max_steps, drop, node_key, node_a, node_b, record_paths, paths):
    """Chains on the quenched pair-symmetric WDN population (:func:`symmetric_contacts`).

    The stored router's rules (:func:`simulate.kernels.routing.route_chains`) over each holder's
    contacts (distinct, ascending ids): draws per holding step, in order: ``next_double`` for
    attrition (``drop``, or with ``node_a > 0`` the holder's Beta(node_a, node_b) value keyed by
    (node_key, holder)); delivery if the target is a contact; ``next_double`` < ``epsilon`` ->
    a uniform unvisited contact (``next_below``); else the policy (greedy_hierarchy: smallest
    social distance y = min_h x_h to the target; random_walk: every unvisited contact ties),
    ties by ``next_below``. No unvisited contact: with ``backtrack`` the message returns to
    the previous holder (a step), else the chain ends (dead_end).

    Returns status (int8), steps (int32), log_survival, last (int64), backtracks (int32).
    Memory O(threads x (max_steps + contacts)); parallel over blocks of chains with per-chain
    streams, so identical on any thread count.
    """
    n_chains = sources.shape[0]
    status = np.empty(n_chains, dtype=np.int8)
    steps_out = np.zeros(n_chains, dtype=np.int32)
    log_surv = np.zeros(n_chains, dtype=np.float64)
    last = np.empty(n_chains, dtype=np.int64)
    nback_out = np.zeros(n_chains, dtype=np.int32)
    n_tasks = (n_chains + CHAINS_PER_TASK - 1) // CHAINS_PER_TASK
    lq_const = np.log1p(-drop) if 0.0 < drop < 1.0 else 0.0
    for task in prange(n_tasks):
        visited = np.empty(max_steps + 2, dtype=np.int64)
        stack = np.empty(max_steps + 2, dtype=np.int64)
        tleaf = np.empty(H, dtype=np.int64)
        buf = np.empty(256, dtype=np.int64)
        free = np.empty(256, dtype=np.int64)
        score = np.empty(256, dtype=np.int64)
        cst = np.empty(4, dtype=np.uint64)
        fk = np.empty(4, dtype=np.uint64)
        for c in range(task * CHAINS_PER_TASK, min(n_chains, (task + 1) * CHAINS_PER_TASK)):
            st = states[c]
            s0 = sources[c]
            t = targets[c]
            for d in range(H):
                tleaf[d] = _slot_of(t, d, n, keys, fside) // g
            visited[0] = s0
            nv = 1
            sp = 0
            stack[0] = s0
            holder = s0
            steps = 0
            nback = 0
            ls = 0.0
            result = -1
            if record_paths:
                paths[c, 0] = s0
            while steps < max_steps:
                if node_a > 0.0:
                    q = keyed_beta(node_key, holder, node_a, node_b, cst)
                    lq = np.log1p(-q) if q < 1.0 else -np.inf
                else:
                    q = drop
                    lq = lq_const
                if next_double(st) < q:
                    result = STATUS_DROPPED
                    break
                k, buf = symmetric_contacts(holder, n, g, branching, depth, H, keys, fside, rates, block_key, buf,
                                            cst, fk)
                hit = False
                nfree = 0
                if free.shape[0] < k:
                    free = np.empty(buf.shape[0], dtype=np.int64)
                    score = np.empty(buf.shape[0], dtype=np.int64)
                for i in range(k):
                    v = buf[i]
                    if v == t:
                        hit = True
                        break
                    seen = False
                    for j in range(nv):
                        if visited[j] == v:
                            seen = True
                            break
                    if not seen:
                        free[nfree] = v
                        nfree += 1
                if hit:
                    ls += lq
                    steps += 1
                    holder = t
                    if record_paths:
                        paths[c, steps] = t
                    result = STATUS_REACHED
                    break
                if nfree == 0:
                    if backtrack and sp > 0:
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
                    nxt = free[next_below(st, nfree)]
                elif policy == POLICY_RANDOM_WALK:
                    nxt = free[next_below(st, nfree)] if nfree > 1 else free[0]
                else:
                    best = np.int64(1) << 62
                    nbest = 0
                    for i in range(nfree):
                        y = _social(free[i], tleaf, H, g, n, keys, fside, branching)
                        score[i] = y
                        if y < best:
                            best = y
                            nbest = 1
                        elif y == best:
                            nbest += 1
                    kk = next_below(st, nbest) if nbest > 1 else 0
                    nxt = -1
                    for i in range(nfree):
                        if score[i] == best:
                            if kk == 0:
                                nxt = free[i]
                                break
                            kk -= 1
                ls += lq
                steps += 1
                holder = nxt
                if record_paths:
                    paths[c, steps] = nxt
                visited[nv] = nxt
                nv += 1
                sp += 1
                stack[sp] = nxt
            if result < 0:
                result = STATUS_MAX_STEPS
            status[c] = result
            steps_out[c] = steps
            log_surv[c] = ls
            last[c] = holder
            nback_out[c] = nback
    return status, steps_out, log_surv, last, nback_out
