"""Chung-Lu (expected degrees) and configuration-model kernels for :mod:`simulate.generators.power_law`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ..random import next_below, next_double
from ..csr import chunk_cursors, sort_rows  # noqa: F401  moved to kernels.csr; old import path kept working
from .blocks import compact_blocks


@njit(cache=True, inline="always")
def _log1m(p):
    # log(1 - p) for 0 <= p < 1. Below 1e-3 the Taylor series to p^5 is exact to double
    # precision (truncation p^6/6 < 2e-16 p) and ~5x cheaper than log1p; Chung-Lu pair
    # probabilities are almost all that small.
    if p < 1.0e-3:
        return -p * (1.0 + p * (0.5 + p * (1.0 / 3.0 + p * (0.25 + p * 0.2))))
    return math.log1p(-p)


_LANDED = -2.0  # se[i] marker: the row's pending skip has landed on candidate sj[i], accept test due


@njit(cache=True, inline="always")
def _crossing_landing(e, h, span, j, t1, cend, tile, hi):
    # The landing candidate of a skip of Exp(1) amount ``e`` at rate ``h`` per candidate from
    # candidate j (span = e / h, t1 - j <= span < cend - j: it crosses the tile end t1), or -1
    # when the row finishes, exactly as the tile-by-tile sweep computed it: that sweep carried
    # ``e -= (t1 - j) * h`` over every tile end crossed and floored the rest's span in the
    # landing tile. Its rounding differs from the direct j + floor(span) by at most
    # ~(crossings + 3) 2^-53 span candidates (one rounding per subtraction, the division and the
    # direct division), so when span's fractional part is farther than 2^-50 (crossings + 3)
    # span from an integer both give the same candidate and the same finished/landed outcome
    # (every threshold compared against is an integer); otherwise (probability ~1e-11 per skip
    # at 10^7 columns) the carry chain is replayed, O(crossings) float operations.
    fl = math.floor(span)
    frac = span - fl
    slack = ((span - (t1 - j)) / tile + 5.0) * span * (2.0 ** -50)
    if frac > slack and frac < 1.0 - slack:
        return j + np.int64(fl)
    while True:
        e -= (t1 - j) * h
        j = t1
        t1 = min(hi, t1 + tile)
        span = e / h
        if span >= cend - j:
            return -1
        if span < t1 - j:
            return j + np.int64(math.floor(span))


@njit(cache=True)
def _chung_lu_block(r0, r1, row_w, row_node, row_start, row_end, row_inv_s, row_excl, col_w, col_node,
                    col_group, tile, st, mode, src, dst, c0, limit, deg, cur, out, band_end, band_inv_s):
    # Miller & Hagberg (2011) for rows [r0, r1): candidates j sorted by weight (descending),
    # so p = min(1, rw * col_w[j] / S) only decreases; skip geometrically with the current p
    # and accept the landing candidate with probability q / p (thinning; no draw when q = p,
    # e.g. saturated pairs). Expected O(1 + edges) per row.
    #
    # Cache tiling: the block's candidates are cut into tiles of ``tile`` columns from the
    # smallest row start ``lo``, and the work is done tile by tile, so the weights it reads
    # stay in cache (one row at a time would jump over all n columns, a cache miss per visit
    # once n is ~1M). A skip is drawn as an Exp(1) amount E spent at rate h = -log(1 - p)
    # per candidate (gap = floor(E / h), the inverse-CDF geometric). Bucket queue: each row
    # with work left waits in the bucket of the tile holding its next candidate (``head`` /
    # ``nxt`` linked lists) and is visited only there, rows of a tile in increasing order;
    # a skip that lands in a later tile moves the row straight to that tile's bucket
    # (:func:`_crossing_landing`). O(rows + landings log + tiles) per block, where the old
    # sweep visited every row in every tile (rows x tiles, ~n^2 / tile in all). The random
    # stream is consumed in the same order as by that sweep (per tile, rows in increasing
    # order; a skip crossing tiles draws nothing until it lands), so graphs are bit-identical
    # to it (tests/naive.py keeps it as the oracle).
    #
    # ``band_end`` / ``band_inv_s`` (when not empty): candidates j < ``band_end[r]`` (a prefix of
    # the row's range, the candidates of similar weight) get ``band_inv_s[r]`` added to the
    # row's factor, so q stays non-increasing along the row and the thinning above holds.
    #
    # ``row_excl[r] >= 0`` (when ``row_excl`` is not empty) rejects candidates j with
    # ``col_group[j] == row_excl[r]`` after they are drawn: the pair's probability becomes 0
    # without changing any other pair's draw (a cross-group-only layer).
    # What happens to an accepted edge (rnode, v) depends on ``mode``:
    #   0: written to src/dst at c0.. while below limit;
    #   1: counted, deg[rnode] += 1 and deg[v] += 1 (the caller's private counter row);
    #   2: scattered as both arcs, out[cur[rnode]] = v, out[cur[v]] = rnode, cursors advanced;
    #   3: counted at the row's node only, deg[rnode] += 1 (directed arcs rnode -> v);
    #   4: scattered as the one arc rnode -> v, out[cur[rnode]] = v, cursor advanced.
    nr = r1 - r0
    if nr <= 0:
        return 0
    sj = np.empty(nr, dtype=np.int64)
    sp = np.empty(nr, dtype=np.float64)
    se = np.full(nr, -1.0)  # unspent exponential; -1: none pending; _LANDED: accept test due at sj
    lo = row_start[r0]
    hi = row_end[r0]
    for i in range(nr):
        r = r0 + i
        sj[i] = row_start[r]
        if sj[i] < row_end[r] and row_w[r] > 0.0:
            f = row_inv_s[r]
            if band_end.shape[0] > 0 and sj[i] < band_end[r]:
                f += band_inv_s[r]
            sp[i] = min(1.0, row_w[r] * col_w[sj[i]] * f)
        else:
            sp[i] = 0.0
        lo = min(lo, row_start[r])
        hi = max(hi, row_end[r])
    if hi <= lo:
        return 0
    ntiles = (hi - lo + tile - 1) // tile
    head = np.full(ntiles, -1, dtype=np.int64)
    nxt = np.empty(nr, dtype=np.int64)
    # Push in decreasing row order, so each initial bucket lists its rows increasing.
    for i in range(nr - 1, -1, -1):
        if sp[i] > 0.0:
            b = (sj[i] - lo) // tile
            nxt[i] = head[b]
            head[b] = i
    buf = np.empty(nr, dtype=np.int64)
    c = 0
    for b in range(ntiles):
        if head[b] < 0:
            continue
        t0 = lo + b * tile
        t1 = min(hi, t0 + tile)
        cnt = 0
        i = head[b]
        while i >= 0:
            buf[cnt] = i
            cnt += 1
            i = nxt[i]
        head[b] = -1
        # Rows arrive from earlier tiles in increasing runs; the sweep's order is increasing.
        rows = buf[:cnt]
        rows.sort()
        for k in range(cnt):
            i = rows[k]
            p = sp[i]
            j = sj[i]
            e = se[i]
            r = r0 + i
            rw = row_w[r]
            inv_s = row_inv_s[r]
            cend = row_end[r]
            rnode = row_node[r]
            excl = row_excl[r] if row_excl.shape[0] > 0 else -1
            bend = band_end[r] if band_end.shape[0] > 0 else -1
            binv = band_inv_s[r] if band_end.shape[0] > 0 else 0.0
            while True:
                if p < 1.0:
                    if e == _LANDED:
                        e = -1.0
                    else:
                        if e < 0.0:
                            e = -math.log(1.0 - next_double(st))
                        h = -_log1m(p)
                        span = e / h
                        if span >= cend - j:  # no further candidate: the row is finished
                            p = 0.0
                            break
                        if span >= t1 - j:  # lands beyond this tile: wait in its bucket
                            j = _crossing_landing(e, h, span, j, t1, cend, tile, hi)
                            if j < 0:
                                p = 0.0
                            e = _LANDED
                            break
                        j += np.int64(math.floor(span))
                        e = -1.0
                elif j >= t1:
                    break
                q = min(1.0, rw * col_w[j] * (inv_s + binv if j < bend else inv_s))
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
                        elif mode == 3:
                            deg[rnode] += 1
                        elif mode == 4:
                            out[cur[rnode]] = v
                            cur[rnode] += 1
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
            if p > 0.0:
                nb_ = (j - lo) // tile
                nxt[i] = head[nb_]
                head[nb_] = i
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
    ``[cap_ptr[b], cap_ptr[b+1])`` (module notes). A block works through its candidates
    in tiles of ``tile`` columns (default 65,536: ~1 MiB of weights and ids, cache-resident),
    each row visited only in the tiles holding its next candidate (a bucket queue), which
    changes no probability. O(n + m + tiles per block) expected. Optional ``row_excl`` / ``col_group``
    (int64): row r never joins a candidate j with ``col_group[j] == row_excl[r]`` (rows with
    ``row_excl[r] < 0`` join any); see :func:`chung_lu_count`.
    """
    nb = row_bounds.shape[0] - 1
    no_i64 = np.empty(0, dtype=np.int64)
    no_i32 = np.empty(0, dtype=np.int32)
    ex = no_i64 if row_excl is None else row_excl
    cg = no_i64 if col_group is None else col_group
    no_f64 = np.empty(0, dtype=np.float64)
    src_c = np.empty(cap_ptr[nb], dtype=np.int32)
    dst_c = np.empty(cap_ptr[nb], dtype=np.int32)
    counts = np.zeros(nb, dtype=np.int64)
    for b in prange(nb):
        st = states[b].copy()
        counts[b] = _chung_lu_block(row_bounds[b], row_bounds[b + 1], row_w, row_node, row_start, row_end,
                                    row_inv_s, ex, col_w, col_node, cg, tile, st, 0, src_c, dst_c, cap_ptr[b],
                                    cap_ptr[b + 1], no_i64, no_i64, no_i32, no_i64, no_f64)
    src, dst, offs = compact_blocks(src_c, dst_c, cap_ptr, counts)
    for b in range(nb):
        if counts[b] > cap_ptr[b + 1] - cap_ptr[b]:  # overflow: re-run from the same stream
            st = states[b].copy()
            _chung_lu_block(row_bounds[b], row_bounds[b + 1], row_w, row_node, row_start, row_end,
                            row_inv_s, ex, col_w, col_node, cg, tile, st, 0, src, dst, offs[b], offs[b + 1],
                            no_i64, no_i64, no_i32, no_i64, no_f64)
    return src, dst


