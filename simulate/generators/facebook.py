"""A Facebook-like undirected graph: BTER (affinity blocks + Chung-Lu) with countries."""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.special import ndtri

from ..graph import BuildReport, Graph
from ..kernels.generators import bter as _k
from ..kernels.csr import sort_rows
from ..kernels.random import stream_states
from .power_law import _mixing_fraction, chung_lu_csr
from .registry import MAX_NODES, ParamSpec, Rule, numpy_rng, register_model, seed_meta

#: First spawn-key entry of this model's random streams (one distinct tag per model).
STREAM_TAG = 10


def lognormal_degrees(n, median_degree, mean_degree, max_degree):
    """Integer target degrees: quantiles of a lognormal with the given median, capped.

    d_i = round(min(exp(mu + sigma z_i), max_degree)), z_i = Phi^-1((i + 1/2) / n), at
    least 1; mu = ln(median_degree) and sigma found by bisection so that the capped mean is
    ``mean_degree``. Sorted ascending. O(n) per bisection step (60 steps).
    """
    if n == 0:
        return np.empty(0, dtype=np.int64)
    z = ndtri((np.arange(n, dtype=np.float64) + 0.5) / n)
    mu = np.log(median_degree)

    def mean_of(s):
        return np.maximum(1.0, np.rint(np.minimum(np.exp(mu + s * z), max_degree))).mean()

    lo, hi = 0.0, 6.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if mean_of(mid) < mean_degree:
            lo = mid
        else:
            hi = mid
    return np.maximum(1, np.rint(np.minimum(np.exp(mu + hi * z), max_degree))).astype(np.int64)


def clustering_target(d, clustering_at_100, clustering_exponent, clustering_max):
    """Target local clustering by degree: min(clustering_max, c100 (d / 100)^-beta); 0 for d < 2."""
    d = np.asarray(d, dtype=np.float64)
    c = np.minimum(clustering_max, clustering_at_100 * (np.maximum(d, 1.0) / 100.0) ** (-clustering_exponent))
    return np.where(d >= 2, c, 0.0)


def country_shares(countries, country_exponent):
    """Zipf shares of ``countries`` countries: s_c ~ (c + 1)^-a, largest first, summing to 1."""
    s = np.arange(1, countries + 1, dtype=np.float64) ** (-country_exponent)
    return s / s.sum()


