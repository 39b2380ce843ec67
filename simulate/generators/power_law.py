"""Heavy-tailed graphs with given expected degrees (Chung-Lu) or degree sequence (configuration model)."""

from __future__ import annotations

import numpy as np
import polars as pl

from ..errors import ParameterError
from ..graph import BuildReport, Graph
from ..kernels.generators import power_law as _k
from ..kernels.csr import chunk_cursors, csr_from_unique_edges, sort_rows
from ..kernels.random import stream_states
from .registry import MAX_NODES, ParamSpec, Rule, numpy_rng, register_model, seed_meta

#: First spawn-key entry of this model's random streams (one distinct tag per model).
STREAM_TAG = 4
_BLOCK_WORK = 2048.0  # expected candidate visits per block (and random stream) in the Chung-Lu kernel
# Up to this many expected edges (an upper bound: sum of the blocks' mu) chung_lu_csr keeps an
# edge list (~32 bytes per edge at the peak, 128 MiB here); above it, the two-pass build
# (~8 bytes per edge) takes over. Both give the identical graph.
_ONE_PASS_MAX_EDGES = 4.0e6


def power_law_weights(n, gamma, mean_degree, max_degree=None, where="power_law"):
    """Expected degrees w_i = c (n / (i + 1))^(1/(gamma-1)), capped at ``max_degree``, mean ``mean_degree``.

    Sorted descending (i = 0 is the largest). ``c`` is found by bisection so that
    mean(min(c x_i, max_degree)) = mean_degree. These are the quantiles of a Pareto law
    with density ~ w^-gamma, so the realised degree distribution has tail exponent gamma.
    """
    if n == 0:
        return np.empty(0)
    x = (n / np.arange(1, n + 1, dtype=np.float64)) ** (1.0 / (gamma - 1.0))
    if max_degree is None:
        return x * (mean_degree / x.mean())
    if max_degree < mean_degree:
        raise ParameterError(f"parameter 'max_degree' of {where} must be >= mean_degree ({mean_degree:g}), got {max_degree:g}")
    # mean(min(c x, cap)) in O(log n) per evaluation: x is decreasing, so the capped entries
    # are a prefix (x_i > cap / c) and the rest is c times a suffix sum.
    suffix = np.concatenate([np.cumsum(x[::-1])[::-1], [0.0]])
    neg_x = -x

    def capped_mean(c):
        k = int(np.searchsorted(neg_x, -max_degree / c, side="left"))  # entries with x > cap / c
        return (k * max_degree + c * suffix[k]) / n

    lo, hi = 0.0, mean_degree / x.mean()
    while capped_mean(hi) < mean_degree:
        hi *= 2.0
        if hi > 1e300:
            break
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if capped_mean(mid) < mean_degree:
            lo = mid
        else:
            hi = mid
    return np.minimum(hi * x, max_degree)


