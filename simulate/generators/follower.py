"""Directed heavy-tailed follower graphs with a target share of mutual pairs."""

from __future__ import annotations

import numpy as np

from ..graph import BuildReport, Graph
from ..kernels.generators import follower as _k
from ..kernels.csr import chunk_cursors, sort_rows
from ..kernels.generators import power_law as _pk
from ..kernels.random import stream_key, stream_states
from .power_law import block_bounds, power_law_weights
from ..errors import ParameterError
from .registry import MAX_NODES, ParamSpec, Rule, numpy_rng, register_model, seed_meta

#: First spawn-key entry of this model's random streams (one distinct tag per model).
STREAM_TAG = 8
_OVERSAMPLE = 1.15  # one-way arcs drawn in excess, then trimmed to the exact count
#: Rules for a user's weight in the mutual layer (see :func:`directed_follower`).
MUTUAL_WEIGHTS = ("mean", "min")


@register_model(
    "directed_follower",
    "Directed follower graph (Twitter-like): power-law out/in degrees, a set share of mutual (reciprocal) pairs.",
    ParamSpec("n", int, low=0, high=MAX_NODES, doc="Number of nodes."),
    ParamSpec("gamma_out", float, default=2.5, low=2.0001, high=50.0, doc="Out-degree exponent."),
    ParamSpec("gamma_in", float, default=2.2, low=2.0001, high=50.0, doc="In-degree exponent (Twitter: ~2.28)."),
    ParamSpec("mean_degree", float, default=20.0, low=0.0, high=1e6, doc="Mean out-degree (= mean in-degree)."),
    ParamSpec("mutual_pair_share", float, default=0.221, low=0.0, high=1.0,
              doc="Share of connected pairs that follow each other (Twitter: 0.221, Kwak et al. 2010); "
                  "the share of arcs returned is 2 r / (1 + r) (0.362 for 0.221)."),
    ParamSpec("max_degree", float, default=None, low=1.0, high=1e9,
              doc="Cap on expected out- and in-degrees (both; see max_followings / max_followers)."),
    ParamSpec("max_followings", float, default=None, low=1.0, high=1e9,
              doc="Cap on expected out-degrees (followings) alone; needs mutual_weight = min."),
    ParamSpec("max_followers", float, default=None, low=1.0, high=1e9,
              doc="Cap on expected in-degrees (followers) alone; needs mutual_weight = min."),
    ParamSpec("zero_followers_share", float, default=0.0, low=0.0, high=1.0,
              doc="Share of users nobody follows (in-weight 0, exact); needs mutual_weight = min."),
    ParamSpec("zero_followings_share", float, default=0.0, low=0.0, high=1.0,
              doc="Share of users who follow nobody (out-weight 0, exact; disjoint from the users without "
                  "followers); needs mutual_weight = min."),
    ParamSpec("mutual_weight", str, default="mean", choices=MUTUAL_WEIGHTS,
              doc="Weight of a user in the mutual layer: mean = r_a (w_out + w_in) / 2 (expected degrees "
                  "mixed); min = c min(w_out, w_in) (expected out- and in-degrees exact, caps hold separately)."),
    provides=(),
    rules=[Rule(("max_degree", "mean_degree"), "max_degree, when given, is >= mean_degree",
                lambda v: v["max_degree"] is None or v["max_degree"] >= v["mean_degree"],
                lambda v: f"parameter 'max_degree' of directed_follower must be >= mean_degree "
                          f"({v['mean_degree']:g}), got {v['max_degree']:g}"),
           Rule(("max_followings", "max_followers", "zero_followers_share", "zero_followings_share",
                 "mutual_weight"),
                "separate caps and users without followers/followings need mutual_weight = min",
                lambda v: v["mutual_weight"] == "min" or (
                    v["max_followings"] is None and v["max_followers"] is None
                    and v["zero_followers_share"] == 0 and v["zero_followings_share"] == 0),
                lambda v: "directed_follower: max_followings, max_followers, zero_followers_share and "
                          "zero_followings_share need mutual_weight = \"min\" (with \"mean\" a user's mutual "
                          "pairs follow (w_out + w_in) / 2, so a much-followed user would follow many back and "
                          "a user without followers would get some)"),
           Rule(("zero_followers_share", "zero_followings_share"),
                "zero_followers_share + zero_followings_share <= 1 (the two groups are disjoint)",
                lambda v: v["zero_followers_share"] + v["zero_followings_share"] <= 1.0,
                lambda v: f"directed_follower: zero_followers_share + zero_followings_share must be <= 1 (no user "
                          f"is in both groups), got {v['zero_followers_share'] + v['zero_followings_share']:g}")],
    build_bytes=lambda v: follower_build_bytes(v["n"], v["mean_degree"], mutual_weight=v["mutual_weight"]),
    retired={"reciprocity": "it set the share of ARCS whose reverse exists, which is not Kwak et al.'s 22.1% "
                            "(a share of connected PAIRS, = 36.2% of arcs). Write mutual_pair_share = r_p, the "
                            "share of connected pairs that follow each other; an arc share r_a is "
                            "r_p = r_a / (2 - r_a)."},
)
def directed_follower(n, gamma_out=2.5, gamma_in=2.2, mean_degree=20.0, mutual_pair_share=0.221, max_degree=None,
                      max_followings=None, max_followers=None, zero_followers_share=0.0, zero_followings_share=0.0,
                      mutual_weight="mean", *, seed=0) -> Graph:
    """Directed heavy-tailed graph whose share of mutual pairs is set exactly.

    Parameters
    ----------
    n : int
        Number of nodes.
    gamma_out, gamma_in : float
        Exponents of the out- and in-weight (expected degree) laws, assigned to nodes by
        independent random permutations.
    mean_degree : float
        Target arcs per node, T = n * mean_degree arcs in all.
    mutual_pair_share : float
        Target share r_p of connected (unordered) pairs {u, v} with both arcs u -> v and
        v -> u: M / (M + A) for M mutual pairs and A one-way arcs (igraph's
        ``reciprocity(mode="ratio")``). The share of arcs whose reverse exists is then
        r_a = 2 M / (2 M + A) = 2 r_p / (1 + r_p).
    max_degree : float, optional
        Cap on the expected out- and in-degrees (both, unless the next two say otherwise).
    max_followings, max_followers : float, optional
        Separate caps on the expected out-degree (followings) and in-degree (followers);
        default ``max_degree``. Need ``mutual_weight = "min"``.
    zero_followers_share, zero_followings_share : float
        Shares of users with in-weight 0 (nobody follows them) and with out-weight 0 (they
        follow nobody), ``round(share * n)`` users each, drawn at random and disjoint (no user
        is in both groups, so none is isolated by construction). Their realised in- (out-)
        degree is exactly 0; the other users' weights are scaled so that the arcs stay T.
        Need ``mutual_weight = "min"``.
    mutual_weight : {"mean", "min"}
        The mutual layer's weight of a user. ``"mean"``: r_a (w_out + w_in) / 2, the one-way
        layer (1 - r_a) w_out and (1 - r_a) w_in, so a user's expected out-degree mixes in its
        in-weight (a user with many expected followers also gets many followings). ``"min"``:
        m = c min(w_out, w_in) with c = r_a T / sum(min(w_out, w_in)) <= 1, the one-way layer
        w_out - m and w_in - m: expected out- and in-degrees are w_out and w_in exactly, so each
        cap holds on its own side and a user without followers gets no mutual pair. ParameterError
        when c would exceed 1 (the mutual share cannot be reached with these weights; the
        message gives the largest reachable share).
    seed : int or numpy.random.SeedSequence

    Returns
    -------
    Graph
        Directed. ``meta``: model "directed_follower", all parameters, ``mutual_pairs``,
        ``one_way_arcs``, ``mutual_pair_share_realised``, ``reciprocity_arcs_realised``,
        ``mutual_weight_scale`` (c, "min" only), seed.

    Notes
    -----
    Kwak, Lee, Park, Moon ("What is Twitter, a social network or a news media?", WWW 2010,
    doi:10.1145/1772690.1772751, section 3.2) report that "only 22.1% of user pairs with
    follow relations are reciprocal": a share of connected pairs, r_p = 0.221. The same graph
    has r_a = 2 r_p / (1 + r_p) = 0.362 of its arcs returned (r_p = r_a / (2 - r_a)). Earlier
    versions took 0.221 as the arc share (parameter ``reciprocity``, now retired).

    Two Chung-Lu layers (Miller & Hagberg 2011 sampling, doi:10.1007/978-3-642-21286-4_10):
    (1) mutual pairs, undirected, with the weights of ``mutual_weight``, each giving two
    arcs (about r_a T arcs); (2) candidate one-way arcs, directed, p(u->v) ~ o_out(u) o_in(v),
    drawn 1.15 times in excess. A candidate is dropped if its pair is already mutual, and of
    two candidates u -> v and v -> u one is dropped by a coin keyed by the pair (so one-way
    arcs are never reciprocated); the survivors are trimmed by a uniform random subset (the
    smallest keys of a keyed hash of the arc) to exactly A = 2M (1 - rho) / rho, M the
    realised mutual pairs, rho = r_a the arc share. The arc share 2M / (2M + A), hence the
    pair share M / (M + A), then equals the target up to rounding (if too few one-way arcs
    survive, all are kept: see ``mutual_pair_share_realised``).

    Built without an edge list (:func:`follower_csr`): both layers are counted, then
    regenerated from the same random streams straight into one int32 CSR buffer, filtered,
    trimmed and compacted in place. Memory ~4 bytes per candidate arc (about 4.4 per final
    arc) plus ~100-140 bytes per node (:func:`follower_build_bytes`): Twitter's 41.7M users
    and 1.47G arcs take ~6.4 GB for the buffer (the earlier edge-list build: ~23.5 GB).
    O(n + m log d) expected time. Same seed, same graph on any thread count. The in-neighbour
    CSR (:meth:`Graph.transpose`) is built by parallel counting on first use (another 4 bytes
    per arc).
    """
    rng = numpy_rng(seed, STREAM_TAG)
    meta = {"model": "directed_follower", "n": n, "gamma_out": gamma_out, "gamma_in": gamma_in,
            "mean_degree": mean_degree, "mutual_pair_share": mutual_pair_share, "max_degree": max_degree,
            "seed": seed_meta(seed)}
    # The construction works with the arc share rho = r_a (two arcs per mutual pair).
    arc_share = 2.0 * mutual_pair_share / (1.0 + mutual_pair_share)
    if mutual_weight == "mean":
        w_out = np.empty(n)
        w_in = np.empty(n)
        w_out[rng.permutation(n)] = power_law_weights(n, gamma_out, mean_degree, max_degree, "directed_follower")
        w_in[rng.permutation(n)] = power_law_weights(n, gamma_in, mean_degree, max_degree, "directed_follower")
        w_mutual = None
    else:
        cap_out = max_degree if max_followings is None else max_followings
        cap_in = max_degree if max_followers is None else max_followers
        meta.update(max_followings=cap_out, max_followers=cap_in, zero_followers_share=zero_followers_share,
                    zero_followings_share=zero_followings_share, mutual_weight=mutual_weight)
        w_out, w_in = follower_weights(n, gamma_out, gamma_in, mean_degree, cap_out, cap_in,
                                       zero_followers_share, zero_followings_share, rng)
        w_mutual, scale = mutual_min_weights(w_out, w_in, arc_share)
        meta["mutual_weight_scale"] = scale
        # What the mutual layer leaves of each side is the one-way layer's weight (in place: at
        # Twitter's size every float64 array of users is 0.33 GB).
        np.subtract(w_out, w_mutual, out=w_out)
        np.subtract(w_in, w_mutual, out=w_in)
        np.maximum(w_out, 0.0, out=w_out)
        np.maximum(w_in, 0.0, out=w_in)
    indptr, indices, mutual, one_way = follower_csr(w_out, w_in, arc_share, seed, w_mutual=w_mutual)
    del w_out, w_in, w_mutual
    arcs = 2 * mutual + one_way
    meta.update(mutual_pairs=mutual, one_way_arcs=one_way,
                mutual_pair_share_realised=(mutual / (mutual + one_way)) if arcs else 0.0,
                reciprocity_arcs_realised=(2 * mutual / arcs) if arcs else 0.0)
    return Graph(indptr, indices, True, meta=meta, report=BuildReport(input_edges=arcs))


