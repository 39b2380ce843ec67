"""The facebook reproduction end to end with --quick, plus the pieces it adds to the toolkit:
``simulate.reach.distance_profiles`` (experiment kind ``profiles``) and the reciprocity of
``graph_statistics``. Key numbers are checked against the data, the model's parameters and
independent oracles (networkx, scipy), never against the published figures."""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import experiments
from experiments import facebook as fb
from simulate import Graph
from simulate.config import ConfigError, parse_config
from simulate.reach import distance_profiles
from simulate.sweep import graph_statistics, read_manifest, run_experiment

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


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


def test_graph_statistics_reciprocity_matches_networkx():
    G = nx.gnp_random_graph(120, 0.05, seed=2, directed=True)
    G.add_edges_from([(v, u) for u, v in list(G.edges())[:40]])
    g = Graph.from_networkx(G)
    assert graph_statistics(g, clustering=False)["reciprocity"] == pytest.approx(nx.overall_reciprocity(G))
    assert "reciprocity" not in graph_statistics(Graph.from_networkx(nx.path_graph(4)), clustering=False)


def test_source_jackknife_and_binned_medians():
    rng = np.random.default_rng(0)
    m = rng.poisson(5.0, size=(400, 3)).astype(float)
    v, ci = fb.source_jackknife(lambda h: h[1] / h.sum(), [m])
    assert ci[0] < v < ci[1] and v == pytest.approx(1 / 3, abs=0.03)
    # A constant statistic has a zero-width interval.
    v, ci = fb.source_jackknife(lambda h: 2.0, [m])
    assert ci == (2.0, 2.0)
    cx, cy, cn = fb.binned_medians([1, 1, 1, 10, 10, 10], [1, 2, 3, 10, 20, 30], bins_per_decade=1, min_count=3)
    assert cy.tolist() == [2.0, 20.0] and cn.tolist() == [3, 3]


# ---------------------------------------------------------------------------- end to end
@pytest.fixture(scope="module")
def run(tmp_path_factory):
    assert (DATA / "snap" / "facebook_combined.txt.gz").exists(), "shared data missing"
    out = tmp_path_factory.mktemp("facebook")
    report, seconds = experiments.run_reproduction("facebook", out=out, quick=True, progress=False)
    return out, report, seconds


def _row(report, prefix):
    rows = [r for r in report.rows if r.quantity.startswith(prefix)]
    assert rows, prefix
    return rows[0]


