"""Multi-source bit-parallel BFS (MS-BFS): many breadth-first searches in one sweep.

Each node carries ``W`` 64-bit words (``64 * W`` sources per batch); bit ``b`` of word
``w`` of node ``v`` says "source ``64 w + b`` of the batch has reached ``v``". Per node
there are three bitsets: ``seen`` (reached so far), ``visit`` (reached at the current
level, the frontiers of all searches at once) and ``nxt`` (reached at the next level). One
pass over the edges advances all searches of the batch by one level.

Per-source histograms are counted without materialising distances: each node's newly
reached bits are added, word by word, into bit-sliced ("vertical") binary counters, 64
lanes per word: first into 4-plane counters by a fixed, branch-free 4-step ripple (a
node's W words at once), flushed into 33-plane counters every 15 additions, so one
addition costs a few word operations instead of 64 bit tests or an unpredictable carry
loop; at the end of the level the counters are read out lane by lane into
``hist[source, level]``.

Each level runs top-down (push: frontier nodes OR their bits into their out-neighbours)
or bottom-up (pull: each node that some search has not reached yet ORs the frontier bits
of its in-neighbours, stopping as soon as every search has reached it), choosing the
cheaper side from the frontier's out-edges ``m_f`` and the unfinished nodes' in-edges
``m_u`` as in direction-optimizing BFS. From the first bottom-up level on, a level visits
only the nodes that some search of the batch has not reached yet (a list compacted level by
level) instead of all ``n`` rows: on a power-law graph the last levels of a batch find a
few dozen such nodes, and two or three of them were full passes over the bitsets.

Batches are independent tasks (each thread runs every T-th batch in its own bitsets), so
the output is identical on any number of threads. The batch kernel is compiled once per width ``W`` in
:data:`WIDTHS` with ``W`` a constant (sources are cut into batches of these widths with no
idle word, :func:`batch_plan`), so every per-node loop over words is unrolled; a node's
row of ``W <= 8`` words is one 64-byte-aligned cache line, and the rows that the arcs reach
at random are prefetched a few arcs ahead. Row updates are LLVM vector operations on the
whole row (``WORDS_*`` in :mod:`.llvm_intrinsics`): one load, OR and store per arc instead
of ``W`` scalar read-modify-writes, whose ``W`` stores per arc filled the store buffer and
limited the cache misses in flight (1.5-1.7x less CPU per batch on a 100k-node power law).

References
----------
M. Then, M. Kaufmann, F. Chirigati, T.-A. Hoang-Vu, K. Pham, A. Kemper, T. Neumann,
H. T. Vo, "The More the Merrier: Efficient Multi-Source Graph Traversal", PVLDB 8(4),
2014, doi:10.14778/2735496.2735507.
S. Beamer, K. Asanovic, D. Patterson, "Direction-optimizing breadth-first search",
SC 2012, doi:10.1109/SC.2012.50.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange, uint64

from .llvm_intrinsics import (WORDS_ABSORB, WORDS_LOAD, WORDS_OR, WORDS_OR_FULL, WORDS_RIPPLE4, advise_huge_pages,
                              popcount64, prefetch_read)

_ALL = uint64(0xFFFFFFFFFFFFFFFF)
_ONE = uint64(1)
_COUNTER_BITS = 33  # lanes count up to n < 2^31 (int32 node ids), plus headroom

#: Words per node a batch may use; each width has its own compiled batch kernel.
WIDTHS = (1, 2, 4, 8)
#: Arcs ahead whose bitset row is prefetched: each arc reads (pull) or updates (push) the
#: row of a random node, a cache miss on large graphs; hinting it early overlaps the waits.
PREFETCH_DISTANCE = 8
#: Arcs ahead whose row is prefetched in top-down levels, across row ends.
PUSH_PREFETCH = 32
#: Nodes ahead whose first in-arcs' rows are prefetched in bottom-up levels.
PREFETCH_NODES = 4

# What a batch records per level.
MODE_ECCENTRICITY = 0   # eccentricities only
MODE_PER_SOURCE = 1     # per-source histograms (bit-sliced counters)
MODE_TOTAL = 2          # one histogram for the whole batch (popcounts)


@njit(cache=True)
def _lane_mask(n_bits):
    if n_bits >= 64:
        return _ALL
    if n_bits <= 0:
        return uint64(0)
    return (_ONE << uint64(n_bits)) - _ONE


#: Planes of the small per-lane counters that new bits are added to (counts up to 15), and
#: how many additions they take before being flushed into the wide counters.
_SMALL_BITS = 4
_SMALL_MAX = (1 << _SMALL_BITS) - 1


@njit(cache=True, inline="always")
def _flush_counters(small, counters, W):
    """Add the 4-plane vertical numbers in ``small`` (plane-major: plane ``j`` of word ``w`` is
    ``small[j * W + w]``) into the wide ones ``counters[w]`` (bit-sliced ripple-carry addition,
    64 lanes per word) and clear ``small``."""
    for w in range(W):
        carry = uint64(0)
        for j in range(_COUNTER_BITS):
            x = small[j * W + w] if j < _SMALL_BITS else uint64(0)
            if j >= _SMALL_BITS and carry == 0:
                break
            t = counters[w, j]
            counters[w, j] = t ^ x ^ carry
            carry = (t & x) | (carry & (t ^ x))
        for j in range(_SMALL_BITS):
            small[j * W + w] = 0


@njit(cache=True, inline="always")
def _any_word(a):
    for i in range(a.shape[0]):
        if a[i] != 0:
            return True
    return False


#: Bitsets of at least this many bytes start on a 2 MiB boundary and get huge pages.
_HUGE_BYTES = 1 << 22
_HUGE_PAGE = 1 << 21


@njit(cache=True)
def _bitset_rows(n, W):
    """Uninitialised uint64[n, W] whose rows start on 64-byte boundaries, so a node's W <= 8
    words are one cache line (numpy's own buffers are only 16-byte aligned: half the rows of
    width 4 and every row of width 8 would straddle two lines).

    From 4 MiB on, the rows start on a 2 MiB boundary (the allocation is 2 MiB larger, in
    untouched virtual memory) and the memory is advised to huge pages
    (:func:`.llvm_intrinsics.advise_huge_pages`), as NumPy advises its own large arrays: a
    worker's three fresh bitsets of a 512-source batch on 100k nodes (19 MB) took ~4,700 page
    faults, 8-10 ms of system time per call, about a fifth of the call's CPU.
    """
    size = n * W
    if size * 8 < _HUGE_BYTES:
        raw = np.empty(size + 8, dtype=np.uint64)
        off = ((64 - (raw.ctypes.data & 63)) & 63) >> 3
        return raw[off:off + size].reshape((n, W))
    raw = np.empty(size + _HUGE_PAGE // 8, dtype=np.uint64)
    off = ((_HUGE_PAGE - (raw.ctypes.data & (_HUGE_PAGE - 1))) & (_HUGE_PAGE - 1)) >> 3
    rows = raw[off:off + size]
    advise_huge_pages(rows)
    return rows.reshape((n, W))


def _make_batch_kernel(W):
    """The batch kernel for ``W`` words per node, with ``W`` a compile-time constant.

    Every per-node loop then runs over a fixed number of words, which LLVM unrolls into
    register operations (and vector instructions) instead of a counted loop per word.
    """

    words_or = WORDS_OR[W]
    words_or_full = WORDS_OR_FULL[W]
    words_load = WORDS_LOAD[W]
    words_absorb = WORDS_ABSORB[W]
    words_ripple = WORDS_RIPPLE4[W]

    def batch(push_indptr, push_indices, pull_indptr, pull_indices, sources, start, stop,
              alpha, hist, hist_row, ecc, mode, seen, visit, nxt, live):
        want_hist = mode == MODE_PER_SOURCE
        want_total = mode == MODE_TOTAL
        n = push_indptr.shape[0] - 1
        n_arcs = push_indptr[n]
        nb = stop - start
        cap = hist.shape[1]
        # Lanes without a source start "seen", so "all words == ALL" means "every search has been here".
        unused = np.empty(W, dtype=np.uint64)
        for w in range(W):
            unused[w] = ~_lane_mask(nb - 64 * w)
        # two plain fills (vectorised), then the idle lanes of a partly filled last batch
        seen[:, :] = 0
        visit[:, :] = 0
        for w in range(W):
            if unused[w] != 0:
                for v in range(n):
                    seen[v, w] = unused[w]
        for i in range(nb):
            s = sources[start + i]
            bit = _ONE << uint64(i & 63)
            seen[s, i >> 6] |= bit
            visit[s, i >> 6] |= bit
            ecc[start + i] = 0
        # Frontier out-arcs and unfinished in-arcs from the sources alone: only a source can
        # be active, and only a source can be done (other nodes keep a lane unseen). Both
        # sums only steer push/pull, never the result.
        m_f = 0
        m_u = pull_indptr[n]
        for i in range(nb):
            s = sources[start + i]
            m_f += push_indptr[s + 1] - push_indptr[s]
            done = _ALL
            for w in range(W):
                done &= seen[s, w]
            if done == _ALL:  # sources are distinct: each counted once
                m_u -= pull_indptr[s + 1] - pull_indptr[s]

        counters = np.zeros((W, _COUNTER_BITS), dtype=np.uint64)
        small = np.zeros(_SMALL_BITS * W, dtype=np.uint64)  # plane-major, see _flush_counters
        reached = np.zeros(W, dtype=np.uint64)
        acc = np.empty(W, dtype=np.uint64)
        new = np.empty(W, dtype=np.uint64)
        # n_live >= 0: only live[:n_live] (in increasing order) can still get new bits; the
        # others are done, so a level visits these instead of all n rows (see below).
        n_live = -1
        level = 0
        while True:
            pull = n_live >= 0 or m_f * alpha > m_u
            level += 1
            # Level 1 pushed from the sources alone touches only their neighbours' rows: a
            # pass over all n rows (and clearing nxt) would cost more than the level itself.
            sparse = level == 1 and not pull
            any_new = False
            m_f = 0
            if not sparse:
                m_u = 0
            for w in range(W):
                reached[w] = 0
            pending = 0
            level_total = 0
            if sparse:
                for i in range(nb):
                    s = sources[start + i]
                    for k in range(push_indptr[s], push_indptr[s + 1]):
                        v = push_indices[k]
                        for w in range(W):
                            nxt[v, w] = 0
                for i in range(nb):
                    s = sources[start + i]
                    for k in range(push_indptr[s], push_indptr[s + 1]):
                        words_or(nxt, np.int64(push_indices[k]) * W, visit, np.int64(s) * W)
                for i in range(nb):
                    s = sources[start + i]
                    for w in range(W):
                        visit[s, w] = 0
                # Idempotent per node (a node next to several sources is met several times):
                # the second meeting finds no new bit.
                for i in range(nb):
                    s = sources[start + i]
                    for k in range(push_indptr[s], push_indptr[s + 1]):
                        v = push_indices[k]
                        active = uint64(0)
                        was = _ALL
                        done = _ALL
                        for w in range(W):
                            x = nxt[v, w] & ~seen[v, w]
                            acc[w] = x
                            was &= seen[v, w]
                            seen[v, w] |= x
                            visit[v, w] |= x
                            done &= seen[v, w]
                            active |= x
                            reached[w] |= x
                            if want_total:
                                level_total += popcount64(x)
                        if active != 0:
                            any_new = True
                            m_f += push_indptr[v + 1] - push_indptr[v]
                            if done == _ALL and was != _ALL:
                                m_u -= pull_indptr[v + 1] - pull_indptr[v]
                            if want_hist:
                                words_ripple(small, acc)
                                pending += 1
                                if pending == _SMALL_MAX:
                                    _flush_counters(small, counters, W)
                                    pending = 0
            elif not pull:
                # ---- top-down: frontier nodes OR their bits into their out-neighbours' nxt
                nxt[:, :] = 0
                for u in range(n):
                    active = uint64(0)
                    for w in range(W):
                        active |= visit[u, w]
                    if active == 0:
                        continue
                    a = push_indptr[u]
                    z = push_indptr[u + 1]
                    for k in range(a, z):
                        # hint across row ends: the next frontier node's arcs follow (most
                        # rows are shorter than the distance, and most nodes are active in
                        # the levels that cost)
                        if k + PUSH_PREFETCH < n_arcs:
                            prefetch_read(nxt, np.int64(push_indices[k + PUSH_PREFETCH]) * W)
                        words_or(nxt, np.int64(push_indices[k]) * W, visit, np.int64(u) * W)
            out = nxt if pull else visit  # where a level's new bits go (the next frontier)
            n_rows = 0 if sparse else (n if n_live < 0 else n_live)
            kept = 0
            for i in range(n_rows):
                v = i if n_live < 0 else np.int64(live[i])
                vw = np.int64(v) * W
                # acc = what has reached v: seen, plus (top-down) what the frontier pushed
                done = words_load(acc, seen, vw, nxt, vw, not pull)
                if pull and not done:
                    # ---- bottom-up, fused with the level's bookkeeping: v ORs the frontier
                    # bits of its in-neighbours (reading last level's visit, writing nxt)
                    a = pull_indptr[v]
                    z = pull_indptr[v + 1]
                    # Most nodes stop after a few in-arcs, so also hint the first in-arcs of
                    # a node a few places ahead: the in-row hints alone rarely get going.
                    if i + PREFETCH_NODES < n_rows:
                        ahead = i + PREFETCH_NODES if n_live < 0 else np.int64(live[i + PREFETCH_NODES])
                        k = pull_indptr[ahead]
                        e = min(k + 2, pull_indptr[ahead + 1])
                        while k < e:
                            prefetch_read(visit, np.int64(pull_indices[k]) * W)
                            k += 1
                    for k in range(a, z):
                        if k + PREFETCH_DISTANCE < z:
                            prefetch_read(visit, np.int64(pull_indices[k + PREFETCH_DISTANCE]) * W)
                        if words_or_full(acc, 0, visit, np.int64(pull_indices[k]) * W):
                            break  # every search has now reached v: the rest cannot add bits
                # ---- keep the new bits (seen = acc, out = acc & ~seen), count them, measure
                # the next frontier; a node every search had reached gets a zero row in out
                cnt, done = words_absorb(acc, seen, vw, out, vw, reached, new)
                if cnt != 0:
                    any_new = True
                    m_f += push_indptr[v + 1] - push_indptr[v]
                    if want_total:
                        level_total += cnt
                    if want_hist:
                        # add the new bits to the lanes' 4-bit vertical counters: a fixed
                        # 4-step ripple, branch-free over all words (a zero word adds nothing)
                        words_ripple(small, new)
                        pending += 1
                        if pending == _SMALL_MAX:
                            _flush_counters(small, counters, W)
                            pending = 0
                if not done:
                    m_u += pull_indptr[v + 1] - pull_indptr[v]
                    if pull:
                        live[kept] = v  # kept <= i: the list is compacted in place
                        kept += 1
            if pull:
                visit, nxt = nxt, visit
                # From the first bottom-up level on, visit only the nodes some search has not
                # reached (a late level of a power-law graph has a few hundred of them and
                # ~n done rows). Done nodes' rows are then left as they are instead of zeroed:
                # a node done at level L had its new bits written at L (read at L + 1); what
                # its rows hold later are bits it had by L, which every out-neighbour had by
                # L + 1, so a pull at L + 2 or later ORs in nothing new from them. Pull only
                # from here: a push would scan the stale rows (cost, not results).
                n_live = kept
            if not any_new:
                return level - 1
            if want_total and level < cap:
                hist[hist_row, level] += np.int64(level_total)
            top = 0
            if want_hist:
                _flush_counters(small, counters, W)
                top = _COUNTER_BITS
                while top > 0 and not _any_word(counters[:, top - 1]):
                    top -= 1
            for w in range(W):
                r = reached[w]
                if r == 0:
                    continue
                for b in range(64):
                    if (r >> uint64(b)) & _ONE:
                        i = 64 * w + b
                        ecc[start + i] = level
                        if want_hist and level < cap:
                            val = 0
                            for j in range(top):
                                val += np.int64((counters[w, j] >> uint64(b)) & _ONE) << j
                            hist[start + i, level] = val
                if want_hist:
                    for j in range(top):
                        counters[w, j] = 0

    batch.__name__ = batch.__qualname__ = f"_msbfs_batch_w{W}"
    batch.__doc__ = f"""Run the BFS of ``sources[start:stop]`` (at most {64 * W}) together, {W} word(s) per node.

    ``ecc[start + i]`` gets the eccentricity (largest finite distance) of source ``i``.
    ``mode == MODE_PER_SOURCE``: ``hist[start + i, d]`` gets the number of nodes at
    distance ``d >= 1`` from source ``i``; ``mode == MODE_TOTAL``: ``hist[hist_row, d]``
    gets that number summed over the batch (both for ``d < hist.shape[1]``).
    ``seen``, ``visit``, ``nxt``: uint64[n, {W}] work space (any contents; see
    :func:`_bitset_rows`), reused across the batches a thread runs.
    Returns the deepest level reached by any search of the batch.
    """
    return njit(cache=True)(batch)


_msbfs_batch_w1, _msbfs_batch_w2, _msbfs_batch_w4, _msbfs_batch_w8 = (_make_batch_kernel(w) for w in WIDTHS)


@njit(cache=True)
def batch_plan(n_sources, words):
    """Cut ``n_sources`` sources into batches that leave no 64-bit word idle.

    Sources are taken in chunks of ``64 * words``; a chunk needing ``k`` words (``k < 64 *
    words`` only for the last chunk) is split into batches of the compiled widths
    (:data:`WIDTHS`) by the binary decomposition of ``k`` (5 words: 4 + 1; 7: 4 + 2 + 1), so
    no batch runs with a whole word of idle lanes (only the last word of the last batch
    may be partly filled). Idle words cost their full share, since a level's time grows
    with the words per row: 320 sources on ``power_law(n=1_000_000, gamma=2.5,
    mean_degree=20, seed=1)``, one thread, took 1.04-1.16 s as one 8-word batch (3 words
    idle) and 0.89-0.91 s as 4 + 1 words (same process, load 16).

    Returns
    -------
    starts, stops, widths : int64[B]
        Batch ``b`` runs ``sources[starts[b]:stops[b]]`` with ``widths[b]`` words per
        node. Batches are ordered by width, widest first (stable), so that workers taking
        every ``T``-th batch get similar loads.
    """
    per = 64 * max(1, min(8, words))
    cap = 4 * ((n_sources + per - 1) // per) + 4
    st = np.empty(cap, dtype=np.int64)
    sp = np.empty(cap, dtype=np.int64)
    wd = np.empty(cap, dtype=np.int64)
    nb = 0
    lo = 0
    while lo < n_sources:
        hi = min(n_sources, lo + per)
        k = (hi - lo + 63) // 64  # words this chunk needs, 1..8: each width taken at most once
        for W in (8, 4, 2, 1):
            if k >= W:
                take = min(hi - lo, 64 * W)
                st[nb] = lo
                sp[nb] = lo + take
                wd[nb] = W
                nb += 1
                lo += take
                k -= W
    order = np.argsort(-wd[:nb], kind="mergesort")
    return st[:nb][order], sp[:nb][order], wd[:nb][order]


@njit(cache=True, parallel=True)
def _run_batches(push_indptr, push_indices, pull_indptr, pull_indices, sources, words, alpha, hist,
                 ecc, depth, mode, threads):
    """Run the batches of :func:`batch_plan` (at most ``64 * words`` sources each) over the numba threads.

    ``T = threads`` workers (``threads <= 0``: one per batch) each allocate their bitsets
    once, for the widest batch, and run batches ``t, t + T, t + 2T, ...`` of the plan (in
    parallel over numba's threads), viewing the same memory at each batch's width: fresh
    memory per batch would cost a page fault per 4 KiB and its zeroing, a large share of a
    batch on graphs of ~10^5 nodes, where exact distributions run hundreds of batches.
    Batches are independent, so results do not depend on ``T``. ``mode == MODE_TOTAL``
    sums batch ``b`` (of the plan) into ``hist[b]``; otherwise ``hist`` has a row per source.
    ``depth[b]`` gets the deepest level of plan batch ``b``.
    """
    S = sources.shape[0]
    starts, stops, widths = batch_plan(S, words)
    n_batches = starts.shape[0]
    n = push_indptr.shape[0] - 1
    Wmax = widths[0] if n_batches > 0 else 1
    # The caller passes the thread count: numba.get_num_threads() inside a kernel would keep
    # it from being cached.
    workers = n_batches if threads <= 0 else max(1, min(n_batches, threads))
    for t in prange(workers):
        seen_all = _bitset_rows(n, Wmax).reshape(n * Wmax)
        visit_all = _bitset_rows(n, Wmax).reshape(n * Wmax)
        nxt_all = _bitset_rows(n, Wmax).reshape(n * Wmax)
        live = np.empty(n, dtype=np.int32)
        for bi in range(t, n_batches, workers):
            start = starts[bi]
            stop = stops[bi]
            W = widths[bi]
            row = bi if mode == MODE_TOTAL else 0
            # rows of a narrower batch are W words apart in the same (64-byte aligned) memory
            seen = seen_all[:n * W].reshape((n, W))
            visit = visit_all[:n * W].reshape((n, W))
            nxt = nxt_all[:n * W].reshape((n, W))
            if W == 1:
                d = _msbfs_batch_w1(push_indptr, push_indices, pull_indptr, pull_indices, sources, start,
                                    stop, alpha, hist, row, ecc, mode, seen, visit, nxt, live)
            elif W == 2:
                d = _msbfs_batch_w2(push_indptr, push_indices, pull_indptr, pull_indices, sources, start,
                                    stop, alpha, hist, row, ecc, mode, seen, visit, nxt, live)
            elif W == 4:
                d = _msbfs_batch_w4(push_indptr, push_indices, pull_indptr, pull_indices, sources, start,
                                    stop, alpha, hist, row, ecc, mode, seen, visit, nxt, live)
            else:
                d = _msbfs_batch_w8(push_indptr, push_indices, pull_indptr, pull_indices, sources, start,
                                    stop, alpha, hist, row, ecc, mode, seen, visit, nxt, live)
            depth[bi] = d


@njit(cache=True)
def _n_batches(n_sources, words):
    return batch_plan(n_sources, words)[0].shape[0]


@njit(cache=True)
def msbfs_histograms(push_indptr, push_indices, pull_indptr, pull_indices, sources, words, cap,
                     alpha=1.0, threads=0):
    """Per-source distance histograms and eccentricities by bit-parallel multi-source BFS.

    Parameters
    ----------
    push_indptr, push_indices : CSR to search along (out-edges: distances *from* sources).
    pull_indptr, pull_indices : its transpose (the same arrays for undirected graphs).
    sources : int32[S] or int64[S]
        Distinct internal node ids.
    words : int
        64-bit words per node per bitset, 1..8: sources are cut into chunks of ``64 * words``,
        each run as batches of the compiled widths with no idle word (:func:`batch_plan`).
    cap : int
        Histogram width: distances ``>= cap`` are not counted (see the returned depths).
    alpha : float
        Pull when ``m_f * alpha > m_u`` (frontier out-edges vs unfinished in-edges).
    threads : int
        Batches run at once, each worker reusing its bitsets (pass
        ``numba.get_num_threads()``); ``<= 0``: every batch its own (fresh memory per batch).

    Returns
    -------
    hist : int64[S, cap]
        ``hist[i, d]`` = number of nodes at distance exactly ``d`` from ``sources[i]``
        (``d >= 1``; column 0 is zero).
    ecc : int32[S]
        Eccentricity of each source (largest finite distance from it).
    depth : int64[n_batches]
        Deepest level per batch of :func:`batch_plan`; a batch with ``depth >= cap`` was
        truncated and must be rerun with a wider histogram.

    Notes
    -----
    Time O(L * (n * W + m * W)) per batch of 64 W sources (L levels; pull levels stop
    early), memory 24 n W + 4 n bytes per worker.
    """
    S = sources.shape[0]
    n_batches = _n_batches(S, words)
    hist = np.zeros((S, cap), dtype=np.int64)
    ecc = np.zeros(S, dtype=np.int32)
    depth = np.zeros(n_batches, dtype=np.int64)
    _run_batches(push_indptr, push_indices, pull_indptr, pull_indices, sources, words, alpha, hist, ecc,
                 depth, MODE_PER_SOURCE, threads)
    return hist, ecc, depth


@njit(cache=True)
def msbfs_total_histogram(push_indptr, push_indices, pull_indptr, pull_indices, sources, words, cap,
                          alpha=1.0, threads=0):
    """Distance histogram summed over all sources (no per-source rows), by MS-BFS.

    Same traversal as :func:`msbfs_histograms`; each level adds the popcount of the newly
    reached bits, which is cheaper than per-source counters. Returns ``hist`` int64[cap]
    (``hist[d]`` = pairs (source, v) at distance ``d >= 1``), ``ecc`` int32[S] and
    ``depth`` int64[n_batches] (a batch with ``depth >= cap`` was truncated).
    """
    S = sources.shape[0]
    n_batches = _n_batches(S, words)
    rows = np.zeros((n_batches, cap), dtype=np.int64)
    ecc = np.zeros(S, dtype=np.int32)
    depth = np.zeros(n_batches, dtype=np.int64)
    _run_batches(push_indptr, push_indices, pull_indptr, pull_indices, sources, words, alpha, rows, ecc,
                 depth, MODE_TOTAL, threads)
    hist = np.zeros(cap, dtype=np.int64)
    for bi in range(n_batches):
        for d in range(cap):
            hist[d] += rows[bi, d]
    return hist, ecc, depth


@njit(cache=True)
def msbfs_eccentricities(push_indptr, push_indices, pull_indptr, pull_indices, sources, words,
                         alpha=1.0, threads=0):
    """Eccentricity (largest finite BFS distance) of each source, by bit-parallel MS-BFS.

    Same traversal as :func:`msbfs_histograms` without the per-source counters.
    Returns int32[S].
    """
    S = sources.shape[0]
    n_batches = _n_batches(S, words)
    hist = np.zeros((S, 0), dtype=np.int64)
    ecc = np.zeros(S, dtype=np.int32)
    depth = np.zeros(n_batches, dtype=np.int64)
    _run_batches(push_indptr, push_indices, pull_indptr, pull_indices, sources, words, alpha, hist, ecc,
                 depth, MODE_ECCENTRICITY, threads)
    return ecc
