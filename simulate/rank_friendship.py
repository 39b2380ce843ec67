"""Rank-based friendship: how the chance of a friendship falls with geographic rank.

Liben-Nowell, Novak, Kumar, Raghavan, Tomkins (PNAS 2005) define the rank of v for u as the
number of people closer to u than v is, ``rank_u(v) = |{w : d(u, w) < d(u, v)}|`` (u itself
counts, so u's nearest other person has rank 1), and find on LiveJournal that
``P(u -> v) ~ 1 / rank_u(v)`` for the geographic part of the friendships, while about a third of
friendships are independent of geography.

:func:`friend_ranks` computes every friend's rank for a set of users (great-circle order on
``lat``/``lon``, Euclidean on ``x``/``y``); :func:`rank_exponent` fits the mixture

    f(r) = g r^-alpha / H_N(alpha) + (1 - g) / N,   r = 1..N,  N = n - 1,

(``g`` = geographic share, ``H_N(alpha) = sum_{r<=N} r^-alpha``) by maximum likelihood on
logarithmically binned ranks, with delete-a-group jackknife standard errors over users. The
same law is what :func:`simulate.generators.rank_geographic` plants (``alpha``,
``geo_fraction``), so the estimator is tested by recovering a planted exponent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .errors import ParameterError
from .graph import Graph

__all__ = ["FriendRanks", "RankExponent", "positions", "friend_ranks", "fit_rank_mixture", "rank_exponent",
           "fit_friend_ranks", "users_with_friends"]

#: Earth's mean radius (km), for great-circle distances in km.
EARTH_RADIUS_KM = 6371.0088


def positions(graph: Graph):
    """Coordinates the rank kernel compares: ``(pos, spherical)``.

    ``lat``/``lon`` (degrees) become unit vectors (chord distance orders pairs as the
    great-circle distance does); otherwise ``x``/``y`` are used as they are. ParameterError when
    the graph has neither pair or a value is missing.
    """
    attrs = graph.node_attrs
    cols = [] if attrs is None else attrs.columns
    if "lat" in cols and "lon" in cols:
        lat = np.radians(attrs["lat"].cast(float).to_numpy())
        lon = np.radians(attrs["lon"].cast(float).to_numpy())
        pos, spherical = np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)]), True
    elif "x" in cols and "y" in cols:
        pos, spherical = np.column_stack([attrs["x"].cast(float).to_numpy(), attrs["y"].cast(float).to_numpy()]), False
    else:
        raise ParameterError("geographic ranks need lat, lon or x, y node attributes (the graph has "
                             + (", ".join(cols) if cols else "no node attributes") + ")")
    if not np.isfinite(pos).all():
        raise ParameterError("geographic ranks need a location for every node (some lat/lon or x/y are missing; "
                             "restrict the graph to located nodes first)")
    return np.ascontiguousarray(pos, dtype=np.float64), spherical


def great_circle_km(lat1, lon1, lat2, lon2):
    """Great-circle (haversine) distance in km between points given in degrees (arrays broadcast)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(np.asarray(lon2) - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


@dataclass
class FriendRanks:
    """Ranks of the friends of a set of users.

    Attributes
    ----------
    users : int64 array (m)
        Internal ids of the users.
    ptr : int64 array (m + 1)
        ``ranks[ptr[i]:ptr[i+1]]`` are the ranks of ``users[i]``'s out-neighbours (CSR order).
    ranks : int64 array
        1 .. n - 1.
    n : int
        People ranked against (every node of the graph).
    """

    users: np.ndarray
    ptr: np.ndarray
    ranks: np.ndarray
    n: int


def friend_ranks(graph: Graph, users=None) -> FriendRanks:
    """Geographic rank of every friend (out-neighbour) of ``users`` (default: every node).

    Parameters
    ----------
    graph : Graph
        With ``lat``/``lon`` (great-circle order) or ``x``/``y`` (Euclidean) on every node.
    users : array of int, optional
        Internal ids; default all nodes.

    Returns
    -------
    FriendRanks

    Notes
    -----
    ``rank_u(v) = 1 + #{w != u : d(u, w) < d(u, v)}``: Liben-Nowell et al.'s definition (u itself
    is closer than anyone), with equidistant people not counted as closer. O(m n log n) time in a
    Numba kernel parallel over users, O(n) memory per thread: no n x n table.
    Liben-Nowell et al., PNAS 102, 11623 (2005), doi:10.1073/pnas.0503018102.
    """
    from .kernels.rank_friendship import friend_ranks_kernel

    pos, _ = positions(graph)
    users = np.arange(graph.n, dtype=np.int64) if users is None else np.asarray(users, dtype=np.int64)
    if users.size and (users.min() < 0 or users.max() >= graph.n):
        raise ParameterError(f"users must be node ids in 0..{graph.n - 1}")
    deg = graph.indptr[users + 1] - graph.indptr[users]
    ptr = np.concatenate([[0], np.cumsum(deg)]).astype(np.int64)
    ranks = friend_ranks_kernel(pos, graph.indptr, graph.indices, users, ptr)
    return FriendRanks(users=users, ptr=ptr, ranks=ranks, n=graph.n)


# ---------------------------------------------------------------------------- the mixture fit
def rank_bins(n_ranks: int, per_decade: int = 10) -> np.ndarray:
    """Integer bin edges ``1 = e_0 < ... < e_B = n_ranks + 1`` about ``per_decade`` per decade (bin b = [e_b, e_{b+1}))."""
    if n_ranks < 1:
        raise ParameterError("need at least 2 people to rank")
    k = max(2, int(math.ceil(math.log10(n_ranks + 1) * per_decade)) + 1)
    return np.unique(np.round(np.geomspace(1, n_ranks + 1, k)).astype(np.int64))


def _bin_probabilities(alpha, g, edges, n_ranks):
    r = np.arange(1, n_ranks + 1, dtype=np.float64)
    cw = np.concatenate([[0.0], np.cumsum(r ** -alpha)])
    geo = (cw[edges[1:] - 1] - cw[edges[:-1] - 1]) / cw[-1]
    return g * geo + (1.0 - g) * np.diff(edges) / n_ranks


def fit_rank_mixture(counts, edges, n_ranks, uniform=True, first_bin=0) -> tuple:
    """Maximum-likelihood ``(alpha, g)`` of the rank mixture from binned counts.

    ``counts[b]`` friends with rank in ``[edges[b], edges[b+1])``; ``g`` fixed at 1 when
    ``uniform`` is False (a pure power law). alpha in [0, 6], g in [0, 1]. With ``first_bin`` > 0
    only bins from that one on are used, their probabilities renormalised (the law truncated to
    ranks >= ``edges[first_bin]``).
    """
    from scipy.optimize import minimize

    counts = np.asarray(counts, dtype=np.float64)[first_bin:]

    def nll(theta):
        a, g = theta if uniform else (theta[0], 1.0)
        p = _bin_probabilities(a, g, edges, n_ranks)[first_bin:]
        p = p / p.sum()
        return -float((counts * np.log(np.maximum(p, 1e-300))).sum())

    start = [1.0, 0.7] if uniform else [1.0]
    bounds = [(0.0, 6.0), (0.0, 1.0)] if uniform else [(0.0, 6.0)]
    res = minimize(nll, start, method="L-BFGS-B", bounds=bounds)
    return (float(res.x[0]), float(res.x[1]) if uniform else 1.0)


@dataclass
class RankExponent:
    """Fitted rank law of one graph (see :func:`rank_exponent`).

    ``alpha``/``geo_share`` with delete-a-group jackknife standard errors over users;
    ``alpha_pure`` the exponent of a pure power law (no uniform part); ``edges``/``counts``/
    ``density`` the binned ranks (density = friends per user per rank, the estimate of
    P(u -> person at rank r)); ``users``, ``friendships`` (ranks used), ``n`` people;
    ``min_rank``: the fits use ranks >= this (the first bin edge at or above the one asked for).
    """

    alpha: float
    alpha_se: float
    geo_share: float
    geo_share_se: float
    alpha_pure: float
    alpha_pure_se: float
    users: int
    friendships: int
    n: int
    min_rank: int = 1
    edges: np.ndarray = field(repr=False, default=None)
    counts: np.ndarray = field(repr=False, default=None)
    density: np.ndarray = field(repr=False, default=None)

    def ci(self, name="alpha", z=1.96) -> tuple:
        """Normal 95% interval ``(low, high)`` of ``alpha``, ``geo_share`` or ``alpha_pure``."""
        v, se = getattr(self, name), getattr(self, f"{name}_se")
        return (v - z * se, v + z * se)


def rank_exponent(graph: Graph, n_users=None, seed=0, groups=20, per_decade=10, min_rank=1) -> RankExponent:
    """Fit ``P(u -> v) ~ g rank_u(v)^-alpha / H + (1 - g) / N`` to the friends' ranks of ``graph``.

    Parameters
    ----------
    graph : Graph
        Located nodes (see :func:`friend_ranks`); friends = out-neighbours (both directions of an
        undirected edge count, each from its own end).
    n_users : int, optional
        Rank the friends of this many users drawn without replacement (seeded); default every
        node with at least one friend. Sampling users leaves the law unchanged and widens the
        interval (the jackknife is over users).
    seed : int
        Seed of the user sample and of the jackknife groups.
    groups : int
        Jackknife groups (users split at random into this many).
    per_decade : int
        Logarithmic rank bins per decade.
    min_rank : int
        Fit the law truncated to ranks >= this (for example to leave out the nearest ranks, where
        location noise reorders people); default all ranks.

    Returns
    -------
    RankExponent

    Notes
    -----
    Binned maximum likelihood: the multinomial likelihood of the bin counts under the mixture
    (exact bin sums of r^-alpha), so the uniform part does not flatten a log-log slope. Standard
    errors: delete-a-group jackknife, ``sqrt((G - 1)/G sum (theta_-g - mean)^2)``.
    Liben-Nowell et al., PNAS 102, 11623 (2005), doi:10.1073/pnas.0503018102 (alpha ~ 1, about a
    third of friendships independent of geography).
    """
    users = users_with_friends(graph, n_users, seed)
    if users.size < 2 * groups:
        raise ParameterError(f"need at least {2 * groups} users with friends to fit the rank law, got {users.size}")
    return fit_friend_ranks(friend_ranks(graph, users), seed=seed, groups=groups, per_decade=per_decade,
                            min_rank=min_rank)


def users_with_friends(graph: Graph, n_users=None, seed=0) -> np.ndarray:
    """Sorted internal ids of ``n_users`` nodes with at least one friend, drawn without replacement
    (seeded); all of them when ``n_users`` is None or not smaller than their number."""
    has = np.flatnonzero(np.diff(graph.indptr) > 0)
    if n_users is None or n_users >= has.size:
        return has
    return np.sort(np.random.default_rng(seed).choice(has, size=int(n_users), replace=False))


def fit_friend_ranks(fr: FriendRanks, seed=0, groups=20, per_decade=10, min_rank=1) -> RankExponent:
    """The fits of :func:`rank_exponent` on ranks already computed (one rank pass, several fits)."""
    rng = np.random.default_rng([int(seed), 1])
    users = fr.users
    n_ranks = fr.n - 1
    edges = rank_bins(n_ranks, per_decade)
    first = int(np.searchsorted(edges[:-1], int(min_rank), side="left"))
    if first >= edges.size - 2:
        raise ParameterError(f"min_rank {min_rank} leaves fewer than 2 rank bins (ranks go to {n_ranks})")
    b = np.searchsorted(edges, fr.ranks, side="right") - 1
    owner = np.repeat(np.arange(users.size), np.diff(fr.ptr))
    group = rng.permutation(users.size) % groups
    nb = edges.size - 1
    per_group = np.bincount(group[owner] * nb + b, minlength=groups * nb).reshape(groups, nb).astype(np.float64)
    total = per_group.sum(0)
    alpha, g = fit_rank_mixture(total, edges, n_ranks, first_bin=first)
    alpha_pure, _ = fit_rank_mixture(total, edges, n_ranks, uniform=False, first_bin=first)
    jack = np.array([fit_rank_mixture(total - per_group[k], edges, n_ranks, first_bin=first) for k in range(groups)])
    jack_pure = np.array([fit_rank_mixture(total - per_group[k], edges, n_ranks, uniform=False, first_bin=first)[0]
                          for k in range(groups)])

    def se(x):
        return float(math.sqrt((groups - 1) / groups * ((x - x.mean()) ** 2).sum()))

    return RankExponent(alpha=alpha, alpha_se=se(jack[:, 0]), geo_share=g, geo_share_se=se(jack[:, 1]),
                        alpha_pure=alpha_pure, alpha_pure_se=se(jack_pure), users=int(users.size),
                        friendships=int(fr.ranks.size), n=fr.n, min_rank=int(edges[first]), edges=edges,
                        counts=total, density=total / (users.size * np.diff(edges)))
