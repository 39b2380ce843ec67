"""Rank-based friendship (Liben-Nowell et al. 2005): friend ranks against a brute-force oracle, and
the rank-law fit recovering exponents planted by the model (never a published number)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from naive import friend_ranks_naive
from simulate.errors import ParameterError
from simulate.generators import generate
from simulate.graph import Graph
from simulate.rank_friendship import _bin_probabilities, fit_rank_mixture, friend_ranks, rank_bins, rank_exponent


def _graph(coords, arcs, spherical, directed=True):
    n = len(coords)
    src = np.array([a for a, _ in arcs], dtype=np.int64)
    dst = np.array([b for _, b in arcs], dtype=np.int64)
    cols = ("lat", "lon") if spherical else ("x", "y")
    attrs = pl.DataFrame({cols[0]: [float(c[0]) for c in coords], cols[1]: [float(c[1]) for c in coords]})
    return Graph.from_edges(src, dst, directed=directed, n=n, relabel=False, node_attrs=attrs)


@st.composite
def located_graphs(draw):
    n = draw(st.integers(2, 25))
    spherical = draw(st.booleans())
    # A coarse grid makes equidistant people (ties) common; lat/lon stay inside the US box.
    if spherical:
        coords = [(draw(st.integers(25, 48)) + 0.5 * draw(st.integers(0, 1)), draw(st.integers(-124, -67)))
                  for _ in range(n)]
    else:
        coords = [(draw(st.integers(0, 4)), draw(st.integers(0, 4))) for _ in range(n)]
    arcs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda a: a[0] != a[1]),
                         max_size=60, unique=True))
    return coords, arcs, spherical


@settings(max_examples=60)
@given(located_graphs())
def test_friend_ranks_match_brute_force(case):
    coords, arcs, spherical = case
    g = _graph(coords, arcs, spherical)
    fr = friend_ranks(g)
    # Exact ties (co-located people) must rank as ties; mirror-image ties on the sphere are exact only
    # in real arithmetic, so there the kernel may count a tied person on either side (1e-12 rad ~ 6 um).
    want = friend_ranks_naive(coords, arcs, spherical, tie_tolerance=1e-12 if spherical else 0.0)
    got = {}
    for i, u in enumerate(fr.users):
        for k, a in enumerate(range(g.indptr[u], g.indptr[u + 1])):
            got[(int(u), int(g.indices[a]))] = int(fr.ranks[fr.ptr[i] + k])
    if spherical:
        assert got.keys() == want.keys()
        for arc, rank in got.items():
            lo, hi = want[arc]
            assert lo <= rank <= hi, (arc, rank, (lo, hi))
    else:
        assert got == want


def test_friend_ranks_of_a_subset_equal_those_of_all():
    g = generate("rank_geographic", n=500, alpha=1.0, mean_degree=3, seed=2)
    every = friend_ranks(g)
    some = friend_ranks(g, users=[3, 77, 498])
    for i, u in enumerate(some.users):
        j = int(u)
        assert np.array_equal(some.ranks[some.ptr[i]:some.ptr[i + 1]], every.ranks[every.ptr[j]:every.ptr[j + 1]])


def test_the_mixture_fit_recovers_the_law_it_is_given():
    """Counts drawn from the binned law itself: the maximum-likelihood fit returns its parameters."""
    n_ranks = 20_000
    edges = rank_bins(n_ranks)
    rng = np.random.default_rng(4)
    for alpha, g in ((1.0, 2 / 3), (0.6, 1.0), (1.8, 0.5)):
        counts = rng.multinomial(200_000, _bin_probabilities(alpha, g, edges, n_ranks))
        a, share = fit_rank_mixture(counts, edges, n_ranks)
        assert abs(a - alpha) < 0.03 and abs(share - g) < 0.02
    # A pure power law fitted to a mixture is flatter: the uniform part is not ignored.
    counts = rng.multinomial(200_000, _bin_probabilities(1.0, 2 / 3, edges, n_ranks))
    assert fit_rank_mixture(counts, edges, n_ranks, uniform=False)[0] < 0.9


@pytest.mark.parametrize("alpha", [1.0, 1.6])
def test_rank_exponent_recovers_the_planted_exponent(alpha):
    """rank_geographic plants P(rank) ~ rank^-alpha on 2/3 of the links, uniform on the rest; one link
    per person (no repeated picks to collapse). The fit recovers both within 4 jackknife SE."""
    g = generate("rank_geographic", n=6000, alpha=alpha, mean_degree=1, seed=5)
    r = rank_exponent(g, n_users=3000)
    assert r.users == 3000 and r.friendships == 3000
    assert abs(r.alpha - alpha) < 4 * r.alpha_se, (r.alpha, r.alpha_se)
    assert abs(r.geo_share - 2 / 3) < 4 * r.geo_share_se + 0.01, (r.geo_share, r.geo_share_se)
    assert 0 < r.alpha_se < 0.05
    lo, hi = r.ci()
    assert lo < r.alpha < hi


def test_rank_exponent_errors():
    g = generate("erdos_renyi", n=50, p=0.1, seed=1)
    with pytest.raises(ParameterError, match="lat, lon or x, y"):
        friend_ranks(g)
    bad = _graph([(0.0, 0.0), (float("nan"), 1.0)], [(0, 1)], spherical=False)
    with pytest.raises(ParameterError, match="location for every node"):
        friend_ranks(bad)
    with pytest.raises(ParameterError, match="node ids"):
        friend_ranks(_graph([(0, 0), (1, 1)], [(0, 1)], spherical=False), users=[2])
    with pytest.raises(ParameterError, match="at least 40 users"):
        rank_exponent(_graph([(0, 0), (1, 1)], [(0, 1)], spherical=False))


def test_a_truncated_fit_ignores_the_nearest_ranks():
    """Scrambling the counts of the first bins (as location noise would) moves the full fit, not the
    fit of the law truncated to the ranks beyond them."""
    n_ranks = 20_000
    edges = rank_bins(n_ranks)
    counts = np.random.default_rng(8).multinomial(200_000, _bin_probabilities(1.0, 2 / 3, edges, n_ranks)).astype(float)
    first = int(np.searchsorted(edges, 10))
    counts[:first] = counts[:first].mean() * np.diff(edges)[:first] / np.diff(edges)[:first].mean() * 0.2
    a_all, _ = fit_rank_mixture(counts, edges, n_ranks)
    a_tail, g_tail = fit_rank_mixture(counts, edges, n_ranks, first_bin=first)
    assert abs(a_tail - 1.0) < 0.05 and abs(g_tail - 2 / 3) < 0.05
    assert abs(a_all - 1.0) > 0.1


def test_fit_from_a_min_rank():
    from simulate.rank_friendship import fit_friend_ranks

    g = generate("rank_geographic", n=3000, alpha=1.0, mean_degree=1, seed=6)
    fr = friend_ranks(g)
    tail = fit_friend_ranks(fr, min_rank=10)
    assert tail.min_rank >= 10 and tail.friendships == 3000
    assert abs(tail.alpha - 1.0) < 4 * tail.alpha_se
    with pytest.raises(ParameterError, match="min_rank"):
        fit_friend_ranks(fr, min_rank=10**6)
