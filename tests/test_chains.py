"""Tests for simulate.chains and simulate.kernels.routing (Milgram-style decentralized search)."""

from __future__ import annotations

import json
import math

import networkx as nx
import numba
import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as hst

from naive import (CHAINS_POLICY_ATTRIBUTES, CHAINS_POLICY_CASES, CHAINS_REFERENCE_SCORES, chains_kleinberg_torus,
                   chains_policy_graphs, chains_random_graph as random_graph, chains_reference_common_neighbours,
                   chains_reference_router)
from simulate import Graph, write_graph
from simulate.chains import (CHAIN_STREAM_KEY, Attrition, ChainResults, Starters, beta_attrition, read_chains,
                             run_chains, shortest_path_lengths, tie_levels)
from simulate.cli import main
from simulate.errors import ParameterError
from simulate.policies import POLICIES
from simulate.kernels.random import stream_states
from simulate.kernels.routing import tie_strength_levels


# ------------------------------------------------------------------ small graphs
def kleinberg(side, r=2.0, q=1, seed=0):
    """Kleinberg torus (row-major node ids) from the generators package."""
    from simulate.generators import kleinberg_lattice

    return kleinberg_lattice(side, dim=2, r=r, q=q, periodic=True, seed=seed)


def plain_grid(side, periodic=False):
    g = nx.grid_2d_graph(side, side, periodic=periodic)
    nodes = sorted(g.nodes)
    index = {u: i for i, u in enumerate(nodes)}
    src = [index[u] for u, v in g.edges]
    dst = [index[v] for u, v in g.edges]
    attrs = pl.DataFrame({"coord_0": [u[0] for u in nodes], "coord_1": [u[1] for u in nodes]})
    return Graph.from_edges(np.array(src), np.array(dst), directed=False, n=len(nodes), node_attrs=attrs,
                            meta={"model": "kleinberg_lattice", "side": side, "dim": 2, "periodic": periodic})


def replay(graph, res, policy, **kw):
    t = res.table
    states = stream_states(res.params["seed"], t.height, spawn_key=CHAIN_STREAM_KEY)
    return chains_reference_router(graph, t["source_id"].to_numpy(), t["target_id"].to_numpy(), states, policy,
                                   max_steps=res.params["max_steps"], **kw)


def assert_same_chains(res, ref):
    t = res.table
    assert t["status"].to_list() == [s for s, _ in ref]
    assert t["path"].to_list() == [p for _, p in ref]
    assert t["steps"].to_list() == [len(p) - 1 for _, p in ref]


def test_every_policy_has_a_reference_scorer_and_a_test_graph():
    assert set(CHAINS_REFERENCE_SCORES) == set(POLICIES.names())
    assert set(CHAINS_POLICY_CASES.values()) == set(POLICIES.names())
    assert set(CHAINS_POLICY_CASES) == set(chains_policy_graphs())


# ------------------------------------------------------------------ against the brute-force router
@pytest.mark.parametrize("name", sorted(CHAINS_POLICY_CASES))
@pytest.mark.parametrize("variant", ["plain", "attrition_epsilon", "backtrack"])
def test_kernel_matches_reference_router(name, variant):
    g = chains_policy_graphs()[name]
    policy = CHAINS_POLICY_CASES[name]
    kw = {"attrition": 0.0, "epsilon": 0.0, "backtrack": False}
    if variant == "attrition_epsilon":
        kw.update(attrition=0.2, epsilon=0.3)
    if variant == "backtrack":
        kw.update(backtrack=True)
    attributes = CHAINS_POLICY_ATTRIBUTES.get(policy)
    res = run_chains(g, policy, n_chains=150, n_targets=5, seed=11, record_paths=True, max_steps=40,
                     attributes=attributes, **kw)
    ref = replay(g, res, policy, attributes=attributes, **kw)
    assert_same_chains(res, ref)
    statuses = set(res.table["status"].to_list())
    assert "reached" in statuses
    if variant == "attrition_epsilon":
        assert "dropped" in statuses


