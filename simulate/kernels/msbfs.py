"""Multi-source bit-parallel BFS (MS-BFS): many breadth-first searches in one sweep.

Each node carries ``W`` 64-bit words (``64 * W`` sources per batch); bit ``b`` of word
``w`` of node ``v`` says "source ``64 w + b`` of the batch has reached ``v``". Per node
there are three bitsets: ``seen`` (reached so far), ``visit`` (reached at the current
level, the frontiers of all searches at once) and ``nxt`` (reached at the next level). One
pass over the edges advances all searches of the batch by one level.

Per-source histograms are counted without materialising distances: each level's newly
reached bits are added, word by word, into bit-sliced ("vertical") binary counters, one
64-lane counter per word, so one word addition costs a short carry chain instead of 64
bit tests; at the end of the level the counters are read out lane by lane into
``hist[source, level]``.

Each level runs top-down (push: frontier nodes OR their bits into their out-neighbours)
or bottom-up (pull: each node that some search has not reached yet ORs the frontier bits
of its in-neighbours, stopping as soon as every search has reached it), choosing the
cheaper side from the frontier's out-edges ``m_f`` and the unfinished nodes' in-edges
``m_u`` as in direction-optimizing BFS.

Batches are independent tasks (``prange`` over batches), so the output is identical on
any number of threads.

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
from numba import njit, prange, types, uint64
from numba.extending import intrinsic

_ALL = uint64(0xFFFFFFFFFFFFFFFF)
_ONE = uint64(1)
_COUNTER_BITS = 33  # lanes count up to n < 2^31 (int32 node ids), plus headroom


@intrinsic
def popcount64(typingctx, x):
    """Number of set bits of a uint64 (LLVM ``ctpop``: one POPCNT instruction on x86-64)."""
    if not isinstance(x, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return types.uint64(types.uint64), codegen


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


@njit(cache=True)
def _msbfs_batch(push_indptr, push_indices, pull_indptr, pull_indices, sources, start, stop,
                 words, alpha, hist, hist_row, ecc, mode):
    """Run the BFS of ``sources[start:stop]`` together.

    ``ecc[start + i]`` gets the eccentricity (largest finite distance) of source ``i``.
    ``mode == MODE_PER_SOURCE``: ``hist[start + i, d]`` gets the number of nodes at
    distance ``d >= 1`` from source ``i``; ``mode == MODE_TOTAL``: ``hist[hist_row, d]``
    gets that number summed over the batch (both for ``d < hist.shape[1]``).
    Returns the deepest level reached by any search of the batch.
    """
    want_hist = mode == MODE_PER_SOURCE
    want_total = mode == MODE_TOTAL
    n = push_indptr.shape[0] - 1
    W = words
    nb = stop - start
    cap = hist.shape[1]
    seen = np.empty((n, W), dtype=np.uint64)
    visit = np.zeros((n, W), dtype=np.uint64)
    nxt = np.zeros((n, W), dtype=np.uint64)
    # Lanes without a source start "seen", so "all words == ALL" means "every search has been here".
    unused = np.empty(W, dtype=np.uint64)
    for w in range(W):
        unused[w] = ~_lane_mask(nb - 64 * w)
    for v in range(n):
        for w in range(W):
            seen[v, w] = unused[w]
    for i in range(nb):
        s = sources[start + i]
        bit = _ONE << uint64(i & 63)
        seen[s, i >> 6] |= bit
        visit[s, i >> 6] |= bit
        ecc[start + i] = 0
    m_f = 0
    m_u = 0
    for v in range(n):
        active = False
        done = True
        for w in range(W):
            if visit[v, w] != 0:
                active = True
            if seen[v, w] != _ALL:
                done = False
        if active:
            m_f += push_indptr[v + 1] - push_indptr[v]
        if not done:
            m_u += pull_indptr[v + 1] - pull_indptr[v]

    counters = np.zeros((W, _COUNTER_BITS), dtype=np.uint64)
    reached = np.zeros(W, dtype=np.uint64)
    acc = np.empty(W, dtype=np.uint64)
    level = 0
    while True:
        # ---- expand one level: fill nxt with bits that may be new at level + 1
        if m_f * alpha > m_u:
            for v in range(n):
                done = True
                for w in range(W):
                    acc[w] = 0
                    if seen[v, w] != _ALL:
                        done = False
                if done:
                    for w in range(W):
                        nxt[v, w] = 0
                    continue
                for k in range(pull_indptr[v], pull_indptr[v + 1]):
                    u = pull_indices[k]
                    complete = True
                    for w in range(W):
                        acc[w] |= visit[u, w]
                        if (acc[w] | seen[v, w]) != _ALL:
                            complete = False
                    if complete:
                        break  # every search has now reached v: the rest cannot add bits
                for w in range(W):
                    nxt[v, w] = acc[w]
        else:
            nxt[:, :] = 0
            for u in range(n):
                active = False
                for w in range(W):
                    if visit[u, w] != 0:
                        active = True
                        break
                if not active:
                    continue
                for k in range(push_indptr[u], push_indptr[u + 1]):
                    v = push_indices[k]
                    for w in range(W):
                        nxt[v, w] |= visit[u, w]
        level += 1
        # ---- keep the new bits, count them per lane, measure the next frontier
        any_new = False
        m_f = 0
        m_u = 0
        for w in range(W):
            reached[w] = 0
        top = 0
        level_total = 0
        for v in range(n):
            active = False
            done = True
            for w in range(W):
                x = nxt[v, w] & ~seen[v, w]
                visit[v, w] = x
                if x != 0:
                    active = True
                    seen[v, w] |= x
                    reached[w] |= x
                    if want_total:
                        level_total += popcount64(x)
                    elif want_hist:
                        # add x to the bit-sliced counter of word w (ripple carry)
                        c = x
                        j = 0
                        while c != 0:
                            t = counters[w, j] & c
                            counters[w, j] ^= c
                            c = t
                            j += 1
                        if j > top:
                            top = j
                if seen[v, w] != _ALL:
                    done = False
            if active:
                any_new = True
                m_f += push_indptr[v + 1] - push_indptr[v]
            if not done:
                m_u += pull_indptr[v + 1] - pull_indptr[v]
        if not any_new:
            return level - 1
        if want_total and level < cap:
            hist[hist_row, level] += np.int64(level_total)
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


@njit(cache=True, parallel=True)
def msbfs_histograms(push_indptr, push_indices, pull_indptr, pull_indices, sources, words, cap,
                     alpha=1.0):
    """Per-source distance histograms and eccentricities by bit-parallel multi-source BFS.

    Parameters
    ----------
    push_indptr, push_indices : CSR to search along (out-edges: distances *from* sources).
    pull_indptr, pull_indices : its transpose (the same arrays for undirected graphs).
    sources : int32[S] or int64[S]
        Distinct internal node ids.
    words : int
        64-bit words per node per bitset; batches hold ``64 * words`` sources.
    cap : int
        Histogram width: distances ``>= cap`` are not counted (see the returned depths).
    alpha : float
        Pull when ``m_f * alpha > m_u`` (frontier out-edges vs unfinished in-edges).

    Returns
    -------
    hist : int64[S, cap]
        ``hist[i, d]`` = number of nodes at distance exactly ``d`` from ``sources[i]``
        (``d >= 1``; column 0 is zero).
    ecc : int32[S]
        Eccentricity of each source (largest finite distance from it).
    depth : int64[n_batches]
        Deepest level per batch; a batch with ``depth >= cap`` was truncated and must be
        rerun with a wider histogram.

    Notes
    -----
    Time O(L * (n * W + m * W)) per batch of 64 W sources (L levels; pull levels stop
    early), memory 24 n W bytes per concurrently running batch.
    """
    S = sources.shape[0]
    per = 64 * words
    n_batches = (S + per - 1) // per
    hist = np.zeros((S, cap), dtype=np.int64)
    ecc = np.zeros(S, dtype=np.int32)
    depth = np.zeros(n_batches, dtype=np.int64)
    for bi in prange(n_batches):
        start = bi * per
        stop = min(S, start + per)
        depth[bi] = _msbfs_batch(push_indptr, push_indices, pull_indptr, pull_indices, sources,
                                 start, stop, words, alpha, hist, 0, ecc, MODE_PER_SOURCE)
    return hist, ecc, depth


@njit(cache=True, parallel=True)
def msbfs_total_histogram(push_indptr, push_indices, pull_indptr, pull_indices, sources, words, cap,
                          alpha=1.0):
    """Distance histogram summed over all sources (no per-source rows), by MS-BFS.

    Same traversal as :func:`msbfs_histograms`; each level adds the popcount of the newly
    reached bits, which is cheaper than per-source counters. Returns ``hist`` int64[cap]
    (``hist[d]`` = pairs (source, v) at distance ``d >= 1``), ``ecc`` int32[S] and
    ``depth`` int64[n_batches] (a batch with ``depth >= cap`` was truncated).
    """
    S = sources.shape[0]
    per = 64 * words
    n_batches = (S + per - 1) // per
    rows = np.zeros((n_batches, cap), dtype=np.int64)
    ecc = np.zeros(S, dtype=np.int32)
    depth = np.zeros(n_batches, dtype=np.int64)
    for bi in prange(n_batches):
        start = bi * per
        stop = min(S, start + per)
        depth[bi] = _msbfs_batch(push_indptr, push_indices, pull_indptr, pull_indices, sources,
                                 start, stop, words, alpha, rows, bi, ecc, MODE_TOTAL)
    hist = np.zeros(cap, dtype=np.int64)
    for bi in range(n_batches):
        for d in range(cap):
            hist[d] += rows[bi, d]
    return hist, ecc, depth


@njit(cache=True, parallel=True)
def msbfs_eccentricities(push_indptr, push_indices, pull_indptr, pull_indices, sources, words,
                         alpha=1.0):
    """Eccentricity (largest finite BFS distance) of each source, by bit-parallel MS-BFS.

    Same traversal as :func:`msbfs_histograms` without the per-source counters.
    Returns int32[S].
    """
    S = sources.shape[0]
    per = 64 * words
    n_batches = (S + per - 1) // per
    hist = np.zeros((S, 0), dtype=np.int64)
    ecc = np.zeros(S, dtype=np.int32)
    for bi in prange(n_batches):
        start = bi * per
        stop = min(S, start + per)
        _msbfs_batch(push_indptr, push_indices, pull_indptr, pull_indices, sources,
                     start, stop, words, alpha, hist, 0, ecc, MODE_ECCENTRICITY)
    return ecc