def follower_weights(n, gamma_out, gamma_in, mean_degree, cap_out, cap_in, zero_in, zero_out, rng):
    """Expected out- and in-degrees (followings, followers) with separate caps and zero-degree users.

    ``k_in = round(zero_in n)`` users drawn at random get in-weight 0, another ``k_out =
    round(zero_out n)`` (disjoint from the first) get out-weight 0; the others get the
    power-law weights of :func:`~simulate.generators.power_law.power_law_weights` (tail exponent
    ``gamma_in`` / ``gamma_out``, capped at ``cap_in`` / ``cap_out``) in random order, with the
    mean raised to ``mean_degree * n / (n - k)`` so that both sides still sum to ``n *
    mean_degree`` arcs. Returns ``(w_out, w_in)``, float64[n] each.
    """
    k_in = int(round(zero_in * n))
    k_out = int(round(zero_out * n))
    if k_in + k_out > n:
        raise ParameterError(f"directed_follower: zero_followers_share + zero_followings_share must be <= 1, "
                             f"got {zero_in + zero_out:g}")
    w_out = np.zeros(n)
    w_in = np.zeros(n)
    if mean_degree == 0 or n == 0:
        return w_out, w_in
    for k, w, gamma, cap in ((k_in, w_in, gamma_in, cap_in), (k_out, w_out, gamma_out, cap_out)):
        if k == n:
            raise ParameterError(f"directed_follower: every user would have zero "
                                 f"{'followers' if w is w_in else 'followings'}, but mean_degree is {mean_degree:g}")
        mean_pos = mean_degree * n / (n - k)
        if cap is not None and cap < mean_pos:
            raise ParameterError(f"directed_follower: the cap on expected {'followers' if w is w_in else 'followings'} "
                                 f"({cap:g}) is below their mean among users who have any ({mean_pos:g})")
    order = rng.permutation(n)
    with_followers = order[k_in:]
    with_followings = np.concatenate([order[:k_in], order[k_in + k_out:]])
    del order
    w_in[rng.permutation(with_followers)] = power_law_weights(
        n - k_in, gamma_in, mean_degree * n / (n - k_in), cap_in, "directed_follower")
    w_out[rng.permutation(with_followings)] = power_law_weights(
        n - k_out, gamma_out, mean_degree * n / (n - k_out), cap_out, "directed_follower")
    return w_out, w_in


