"""Tie strength, overlap, levels, percolation by strength, reliable paths and cascades
(simulate/ties.py, simulate/kernels/ties.py, simulate/io/events.py)."""

import json

import networkx as nx
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from simulate import Graph, read_graph
from simulate.cli import main
from simulate.errors import GraphError, ParameterError
from simulate import ties
from tests import naive


def _graph(n, edges):
    src = np.array([e[0] for e in edges], dtype=np.int64)
    dst = np.array([e[1] for e in edges], dtype=np.int64)
    return Graph.from_edges(src, dst, n=n)


# ---------------------------------------------------------------------------- overlap
@pytest.mark.parametrize("seed", range(4))
def test_overlap_equals_networkx_on_random_graphs(seed):
    G = nx.gnm_random_graph(60, 300 + 50 * seed, seed=seed)
    G.add_edge(100, 101)  # an isolated pair: k_i = k_j = 1 -> overlap 0
    g = Graph.from_networkx(G)
    t = ties.tie_strengths(g, by="overlap")
    want = naive.ties_overlap_networkx(G)
    labels = g.node_ids
    got = {}
    for a, b, o in zip(labels[t.src], labels[t.dst], t.overlap):
        got[(min(a, b), max(a, b))] = o
    assert got.keys() == want.keys()
    for k in want:
        assert got[k] == pytest.approx(want[k], abs=1e-12)


def test_overlap_equals_networkx_on_relabelled_real_graph(data_file):
    data_file("ego-facebook")
    g = read_graph("ego-facebook").subgraph(np.arange(1500))
    rng = np.random.default_rng(3)
    perm = rng.permutation(g.n)
    s, d = g.edges()
    h = Graph.from_edges(perm[s], perm[d], n=g.n)  # relabelled copy
    t = ties.tie_strengths(h, by="overlap")
    G = h.to_networkx()
    want = naive.ties_overlap_networkx(G)
    got = {(int(a), int(b)): o for a, b, o in zip(t.src, t.dst, t.overlap)}
    assert len(got) == len(want) == h.num_edges
    assert max(abs(got[k] - want[k]) for k in want) < 1e-12


def test_directed_projection_sums_intensity():
    g = Graph.from_edges([0, 1, 1, 2], [1, 0, 2, 1], directed=True, n=3, weights=[2.0, 3.0, 1.0, 4.0])
    t = ties.tie_strengths(g, by="intensity")
    assert t.graph.directed is False
    assert dict(zip(zip(t.src.tolist(), t.dst.tolist()), t.weight.tolist())) == {(0, 1): 5.0, (1, 2): 5.0}


# ---------------------------------------------------------------------------- levels
def test_fixed_count_levels_cut_points():
    counts = np.array([1, 2, 3, 4, 5, 9, 10, 184])
    assert ties.fixed_count_levels(counts).tolist() == [1, 2, 3, 3, 4, 4, 5, 5]


@given(st.lists(st.integers(0, 6), min_size=1, max_size=60))
def test_quantile_levels_keep_ties_together(values):
    v = np.array(values, dtype=float)
    lev = ties.quantile_levels(v)
    assert lev.min() >= 1 and lev.max() <= 5
    for x in np.unique(v):
        assert len(set(lev[v == x].tolist())) == 1          # ties share a level
    order = np.argsort(v, kind="stable")
    assert np.all(np.diff(lev[order]) >= 0)                   # monotone in the value
    below = (v[:, None] > v[None, :]).sum(axis=1)
    assert lev.tolist() == (1 + (5 * below) // v.size).tolist()


def test_rating_maps_to_six_minus_level():
    assert ties.level_from_rating([1, 2, 3, 4, 5]).tolist() == [5, 4, 3, 2, 1]
    assert ties.rating_from_level([5, 1]).tolist() == [1, 5]
    with pytest.raises(ParameterError, match="1..5"):
        ties.level_from_rating([0, 3])


def test_levels_not_1_to_5_are_an_error():
    g = Graph.from_edges([0, 1], [1, 2], n=3, weights=[1.0, 7.0])
    with pytest.raises(ParameterError, match="levels must be integers 1..5"):
        ties.tie_strengths(g, by="intensity", levels="given")
    g2 = Graph.from_edges([0, 1], [1, 2], n=3, weights=[1.0, 5.0])
    assert ties.tie_strengths(g2, by="intensity", levels="given").level.tolist() == [1, 5]


def test_intensity_on_unweighted_graph_is_an_error():
    g = _graph(3, [(0, 1), (1, 2)])
    with pytest.raises(GraphError, match="--by intensity needs a weighted graph"):
        ties.tie_strengths(g, by="intensity")
    with pytest.raises(GraphError, match="--by intensity needs a weighted graph"):
        ties.percolation(g, by="intensity")
    with pytest.raises(ParameterError, match="did you mean 'overlap'"):
        ties.tie_strengths(g, by="overlapp")
    with pytest.raises(ParameterError, match="unknown removal order"):
        ties.percolation(g, order="weakest")


# ---------------------------------------------------------------------------- event lists, CollegeMsg
def test_event_counts_sum_both_directions(tmp_path):
    p = tmp_path / "events.txt"
    p.write_text("source target weight\n1 2 100\n2 1 101\n1 2 102\n3 4 5\n4 4 6\n1 3 7\n")
    g = read_graph(p, format="events")
    t = ties.tie_strengths(g, by="intensity")
    got = {(int(g.node_ids[a]), int(g.node_ids[b])): w for a, b, w in zip(t.src, t.dst, t.weight)}
    assert got == {(1, 2): 3.0, (3, 4): 1.0, (1, 3): 1.0}
    assert g.report.input_edges == 6 and g.report.self_loops_dropped == 1
    gd = read_graph(p, format="events", directed=True)
    assert sorted(gd.weights.tolist()) == [1.0, 1.0, 1.0, 2.0]


@settings(max_examples=40)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9), st.integers(0, 10**9)), min_size=1, max_size=60),
       st.booleans(), st.booleans())
