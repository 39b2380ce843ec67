"""Numba kernels that build and transform CSR adjacency arrays.

Pure array code: no I/O, no configuration, no imports from the layers above.
Conventions used by every kernel in :mod:`simulate.kernels`:

* ``indptr`` is int64 of length ``n + 1``; ``indices`` is int32 of length ``indptr[n]``.
* Row ``u`` lists the out-neighbours of ``u`` sorted ascending, without duplicates or self-loops.
* An empty ``weights`` array (length 0) means "unweighted".
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True)
def _fill_rows(src, dst, weights, n):
    """Scatter arcs into rows (counting sort by source). O(n + m)."""
    m = src.shape[0]
    counts = np.zeros(n + 1, dtype=np.int64)
    for i in range(m):
        counts[src[i] + 1] += 1
    for u in range(n):
        counts[u + 1] += counts[u]
    indptr = counts.copy()
    pos = counts[:-1].copy()
    indices = np.empty(m, dtype=np.int32)
    has_w = weights.shape[0] > 0
    w_out = np.empty(m if has_w else 0, dtype=np.float64)
    for i in range(m):
        u = src[i]
        p = pos[u]
        indices[p] = dst[i]
        if has_w:
            w_out[p] = weights[i]
        pos[u] = p + 1
    return indptr, indices, w_out


@njit(cache=True, parallel=True)
def _sort_dedupe_rows(indptr, indices, weights):
    """Sort every row and drop repeated neighbours (keeping the largest weight).

    Returns the new row lengths; rows are compacted in place at their start.
    O(m log d_max); parallel over rows, so the result is independent of threads.
    """
    n = indptr.shape[0] - 1
    has_w = weights.shape[0] > 0
    new_len = np.zeros(n, dtype=np.int64)
    for u in prange(n):
        a = indptr[u]
        b = indptr[u + 1]
        if b - a == 0:
            continue
        if has_w:
            order = np.argsort(indices[a:b], kind="mergesort")
            row = indices[a:b][order]
            wrow = weights[a:b][order]
            k = 0
            for j in range(b - a):
                if k > 0 and row[j] == indices[a + k - 1]:
                    if wrow[j] > weights[a + k - 1]:
                        weights[a + k - 1] = wrow[j]
                    continue
                indices[a + k] = row[j]
                weights[a + k] = wrow[j]
                k += 1
        else:
            row = np.sort(indices[a:b])
            k = 0
            for j in range(b - a):
                if k > 0 and row[j] == indices[a + k - 1]:
                    continue
                indices[a + k] = row[j]
                k += 1
        new_len[u] = k
    return new_len


@njit(cache=True, parallel=True)
def _compact(indptr, indices, weights, new_len):
    n = indptr.shape[0] - 1
    new_indptr = np.zeros(n + 1, dtype=np.int64)
    for u in range(n):
        new_indptr[u + 1] = new_indptr[u] + new_len[u]
    m = new_indptr[n]
    out = np.empty(m, dtype=np.int32)
    has_w = weights.shape[0] > 0
    w_out = np.empty(m if has_w else 0, dtype=np.float64)
    for u in prange(n):
        a = indptr[u]
        c = new_indptr[u]
        for j in range(new_len[u]):
            out[c + j] = indices[a + j]
            if has_w:
                w_out[c + j] = weights[a + j]
    return new_indptr, out, w_out


def build_csr(src, dst, n, weights=None):
    """Build a sorted, duplicate-free CSR from arc arrays (self-loops must already be gone).

    Parameters
    ----------
    src, dst : ndarray of int64
        Arc endpoints in ``0..n-1``.
    n : int
        Number of nodes.
    weights : ndarray of float64, optional
        One weight per arc; duplicates keep the largest.

    Returns
    -------
    indptr : int64 ndarray, indices : int32 ndarray, weights : float64 ndarray (empty if unweighted)

    Notes
    -----
    Counting sort by source, then a per-row sort: O(n + m log d_max) time, about 2m extra int32.
    """
    w = np.empty(0, dtype=np.float64) if weights is None else np.ascontiguousarray(weights, dtype=np.float64)
    indptr, indices, w2 = _fill_rows(np.ascontiguousarray(src, dtype=np.int64),
                                     np.ascontiguousarray(dst, dtype=np.int64), w, int(n))
    new_len = _sort_dedupe_rows(indptr, indices, w2)
    if int(new_len.sum()) == indices.shape[0]:
        return indptr, indices, w2
    return _compact(indptr, indices, w2, new_len)


@njit(cache=True)
def transpose_csr(indptr, indices, weights):
    """Transpose (reverse every arc). Rows of the result come out sorted. O(n + m)."""
    n = indptr.shape[0] - 1
    m = indices.shape[0]
    counts = np.zeros(n + 1, dtype=np.int64)
    for i in range(m):
        counts[indices[i] + 1] += 1
    for u in range(n):
        counts[u + 1] += counts[u]
    pos = counts[:-1].copy()
    out = np.empty(m, dtype=np.int32)
    has_w = weights.shape[0] > 0
    w_out = np.empty(m if has_w else 0, dtype=np.float64)
    for u in range(n):
        for j in range(indptr[u], indptr[u + 1]):
            v = indices[j]
            p = pos[v]
            out[p] = u
            if has_w:
                w_out[p] = weights[j]
            pos[v] = p + 1
    return counts, out, w_out


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


@njit(cache=True, parallel=True)
def _transpose_count(indptr, indices, chunks):
    n = indptr.shape[0] - 1
    cnt = np.zeros((chunks, n), dtype=np.int64)
    for t in prange(chunks):
        c = cnt[t]
        for u in range(t * n // chunks, (t + 1) * n // chunks):
            for k in range(indptr[u], indptr[u + 1]):
                c[indices[k]] += 1
    return cnt


@njit(cache=True, parallel=True)
def _transpose_scatter(indptr, indices, cursors, out):
    chunks, n = cursors.shape
    for t in prange(chunks):
        cur = cursors[t]
        for u in range(t * n // chunks, (t + 1) * n // chunks):
            for k in range(indptr[u], indptr[u + 1]):
                v = indices[k]
                out[cur[v]] = u
                cur[v] += 1


def transpose_csr_chunked(indptr, indices, chunks):
    """Transpose of an unweighted CSR by counting, in parallel: the same arrays as :func:`transpose_csr`.

    Rows ``u`` are cut into ``chunks`` equal ranges. Pass 1 counts each range's arcs into
    every target (a counter row per range); :func:`chunk_cursors` turns the counts into the
    transpose's ``indptr`` and each range's write cursors inside every row; pass 2 writes
    ``u`` at its range's cursor. Ranges are in ascending order and write ascending ``u``, so
    rows come out sorted, whatever the thread count. Memory: the result (int32[m], int64[n + 1],
    allocated once) plus 8 n ``chunks`` bytes of counters; O(m + n chunks) time.
    """
    chunks = max(1, int(chunks))
    cursors = _transpose_count(indptr, indices, np.int64(chunks))
    t_indptr = chunk_cursors(cursors)
    out = np.empty(indices.shape[0], dtype=np.int32)
    _transpose_scatter(indptr, indices, cursors, out)
    return t_indptr, out


@njit(cache=True, parallel=True)
def _undirected_count(indptr, indices, chunks):
    # Row 0: out-degrees; row t + 1: arcs u -> v of chunk t's rows without a reverse, counted at v.
    n = indptr.shape[0] - 1
    cnt = np.zeros((chunks + 1, n), dtype=np.int64)
    for u in range(n):
        cnt[0, u] = indptr[u + 1] - indptr[u]
    for t in prange(chunks):
        c = cnt[t + 1]
        for u in range(t * n // chunks, (t + 1) * n // chunks):
            for k in range(indptr[u], indptr[u + 1]):
                v = indices[k]
                if not row_has(indptr, indices, v, u):
                    c[v] += 1
    return cnt


@njit(cache=True, parallel=True)
def _undirected_scatter(indptr, indices, cursors, out):
    chunks = cursors.shape[0] - 1
    n = cursors.shape[1]
    for t in prange(chunks):
        cur = cursors[t + 1]
        for u in range(t * n // chunks, (t + 1) * n // chunks):
            c0 = cursors[0, u]
            for k in range(indptr[u], indptr[u + 1]):
                v = indices[k]
                out[c0 + k - indptr[u]] = v
                if not row_has(indptr, indices, v, u):
                    out[cur[v]] = u
                    cur[v] += 1


def undirected_from_directed(indptr, indices, chunks):
    """Symmetric CSR of a directed one (every arc's reverse added once), without an edge list.

    Row u = u's out-neighbours plus every w with w -> u and no u -> w. Pass 1 counts, per chunk
    of source rows, the arcs whose reverse is missing (binary search in the target's sorted
    row); :func:`chunk_cursors` lays out each row as [out-neighbours | chunk 0's | chunk 1's ...];
    pass 2 writes, and rows are sorted. Rows of the input must be sorted. Memory: the result
    plus 8 n (chunks + 1) bytes; O(m log d) time. Same arrays on any thread count.
    """
    chunks = max(1, int(chunks))
    cursors = _undirected_count(indptr, indices, np.int64(chunks))
    u_indptr = chunk_cursors(cursors)
    out = np.empty(int(u_indptr[-1]), dtype=np.int32)
    _undirected_scatter(indptr, indices, cursors, out)
    del cursors
    sort_rows(u_indptr, out)
    return u_indptr, out


@njit(cache=True)
def in_degrees(indices, n):
    """In-degree of every node (int64[n]) from a CSR's ``indices``, without the int64 copy of
    ``indices`` that ``numpy.bincount`` makes (8 bytes per arc). O(m)."""
    deg = np.zeros(n, dtype=np.int64)
    for k in range(indices.shape[0]):
        deg[indices[k]] += 1
    return deg


@njit(cache=True)
def _find(parent, x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


@njit(cache=True, inline="always")
def _unite(parent, u, v):
    # Union by smaller root: roots are the smallest-numbered node seen, whatever the arc order.
    a = _find(parent, u)
    b = _find(parent, v)
    if a != b:
        if a < b:
            parent[b] = a
        else:
            parent[a] = b


#: Neighbours per node united in Afforest's sampling phase (Sutton et al. use 2).
AFFOREST_SAMPLED_NEIGHBOURS = 2


@njit(cache=True)
def _afforest_parent(indptr, indices):
    # Afforest (Sutton, Ben-Nun, Barak, IPDPS 2018, doi:10.1109/IPDPS.2018.00100) for a
    # symmetric CSR: unite each node with its first 2 neighbours, which already joins almost
    # all of a giant component; then every node outside the most frequent root unites its
    # remaining neighbours. Rows of giant-component nodes are never read past their first
    # arcs: an arc u -> v with u in the giant component and v outside is united from v's row
    # (its reverse). Serial: the saving is in arcs not read, not in threads.
    n = indptr.shape[0] - 1
    parent = np.arange(n, dtype=np.int32)
    r_max = AFFOREST_SAMPLED_NEIGHBOURS
    for r in range(r_max):
        for u in range(n):
            j = indptr[u] + r
            if j < indptr[u + 1]:
                _unite(parent, u, indices[j])
    # Most frequent root (ties: the smallest), counted over every node: deterministic.
    count = np.zeros(n, dtype=np.int32)
    for u in range(n):
        count[_find(parent, u)] += 1
    giant = 0
    for u in range(n):
        if count[u] > count[giant]:
            giant = u
    for u in range(n):
        if _find(parent, u) == giant:
            continue
        for j in range(indptr[u] + r_max, indptr[u + 1]):
            _unite(parent, u, indices[j])
    return parent


@njit(cache=True)
def weak_components(indptr, indices, symmetric=False):
    """Weakly connected component labels (0..k-1, numbered by smallest node). Union-find, O(m alpha(n)).

    With ``symmetric=True`` (undirected graphs: every arc has its reverse) Afforest's
    sampling is used (:func:`_afforest_parent`): nodes of the largest component read only
    their first two arcs, so a graph with a giant component costs ``O(n + arcs outside it)``.
    The labels are a function of the partition only (numbered by smallest node), so both
    paths give identical labels.
    """
    if symmetric:
        return _labels_by_smallest_node(_afforest_parent(indptr, indices))
    return weak_components_union_find(indptr, indices, False)


@njit(cache=True)
def weak_components_union_find(indptr, indices, symmetric=False):
    """:func:`weak_components` by plain union-find over every arc, O(arcs alpha(n)).

    With ``symmetric=True`` only arcs u -> v with v > u are united. Same labels as
    :func:`weak_components`; kept as its reference and benchmark baseline.
    """
    n = indptr.shape[0] - 1
    parent = np.arange(n, dtype=np.int32)
    for u in range(n):
        for j in range(indptr[u], indptr[u + 1]):
            if symmetric and indices[j] < u:
                continue
            _unite(parent, u, indices[j])
    return _labels_by_smallest_node(parent)


@njit(cache=True)
def _labels_by_smallest_node(parent):
    # Component k is the k-th component met in node order: a function of the partition alone.
    n = parent.shape[0]
    labels = np.empty(n, dtype=np.int32)
    root_label = np.full(n, -1, dtype=np.int32)
    k = 0
    for u in range(n):
        r = _find(parent, u)
        if root_label[r] < 0:
            root_label[r] = k
            k += 1
        labels[u] = root_label[r]
    return labels, k


@njit(cache=True)
def strong_components(indptr, indices):
    """Strongly connected component labels by iterative Tarjan. O(n + m) time and memory."""
    n = indptr.shape[0] - 1
    index = np.full(n, -1, dtype=np.int64)
    low = np.zeros(n, dtype=np.int64)
    on_stack = np.zeros(n, dtype=np.bool_)
    stack = np.empty(n, dtype=np.int32)
    sp = 0
    call_node = np.empty(n, dtype=np.int32)
    call_edge = np.empty(n, dtype=np.int64)
    labels = np.full(n, -1, dtype=np.int32)
    counter = 0
    k = 0
    for s in range(n):
        if index[s] >= 0:
            continue
        depth = 0
        call_node[0] = s
        call_edge[0] = indptr[s]
        index[s] = counter
        low[s] = counter
        counter += 1
        stack[sp] = s
        sp += 1
        on_stack[s] = True
        while depth >= 0:
            u = call_node[depth]
            e = call_edge[depth]
            if e < indptr[u + 1]:
                call_edge[depth] = e + 1
                v = indices[e]
                if index[v] < 0:
                    index[v] = counter
                    low[v] = counter
                    counter += 1
                    stack[sp] = v
                    sp += 1
                    on_stack[v] = True
                    depth += 1
                    call_node[depth] = v
                    call_edge[depth] = indptr[v]
                elif on_stack[v]:
                    if index[v] < low[u]:
                        low[u] = index[v]
            else:
                if low[u] == index[u]:
                    while True:
                        sp -= 1
                        w = stack[sp]
                        on_stack[w] = False
                        labels[w] = k
                        if w == u:
                            break
                    k += 1
                depth -= 1
                if depth >= 0:
                    p = call_node[depth]
                    if low[u] < low[p]:
                        low[p] = low[u]
    return labels, k


@njit(cache=True, parallel=True)
def induced_subgraph(indptr, indices, weights, keep):
    """CSR of the subgraph induced by the boolean mask ``keep``; nodes renumbered in order. O(n + m)."""
    n = indptr.shape[0] - 1
    new_id = np.full(n, -1, dtype=np.int64)
    k = 0
    for u in range(n):
        if keep[u]:
            new_id[u] = k
            k += 1
    old_of = np.empty(k, dtype=np.int64)
    for u in range(n):
        if keep[u]:
            old_of[new_id[u]] = u
    row_len = np.zeros(k, dtype=np.int64)
    for i in prange(k):
        u = old_of[i]
        c = 0
        for j in range(indptr[u], indptr[u + 1]):
            if keep[indices[j]]:
                c += 1
        row_len[i] = c
    new_indptr = np.zeros(k + 1, dtype=np.int64)
    for i in range(k):
        new_indptr[i + 1] = new_indptr[i] + row_len[i]
    out = np.empty(new_indptr[k], dtype=np.int32)
    has_w = weights.shape[0] > 0
    w_out = np.empty(new_indptr[k] if has_w else 0, dtype=np.float64)
    for i in prange(k):
        u = old_of[i]
        c = new_indptr[i]
        for j in range(indptr[u], indptr[u + 1]):
            v = indices[j]
            if keep[v]:
                out[c] = new_id[v]
                if has_w:
                    w_out[c] = weights[j]
                c += 1
    return new_indptr, out, w_out, old_of


# ---------------------------------------------------------------------------- CSR from unique edges
@njit(cache=True)
def _unique_edges_fill(src, dst, n, symmetric):
    # Counting sort by source (both directions when symmetric), rows left in input order.
    # Serial on purpose: two streaming passes with random access into n counters. (Cutting
    # the edges into chunks that each own a slice of every row was measured 3x *slower* on 2
    # threads: slices of one short row share cache lines, so the threads false-share.)
    # Self-loops are counted, not stored.
    m = src.shape[0]
    counts = np.zeros(n + 1, dtype=np.int64)
    loops = 0
    for i in range(m):
        u = src[i]
        v = dst[i]
        if u == v:
            loops += 1
            continue
        counts[u + 1] += 1
        if symmetric:
            counts[v + 1] += 1
    for u in range(n):
        counts[u + 1] += counts[u]
    pos = counts[:-1].copy()
    indices = np.empty(counts[n], dtype=np.int32)
    for i in range(m):
        u = src[i]
        v = dst[i]
        if u == v:
            continue
        indices[pos[u]] = v
        pos[u] += 1
        if symmetric:
            indices[pos[v]] = u
            pos[v] += 1
    return counts, indices, loops


@njit(cache=True)
def _count_row_repeats(indptr, indices):
    # Rows are sorted: a repeated arc shows up as two equal neighbours side by side. Serial:
    # one streaming pass is cheaper than waking a thread pool.
    n = indptr.shape[0] - 1
    r = 0
    for u in range(n):
        for j in range(indptr[u] + 1, indptr[u + 1]):
            if indices[j - 1] == indices[j]:
                r += 1
    return r


@njit(cache=True)
def _rows_strictly_increasing(indptr, indices):
    # True if every row is already strictly increasing (then it is sorted and repeat-free).
    # Stops at the first descent, so unsorted input costs almost nothing.
    n = indptr.shape[0] - 1
    for u in range(n):
        for j in range(indptr[u] + 1, indptr[u + 1]):
            if indices[j - 1] >= indices[j]:
                return False
    return True


def csr_from_unique_edges(src, dst, n, symmetric):
    """CSR straight from an edge list known to hold no duplicates and no self-loops.

    The fast path for generators that never emit a pair twice (Watts-Strogatz with its edge
    set, G(n, m), G(n, p), Barabasi-Albert with distinct targets, one Chung-Lu layer): no
    symmetrising copy, no per-row sort, no dedupe/compaction pass, int32 input used as is.

    Parameters
    ----------
    src, dst : ndarray of int32 or int64
        Edge endpoints in ``0..n-1``. Undirected (``symmetric``): each unordered pair at most
        once, in either orientation. Directed: each ordered pair at most once.
    n : int
        Number of nodes.
    symmetric : bool
        Store every edge as both arcs (undirected graph) instead of one arc u -> v.

    Returns
    -------
    indptr : int64 ndarray, shape (n + 1,)
    indices : int32 ndarray
        Rows sorted ascending; identical to :func:`build_csr` on the (symmetrised) arcs.

    Raises
    ------
    ValueError
        If a self-loop or a repeated edge is found (the caller broke the contract).

    Notes
    -----
    Two counting sorts instead of a sort per row: the arcs are first bucketed by their
    *target* (unsorted rows), then :func:`transpose_csr` scans those buckets in target order
    and appends each target to its source's row, so every row comes out ascending. A
    symmetric arc set is its own transpose, so one bucketing by source suffices there.
    O(n + m) time, serial streaming passes; about 8 bytes per arc at the peak (two int32
    index arrays) plus 8 (n + 1) per pointer array. A final scan of adjacent entries finds
    repeats. Input whose bucketing already leaves every row increasing (undirected edges
    listed in the order of their larger endpoint, then the smaller, as G(n, p) skip
    sampling emits them) skips the transpose.
    """
    src = np.ascontiguousarray(src)
    dst = np.ascontiguousarray(dst)
    if src.dtype not in (np.int32, np.int64):
        src = src.astype(np.int64)
    if dst.dtype != src.dtype:
        dst = dst.astype(src.dtype)
    if symmetric:
        by_row, unsorted, loops = _unique_edges_fill(src, dst, np.int64(n), True)
    else:
        by_row, unsorted, loops = _unique_edges_fill(dst, src, np.int64(n), False)
    if loops:
        raise ValueError(f"csr_from_unique_edges: {loops} self-loop(s) in the input")
    if symmetric and _rows_strictly_increasing(by_row, unsorted):
        return by_row, unsorted
    indptr, indices, _ = transpose_csr(by_row, unsorted, np.empty(0, dtype=np.float64))
    del unsorted
    repeats = _count_row_repeats(indptr, indices)
    if repeats:
        raise ValueError(f"csr_from_unique_edges: {repeats} repeated arc(s) in the input")
    return indptr, indices


#: Codes returned by :func:`check_csr` (0 = a valid CSR).
CSR_OK = 0
CSR_INDPTR_START = 1
CSR_INDPTR_END = 2
CSR_INDPTR_DECREASING = 3
CSR_INDEX_OUT_OF_RANGE = 4
CSR_ROW_NOT_INCREASING = 5
CSR_SELF_LOOP = 6
CSR_ASYMMETRIC = 7


@njit(cache=True)
def row_has(indptr, indices, u, v):
    """True if the sorted row ``u`` holds ``v`` (binary search, O(log deg u))."""
    lo = indptr[u]
    hi = indptr[u + 1]
    while lo < hi:
        mid = (lo + hi) >> 1
        if indices[mid] < v:
            lo = mid + 1
        else:
            hi = mid
    return lo < indptr[u + 1] and indices[lo] == v


@njit(cache=True)
def check_csr(indptr, indices, symmetric):
    """First violation of the CSR contract, as ``(code, position)``; ``(CSR_OK, -1)`` if none.

    Checks, in this order (each later check relies on the earlier ones, so no access is ever
    out of bounds): ``indptr[0] == 0``, ``indptr[n] == len(indices)``, ``indptr``
    non-decreasing, every index in ``0..n-1``, rows strictly increasing (sorted, no repeats),
    no self-loops and, when ``symmetric``, every arc u -> v matched by v -> u.

    Parameters
    ----------
    indptr : int64 ndarray, shape (n + 1,)
    indices : int32 ndarray
    symmetric : bool
        Also require the arc set to be symmetric (an undirected graph).

    Returns
    -------
    code : int
        One of the ``CSR_*`` constants of this module.
    position : int
        The offending row (indptr checks) or arc position (index checks).

    Notes
    -----
    One serial streaming pass over ``indptr`` and ``indices``: O(n + m) time and O(1) memory;
    the symmetry check adds a binary search per arc, O(m log d_max).
    """
    n = indptr.shape[0] - 1
    m = indices.shape[0]
    if indptr[0] != 0:
        return CSR_INDPTR_START, 0
    if indptr[n] != m:
        return CSR_INDPTR_END, n
    for u in range(n):
        if indptr[u + 1] < indptr[u]:
            return CSR_INDPTR_DECREASING, u
    for j in range(m):
        v = indices[j]
        if v < 0 or v >= n:
            return CSR_INDEX_OUT_OF_RANGE, j
    for u in range(n):
        for j in range(indptr[u], indptr[u + 1]):
            if j > indptr[u] and indices[j - 1] >= indices[j]:
                return CSR_ROW_NOT_INCREASING, j
            if indices[j] == u:
                return CSR_SELF_LOOP, j
    if symmetric:
        for u in range(n):
            for j in range(indptr[u], indptr[u + 1]):
                if not row_has(indptr, indices, indices[j], u):
                    return CSR_ASYMMETRIC, j
    return CSR_OK, -1


@njit(cache=True, inline="always")
def _merge_row(ix1, a1, b1, ix2, a2, b2, out, o, write):
    # Sorted union of two sorted rows; returns the number of distinct entries.
    c = 0
    while a1 < b1 or a2 < b2:
        if a2 >= b2 or (a1 < b1 and ix1[a1] < ix2[a2]):
            v = ix1[a1]
            a1 += 1
        elif a1 >= b1 or ix2[a2] < ix1[a1]:
            v = ix2[a2]
            a2 += 1
        else:
            v = ix1[a1]
            a1 += 1
            a2 += 1
        if write:
            out[o + c] = v
        c += 1
    return c


@njit(cache=True, parallel=True)
def csr_union(ip1, ix1, ip2, ix2):
    """CSR of the union of two simple graphs on the same nodes (rows sorted in both).

    Used to merge graphs built in separate phases (BTER's blocks and its Chung-Lu part,
    :mod:`simulate.generators.bter_fit`) without an edge list. A pair present in both appears once (the number of such arcs is the returned
    ``overlap``). Returns ``(indptr, indices, overlap)``. O(n + m), parallel over rows.
    """
    n = ip1.shape[0] - 1
    cnt = np.empty(n, dtype=np.int64)
    no = np.empty(0, dtype=np.int32)
    for u in prange(n):
        cnt[u] = _merge_row(ix1, ip1[u], ip1[u + 1], ix2, ip2[u], ip2[u + 1], no, 0, False)
    indptr = np.zeros(n + 1, dtype=np.int64)
    for u in range(n):
        indptr[u + 1] = indptr[u] + cnt[u]
    indices = np.empty(indptr[n], dtype=np.int32)
    for u in prange(n):
        _merge_row(ix1, ip1[u], ip1[u + 1], ix2, ip2[u], ip2[u + 1], indices, indptr[u], True)
    overlap = (ip1[n] + ip2[n]) - indptr[n]
    return indptr, indices, overlap