def test_kernel_matches_reference_with_node_and_strength_attrition():
    g = random_graph(80, 0.1, 9)
    q = beta_attrition(g.n, 0.2, 4.0, seed=1)
    by_level = [0.5, 0.3, 0.2, 0.1, 0.0]
    res = run_chains(g, "max_degree", Attrition(per_node=q, by_strength=by_level), min_strength=2,
                     n_chains=300, n_targets=6, seed=5, record_paths=True, max_steps=30)
    levels = tie_levels(g)
    ref = replay(g, res, "max_degree", node_attrition=q, levels=levels, min_strength=2,
                 attrition_by_strength=by_level)
    assert_same_chains(res, ref)
    # Known survival: product over the holders that forwarded of (1 - q) (1 - level loss).
    t = res.table.filter(pl.col("status") == "reached")
    assert t.height > 5
    arc = {}
    for u in range(g.n):
        for j in range(g.indptr[u], g.indptr[u + 1]):
            arc[(u, int(g.indices[j]))] = int(levels[j])
    for path, surv in zip(t["path"].to_list(), t["survival"].to_list()):
        expect = math.prod((1 - q[a]) * (1 - by_level[arc[(a, b)] - 1]) for a, b in zip(path[:-1], path[1:]))
        assert surv == pytest.approx(expect, rel=1e-9)
        assert all(arc[(a, b)] >= 2 for a, b in zip(path[:-1], path[1:]))


@settings(max_examples=25, deadline=None)
@given(n=hst.integers(5, 30), p=hst.floats(0.05, 0.4), seed=hst.integers(0, 10_000),
       directed=hst.booleans(), attrition=hst.sampled_from([0.0, 0.3]), backtrack=hst.booleans(),
       policy=hst.sampled_from(["random_walk", "max_degree"]))
def test_random_graphs_match_reference(n, p, seed, directed, attrition, backtrack, policy):
    g = random_graph(n, p, seed, directed=directed)
    comp = g.largest_component(strong=directed)
    if comp.n < 2:
        return
    res = run_chains(g, policy, attrition=attrition, backtrack=backtrack, n_chains=20, n_targets=3, seed=seed,
                     record_paths=True, max_steps=25)
    assert_same_chains(res, replay(g, res, policy, attrition=attrition, backtrack=backtrack))
    # Paths follow arcs (or backtrack to the previous holder) and never revisit except by returning.
    for path, st in zip(res.table["path"].to_list(), res.table["status"].to_list()):
        if not backtrack:
            assert len(set(path)) == len(path)
            for a, b in zip(path[:-1], path[1:]):
                assert b in g.neighbors(a)


# ------------------------------------------------------------------ theory
def test_greedy_on_plain_lattice_takes_the_lattice_distance():
    for periodic in (False, True):
        g = plain_grid(15, periodic=periodic)
        res = run_chains(g, "greedy_lattice", n_chains=400, n_targets=8, seed=2)
        t = res.table
        assert (t["status"] == "reached").all()
        x = g.node_attrs["coord_0"].to_numpy()
        y = g.node_attrs["coord_1"].to_numpy()
        s, d = t["source_id"].to_numpy(), t["target_id"].to_numpy()
        dx, dy = np.abs(x[s] - x[d]), np.abs(y[s] - y[d])
        if periodic:
            dx, dy = np.minimum(dx, 15 - dx), np.minimum(dy, 15 - dy)
        assert np.array_equal(t["steps"].to_numpy(), dx + dy)
        assert np.array_equal(t["shortest_path"].to_numpy(), dx + dy)


def mean_greedy_time(side, r, seed=1, chains=4000):
    g = kleinberg(side, r=r, q=1, seed=side * 10 + int(r))
    res = run_chains(g, "greedy_lattice", n_chains=chains, n_targets=40, seed=seed, compute_distances=False)
    assert (res.table["status"] == "reached").all()
    return res.table["steps"].mean()


def test_kleinberg_delivery_time_scaling():
    # Kleinberg 2000: r = 0 needs ~ s^(2/3) steps (n = s^2), r = 2 ~ log^2 s.
    sides = np.array([50, 100, 200, 400])
    t0 = np.array([mean_greedy_time(s, 0.0) for s in sides])
    t2 = np.array([mean_greedy_time(s, 2.0) for s in sides])
    slope0 = np.polyfit(np.log(sides), np.log(t0), 1)[0]
    assert 0.58 < slope0 < 0.78, slope0  # theory 2/3
    # r = 0 is a power law: local log-log slopes stay flat.
    local0 = np.diff(np.log(t0)) / np.diff(np.log(sides))
    assert np.ptp(local0) < 0.12, local0
    # r = 2 is polylogarithmic: log-log slope falls with size, exponent in ln(s) near 2.
    local2 = np.diff(np.log(t2)) / np.diff(np.log(sides))
    assert local2[-1] < local2[0] - 0.1, local2
    slope2 = np.polyfit(np.log(np.log(sides)), np.log(t2), 1)[0]
    assert 1.6 < slope2 < 3.2, slope2
    assert np.polyfit(np.log(np.log(sides)), np.log(t0), 1)[0] > slope2 + 0.4