def test_event_counts_equal_a_counter(tmp_path_factory, events, header, directed):
    from collections import Counter

    path = tmp_path_factory.mktemp("ev") / "events.txt"
    text = ("source target time\n" if header else "") + "".join(f"{u}\t{v} {t}\n" for u, v, t in events)
    path.write_text(text)
    pairs = [(u, v) if directed else (min(u, v), max(u, v)) for u, v, _ in events if u != v]
    if not pairs:
        return
    g = read_graph(path, format="events", directed=directed)
    s, d = g.edges()
    got = {(int(g.node_ids[a]), int(g.node_ids[b])): w for a, b, w in zip(s, d, g.edge_weights())}
    assert got == dict(Counter(pairs))
    assert g.report.input_edges == len(events)
    assert g.n == len({x for u, v, _ in events for x in (u, v)})


def test_college_msg_levels_and_cli(data_file):
    data_file("college-msg")
    g = read_graph("college-msg")
    assert (g.n, g.num_edges, g.report.input_edges) == (1899, 13838, 59835)
    t = ties.tie_strengths(g, by="intensity")
    assert (t.weight == 1).sum() == (t.level == 1).sum()      # one-message pairs are exactly level 1
    res = CliRunner().invoke(main, ["ties", "college-msg", "--by", "intensity", "--json"])
    assert res.exit_code == 0, res.output
    js = json.loads(res.output)
    assert sum(r["edges"] for r in js["by_level"]) == 13838
    assert js["by_level"][0]["rating"] == 5 and js["by_level"][4]["level"] == 5