def test_outputs_complete(run):
    out, report, seconds = run
    assert (out / "report.md").stat().st_size > 0
    for stem in ("distance_pmf", "reach", "distance_vs_size"):
        assert (out / f"{stem}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for sub in ("ego", "ego_reach", "synthetic", "synthetic_graph", "synthetic_reach", "scaling"):
        man = read_manifest(out / "data" / sub)
        assert (man["status"] == "done").all(), sub
        assert list((out / "data" / sub / "cells").rglob("*.parquet")), sub
    text = (out / "report.md").read_text()
    assert "quick run" in text and "doi:10.1145/2380718.2380723" in text and "| 4.74 | P |" in text
    assert not report.missing
    assert len(report.rows) >= 20 and all(r.status in ("P", "S", "") for r in report.rows)


def test_hyperball_agrees_with_exact_on_ego_facebook(run):
    out, report, _ = run
    man = read_manifest(out / "data" / "ego")
    ex = man.filter(pl.col("method") == "exact").row(0, named=True)
    hb = man.filter(pl.col("method") == "hyperball").row(0, named=True)
    # Exact: the mean from the cell histogram equals an independent scipy all-pairs BFS.
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import shortest_path

    from simulate import read_graph

    g = read_graph("ego-facebook")
    A = csr_matrix((np.ones(g.indices.size), g.indices, g.indptr), shape=(g.n, g.n))
    rng = np.random.default_rng(1)
    src = rng.choice(g.n, size=300, replace=False)
    D = shortest_path(A, unweighted=True, indices=src)
    assert np.isfinite(D).all()  # connected
    sample_mean = D.sum() / (src.size * (g.n - 1))
    assert abs(sample_mean - ex["mean"]) < 0.1  # 300 of 4,039 sources: sd of the mean ~0.03
    assert ex["diameter_lower_bound"] == 8  # data README: diameter 8
    # HyperBall: within 1.96 jackknife se + 1% of the exact mean (the documented HLL bias is ~0.25%).
    assert abs(hb["mean"] - ex["mean"]) <= 1.96 * hb["stderr_mean"] + 0.01 * ex["mean"]
    assert abs(hb["effective_diameter"] - ex["effective_diameter"]) <= 1.96 * hb["stderr_effective_diameter"] + 0.05
    assert 0 < hb["stderr_mean"] < 0.1
    row = _row(report, "ego-Facebook: average distance, HyperBall")
    assert row.ci[0] < row.ours < row.ci[1]


def test_synthetic_graph_matches_its_parameters(run):
    out, report, _ = run
    gs = read_manifest(out / "data" / "synthetic_graph").row(0, named=True)
    assert gs["largest_component_nodes"] / gs["nodes"] > 0.9
    assert _row(report, "giant component").ours > 90
    # gamma = 2.35, mean_degree = 195, cap 5,000: realised mean a little lower (clipping), median ~100.
    assert 140 < gs["degree_mean"] < 200 and 70 < gs["degree_median"] < 130 and gs["degree_max"] <= 5000 * 1.5
    # Share of edges inside a country: the model parameter 0.84, estimated from sampled sources.
    share = _row(report, "% of friendships inside one country")
    assert 75 < share.ours < 90 and share.ci[0] < share.ci[1]
    # Same-country people are closer than other-country people.
    diff = _row(report, "other-country minus same-country")
    assert diff.ours > 0 and diff.ci[0] > 0
    # HyperBall on the synthetic graph vs the sampled exact BFS on the same graph.
    hb = read_manifest(out / "data" / "synthetic").row(0, named=True)
    pr = read_manifest(out / "data" / "synthetic_reach").row(0, named=True)
    assert abs(hb["mean"] - pr["mean_distance"]) < 3 * hb["stderr_mean"] + 0.1
    # Dense graph (mean degree ~180 in 30,000 nodes): most pairs within 3 hops.
    assert pr["within_3"] > 0.9 and 0 < hb["spid"] < 1


def test_reach_is_consistent(run):
    out, report, _ = run
    cells = pl.read_parquet(list((out / "data" / "synthetic_reach" / "cells").rglob("*.parquet"))[0])
    counts, same, weight, degree = fb.profile_matrices(cells)
    assert np.array_equal(counts[:, 1], degree)  # neighbours at distance 1 = degree
    assert (same <= counts).all()
    fof = _row(report, "unique friends-of-friends at degree ~100")
    n = read_manifest(out / "data" / "synthetic_graph").row(0, named=True)["nodes"]
    # At least the friends' other friends are distinct people; at most everyone.
    assert 100 < fof.ours < n and fof.ci[0] <= fof.ours <= fof.ci[1]
    # Scaling: mean distance grows with n.
    sc = read_manifest(out / "data" / "scaling").sort("n")
    assert sc["mean"].to_numpy()[-1] > sc["mean"].to_numpy()[0]


def test_missing_data_reported_and_synthetic_still_runs(run, tmp_path):
    # Resume the synthetic sweeps from the full quick run (same cells), so only the
    # missing-data path and the report are new work here.
    import shutil

    for sub in ("synthetic", "synthetic_graph", "synthetic_reach", "scaling"):
        shutil.copytree(run[0] / "data" / sub, tmp_path / "data" / sub)
    report, _ = experiments.run_reproduction("facebook", out=tmp_path, quick=True, progress=False,
                                             data_dir=str(tmp_path / "nonexistent"))
    text = (tmp_path / "report.md").read_text()
    assert "Data not present" in text and "facebook_combined.txt.gz" in text
    assert "smallworld data fetch ego-facebook" in text
    assert not any(r.quantity.startswith("ego-Facebook") for r in report.rows)
    assert any(r.quantity.startswith("average distance (hops), Facebook 2011") for r in report.rows)
    assert (tmp_path / "distance_pmf.png").exists()


def test_profiles_identical_on_one_and_two_threads():
    # > 65,536 nodes, so the fold runs over several fixed chunks whose float sums are merged in order.
    import numba

    from simulate.generators import generate

    g = generate("directed_follower", n=140_000, mean_degree=4.0, reciprocity=0.3, seed=3)
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
