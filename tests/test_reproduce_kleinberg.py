"""The kleinberg reproduction (Kleinberg 2000) end to end with --quick, checked against what
the model implies at these sizes (never against the published claim as a number)."""

import numpy as np
import polars as pl
import pytest

from simulate import experiments
from simulate.experiments import kleinberg as kb
from simulate.config import load_config
from simulate.sweep import read_manifest


@pytest.fixture(scope="module")
def run(quick_reproduction):
    out, report, seconds = quick_reproduction("kleinberg")
    lat = kb.per_lattice(read_manifest(out / "data"))
    return out, report, seconds, lat


def _fits(lat):
    return {r: kb.fit_loglog(d["side"], d["T"]) for (r,), d in lat.group_by(["r"])}


# ---------------------------------------------------------------------------- pieces
@pytest.mark.parametrize("side", [2, 3, 7, 12])
def test_mean_lattice_distance_brute_force(side):
    xy = np.array([(x, y) for x in range(side) for y in range(side)])
    d = np.abs(xy[:, None, :] - xy[None, :, :]).sum(-1)
    n = side * side
    assert kb.mean_lattice_distance(side) == pytest.approx(d.sum() / (n * (n - 1)), rel=1e-12)


def test_theory_exponents():
    assert kb.theory_exponent(0.0) == pytest.approx(2 / 3)
    assert kb.theory_exponent(1.5) == pytest.approx(1 / 6)
    assert kb.theory_exponent(2.0) == 0.0
    assert kb.theory_exponent(3.0) == pytest.approx(0.5)
    # Both branches vanish at r = 2 and grow away from it.
    assert kb.theory_exponent(1.99) < 0.01 and kb.theory_exponent(2.01) < 0.01


def test_curve_minimum_finds_a_parabola_vertex():
    rs = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0])
    assert kb.curve_minimum(rs, np.exp((rs - 1.3) ** 2)) == pytest.approx(1.3)
    assert kb.curve_minimum(rs, np.exp(rs)) == 0.0  # minimum at the grid end
    assert kb.curve_minimum(rs, np.exp(-rs)) == 3.0


def test_fits_recover_exact_laws():
    side = np.array([10, 20, 40, 80, 10, 20, 40, 80])
    f = kb.fit_loglog(side, 3.0 * side ** 0.4)
    assert f["slope"] == pytest.approx(0.4) and f["low"] == pytest.approx(0.4) and f["points"] == 8
    g = kb.fit_log_squared(side, 2.0 + 0.5 * np.log(side) ** 2)
    assert g["b"] == pytest.approx(0.5) and g["a"] == pytest.approx(2.0) and g["r2"] == pytest.approx(1.0)


# ---------------------------------------------------------------------------- end to end
def test_outputs_complete(run):
    out, report, seconds, lat = run
    for f in ("report.md", "u_curve.png", "scaling.png", "delivery_times.parquet", "data/manifest.parquet"):
        assert (out / f).stat().st_size > 0, f
    text = (out / "report.md").read_text()
    assert "quick run" in text and "doi:10.1038/35022643" in text and "![u_curve](u_curve.png)" in text
    cfg = load_config(experiments.config_path("kleinberg"), quick=True)
    sides, rs = cfg.sweep["graph.side"], cfg.sweep["graph.r"]
    assert lat.height == len(sides) * len(rs) * cfg.replicates
    assert (lat["nodes"] == lat["side"] ** 2).all()
    # One exponent row per r, one minimum row per side.
    assert sum(r.quantity.startswith("exponent alpha") for r in report.rows) == len(rs)
    assert sum(r.quantity.startswith("r minimizing T") for r in report.rows) == len(sides)


def test_greedy_delivers_within_lattice_distance(run):
    _, _, _, lat = run
    # Local contacts make greedy routing reduce the lattice distance by >= 1 per step on the
    # open lattice: every message is delivered, in at most d(s, t) steps.
    assert (lat["completion"] == 1.0).all()
    bound = np.array([kb.mean_lattice_distance(s) for s in lat["side"].to_list()])
    assert np.all(lat["T"].to_numpy() >= 1.0)
    assert np.all(lat["T"].to_numpy() < bound)


def test_delivery_time_grows_with_size(run):
    _, _, _, lat = run
    tab = kb.table(lat)
    for (r,), d in tab.group_by(["r"]):
        t = d.sort("side")["T"].to_numpy()
        assert np.all(np.diff(t) > 0), r


def test_exponents_order(run):
    _, _, _, lat = run
    f = _fits(lat)
    # r = 3: long links are short (P(d) ~ d^-2), greedy is close to a lattice walk: exponent
    # between Kleinberg's bound (r-2)/(r-1) = 1/2 and the lattice's 1; far above r = 2's.
    assert 0.5 < f[3.0]["slope"] <= 1.05
    assert f[3.0]["low"] > f[2.0]["high"]
    # r = 0: T = Theta(n^(2/3)) for uniform long links (a wide band around 2/3), and T(0)/T(2)
    # grows with n since r = 2 is polylogarithmic: alpha(0) > alpha(2).
    assert 0.5 < f[0.0]["slope"] < 0.85
    assert f[0.0]["slope"] > f[2.0]["slope"]


def test_minimum_interior_and_moving_up(run):
    out, _, _, lat = run
    tab = pl.read_parquet(out / "delivery_times.parquet")
    mins, shift = kb.minima(lat, n_boot=200)
    sides = mins["side"].to_list()
    big = tab.filter(pl.col("side") == sides[-1]).sort("r")
    t = big["T"].to_numpy()
    # At the largest size the U-curve has an interior minimum: both uniform (r = 0) and
    # short (r = 3) long-range links are slower than some r in between.
    assert t[0] > t.min() and t[-1] > t.min()
    r_big = mins["r_min"][-1]
    assert 0.0 < r_big < 2.5
    # The optimum moves towards r = 2 as the lattice grows (Kleinberg: it is 2 as n -> inf).
    assert r_big > mins["r_min"][0]
    assert shift[0] == pytest.approx(r_big - mins["r_min"][0])
    assert shift[1] <= shift[0] <= shift[2]