def mutual_min_weights(w_out, w_in, arc_share):
    """Mutual-layer weights c min(w_out, w_in) carrying ``arc_share`` of the arcs, and c.

    A mutual pair gives each end one follower and one following, so a user's expected mutual
    degree m may not exceed either side: m <= min(w_out, w_in). ``c = arc_share * sum(w_out) /
    sum(min(w_out, w_in))``; ParameterError if c > 1 (the share is out of reach of these
    weights; the message gives the largest reachable mutual-pair share).
    """
    low = np.minimum(w_out, w_in)
    total = float(w_out.sum())
    room = float(low.sum())
    if total == 0 or arc_share == 0:
        return np.zeros_like(low), 0.0
    scale = arc_share * total / room if room > 0 else np.inf
    if scale > 1.0 + 1e-12:
        reach = room / total  # largest arc share
        raise ParameterError(
            f"directed_follower: a mutual-pair share of {arc_share / (2 - arc_share):.4f} needs "
            f"{arc_share:.4f} of the arcs in mutual pairs, but with mutual_weight = \"min\" a user's mutual pairs "
            f"are at most min(followers, followings) and these degree laws allow at most "
            f"{reach:.4f} of the arcs (a mutual-pair share of {reach / (2 - reach):.4f}); lower "
            f"zero_followers_share / zero_followings_share or mutual_pair_share")
    low *= min(scale, 1.0)
    return low, float(min(scale, 1.0))


