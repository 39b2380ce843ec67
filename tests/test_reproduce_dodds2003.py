"""Reproduction dodds2003 (--quick end to end): outputs and model-derived bands."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from naive import report_row
from simulate import estimators
from simulate.config import load_config


@pytest.fixture(scope="module")
def dodds(quick_reproduction):
    out, report, seconds = quick_reproduction("dodds2003")
    return report, seconds, out


def _setting(out):
    from simulate.experiments.dodds2003 import PUBLISHED_COMPLETION
    from simulate.experiments.milgram1967 import calibrate_attrition
    from simulate.sweep import read_cells

    chains = read_cells(out / "data")
    free = chains.filter(pl.col("attrition") == 0.0)
    a_star = calibrate_attrition(free["steps"].to_numpy(), (free["status"] == "reached").to_numpy(),
                                 PUBLISHED_COMPLETION)
    grid = sorted(a for a in chains["attrition"].unique().to_list() if a > 0)
    return chains, free, a_star, min(grid, key=lambda a: abs(a - a_star))


def test_dodds_outputs_complete(dodds):
    report, seconds, out = dodds
    text = (out / "report.md").read_text()
    assert text.startswith("# Global e-mail search") and "CALIBRATED" in text
    assert (out / "chain_lengths.png").stat().st_size > 10_000
    m = pl.read_parquet(out / "data" / "manifest.parquet")
    cfg = load_config("configs/dodds2003.toml", quick=True)
    assert m.height == len(cfg.sweep["experiment.attrition"]) * cfg.replicates
    assert set(m["status"].to_list()) == {"done"}
    for r in report.rows:
        assert r.ours is not None and math.isfinite(r.ours), r.quantity


def test_dodds_correction_recovers_the_attrition_free_lengths(dodds):
    report, _, out = dodds
    chains, free, a_star, a_set = _setting(out)
    assert 0 < a_star < 1
    assert report_row(report, "calibrated attrition").ours == pytest.approx(a_star)
    at = chains.filter(pl.col("attrition") == a_set)
    # The pooled attrition estimate is a binomial proportion over holder-steps: it must find
    # the rate we set within 4 standard errors.
    rates = estimators.attrition_rates(at["steps"], at["status"])
    se = math.sqrt(a_set * (1 - a_set) / rates.alive.sum())
    est = report_row(report, "estimated per-step attrition").ours
    assert abs(est - a_set) < 4 * se + 1e-9
    # Completed chains are biased short; inverse-survival weights grow with L, so the
    # corrected median/mean cannot fall below the uncorrected ones.
    done = at.filter(pl.col("status") == "reached")["steps"].to_numpy()
    corr_med = report_row(report, "attrition-corrected median (steps), pooled")
    corr_mean = report_row(report, "attrition-corrected mean")
    assert corr_med.ours >= estimators.weighted_median(done, np.ones(done.size))
    assert corr_mean.ours >= done.mean()
    assert report_row(report, "mean length of completed").ours < report_row(report, "attrition-free mean").ours
    # With constant attrition the weights are right for every length that completes, so the
    # median (carried by short and middle lengths) is recovered: the attrition-free median lies
    # within the corrected median's bootstrap interval widened by one step (quick: a few
    # hundred completed chains). Lengths that never complete get no weight, so the corrected
    # mean can only fall short of the truth, by at most the tail it cannot see.
    truth_med = report_row(report, "attrition-free median").ours
    lo, hi = corr_med.ci
    assert lo - 1 <= truth_med <= hi + 1
    truth_mean = report_row(report, "attrition-free mean")
    assert corr_mean.ours <= truth_mean.ci[1] + 0.5
    longest = int(done.max())
    L0 = free.filter(pl.col("status") == "reached")["steps"].to_numpy()
    tail_gap = L0.mean() - L0[L0 <= longest].mean()
    assert corr_mean.ours >= truth_mean.ours - tail_gap - 1.0
    assert report_row(report, "share of attrition-free chains longer").ours == pytest.approx((L0 > longest).mean())
    # Completion at the calibrated grid value against the exact expectation (coupling):
    # (1 - a)^L averaged over attrition-free chains; 6 binomial standard errors + 0.01.
    from simulate.experiments.milgram1967 import expected_completion

    f = expected_completion(free["steps"].to_numpy(), (free["status"] == "reached").to_numpy(), a_set)
    got = (at["status"] == "reached").mean()
    assert abs(got - f) < 6 * math.sqrt(f * (1 - f) / at.height) + 0.01
    # Search is never shorter than the shortest path between the same pairs.
    sp = free.filter(pl.col("status") == "reached")
    assert (sp["steps"] >= sp["shortest_path"]).all()
