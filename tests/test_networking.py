"""Population model of networking strategies, outcomes and the inverted U (simulate/networking.py,
simulate/generators/networking.py, contact_novelty in simulate/kernels/ties.py)."""

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulate import Graph, networking as nw, ties
from simulate.errors import ParameterError
from simulate.generators import generate, tree_distance
from simulate.kernels import ties as k

SMALL = dict(depth=3, group_size=30, mean_degree=8.0, share_macro=0.3, share_center=0.1,
             macro_extra=8, center_extra=6)


@pytest.fixture(scope="module")
def pop():
    return nw.networking_population(seed=3, **SMALL)


def test_population_is_seeded_and_levels_follow_the_model(pop):
    again = nw.networking_population(seed=3, **SMALL)
    assert pop.graph.fingerprint == again.graph.fingerprint
    assert pop.graph.fingerprint != nw.networking_population(seed=4, **SMALL).graph.fingerprint
    g = pop.graph
    s, d = g.edges()
    lev = g.edge_weights()
    assert set(np.unique(lev).tolist()) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    x = np.array([tree_distance(a, b, 2) for a, b in zip(pop.group[s], pop.group[d])])
    # every tie is a base tie (level = max(1, 6 - x)) or an extra: macro level 1, center level 3 across groups
    base = lev == np.maximum(1, 6 - x)
    macro_extra = (lev == 1) & ((pop.strategy[s] == 1) | (pop.strategy[d] == 1))
    centre_extra = (lev == 3) & ((pop.strategy[s] == 2) | (pop.strategy[d] == 2)) & (x > 1)
    assert np.all(base | macro_extra | centre_extra)
    # micro networkers keep no tie below micro_min_level = 3
    micro = (pop.strategy[s] == 0) | (pop.strategy[d] == 0)
    assert np.all(lev[micro] >= 3)
    assert pop.company.tolist() == (pop.group // 4).tolist()


def test_population_parameters_are_validated():
    with pytest.raises(ParameterError, match="share_macro \\+ share_center <= 1"):
        generate("networking_population", share_macro=0.7, share_center=0.5)
    with pytest.raises(ParameterError, match="micro_min_level"):
        generate("networking_population", micro_min_level=6)
    with pytest.raises(ParameterError, match="not a networking_population graph"):
        nw.population(Graph.from_edges([0], [1], n=2))


def test_strong_ties_are_embedded_and_weak_ties_bridge(pop):
    t = ties.tie_strengths(pop.graph, by="intensity", levels="given")
    by = {r["level"]: r["mean_overlap"] for r in t.summary()["by_level"] if r["edges"]}
    assert by[5] > by[1]
    # removing weak ties first breaks the groups apart well before strong-first does
    weak = ties.percolation(pop.graph, by="intensity", order="weak-first", points=41, seeds=3, seed=1)
    strong = ties.percolation(pop.graph, by="intensity", order="strong-first", points=41, seeds=3, seed=1)
    share_below_5 = float((t.level < 5).mean())
    i = int(np.searchsorted(weak.removed, share_below_5 + 0.02))
    # once every tie below level 5 is gone, only within-group ties remain: giant <= one group
    assert weak.giant.mean(axis=0)[i] <= SMALL["group_size"] / pop.graph.n + 1e-12
    assert strong.giant.mean(axis=0)[i] > 0.5


def _naive_novelty(g, level, comm, strong_min):
    out = np.zeros(g.num_arcs)
    for u in range(g.n):
        row = range(g.indptr[u], g.indptr[u + 1])
        covered = {comm[u]} | {comm[g.indices[p]] for p in row if level[p] >= strong_min}
        for p in row:
            v = g.indices[p]
            reach = {comm[v]} | {comm[w] for w in g.neighbors(v) if w != u}
            out[p] = len(reach - covered) / len(reach)
    return out


@settings(max_examples=30)
@given(st.integers(2, 12), st.integers(1, 4), st.data())
def test_contact_novelty_equals_naive(n, n_comm, data):
    pairs = [(a, b) for a in range(n) for b in range(a + 1, n)]
    chosen = data.draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=len(pairs), unique=True))
    g = Graph.from_edges(np.array([p[0] for p in chosen]), np.array([p[1] for p in chosen]), n=n)
    level = np.array(data.draw(st.lists(st.integers(1, 5), min_size=g.num_arcs, max_size=g.num_arcs)), dtype=np.int8)
    comm = np.array(data.draw(st.lists(st.integers(0, n_comm - 1), min_size=n, max_size=n)), dtype=np.int64)
    got = k.contact_novelty(g.indptr, g.indices, level, comm, n_comm, 4)
    assert np.allclose(got, _naive_novelty(g, level, comm, 4))


