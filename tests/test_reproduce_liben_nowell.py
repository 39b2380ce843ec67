"""Reproduction liben_nowell (--quick end to end), and GeoGreedy as derived from greedy_geo paths
against a step-by-step GeoGreedy router."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from naive import geogreedy_naive, report_row
from simulate.chains import run_chains
from simulate.generators import generate


def test_geogreedy_from_greedy_geo_paths_matches_a_direct_router():
    from simulate.experiments.liben_nowell import AREA_KM, MAX_STEPS, chain_outcomes

    # Continuous positions (no ties): both rules are deterministic. Lat/lon over a 10 x 10 degree box.
    xy = generate("rank_geographic", n=1500, alpha=1.2, mean_degree=3, undirected=True, seed=7)
    attrs = xy.node_attrs
    g = xy.__class__(xy.indptr, xy.indices, xy.directed, node_attrs=pl.DataFrame(
        {"lat": 30 + 10 * attrs["y"].to_numpy(), "lon": -100 + 10 * attrs["x"].to_numpy()}))
    res = run_chains(g, "greedy_geo", n_chains=400, n_targets=20, seed=3, max_steps=MAX_STEPS, record_paths=True)
    out = chain_outcomes(res, g)
    lat, lon = g.node_attrs["lat"].to_list(), g.node_attrs["lon"].to_list()
    nbrs = [set(g.indices[g.indptr[u]:g.indptr[u + 1]].tolist()) for u in range(g.n)]
    t = res.table
    for i, (s, tg) in enumerate(zip(t["source_id"].to_list(), t["target_id"].to_list())):
        reached, steps, area = geogreedy_naive(nbrs, lat, lon, s, tg, AREA_KM, MAX_STEPS)
        row = out.row(i, named=True)
        assert row["geogreedy"] == reached
        if reached:
            assert row["geo_steps"] == steps and row["greedy"]
        assert row["area"] == (area is not None), (i, row, area)
        if area is not None:
            assert row["area_steps"] == area
    assert 0 < out["geogreedy"].sum() < out["greedy"].sum()  # the strict rule is a restriction


@pytest.fixture(scope="module")
def liben_nowell(quick_reproduction):
    out, report, seconds = quick_reproduction("liben_nowell")
    return report, out


def test_liben_nowell_planted_exponent_is_recovered(liben_nowell):
    """The estimator's check in the report: the planted alpha = 1 and share 2/3 lie within 4 jackknife
    SE (the report's interval is +- 1.96 SE)."""
    report, out = liben_nowell
    assert (out / "report.md").read_text().startswith("# Liben-Nowell et al. 2005")
    a = report_row(report, "estimator check: alpha")
    assert abs(a.ours - 1.0) < 4 / 1.96 * (a.ci[1] - a.ours)
    g = report_row(report, "estimator check: geographic share")
    assert abs(g.ours - 2 / 3) < 4 / 1.96 * (g.ci[1] - g.ours) + 0.01


def test_liben_nowell_on_gowalla(liben_nowell, data_file):
    data_file("gowalla-snapids")
    data_file("gowalla-locations")
    report, out = liben_nowell
    alpha = report_row(report, "rank exponent alpha")
    assert 0 < alpha.ci[0] <= alpha.ours <= alpha.ci[1] < 3 and alpha.status == "P"
    for name in ("gowalla", "model"):
        tab = pl.read_parquet(out / f"routing_{name}.parquet")
        assert tab["chains"].sum() > 0
        busy = tab.filter(pl.col("chains") > 0)
        # Every GeoGreedy success is a greedy_geo success (same choices while each step gets closer).
        assert (busy["geogreedy_rate"] <= busy["greedy_rate"] + 1e-12).all()
        for key in ("greedy", "geogreedy", "area"):
            assert ((busy[f"{key}_low"] <= busy[f"{key}_rate"] + 1e-12) & (busy[f"{key}_rate"] <= busy[f"{key}_high"] + 1e-12)).all()
    assert (out / "rank_friendship.png").stat().st_size > 10_000
    assert (out / "routing_by_distance.png").stat().st_size > 10_000
    for r in report.rows:
        if "completion by band" not in r.quantity:
            assert r.ours is not None and math.isfinite(r.ours), r.quantity