def test_r2_beats_r0_and_r3_at_100k_nodes():
    side = 317
    t0, t2, t3 = (mean_greedy_time(side, r, chains=3000) for r in (0.0, 2.0, 3.0))
    assert t2 < 0.92 * t0 and t2 < 0.8 * t3, (t0, t2, t3)


def test_kleinberg_generator_agrees_with_test_builder():
    # Independent builders of the same model give the same delivery time (in distribution).
    a = mean_greedy_time(100, 2.0)
    g = chains_kleinberg_torus(100, r=2.0, q=1, seed=5)
    res = run_chains(g, "greedy_lattice", n_chains=4000, n_targets=40, seed=1, compute_distances=False)
    assert abs(res.table["steps"].mean() - a) < 0.08 * a


def test_identity_search_works_with_homophily():
    # Watts, Dodds, Newman 2002: with homophily (alpha > 0) greedy search on social distance
    # completes far more chains under attrition than without, and beats blind search.
    from simulate.generators import hierarchical_identity
    from simulate.kernels.generators.hierarchical import social_distance
    from simulate.kernels.routing import hierarchy_distance

    rates = {}
    for alpha in (0.0, 2.0):
        g = hierarchical_identity(branching=2, depth=6, group_size=60, dimensions=2, alpha=alpha,
                                  mean_degree=12, seed=1)
        for policy in ("greedy_hierarchy", "random_walk"):
            res = run_chains(g, policy, attrition=0.25, n_chains=4000, n_targets=40, seed=1)
            rates[alpha, policy] = (res.table["status"] == "reached").mean()
    assert rates[2.0, "greedy_hierarchy"] > 2 * rates[0.0, "greedy_hierarchy"]
    assert rates[2.0, "greedy_hierarchy"] > 4 * rates[2.0, "random_walk"]
    # Our social distance is the generator's minus one (leaves = groups at height 0): same ranking.
    ident = np.column_stack([g.node_attrs[f"identity_{h}"].to_numpy() for h in range(2)])
    rng = np.random.default_rng(0)
    for a, b in rng.integers(0, g.n, (200, 2)):
        assert hierarchy_distance(ident, a, b, 2) == social_distance(ident[a], ident[b], 2) - 1


def test_geographic_greedy_search():
    from simulate.generators import rank_geographic

    g = rank_geographic(n=5000, seed=1)
    geo = run_chains(g, "greedy_geo", n_chains=1000, n_targets=20, seed=1).table
    rw = run_chains(g, "random_walk", n_chains=1000, n_targets=20, seed=1).table
    assert (geo["status"] == "reached").mean() > 0.95
    assert geo["steps"].mean() < 0.2 * rw["steps"].mean()
    assert (geo["steps"] >= geo["shortest_path"]).all()


# ------------------------------------------------------------------ engine rules
def test_dead_end_and_backtracking():
    # A path 0-1-2 with a side branch 1-3 (dead end) and the target 4 behind 2.
    g = Graph.from_edges(np.array([0, 1, 1, 2]), np.array([1, 3, 2, 4]), directed=True, n=5)
    res = run_chains(g, "random_walk", starters=Starters([0] * 200, [4] * 200), seed=3, record_paths=True,
                     max_steps=10)
    t = res.table
    st = set(t["status"].to_list())
    assert st == {"reached", "dead_end"}
    assert t.filter(pl.col("status") == "dead_end")["path"].to_list()[0] == [0, 1, 3]
    res_b = run_chains(g, "random_walk", starters=Starters([0] * 200, [4] * 200), seed=3, record_paths=True,
                       backtrack=True, max_steps=10)
    tb = res_b.table
    assert (tb["status"] == "reached").all()
    paths = tb["path"].to_list()
    assert [0, 1, 3, 1, 2, 4] in paths and [0, 1, 2, 4] in paths
    assert set(tb["backtracks"].to_list()) == {0, 1}
    assert (tb["shortest_path"] == 3).all()


def test_max_steps_status():
    g = plain_grid(20)
    res = run_chains(g, "random_walk", n_chains=200, n_targets=2, seed=1, max_steps=5)
    t = res.table
    assert set(t["status"].to_list()) <= {"reached", "max_steps", "dead_end"}
    assert (t.filter(pl.col("status") == "max_steps")["steps"] == 5).all()
    assert (t["steps"] <= 5).all()
    assert "max_steps" in t["status"].to_list()


