"""The watts_strogatz reproduction (Watts & Strogatz 1998, Fig. 2) end to end with --quick,
checked against closed forms of the model (never against the published figure)."""

import math

import networkx as nx
import numpy as np
import polars as pl
import pytest

from simulate import experiments
from simulate.experiments import watts_strogatz as ws
from simulate.config import load_config
from simulate.sweep import read_manifest

N, K = 1000, 10


@pytest.fixture(scope="module")
def run(quick_reproduction):
    out, report, seconds = quick_reproduction("watts_strogatz")
    real = ws.realizations(read_manifest(out / "data"))
    return out, report, seconds, real


# ---------------------------------------------------------------------------- closed forms
@pytest.mark.parametrize("n,k", [(20, 4), (31, 6), (50, 10), (200, 8)])
def test_ring_lattice_closed_forms_match_networkx(n, k):
    g = nx.watts_strogatz_graph(n, k, 0.0)
    assert ws.ring_lattice_clustering(k) == pytest.approx(nx.average_clustering(g), abs=1e-12)
    assert ws.ring_lattice_path_length(n, k) == pytest.approx(nx.average_shortest_path_length(g), abs=1e-12)


def test_ring_lattice_path_length_tends_to_n_over_2k():
    # L(0) = n/(2k) + O(1): the paper's approximation.
    for n in (1000, 10_000):
        assert abs(ws.ring_lattice_path_length(n, K) - n / (2 * K)) < 1.0


def test_crossing_interpolates_in_log_p():
    p = [0.0, 1e-3, 1e-2, 1e-1]
    # y falls from 0.9 at 1e-3 to 0.1 at 1e-2: 0.5 is crossed half way in log p.
    assert ws.crossing(p, [1.0, 0.9, 0.1, 0.0], 0.5) == pytest.approx(10 ** -2.5)
    assert math.isnan(ws.crossing(p, [1.0, 0.9, 0.8, 0.7], 0.5))  # never below
    assert math.isnan(ws.crossing(p, [1.0, 0.4, 0.3, 0.2], 0.5))  # below at the first p > 0
    assert ws.interpolate_log(p, [1.0, 0.9, 0.1, 0.0], 10 ** -2.5) == pytest.approx(0.5)


# ---------------------------------------------------------------------------- end to end
def test_outputs_complete(run):
    out, report, seconds, real = run
    for f in ("report.md", "fig2.png", "curve.parquet", "data/manifest.parquet", "data/config.toml"):
        assert (out / f).stat().st_size > 0, f
    assert (out / "fig2.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = (out / "report.md").read_text()
    assert "quick run" in text and "doi:10.1038/30918" in text and "![fig2](fig2.png)" in text
    assert len(report.rows) >= 7 and all(r.status in ("P", "S", "") for r in report.rows)
    assert not report.missing
    # Every (p, replicate) of the quick config has C and L from the same graph.
    cfg = load_config(experiments.config_path("watts_strogatz"), quick=True)
    assert real.height == len(cfg.sweep["graph.p"]) * cfg.replicates
    assert (real["nodes"] == N).all()


def test_lattice_values_equal_closed_forms(run):
    _, _, _, real = run
    lattice = real.filter(pl.col("p") == 0.0)
    assert np.allclose(lattice["C"].to_numpy(), 3 * (K - 2) / (4 * (K - 1)), atol=1e-12, rtol=0)
    assert np.allclose(lattice["L"].to_numpy(), ws.ring_lattice_path_length(N, K), atol=1e-12, rtol=0)


def test_curves_fall_with_p(run):
    out, _, _, _ = run
    cur = pl.read_parquet(out / "curve.parquet").sort("p")
    L = cur["L_ratio"].to_numpy()
    C = cur["C_ratio"].to_numpy()
    # Rewiring only adds shortcuts (the edge count is fixed): L(p)/L(0) falls monotonically; the
    # means of 5 realizations may wobble by far less than 0.02 between grid points this far apart.
    assert np.all(np.diff(L) < 0.02)
    assert L[0] == pytest.approx(1.0) and L[-1] < 0.1
    # C(p)/C(0) follows the triangle-survival law (1 - p)^3 of Barrat & Weigt within 0.05.
    assert np.all(np.abs(C - ws.rewired_clustering_ratio(cur["p"].to_numpy())) < 0.05)


def test_random_limit(run):
    _, _, _, real = run
    last = real.filter(pl.col("p") == 1.0)
    # Random-graph limits: C ~ k/n; L ~ (ln n - gamma)/ln k + 1/2 (Fronczak et al. 2004).
    assert 0.4 * K / N < last["C"].mean() < 2.5 * K / N
    assert abs(last["L"].mean() - ws.random_graph_path_length(N, K)) < 0.3


def test_small_world_window(run):
    _, _, _, real = run
    c0 = ws.ring_lattice_clustering(K)
    l0 = ws.ring_lattice_path_length(N, K)
    w = ws.window(real, c0, l0, n_boot=300)
    p_l, p_c, c_at = w["p_L"][0], w["p_C"][0], w["C_ratio_at_p_L"][0]
    # L halves once there are of the order of 1-10 shortcuts (n k p / 2 in [0.5, 50]);
    # C keeps 80% up to 1 - 0.8^(1/3) = 0.072 by (1-p)^3: the window opens between the two.
    assert 0.5 / (N * K / 2) < p_l < 50 / (N * K / 2)
    assert 0.04 < p_c < 0.11
    assert p_l < p_c and c_at > 0.8
    for name in ("p_L", "p_C", "C_ratio_at_p_L"):
        est, lo, hi = w[name]
        assert lo is not None and lo <= est <= hi
