"""experiments/kwak_scale at a tiny size: its distance statistics against scipy's BFS from the very
sources it drew, its realised shape against its inputs, and the recorded-run rows of the twitter report."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path

from simulate.experiments import kwak_scale


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("kwak")
    # 10 arcs per user: at 35 on 3,000 users the Chung-Lu pairs saturate and too few one-way
    # candidates survive for the exact mutual share (the generator then keeps them all).
    summary = kwak_scale.run(3000, 10.0, 96, 7, True, True, 1, out, 0.0, shape="kwak")
    return out, summary


def _pooled(g_indptr, g_indices, n, sources, directed):
    A = csr_matrix((np.ones(g_indices.size), g_indices, g_indptr), shape=(n, n))
    D = shortest_path(A, directed=directed, unweighted=True, indices=sources)
    d = D[np.isfinite(D) & (D > 0)].astype(int)
    return np.bincount(d)


def test_distances_match_scipy_from_the_same_sources(small_run):
    from simulate.generators import directed_follower

    out, s = small_run
    g = directed_follower(3000, seed=7, **kwak_scale.model_parameters(10.0, "kwak"))
    prof = pl.read_parquet(out / "profiles.parquet")
    for graph, directed in (("directed", True), ("undirected", False)):
        p = prof.filter(pl.col("graph") == graph)
        sources = np.unique(p["source"].to_numpy())
        want = _pooled(g.indptr, g.indices, g.n, sources, directed)
        h = np.array(s[graph]["histogram"])
        assert h[:want.size].tolist() == want.tolist() and not h[want.size:].any(), graph
        assert s[graph]["mean"] == pytest.approx((np.arange(want.size) * want).sum() / want.sum(), rel=1e-12)
    assert len(np.unique(prof["source"].to_numpy())) <= 96


def test_realised_shape_matches_its_inputs(small_run):
    out, s = small_run
    p = kwak_scale.model_parameters(10.0, "kwak")
    assert s["mutual_pair_share_realised"] == pytest.approx(p["mutual_pair_share"], abs=0.005)
    assert s["in_degree"]["zero_share"] == pytest.approx(p["zero_followers_share"], abs=0.01)
    assert s["out_degree"]["zero_share"] == pytest.approx(p["zero_followings_share"], abs=0.01)
    assert s["out_degree"]["max"] < 3 * p["max_followings"]
    assert json.loads((out / "summary.json").read_text())["n"] == 3000
    assert "| average distance, directed (hops) | 4.12 |" in (out / "report.md").read_text()


def test_recorded_runs_become_report_rows(small_run, monkeypatch):
    from simulate.experiments.report import Report
    from simulate.experiments.twitter import _kwak_scale_rows

    _, s = small_run
    monkeypatch.setattr(kwak_scale, "RECORDED", [kwak_scale.recorded_entry(s)])
    report = Report("twitter", "t", "c")
    _kwak_scale_rows(report)
    rows = {r.quantity: r for r in report.rows}
    key = "Kwak-scale synthetic (n = 3,000"
    directed = [r for q, r in rows.items() if q.startswith(key) and q.endswith("directed (hops)")]
    assert len(directed) == 1 and directed[0].ours == s["directed"]["mean"]
    assert any("ignoring direction" in q and r.ours == s["undirected"]["mean"] for q, r in rows.items())
    # The rows that are in RECORDED now (the measured full-size runs) are well formed too.
    for rec in kwak_scale.RECORDED:
        assert {"n", "command", "directed", "peak_rss", "total_seconds"} <= set(rec)


def test_skip_directed_gives_the_same_undirected_distances(small_run, tmp_path):
    # --skip-directed (the 41.7M run, which cannot hold the transpose and both versions) measures
    # the same graph from the same sources: its undirected statistics equal the full run's.
    _, s = small_run
    u = kwak_scale.run(3000, 10.0, 96, 7, False, True, 1, tmp_path, 0.0, shape="kwak", directed=False)
    assert "directed" not in u and "bfs_seconds" not in u
    assert u["undirected"]["histogram"] == s["undirected"]["histogram"]
    text = (tmp_path / "report.md").read_text()
    assert "directed BFS not run" in text and "| average distance, directed (hops)" not in text
    with pytest.raises(SystemExit):
        kwak_scale.main(["--skip-directed", "--out", str(tmp_path / "x")])