def block_bounds(row_w, start, end, inv_s, col_w):
    """Row blocks of equal expected work for the Chung-Lu kernels, and each block's expected
    edge count (an upper bound: min(1, x) <= x). Depends only on the weights."""
    csum = np.concatenate([[0.0], np.cumsum(col_w)])
    mu = row_w * inv_s * (csum[end] - csum[start])
    del csum
    cost = np.cumsum(1.0 + mu)
    total = float(cost[-1]) if cost.shape[0] else 0.0
    # Blocks share one pass over the candidate tiles (see the kernel), so large graphs get
    # blocks of ~ncols/2 visits: each block reads every tile from memory once.
    nb = int(min(max(1, total // max(_BLOCK_WORK, 0.5 * col_w.shape[0])), max(1, row_w.shape[0])))
    row_bounds = np.searchsorted(cost, total * np.arange(1, nb) / nb, side="right")
    del cost
    row_bounds = np.unique(np.concatenate([[0], row_bounds, [row_w.shape[0]]])).astype(np.int64)
    mcum = np.concatenate([[0.0], np.cumsum(mu)])
    return row_bounds, mcum[row_bounds[1:]] - mcum[row_bounds[:-1]]


def _chung_lu_call(row_w, row_node, start, end, inv_s, col_w, col_node, seed, spawn):
    """Run the Chung-Lu kernel with blocks of equal expected work and per-block capacities.

    Row r's expected edge count is at most mu_r = row_w[r] inv_s[r] sum(col_w[start:end])
    (min(1, x) <= x); its cost is about 1 + mu_r. Blocks are cut at equal cumulative cost
    (~max(_BLOCK_WORK, ncols / 2) each), so hub rows get blocks of their own and both threads
    of a static schedule get the same work; a block's slot holds mu_b + 8 sqrt(mu_b) + 64 edges. Both
    depend only on the weights, never on the thread count.
    """
    row_bounds, mu_b = block_bounds(row_w, start, end, inv_s, col_w)
    cap = np.ceil(mu_b + 8.0 * np.sqrt(mu_b) + 64.0).astype(np.int64)
    cap_ptr = np.concatenate([[0], np.cumsum(cap)]).astype(np.int64)
    return _k.chung_lu_edges(row_w, row_node, start, end, inv_s, col_w, col_node, row_bounds, cap_ptr,
                             stream_states(seed, row_bounds.shape[0] - 1, spawn))


def chung_lu_pairs(order, group_ptr, weights, states_seed, spawn):
    """Undirected Chung-Lu edges inside each group of ``order`` (nodes sorted by weight desc per group).

    ``weights`` are aligned with ``order``; group g is ``order[group_ptr[g]:group_ptr[g+1]]``
    and joins i, j of the group with probability min(1, w_i w_j / W_g). Returns int32
    ``(src, dst)``, each pair at most once, no self-loops.
    """
    npos = order.shape[0]
    if npos == 0:
        e = np.empty(0, dtype=np.int32)
        return e, e
    weights = np.ascontiguousarray(weights, dtype=np.float64)
    sizes = np.diff(group_ptr)
    gid = np.repeat(np.arange(sizes.shape[0]), sizes)
    wsum = np.bincount(gid, weights=weights, minlength=sizes.shape[0])
    inv_s = np.where(wsum[gid] > 0, 1.0 / np.where(wsum[gid] > 0, wsum[gid], 1.0), 0.0)
    start = np.arange(1, npos + 1, dtype=np.int64)
    end = group_ptr[1:][gid].astype(np.int64)
    nodes = order.astype(np.int64)
    return _chung_lu_call(weights, nodes, start, end, inv_s, weights, nodes, states_seed, spawn)


def chung_lu_arcs(w_out, w_in, seed, spawn):
    """Directed Chung-Lu arcs u -> v (u != v) with probability min(1, w_out[u] w_in[v] / sum(w_in)).

    Returns int32 ``(src, dst)``, each ordered pair at most once.
    """
    n = w_out.shape[0]
    total = float(w_in.sum())
    if n == 0 or total <= 0:
        e = np.empty(0, dtype=np.int32)
        return e, e
    col = np.argsort(-w_in, kind="stable").astype(np.int64)
    return _chung_lu_call(w_out.astype(np.float64), np.arange(n, dtype=np.int64), np.zeros(n, dtype=np.int64),
                          np.full(n, n, dtype=np.int64), np.full(n, 1.0 / total), w_in[col].astype(np.float64),
                          col, seed, spawn)


def _mixing_fraction(group, weights, within, k, where):
    """Share f of each node's weight spent inside its group so that a fraction ``within`` of
    edges joins same-group nodes, given that global edges land inside a group by chance
    with probability s2 = sum_g (W_g / W)^2."""
    share = np.bincount(group, weights=weights, minlength=k) / weights.sum()
    s2 = float((share**2).sum())
    if within < s2 - 1e-12:
        raise ParameterError(f"parameter 'within' of {where} must be in [{s2:.4f}, 1] for {k} communities "
                             f"(random mixing already puts {s2:.4f} of edges inside groups), got {within:g}")
    return 0.0 if s2 >= 1.0 else (within - s2) / (1.0 - s2), s2


@register_model(
    "power_law",
    "Heavy-tailed graph with power-law expected degrees (Chung-Lu, Miller-Hagberg sampling) or configuration model; optional communities.",
    ParamSpec("n", int, low=0, high=MAX_NODES, doc="Number of nodes."),
    ParamSpec("gamma", float, low=2.0001, high=50.0, doc="Degree exponent: P(k) ~ k^-gamma."),
    ParamSpec("mean_degree", float, low=0.0, high=1e7, doc="Target mean degree."),
    ParamSpec("max_degree", float, default=None, low=1.0, high=1e9, doc="Cap on expected degrees (none: uncapped)."),
    ParamSpec("model", str, default="chung_lu", choices=("chung_lu", "configuration"),
              doc="chung_lu: independent pairs with p = w_i w_j / W; configuration: stub matching."),
    ParamSpec("communities", int, default=0, low=0, high=MAX_NODES,
              doc="Number of groups ('countries'), node attribute 'country'; 0 = none."),
    ParamSpec("within", float, default=0.0, low=0.0, high=1.0,
              doc="Expected fraction of edges joining two members of the same group."),
    # group of each node as attribute "country" when there are 2 or more groups
    provides=lambda p: ("country",) if p is None or p.get("communities", 0) >= 2 else (),
    rules=[Rule(("max_degree", "mean_degree"), "max_degree, when given, is >= mean_degree",
                lambda v: v["max_degree"] is None or v["max_degree"] >= v["mean_degree"],
                lambda v: f"parameter 'max_degree' of power_law must be >= mean_degree ({v['mean_degree']:g}), "
                          f"got {v['max_degree']:g}")],
    build_bytes=lambda v: power_law_build_bytes(v["n"], v["mean_degree"], v["model"], v["communities"]),
)
def power_law(n, gamma, mean_degree, max_degree=None, model="chung_lu", communities=0, within=0.0,
              *, seed=0) -> Graph:
    """Undirected graph with a power-law degree distribution.

    Parameters
    ----------
    n : int
        Number of nodes.
    gamma : float
        Exponent of the degree distribution P(k) ~ k^-gamma (> 2, so the mean is finite).
    mean_degree : float
        Target mean degree (edges = n * mean_degree / 2).
    max_degree : float, optional
        Cap on the expected degree of any node (e.g. Facebook's 5,000-friend limit). The
        weights are rescaled so that the mean stays ``mean_degree``.
    model : {"chung_lu", "configuration"}
        ``chung_lu``: expected degrees w_i; pair (i, j) present independently with probability
        min(1, w_i w_j / W), W = sum w. ``configuration``: integer degrees (w_i randomly
        rounded, parity fixed) and uniform stub matching; self-loops and multi-edges are
        *erased* and counted in ``graph.meta`` (``self_loops_erased``, ``multi_edges_erased``)
        and ``graph.report``.
    communities : int
        Number of groups; each node joins a uniformly random group (node attribute
        ``country``). 0 or 1: no groups.
    within : float
        Expected fraction of edges with both ends in the same group (Facebook: 0.84 inside
        countries). Each node spends a share f of its weight (stubs) inside its group and 1 - f
        globally; global edges also land inside a group with probability
        s2 = sum_g (W_g/W)^2, so f = (within - s2) / (1 - s2) (recorded as
        ``meta["within_layer_share"]``). ``within < s2`` raises ParameterError. Chung-Lu: a
        pair of one group is joined with probability
        min(1, f w_i w_j / W_g + (1 - f) w_i w_j / W), a pair of two groups with
        min(1, (1 - f) w_i w_j / W) (W_g = the group's total weight), each pair drawn once.
        Expected degrees inside a group are clipped at probability 1 (Chung-Lu) and
        multi-edges erased (configuration), which lowers the realised share when hub degrees
        approach the group size: cap ``max_degree`` well below n / communities (30 groups of
        667 nodes, gamma 2.5, max_degree 300: within=0.84 is met to +-0.015).
    seed : int or numpy.random.SeedSequence

    Returns
    -------
    Graph
        Undirected. Node labels are a random permutation of the weight ranks (node 0 is not
        the hub). ``meta``: model "power_law", all parameters, ``sampling`` (chung_lu or
        configuration), ``seed``.

    Notes
    -----
    Weights w_i = c (n/(i+1))^(1/(gamma-1)) are the quantiles of a Pareto law with exponent
    gamma, scaled (with the cap) to the target mean.

    Chung-Lu sampling follows Miller & Hagberg, "Efficient generation of networks with given
    expected degrees", WAW 2011, LNCS 6732, doi:10.1007/978-3-642-21286-4_10: candidates sorted
    by weight, geometric skips with the current (upper-bound) probability and thinning,
    O(n + m) expected time, parallel over blocks of rows of equal expected work with one
    random stream per block. Every pair is drawn at most once (with communities: by the group
    layer if both ends share a group, else by the global layer, which skips same-group
    candidates; the sum of the two layers' probabilities replaces the earlier union
    1 - (1 - a)(1 - b) of two overlapping layers, a relative change of at most
    b = (1 - f) w_i w_j / W per pair: < 0.4% even between two 5,000-degree hubs of the
    10M-node Facebook-like graph). No edge list is ever stored: the CSR is built in two passes
    over the same random streams (:func:`chung_lu_csr`: count degrees, then regenerate the
    identical edges and write both arcs in place, sort rows), so the peak memory is the CSR
    itself plus ~100 bytes per node: 10M nodes / 970M edges (mean degree ~194) in ~11 GB.
    Configuration model: Fisher-Yates shuffle of the stubs, O(n + m), serial.

    Reaching a Facebook-like degree sequence (Ugander et al. 2011: mean ~190, median ~99, cap
    5,000): a Pareto law has median/mean = 2^(1/(gamma-1)) (gamma-2)/(gamma-1), which is 0.53
    at gamma = 2.5, so ``gamma=2.5, mean_degree=190, max_degree=5000`` gives a median near 100
    (tested in tests/test_generators.py). Chung-Lu degrees of low-weight nodes are Poisson
    around w_i, and clipping at probability 1 / erasing multi-edges makes the realised mean a
    little lower than ``mean_degree`` when gamma is close to 2.
    """
    rng = numpy_rng(seed, STREAM_TAG)
    w_sorted = power_law_weights(n, gamma, mean_degree, max_degree)
    node_of_rank = rng.permutation(n).astype(np.int64)
    w = np.empty(n)
    w[node_of_rank] = w_sorted
    k = int(communities)
    grouped = k >= 2 and n > 0
    group = rng.integers(0, k, size=n).astype(np.int64) if grouped else np.zeros(n, dtype=np.int64)
    f, s2 = _mixing_fraction(group, w, within, k, "power_law") if grouped else (0.0, 1.0)
    meta = {"model": "power_law", "n": n, "gamma": gamma, "mean_degree": mean_degree,
            "max_degree": max_degree, "sampling": model, "communities": k, "within": within,
            "seed": seed_meta(seed)}
    if grouped:
        meta["within_layer_share"] = f
        meta["random_mixing_within"] = s2
    if model == "chung_lu":
        indptr, indices = chung_lu_csr(node_of_rank, w, group if grouped else None, f, seed)
        g = Graph(indptr, indices, False, meta=meta, report=BuildReport(input_edges=int(indices.shape[0] // 2)))
    else:
        src, dst = _configuration_grouped(node_of_rank, group, w, f, k if grouped else 1, rng, seed)
        g = Graph.from_edges(src, dst, directed=False, n=n, relabel=False, meta=meta)
        g.meta["self_loops_erased"] = g.report.self_loops_dropped
        g.meta["multi_edges_erased"] = g.report.duplicates_dropped
    if grouped:
        return Graph(g.indptr, g.indices, False, node_attrs=pl.DataFrame({"country": group}),
                     meta=g.meta, report=g.report)
    return g


def chung_lu_layout(node_of_rank, w, group, f):
    """Rows and candidate columns of the (grouped) Chung-Lu model for the kernels.

    Rows 0..n-1 are the *global layer*: every node (in weight order ``node_of_rank``) against
    the nodes after it, probability (1 - f) w_i w_j / W, W = sum w; with groups, pairs of the
    same group are excluded from it (``row_excl`` = the row's group). Rows n..2n-1 (with
    groups only) are the *group layer*: each node against the later
    nodes of its own group (same weight order), probability w_i w_j (f / W_g + (1 - f) / W),
    W_g = sum of w over the group. So a same-group pair has probability
    min(1, f w_i w_j / W_g + (1 - f) w_i w_j / W) and a cross-group pair min(1, (1 - f) w_i w_j / W),
    each drawn once, by exactly one layer: the union has no duplicates by construction.

    Returns a dict of kernel arguments (int64 / float64 arrays).
    """
    n = node_of_rank.shape[0]
    nodes = node_of_rank.astype(np.int64)
    w_rank = np.ascontiguousarray(w[nodes], dtype=np.float64)
    W = float(w_rank.sum())
    inv_w = 1.0 / W if W > 0 else 0.0
    start = np.arange(1, n + 1, dtype=np.int64)
    end = np.full(n, n, dtype=np.int64)
    if group is None:
        empty = np.empty(0, dtype=np.int64)
        return dict(row_w=w_rank, row_node=nodes, row_start=start, row_end=end,
                    row_inv_s=np.full(n, (1.0 - f) * inv_w), row_excl=empty, col_w=w_rank, col_node=nodes,
                    col_group=empty)
    g_rank = group[nodes].astype(np.int64)
    k = int(group.max()) + 1 if n else 1
    order = np.argsort(g_rank, kind="stable")  # group by group, weight order kept inside
    by_group = nodes[order]
    gb = g_rank[order]
    wb = w_rank[order]
    del order
    sizes = np.bincount(gb, minlength=k)
    ptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    wg = np.bincount(gb, weights=wb, minlength=k)
    inv_g = np.where(wg > 0, f / np.where(wg > 0, wg, 1.0), 0.0) + (1.0 - f) * inv_w
    return dict(
        row_w=np.concatenate([w_rank, wb]), row_node=np.concatenate([nodes, by_group]),
        row_start=np.concatenate([start, n + start]), row_end=np.concatenate([end, n + ptr[1:][gb]]),
        row_inv_s=np.concatenate([np.full(n, (1.0 - f) * inv_w), inv_g[gb]]),
        row_excl=np.concatenate([g_rank, np.full(n, -1, dtype=np.int64)]),
        col_w=np.concatenate([w_rank, wb]), col_node=np.concatenate([nodes, by_group]),
        col_group=np.concatenate([g_rank, gb]))


def chung_lu_csr(node_of_rank, w, group, f, seed, chunks=None):
    """CSR (indptr int64, indices int32, rows sorted) of the (grouped) Chung-Lu graph, built in
    two passes over the same random streams, without ever holding an edge list.

    Pass 1 (:func:`simulate.kernels.generators.power_law.chung_lu_count`) counts each node's degree,
    pass 2 (:func:`~simulate.kernels.generators.power_law.chung_lu_scatter`) regenerates the identical
    edges from copies of the same per-block streams and writes both arcs straight into the
    CSR, then rows are sorted in parallel. Peak memory: the CSR (4 bytes per arc + 8 per
    node), the layout (~80 bytes per node) and 8 bytes per node per chunk of blocks. The
    graph does not depend on ``chunks`` (default: the Numba thread count) or on threads.
    See :func:`chung_lu_layout` for the model. Graphs of at most ``_ONE_PASS_MAX_EDGES``
    expected edges take a faster one-pass route instead (the same edges into a list, then
    :func:`simulate.kernels.csr.csr_from_unique_edges`): the identical CSR, ~2x sooner.
    """
    from numba import get_num_threads

    n = node_of_rank.shape[0]
    if n == 0:
        return np.zeros(1, dtype=np.int64), np.empty(0, dtype=np.int32)
    lay = chung_lu_layout(node_of_rank, w, group, f)
    bounds, mu_b = block_bounds(lay["row_w"], lay["row_start"], lay["row_end"], lay["row_inv_s"], lay["col_w"])
    states = stream_states(seed, bounds.shape[0] - 1, (STREAM_TAG, 4))
    if mu_b.sum() <= _ONE_PASS_MAX_EDGES:
        # Small graphs: one pass into an edge list, then two counting sorts
        # (csr_from_unique_edges) beat count + regenerate + per-row sort by ~2x, and give the
        # identical graph (same blocks, same streams, same edges; sorted rows).
        cap = np.ceil(mu_b + 8.0 * np.sqrt(mu_b) + 64.0).astype(np.int64)
        cap_ptr = np.concatenate([[0], np.cumsum(cap)]).astype(np.int64)
        src, dst = _k.chung_lu_edges(lay["row_w"], lay["row_node"], lay["row_start"], lay["row_end"],
                                     lay["row_inv_s"], lay["col_w"], lay["col_node"], bounds, cap_ptr, states,
                                     row_excl=lay["row_excl"], col_group=lay["col_group"])
        del lay
        return csr_from_unique_edges(src, dst, n, True)
    chunks = int(chunks or max(1, get_num_threads()))
    args = (lay["row_w"], lay["row_node"], lay["row_start"], lay["row_end"], lay["row_inv_s"], lay["row_excl"],
            lay["col_w"], lay["col_node"], lay["col_group"], bounds, states)
    cursors = _k.chung_lu_count(*args, np.int64(n), np.int64(chunks))
    indptr = chunk_cursors(cursors)
    indices = np.empty(int(indptr[-1]), dtype=np.int32)
    _k.chung_lu_scatter(*args, cursors, indices)
    del cursors, args, lay
    repeats = sort_rows(indptr, indices)
    if repeats:  # pragma: no cover - the layers are disjoint by construction
        raise RuntimeError(f"chung_lu_csr: {repeats} repeated arcs (layout broken)")
    return indptr, indices


def power_law_build_bytes(n, mean_degree, model="chung_lu", communities=0, threads=None):
    """Peak bytes of :func:`power_law` (upper end) for ``n`` nodes of mean degree ``mean_degree``.

    Chung-Lu (:func:`chung_lu_csr`, two passes, no edge list): the int32 CSR (4 bytes per arc,
    ``n * mean_degree`` arcs, 8 per node), the kernel layout while the CSR is filled (40 bytes
    per node, 144 with communities: two layers of 72), ~32 bytes per node of weights, ranks and
    groups, 8 bytes per node per counter row (one per thread) and 48 bytes per node of
    temporaries and allocator slack; graphs small enough for the one-pass route (at most
    ``_ONE_PASS_MAX_EDGES`` expected edges) add their edge list, ~32 bytes per edge. At 10^7
    nodes / mean degree 190 with 100 countries: 9.39 GiB declared; measured peak RSS growth
    9.08 GiB (9.29 GiB peak with the interpreter, `benchmarks/bench_generators.py`). The
    configuration model builds from an int64 edge list: :func:`simulate.memory.graph_bytes`.
    """
    from numba import get_num_threads

    from ..memory import graph_bytes

    arcs = float(n) * float(mean_degree)
    if model != "chung_lu":
        return graph_bytes(n, int(arcs))
    threads = int(threads or get_num_threads())
    layout = 144 if communities >= 2 else 40
    one_pass = 32.0 * arcs / 2 if arcs / 2 <= _ONE_PASS_MAX_EDGES else 0.0
    return int(4 * arcs + (8 + 32 + layout + 8 * threads + 48) * n + one_pass)


def _configuration_grouped(node_of_rank, group, w, f, k, rng, seed):
    n = w.shape[0]
    if n == 0:
        e = np.empty(0, dtype=np.int64)
        return e, e
    deg = np.floor(w).astype(np.int64)
    deg += rng.random(n) < (w - deg)
    np.minimum(deg, n - 1, out=deg)
    if deg.sum() % 2:
        deg[node_of_rank[-1]] += 1  # parity: the lowest-weight node gets one more stub
    intra = rng.binomial(deg, f) if f > 0 else np.zeros(n, dtype=np.int64)
    # Each group's internal stubs must pair up: move one stub of an odd group to the global pool.
    odd = np.bincount(group, weights=intra, minlength=k).astype(np.int64) % 2 == 1
    if odd.any():
        has = intra > 0
        cand = np.flatnonzero(has & odd[group])
        first = cand[np.unique(group[cand], return_index=True)[1]]
        intra[first] -= 1
    glob = deg - intra
    by_group = np.argsort(group, kind="stable")
    owner = np.concatenate([np.repeat(by_group, intra[by_group]), np.repeat(np.arange(n), glob)]).astype(np.int64)
    seg = np.concatenate([[0], np.cumsum(np.bincount(group, weights=intra, minlength=k).astype(np.int64))])
    seg = np.concatenate([seg, [owner.shape[0]]]).astype(np.int64)
    return _k.stub_matching(owner, seg, stream_states(seed, 1, (STREAM_TAG, 3))[0])