def follower_build_bytes(n, mean_degree, threads=None, mutual_weight="mean"):
    """Peak bytes of :func:`directed_follower`'s build for ``n`` nodes and ``n * mean_degree`` arcs (upper end).

    Parameters
    ----------
    n : int
        Users.
    mean_degree : float
        Arcs per user.
    threads : int, optional
        Numba threads [default: the current count].
    mutual_weight : {"mean", "min"}
        The mutual-layer rule (see :func:`directed_follower`).

    Returns
    -------
    int
        Bytes: ``4.6 * n * mean_degree + (72 + 24 threads + 16 [min]) * n``.

    Notes
    -----
    The int32 buffer of :func:`follower_csr` holds every candidate arc, at most
    ``_OVERSAMPLE`` times the arcs (4.6 bytes per arc). Per node: weights, the two layers'
    layouts, offsets and counters (72 bytes, with a margin); per thread, the mutual layer's
    counter row (8 bytes per node) and the bucket queue of each running Chung-Lu block (40
    bytes per row of the block): 24 bytes per node per thread, measured. The ``"min"`` rule
    keeps a third weight array, the mutual weights c min(w_out, w_in), alive through the whole
    build (the ``"mean"`` rule's mutual weights are a temporary of the mutual layer alone), and
    :func:`follower_weights` draws its users' permutations beside ``w_out`` and ``w_in``: 16
    bytes per node more. Measured peak RSS growth beyond 4.6 bytes per arc (10^6 users, 3 and
    12 arcs per user, 2026-11-30; ``tests/test_follower_two_pass.py`` checks the bound at
    600,000 users): "mean" 80 / 104 bytes per node at 1 / 2 threads, "min" 93 / 108, against
    96 / 120 and 112 / 136 declared. At Kwak's size (41,652,230 users, 1.47G arcs, "min", 2
    threads) the build's peak RSS was 10.00 GiB (``experiments/kwak_scale.py``, 2026-11-30)
    against 11.57 GiB declared.
    """
    from numba import get_num_threads

    threads = int(threads or get_num_threads())
    per_node = 72 + 24 * threads + (16 if mutual_weight == "min" else 0)
    return int(4 * _OVERSAMPLE * n * mean_degree + per_node * n)


