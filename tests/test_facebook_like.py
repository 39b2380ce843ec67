"""The facebook_like (BTER) generator: targets from its own parameters, oracles from igraph.

Tolerances are stated per test; BTER loses a few edges to pairs drawn by both phases and
Chung-Lu degrees are Poisson around their targets, so no exact two-sample tests.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulate.errors import ParameterError
from simulate.generators import facebook_like
from simulate.generators.facebook import clustering_target
from simulate.kernels.triangles import node_triangles


def local_clustering(g):
    d = g.out_degree().astype(np.float64)
    t = node_triangles(g.indptr, g.indices).astype(np.float64)
    pairs = d * (d - 1) / 2
    return np.divide(t, pairs, out=np.zeros(g.n), where=pairs > 0)


def degree_assortativity(g):
    # Pearson correlation of the degrees at the two ends of an edge, both orientations.
    d = g.out_degree().astype(np.float64)
    s, t = g.edges()
    x, y = d[s], d[t]
    return float(np.corrcoef(np.r_[x, y], np.r_[y, x])[0, 1])


@pytest.fixture(scope="module")
def fb():
    return facebook_like(100_000, seed=1)  # defaults: Facebook's shape; one country at this n


def test_clustering_by_degree_near_target_around_100(fb):
    d = fb.out_degree()
    c = local_clustering(fb)
    band = (d >= 80) & (d < 125)
    target = float(clustering_target(100, 0.14, 0.5, 0.5))
    assert band.sum() > 5000
    assert abs(c[band].mean() - target) < 0.03
    # Falling with degree, as Ugander et al.'s curve does.
    low = c[(d >= 10) & (d < 20)].mean()
    high = c[(d >= 500) & (d < 1000)].mean()
    assert low > c[band].mean() > high


def test_degree_quantiles(fb):
    d = fb.out_degree()
    # Tolerances: median +-10% of 99, mean within 10% below/5% above 190 (pairs drawn by both
    # phases are kept once), a real lower tail (a Pareto law with this mean and median has
    # no degree below ~27), and the 5,000 cap up to Poisson noise.
    assert abs(np.median(d) - 99) <= 10
    assert 171 <= d.mean() <= 200
    assert np.percentile(d, 5) <= 20
    assert d.max() <= 5500
    assert fb.meta["countries_used"] == 1


def test_positive_degree_assortativity(fb):
    assert degree_assortativity(fb) > 0.02


def test_in_country_share_matches_target():
    g = facebook_like(100_000, countries=3, within=0.84, seed=2)
    country = g.node_attrs["country"].to_numpy()
    s, t = g.edges()
    assert abs((country[s] == country[t]).mean() - 0.84) < 0.02
    sizes = np.bincount(country)
    assert sizes.shape[0] == 3 and sizes.max() > 1.5 * sizes.min()  # Zipf: unequal sizes


def test_small_graph_against_igraph_and_threads():
    import igraph
    import numba

    kw = dict(median_degree=12.0, mean_degree=20.0, max_degree=300.0, countries=2, seed=4)
    g = facebook_like(3000, **kw)
    s, t = g.edges()
    ig = igraph.Graph(n=g.n, edges=np.column_stack([s, t]).tolist())
    assert ig.is_simple()
    assert local_clustering(g) == pytest.approx(np.array(ig.transitivity_local_undirected(mode="zero")))
    assert degree_assortativity(g) == pytest.approx(ig.assortativity_degree(directed=False), abs=1e-9)
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = facebook_like(3000, **kw)
    finally:
        numba.set_num_threads(old)
    assert one.fingerprint == g.fingerprint
    assert facebook_like(3000, **{**kw, "seed": 5}).fingerprint != g.fingerprint


def test_parameter_rules():
    with pytest.raises(ParameterError, match="median_degree"):
        facebook_like(100, median_degree=200.0, mean_degree=190.0)
    with pytest.raises(ParameterError, match="max_degree"):
        facebook_like(100, mean_degree=190.0, max_degree=100.0)
