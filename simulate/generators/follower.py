"""Directed heavy-tailed follower graphs with a target share of mutual pairs."""

from __future__ import annotations

import numpy as np

from ..graph import Graph
from ..kernels.generators import follower as _k
from .power_law import chung_lu_arcs, chung_lu_pairs, power_law_weights
from .registry import MAX_NODES, ParamSpec, Rule, numpy_rng, register_model, seed_meta

#: First spawn-key entry of this model's random streams (one distinct tag per model).
STREAM_TAG = 8
_OVERSAMPLE = 1.15  # one-way arcs drawn in excess, then trimmed to the exact count


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
    ParamSpec("max_degree", float, default=None, low=1.0, high=1e9, doc="Cap on expected out- and in-degrees."),
    provides=(),
    rules=[Rule(("max_degree", "mean_degree"), "max_degree, when given, is >= mean_degree",
                lambda v: v["max_degree"] is None or v["max_degree"] >= v["mean_degree"],
                lambda v: f"parameter 'max_degree' of directed_follower must be >= mean_degree "
                          f"({v['mean_degree']:g}), got {v['max_degree']:g}")],
    retired={"reciprocity": "it set the share of ARCS whose reverse exists, which is not Kwak et al.'s 22.1% "
                            "(a share of connected PAIRS, = 36.2% of arcs). Write mutual_pair_share = r_p, the "
                            "share of connected pairs that follow each other; an arc share r_a is "
                            "r_p = r_a / (2 - r_a)."},
)
def directed_follower(n, gamma_out=2.5, gamma_in=2.2, mean_degree=20.0, mutual_pair_share=0.221, max_degree=None,
                      *, seed=0) -> Graph:
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
        Cap on the expected out- and in-degrees.
    seed : int or numpy.random.SeedSequence

    Returns
    -------
    Graph
        Directed. ``meta``: model "directed_follower", all parameters, ``mutual_pairs``,
        ``one_way_arcs``, ``mutual_pair_share_realised``, ``reciprocity_arcs_realised``, seed.

    Notes
    -----
    Kwak, Lee, Park, Moon ("What is Twitter, a social network or a news media?", WWW 2010,
    doi:10.1145/1772690.1772751, section 3.2) report that "only 22.1% of user pairs with
    follow relations are reciprocal": a share of connected pairs, r_p = 0.221. The same graph
    has r_a = 2 r_p / (1 + r_p) = 0.362 of its arcs returned (r_p = r_a / (2 - r_a)). Earlier
    versions took 0.221 as the arc share (parameter ``reciprocity``, now retired).

    Two Chung-Lu layers (Miller & Hagberg 2011 sampling, doi:10.1007/978-3-642-21286-4_10):
    (1) mutual pairs, undirected, with weights rho (w_out + w_in) / 2, each giving two
    arcs (about rho T arcs); (2) one-way arcs, directed, p(u->v) ~ w_out(u) w_in(v), drawn
    1.15 times in excess. A one-way arc is dropped if its pair is already mutual or an arc
    the other way was kept (so one-way arcs are never reciprocated), and the survivors are
    trimmed by a uniform random subset to exactly A = 2M (1 - rho) / rho, M the realised
    mutual pairs, rho = r_a the arc share. The arc share 2M / (2M + A), hence the pair share
    M / (M + A), then equals the target up to rounding (if too few one-way arcs survive, all
    are kept: see ``mutual_pair_share_realised``). The expected out-degree of u is
    rho (w_out + w_in)/2 + (1 - rho) w_out. O(n + m) expected.
    """
    rng = numpy_rng(seed, STREAM_TAG)
    meta = {"model": "directed_follower", "n": n, "gamma_out": gamma_out, "gamma_in": gamma_in,
            "mean_degree": mean_degree, "mutual_pair_share": mutual_pair_share, "max_degree": max_degree,
            "seed": seed_meta(seed)}
    # The construction works with the arc share rho = r_a (two arcs per mutual pair).
    arc_share = 2.0 * mutual_pair_share / (1.0 + mutual_pair_share)
    w_out = np.empty(n)
    w_in = np.empty(n)
    w_out[rng.permutation(n)] = power_law_weights(n, gamma_out, mean_degree, max_degree, "directed_follower")
    w_in[rng.permutation(n)] = power_law_weights(n, gamma_in, mean_degree, max_degree, "directed_follower")
    # Layer 1: mutual pairs.
    if arc_share > 0 and n > 1:
        wm = arc_share * 0.5 * (w_out + w_in)
        by_w = np.argsort(-wm, kind="stable").astype(np.int64)
        ms, md = chung_lu_pairs(by_w, np.array([0, n], dtype=np.int64), wm[by_w], seed, (STREAM_TAG, 1))
    else:
        ms = md = np.empty(0, dtype=np.int64)
    mutual = int(ms.shape[0])
    # Layer 2: one-way arcs, in excess, filtered to stay one-way, trimmed to the exact count.
    if arc_share < 1 and n > 1:
        want = int(round(2 * mutual * (1 - arc_share) / arc_share)) if arc_share > 0 else None
        scale = (1 - arc_share) * (_OVERSAMPLE if want is not None else 1.0)
        os_, od = chung_lu_arcs(scale * w_out, scale * w_in, seed, (STREAM_TAG, 2))
        keep = np.flatnonzero(_k.one_way_filter(ms, md, os_, od, np.int64(n)))
        if want is not None and keep.shape[0] > want:
            keep = np.sort(rng.choice(keep, size=want, replace=False))
        os_, od = os_[keep], od[keep]
    else:
        os_ = od = np.empty(0, dtype=np.int64)
    one_way = int(os_.shape[0])
    arcs = 2 * mutual + one_way
    meta.update(mutual_pairs=mutual, one_way_arcs=one_way,
                mutual_pair_share_realised=(mutual / (mutual + one_way)) if arcs else 0.0,
                reciprocity_arcs_realised=(2 * mutual / arcs) if arcs else 0.0)
    src = np.concatenate([ms, md, os_])
    dst = np.concatenate([md, ms, od])
    return Graph.from_edges(src, dst, directed=True, n=n, relabel=False, meta=meta)
