"""Numba kernels for the synthetic graph generators (:mod:`simulate.generators`).

Pure array code: no I/O, no configuration, no imports from the layers above. Every kernel
returns edge endpoint arrays (int32 ``src``, ``dst``: node ids fit in int32, as in the CSR)
that the public layer turns into a :class:`simulate.Graph`. Randomness comes from the
per-task xoshiro256** streams of :mod:`simulate.kernels.random`: parallel kernels give every
*block of rows* its own stream (never one per thread), so the output is identical for any
``NUMBA_NUM_THREADS``.

Parallel kernels that emit a random number of edges run once over each block into a slot
of fixed capacity (the expected count plus a wide margin: overflow has probability below
1e-12), then compact the blocks into exact-size arrays; a block that does overflow is
re-run from a copy of its stream straight into the final arrays, so the output never
depends on the capacities. Sequential models (Watts-Strogatz rewiring, Barabasi-Albert,
hierarchical link formation) run serially, as the papers define them, with an
open-addressing hash set of edge keys.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from .random import next_below, next_double, next_u64

# ---------------------------------------------------------------------------- hash set of int64 keys
# Open addressing, linear probing. Keys are >= 0; -1 marks an empty slot, -2 a deleted one
# (Watts-Strogatz removes edges). Capacity is a power of two at least twice the number of
# insertions, so the load factor (tombstones included) stays <= 1/2.
_EMPTY = -1
_DELETED = -2


@njit(cache=True)
def hashset_new(max_inserts):
    """Empty hash set able to take ``max_inserts`` insertions (deletions leave tombstones)."""
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
    first_free = -1
    while True:
        t = table[i]
        if t == key:
            return False
        if t == _EMPTY:
            table[first_free if first_free >= 0 else i] = key
            return True
        if t == _DELETED and first_free < 0:
            first_free = i
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


@njit(cache=True)
def hashset_remove(table, key):
    """Remove ``key`` if present (leaves a tombstone); True if it was present."""
    mask = table.shape[0] - 1
    i = _slot(table, key)
    while True:
        t = table[i]
        if t == key:
            table[i] = _DELETED
            return True
        if t == _EMPTY:
            return False
        i = (i + 1) & mask


@njit(cache=True, inline="always")
def _pair_key(u, v, n):
    # Undirected edge key: unique for the unordered pair.
    if u < v:
        return u * n + v
    return v * n + u


# ---------------------------------------------------------------------------- alias tables
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


# ---------------------------------------------------------------------------- Erdos-Renyi
@njit(cache=True, inline="always")
def _pair_of_index(k):
    """Lower-triangle pair (w, v), w < v, with k = v(v-1)/2 + w (Batagelj-Brandes order)."""
    v = np.int64((1.0 + math.sqrt(1.0 + 8.0 * k)) / 2.0)
    while v * (v - 1) // 2 > k:  # fix float rounding for large k
        v -= 1
    while (v + 1) * v // 2 <= k:
        v += 1
    return k - v * (v - 1) // 2, v


@njit(cache=True)
def gnm_edges(n, m, st):
    """G(n, m): ``m`` distinct unordered pairs, uniformly. O(n + m) expected.

    For m <= N/2 (N = n(n-1)/2) pairs are drawn by rejection against a hash set (expected
    < 2m draws); otherwise the N - m *missing* pairs are drawn that way and the N = O(m)
    pairs enumerated.
    """
    N = n * (n - 1) // 2
    src = np.empty(m, dtype=np.int32)
    dst = np.empty(m, dtype=np.int32)
    if m <= N // 2:
        table = hashset_new(m)
        c = 0
        while c < m:
            k = next_below(st, N)
            if hashset_insert(table, k):
                w, v = _pair_of_index(k)
                src[c] = w
                dst[c] = v
                c += 1
    else:
        excl = N - m
        table = hashset_new(excl)
        c = 0
        while c < excl:
            if hashset_insert(table, next_below(st, N)):
                c += 1
        c = 0
        k = 0
        for v in range(1, n):
            for w in range(v):
                if not hashset_contains(table, k):
                    src[c] = w
                    dst[c] = v
                    c += 1
                k += 1
    return src, dst


@njit(cache=True)
def _gnp_rows(r0, r1, p, log_q, st, src, dst, c0, limit):
    # Batagelj & Brandes (2005) skip sampling over pairs (w, v), w < v, rows v in [r0, r1):
    # the gap to the next edge is geometric, so every pair is visited implicitly. Edges are
    # written at c0, c0 + 1, ... while below ``limit``; returns how many there are.
    v = r0
    w = np.int64(-1)
    c = 0
    if v < 1:
        v = np.int64(1)
    while v < r1:
        if p >= 1.0:
            w += 1
        else:
            gap = math.floor(math.log(1.0 - next_double(st)) / log_q)
            if gap > 4.0e18:
                gap = 4.0e18
            w += 1 + np.int64(gap)
        while w >= v and v < r1:
            w -= v
            v += 1
        if v < r1:
            if c0 + c < limit:
                src[c0 + c] = w
                dst[c0 + c] = v
            c += 1
    return c


@njit(cache=True)
def compact_blocks(src_c, dst_c, cap_ptr, counts):
    """Exact-size arrays from per-block slots ``[cap_ptr[b], cap_ptr[b] + counts[b])``.

    Returns ``(src, dst, offsets)``; blocks whose count exceeds their capacity are left
    unfilled (the caller re-runs them at ``offsets[b]``). O(edges), serial: a streaming copy
    is memory-bound, not worth a parallel region.
    """
    nb = counts.shape[0]
    offs = np.zeros(nb + 1, dtype=np.int64)
    for b in range(nb):
        offs[b + 1] = offs[b] + counts[b]
    src = np.empty(offs[nb], dtype=np.int32)
    dst = np.empty(offs[nb], dtype=np.int32)
    for b in range(nb):
        if counts[b] <= cap_ptr[b + 1] - cap_ptr[b]:
            a = cap_ptr[b]
            o = offs[b]
            for i in range(counts[b]):
                src[o + i] = src_c[a + i]
                dst[o + i] = dst_c[a + i]
    return src, dst, offs


@njit(cache=True, parallel=True)
def gnp_edges(p, bounds, cap_ptr, states):
    """G(n, p) by geometric skipping, parallel over row blocks ``bounds``. O(n + m) expected.

    Block b covers rows v in [bounds[b], bounds[b+1]) and uses stream ``states[b]``; the
    geometric gaps are memoryless, so restarting at a block boundary is exact. Block b first
    writes into slot ``[cap_ptr[b], cap_ptr[b+1])``; see the module notes on capacities.
    Edges come out in pair order (v ascending, then w), which
    :func:`simulate.kernels.csr.csr_from_unique_edges` turns into sorted rows without sorting.
    """
    nb = bounds.shape[0] - 1
    log_q = math.log1p(-p) if p < 1.0 else -1.0
    src_c = np.empty(cap_ptr[nb], dtype=np.int32)
    dst_c = np.empty(cap_ptr[nb], dtype=np.int32)
    counts = np.zeros(nb, dtype=np.int64)
    for b in prange(nb):
        st = states[b].copy()
        counts[b] = _gnp_rows(bounds[b], bounds[b + 1], p, log_q, st, src_c, dst_c, cap_ptr[b], cap_ptr[b + 1])
    src, dst, offs = compact_blocks(src_c, dst_c, cap_ptr, counts)
    for b in range(nb):
        if counts[b] > cap_ptr[b + 1] - cap_ptr[b]:  # overflow (p < 1e-12): re-run in place
            st = states[b].copy()
            _gnp_rows(bounds[b], bounds[b + 1], p, log_q, st, src, dst, offs[b], offs[b + 1])
    return src, dst


# ---------------------------------------------------------------------------- Chung-Lu (expected degrees)
@njit(cache=True, inline="always")
def _log1m(p):
    # log(1 - p) for 0 <= p < 1. Below 1e-3 the Taylor series to p^5 is exact to double
    # precision (truncation p^6/6 < 2e-16 p) and ~5x cheaper than log1p; Chung-Lu pair
    # probabilities are almost all that small.
    if p < 1.0e-3:
        return -p * (1.0 + p * (0.5 + p * (1.0 / 3.0 + p * (0.25 + p * 0.2))))
    return math.log1p(-p)


@njit(cache=True)
def _chung_lu_block(r0, r1, row_w, row_node, row_start, row_end, row_inv_s, row_excl, col_w, col_node,
                    col_group, tile, st, mode, src, dst, c0, limit, deg, cur, out):
    # Miller & Hagberg (2011) for rows [r0, r1): candidates j sorted by weight (descending),
    # so p = min(1, rw * col_w[j] / S) only decreases; skip geometrically with the current p
    # and accept the landing candidate with probability q / p (thinning; no draw when q = p,
    # e.g. saturated pairs). Expected O(1 + edges) per row.
    #
    # Cache tiling: the rows advance together through column tiles of ``tile`` candidates,
    # so the weights they read stay in cache (one row at a time would jump over all n
    # columns, a cache miss per visit once n is ~1M). A skip is drawn as an Exp(1) amount E
    # spent at rate h = -log(1 - p) per candidate (gap = floor(E / h), the inverse-CDF
    # geometric); a skip that runs past the tile end keeps its unspent E for the next tile,
    # which by memorylessness is the same draw.
    #
    # ``row_excl[r] >= 0`` (when ``row_excl`` is not empty) rejects candidates j with
    # ``col_group[j] == row_excl[r]`` after they are drawn: the pair's probability becomes 0
    # without changing any other pair's draw (a cross-group-only layer).
    # What happens to an accepted edge (rnode, v) depends on ``mode``:
    #   0: written to src/dst at c0.. while below limit;
    #   1: counted, deg[rnode] += 1 and deg[v] += 1 (the caller's private counter row);
    #   2: scattered as both arcs, out[cur[rnode]] = v, out[cur[v]] = rnode, cursors advanced.
    nr = r1 - r0
    if nr <= 0:
        return 0
    sj = np.empty(nr, dtype=np.int64)
    sp = np.empty(nr, dtype=np.float64)
    se = np.full(nr, -1.0)  # unspent exponential, < 0: none pending
    lo = row_start[r0]
    hi = row_end[r0]
    for i in range(nr):
        r = r0 + i
        sj[i] = row_start[r]
        if sj[i] < row_end[r] and row_w[r] > 0.0:
            sp[i] = min(1.0, row_w[r] * col_w[sj[i]] * row_inv_s[r])
        else:
            sp[i] = 0.0
        lo = min(lo, row_start[r])
        hi = max(hi, row_end[r])
    c = 0
    t0 = lo
    while t0 < hi:
        t1 = min(hi, t0 + tile)
        for i in range(nr):
            p = sp[i]
            j = sj[i]
            if p <= 0.0 or j >= t1:
                continue
            r = r0 + i
            rw = row_w[r]
            inv_s = row_inv_s[r]
            cend = row_end[r]
            rnode = row_node[r]
            excl = row_excl[r] if row_excl.shape[0] > 0 else -1
            e = se[i]
            while True:
                if p < 1.0:
                    if e < 0.0:
                        e = -math.log(1.0 - next_double(st))
                    h = -_log1m(p)
                    span = e / h
                    if span >= cend - j:  # no further candidate: the row is finished
                        p = 0.0
                        break
                    if span >= t1 - j:  # lands beyond this tile: keep the unspent part
                        e -= (t1 - j) * h
                        j = t1
                        break
                    j += np.int64(math.floor(span))
                    e = -1.0
                elif j >= t1:
                    break
                q = min(1.0, rw * col_w[j] * inv_s)
                if q >= p or next_double(st) * p < q:
                    v = col_node[j]
                    # directed rows scan every column: no self-loops
                    if v != rnode and (excl < 0 or col_group[j] != excl):
                        if mode == 0:
                            if c0 + c < limit:
                                src[c0 + c] = rnode
                                dst[c0 + c] = v
                        elif mode == 1:
                            deg[rnode] += 1
                            deg[v] += 1
                        else:
                            out[cur[rnode]] = v
                            cur[rnode] += 1
                            out[cur[v]] = rnode
                            cur[v] += 1
                        c += 1
                p = q
                j += 1
                if j >= cend or p <= 0.0:
                    p = 0.0
                    break
                if j >= t1:
                    break
            sp[i] = p
            sj[i] = j
            se[i] = e
        t0 = t1
    return c


@njit(cache=True, parallel=True)
def chung_lu_edges(row_w, row_node, row_start, row_end, row_inv_s, col_w, col_node, row_bounds,
                   cap_ptr, states, tile=1 << 16, row_excl=None, col_group=None):
    """Expected-degree (Chung-Lu) edges over sorted candidate ranges.

    Row r (node ``row_node[r]``, weight ``row_w[r]``) is joined to candidate ``j`` in
    ``[row_start[r], row_end[r])`` independently with probability
    ``min(1, row_w[r] * col_w[j] * row_inv_s[r])``; candidates are sorted by ``col_w``
    descending. Undirected graphs use rows = columns = nodes sorted by weight with
    ``row_start = r + 1`` (each pair once); directed graphs scan all columns (self excluded).
    Block b covers rows ``[row_bounds[b], row_bounds[b+1])`` with stream ``states[b]``; the
    caller cuts blocks of equal expected work (hub rows are expensive), so the static
    schedule of ``prange`` stays balanced. Block b first writes into slot
    ``[cap_ptr[b], cap_ptr[b+1])`` (module notes). The rows of a block walk the candidates
    in tiles of ``tile`` columns (default 65,536: ~1 MiB of weights and ids, cache-resident),
    which changes no probability. O(n + m) expected. Optional ``row_excl`` / ``col_group``
    (int64): row r never joins a candidate j with ``col_group[j] == row_excl[r]`` (rows with
    ``row_excl[r] < 0`` join any); see :func:`chung_lu_count`.
    """
    nb = row_bounds.shape[0] - 1
    no_i64 = np.empty(0, dtype=np.int64)
    no_i32 = np.empty(0, dtype=np.int32)
    ex = no_i64 if row_excl is None else row_excl
    cg = no_i64 if col_group is None else col_group
    src_c = np.empty(cap_ptr[nb], dtype=np.int32)
    dst_c = np.empty(cap_ptr[nb], dtype=np.int32)
    counts = np.zeros(nb, dtype=np.int64)
    for b in prange(nb):
        st = states[b].copy()
        counts[b] = _chung_lu_block(row_bounds[b], row_bounds[b + 1], row_w, row_node, row_start, row_end,
                                    row_inv_s, ex, col_w, col_node, cg, tile, st, 0, src_c, dst_c, cap_ptr[b],
                                    cap_ptr[b + 1], no_i64, no_i64, no_i32)
    src, dst, offs = compact_blocks(src_c, dst_c, cap_ptr, counts)
    for b in range(nb):
        if counts[b] > cap_ptr[b + 1] - cap_ptr[b]:  # overflow: re-run from the same stream
            st = states[b].copy()
            _chung_lu_block(row_bounds[b], row_bounds[b + 1], row_w, row_node, row_start, row_end,
                            row_inv_s, ex, col_w, col_node, cg, tile, st, 0, src, dst, offs[b], offs[b + 1],
                            no_i64, no_i64, no_i32)
    return src, dst


@njit(cache=True, parallel=True)
def chung_lu_count(row_w, row_node, row_start, row_end, row_inv_s, row_excl, col_w, col_node, col_group,
                   row_bounds, states, n, chunks, tile=1 << 16):
    """Pass 1 of the two-pass CSR build: per-chunk degree counts of Chung-Lu edges, none stored.

    Same model, blocks and streams as :func:`chung_lu_edges` (``row_excl`` / ``col_group``
    int64; an empty ``row_excl`` excludes nothing). Block b belongs to chunk ``b % chunks``;
    each chunk runs its blocks serially into its own counter row, so no two threads touch
    one counter. Returns ``deg`` (chunks, n) int64: ``deg[t, u]`` = arcs at u from chunk t's
    edges. O(n * chunks + edges) time, 8 n chunks bytes.
    """
    nb = row_bounds.shape[0] - 1
    deg = np.zeros((chunks, n), dtype=np.int64)
    no_i32 = np.empty(0, dtype=np.int32)
    no_i64 = np.empty(0, dtype=np.int64)
    for t in prange(chunks):
        d = deg[t]
        for b in range(t, nb, chunks):
            st = states[b].copy()
            _chung_lu_block(row_bounds[b], row_bounds[b + 1], row_w, row_node, row_start, row_end, row_inv_s,
                            row_excl, col_w, col_node, col_group, tile, st, 1, no_i32, no_i32, 0, 0, d, no_i64,
                            no_i32)
    return deg


@njit(cache=True, parallel=True)
def chunk_cursors(deg):
    """Turn per-chunk counts (pass 1) into CSR ``indptr`` and per-chunk write cursors, in place.

    Row u's arcs are laid out chunk by chunk: chunk t writes from
    ``indptr[u] + sum_{t' < t} deg[t', u]``. ``deg`` is overwritten with those cursors;
    returns ``indptr`` (int64, n + 1).
    """
    chunks, n = deg.shape
    indptr = np.zeros(n + 1, dtype=np.int64)
    for u in range(n):
        s = 0
        for t in range(chunks):
            s += deg[t, u]
        indptr[u + 1] = indptr[u] + s
    for u in prange(n):
        c = indptr[u]
        for t in range(chunks):
            k = deg[t, u]
            deg[t, u] = c
            c += k
    return indptr


@njit(cache=True, parallel=True)
def chung_lu_scatter(row_w, row_node, row_start, row_end, row_inv_s, row_excl, col_w, col_node, col_group,
                     row_bounds, states, cursors, indices, tile=1 << 16):
    """Pass 2: regenerate pass 1's edges from the same streams and write both arcs into CSR.

    ``cursors`` come from :func:`chunk_cursors` (chunk t = ``b % chunks`` writes only inside
    its own sub-range of each row, so threads never collide); ``indices`` (int32, all arcs)
    is filled in place, rows unsorted (see :func:`sort_rows`). Memory: nothing beyond the
    CSR and the cursors.
    """
    nb = row_bounds.shape[0] - 1
    chunks = cursors.shape[0]
    no_i32 = np.empty(0, dtype=np.int32)
    for t in prange(chunks):
        cur = cursors[t]
        for b in range(t, nb, chunks):
            st = states[b].copy()
            _chung_lu_block(row_bounds[b], row_bounds[b + 1], row_w, row_node, row_start, row_end, row_inv_s,
                            row_excl, col_w, col_node, col_group, tile, st, 2, no_i32, no_i32, 0, 0, cur, cur,
                            indices)


@njit(cache=True, parallel=True)
def sort_rows(indptr, indices):
    """Sort every CSR row in place (parallel over rows); returns the number of repeated
    neighbours (adjacent equal entries) left after sorting, which must be 0 for a simple graph."""
    n = indptr.shape[0] - 1
    rep = np.zeros(n, dtype=np.int64)
    for u in prange(n):
        a = indptr[u]
        b = indptr[u + 1]
        if b - a > 1:
            row = indices[a:b]
            row.sort()
            r = 0
            for j in range(1, b - a):
                if row[j - 1] == row[j]:
                    r += 1
            rep[u] = r
    return rep.sum()


@njit(cache=True)
def stub_matching(owner, seg_ptr, st):
    """Configuration-model stub matching: shuffle each segment of stubs and pair neighbours.

    ``owner[i]`` is the node of stub i; segments ``[seg_ptr[s], seg_ptr[s+1])`` are matched
    separately (a group's internal stubs, then the global ones). Fisher-Yates, O(stubs).
    An odd segment leaves its last stub unmatched. Returns ``(src, dst)`` with self-loops and
    multi-edges still in (the caller erases and counts them).
    """
    stubs = owner.copy()
    ns = seg_ptr.shape[0] - 1
    total = 0
    for s in range(ns):
        total += (seg_ptr[s + 1] - seg_ptr[s]) // 2
    src = np.empty(total, dtype=np.int64)
    dst = np.empty(total, dtype=np.int64)
    c = 0
    for s in range(ns):
        a = seg_ptr[s]
        k = seg_ptr[s + 1] - a
        for i in range(k - 1, 0, -1):
            j = next_below(st, i + 1)
            t = stubs[a + i]
            stubs[a + i] = stubs[a + j]
            stubs[a + j] = t
        for i in range(k // 2):
            src[c] = stubs[a + 2 * i]
            dst[c] = stubs[a + 2 * i + 1]
            c += 1
    return src, dst


# ---------------------------------------------------------------------------- Watts-Strogatz
@njit(cache=True)
def _bernoulli_positions(m, p, st, out, write):
    # Indices i in 0..m-1 each kept independently with probability p, in increasing order,
    # by geometric gaps (one draw per kept index). Returns how many.
    if p >= 1.0:
        if write:
            for i in range(m):
                out[i] = i
        return m
    log_q = math.log1p(-p)
    c = 0
    i = np.int64(-1)
    while True:
        gap = math.floor(math.log(1.0 - next_double(st)) / log_q)
        if gap >= m - i - 1:
            break
        i += 1 + np.int64(gap)
        if write:
            out[c] = i
        c += 1
    return c


@njit(cache=True)
def _bernoulli_positions_capped(m, p, st, out):
    # As _bernoulli_positions, writing only the first len(out) positions; returns the total.
    cap = out.shape[0]
    if p >= 1.0:
        for i in range(min(m, cap)):
            out[i] = i
        return m
    log_q = math.log1p(-p)
    c = 0
    i = np.int64(-1)
    while True:
        gap = math.floor(math.log(1.0 - next_double(st)) / log_q)
        if gap >= m - i - 1:
            break
        i += 1 + np.int64(gap)
        if c < cap:
            out[c] = i
        c += 1
    return c


@njit(cache=True, inline="always")
def _ws_has_edge(u, w, n, half_k, dst, added):
    # (u, w) is an edge iff it is a lattice edge not yet rewired, or a rewired-in edge. The
    # lattice edge (a, a + j mod n), j <= half_k, has index (j-1) n + a and keeps its target
    # in dst until rewired (a rewired edge never points back at its lattice target).
    d = w - u
    if d < 0:
        d += n
    if d >= 1 and d <= half_k:
        if dst[(d - 1) * n + u] == w:
            return True
    elif d > 0 and n - d <= half_k:
        if dst[(n - d - 1) * n + w] == u:
            return True
    return hashset_contains(added, _pair_key(u, w, n))


@njit(cache=True)
def watts_strogatz_edges(n, half_k, p, states):
    """Ring lattice (each node to its k = 2*half_k nearest) rewired as Watts & Strogatz (1998).

    Edge (u, u+j) is considered in the paper's order: lap j = 1..k/2, nodes u = 0..n-1. With
    probability p it is rewired to (u, w), w uniform, redrawn while w == u or (u, w) is an
    edge; the rewiring is skipped when u already has degree n - 1 (networkx's rule).
    The independent rewiring decisions are drawn first by geometric skipping (stream
    ``states[0]``), then the new endpoints in order (``states[1]``). Edge membership is read
    off the lattice arrays plus a hash set holding only the rewired-in edges (about p n k/2
    keys, so it stays cache-sized). Requires half_k >= 1 and 2*half_k < n. O(nk) time, serial.
    Returns ``(src, dst, rewired)``: edge e = (j-1) n + u joins src[e] = u and dst[e];
    ``rewired`` lists, ascending, the edges whose endpoint was moved.
    """
    dst, rewired = watts_strogatz_targets(n, half_k, p, states)
    src = np.empty(dst.shape[0], dtype=np.int32)
    for j in range(half_k):
        for u in range(n):
            src[j * n + u] = u
    return src, dst, rewired


@njit(cache=True)
def watts_strogatz_targets(n, half_k, p, states):
    """:func:`watts_strogatz_edges` without the ``src`` array (edge e starts at e % n):
    returns ``(dst, rewired)``, the identical process and draws."""
    m = n * half_k
    dst = np.empty(m, dtype=np.int32)
    for j in range(1, half_k + 1):
        e0 = (j - 1) * n
        for u in range(n - j):
            dst[e0 + u] = u + j
        for u in range(n - j, n):
            dst[e0 + u] = u + j - n
    if p <= 0.0:
        return dst, np.empty(0, dtype=np.int64)
    st = states[0]
    # One pass into a slot of m p + 8 sd + 64 entries (overflow probability < 1e-15); only on
    # overflow is the stream re-run to count. Same draws either way.
    cap = min(m, np.int64(m * p + 8.0 * math.sqrt(m * p) + 64.0))
    buf = np.empty(cap, dtype=np.int64)
    nchosen = _bernoulli_positions_capped(m, p, st.copy(), buf)
    if nchosen <= cap:
        chosen = buf[:nchosen]
    else:
        chosen = np.empty(nchosen, dtype=np.int64)
        _bernoulli_positions(m, p, st.copy(), chosen, True)
    st = states[1]
    added = hashset_new(nchosen)
    deg = np.full(n, 2 * half_k, dtype=np.int64)
    nrew = 0
    for i in range(nchosen):
        e = chosen[i]
        u = e % n  # edge e = (j-1) n + u starts at u
        w = next_below(st, n)
        skip = False
        while w == u or _ws_has_edge(u, w, n, half_k, dst, added):
            w = next_below(st, n)
            if deg[u] >= n - 1:
                skip = True
                break
        if not skip:
            v = dst[e]
            hashset_insert(added, _pair_key(u, w, n))
            dst[e] = w
            deg[v] -= 1
            deg[w] += 1
            chosen[nrew] = e
            nrew += 1
    return dst, chosen[:nrew]


@njit(cache=True, inline="always")
def _ws_lattice_present(u, v, n, half_k, dst):
    # Is the ring pair (u, v), at ring distance <= half_k, still a lattice edge?
    d = v - u
    if d < 0:
        d += n
    if d <= half_k:
        return dst[(d - 1) * n + u] == v
    return dst[(n - d - 1) * n + v] == u


@njit(cache=True)
def _ws_row(u, n, half_k, dst, add_ptr, add_idx, out, a, write):
    # Row u in ascending order: the ring neighbours u-h..u+h (mod n) still present, as up to
    # three increasing runs (at most one side wraps since 2h < n), merged with u's sorted
    # rewired-in neighbours (never lattice-present ones, so no repeats).
    h = half_k
    lo0 = np.int64(0)
    hi0 = np.int64(-1)
    lo1 = u - h
    hi1 = u + h
    lo2 = np.int64(0)
    hi2 = np.int64(-1)
    if u - h < 0:
        lo0 = np.int64(0)
        hi0 = u + h
        lo1 = np.int64(1)
        hi1 = np.int64(0)
        lo2 = n + u - h
        hi2 = n - 1
    elif u + h >= n:
        lo0 = np.int64(0)
        hi0 = u + h - n
        lo1 = u - h
        hi1 = n - 1
    k = add_ptr[u]
    kend = add_ptr[u + 1]
    c = 0
    for run in range(3):
        lo = lo0 if run == 0 else (lo1 if run == 1 else lo2)
        hi = hi0 if run == 0 else (hi1 if run == 1 else hi2)
        for v in range(lo, hi + 1):
            if v == u or not _ws_lattice_present(u, v, n, half_k, dst):
                continue
            while k < kend and add_idx[k] < v:
                if write:
                    out[a + c] = add_idx[k]
                c += 1
                k += 1
            if write:
                out[a + c] = v
            c += 1
    while k < kend:
        if write:
            out[a + c] = add_idx[k]
        c += 1
        k += 1
    return c


@njit(cache=True, parallel=True)
def watts_strogatz_csr(n, half_k, dst, rewired):
    """Sorted CSR of the rewired ring from :func:`watts_strogatz_edges`' output, no edge list.

    Lattice edge e = (j-1) n + u joins u and dst[e]; ``rewired`` lists the edges whose
    endpoint moved. Those few give the degrees (2 half_k, minus ring edges moved away, plus
    moved-in ones) and are bucketed into a small CSR; every row is then written in
    ascending order by merging its surviving ring neighbours with its rewired-in ones, in
    parallel over nodes. Requires 1 <= half_k, 2 half_k < n. O(n k).
    """
    add_cnt = np.zeros(n + 1, dtype=np.int64)
    indptr = np.full(n + 1, 2 * half_k, dtype=np.int64)  # degrees first: ring, then moves
    indptr[0] = 0
    for i in range(rewired.shape[0]):
        e = rewired[i]
        u = e % n
        j = e // n + 1
        add_cnt[u + 1] += 1
        add_cnt[dst[e] + 1] += 1
        indptr[(u + j) % n + 1] -= 1
        indptr[dst[e] + 1] += 1
    for u in range(n):
        add_cnt[u + 1] += add_cnt[u]
        indptr[u + 1] += indptr[u]
    add_idx = np.empty(add_cnt[n], dtype=np.int64)
    pos = add_cnt[:-1].copy()
    for i in range(rewired.shape[0]):
        e = rewired[i]
        u = e % n
        w = dst[e]
        add_idx[pos[u]] = w
        pos[u] += 1
        add_idx[pos[w]] = u
        pos[w] += 1
    for u in prange(n):  # rows of rewired-in neighbours: ~p k each, insertion sort
        for i in range(add_cnt[u] + 1, add_cnt[u + 1]):
            x = add_idx[i]
            j = i - 1
            while j >= add_cnt[u] and add_idx[j] > x:
                add_idx[j + 1] = add_idx[j]
                j -= 1
            add_idx[j + 1] = x
    indices = np.empty(indptr[n], dtype=np.int32)
    for u in prange(n):
        _ws_row(u, n, half_k, dst, add_cnt, add_idx, indices, indptr[u], True)
    return indptr, indices


# ---------------------------------------------------------------------------- Barabasi-Albert
@njit(cache=True)
def barabasi_albert_edges(n, m, st):
    """Linear preferential attachment (networkx's algorithm), 1 <= m < n.

    Starts from a star on m + 1 nodes (centre 0). Each new node picks m distinct targets
    uniformly from the list of edge endpoints ("repeated nodes", Batagelj & Brandes 2005), so
    P(target = v) is proportional to the degree of v. O(n m) expected, serial. Each node's
    targets are emitted in ascending order, so bucketing the edges in emission order gives
    sorted CSR rows (smaller neighbours: the node's own targets; larger: later nodes).
    """
    E = m + (n - m - 1) * m
    src = np.empty(E, dtype=np.int32)
    dst = np.empty(E, dtype=np.int32)
    rep = np.empty(2 * E, dtype=np.int32)
    mark = np.full(n, -1, dtype=np.int64)
    targets = np.empty(m, dtype=np.int64)
    c = 0
    r = 0
    for i in range(1, m + 1):
        src[c] = i
        dst[c] = 0
        c += 1
        rep[r] = 0
        rep[r + 1] = i
        r += 2
    for s in range(m + 1, n):
        # next_below(st, r) inlined with its rejection threshold computed once per node (r is
        # fixed while s picks its targets): one 64-bit division per draw instead of two, and
        # the identical draws.
        bound = np.uint64(r)
        threshold = (np.uint64(0) - bound) % bound
        t = 0
        while t < m:
            u = next_u64(st)
            while u < threshold:
                u = next_u64(st)
            x = rep[np.int64(u % bound)]
            if mark[x] != s:
                mark[x] = s
                targets[t] = x
                t += 1
        for i in range(1, m):  # ascending targets: the CSR fill then needs no sort (order is
            x = targets[i]    # irrelevant to the model: rep is sampled uniformly)
            j = i - 1
            while j >= 0 and targets[j] > x:
                targets[j + 1] = targets[j]
                j -= 1
            targets[j + 1] = x
        for i in range(m):
            src[c] = s
            dst[c] = targets[i]
            c += 1
            rep[r] = targets[i]
            rep[r + 1] = s
            r += 2
    return src, dst


@njit(cache=True)
def barabasi_albert_csr(n, m, st):
    """Sorted CSR of :func:`barabasi_albert_edges`' graph, the identical graph, no edge list.

    Runs the same process from the same stream; the list of edge endpoints ("repeated
    nodes", pairs (target, new node)) *is* the edge list, and the degrees are known when it
    ends. Row v is v's own targets (ascending, all < v) followed by the later nodes that
    picked v (in arrival order, all > v): sorted by construction, so one scatter pass in
    arrival order fills the CSR. O(n m) expected, serial.
    """
    E = m + (n - m - 1) * m
    rep = np.empty(2 * E, dtype=np.int32)
    mark = np.full(n, -1, dtype=np.int64)
    targets = np.empty(m, dtype=np.int64)
    indptr = np.zeros(n + 1, dtype=np.int64)
    r = 0
    for i in range(1, m + 1):  # star: i -> 0
        rep[r] = 0
        rep[r + 1] = i
        r += 2
    for s in range(m + 1, n):
        bound = np.uint64(r)  # next_below(st, r), threshold hoisted (see barabasi_albert_edges)
        threshold = (np.uint64(0) - bound) % bound
        t = 0
        while t < m:
            u = next_u64(st)
            while u < threshold:
                u = next_u64(st)
            x = rep[np.int64(u % bound)]
            if mark[x] != s:
                mark[x] = s
                targets[t] = x
                t += 1
        for i in range(1, m):
            x = targets[i]
            j = i - 1
            while j >= 0 and targets[j] > x:
                targets[j + 1] = targets[j]
                j -= 1
            targets[j + 1] = x
        for i in range(m):
            rep[r] = targets[i]
            rep[r + 1] = s
            r += 2
    for k in range(E):  # degrees: each pair (target, newcomer) adds one arc at both
        indptr[rep[2 * k] + 1] += 1
        indptr[rep[2 * k + 1] + 1] += 1
    for v in range(n):
        indptr[v + 1] += indptr[v]
    # own targets first: node 0 has none, star leaves 1..m one (node 0), later nodes m
    cur = indptr[:-1].copy()
    for v in range(1, n):
        cur[v] += 1 if v <= m else m
    own = indptr[:-1].copy()
    indices = np.empty(2 * E, dtype=np.int32)
    for k in range(E):
        t = rep[2 * k]
        v = rep[2 * k + 1]
        indices[own[v]] = t
        own[v] += 1
        indices[cur[t]] = v
        cur[t] += 1
    return indptr, indices


@njit(cache=True, parallel=True)
def gnp_csr(p, n, bounds, cap_ptr, states):
    """Sorted CSR of :func:`gnp_edges`' graph (the identical graph) without the exact-size
    edge list: the block slots are bucketed straight into rows.

    Edges leave the blocks in pair order (v ascending, then w < v ascending), so scattering
    both arcs in that order writes every row ascending: row x gets its w < x neighbours
    while v = x is generated, then the v > x ones. Overflowing blocks (p < 1e-12) fall back
    to the exact-size arrays of :func:`gnp_edges`. O(n + m); generation parallel, the
    scatter serial (memory-bound).
    """
    nb = bounds.shape[0] - 1
    log_q = math.log1p(-p) if p < 1.0 else -1.0
    src_c = np.empty(cap_ptr[nb], dtype=np.int32)
    dst_c = np.empty(cap_ptr[nb], dtype=np.int32)
    counts = np.zeros(nb, dtype=np.int64)
    for b in prange(nb):
        st = states[b].copy()
        counts[b] = _gnp_rows(bounds[b], bounds[b + 1], p, log_q, st, src_c, dst_c, cap_ptr[b], cap_ptr[b + 1])
    seg = cap_ptr.copy()
    overflow = False
    for b in range(nb):
        if counts[b] > cap_ptr[b + 1] - cap_ptr[b]:
            overflow = True
    if overflow:
        src_c, dst_c, seg = compact_blocks(src_c, dst_c, cap_ptr, counts)
        for b in range(nb):
            if counts[b] > cap_ptr[b + 1] - cap_ptr[b]:
                st = states[b].copy()
                _gnp_rows(bounds[b], bounds[b + 1], p, log_q, st, src_c, dst_c, seg[b], seg[b + 1])
    indptr = np.zeros(n + 1, dtype=np.int64)
    for b in range(nb):
        for i in range(seg[b], seg[b] + counts[b]):
            indptr[src_c[i] + 1] += 1
            indptr[dst_c[i] + 1] += 1
    for u in range(n):
        indptr[u + 1] += indptr[u]
    cur = indptr[:-1].copy()
    indices = np.empty(indptr[n], dtype=np.int32)
    for b in range(nb):
        for i in range(seg[b], seg[b] + counts[b]):
            w = src_c[i]
            v = dst_c[i]
            indices[cur[v]] = w
            cur[v] += 1
            indices[cur[w]] = v
            cur[w] += 1
    return indptr, indices


# ---------------------------------------------------------------------------- Kleinberg lattice
@njit(cache=True)
def lattice_sphere_sizes(dim, dmax):
    """Number of points of Z^dim at L1 distance d, for d = 0..dmax (float64).

    S(0) = 1, S(d) = sum_k C(dim, k) 2^k C(d-1, k-1) for d >= 1 (k non-zero coordinates).
    """
    out = np.zeros(dmax + 1, dtype=np.float64)
    out[0] = 1.0
    for d in range(1, dmax + 1):
        s = 0.0
        for k in range(1, min(dim, d) + 1):
            s += _binom(dim, k) * 2.0 ** k * _binom(d - 1, k - 1)
        out[d] = s
    return out


@njit(cache=True, inline="always")
def _binom(a, b):
    if b < 0 or b > a:
        return 0.0
    return math.exp(math.lgamma(a + 1.0) - math.lgamma(b + 1.0) - math.lgamma(a - b + 1.0))


@njit(cache=True)
def _l1_sphere_point(dim, d, st, delta, perm, cuts):
    # Uniform point of Z^dim with |delta|_1 = d (d >= 1): pick the number k of non-zero
    # coordinates with weight C(dim,k) 2^k C(d-1,k-1), which coordinates (uniform subset),
    # a uniform composition of d into k positive parts (k-1 distinct cut points, Floyd's
    # algorithm), and random signs. O(dim^2).
    total = 0.0
    for k in range(1, min(dim, d) + 1):
        total += _binom(dim, k) * 2.0 ** k * _binom(d - 1, k - 1)
    x = next_double(st) * total
    k = 1
    kmax = min(dim, d)
    while k < kmax:
        x -= _binom(dim, k) * 2.0 ** k * _binom(d - 1, k - 1)
        if x < 0.0:
            break
        k += 1
    for i in range(dim):
        delta[i] = 0
        perm[i] = i
    for i in range(k):  # partial Fisher-Yates: first k entries are a uniform k-subset
        j = i + next_below(st, dim - i)
        t = perm[i]
        perm[i] = perm[j]
        perm[j] = t
    # Floyd: k-1 distinct cut points from 1..d-1
    nc = 0
    for jj in range(d - k + 1, d):
        t = 1 + next_below(st, jj)
        dup = False
        for i in range(nc):
            if cuts[i] == t:
                dup = True
                break
        cuts[nc] = jj if dup else t
        nc += 1
    for i in range(1, nc):  # insertion sort (nc < dim)
        t = cuts[i]
        j = i - 1
        while j >= 0 and cuts[j] > t:
            cuts[j + 1] = cuts[j]
            j -= 1
        cuts[j + 1] = t
    prev = 0
    for i in range(k):
        nxt = cuts[i] if i < nc else d
        part = nxt - prev
        prev = nxt
        if next_u64(st) >> np.uint64(63):
            part = -part
        delta[perm[i]] = part


@njit(cache=True, parallel=True)
def kleinberg_long_range(side, dim, q, periodic, dist_prob, dist_alias, block, states):
    """q long-range out-contacts per lattice node, P(u -> v) proportional to d(u, v)^-r.

    A distance d is drawn from the alias table over d = 1..dmax (weights S(d) d^-r, S the
    infinite-lattice L1 sphere size), then a uniform offset on the L1 sphere of radius d; the
    proposal is rejected if it leaves the lattice (open boundary) or the fundamental box
    (-side/2, side/2]^dim (torus, where that box maps one-to-one onto the other nodes with
    the same L1 distance). Every accepted v != u then has probability exactly proportional
    to d^-r; expected O(1) proposals per link for fixed dim. Returns ``dst`` of shape (n*q,),
    contacts of node u at ``[u*q, (u+1)*q)``.
    """
    n = side ** dim
    dst = np.empty(n * q, dtype=np.int64)
    nb = (n + block - 1) // block
    for b in prange(nb):
        st = states[b]
        coord = np.empty(dim, dtype=np.int64)
        delta = np.empty(dim, dtype=np.int64)
        perm = np.empty(dim, dtype=np.int64)
        cuts = np.empty(dim, dtype=np.int64)
        for u in range(b * block, min(n, (b + 1) * block)):
            x = u
            for i in range(dim):
                coord[i] = x % side
                x //= side
            for t in range(q):
                while True:
                    d = alias_draw(dist_prob, dist_alias, st) + 1
                    _l1_sphere_point(dim, d, st, delta, perm, cuts)
                    ok = True
                    v = 0
                    mult = 1
                    for i in range(dim):
                        if periodic:
                            if 2 * delta[i] <= -side or delta[i] > side // 2:
                                ok = False
                                break
                            c = (coord[i] + delta[i]) % side
                        else:
                            c = coord[i] + delta[i]
                            if c < 0 or c >= side:
                                ok = False
                                break
                        v += c * mult
                        mult *= side
                    if ok:
                        break
                dst[u * q + t] = v
    return dst


@njit(cache=True, parallel=True)
def lattice_local_arcs(side, dim, periodic, offsets):
    """Arcs from every node to every node at lattice (L1) distance 1..p (``offsets`` rows).

    Parallel over nodes, no randomness. Torus wrap-arounds that land on u itself are skipped
    (tiny sides only). O(n * len(offsets)).
    """
    n = side ** dim
    k = offsets.shape[0]
    cnt = np.zeros(n + 1, dtype=np.int64)
    for u in prange(n):
        cnt[u + 1] = _local_scan(u, side, dim, periodic, offsets, k, cnt, 0, False)
    for u in range(n):
        cnt[u + 1] += cnt[u]
    dst = np.empty(cnt[n], dtype=np.int64)
    for u in prange(n):
        _local_scan(u, side, dim, periodic, offsets, k, dst, cnt[u], True)
    src = np.empty(cnt[n], dtype=np.int64)
    for u in prange(n):
        for j in range(cnt[u], cnt[u + 1]):
            src[j] = u
    return src, dst


@njit(cache=True)
def _local_scan(u, side, dim, periodic, offsets, k, out, c0, write):
    c = c0
    for o in range(k):
        x = u
        v = 0
        mult = 1
        ok = True
        for i in range(dim):
            ci = x % side + offsets[o, i]
            x //= side
            if periodic:
                ci %= side
            elif ci < 0 or ci >= side:
                ok = False
                break
            v += ci * mult
            mult *= side
        if ok and v != u:
            if write:
                out[c] = v
            c += 1
    return c - c0


@njit(cache=True, inline="always")
def _lattice_within(u, v, side, dim, periodic, radius):
    # L1 (torus when periodic) lattice distance between u and v is <= radius.
    d = 0
    for i in range(dim):
        x = u % side - v % side
        u //= side
        v //= side
        if x < 0:
            x = -x
        if periodic and side - x < x:
            x = side - x
        d += x
        if d > radius:
            return False
    return True


@njit(cache=True)
def _kleinberg_row(u, side, dim, periodic, offsets, radius, long_dst, q, out, a, write):
    # Row u: every lattice node within ``radius`` (offsets sorted by their linear id shift,
    # so the row comes out nearly sorted), then each long-range contact that is neither a
    # local contact nor an earlier contact of u. Returns (row length, contacts dropped).
    c = _local_scan(u, side, dim, periodic, offsets, offsets.shape[0], out, a, write)
    dropped = 0
    for t in range(q):
        v = long_dst[u * q + t]
        dup = _lattice_within(u, v, side, dim, periodic, radius)
        if not dup:
            for t2 in range(t):
                if long_dst[u * q + t2] == v:
                    dup = True
                    break
        if dup:
            dropped += 1
        else:
            if write:
                out[a + c] = v
            c += 1
    if write:  # insertion sort: O(row + inversions), the local part is (nearly) in order
        for j in range(a + 1, a + c):
            x = out[j]
            i = j - 1
            while i >= a and out[i] > x:
                out[i + 1] = out[i]
                i -= 1
            out[i + 1] = x
    return c, dropped


@njit(cache=True, parallel=True)
def kleinberg_csr(side, dim, periodic, offsets, radius, long_dst, q, block):
    """Directed Kleinberg CSR straight from the lattice and the long-range contacts.

    Row u lists every node within lattice distance ``radius`` (``offsets``: the ball, sorted
    by linear id shift; no two offsets may wrap onto the same node, i.e. side > 2 radius on a
    torus) and u's distinct long-range contacts ``long_dst[u*q:(u+1)*q]`` that are not local
    contacts, sorted. Returns ``(indptr, indices, dropped)``, dropped = contacts merged
    away. Two passes parallel over node blocks (count, then fill); no edge list is built.
    O(n (|ball| + q^2)).
    """
    n = side ** dim
    nb = (n + block - 1) // block
    indptr = np.zeros(n + 1, dtype=np.int64)
    dropped_b = np.zeros(nb, dtype=np.int64)
    none = np.empty(0, dtype=np.int32)
    for b in prange(nb):
        dr = 0
        for u in range(b * block, min(n, (b + 1) * block)):
            c, d = _kleinberg_row(u, side, dim, periodic, offsets, radius, long_dst, q, none, 0, False)
            indptr[u + 1] = c
            dr += d
        dropped_b[b] = dr
    for u in range(n):
        indptr[u + 1] += indptr[u]
    indices = np.empty(indptr[n], dtype=np.int32)
    for b in prange(nb):
        for u in range(b * block, min(n, (b + 1) * block)):
            _kleinberg_row(u, side, dim, periodic, offsets, radius, long_dst, q, indices, indptr[u], True)
    return indptr, indices, dropped_b.sum()


# ---------------------------------------------------------------------------- hierarchical identity
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
        if hashset_insert(table, _pair_key(i, j, n)):
            src[c] = i
            dst[c] = j
            c += 1
    return src[:c], dst[:c], draws


# ---------------------------------------------------------------------------- rank-based geography
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


@njit(cache=True)
def one_way_filter(msrc, mdst, osrc, odst, n):
    """Keep-mask for arcs (osrc, odst): False if the pair is already a mutual pair or an
    earlier kept arc joins the same two nodes (either way). Serial, O(m) expected."""
    table = hashset_new(msrc.shape[0] + osrc.shape[0])
    for i in range(msrc.shape[0]):
        hashset_insert(table, _pair_key(msrc[i], mdst[i], n))
    keep = np.zeros(osrc.shape[0], dtype=np.bool_)
    for i in range(osrc.shape[0]):
        keep[i] = hashset_insert(table, _pair_key(osrc[i], odst[i], n))
    return keep