@register_model(
    "facebook_like",
    "Facebook-like graph (BTER): lognormal degrees (median 99, mean 190, cap 5,000), clustering by degree "
    "from dense affinity blocks, Chung-Lu on excess degree, Zipf-sized countries with 84% of edges inside.",
    ParamSpec("n", int, low=0, high=MAX_NODES, doc="Number of people."),
    ParamSpec("median_degree", float, default=99.0, low=1.0, high=1e6,
              doc="Median target degree (Ugander et al. 2011: 99)."),
    ParamSpec("mean_degree", float, default=190.0, low=1.0, high=1e6,
              doc="Mean target degree (Ugander et al. 2011: ~190; LAW fb-current 190.4)."),
    ParamSpec("max_degree", float, default=5000.0, low=2.0, high=1e9, doc="Degree cap (Facebook: 5,000 friends)."),
    ParamSpec("clustering_at_100", float, default=0.14, low=0.0, high=1.0,
              doc="Target local clustering at degree 100 (Ugander et al. 2011: 0.14)."),
    ParamSpec("clustering_exponent", float, default=0.5, low=0.0, high=5.0,
              doc="Target clustering falls like degree^-exponent (a chosen shape, see docstring)."),
    ParamSpec("clustering_max", float, default=0.5, low=0.0, high=1.0,
              doc="Ceiling of the target clustering at low degree."),
    ParamSpec("countries", int, default=None, low=0, high=MAX_NODES,
              doc="Number of countries (node attribute 'country'); 0 or 1 = none; default "
                  "max(1, round(n / 100,000)) (see docstring: why countries must be large)."),
    ParamSpec("country_exponent", float, default=1.0, low=0.0, high=10.0,
              doc="Country sizes ~ rank^-exponent (Zipf); 0 = equal sizes."),
    ParamSpec("within", float, default=0.84, low=0.0, high=1.0,
              doc="Expected share of edges inside a country (Backstrom et al. 2012: 84%)."),
    provides=lambda p: ("country",) if p is None or _country_count(p["n"], p.get("countries")) >= 2 else (),
    rules=[Rule(("median_degree", "mean_degree"), "median_degree <= mean_degree (a lognormal's median is below its mean)",
                lambda v: v["median_degree"] <= v["mean_degree"]),
           Rule(("mean_degree", "max_degree"), "mean_degree < max_degree",
                lambda v: v["mean_degree"] < v["max_degree"])],
)
def facebook_like(n, median_degree=99.0, mean_degree=190.0, max_degree=5000.0, clustering_at_100=0.14,
                  clustering_exponent=0.5, clustering_max=0.5, countries=None, country_exponent=1.0, within=0.84,
                  *, seed=0) -> Graph:
    """Undirected Facebook-like graph by BTER with countries.

    Parameters
    ----------
    n : int
        Number of people.
    median_degree, mean_degree, max_degree : float
        Target degree distribution: a lognormal with this median whose spread sigma makes the
        mean (after the cap and rounding) ``mean_degree``; degrees are its quantiles (see
        :func:`lognormal_degrees`), so the shape is the same at any n.
    clustering_at_100, clustering_exponent, clustering_max : float
        Target local clustering by degree c(d) = min(clustering_max, c100 (d/100)^-beta).
    countries : int, optional
        Number of countries; each person joins country c with probability s_c ~ (c+1)^-a.
        Default max(1, round(n / 100,000)).
    country_exponent : float
        The Zipf exponent a of the country shares.
    within : float
        Expected share of edges with both ends in one country.
    seed : int or numpy.random.SeedSequence

    Returns
    -------
    Graph
        Undirected, node attribute ``country`` (with 2+ countries). ``meta``: all parameters,
        ``lognormal_sigma``, ``block_edges_expected``, ``excess_edges_expected``,
        ``chung_lu_within`` (the in-country share asked of phase 2), ``within_layer_share``,
        ``overlap_edges`` (pairs drawn by both phases, kept once), seed.

    Notes
    -----
    BTER: Seshadhri, Kolda, Pinar, "Community structure and scale-free collections of
    Erdos-Renyi graphs", Phys. Rev. E 85, 056109 (2012), doi:10.1103/PhysRevE.85.056109.
    Phase 1: people sorted by (country, target degree) are cut into affinity blocks of
    d + 1 consecutive people (d the block's smallest degree); each block is an Erdos-Renyi
    graph with p = c(d)^(1/3), so that a member of degree ~d has ~p^3 C(d, 2) triangles among
    its ~p d block neighbours, i.e. local clustering ~c(d). Phase 2: Chung-Lu on the excess
    degrees e_i = max(0, d_i - p_b (n_b - 1)), built by :func:`simulate.generators.power_law.chung_lu_csr`
    (two passes, no edge list above 4M edges) with the country layer. Both phases are built as
    CSR without an edge list (phase 1 in two passes over per-block streams:
    :mod:`simulate.kernels.generators.bter`) and merged row by row; a pair drawn by both
    phases is kept once. Peak memory about twice the final CSR. O(n log n + m).

    Choices and sources. Degrees: Ugander, Karrer, Backstrom, Marlow, "The anatomy of the
    Facebook social graph" (2011, arXiv:1111.4503): median 99, mean ~190 among active users,
    cap 5,000; their distribution is not a power law, so we take a lognormal (the simplest
    law with a real lower tail: ~2% below degree 10 with the defaults) with that median and
    mean; the shape below and above is our reading, not a fit. Clustering: Ugander et al.'s
    clustering by degree is ~0.14 around degree 100 and falls with degree; the power-law
    fall (exponent 0.5, ceiling 0.5) is a chosen shape through that one number. Countries:
    Backstrom, Boldi, Rosa, Ugander, Vigna, "Four degrees of separation" (WebSci 2012,
    doi:10.1145/2380718.2380723): 84% of edges inside a country. Country sizes follow a
    Zipf law (populations of countries are roughly Zipf). Their number grows with n, one per
    100,000 people by default, for a reason of scale: Chung-Lu inside a country of P people
    already closes a share ~q^2 M^2 / (P mean) of a person's neighbour pairs (M = sum d^2 /
    sum d ~ 700 for these degrees), averaged over people ~k 2600 / n for k countries of any
    sizes. Facebook-sized degrees in countries under ~10^5 people thus give clustering
    above Ugander's 0.14 with no blocks at all; real countries hold millions. So a graph of
    10^5 people is one country (no geography), 10^7 people are 100 countries; a smaller
    explicit ``countries`` is allowed and clustering then exceeds the target. Phase 1 puts all its edges inside countries; phase 2's in-country
    share is set so that the expected total is ``within`` (clipped to what random mixing
    gives). Degree-1 people get no block edges (BTER's treatment). No sub-country geography
    yet. BTER graphs are degree-assortative, as Facebook is (Ugander et al.: 0.226); this is
    not a fitted number.
    """
    rng = numpy_rng(seed, STREAM_TAG)
    meta = {"model": "facebook_like", "n": n, "median_degree": median_degree, "mean_degree": mean_degree,
            "max_degree": max_degree, "clustering_at_100": clustering_at_100,
            "clustering_exponent": clustering_exponent, "clustering_max": clustering_max,
            "countries": countries, "country_exponent": country_exponent, "within": within,
            "seed": seed_meta(seed)}
    deg_sorted = lognormal_degrees(n, median_degree, mean_degree, max_degree)
    target = np.empty(n, dtype=np.int64)
    target[rng.permutation(n)] = deg_sorted
    del deg_sorted
    k = _country_count(n, countries)
    meta["countries_used"] = k
    grouped = k >= 2 and n > 0
    group = (rng.choice(k, size=n, p=country_shares(k, country_exponent)).astype(np.int64) if grouped
             else np.zeros(n, dtype=np.int64))
    # Phase 1: affinity blocks inside each country.
    order = np.lexsort((target, group)).astype(np.int64)
    sizes = np.bincount(group, minlength=max(k, 1))
    group_ptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    block_ptr, active = _k.affinity_blocks(target[order], group_ptr)
    block_n = np.diff(block_ptr)
    block_d = target[order[block_ptr[:-1]]]
    c_t = np.where(active, clustering_target(block_d, clustering_at_100, clustering_exponent, clustering_max), 0.0)
    block_country = group[order[block_ptr[:-1]]]
    block_p = c_t ** (1.0 / 3.0)  # BTER's p = c^(1/3), before the phase-2 correction
    for _ in range(2):
        excess = _excess(target, order, block_p, block_n)
        e1 = float((block_p * block_n * (block_n - 1) / 2).sum())
        share2, f, c_bg = _phase2_mixing(group, excess, e1, within, k if grouped else 1)
        block_p = np.where(active, _block_density(c_t, c_bg[block_country]), 0.0)
    states = stream_states(_child(seed, 1), block_n.shape[0], ())
    deg1 = np.zeros(n, dtype=np.int64)
    _k.block_count(order, block_ptr, block_p, states, deg1)
    ip1 = np.concatenate([[0], np.cumsum(deg1)]).astype(np.int64)
    ix1 = np.empty(int(ip1[-1]), dtype=np.int32)
    cursor = ip1[:-1].copy()
    _k.block_scatter(order, block_ptr, block_p, states, cursor, ix1)
    del cursor, deg1, states
    sort_rows(ip1, ix1)
    # Phase 2: Chung-Lu on the expected excess degree, with the country layer.
    excess = _excess(target, order, block_p, block_n)
    del order
    e1 = float((block_p * block_n * (block_n - 1) / 2).sum())
    share2, f, _ = _phase2_mixing(group, excess, e1, within, k if grouped else 1)
    meta.update(block_edges_expected=e1, excess_edges_expected=float(excess.sum() / 2))
    if grouped:
        meta.update(chung_lu_within=share2, within_layer_share=f)
    node_of_rank = np.argsort(-excess, kind="stable").astype(np.int64)
    ip2, ix2 = chung_lu_csr(node_of_rank, excess, group if grouped else None, f, _child(seed, 2))
    del node_of_rank, excess
    indptr, indices, overlap = _k.csr_union(ip1, ix1, ip2, ix2)
    meta["overlap_edges"] = int(overlap // 2)
    report = BuildReport(input_edges=int((ix1.shape[0] + ix2.shape[0]) // 2),
                         duplicates_dropped=int(overlap // 2))
    del ip1, ix1, ip2, ix2
    attrs = pl.DataFrame({"country": group}) if grouped else None
    return Graph(indptr, indices, False, node_attrs=attrs, meta=meta, report=report)


def _country_count(n, countries):
    """The number of countries: ``countries`` if given, else max(1, round(n / 100,000))."""
    return int(countries) if countries is not None else max(1, int(round(n / 1e5)))


def _excess(target, order, block_p, block_n):
    """Expected phase-2 (Chung-Lu) degree of each person: target minus expected block degree, >= 0."""
    excess = np.empty(target.shape[0])
    excess[order] = np.maximum(0.0, target[order] - np.repeat(block_p * (block_n - 1), block_n))
    return excess


def _phase2_mixing(group, excess, e1, within, k):
    """(in-country share asked of phase 2, its within-layer share f, per-country background clustering).

    Phase 1 puts its ``e1`` expected edges inside countries, so phase 2 must put
    (within (e1 + e2) - e1) / e2 of its e2 inside (clipped to [s2, 1], s2 what random mixing
    gives). The background clustering of Chung-Lu among a person's phase-2 neighbours in
    country g is about q_g^2 (f / W_g + (1 - f) / W) M_g^2: two neighbours drawn in proportion
    to weight (mean weight M_g = sum w^2 / sum w over g) are joined with probability
    (f / W_g + (1 - f) / W) w_j w_k, and a share q_g = f + (1 - f) W_g / W of neighbours lies
    in the country (Chung & Lu's clustering estimate, per layer; out-of-country pairs ignored).
    """
    total = float(excess.sum())
    if total <= 0:
        return 0.0, 0.0, np.zeros(max(k, 1))
    wg = np.bincount(group, weights=excess, minlength=k)
    m_g = np.bincount(group, weights=excess * excess, minlength=k) / np.where(wg > 0, wg, 1.0)
    if k < 2:
        return 1.0, 0.0, np.minimum(1.0, m_g**2 / total)
    e2 = total / 2
    s2 = float(((wg / total) ** 2).sum())
    share2 = min(1.0, max((within * (e1 + e2) - e1) / e2, s2))
    f, _ = _mixing_fraction(group, excess, share2, k, "facebook_like")
    q = f + (1.0 - f) * wg / total
    c_bg = q**2 * (f / np.where(wg > 0, wg, 1.0) + (1.0 - f) / total) * m_g**2
    return share2, f, np.minimum(1.0, c_bg)


def _block_density(c, c_bg):
    """Block density p solving p^3 + (1 - p)^2 c_bg = c (0 where the background alone reaches c).

    A member of degree d has ~p d block neighbours (p^3 C(d, 2) triangles among them) and
    ~(1 - p) d phase-2 neighbours, whose pairs close with probability ~c_bg; BTER's p = c^(1/3)
    is the case c_bg = 0. Vectorised bisection, 60 steps.
    """
    lo = np.zeros_like(c)
    hi = np.ones_like(c)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        low = mid**3 + (1.0 - mid) ** 2 * c_bg < c
        lo = np.where(low, mid, lo)
        hi = np.where(low, hi, mid)
    return np.where(c_bg >= c, 0.0, hi)


def _child(seed, key):
    """A SeedSequence for one phase of this model, separate from every other model's streams."""
    if isinstance(seed, np.random.SeedSequence):
        return np.random.SeedSequence(seed.entropy, spawn_key=tuple(seed.spawn_key) + (STREAM_TAG, key))
    return np.random.SeedSequence(seed, spawn_key=(STREAM_TAG, key))