def _const(value, n, dtype):
    """A read-only length-n array of one value, without n copies (stride 0)."""
    return np.broadcast_to(np.array(value, dtype=dtype), (n,))


def _mutual_layout(w_mutual):
    """Kernel arguments of the undirected Chung-Lu mutual layer: rows = columns = nodes by weight
    (descending), row r against the rows after it, p = min(1, w_i w_j / W)."""
    n = w_mutual.shape[0]
    by_w = np.argsort(-w_mutual, kind="stable").astype(np.int64)
    wr = np.ascontiguousarray(w_mutual[by_w])
    total = float(wr.sum())
    inv = 1.0 / total if total > 0 else 0.0
    return dict(row_w=wr, row_node=by_w, row_start=np.arange(1, n + 1, dtype=np.int64),
                row_end=_const(n, n, np.int64), row_inv_s=_const(inv, n, np.float64), col_w=wr, col_node=by_w)


def _one_way_layout(w_out, w_in):
    """Kernel arguments of the directed Chung-Lu layer: row u (node u) against every node v (sorted by
    ``w_in`` descending), p(u -> v) = min(1, w_out[u] w_in[v] / sum(w_in)), v != u."""
    n = w_out.shape[0]
    col = np.argsort(-w_in, kind="stable").astype(np.int64)
    total = float(w_in.sum())
    inv = 1.0 / total if total > 0 else 0.0
    return dict(row_w=np.ascontiguousarray(w_out, dtype=np.float64), row_node=np.arange(n, dtype=np.int64),
                row_start=_const(0, n, np.int64), row_end=_const(n, n, np.int64),
                row_inv_s=_const(inv, n, np.float64), col_w=np.ascontiguousarray(w_in[col], dtype=np.float64),
                col_node=col)