def test_min_strength_blocks_weak_ties():
    # Triangle 0-1-2 (embedded ties: 1 common neighbour -> level 2) plus a bridge 2-3 (level 1).
    g = Graph.from_edges(np.array([0, 1, 0, 2]), np.array([1, 2, 2, 3]), directed=False, n=4)
    lv = tie_levels(g)
    assert sorted(set(lv.tolist())) == [1, 2]
    res = run_chains(g, "random_walk", starters=Starters([0] * 20, [3] * 20), min_strength=2, seed=0)
    assert (res.table["status"] == "dead_end").all()
    res = run_chains(g, "random_walk", starters=Starters([0] * 20, [3] * 20), seed=0)
    assert (res.table["status"] == "reached").all()


@settings(max_examples=20, deadline=None)
@given(n=hst.integers(2, 25), p=hst.floats(0.05, 0.6), seed=hst.integers(0, 10_000), directed=hst.booleans())
def test_tie_strength_levels_match_common_neighbour_count(n, p, seed, directed):
    g = random_graph(n, p, seed, directed=directed)
    common = np.asarray(chains_reference_common_neighbours(g), dtype=np.int64)
    expect = np.select([common == 0, common == 1, common <= 3, common <= 7], [1, 2, 3, 4], 5)
    assert np.array_equal(tie_strength_levels(g.indptr, g.indices), expect)


def test_tie_levels_from_weights():
    g = Graph.from_edges(np.array([0, 1, 2]), np.array([1, 2, 3]), directed=True, weights=[1.0, 5.0, 3.0], n=4)
    assert tie_levels(g).tolist() == [1, 5, 3]
    g2 = Graph.from_edges(np.arange(10), np.arange(1, 11), directed=True, weights=np.linspace(0, 1, 10), n=11)
    assert tie_levels(g2).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


@settings(max_examples=20, deadline=None)
@given(n=hst.integers(2, 30), p=hst.floats(0.02, 0.3), seed=hst.integers(0, 10_000), directed=hst.booleans())
def test_shortest_paths_match_networkx(n, p, seed, directed):
    g = random_graph(n, p, seed, directed=directed)
    rng = np.random.default_rng(seed)
    s = rng.integers(0, n, 40)
    t = rng.integers(0, n, 40)
    d = shortest_path_lengths(g, s, t)
    G = g.to_networkx()
    for a, b, x in zip(s.tolist(), t.tolist(), d.tolist()):
        try:
            expect = nx.shortest_path_length(G, a, b)
        except nx.NetworkXNoPath:
            expect = -1
        assert x == expect


# ------------------------------------------------------------------ sources, targets, determinism
def test_random_pairs_come_from_the_largest_strong_component():
    # Two directed cycles: a big one (0..19) and a small one (20..24), joined one way.
    big = np.arange(20)
    small = np.arange(20, 25)
    src = np.concatenate([big, small, [5]])
    dst = np.concatenate([np.roll(big, -1), np.roll(small, -1), [20]])
    g = Graph.from_edges(src, dst, directed=True, n=25)
    res = run_chains(g, "random_walk", n_chains=500, n_targets=7, seed=4)
    t = res.table
    assert t["source_id"].max() < 20 and t["target_id"].max() < 20
    assert (t["source_id"] != t["target_id"]).all()
    assert t.group_by("target_id").len()["len"].sum() == 500
    # n_chains spread evenly: 500 = 3 x 72 + 4 x 71, in contiguous blocks per target.
    blocks = np.split(t["target_id"].to_numpy(), np.cumsum([72, 72, 72, 71, 71, 71]))
    assert all((b == b[0]).all() for b in blocks) and [len(b) for b in blocks] == [72] * 3 + [71] * 4
    res2 = run_chains(g, "random_walk", n_targets=4, seed=4, starters=Starters(chains_per_target=30))
    tt = res2.table["target_id"].to_numpy().reshape(4, 30)
    assert (tt == tt[:, :1]).all()


def test_sources_cover_the_component_uniformly():
    g = plain_grid(6)
    res = run_chains(g, "greedy_lattice", n_chains=35_000, seed=8, starters=Starters(targets=[0]),
                     compute_distances=False)
    counts = np.bincount(res.table["source_id"].to_numpy(), minlength=36)
    assert counts[0] == 0
    from scipy.stats import chisquare

    assert chisquare(counts[1:]).pvalue > 1e-3


