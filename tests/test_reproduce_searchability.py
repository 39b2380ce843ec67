"""Reproduction searchability (--quick end to end): outputs and the model's logic."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from simulate.config import load_config


@pytest.fixture(scope="module")
def search(quick_reproduction):
    out, report, seconds = quick_reproduction("searchability")
    return report, seconds, out


@pytest.fixture(scope="module")
def table(search):
    from simulate.experiments.searchability import success_table
    from simulate.sweep import read_cells

    return success_table(read_cells(search[2] / "data"))


def _q(table, alpha, H):
    r = table.filter((pl.col("alpha") == alpha) & (pl.col("dimensions") == H)).row(0, named=True)
    return r["q"], r["q_se"]


def test_searchability_outputs_complete(search, table):
    report, seconds, out = search
    assert (out / "report.md").read_text().startswith("# Searchability")
    assert (out / "searchability.png").stat().st_size > 10_000
    cfg = load_config("configs/searchability.toml", quick=True)
    n_cells = len(cfg.sweep["graph.alpha"]) * len(cfg.sweep["graph.dimensions"])
    m = pl.read_parquet(out / "data" / "manifest.parquet")
    assert m.height == 2 * n_cells and set(m["status"].to_list()) == {"done"}
    assert table.height == n_cells
    assert table["q"].is_between(0, 1).all()
    for r in report.rows:
        assert r.ours is not None and math.isfinite(r.ours), r.quantity


def test_success_probability_is_the_expected_survival():
    from simulate.experiments.searchability import success_table

    # q = mean over chains of 1{reached} (1-p)^L; failures count 0.
    df = pl.DataFrame({"alpha": [1.0] * 4, "dimensions": [2] * 4, "attrition": [0.0] * 4,
                       "status": ["reached", "reached", "max_steps", "dead_end"], "steps": [1, 3, 80, 2]})
    t = success_table(df, p=0.25).row(0, named=True)
    assert t["q"] == pytest.approx((0.75 + 0.75 ** 3) / 4)
    assert t["reached_free"] == 0.5 and t["q_simulated"] is None


def test_homophily_and_few_dimensions_make_networks_searchable(search, table):
    """WDN's logic: with alpha > 0 ties follow the hierarchy, so greedy social-distance search
    homes in; with alpha = 0 ties ignore it; with one dimension and strong homophily people
    only know their own group (long detours); many dimensions dilute each one's signal."""
    def better(a, b, k=3.0):
        (qa, sa), (qb, sb) = a, b
        return qa - qb > k * math.hypot(sa, sb)

    alphas = sorted(table["alpha"].unique().to_list())
    a1 = min(alphas, key=lambda a: abs(a - 1.0))
    a2 = max(alphas)
    assert better(_q(table, a1, 2), _q(table, 0.0, 2))
    assert better(_q(table, a2, 2), _q(table, 0.0, 2))
    assert better(_q(table, a2, 2), _q(table, a2, 1))
    assert better(_q(table, a1, 2), _q(table, a1, 10))
    # Anti-homophily (alpha < 0) is the worst case at every H.
    worst = min(alphas)
    for H in table["dimensions"].unique().to_list():
        assert _q(table, worst, H)[0] <= _q(table, 0.0, H)[0] + 3 * _q(table, 0.0, H)[1]
    best_H = report_best = [r for r in search[0].rows if r.quantity.startswith("best number")][0].ours
    row = table.filter(pl.col("alpha") == a1)
    assert report_best == row["dimensions"][int(np.argmax(row["q"].to_numpy()))] == best_H


def test_simulated_drops_agree_with_exact_q(table):
    # The attrition-0.25 cells simulate drops on the same graphs (other random pairs): their
    # completion estimates the same q. Allow 4.5 combined standard errors per cell.
    t = table.filter(pl.col("q_simulated").is_not_null())
    assert t.height == table.height
    z = ((t["q_simulated"] - t["q"]) / (t["q_se"] ** 2 + t["q_simulated_se"] ** 2 + 1e-12).sqrt()).to_numpy()
    assert np.all(np.abs(z) < 4.5), z
