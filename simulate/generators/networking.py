"""The networking-strategies population: WDN communities with model tie strengths, plus micro,
macro and center-of-influence networkers (issue 13; analysis in :mod:`simulate.networking`)."""

from __future__ import annotations

import numpy as np
import polars as pl
from numba import njit

from ..graph import Graph
from ..kernels.generators.hierarchical import tree_distance
from .hierarchical import hierarchical_identity
from .registry import ParamSpec, Rule, numpy_rng, register_model, seed_meta

STREAM_TAG = 9


@njit(cache=True)
def _fill_tree_distances(a, b, out):
    for i in range(a.shape[0]):
        out[i] = tree_distance(a[i], b[i], 2)


def tree_distances(a, b) -> np.ndarray:
    """WDN tree distance (branching 2) between leaf arrays ``a`` and ``b``, elementwise."""
    out = np.empty(np.asarray(a).shape[0], dtype=np.int64)
    _fill_tree_distances(np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64), out)
    return out


@register_model(
    "networking_population",
    "Networking strategies (issue 13): WDN groups, tie level = max(1, 6 - tree distance); micro keep strong "
    "ties, macro add 'never met' ties, centers of influence add medium cross-group ties.",
    ParamSpec("depth", int, default=5, low=1, high=20, doc="WDN tree depth: 2^depth groups."),
    ParamSpec("group_size", int, default=100, low=2, high=100_000, doc="People per group (community)."),
    ParamSpec("mean_degree", float, default=20.0, low=0.0, high=10_000.0, doc="Base (WDN) mean degree."),
    ParamSpec("alpha", float, default=1.0, low=-50.0, high=50.0, doc="WDN homophily: P(x) ~ exp(-alpha x)."),
    ParamSpec("share_macro", float, default=0.3, low=0.0, high=1.0, doc="Share of macro networkers."),
    ParamSpec("share_center", float, default=0.1, low=0.0, high=1.0, doc="Share of centers of influence (the rest are micro)."),
    ParamSpec("macro_extra", int, default=60, low=0, high=100_000, doc="Extra 'never met' (level 1) ties per macro networker, to anyone."),
    ParamSpec("center_extra", int, default=30, low=0, high=100_000, doc="Extra medium (level 3) ties per center, to other groups."),
    ParamSpec("center_boost", float, default=0.2, low=0.0, high=1.0, doc="Added to the pass probability of a center's ties."),
    ParamSpec("micro_min_level", int, default=3, low=1, high=5, doc="Micro networkers keep only ties of at least this level."),
    ParamSpec("company_groups", int, default=4, low=1, high=1 << 20, doc="Sibling groups per company (target group)."),
    provides=("group,company,strategy", "identity_*"),  # identity_0 = group (meta branching 2) for greedy_hierarchy
    rules=[Rule(("share_macro", "share_center"), "share_macro + share_center <= 1",
                lambda v: v["share_macro"] + v["share_center"] <= 1 + 1e-12)],
)
def networking_population(depth=5, group_size=100, mean_degree=20.0, alpha=1.0, share_macro=0.3,
                          share_center=0.1, macro_extra=60, center_extra=30, center_boost=0.2,
                          micro_min_level=3, company_groups=4, *, seed=0) -> Graph:
    """A population of networkers on a clustered community base, with the model's own tie levels.

    Parameters
    ----------
    depth, group_size, mean_degree, alpha
        Base: :func:`hierarchical_identity` with one dimension, branching 2,
        ``group_size * 2**depth`` people.
    share_macro, share_center : float
        Shares of macro networkers and centers of influence; the rest are micro networkers.
    macro_extra : int
        "Never met" ties (level 1) each macro networker adds to people drawn uniformly (micro
        networkers refuse them).
    center_extra : int
        Medium ties (level 3) each center adds to people of other groups.
    center_boost : float
        Stored in ``meta``: the analysis raises the pass probability of a center's ties by it.
    micro_min_level : int
        Micro networkers drop their base ties below this level.
    company_groups : int
        Groups per company: ``company = group // company_groups``.
    seed : int or SeedSequence

    Returns
    -------
    Graph
        Undirected; ``weights`` = tie level 1..5 (5 = strongest; a personal rating s is 6 - s);
        node_attrs ``group``, ``company``, ``strategy`` (0 micro, 1 macro, 2 center) and ``identity_0``
        (= group, so the WDN routing policy ``greedy_hierarchy`` runs on it); ``meta`` holds the
        parameters and ``branching`` = 2.

    Notes
    -----
    Tie strength from the model: a base tie spanning WDN tree distance x has level ``max(1, 6 - x)``
    (same group: 5), so strong ties are embedded in groups and weak ties bridge them (Granovetter
    1973, doi:10.1086/225469). Base model: Watts, Dodds & Newman, Science 296, 1302 (2002),
    doi:10.1126/science.1070120. O(n (mean_degree + extras)); extras drawn vectorised.
    """
    base = hierarchical_identity(branching=2, depth=depth, group_size=group_size, dimensions=1,
                                 alpha=alpha, mean_degree=mean_degree, seed=seed)
    n = base.n
    group = base.node_attrs["identity_0"].to_numpy().astype(np.int64)
    s, d = base.edges()
    level = np.maximum(1, 6 - tree_distances(group[s], group[d])).astype(np.float64)
    rng = numpy_rng(seed, STREAM_TAG)
    mix = np.array([1.0 - share_macro - share_center, share_macro, share_center])
    strategy = rng.choice(3, size=n, p=np.clip(mix, 0, None) / np.clip(mix, 0, None).sum()).astype(np.int8)
    micro = strategy == 0
    keep = ~((micro[s] | micro[d]) & (level < micro_min_level))
    src, dst, lev = [s[keep]], [d[keep]], [level[keep]]
    macro_nodes = np.flatnonzero(strategy == 1)
    if macro_nodes.size and macro_extra:
        a = np.repeat(macro_nodes, macro_extra)
        b = rng.integers(0, n, size=a.shape[0])
        ok = ~micro[b]
        src.append(a[ok]); dst.append(b[ok]); lev.append(np.ones(int(ok.sum())))
    centre_nodes = np.flatnonzero(strategy == 2)
    if centre_nodes.size and center_extra:
        a = np.repeat(centre_nodes, center_extra)
        b = rng.integers(0, n, size=a.shape[0])
        other = group[b] != group[a]
        src.append(a[other]); dst.append(b[other]); lev.append(np.full(int(other.sum()), 3.0))
    meta = {"model": "networking_population", "base": "hierarchical_identity", "depth": depth, "branching": 2,
            "dimensions": 1,
            "group_size": group_size, "mean_degree": mean_degree, "alpha": alpha, "share_macro": share_macro,
            "share_center": share_center, "macro_extra": macro_extra, "center_extra": center_extra,
            "center_boost": center_boost, "micro_min_level": micro_min_level,
            "company_groups": company_groups, "seed": seed_meta(seed)}
    # Graph.from_edges keeps the largest level when a pair is drawn twice
    return Graph.from_edges(np.concatenate(src), np.concatenate(dst), n=n, weights=np.concatenate(lev),
                            relabel=False, meta=meta,
                            node_attrs=pl.DataFrame({"group": group, "company": group // company_groups,
                                                     "strategy": strategy, "identity_0": group}))
