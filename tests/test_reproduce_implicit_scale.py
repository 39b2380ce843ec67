"""Reproduction implicit_scale (--quick end to end): bands from the model (greedy routing never takes
more steps than the lattice distance; attrition keeps the short chains), the two sets of bounds."""

from __future__ import annotations

import math

import polars as pl
import pytest

from naive import report_row


def test_bounds_of_kleinberg_and_mathieu():
    from simulate.experiments.kleinberg import mathieu_exponent
    from simulate.experiments.kleinberg import theory_exponent as kleinberg_bound

    assert kleinberg_bound(0.0) == pytest.approx(2 / 3) and kleinberg_bound(2.0) == 0.0
    assert kleinberg_bound(3.0) == pytest.approx(0.5)
    assert mathieu_exponent(0.0) == pytest.approx(2 / 3)  # r = 0: both give n^(2/3)
    assert mathieu_exponent(1.0) == pytest.approx(0.5) and mathieu_exponent(1.5) == pytest.approx(1 / 3)
    assert mathieu_exponent(2.0) == 0.0 and mathieu_exponent(2.5) == pytest.approx(0.5)
    assert mathieu_exponent(3.0) == 1.0 and mathieu_exponent(4.0) == 1.0
    for r in (0.5, 1.0, 1.5, 1.9, 2.1, 2.5, 2.9):  # Mathieu's exponents are tighter: never below Kleinberg's
        assert mathieu_exponent(r) >= kleinberg_bound(r)


@pytest.fixture(scope="module")
def implicit_scale(quick_reproduction):
    out, report, seconds = quick_reproduction("implicit_scale")
    return report, out


def test_kleinberg_part(implicit_scale):
    from simulate.experiments.implicit_scale import sizes

    report, out = implicit_scale
    size = sizes(True)
    edt = pl.read_parquet(out / "kleinberg_edt.parquet")
    assert edt.height == len(size["log2_sides"]) * len(size["rs"])
    # Greedy routing on the open lattice gets at least one step closer each step: EDT <= mean pair distance.
    assert (edt["edt"] <= edt["pair_distance"]).all() and (edt["edt"] >= 1).all()
    for ls in size["log2_sides"]:
        r = report_row(report, f"r minimizing EDT, side 2^{ls}")
        assert size["rs"][0] <= r.ours <= size["rs"][-1] and r.status == "P"
    ex = pl.read_parquet(out / "kleinberg_exponents.parquet")
    assert set(ex.columns) >= {"r", "exponent", "low", "high", "lower_bound_exponent", "mathieu_exponent"}
    # EDT is at most the lattice distance, which grows like the side: every slope lies below ~1.
    assert ((ex["low"] <= ex["exponent"]) & (ex["exponent"] <= ex["high"]) & (ex["exponent"] < 1.05)).all()
    assert (out / "exponents.png").stat().st_size > 10_000
    row = report_row(report, "EDT exponent in the side, r = 1.5")
    assert "Mathieu 0.333" in row.published and "Kleinberg >= 0.167" in row.published and row.status == "S"


def test_dodds_and_searchability_parts(implicit_scale):
    report, out = implicit_scale
    done = report_row(report, "Dodds at 10^8: completed-chain mean steps")
    truth = report_row(report, "Dodds at 10^8: attrition-free truth")
    # Attrition removes long chains first: completed chains are shorter on average than all chains.
    assert 1 <= done.ours < float(truth.note.split("mean ")[1].split(";")[0])
    tab = pl.read_parquet(out / "searchability.parquet")
    assert tab["q"].is_between(0, 1).all() and tab["revisit_share"].is_between(0, 1).all()
    assert (tab["searchable"] == (tab["q"] >= 0.05)).all()
    cells = report_row(report, "searchable (q >= 0.05) cells of alpha x H, N = 102,400")
    assert cells.ours == tab.filter(pl.col("N") == 102_400)["searchable"].sum()
    for r in report.rows:
        assert r.ours is not None and math.isfinite(r.ours), r.quantity


def test_one_part_from_the_module_command(tmp_path):
    from simulate.experiments.implicit_scale import main

    main(["--quick", "--part", "searchability", "--out", str(tmp_path)])
    assert (tmp_path / "searchability.parquet").is_file() and not (tmp_path / "kleinberg_edt.parquet").exists()
    assert "searchable (q >= 0.05) cells" in (tmp_path / "report.md").read_text()
