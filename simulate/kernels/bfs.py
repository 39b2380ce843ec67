"""Single-source breadth-first search over CSR arrays: top-down and direction-optimizing.

Both kernels return ``int32`` hop distances from ``source`` (``-1`` for unreachable nodes).
A BFS "along out-edges" gives ``dist[v] = d(source, v)``; to search along in-edges (the
distance from every node *to* ``source``) pass the transposed CSR as the first pair of
arrays (and the out-CSR as the second pair for the direction-optimizing kernel).

Conventions: ``indptr`` int64 (n + 1), ``indices`` int32, as in :mod:`simulate.kernels.csr`.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True)
def bfs_top_down(indptr, indices, source):
    """Level-synchronous top-down BFS (a FIFO queue), O(n + m) time, O(n) memory.

    Parameters
    ----------
    indptr : int64[n + 1]
    indices : int32[arcs]
        Adjacency to follow (out-edges, or the transpose for in-edges).
    source : int
        Internal node id.

    Returns
    -------
    int32[n]
        Hops from ``source``; ``-1`` where unreachable.
    """
    n = indptr.shape[0] - 1
    dist = np.full(n, -1, dtype=np.int32)
    queue = np.empty(n, dtype=np.int32)
    dist[source] = 0
    queue[0] = source
    head = 0
    tail = 1
    while head < tail:
        u = queue[head]
        head += 1
        du = dist[u] + 1
        for k in range(indptr[u], indptr[u + 1]):
            v = indices[k]
            if dist[v] < 0:
                dist[v] = du
                queue[tail] = v
                tail += 1
    return dist


@njit(cache=True)
def _bottom_up_step(in_indptr, in_indices, out_indptr, dist, level):
    """One bottom-up level: every unvisited v looks for a parent among its in-neighbours.

    Returns (nodes found, their out-degree sum, their in-degree sum).
    """
    n = dist.shape[0]
    found = 0
    out_edges = 0
    in_edges = 0
    for v in range(n):
        if dist[v] < 0:
            for k in range(in_indptr[v], in_indptr[v + 1]):
                if dist[in_indices[k]] == level:
                    dist[v] = level + 1
                    found += 1
                    out_edges += out_indptr[v + 1] - out_indptr[v]
                    in_edges += in_indptr[v + 1] - in_indptr[v]
                    break
    return found, out_edges, in_edges


@njit(cache=True, parallel=True)
def _bottom_up_step_parallel(in_indptr, in_indices, out_indptr, dist, level):
    """:func:`_bottom_up_step` in parallel over nodes.

    Each v writes only ``dist[v]``; a concurrent read of ``dist[u]`` sees either -1 or
    ``level + 1``, never ``level``, so the result does not depend on the thread schedule.
    """
    n = dist.shape[0]
    found = 0
    out_edges = 0
    in_edges = 0
    for v in prange(n):
        if dist[v] < 0:
            for k in range(in_indptr[v], in_indptr[v + 1]):
                if dist[in_indices[k]] == level:
                    dist[v] = level + 1
                    found += 1
                    out_edges += out_indptr[v + 1] - out_indptr[v]
                    in_edges += in_indptr[v + 1] - in_indptr[v]
                    break
    return found, out_edges, in_edges


@njit(cache=True)
def bfs_direction_optimizing(out_indptr, out_indices, in_indptr, in_indices, source, alpha=15.0, beta=18.0,
                             parallel=False):
    """Direction-optimizing BFS (Beamer, Asanovic, Patterson 2012).

    Runs top-down while the frontier is small and switches to bottom-up (each unvisited
    node scans its in-neighbours for a parent and stops at the first one) when the
    frontier's out-edges ``m_f`` exceed ``m_u / alpha``, where ``m_u`` is the number of
    in-edges of still-unvisited nodes; it returns to top-down when the frontier holds fewer
    than ``n / beta`` nodes. With ``parallel``, bottom-up levels run in parallel over
    nodes (worth it on graphs with millions of nodes and idle cores; the result is the same).

    Parameters
    ----------
    out_indptr, out_indices : CSR to search along (out-edges for ``d(source, .)``).
    in_indptr, in_indices : its transpose (the same arrays for undirected graphs).
    source : int
    alpha, beta : float
        Beamer's switching thresholds (defaults from the paper: 15 and 18).
    parallel : bool
        Run bottom-up levels over all numba threads.

    Returns
    -------
    int32[n]
        Hops from ``source``; ``-1`` where unreachable. Identical to :func:`bfs_top_down`.

    Notes
    -----
    O(n + m) worst case; on low-diameter graphs the bottom-up levels examine a small
    fraction of the edges. S. Beamer, K. Asanovic, D. Patterson, "Direction-optimizing
    breadth-first search", SC 2012, doi:10.1109/SC.2012.50.
    """
    n = out_indptr.shape[0] - 1
    dist = np.full(n, -1, dtype=np.int32)
    queue = np.empty(n, dtype=np.int32)
    dist[source] = 0
    queue[0] = source
    lo = 0
    hi = 1
    n_f = 1
    m_f = out_indptr[source + 1] - out_indptr[source]
    m_u = in_indptr[n] - (in_indptr[source + 1] - in_indptr[source])
    level = 0
    bottom_up = False
    queue_valid = True
    while n_f > 0:
        if not bottom_up:
            if m_f > m_u / alpha:
                bottom_up = True
        elif n_f < n / beta:
            bottom_up = False
        if bottom_up:
            if parallel:
                found, out_e, in_e = _bottom_up_step_parallel(in_indptr, in_indices, out_indptr, dist, level)
            else:
                found, out_e, in_e = _bottom_up_step(in_indptr, in_indices, out_indptr, dist, level)
            n_f = found
            m_f = out_e
            m_u -= in_e
            queue_valid = False
        else:
            if not queue_valid:
                # Back from bottom-up: collect the current frontier (dist == level), O(n).
                lo = 0
                hi = 0
                for v in range(n):
                    if dist[v] == level:
                        queue[hi] = v
                        hi += 1
                queue_valid = True
            tail = hi
            new_level = level + 1
            out_e = 0
            in_e = 0
            for q in range(lo, hi):
                u = queue[q]
                for k in range(out_indptr[u], out_indptr[u + 1]):
                    v = out_indices[k]
                    if dist[v] < 0:
                        dist[v] = new_level
                        queue[tail] = v
                        tail += 1
                        out_e += out_indptr[v + 1] - out_indptr[v]
                        in_e += in_indptr[v + 1] - in_indptr[v]
            lo = hi
            hi = tail
            n_f = hi - lo
            m_f = out_e
            m_u -= in_e
        level += 1
    return dist


@njit(cache=True)
def farthest_node(dist):
    """(eccentricity, the lowest-id node attaining it) from a BFS distance array."""
    best = 0
    arg = 0
    for v in range(dist.shape[0]):
        if dist[v] > best:
            best = dist[v]
            arg = v
    return best, arg


@njit(cache=True)
def path_node_at(indptr_back, indices_back, dist_from_a, b, steps):
    """Walk ``steps`` hops from ``b`` back towards ``a`` along a shortest path.

    ``dist_from_a`` are BFS distances from ``a``; ``indptr_back``/``indices_back`` give the
    predecessors of a node (the in-CSR; the CSR itself for undirected graphs). At each step
    the lowest-id predecessor one level closer is taken, so the walk is deterministic.
    Returns the node reached (``b`` itself when ``steps == 0``).
    """
    x = b
    for _ in range(steps):
        dx = dist_from_a[x]
        if dx <= 0:
            break
        for k in range(indptr_back[x], indptr_back[x + 1]):
            y = indices_back[k]
            if dist_from_a[y] == dx - 1:
                x = y
                break
    return x
