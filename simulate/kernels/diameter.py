"""Diameter by double sweep, 4-sweep and iFUB over CSR arrays.

* :func:`double_sweep` - a lower bound from two BFS (Magnien, Latapy, Habib 2009).
* :func:`four_sweep` - a better lower bound and a central start node for iFUB.
* :func:`ifub` - the exact diameter of a connected undirected graph (Crescenzi, Grossi,
  Habib, Lanzi, Marino 2013): BFS from a central node ``u``, then eccentricities of the
  fringe levels ``F_i(u)`` from the deepest up, stopping as soon as the best eccentricity
  found exceeds ``2 (i - 1)``, which bounds every pair of nodes at levels ``< i``.
  Fringe eccentricities are computed 64-256 at a time with bit-parallel multi-source BFS.
* :func:`directed_bounds` - lower and upper bounds for a strongly connected directed graph.

The control loops here run once per BFS level (a few dozen Python steps); all per-node and
per-edge work happens in the Numba kernels of :mod:`simulate.kernels.bfs` and
:mod:`simulate.kernels.msbfs`.

References
----------
P. Crescenzi, R. Grossi, M. Habib, L. Lanzi, A. Marino, "On computing the diameter of
real-world undirected graphs", Theoretical Computer Science 514:84-95, 2013,
doi:10.1016/j.tcs.2012.09.018.
C. Magnien, M. Latapy, M. Habib, "Fast computation of empirically tight bounds for the
diameter of massive graphs", ACM JEA 13, 2009, doi:10.1145/1412228.1455266.
"""

from __future__ import annotations

import numpy as np

from .bfs import bfs_direction_optimizing, farthest_node, path_node_at
from .msbfs import msbfs_eccentricities


def _bfs(indptr, indices, t_indptr, t_indices, source):
    return bfs_direction_optimizing(indptr, indices, t_indptr, t_indices, int(source), 15.0, 18.0)


def double_sweep(indptr, indices, start):
    """Lower bound on the diameter of ``start``'s component (undirected CSR): two BFS.

    Returns (lower bound, far end a, far end b, number of BFS = 2).
    """
    d0 = _bfs(indptr, indices, indptr, indices, start)
    _, a = farthest_node(d0)
    da = _bfs(indptr, indices, indptr, indices, a)
    ecc_a, b = farthest_node(da)
    return int(ecc_a), int(a), int(b), 2


def four_sweep(indptr, indices, start):
    """4-sweep of Crescenzi et al.: (lower bound, central node u, number of BFS = 4).

    Sweeps r -> a1 -> b1, takes the middle r2 of the a1-b1 path, sweeps r2 -> a2 -> b2 and
    returns the middle u of the a2-b2 path as iFUB's start.
    """
    lb = 0
    r = int(start)
    for _ in range(2):
        dr = _bfs(indptr, indices, indptr, indices, r)
        ecc_r, a = farthest_node(dr)
        da = _bfs(indptr, indices, indptr, indices, a)
        ecc_a, b = farthest_node(da)
        lb = max(lb, int(ecc_r), int(ecc_a))
        r = int(path_node_at(indptr, indices, da, b, ecc_a // 2))
    return lb, r, 4


def ifub(indptr, indices, start, words=4, threads=1):
    """Exact diameter of a connected undirected graph (iFUB with a 4-sweep start).

    Parameters
    ----------
    indptr, indices : undirected CSR (both arcs stored), connected.
    start : int
        Seed of the 4-sweep (e.g. a maximum-degree node).
    words : int
        64-bit words per node in the fringe MS-BFS batches.
    threads : int
        Parallel batches wanted; fringe levels are cut into at least this many batches.

    Returns
    -------
    diameter : int
    n_bfs : int
        Breadth-first searches run (sweeps + the BFS from u + fringe eccentricities).
    u : int
        The central start node.

    Notes
    -----
    Worst case O(n m); on real-world graphs a few dozen to a few thousand BFS.
    """
    lb, u, n_bfs = four_sweep(indptr, indices, start)
    du = _bfs(indptr, indices, indptr, indices, u)
    n_bfs += 1
    i = int(du.max())
    lb = max(lb, i)
    ub = 2 * i
    order = np.argsort(du, kind="stable")
    ends = np.searchsorted(du[order], np.arange(i + 2), side="left")
    while ub > lb:
        fringe = order[ends[i]:ends[i + 1]].astype(np.int64)
        # cut the level into batches of up to 64 * words sources, at least `threads` batches
        w = max(1, min(words, -(-fringe.shape[0] // (64 * max(1, threads)))))
        ecc = msbfs_eccentricities(indptr, indices, indptr, indices, fringe, w, 1.0, threads)
        n_bfs += int(fringe.shape[0])
        bi = int(ecc.max()) if ecc.shape[0] else 0
        if max(lb, bi) > 2 * (i - 1):
            return max(lb, bi), n_bfs, u
        lb = max(lb, bi)
        ub = 2 * (i - 1)
        i -= 1
    return lb, n_bfs, u


def directed_bounds(out_indptr, out_indices, in_indptr, in_indices, start):
    """Bounds on the diameter of a strongly connected directed graph from six BFS.

    Forward and backward BFS from ``start`` (r), then backward from a (farthest forward
    from r) and forward from b (farthest backward from r), then the missing directions of
    a and b. Lower bound: the largest eccentricity seen. Upper bound:
    ``min_x ecc_in(x) + ecc_out(x)`` over x in {r, a, b}, since d(s, t) <= d(s, x) + d(x, t).

    Returns (lower, upper, number of BFS = 6).
    """
    r = int(start)
    f_r = _bfs(out_indptr, out_indices, in_indptr, in_indices, r)
    b_r = _bfs(in_indptr, in_indices, out_indptr, out_indices, r)
    eo_r, a = farthest_node(f_r)
    ei_r, b = farthest_node(b_r)
    ei_a, _ = farthest_node(_bfs(in_indptr, in_indices, out_indptr, out_indices, a))
    eo_a, _ = farthest_node(_bfs(out_indptr, out_indices, in_indptr, in_indices, a))
    eo_b, _ = farthest_node(_bfs(out_indptr, out_indices, in_indptr, in_indices, b))
    ei_b, _ = farthest_node(_bfs(in_indptr, in_indices, out_indptr, out_indices, b))
    lower = max(eo_r, ei_r, ei_a, eo_a, eo_b, ei_b)
    upper = min(eo_r + ei_r, eo_a + ei_a, eo_b + ei_b)
    return int(lower), int(upper), 6