@njit(cache=True, parallel=True)
def chung_lu_count(row_w, row_node, row_start, row_end, row_inv_s, row_excl, col_w, col_node, col_group,
                   row_bounds, states, n, chunks, tile=1 << 16, band_end=None, band_inv_s=None):
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
    # no band: empty slices of the same types (``band_end`` has ``row_end``'s dtype)
    be = row_end[:0] if band_end is None else band_end
    bi = row_inv_s[:0] if band_inv_s is None else band_inv_s
    for t in prange(chunks):
        d = deg[t]
        for b in range(t, nb, chunks):
            st = states[b].copy()
            _chung_lu_block(row_bounds[b], row_bounds[b + 1], row_w, row_node, row_start, row_end, row_inv_s,
                            row_excl, col_w, col_node, col_group, tile, st, 1, no_i32, no_i32, 0, 0, d, no_i64,
                            no_i32, be, bi)
    return deg


@njit(cache=True, parallel=True)
def chung_lu_scatter(row_w, row_node, row_start, row_end, row_inv_s, row_excl, col_w, col_node, col_group,
                     row_bounds, states, cursors, indices, tile=1 << 16, band_end=None, band_inv_s=None):
    """Pass 2: regenerate pass 1's edges from the same streams and write both arcs into CSR.

    ``cursors`` come from :func:`simulate.kernels.csr.chunk_cursors` (chunk t = ``b % chunks`` writes only inside
    its own sub-range of each row, so threads never collide); ``indices`` (int32, all arcs)
    is filled in place, rows unsorted (see :func:`simulate.kernels.csr.sort_rows`). Memory: nothing beyond the
    CSR and the cursors.
    """
    nb = row_bounds.shape[0] - 1
    chunks = cursors.shape[0]
    no_i32 = np.empty(0, dtype=np.int32)
    # no band: empty slices of the same types (``band_end`` has ``row_end``'s dtype)
    be = row_end[:0] if band_end is None else band_end
    bi = row_inv_s[:0] if band_inv_s is None else band_inv_s
    for t in prange(chunks):
        cur = cursors[t]
        for b in range(t, nb, chunks):
            st = states[b].copy()
            _chung_lu_block(row_bounds[b], row_bounds[b + 1], row_w, row_node, row_start, row_end, row_inv_s,
                            row_excl, col_w, col_node, col_group, tile, st, 2, no_i32, no_i32, 0, 0, cur, cur,
                            indices, be, bi)