def test_labels_and_given_pairs():
    e = np.array([[10, 20], [20, 30], [30, 40], [40, 10]])
    g = Graph.from_edges(e[:, 0], e[:, 1], directed=False)
    res = run_chains(g, "random_walk", seed=1, starters=Starters(sources=[10, 20], targets=[30]))
    t = res.table
    assert t["source"].to_list() == [10, 20] and t["target"].to_list() == [30, 30]
    assert t["source_id"].to_list() == [0, 1]
    with pytest.raises(ParameterError, match="99"):
        run_chains(g, "random_walk", starters=Starters([99], [30]))
    with pytest.raises(ParameterError, match="same node"):
        run_chains(g, "random_walk", starters=Starters([10], [10]))
    only_src = run_chains(g, "random_walk", seed=2, starters=Starters(sources=[10] * 50)).table
    assert (only_src["target"] != 10).all() and only_src.height == 50


def test_identical_on_any_thread_count():
    g = kleinberg(40, r=2, q=1, seed=1)
    kw = dict(attrition=0.2, epsilon=0.1, n_chains=700, n_targets=5, seed=9, record_paths=True)
    prev = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        a = run_chains(g, "greedy_lattice", **kw).table
        numba.set_num_threads(max(2, prev))
        b = run_chains(g, "greedy_lattice", **kw).table
    finally:
        numba.set_num_threads(prev)
    assert a.equals(b)
    c = run_chains(g, "greedy_lattice", progress=True, **kw).table
    assert a.equals(c)
    d = run_chains(g, "greedy_lattice", **{**kw, "seed": 10}).table
    assert not a.equals(d)


def test_attrition_run_is_the_free_run_cut_short():
    g = kleinberg(30, r=2, q=1, seed=2)
    kw = dict(n_chains=1000, n_targets=10, seed=5, record_paths=True, epsilon=0.1)
    free = run_chains(g, "greedy_lattice", **kw).table
    lossy = run_chains(g, "greedy_lattice", attrition=0.3, **kw).table
    for p_free, p_lossy, st in zip(free["path"].to_list(), lossy["path"].to_list(), lossy["status"].to_list()):
        if st == "reached":
            assert p_free == p_lossy
        else:
            assert p_free[:len(p_lossy)] == p_lossy


# ------------------------------------------------------------------ validation, output
def test_policy_needs_its_attributes():
    g = random_graph(20, 0.3, 1)
    # Every message names what is missing (tests/test_policies.py covers the wording and the CLI).
    with pytest.raises(ParameterError, match=r"greedy_lattice needs coord_\* node attributes.*kleinberg_lattice"):
        run_chains(g, "greedy_lattice")
    with pytest.raises(ParameterError, match="greedy_geo needs lat,lon or x,y node attributes"):
        run_chains(g, "greedy_geo")
    with pytest.raises(ParameterError, match=r"greedy_hierarchy needs identity_\* node attributes"):
        run_chains(g, "greedy_hierarchy")
    with pytest.raises(ParameterError, match="greedy_attributes needs"):
        run_chains(g, "greedy_attributes")
    g2 = random_graph(20, 0.3, 1, attrs=pl.DataFrame({"dorm": np.arange(20)}))
    with pytest.raises(ParameterError, match="'year'"):
        run_chains(g2, "greedy_attributes", attributes=["dorm", "year"])
    with pytest.raises(ParameterError, match="unknown routing policy"):
        run_chains(g, "teleport")
    with pytest.raises(ParameterError, match="attrition"):
        run_chains(g, "random_walk", attrition=1.5)
    with pytest.raises(ParameterError, match="node_attrition"):
        run_chains(g, "random_walk", Attrition(per_node=np.zeros(3)))
    with pytest.raises(ParameterError, match="attrition_by_strength"):
        run_chains(g, "random_walk", Attrition(by_strength=[0.1, 0.2]))
    with pytest.raises(ParameterError, match="min_strength"):
        run_chains(g, "random_walk", min_strength=7)


