"""The facebook reproduction end to end with --quick, plus the reciprocity it adds to
``graph_statistics`` and its jackknife/binning pieces (``distance_profiles`` is tested in test_reach.py). Key numbers are checked against the data, the model's parameters and
independent oracles (networkx, scipy), never against the published figures."""

from __future__ import annotations

import networkx as nx
import numpy as np
import polars as pl
import pytest

from naive import report_row
from simulate import Graph, experiments
from simulate.experiments import distance_studies
from simulate.experiments import facebook as fb
from simulate.sweep import graph_statistics, read_manifest


# ---------------------------------------------------------------------------- pieces used by the reproduction
def test_graph_statistics_reciprocity_matches_networkx():
    G = nx.gnp_random_graph(120, 0.05, seed=2, directed=True)
    G.add_edges_from([(v, u) for u, v in list(G.edges())[:40]])
    g = Graph.from_networkx(G)
    import igraph

    stats = graph_statistics(g, clustering=False)
    assert stats["reciprocity_arcs"] == pytest.approx(nx.overall_reciprocity(G))
    ig = igraph.Graph(n=g.n, edges=list(G.edges()), directed=True)
    assert stats["mutual_pair_share"] == pytest.approx(ig.reciprocity(mode="ratio"))
    assert stats["mutual_pair_share"] < stats["reciprocity_arcs"]
    assert "reciprocity_arcs" not in graph_statistics(Graph.from_networkx(nx.path_graph(4)), clustering=False)


def test_source_jackknife_and_binned_medians():
    rng = np.random.default_rng(0)
    m = rng.poisson(5.0, size=(400, 3)).astype(float)
    v, ci = distance_studies.jackknife_interval(lambda h: h[1] / h.sum(), [m])
    assert ci[0] < v < ci[1] and v == pytest.approx(1 / 3, abs=0.03)
    # A constant statistic has a zero-width interval.
    v, ci = distance_studies.jackknife_interval(lambda h: 2.0, [m])
    assert ci == (2.0, 2.0)
    cx, cy, cn = fb.binned_medians([1, 1, 1, 10, 10, 10], [1, 2, 3, 10, 20, 30], bins_per_decade=1, min_count=3)
    assert cy.tolist() == [2.0, 20.0] and cn.tolist() == [3, 3]


# ---------------------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def run(quick_reproduction, data_file):
    data_file("ego-facebook")
    out, report, seconds = quick_reproduction("facebook")
    return out, report, seconds


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
    row = report_row(report, "ego-Facebook: average distance, HyperBall")
    assert row.ci[0] < row.ours < row.ci[1]


def test_synthetic_graph_matches_its_parameters(run):
    out, report, _ = run
    gs = read_manifest(out / "data" / "synthetic_graph").row(0, named=True)
    assert gs["largest_component_nodes"] / gs["nodes"] > 0.9
    assert report_row(report, "giant component").ours > 90
    # gamma = 2.35, mean_degree = 195, cap 5,000: realised mean a little lower (clipping), median ~100.
    assert 140 < gs["degree_mean"] < 200 and 70 < gs["degree_median"] < 130 and gs["degree_max"] <= 5000 * 1.5
    # Share of edges inside a country: the model parameter 0.84, estimated from sampled sources.
    share = report_row(report, "% of friendships inside one country")
    assert 75 < share.ours < 90 and share.ci[0] < share.ci[1]
    # Same-country people are closer than other-country people.
    diff = report_row(report, "other-country minus same-country")
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
    counts, same, weight, degree = distance_studies.profile_matrices(cells)
    assert np.array_equal(counts[:, 1], degree)  # neighbours at distance 1 = degree
    assert (same <= counts).all()
    fof = report_row(report, "unique friends-of-friends at degree ~100")
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