def test_transmission_flat_control_and_peak(pop):
    tr = nw.transmission_by_level(pop.graph, pop.arc_levels(), community=pop.group)
    w = np.array(nw.DEFAULT_WILLINGNESS)
    ok = tr["arcs"].to_numpy() > 0
    assert np.allclose(tr["transmission"].to_numpy()[ok], w[ok] * tr["novelty"].to_numpy()[ok])
    assert np.allclose(tr["transmission_flat"].to_numpy()[ok], tr["novelty"].to_numpy()[ok])
    assert tr["rating"].to_list() == [5, 4, 3, 2, 1]
    t = pl.DataFrame({"level": [1, 2, 3, 4, 5], "arcs": [1, 1, 0, 1, 1],
                      "transmission": [0.1, 0.5, float("nan"), 0.3, 0.2]})
    assert nw.peak_level(t) == 2
    with pytest.raises(ParameterError, match="willingness"):
        nw.transmission_by_level(pop.graph, pop.arc_levels(), willingness=(1, 2, 3, 4, 5))


def test_strategy_outcomes_are_consistent(pop):
    out = nw.strategy_outcomes(pop, n_sources=30, trials=20, seed=2, cold=0.07)
    assert set(out["strategy"].unique().to_list()) == set(nw.STRATEGIES)
    assert (out["reach1"] == out["degree"]).all()
    assert (out["reach1"] <= out["reach2"]).all() and (out["reach2"] <= out["reach3"]).all()
    assert (out["p_cold"] == 0.07).all()
    assert (out["reach2"] <= out["friends_of_friends"]).all()   # distinct people <= count with repeats
    # the best chains cannot reach more people than the hop-limited ball holds
    assert (out["warm_paths"] <= out["reach3"] + 1e-9).all()
    assert (out["warm_cascade"] <= out["reach3"] + 1e-9).all()
    again = nw.strategy_outcomes(pop, n_sources=30, trials=20, seed=2, cold=0.07)
    assert out.equals(again)


def test_introduction_success_falls_with_distance(pop):
    d = nw.intro_by_distance(pop, n_sources=20, seed=1).filter(pl.col("people") > 0)
    p = d["p_intro"].to_numpy()
    assert np.all(np.diff(p) <= 1e-12)       # a longer chain multiplies more factors <= 1
    assert p[0] <= max(nw.DEFAULT_F) + 0.2  # one hop: at most the best tie (+ a center's boost)


def test_marginal_ties_rows(pop):
    m = nw.marginal_ties(pop, k=5, n_sources=20, seed=1)
    rows = {r["added"]: r for r in m.iter_rows(named=True)}
    assert set(rows) == {"none", "weak", "strong"}
    assert rows["weak"]["degree"] > rows["none"]["degree"]
    assert rows["strong"]["warm_paths"] >= rows["none"]["warm_paths"] - 1e-9


def test_chain_tie_levels_count_every_hop(pop):
    ch = nw.chain_tie_levels(pop, n_chains=300, n_targets=5, attrition=0.0, seed=1)
    assert ch["completed"] > 0 and ch["hops"] > 0
    assert sum(ch["hop_level_share"]) == pytest.approx(1.0)
    assert sum(ch["tie_level_share"]) == pytest.approx(1.0)
    assert 0 <= ch["hub_share_hops"] <= 1 and 0 <= ch["centre_share_hops"] <= 1


def test_group_reach_skips_own_and_missing_groups(pop):
    group = pop.group.copy()
    group[:10] = 0                                           # 0 = missing, never a target
    gr = nw.group_reach(pop.graph, pop.arc_levels(), group, n_sources=15, seed=2)
    assert gr["source"].n_unique() == 15
    assert (gr["group"] != 0).all()
    own = dict(zip(range(pop.graph.n), group.tolist()))
    assert all(own[s] != g for s, g in zip(gr["source"].to_list(), gr["group"].to_list()))
    assert gr["p_intro"].min() >= 0 and gr["p_intro"].max() <= max(nw.DEFAULT_F)