@njit(cache=True, parallel=True)
def chung_lu_arc_count(row_w, row_node, row_start, row_end, row_inv_s, col_w, col_node, row_bounds, states, n,
                       tile=1 << 16):
    """Pass 1 of the two-pass build of *directed* Chung-Lu arcs ``row_node[r] -> col_node[j]``:
    out-degree counts, no arc stored.

    Same model, blocks and streams as :func:`chung_lu_edges` (no exclusions). Every node is
    the ``row_node`` of at most one row, so a block only touches its own rows' counters and
    one int64 counter per node suffices (no per-chunk copies). O(n + arcs) time.
    """
    nb = row_bounds.shape[0] - 1
    deg = np.zeros(n, dtype=np.int64)
    no_i32 = np.empty(0, dtype=np.int32)
    no_i64 = np.empty(0, dtype=np.int64)
    no_f64 = np.empty(0, dtype=np.float64)
    for b in prange(nb):
        st = states[b].copy()
        _chung_lu_block(row_bounds[b], row_bounds[b + 1], row_w, row_node, row_start, row_end, row_inv_s,
                        no_i64, col_w, col_node, no_i64, tile, st, 3, no_i32, no_i32, 0, 0, deg, no_i64, no_i32,
                        no_i64, no_f64)
    return deg


@njit(cache=True, parallel=True)
def chung_lu_arc_scatter(row_w, row_node, row_start, row_end, row_inv_s, col_w, col_node, row_bounds, states,
                         cursors, out, tile=1 << 16):
    """Pass 2: regenerate :func:`chung_lu_arc_count`'s arcs from the same streams and write each
    arc ``u -> v`` as ``out[cursors[u]] = v`` (cursors advanced in place; rows unsorted).

    ``cursors[u]`` starts where row u's arcs go; as in pass 1 a row belongs to one block, so
    threads never share a cursor. Memory: nothing beyond ``out`` and the cursors.
    """
    nb = row_bounds.shape[0] - 1
    no_i32 = np.empty(0, dtype=np.int32)
    no_i64 = np.empty(0, dtype=np.int64)
    no_f64 = np.empty(0, dtype=np.float64)
    for b in prange(nb):
        st = states[b].copy()
        _chung_lu_block(row_bounds[b], row_bounds[b + 1], row_w, row_node, row_start, row_end, row_inv_s,
                        no_i64, col_w, col_node, no_i64, tile, st, 4, no_i32, no_i32, 0, 0, cursors, cursors,
                        out, no_i64, no_f64)


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