def _layer_streams(lay, seed, spawn):
    bounds, _ = block_bounds(lay["row_w"], lay["row_start"], lay["row_end"], lay["row_inv_s"], lay["col_w"])
    return bounds, stream_states(seed, bounds.shape[0] - 1, spawn)


def follower_csr(w_out, w_in, arc_share, seed, oversample=_OVERSAMPLE, chunks=None, w_mutual=None):
    """Out-arc CSR of the follower model (module notes), built in two passes without an edge list.

    Parameters
    ----------
    w_out, w_in : ndarray of float64
        Expected out- and in-degrees per node.
    arc_share : float
        Target share rho of arcs whose reverse exists (2 r_p / (1 + r_p) for a mutual-pair
        share r_p).
    seed : int or numpy.random.SeedSequence
    oversample : float
        One-way arcs are drawn this many times in excess, then trimmed to the exact count.
    chunks : int, optional
        Counter rows of the mutual layer's pass 1 (default: the Numba thread count); the
        graph does not depend on it.
    w_mutual : ndarray of float64, optional
        Mutual-layer weights m (expected mutual degrees). When given, ``w_out`` and ``w_in``
        are the one-way layer's own weights (the "min" rule passes what the mutual layer
        leaves of each side, so expected degrees are exactly m + w_out and m + w_in) and
        ``arc_share`` only sets the exact one-way count. Default: the "mean" rule, m =
        ``arc_share (w_out + w_in) / 2`` and one-way ``(1 - arc_share) w_out``, ``(1 - arc_share) w_in``.

    Returns
    -------
    indptr : int64[n + 1]
    indices : int32[m]
        Rows sorted.
    mutual : int
        Mutual pairs (2 arcs each).
    one_way : int
        One-way arcs.

    Notes
    -----
    Layout and passes (n nodes, M mutual pairs, C candidate one-way arcs):

    1. Pass 1 of both Chung-Lu layers counts degrees only (mutual: per-chunk counter rows,
       8 n chunks bytes; one-way: one out-degree counter per node).
    2. One int32 buffer of 2M + C entries is allocated; row u holds u's mutual neighbours,
       then u's candidate one-way arcs. Pass 2 regenerates both layers from the same random
       streams and writes them in place, and both parts of every row are sorted.
    3. :func:`~simulate.kernels.generators.follower.mark_one_way` drops candidates whose pair
       is mutual and one arc of every pair drawn both ways (a coin per pair); if more than
       A = 2 M (1 - rho) / rho survive, exactly A are kept: those with the smallest keys of a
       keyed hash of (arc, seed), a uniformly random subset, selected exactly by a 2^16-bucket
       histogram of the keys and a sort of the one bucket that holds the cut.
    4. Rows are compacted in place and sorted, and the buffer is shrunk to m (``resize``:
       realloc, no copy).

    Peak memory: the buffer (4 (2M + C) bytes, C ~ ``oversample`` (1 - rho) T) plus about
    64 bytes per node (weights, layouts, counters); never an edge list (the earlier
    edge-list build needed ~16 bytes per arc more, 23.5 GB at Twitter's size). The same seed
    gives the same graph on any thread count: every random draw is keyed by its block of rows
    or by its arc, never by a thread.
    """
    from numba import get_num_threads

    n = w_out.shape[0]
    if n <= 1:
        return np.zeros(n + 1, dtype=np.int64), np.empty(0, dtype=np.int32), 0, 0
    chunks = int(chunks or max(1, get_num_threads()))
    mutual_layer = arc_share > 0
    one_way_layer = arc_share < 1
    # Pass 1, one-way layer: candidate out-degrees.
    scale = (1.0 - arc_share) * (oversample if mutual_layer else 1.0)
    if w_mutual is not None:  # w_out, w_in are the one-way layer's own weights
        scale = oversample if mutual_layer else 1.0
    if one_way_layer:
        lay = _one_way_layout(scale * w_out, scale * w_in)
        bounds_o, states_o = _layer_streams(lay, seed, (STREAM_TAG, 2))
        deg_o = _pk.chung_lu_arc_count(lay["row_w"], lay["row_node"], lay["row_start"], lay["row_end"],
                                       lay["row_inv_s"], lay["col_w"], lay["col_node"], bounds_o, states_o,
                                       np.int64(n))
        del lay
    else:
        deg_o = np.zeros(n, dtype=np.int64)
    # Pass 1, mutual layer: per-chunk degree counts (both ends of each pair).
    if mutual_layer:
        lay = _mutual_layout(arc_share * 0.5 * (w_out + w_in) if w_mutual is None else w_mutual)
        bounds_m, states_m = _layer_streams(lay, seed, (STREAM_TAG, 1))
        no = np.empty(0, dtype=np.int64)
        margs = (lay["row_w"], lay["row_node"], lay["row_start"], lay["row_end"], lay["row_inv_s"], no,
                 lay["col_w"], lay["col_node"], no, bounds_m, states_m)
        cursors_m = _pk.chung_lu_count(*margs, np.int64(n), np.int64(chunks))
        deg_m = cursors_m.sum(axis=0)
    else:
        deg_m = np.zeros(n, dtype=np.int64)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(deg_m + deg_o, out=indptr[1:])
    split = indptr[:-1] + deg_m
    mutual = int(deg_m.sum()) // 2
    del deg_m, deg_o
    buf = np.empty(int(indptr[-1]), dtype=np.int32)
    # Pass 2: regenerate both layers into their parts of the rows.
    if mutual_layer:
        indptr_m = chunk_cursors(cursors_m)  # cursors into a mutual-only CSR ...
        cursors_m += (indptr[:-1] - indptr_m[:-1])[None, :]  # ... moved to the rows' mutual parts
        del indptr_m
        _pk.chung_lu_scatter(*margs, cursors_m, buf)
        del cursors_m, margs, lay
    if one_way_layer:
        lay = _one_way_layout(scale * w_out, scale * w_in)
        _pk.chung_lu_arc_scatter(lay["row_w"], lay["row_node"], lay["row_start"], lay["row_end"],
                                 lay["row_inv_s"], lay["col_w"], lay["col_node"], bounds_o, states_o,
                                 split.copy(), buf)
        del lay
    _k.sort_row_parts(indptr, split, buf)
    # Keep one-way arcs one-way, then trim them to the exact count.
    salt = stream_key(seed, (STREAM_TAG, 3))
    kept = _k.mark_one_way(indptr, split, buf, salt[0])
    survivors = int(kept.sum())
    if mutual_layer and one_way_layer:
        want = int(round(2 * mutual * (1 - arc_share) / arc_share))
        if survivors > want:
            kept = _trim(indptr, split, buf, salt[1], want, chunks)
    deg = (split - indptr[:-1]) + kept
    del split, kept
    new_indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(deg, out=new_indptr[1:])
    del deg
    _k.compact_rows(indptr, buf, new_indptr)
    del indptr
    m = int(new_indptr[-1])
    buf.resize(m, refcheck=False)  # realloc: shrinks in place, no copy
    if sort_rows(new_indptr, buf):  # pragma: no cover - the layers are disjoint by construction
        raise RuntimeError("follower_csr: repeated arcs (layout broken)")
    return new_indptr, buf, mutual, m - 2 * mutual


def _trim(indptr, split, buf, salt, want, chunks):
    """Mark all but the ``want`` unmarked one-way arcs of smallest key; returns arcs kept per row."""
    hist = _k.key_histogram(indptr, split, buf, salt, np.int64(chunks))
    cum = np.cumsum(hist)
    bucket = int(np.searchsorted(cum, want, side="right"))  # the bucket holding the (want+1)-th key
    below = int(cum[bucket - 1]) if bucket > 0 else 0
    keys = np.sort(_k.keys_in_bucket(indptr, split, buf, salt, np.int64(bucket), np.int64(chunks)))
    threshold = keys[want - below]  # keys are distinct: exactly `want` are smaller
    return _k.trim_one_way(indptr, split, buf, salt, np.uint64(threshold))