def test_grouped_options_keep_simple_calls_simple():
    # A float attrition is Attrition(rate=...); Starters(targets=...) is the same draw as the
    # default with those targets; results identical either way.
    g = kleinberg(12, r=2, q=1, seed=1)
    kw = dict(n_chains=300, n_targets=4, seed=6, record_paths=True)
    a = run_chains(g, "greedy_lattice", attrition=0.25, **kw)
    b = run_chains(g, "greedy_lattice", Attrition(rate=0.25), **kw)
    assert a.table.equals(b.table) and a.params == b.params
    with pytest.raises(ParameterError, match="starters must be a simulate.chains.Starters"):
        run_chains(g, "greedy_lattice", starters={"sources": [1]})
    with pytest.raises(ParameterError, match="either attrition or node_attrition"):
        run_chains(g, "greedy_lattice", Attrition(rate=0.1, per_node=np.full(g.n, 0.1)))


def test_string_attributes_and_missing_values():
    # Strings are coded per distinct value; null and "" are missing and never match.
    g = Graph.from_edges(np.array([0, 0, 1]), np.array([1, 2, 3]), directed=False, n=4,
                         node_attrs=pl.DataFrame({"dorm": ["a", None, "b", None]}))
    # From 0 to 3: neighbours 1 (dorm None) and 2 ("b"); target dorm None matches nobody -> tie.
    res = run_chains(g, "greedy_attributes", starters=Starters([0] * 400, [3] * 400), seed=1, record_paths=True)
    first = np.array([p[1] for p in res.table["path"].to_list()])
    assert 120 < (first == 1).sum() < 280


def test_parquet_roundtrip_with_provenance(tmp_path):
    g = kleinberg(12, r=2, q=1, seed=1)
    res = run_chains(g, "greedy_lattice", attrition=0.1, n_chains=50, n_targets=2, seed=3, record_paths=True)
    path = tmp_path / "chains.parquet"
    res.to_parquet(path, metadata={"note": "test"})
    back = read_chains(path)
    assert back.table.equals(res.table)
    assert back.params["policy"] == "greedy_lattice" and back.params["seed"] == 3
    assert back.graph_fingerprint == g.fingerprint
    import pyarrow.parquet as pq

    prov = json.loads(pq.read_schema(path).metadata[b"smallworld.chains"])
    assert prov["metadata"] == {"note": "test"} and "smallworld_version" in prov
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp")]
    assert isinstance(back, ChainResults)


def test_summary_keys_and_consistency():
    g = kleinberg(20, r=2, q=1, seed=1)
    res = run_chains(g, "greedy_lattice", attrition=0.2, n_chains=2000, n_targets=10, seed=3)
    s = res.summary(n_boot=200)
    for k in ("chains", "reached", "completion_rate", "mean_steps_reached", "median_steps_reached",
              "estimated_attrition", "corrected_mean", "corrected_mean_ci", "corrected_median",
              "corrected_median_ci", "mean_shortest_path"):
        assert k in s
    t = res.table
    assert s["chains"] == 2000 and s["reached"] == (t["status"] == "reached").sum()
    assert s["mean_steps_reached"] == pytest.approx(t.filter(pl.col("status") == "reached")["steps"].mean())
    assert s["corrected_mean_ci"][0] <= s["corrected_mean"] <= s["corrected_mean_ci"][1]
    assert s["corrected_mean"] > s["mean_steps_reached"]
    assert s["mean_shortest_path"] == pytest.approx(t["shortest_path"].mean())
    assert abs(s["estimated_attrition"] - 0.2) < 0.03


def test_cli_chains(tmp_path):
    g = kleinberg(16, r=2, q=1, seed=1)
    gpath = tmp_path / "k.swg"
    write_graph(g, gpath)
    out = tmp_path / "c.parquet"
    r = CliRunner().invoke(main, ["chains", str(gpath), "--policy", "greedy_lattice", "--attrition", "0.2",
                                  "--chains", "300", "--targets", "3", "--seed", "4", "--boot", "100",
                                  "--out", str(out), "--json"])
    assert r.exit_code == 0, r.output
    s = json.loads(r.stdout.strip().splitlines()[-1])
    assert s["chains"] == 300 and 0 < s["reached"] < 300
    assert len(s["corrected_mean_ci"]) == 2
    assert read_chains(out).table.height == 300
    r = CliRunner().invoke(main, ["chains", str(gpath), "--policy", "greedy_hierarchy", "--quiet"])
    assert r.exit_code == 2
    assert "greedy_hierarchy needs" in r.output
    r = CliRunner().invoke(main, ["chains", str(gpath), "--chains", "100", "--targets", "2", "--quiet",
                                  "--boot", "50"])
    assert r.exit_code == 0 and "corrected length" in r.output
