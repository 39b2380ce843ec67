"""Watts-Dodds-Newman hierarchical social identity model."""

from __future__ import annotations

import numpy as np
import polars as pl

from ..errors import ParameterError
from ..graph import Graph
from ..kernels.generators import hierarchical as _k
from ..kernels.generators.alias import alias_build
from ..kernels.generators.hierarchical import social_distance, tree_distance  # noqa: F401  (re-exported for chains)
from ..kernels.random import stream_states
from .registry import MAX_NODES, ParamSpec, Rule, numpy_rng, register_model, seed_meta

#: First spawn-key entry of this model's random streams (one distinct tag per model).
STREAM_TAG = 6


def _size(v):
    return v["group_size"] * v["branching"] ** v["depth"]


@register_model(
    "hierarchical_identity",
    "Watts-Dodds-Newman 2002 social identity: groups as leaves of b-ary trees in H dimensions, links with P(x) ~ exp(-alpha x).",
    ParamSpec("n", int, default=None, low=0, high=MAX_NODES, doc="Nodes; must equal group_size * branching^depth (none: derived)."),
    ParamSpec("branching", int, default=2, low=2, high=1 << 20, doc="Branching ratio b of every tree."),
    ParamSpec("depth", int, default=10, low=0, high=62, doc="Tree depth: b^depth leaf groups (WDN's l = depth + 1 levels)."),
    ParamSpec("group_size", int, default=100, low=1, high=MAX_NODES, doc="Individuals per leaf group g."),
    ParamSpec("dimensions", int, default=2, low=1, high=64, doc="Number H of independent social dimensions."),
    ParamSpec("alpha", float, default=1.0, low=-50.0, high=50.0, doc="Homophily: P(distance x) ~ exp(-alpha x)."),
    ParamSpec("mean_degree", float, default=25.0, low=0.0, high=1e6, doc="Target mean degree z."),
    provides=("identity_*",),  # identity_0 .. identity_{dimensions-1}; meta branching, depth
    rules=[Rule(("group_size", "branching", "depth"), f"group_size * branching^depth <= {MAX_NODES}",
                lambda v: v["group_size"] * v["branching"] ** v["depth"] <= MAX_NODES,
                lambda v: f"hierarchical_identity: group_size * branching^depth = "
                          f"{v['group_size'] * v['branching'] ** v['depth']} exceeds {MAX_NODES}"),
           Rule(("n", "group_size", "branching", "depth"), "n, when given, equals group_size * branching^depth",
                lambda v: v["n"] is None or v["n"] == v["group_size"] * v["branching"] ** v["depth"],
                lambda v: f"parameter 'n' of hierarchical_identity must equal group_size * branching^depth = "
                          f"{v['group_size'] * v['branching'] ** v['depth']}, got {v['n']}"),
           Rule(("mean_degree", "group_size", "branching", "depth"), "mean_degree <= n - 1",
                lambda v: round(v["mean_degree"] * _size(v) / 2) <= _size(v) * (_size(v) - 1) // 2,
                lambda v: f"parameter 'mean_degree' of hierarchical_identity must be in [0, n - 1 = "
                          f"{_size(v) - 1}], got {v['mean_degree']:g}")],
)
def hierarchical_identity(n=None, branching=2, depth=10, group_size=100, dimensions=2, alpha=1.0,
                          mean_degree=25.0, *, seed=0) -> Graph:
    """Hierarchical social identity network (Watts, Dodds & Newman 2002), undirected.

    Parameters
    ----------
    n : int, optional
        Number of individuals; must equal ``group_size * branching**depth`` (given only as a
        check; derived when omitted).
    branching : int
        Branching ratio b of the tree in every dimension.
    depth : int
        Number of branching levels below the root: b^depth leaf groups. WDN's number of
        levels l (their N = g b^(l-1)) is depth + 1; their figures use b = 2, l = 11,
        g = 100, N = 102,400, i.e. ``depth=10``.
    group_size : int
        Individuals per group g.
    dimensions : int
        H, the number of social dimensions (geography, occupation, ...).
    alpha : float
        Homophily: a link spans tree distance x with probability ~ exp(-alpha x).
    mean_degree : float
        Links are formed until the mean degree is z (n z / 2 distinct edges).
    seed : int or numpy.random.SeedSequence

    Returns
    -------
    Graph
        Node attributes ``identity_0 .. identity_{H-1}`` (int64 leaf index in 0..b^depth-1);
        ``meta``: model "hierarchical_identity", n, branching, depth, group_size,
        dimensions, alpha, mean_degree, draws (link-formation attempts), seed.

    Notes
    -----
    D. J. Watts, P. S. Dodds, M. E. J. Newman, "Identity and search in social networks",
    Science 296, 1302 (2002), doi:10.1126/science.1070120.

    Identities: in dimension 0 individual i belongs to group (leaf) i // g; in every other
    dimension to a uniformly random leaf. Distance convention: x_ij = 1 for the same leaf,
    x = h + 1 when the lowest common ancestor is h levels above the leaves
    (:func:`simulate.kernels.generators.hierarchical.tree_distance`), so x ranges over 1..depth+1;
    the social distance used by searches is y_ij = min_h x^h_ij
    (:func:`~simulate.kernels.generators.hierarchical.social_distance`).

    Link formation (WDN): pick a uniform individual i and a uniform dimension h, a distance x
    with P(x) = exp(-alpha x) / sum_x' exp(-alpha x') over x = 1..depth+1, and j uniformly
    among the individuals at distance x from i in dimension h. Draws with no candidate
    (possible in random dimensions), self-pairs and repeated pairs are discarded; repeat
    until n z / 2 distinct edges. O(1) per draw (two contiguous ranges of the nodes sorted by
    leaf), O(n z) expected total, serial. Raises ParameterError if the target cannot be
    reached within 100 draws per edge (e.g. z > g - 1 with a very large alpha).
    """
    leaves = branching**depth
    n = group_size * leaves  # equal to a given n (a declared rule)
    target = int(round(mean_degree * n / 2))
    rng = numpy_rng(seed, STREAM_TAG)
    ident = np.empty((n, dimensions), dtype=np.int64)
    ident[:, 0] = np.arange(n, dtype=np.int64) // group_size
    if dimensions > 1:
        ident[:, 1:] = rng.integers(0, leaves, size=(n, dimensions - 1))
    order = np.empty((dimensions, n), dtype=np.int64)
    leaf_ptr = np.zeros((dimensions, leaves + 1), dtype=np.int64)
    for h in range(dimensions):  # H small: a loop over dimensions, vectorised inside
        order[h] = np.argsort(ident[:, h], kind="stable")
        np.cumsum(np.bincount(ident[:, h], minlength=leaves), out=leaf_ptr[h, 1:])
    xs = np.arange(1, depth + 2, dtype=np.float64)
    logits = -alpha * xs
    prob, alias = alias_build(np.exp(logits - logits.max()))
    max_draws = 100 * target + 10_000
    if n >= 2 and target > 0:
        src, dst, draws = _k.hierarchical_edges(ident, order, leaf_ptr, np.int64(branching), prob, alias,
                                                np.int64(target), np.int64(max_draws),
                                                stream_states(seed, 1, (STREAM_TAG,))[0])
    else:
        src = dst = np.empty(0, dtype=np.int64)
        draws = 0
    if src.shape[0] < target:
        raise ParameterError(f"hierarchical_identity: mean_degree {mean_degree:g} unreachable, only "
                             f"{src.shape[0]} of {target} distinct edges after {draws} draws "
                             f"(alpha {alpha:g} confines links to groups of size {group_size}); lower mean_degree or alpha")
    meta = {"model": "hierarchical_identity", "n": n, "branching": branching, "depth": depth,
            "group_size": group_size, "dimensions": dimensions, "alpha": alpha,
            "mean_degree": mean_degree, "draws": int(draws), "seed": seed_meta(seed)}
    attrs = pl.DataFrame({f"identity_{h}": ident[:, h] for h in range(dimensions)})
    return Graph.from_edges(src, dst, directed=False, n=n, relabel=False, node_attrs=attrs, meta=meta)