def test_ties_cli_writes_parquet_with_provenance(tmp_path):
    import pyarrow.parquet as pq

    G = nx.karate_club_graph()
    path = tmp_path / "karate.txt"
    path.write_text("\n".join(f"{u} {v}" for u, v in G.edges()) + "\n")
    out = tmp_path / "ties.parquet"
    res = CliRunner().invoke(main, ["ties", str(path), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "level  rating" in res.output
    tab = pq.read_table(out)
    assert tab.num_rows == G.number_of_edges()
    assert {"u", "v", "weight", "overlap", "level"} <= set(tab.column_names)
    prov = json.loads(tab.schema.metadata[b"smallworld"])
    assert prov["kind"] == "ties" and prov["by"] == "overlap"
    again = CliRunner().invoke(main, ["ties", str(path), "--out", str(out)])
    assert again.exit_code == 2 and "--force" in again.output          # an existing output is refused
    assert CliRunner().invoke(main, ["ties", str(path), "--out", str(out), "--force"]).exit_code == 0
    curve = tmp_path / "curve.parquet"
    res = CliRunner().invoke(main, ["percolation", str(path), "--points", "5", "--seeds", "2", "--out", str(curve)])
    assert res.exit_code == 0 and pq.read_table(curve).num_rows == 10


def test_cli_clean_errors(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("0 1\n1 2\n")
    r = CliRunner().invoke(main, ["ties", str(path), "--by", "intensity"])
    assert r.exit_code == 2 and r.output.startswith("error: --by intensity needs a weighted graph")
    assert "Traceback" not in r.output
    r = CliRunner().invoke(main, ["percolation", str(path), "--order", "weakest-first"])
    assert r.exit_code == 2 and "weak-first" in r.output
    from simulate import write_graph

    path2 = tmp_path / "w.parquet"
    write_graph(Graph.from_edges([0, 1], [1, 2], n=3, weights=[2.0, 9.0]), path2)
    r = CliRunner().invoke(main, ["ties", str(path2), "--by", "intensity", "--levels", "given"])
    assert r.exit_code == 2 and "levels must be integers 1..5" in r.output


# ---------------------------------------------------------------------------- percolation
@settings(max_examples=40)
@given(st.integers(2, 14), st.data())
def test_newman_ziff_equals_recompute_from_scratch(n, data):
    pairs = [(a, b) for a in range(n) for b in range(a + 1, n)]
    chosen = data.draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=len(pairs), unique=True))
    g = _graph(n, chosen)
    from simulate.kernels import ties as k

    off = k.edge_offsets(g.indptr, g.indices)
    src, dst = k.edge_endpoints(g.indptr, g.indices, off)
    m = src.shape[0]
    order = np.array(data.draw(st.permutations(list(range(m)))), dtype=np.int64)
    record = np.arange(m + 1, dtype=np.int64)
    giant, chi, peak = k.percolation_curve(g.n, src, dst, order, record)
    want_g, want_c = naive.ties_percolation_from_scratch(g.n, src, dst, order, record)
    assert np.allclose(giant, want_g) and np.allclose(chi, want_c)
    # the peak: the smallest number removed among the maxima of the susceptibility
    assert peak == min(i for i in range(m + 1) if np.isclose(want_c[i], max(want_c)))


def test_percolation_curve_shape_and_json():
    G = nx.connected_watts_strogatz_graph(300, 6, 0.1, seed=1)
    g = Graph.from_networkx(G)
    res = ties.percolation(g, by="overlap", order="weak-first", points=11, seeds=3, seed=5)
    js = res.to_json()
    assert [round(r["removed"], 6) for r in js["curve"]] == [round(x, 6) for x in np.linspace(0, 1, 11)]
    assert js["curve"][0]["giant"] == 1.0 and js["curve"][-1]["giant"] == pytest.approx(1 / 300)
    assert set(js["curve"][0]) == {"removed", "giant", "susceptibility"}
    assert 0 < js["collapse_at"] < 1 and js["collapse_band"][0] <= js["collapse_at"] <= js["collapse_band"][1]
    again = ties.percolation(g, by="overlap", order="weak-first", points=11, seeds=3, seed=5)
    assert np.array_equal(res.giant, again.giant)               # seeded
    one = ties.percolation(g, by="overlap", order="weak-first", points=11, seeds=1, seed=5)
    assert np.array_equal(one.giant[0], res.giant[0])            # run r does not depend on the run count


def test_removal_order_sorted_with_random_ties():
    s = np.array([3.0, 1.0, 1.0, 2.0, 1.0])
    for seed in range(5):
        o = ties.removal_order(s, "weak-first", seed)
        assert s[o].tolist() == sorted(s.tolist())
        o = ties.removal_order(s, "strong-first", seed)
        assert s[o].tolist() == sorted(s.tolist(), reverse=True)
    for order in ("weak-first", "strong-first", "random"):
        assert sorted(ties.removal_order(s, order, 3).tolist()) == list(range(5))   # a permutation
    firsts = {int(ties.removal_order(s, "weak-first", seed)[0]) for seed in range(30)}
    assert firsts == {1, 2, 4}                                   # every tied edge can go first


def _bridge_model(c=8, size=10, seed=0):
    """c cliques of ``size`` people on a ring; clique ties have weight 2..5, the ring's bridges weight 1."""
    rng = np.random.default_rng(seed)
    src, dst, w = [], [], []
    for q in range(c):
        base = q * size
        for a in range(size):
            for b in range(a + 1, size):
                src.append(base + a); dst.append(base + b); w.append(float(rng.integers(2, 6)))
        src.append(base); dst.append(((q + 1) % c) * size + 1); w.append(1.0)
    return Graph.from_edges(np.array(src), np.array(dst), n=c * size, weights=np.array(w)), c, size


def test_weak_first_collapses_earlier_than_strong_first_on_bridge_model():
    g, c, size = _bridge_model()
    m = g.num_edges
    bridges = c / m                                              # the weak ties are exactly the bridges
    pts = m + 1
    weak = ties.percolation(g, by="intensity", order="weak-first", points=pts, seeds=5, seed=1)
    strong = ties.percolation(g, by="intensity", order="strong-first", points=pts, seeds=5, seed=1)
    k = int(round(bridges * m))
    # Model-derived band: once the c bridges are gone every community is alone, giant = size / n.
    assert np.allclose(weak.giant[:, k], size / g.n)
    # removing one bridge keeps the ring connected; the second cut splits it, so weak-first collapses
    # within the bridges (the susceptibility peak lies in (1/m, c/m]).
    assert np.all(weak.peak_removed <= bridges + 1e-12)
    # strong-first: after the same number of removals at most c intra-clique ties are gone; a clique
    # of 10 (45 ties) stays connected after losing c = 8 of them (min degree 9 > 8), so giant = 1.
    assert np.all(strong.giant[:, k] == 1.0)
    assert weak.collapse_at < strong.collapse_at


# ---------------------------------------------------------------------------- reliable paths, cascades
@settings(max_examples=40)
@given(st.integers(2, 8), st.integers(0, 4), st.data())
def test_reliable_path_equals_brute_force(n, h, data):
    pairs = [(a, b) for a in range(n) for b in range(a + 1, n)]
    chosen = data.draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=len(pairs), unique=True))
    g = _graph(n, chosen)
    probs = np.array(data.draw(st.lists(st.sampled_from([0.0, 0.1, 0.3, 0.5, 0.8, 0.95, 1.0]),
                                        min_size=g.num_arcs, max_size=g.num_arcs)))
    arcs = {}
    for u in range(n):
        for a in range(g.indptr[u], g.indptr[u + 1]):
            arcs.setdefault(u, []).append((int(g.indices[a]), float(probs[a])))
    got = ties.reliable_paths(g, probs, np.arange(n), hops=h)
    for s in range(n):
        want = naive.ties_brute_force_reliable(n, arcs, s, h)
        assert np.allclose(got[s], want, atol=1e-12), (s, got[s], want)


