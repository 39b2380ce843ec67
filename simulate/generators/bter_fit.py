"""BTER fitted to a given graph: its own degree sequence and clustering-by-degree curve.

:func:`bter_targets` reads what BTER is fitted to from a graph (the degree of every node and
the mean local clustering of the nodes of each degree), :func:`bter` builds a BTER graph from
such arrays, and :func:`bter_from_graph` does both. Everything else about the result
(assortativity, distances, components) is a prediction of the construction, which is what
``smallworld reproduce bter_validation`` compares with the real graph.

The construction reuses the kernels of :func:`simulate.generators.facebook_like`
(:mod:`simulate.kernels.generators.bter`: affinity blocks, two-pass block build)
and the two-pass Chung-Lu build :func:`simulate.generators.power_law.chung_lu_csr`; only the
targets (arrays instead of Facebook's parametric shape, no countries) and the calibration of
the two phases to *those* targets are here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError
from ..graph import BuildReport, Graph
from ..kernels.generators import bter as _k
from ..kernels.csr import csr_union, sort_rows
from ..kernels.random import stream_states
from .power_law import chung_lu_csr
from .registry import numpy_rng, seed_meta

#: First spawn-key entry of this construction's random streams (one distinct tag per model).
STREAM_TAG = 11

#: Default calibration rounds of the block densities to the fitted clustering curve.
REFINE_ROUNDS = 3

#: Least number of nodes over which a calibration round pools its clustering correction.
POOL_NODES = 200

#: Fixed-point iterations that correct Chung-Lu weights for the cap min(1, w_i w_j / W).
WEIGHT_ITERATIONS = 100


@dataclass(frozen=True)
class BterTargets:
    """What BTER is fitted to: a degree sequence and a clustering-by-degree curve.

    Attributes
    ----------
    degrees : ndarray of int64, shape (n,)
        Target degree of every node (order irrelevant; the build shuffles node ids).
    curve_degrees : ndarray of int64
        Distinct degrees (ascending, >= 1) at which the curve is given.
    curve_clustering : ndarray of float64
        Target mean local clustering of nodes of that degree, in [0, 1].
    """

    degrees: np.ndarray
    curve_degrees: np.ndarray
    curve_clustering: np.ndarray

    def clustering_at(self, d) -> np.ndarray:
        """Target clustering at degrees ``d``: the curve, linearly interpolated between given
        degrees (constant beyond its ends); 0 below degree 2."""
        d = np.asarray(d, dtype=np.float64)
        if self.curve_degrees.shape[0] == 0:
            return np.zeros_like(d)
        c = np.interp(d, self.curve_degrees.astype(np.float64), self.curve_clustering)
        return np.where(d >= 2, c, 0.0)


def bter_targets(graph) -> BterTargets:
    """The BTER fit of an undirected graph: its degree sequence and mean local clustering by degree.

    Nothing is smoothed: ``curve_clustering[k]`` is the mean of the local clustering of the
    nodes whose degree is ``curve_degrees[k]``, every degree present in the graph (as Kolda et
    al. feed BTER a measured c_d). O(sum d^2) for the triangle count.

    Raises
    ------
    ParameterError
        For a directed graph.
    """
    from ..graph_statistics import clustering_by_degree

    if graph.directed:
        raise ParameterError("BTER is fitted to undirected graphs; build the undirected version first")
    d, c, _ = clustering_by_degree(graph)
    return BterTargets(np.asarray(graph.out_degree(), dtype=np.int64).copy(), d, c)


def bter_from_graph(graph, seed=0, refine=REFINE_ROUNDS) -> Graph:
    """BTER graph fitted to ``graph``'s degree sequence and clustering-by-degree curve.

    ``bter(bter_targets(graph), seed=seed)``; see :func:`bter`. The result has ``graph.n``
    nodes; node ids are a random permutation, unrelated to ``graph``'s.
    """
    return bter(bter_targets(graph), seed=seed, refine=refine)


def facebook_like_bter(targets: BterTargets, seed=0) -> Graph:
    """facebook_like's own BTER build (:func:`simulate.generators.facebook.bter_csr`) on given targets.

    The degree sequence (node ids shuffled) and the curve c(d), d = 0 .. max degree, go in as
    arrays, with no groups and no calibration: what the construction behind the Facebook-scale
    predictions does with a real graph's statistics, beside :func:`bter` (the same rules plus
    calibration to the targets). ``meta``: ``model = "facebook_like_bter"``, bter_csr's ``info``
    and the seed. Same seed, same graph on any thread count.
    """
    from .facebook import bter_csr

    degrees, curve_d, curve_c = _validated(targets)
    n = degrees.shape[0]
    rng = numpy_rng(seed, STREAM_TAG)
    target = np.empty(n, dtype=np.int64)
    target[rng.permutation(n)] = np.sort(degrees)
    curve = BterTargets(degrees, curve_d, curve_c).clustering_at(np.arange(int(degrees.max(initial=0)) + 1))
    indptr, indices, info = bter_csr(target, curve, (), (), _child(seed, 3))
    meta = {"model": "facebook_like_bter", "n": int(n), "target_edges": float(degrees.sum() / 2), **info,
            "seed": seed_meta(seed)}
    return Graph(indptr, indices, False, meta=meta)


def bter(targets: BterTargets, seed=0, refine=REFINE_ROUNDS) -> Graph:
    """Undirected BTER graph with the given degree sequence and clustering-by-degree curve.

    Parameters
    ----------
    targets : BterTargets
        Degree sequence (n values in [0, n - 1]) and curve c(d) (see :func:`bter_targets`).
    seed : int or numpy.random.SeedSequence
        Same seed, same graph on any thread count.

    Returns
    -------
    Graph
        Undirected, ``n`` nodes. ``meta``: ``model = "bter"``, ``block_edges_expected``,
        ``excess_edges_expected``, ``background_clustering`` (c_bg below), ``blocks``,
        ``overlap_edges`` (pairs drawn by both phases, kept once), seed.

    Raises
    ------
    ParameterError
        Degrees not a 1-D integer array in [0, n - 1]; a curve with unsorted or repeated degrees,
        mismatched lengths or values outside [0, 1].

    Notes
    -----
    BTER: C. Seshadhri, T. G. Kolda, A. Pinar, "Community structure and scale-free collections
    of Erdos-Renyi graphs", Phys. Rev. E 85, 056109 (2012), doi:10.1103/PhysRevE.85.056109;
    T. G. Kolda, A. Pinar, T. Plantenga, C. Seshadhri, "A scalable generative graph model with
    community structure", SIAM J. Sci. Comput. 36(5), C424 (2014), doi:10.1137/130914218.

    Phase 1 (as those papers): nodes sorted by target degree are cut into affinity blocks of
    d + 1 consecutive nodes, d the block's smallest degree; degree-1 (and degree-0) nodes join
    no block. Each block is an Erdos-Renyi graph of density rho_b. Phase 2: Chung-Lu on the
    excess degrees e_i = d_i - rho_b (n_b - 1).

    Our reading, where the papers leave room or where small dense graphs need more:

    - rho_b. BTER takes rho_b = c_{d_b}^(1/3), d_b the block's smallest degree; that gives a
      member of degree exactly d_b the clustering c_{d_b} with no phase-2 triangles. Here
      rho_b solves, for the block's *mean* member, rho^3 mean(A_i) + c_bg mean((1 - rho B_i)^2)
      = mean(c_{d_i}), with A_i = C(n_b - 1, 2) / C(d_i, 2) (the member's block triangles
      rho^3 C(n_b - 1, 2) over its pairs), B_i = (n_b - 1) / d_i (its block share of
      neighbours) and c_bg the chance that two phase-2 neighbours are joined by phase 2
      (below). It reduces to BTER's rule for a block of equal degrees and c_bg = 0; it
      matters at high degree (mixed blocks) and in small dense graphs (c_bg not small).
      Vectorised bisection (60 steps); rho_b = 0 where c_bg alone reaches the target.
    - c_bg = sum_{j,k} w_j w_k min(1, w_j w_k / W) / W^2 (W = sum w): two phase-2 neighbours
      of a node are drawn in proportion to weight and joined with the Chung-Lu probability;
      computed exactly for the capped probabilities by sorting (O(n log n)).
    - Phase-2 weights. With p_ij = min(1, w_i w_j / W), high-degree nodes of small dense
      graphs lose degree to the cap; the weights w are corrected by the fixed point
      w <- w e / E(w), E_i(w) = sum_{j != i} min(1, w_i w_j / W) (``WEIGHT_ITERATIONS``
      rounds, O(n log n) each) so that expected phase-2 degrees equal the excess degrees.
      Pairs drawn by both phases are kept once (a few; counted in ``overlap_edges``).
    - rho_b, c_bg and the weights are computed twice in turn (the excess depends on rho, c_bg
      on the excess).

    Everything is a calibration to the *fitted* quantities (degrees and c(d)); nothing uses
    distances or assortativity. Time O(n log n + m); memory about twice the final CSR (the
    two phases are built as CSR, then merged), no edge list above 4M phase-2 edges.
    """
    degrees, curve_d, curve_c = _validated(targets)
    n = degrees.shape[0]
    if n == 0:
        return Graph(np.zeros(1, dtype=np.int64), np.empty(0, dtype=np.int32), False,
                     meta={"model": "bter", "n": 0, "seed": seed_meta(seed)})
    rng = numpy_rng(seed, STREAM_TAG)
    target = np.empty(n, dtype=np.int64)
    target[rng.permutation(n)] = np.sort(degrees)  # node ids unrelated to the input's
    clean = BterTargets(degrees, curve_d, curve_c)
    order = np.argsort(target, kind="stable").astype(np.int64)
    sorted_deg = target[order]
    block_ptr, active = _k.affinity_blocks(sorted_deg, np.array([0, n], dtype=np.int64))
    block_n = np.diff(block_ptr)
    member_block = np.repeat(np.arange(block_n.shape[0]), block_n)
    starts = block_ptr[:-1]
    # Per-member terms of the clustering equation (see Notes), averaged per block.
    dm = sorted_deg.astype(np.float64)
    nb1 = (block_n[member_block] - 1).astype(np.float64)
    pairs = dm * (dm - 1) / 2
    a = np.divide(nb1 * (nb1 - 1) / 2, pairs, out=np.zeros(n), where=pairs > 0)
    b = np.divide(nb1, dm, out=np.zeros(n), where=dm > 0)
    c_member = clean.clustering_at(sorted_deg)
    mean_a, mean_b, mean_b2, mean_c = (np.add.reduceat(x, starts) / block_n for x in (a, b, b * b, c_member))
    block_of_member = member_block  # block of sorted position k; node order[k]
    c_bg = 0.0
    rho = np.zeros(block_n.shape[0])
    for _ in range(2):
        rho = np.where(active, _block_density(mean_a, mean_b, mean_b2, mean_c, c_bg), 0.0)
        w, excess = _phase2_weights(order, dm, nb1, rho, block_of_member, starts, block_n)
        c_bg = chung_lu_background_clustering(w)
    rho = np.where(active, _block_density(mean_a, mean_b, mean_b2, mean_c, c_bg), 0.0)
    w, excess = _phase2_weights(order, dm, nb1, rho, block_of_member, starts, block_n)
    indptr, indices, overlap, drawn = _build(order, block_ptr, rho, w, seed)
    adjustable = active & (mean_a > 0)
    pool = _pools(block_n, POOL_NODES)
    for _ in range(int(refine)):
        # Calibration to the fitted curve: move rho^3 by the clustering the members missed
        # (block triangles scale as rho^3 mean_a), pooled over runs of consecutive blocks of at
        # least POOL_NODES nodes so that small blocks' noise is not chased; then rebuild from the
        # same streams. Uses only c(d), never a predicted quantity.
        # The miss of a node is measured at its *achieved* degree, as c(d) is read off a graph.
        local = _local_clustering(indptr, indices)
        want = clean.clustering_at(np.diff(indptr))
        miss = np.add.reduceat((want - local)[order], starts)  # per block, summed over members
        pool_miss = np.bincount(pool, weights=miss) / np.bincount(pool, weights=block_n)
        r3 = rho**3 + np.divide(pool_miss[pool], mean_a, out=np.zeros_like(rho), where=adjustable)
        rho = np.where(adjustable, np.cbrt(np.clip(r3, 0.0, 1.0)), rho)
        w, excess = _phase2_weights(order, dm, nb1, rho, block_of_member, starts, block_n)
        indptr, indices, overlap, drawn = _build(order, block_ptr, rho, w, seed)
    meta = {"model": "bter", "n": int(n), "target_edges": float(degrees.sum() / 2),
            "block_edges_expected": float((rho * block_n * (block_n - 1) / 2).sum()),
            "excess_edges_expected": float(excess.sum() / 2), "background_clustering": float(c_bg),
            "blocks": int(active.sum()), "refine": int(refine), "overlap_edges": int(overlap // 2),
            "seed": seed_meta(seed)}
    report = BuildReport(input_edges=int(drawn // 2), duplicates_dropped=int(overlap // 2))
    return Graph(indptr, indices, False, meta=meta, report=report)


def _pools(block_n, min_nodes):
    """Pool id of each block: consecutive blocks grouped until a pool holds >= ``min_nodes`` nodes."""
    cum = np.cumsum(block_n)
    # A block joins the pool of the first block of its run: cut where the running count passes
    # a multiple of min_nodes (blocks never split), so pools hold min_nodes .. min_nodes + d nodes.
    first = (cum - block_n) // max(1, int(min_nodes))
    return np.unique(first, return_inverse=True)[1].astype(np.int64)


def _local_clustering(indptr, indices):
    from ..kernels.triangles import node_triangles

    deg = np.diff(indptr).astype(np.float64)
    pr = deg * (deg - 1) / 2
    return np.divide(node_triangles(indptr, indices).astype(np.float64), pr, out=np.zeros(deg.shape[0]), where=pr > 0)


def _phase2_weights(order, dm, nb1, rho, block_of_member, starts, block_n):
    """(Chung-Lu weights w by node, excess degrees e by node) for block densities ``rho``.

    e_i = d_i - rho_b (n_b - 1). A phase-2 pair inside i's own block is lost with probability
    rho_b (already drawn by phase 1), about rho_b w_i (W_b - w_i) / W edges (W_b the block's
    weight, cap ignored); the weights solve E_i(w) - that = e_i
    (:func:`capped_chung_lu_weights`).
    """
    n = dm.shape[0]
    excess = np.zeros(n)
    excess[order] = np.maximum(0.0, dm - rho[block_of_member] * nb1)
    rho_node = np.zeros(n)
    rho_node[order] = rho[block_of_member]
    block_id = np.zeros(n, dtype=np.int64)
    block_id[order] = block_of_member

    def lost(w):
        total = float(w.sum())
        if total <= 0 or n == 0:
            return np.zeros(n)
        wb = np.add.reduceat(w[order], starts)
        return rho_node * np.minimum(block_n[block_id] - 1, w * (wb[block_id] - w) / total)

    return capped_chung_lu_weights(excess, lost=lost), excess


def _build(order, block_ptr, rho, w, seed):
    """Phase 1 (blocks, two passes over per-block streams) and phase 2 (Chung-Lu), merged.

    Returns ``(indptr, indices, overlap arcs, arcs drawn by both phases together)``.
    """
    n = order.shape[0]
    states = stream_states(_child(seed, 1), block_ptr.shape[0] - 1, ())
    deg1 = np.zeros(n, dtype=np.int64)
    _k.block_count(order, block_ptr, rho, states, deg1)
    ip1 = np.concatenate([[0], np.cumsum(deg1)]).astype(np.int64)
    ix1 = np.empty(int(ip1[-1]), dtype=np.int32)
    cursor = ip1[:-1].copy()
    _k.block_scatter(order, block_ptr, rho, states, cursor, ix1)
    del cursor, deg1, states
    sort_rows(ip1, ix1)
    node_of_rank = np.argsort(-w, kind="stable").astype(np.int64)
    ip2, ix2 = chung_lu_csr(node_of_rank, w, None, 0.0, _child(seed, 2))
    del node_of_rank
    indptr, indices, overlap = csr_union(ip1, ix1, ip2, ix2)
    return indptr, indices, int(overlap), int(ix1.shape[0] + ix2.shape[0])


def capped_chung_lu_weights(excess, iterations=WEIGHT_ITERATIONS, lost=None, tolerance=1e-3):
    """Chung-Lu weights whose expected degrees under p_ij = min(1, w_i w_j / W) equal ``excess``.

    Fixed point w <- w * excess / E(w), started at w = excess, E from
    :func:`capped_chung_lu_expected_degrees` minus ``lost(w)`` (expected edges that will not
    count, e.g. pairs already present) when given; at most ``iterations`` rounds, stopping
    once every positive target is met within ``tolerance`` (relative). A target above the
    number of other nodes with positive excess cannot be met and is lowered to it first (a
    weight chasing it would grow without bound and starve everyone else). Nodes with zero
    excess keep weight 0. O(n log n) per round.
    """
    e = np.asarray(excess, dtype=np.float64).copy()
    pos = e > 0
    if not pos.any():
        return e
    np.minimum(e, float(pos.sum() - 1), out=e)
    w = e.copy()
    for _ in range(int(iterations)):
        got = capped_chung_lu_expected_degrees(w)
        if lost is not None:
            got = got - lost(w)
        ratio = np.divide(e, got, out=np.ones_like(e), where=got > 0)
        if np.abs(ratio[pos] - 1.0).max() < tolerance:
            break
        w = w * ratio
    return w


def capped_chung_lu_expected_degrees(w):
    """E_i = sum_{j != i} min(1, w_i w_j / W), W = sum w, for every i. O(n log n), no n x n.

    With weights sorted ascending (prefix sums P), the j with w_j >= W / w_i contribute 1 each
    and the others w_i w_j / W; the self term min(1, w_i^2 / W) is removed.
    """
    w = np.asarray(w, dtype=np.float64)
    total = float(w.sum())
    if total <= 0:
        return np.zeros_like(w)
    ws = np.sort(w)
    prefix = np.concatenate([[0.0], np.cumsum(ws)])
    thresh = np.divide(total, w, out=np.full_like(w, np.inf), where=w > 0)
    k = np.searchsorted(ws, thresh, side="left")
    e = (w.shape[0] - k) + w / total * prefix[k]
    return np.maximum(0.0, e - np.minimum(1.0, w * w / total))


def chung_lu_background_clustering(w) -> float:
    """Chance that two Chung-Lu neighbours of a node are themselves joined.

    sum_{j,k} w_j w_k min(1, w_j w_k / W) / W^2: a node's neighbours are drawn in proportion to
    weight (the first-order Chung-Lu picture) and joined with the capped probability; the cap
    keeps it <= 1 in small dense graphs, where the uncapped (sum w^2 / W)^2 / W can pass 1.
    O(n log n) by sorting, as :func:`capped_chung_lu_expected_degrees`.
    """
    w = np.asarray(w, dtype=np.float64)
    total = float(w.sum())
    if total <= 0:
        return 0.0
    ws = np.sort(w)
    prefix1 = np.concatenate([[0.0], np.cumsum(ws)])
    prefix2 = np.concatenate([[0.0], np.cumsum(ws * ws)])
    thresh = np.divide(total, ws, out=np.full_like(ws, np.inf), where=ws > 0)
    k = np.searchsorted(ws, thresh, side="left")
    inner = (prefix1[-1] - prefix1[k]) + ws / total * prefix2[k]  # sum_k w_k min(1, w_j w_k / W)
    return float(min(1.0, np.dot(ws, inner) / total**2))


def _block_density(mean_a, mean_b, mean_b2, mean_c, c_bg):
    """rho in [0, 1] with rho^3 mean_a + c_bg (1 - 2 rho mean_b + rho^2 mean_b2) = mean_c, per block.

    Bisection (60 steps) for the crossing from below; 0 where c_bg alone reaches the target,
    1 where even rho = 1 falls short.
    """
    def f(r):
        return r**3 * mean_a + c_bg * (1.0 - 2.0 * r * mean_b + r * r * mean_b2)

    lo = np.zeros_like(mean_c)
    hi = np.ones_like(mean_c)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        low = f(mid) < mean_c
        lo = np.where(low, mid, lo)
        hi = np.where(low, hi, mid)
    return np.where(c_bg >= mean_c, 0.0, hi)


def _validated(targets):
    if not isinstance(targets, BterTargets):
        raise ParameterError("bter: targets must be a BterTargets (see simulate.generators.bter_targets)")
    d = np.asarray(targets.degrees)
    if d.ndim != 1 or not np.issubdtype(d.dtype, np.integer):
        raise ParameterError("bter: degrees must be a 1-D integer array")
    d = d.astype(np.int64)
    n = d.shape[0]
    if n and (d.min() < 0 or d.max() > n - 1):
        raise ParameterError(f"bter: degrees must lie in [0, n - 1] = [0, {n - 1}]")
    if n >= 2**31:
        raise ParameterError("bter: at most 2^31 - 1 nodes (int32 CSR indices)")
    cd = np.asarray(targets.curve_degrees)
    cc = np.asarray(targets.curve_clustering, dtype=np.float64)
    if cd.ndim != 1 or cc.ndim != 1 or cd.shape != cc.shape:
        raise ParameterError("bter: curve_degrees and curve_clustering must be 1-D arrays of one length")
    if cd.shape[0] and (np.any(np.diff(cd) <= 0) or cd[0] < 1):
        raise ParameterError("bter: curve_degrees must be distinct degrees >= 1 in ascending order")
    if cc.shape[0] and (not np.isfinite(cc).all() or cc.min() < 0 or cc.max() > 1):
        raise ParameterError("bter: curve_clustering values must lie in [0, 1]")
    return d, cd.astype(np.int64), cc


def _child(seed, key):
    """A SeedSequence for one phase of this construction, separate from every other model's streams."""
    if isinstance(seed, np.random.SeedSequence):
        return np.random.SeedSequence(seed.entropy, spawn_key=tuple(seed.spawn_key) + (STREAM_TAG, key))
    return np.random.SeedSequence(seed, spawn_key=(STREAM_TAG, key))
