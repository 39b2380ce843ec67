"""Tie-strength kernels: per-edge overlap, percolation by strength, reliable introduction paths,
independent cascades with a hop cap.

Pure array code (see :mod:`simulate.kernels`). Undirected CSR input: rows sorted, loop-free,
duplicate-free, every edge stored as both arcs. An *edge* is an arc ``u -> v`` with ``u < v``;
edges are numbered in CSR order (``u`` ascending, then ``v``), the order of
:meth:`simulate.Graph.edges`.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .random import next_below, next_double
from .triangles import common_sorted


# ------------------------------------------------------------------ edges and overlap
@njit(cache=True)
def edge_offsets(indptr, indices):
    """``off[u]`` = number of edges ``(a, b)``, ``a < b``, with ``a < u``; length n + 1. O(m)."""
    n = indptr.shape[0] - 1
    off = np.zeros(n + 1, dtype=np.int64)
    for u in range(n):
        c = 0
        for p in range(indptr[u], indptr[u + 1]):
            if indices[p] > u:
                c += 1
        off[u + 1] = off[u] + c
    return off


@njit(cache=True, parallel=True)
def edge_overlap(indptr, indices, off):
    """Onnela neighbourhood overlap and common-neighbour count of every edge.

    ``O_ij = n_ij / ((k_i - 1) + (k_j - 1) - n_ij)``, with ``O_ij = 0`` when the denominator is 0
    (``k_i = k_j = 1``). ``n_ij`` by the sorted-row merge :func:`common_sorted`.
    Work O(sum over edges (k_i + k_j)), parallel over rows (one task per row: thread-count free).
    Returns ``(overlap float64[m], common int32[m])`` in edge order (``off`` from :func:`edge_offsets`).
    """
    n = indptr.shape[0] - 1
    m = off[n]
    ov = np.empty(m, dtype=np.float64)
    cm = np.empty(m, dtype=np.int32)
    for u in prange(n):
        a0 = indptr[u]
        a1 = indptr[u + 1]
        e = off[u]
        for p in range(a0, a1):
            v = indices[p]
            if v <= u:
                continue
            c = common_sorted(indices, a0, a1, indptr[v], indptr[v + 1])
            den = (a1 - a0 - 1) + (indptr[v + 1] - indptr[v] - 1) - c
            ov[e] = c / den if den > 0 else 0.0
            cm[e] = c
            e += 1
    return ov, cm


@njit(cache=True)
def edge_endpoints(indptr, indices, off):
    """Endpoints ``(src, dst)`` (int32) of every edge, in edge order."""
    n = indptr.shape[0] - 1
    m = off[n]
    src = np.empty(m, dtype=np.int32)
    dst = np.empty(m, dtype=np.int32)
    for u in range(n):
        e = off[u]
        for p in range(indptr[u], indptr[u + 1]):
            v = indices[p]
            if v > u:
                src[e] = u
                dst[e] = v
                e += 1
    return src, dst


@njit(cache=True)
def arc_edge_ids(indptr, indices, off):
    """Edge id of every arc (both arcs of an edge get its id), for per-edge -> per-arc maps."""
    n = indptr.shape[0] - 1
    out = np.empty(indices.shape[0], dtype=np.int64)
    for u in range(n):
        e = off[u]
        for p in range(indptr[u], indptr[u + 1]):
            v = indices[p]
            if v > u:
                out[p] = e
                e += 1
    for u in range(n):
        for p in range(indptr[u], indptr[u + 1]):
            v = indices[p]
            if v < u:
                # the arc v -> u sits in row v; binary search for u there
                lo = indptr[v]
                hi = indptr[v + 1]
                while lo < hi:
                    mid = (lo + hi) // 2
                    if indices[mid] < u:
                        lo = mid + 1
                    else:
                        hi = mid
                out[p] = out[lo]
    return out


# ------------------------------------------------------------------ percolation (Newman-Ziff)
@njit(cache=True, inline="always")
def _find(parent, x):
    root = x
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:  # path compression
        nxt = parent[x]
        parent[x] = root
        x = nxt
    return root


@njit(cache=True)
def percolation_curve(n, src, dst, order, record_at):
    """Giant fraction and susceptibility while edges are removed in ``order`` (one pass).

    Removing edges ``order[0], order[1], ...`` is replayed backwards: start from ``n`` isolated
    nodes and add ``order[m-1], order[m-2], ...`` with a weighted union-find (Newman & Ziff,
    PRL 85, 4104 (2000), doi:10.1103/PhysRevLett.85.4104). The sum of squared component sizes
    changes by ``2 a b`` at each merge and a size histogram counts the components of the largest
    size, so the susceptibility ``chi = sum_{s < s_max} n_s s^2 / n`` (Onnela et al. 2007, read
    literally: every component of the largest size is left out, so chi = 0 when all nodes are
    isolated) is O(1) per edge.

    Parameters
    ----------
    n : int, number of nodes.
    src, dst : int32[m], edge endpoints.
    order : int64[m], removal order (a permutation of 0..m-1).
    record_at : int64[p], numbers of removed edges at which to record, each in 0..m.

    Returns
    -------
    giant : float64[p], largest component / n after ``record_at[i]`` removals.
    chi : float64[p], susceptibility there.
    (Sizes only grow while edges are added, so ``smax`` is monotone and the histogram stays exact.)
    peak_removed : int, number of removed edges at the susceptibility maximum over *every* step
        (the smallest such number on ties: the first peak met while removing).
    Work O(m alpha(n) + p log p).
    """
    m = order.shape[0]
    p = record_at.shape[0]
    # record points sorted by number of *present* edges (m - removed), ascending
    present = np.empty(p, dtype=np.int64)
    for i in range(p):
        present[i] = m - record_at[i]
    idx = np.argsort(present)
    giant = np.empty(p, dtype=np.float64)
    chi = np.empty(p, dtype=np.float64)
    parent = np.arange(n, dtype=np.int64)
    size = np.ones(n, dtype=np.int64)
    hist = np.zeros(n + 1, dtype=np.int64)  # hist[s] = number of components of size s
    hist[1] = n
    s2 = float(n)
    smax = 1 if n > 0 else 0
    best_chi = (s2 - float(hist[smax]) * smax * smax) / max(n, 1)
    peak_removed = m
    j = 0
    while j < p and present[idx[j]] == 0:
        giant[idx[j]] = smax / max(n, 1)
        chi[idx[j]] = best_chi
        j += 1
    for k in range(m):  # after this step, k + 1 edges are present
        e = order[m - 1 - k]
        a = _find(parent, src[e])
        b = _find(parent, dst[e])
        if a != b:
            if size[a] < size[b]:
                a, b = b, a
            s2 += 2.0 * size[a] * size[b]
            hist[size[a]] -= 1
            hist[size[b]] -= 1
            parent[b] = a
            size[a] += size[b]
            hist[size[a]] += 1
            if size[a] > smax:
                smax = size[a]
        c = (s2 - float(hist[smax]) * smax * smax) / n
        if c >= best_chi:  # >=: among equal peaks keep the one with most edges present (fewest removed)
            best_chi = c
            peak_removed = m - (k + 1)
        while j < p and present[idx[j]] == k + 1:
            giant[idx[j]] = smax / n
            chi[idx[j]] = c
            j += 1
    return giant, chi, peak_removed


# ------------------------------------------------------------------ reliable paths
@njit(cache=True, parallel=True)
def reliable_reach(indptr, indices, prob, sources, h):
    """Best introduction-path probability from each source to every node, at most ``h`` hops.

    Returns ``best float64[len(sources), n]`` (1 at the source, 0 where unreachable). Dense per
    source: call with batches of sources. Work O(h m) per source at worst.
    """
    n = indptr.shape[0] - 1
    k = sources.shape[0]
    out = np.zeros((k, n), dtype=np.float64)
    for i in prange(k):
        out[i] = _bellman_ford_products(indptr, indices, prob, sources[i], h)
    return out


@njit(cache=True)
def _bellman_ford_products(indptr, indices, prob, s, h):
    """Plain h-round Bellman-Ford on products (max over walks of <= h arcs); O(h m) per source.

    A walk never beats the path it contains because probabilities are <= 1, so the max over walks
    equals the max over simple paths.
    """
    n = indptr.shape[0] - 1
    cur = np.zeros(n, dtype=np.float64)
    cur[s] = 1.0
    active = np.zeros(n, dtype=np.bool_)
    active[s] = True
    for r in range(h):
        nxt = cur.copy()
        nact = np.zeros(n, dtype=np.bool_)
        any_change = False
        for u in range(n):
            if not active[u]:
                continue
            pu = cur[u]
            for a in range(indptr[u], indptr[u + 1]):
                v = indices[a]
                c = pu * prob[a]
                if c > nxt[v]:
                    nxt[v] = c
                    nact[v] = True
                    any_change = True
        cur = nxt
        active = nact
        if not any_change:
            break
    return cur


@njit(cache=True, parallel=True)
def reliable_reach_sums(indptr, indices, prob, sources, h, group, n_groups):
    """Per source: sum over other nodes of the best <= h-hop path probability (exact warm reach
    on trees, a lower bound of cascade reach elsewhere), and the best probability into each group.

    ``group`` is int32[n] (-1: no group). Returns ``(warm float64[k], to_group float64[k, n_groups])``.
    """
    k = sources.shape[0]
    warm = np.zeros(k, dtype=np.float64)
    tog = np.zeros((k, max(n_groups, 1)), dtype=np.float64)
    for i in prange(k):
        s = sources[i]
        best = _bellman_ford_products(indptr, indices, prob, s, h)
        tot = 0.0
        for v in range(best.shape[0]):
            if v != s:
                tot += best[v]
                g = group[v] if group.shape[0] > 0 else -1
                if g >= 0 and best[v] > tog[i, g]:
                    tog[i, g] = best[v]
        warm[i] = tot
    return warm, tog


# ------------------------------------------------------------------ independent cascades
@njit(cache=True, parallel=True)
def cascade_reach(indptr, indices, prob, sources, h, trials, states, through, counts):
    """Monte-Carlo independent cascades from each source, at most ``h`` hops.

    Each newly reached node tries each of its arcs once, succeeding with ``prob[arc]``; a node is
    reached at the first layer some live arc leads to it (equivalent to live-arc BFS within h hops).
    Source ``i`` draws only from ``states[i]`` (its own stream): results do not depend on threads.

    Parameters
    ----------
    through : bool[n], nodes whose relaying is counted (e.g. centers of influence; empty: none).
    counts : int64 array (k, 2) out: [reached via a ``through`` node, reached in total] summed over trials.

    Returns ``mean_reached float64[k]`` (excluding the source).
    """
    n = indptr.shape[0] - 1
    k = sources.shape[0]
    out = np.zeros(k, dtype=np.float64)
    use_through = through.shape[0] > 0
    for i in prange(k):
        st = states[i]
        seen = np.full(n, -1, dtype=np.int64)
        via = np.zeros(n, dtype=np.bool_)
        queue = np.empty(n, dtype=np.int64)
        total = 0
        tot_via = 0
        for t in range(trials):
            s = sources[i]
            seen[s] = t
            via[s] = False
            queue[0] = s
            head = 0
            tail = 1
            layer_end = 1
            depth = 0
            while head < tail and depth < h:
                layer_end = tail
                while head < layer_end:
                    u = queue[head]
                    head += 1
                    relay = via[u] or (use_through and through[u] and u != s)
                    for a in range(indptr[u], indptr[u + 1]):
                        v = indices[a]
                        if seen[v] == t:
                            continue
                        if next_double(st) < prob[a]:
                            seen[v] = t
                            via[v] = relay
                            queue[tail] = v
                            tail += 1
                            if relay:
                                tot_via += 1
                depth += 1
            total += tail - 1
        out[i] = total / trials
        counts[i, 0] = tot_via
        counts[i, 1] = total
    return out


# ------------------------------------------------------------------ novelty (the inverted U)
@njit(cache=True, parallel=True)
def contact_novelty(indptr, indices, arc_level, community, n_comm, strong_min):
    """Per arc ``u -> v``: the share of the communities ``v`` reaches (``v`` and its neighbours) that
    ``u``'s strong circle (``u`` and its neighbours over arcs of level >= ``strong_min``) does not.

    ``community`` int64[n] in 0..n_comm-1 (pass ``arange(n)`` to treat every person as a community).
    Stamps instead of clearing: per row O(n_comm) allocation, then O(k_u + sum_v k_v).
    Returns float64 per arc (aligned with ``indices``).
    """
    n = indptr.shape[0] - 1
    out = np.zeros(indices.shape[0], dtype=np.float64)
    for u in prange(n):
        a0 = indptr[u]
        a1 = indptr[u + 1]
        if a1 == a0:
            continue
        covered = np.zeros(n_comm, dtype=np.bool_)
        seen = np.full(n_comm, -1, dtype=np.int64)
        covered[community[u]] = True
        for p in range(a0, a1):
            if arc_level[p] >= strong_min:
                covered[community[indices[p]]] = True
        for p in range(a0, a1):
            v = indices[p]
            total = 0
            new = 0
            c = community[v]
            seen[c] = p
            total += 1
            if not covered[c]:
                new += 1
            for q in range(indptr[v], indptr[v + 1]):
                w = indices[q]
                if w == u:
                    continue
                c = community[w]
                if seen[c] != p:
                    seen[c] = p
                    total += 1
                    if not covered[c]:
                        new += 1
            out[p] = new / total
    return out


# ------------------------------------------------------------------ removal orders
@njit(cache=True)
def shuffle_equal_runs(order, key, st):
    """Fisher-Yates shuffle of ``order`` inside every run of equal ``key[order]`` (in place).

    ``order`` sorts ``key``; afterwards each run of tied keys is in uniformly random order drawn
    from the single stream ``st`` (one task: the result does not depend on threads), whatever
    order the sort left the ties in. O(m).
    """
    m = order.shape[0]
    i = 0
    while i < m:
        j = i + 1
        ki = key[order[i]]
        while j < m and key[order[j]] == ki:
            j += 1
        for a in range(j - 1, i, -1):  # Fisher-Yates on order[i:j]
            b = i + next_below(st, a - i + 1)
            t = order[a]
            order[a] = order[b]
            order[b] = t
        i = j
    return order