def test_hop_cap_matters():
    # 0 -> 1 -> 2 -> 3 reliable (0.9 each), 0 -> 3 direct weak (0.1): 1 hop gives 0.1, 3 hops 0.729
    g = _graph(4, [(0, 1), (1, 2), (2, 3), (0, 3)])
    p = np.where(((g.indices == 3) & (np.repeat(np.arange(4), np.diff(g.indptr)) == 0))
                 | ((g.indices == 0) & (np.repeat(np.arange(4), np.diff(g.indptr)) == 3)), 0.1, 0.9)
    assert ties.reliable_paths(g, p, [0], hops=1)[0, 3] == pytest.approx(0.1)
    assert ties.reliable_paths(g, p, [0], hops=2)[0, 3] == pytest.approx(0.1)
    assert ties.reliable_paths(g, p, [0], hops=3)[0, 3] == pytest.approx(0.729)


def test_cascade_warm_reach_converges_to_exact_on_trees():
    T = nx.random_labeled_tree(40, seed=4) if hasattr(nx, "random_labeled_tree") else nx.random_tree(40, seed=4)
    g = Graph.from_networkx(T)
    rng = np.random.default_rng(0)
    probs_edge = rng.uniform(0.2, 0.95, g.num_edges)
    t = ties.tie_strengths(g, by="overlap")
    p = t.arc_values(probs_edge)
    sources = np.arange(0, 40, 7)
    exact, _ = ties.warm_reach_paths(g, p, sources, hops=3)
    mc, _ = ties.cascade_reach(g, p, sources, hops=3, trials=20000, seed=2)
    # per-source Monte-Carlo standard error <= sqrt(sum p(1 - p) / trials) <= sqrt(n / 4 / trials)
    se = np.sqrt(40 / 4 / 20000)
    assert np.all(np.abs(mc - exact) < 5 * se), (mc, exact)
    mc2, _ = ties.cascade_reach(g, p, sources[::-1], hops=3, trials=20000, seed=2)
    assert not np.array_equal(mc2, mc[::-1]) or True  # streams are per position; just must run


def test_cascade_is_seeded_and_thread_independent():
    import numba

    G = nx.connected_watts_strogatz_graph(200, 6, 0.2, seed=2)
    g = Graph.from_networkx(G)
    p = np.full(g.num_arcs, 0.4)
    a, _ = ties.cascade_reach(g, p, np.arange(16), hops=3, trials=50, seed=9)
    old = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        b, _ = ties.cascade_reach(g, p, np.arange(16), hops=3, trials=50, seed=9)
    finally:
        numba.set_num_threads(old)
    assert np.array_equal(a, b)
