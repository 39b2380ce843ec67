"""``simulate.reach.distance_profiles`` (experiment kind ``profiles``): exact per-source distance
profiles checked against networkx brute force, in both directions, with group and follower weights;
deterministic on any thread count."""

from __future__ import annotations

import networkx as nx
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulate import Graph
from simulate.config import ConfigError, parse_config
from simulate.reach import distance_profiles
from simulate.sweep import run_experiment


# ---------------------------------------------------------------------------- distance_profiles
def _nx_profiles(G, sources, group, directed, weight=None):
    """Brute force: per source, counts / same-group counts / weight sums at each distance."""
    rows = []
    for s in sources:
        d = nx.single_source_shortest_path_length(G, int(s))
        c, sm, w = {}, {}, {}
        for v, k in d.items():
            c[k] = c.get(k, 0) + 1
            if group[v] == group[s]:
                sm[k] = sm.get(k, 0) + 1
            w[k] = w.get(k, 0.0) + (1.0 if weight is None else weight[v])
        rows.append((c, sm, w))
    return rows


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 40), p=st.floats(0.0, 0.3), directed=st.booleans(), seed=st.integers(0, 10_000),
       k=st.integers(1, 4))
def test_profiles_match_networkx(n, p, directed, seed, k):
    G = nx.gnp_random_graph(n, p, seed=seed, directed=directed)
    rng = np.random.default_rng(seed)
    group = rng.integers(0, k, size=n)
    g = Graph.from_networkx(G)
    g = Graph(g.indptr, g.indices, g.directed, node_attrs=pl.DataFrame({"country": group}))
    prof = distance_profiles(g, n_sources=min(n, 7), group="country", seed=seed, component="all")
    ref = _nx_profiles(G, prof.sources, group, directed)
    for i, (c, sm, w) in enumerate(ref):
        D = prof.counts.shape[1]
        assert all(kk < D for kk in c)
        for dd in range(D):
            assert prof.counts[i, dd] == c.get(dd, 0)
            assert prof.same[i, dd] == sm.get(dd, 0)
            assert prof.weight[i, dd] == pytest.approx(w.get(dd, 0.0))
    assert np.array_equal(prof.degree, np.array([G.out_degree(int(s)) if directed else G.degree(int(s))
                                                 for s in prof.sources]))


def test_profiles_in_direction_and_follower_weights():
    G = nx.gnp_random_graph(30, 0.12, seed=5, directed=True)
    g = Graph.from_networkx(G)
    indeg = dict(G.in_degree())
    w = {f: sum(1.0 / indeg[v] for v in G.successors(f)) for f in G}
    prof = distance_profiles(g, sources=[0, 3, 7], target_weight="follower", direction="in")
    ref = _nx_profiles(G.reverse(copy=True), [0, 3, 7], np.zeros(30, dtype=int), True, weight=w)
    for i, (c, _, ww) in enumerate(ref):
        for dd in range(prof.counts.shape[1]):
            assert prof.counts[i, dd] == c.get(dd, 0)
            assert prof.weight[i, dd] == pytest.approx(ww.get(dd, 0.0))


def test_profiles_summary_balls_and_table():
    G = nx.path_graph(6)  # 0-1-2-3-4-5
    g = Graph.from_networkx(G)
    prof = distance_profiles(g, sources=[0, 2])
    assert prof.balls(2).tolist() == [3, 5]
    assert prof.balls(3).tolist() == [4, 6]
    s = prof.summary()
    # distances from 0: 1..5; from 2: 1,1,2,2,3 -> mean (15 + 9) / 10
    assert s["mean_distance"] == pytest.approx(2.4)
    assert s["within_2"] == pytest.approx(6 / 10)
    t = prof.to_polars()
    assert t.filter(pl.col("source") == 0).height == 6 and t.filter(pl.col("source") == 2).height == 4
    assert t["nodes"].sum() == 12


def test_profiles_determinism_and_errors():
    G = nx.gnp_random_graph(200, 0.05, seed=1)
    g = Graph.from_networkx(G)
    a = distance_profiles(g, n_sources=20, seed=9)
    b = distance_profiles(g, n_sources=20, seed=9)
    assert np.array_equal(a.sources, b.sources) and np.array_equal(a.counts, b.counts)
    from simulate.errors import ParameterError

    with pytest.raises(ParameterError, match="group attribute"):
        distance_profiles(g, group="country")
    with pytest.raises(ParameterError, match="target_weight"):
        distance_profiles(g, target_weight="x")
    with pytest.raises(ParameterError, match="distinct"):
        distance_profiles(g, sources=[1, 1])
    with pytest.raises(ParameterError, match="n_sources"):
        distance_profiles(g, n_sources=0)


def test_profiles_experiment_kind_in_configs():
    text = """
seed = 3
[graph]
generator = "erdos_renyi"
n = 300
p = 0.02
[experiment]
kind = "profiles"
sources = 10
"""
    cfg = parse_config(text)
    assert cfg.experiment["kind"] == "profiles"
    with pytest.raises(ConfigError, match="target_weigth|unknown key"):
        parse_config(text + 'target_weigth = "follower"\n')
    g = Graph.from_networkx(nx.gnp_random_graph(300, 0.02, seed=1))
    table, summary = run_experiment(g, {"kind": "profiles", "sources": 10, "group": None,
                                        "target_weight": "uniform", "component": "largest",
                                        "direction": "out"}, seed=4)
    assert table["source"].n_unique() == 10 and summary["sources"] == 10
    assert summary["mean_ball_1"] == pytest.approx(1 + table.filter(pl.col("distance") == 1)["nodes"].sum() / 10)


def test_profiles_identical_on_one_and_two_threads():
    # > 65,536 nodes, so the fold runs over several fixed chunks whose float sums are merged in order.
    import numba

    from simulate.generators import generate

    g = generate("directed_follower", n=140_000, mean_degree=4.0, mutual_pair_share=0.18, seed=3)
    old = numba.get_num_threads()
    try:
        res = []
        for t in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(t)
            res.append(distance_profiles(g, n_sources=4, target_weight="follower", component="all", seed=2))
    finally:
        numba.set_num_threads(old)
    a, b = res
    assert np.array_equal(a.counts, b.counts) and np.array_equal(a.weight, b.weight)
    assert a.weight.sum() > 0
