"""Summaries and plots of sweep result directories (simulate/results.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats

from simulate.config import load_config, parse_config
from simulate.errors import ParameterError
from simulate.results import format_summary, plot, summarize
from simulate.sweep import read_manifest, run_sweep

REPO = Path(__file__).resolve().parents[1]

WS = """\
seed = 3
[graph]
generator = "watts_strogatz"
n = 150
k = 6
p = 0.1
[experiment]
kind = "graph"
[sweep]
"graph.p" = [0.0, 0.05, 0.3]
"graph.k" = [4, 6]
replicates = 4
"""


@pytest.fixture(scope="module")
def ws_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("ws")
    report = run_sweep(parse_config(WS), out=out, progress=False)
    assert report.failed == 0
    return out


def test_summary_is_mean_and_t_interval_over_replicates(ws_dir):
    table = summarize(ws_dir)
    assert table.columns[:4] == ["p", "k", "n", "failed"]
    assert table.height == 6 and table["n"].to_list() == [4] * 6
    m = read_manifest(ws_dir)
    for row in table.iter_rows(named=True):
        vals = m.filter((pl.col("p") == row["p"]) & (pl.col("k") == row["k"]))["transitivity"].to_numpy()
        assert len(vals) == 4
        assert row["transitivity"] == pytest.approx(vals.mean(), rel=1e-12)
        half = stats.t.ppf(0.975, 3) * vals.std(ddof=1) / 2
        assert row["transitivity_ci95"] == pytest.approx(half, rel=1e-9, abs=1e-15)
    # p = 0 is the ring lattice: no randomness, clustering 3(k-2)/(4(k-1)) exactly, CI 0
    ring = table.filter(pl.col("p") == 0.0).sort("k")
    assert ring["average_clustering"].to_list() == pytest.approx([3 * 2 / 12, 3 * 4 / 20])
    assert ring["average_clustering_ci95"].to_list() == [0.0, 0.0]
    # rewiring lowers clustering
    k6 = table.filter(pl.col("k") == 6).sort("p")["average_clustering"].to_list()
    assert k6[0] > k6[1] > k6[2]


def test_grouping_by_a_subset_pools_the_rest(ws_dir):
    t = summarize(ws_dir, by=["k"], metrics=["edges"])
    assert t.columns == ["k", "n", "failed", "edges", "edges_ci95"]
    assert t["n"].to_list() == [12, 12]
    assert t["edges"].to_list() == [300.0, 450.0]  # n k / 2 edges whatever p
    with pytest.raises(ParameterError, match="did you mean 'k'"):
        summarize(ws_dir, by=["kk"])
    with pytest.raises(ParameterError, match="unknown metric 'transitivty'; did you mean 'transitivity'"):
        summarize(ws_dir, metrics=["transitivty"])
    with pytest.raises(ParameterError, match="no manifest.parquet"):
        summarize(ws_dir / "cells")


def test_single_replicate_has_no_interval(tmp_path):
    run_sweep(parse_config(WS.replace("replicates = 4", "replicates = 1")), out=tmp_path, progress=False)
    t = summarize(tmp_path, metrics=["transitivity"])
    assert t["transitivity_ci95"].null_count() == t.height
    text = format_summary(t, ["p", "k"], ["transitivity"])
    assert "±" not in text and len(text.splitlines()) == 7


def test_failed_cells_are_counted(tmp_path):
    # 200 starters from the nearest 1% (2 nodes) of a 150-node graph cannot be drawn: every cell
    # fails when it runs (a policy the generator cannot serve would already fail at load)
    bad = WS.replace('"graph.k" = [4, 6]\n', "").replace(
        'kind = "graph"', 'kind = "chains"\npolicy = "random_walk"\ntargets = 1\n'
                          'source_groups = [{name = "near", chains = 200, quantiles = [0, 0.01]}]')
    run_sweep(parse_config(bad), out=tmp_path, progress=False)
    t = summarize(tmp_path)
    assert t["failed"].to_list() == [4, 4, 4] and t["n"].to_list() == [0, 0, 0]


def test_plot_writes_an_image(ws_dir, tmp_path):
    out = plot(ws_dir, x="p", y="average_clustering", hue="k", out=tmp_path / "fig.png")
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    svg = plot(ws_dir, x="p", y="transitivity", out=tmp_path / "fig.svg", logx=True)
    text = svg.read_text()
    assert "<svg" in text and "transitivity" in text
    assert not list(tmp_path.glob(".tmp-*"))


def test_cli_summarize_and_plot(ws_dir, tmp_path):
    from click.testing import CliRunner

    from simulate.cli import main

    r = CliRunner().invoke(main, ["results", "summarize", str(ws_dir)])
    assert r.exit_code == 0, r.output
    lines = r.stdout.strip().splitlines()
    assert lines[0].split()[:3] == ["p", "k", "n"] and "average_clustering" in lines[0]
    assert len(lines) == 7 and "±" in r.stdout
    r = CliRunner().invoke(main, ["results", "summarize", str(ws_dir), "--by", "k", "--json"])
    recs = json.loads(r.stdout)
    assert [x["k"] for x in recs] == [4, 6] and recs[0]["n"] == 12
    r = CliRunner().invoke(main, ["results", "summarize", str(ws_dir), "--by", "q"])
    assert r.exit_code == 2 and r.stderr.startswith("error: --by 'q'") and "Traceback" not in r.output
    fig = tmp_path / "f.png"
    r = CliRunner().invoke(main, ["results", "plot", str(ws_dir), "--x", "p", "--y", "transitivity",
                                  "--hue", "k", "--out", str(fig)])
    assert r.exit_code == 0 and fig.stat().st_size > 5000


@pytest.mark.slow
def test_example_config_quick_run_end_to_end(tmp_path):
    cfg = REPO / "configs" / "kleinberg_r_sweep.toml"
    r = subprocess.run([sys.executable, "-m", "simulate", "run", str(cfg), "--quick", "--quiet",
                        "--out", str(tmp_path / "k")], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    quick = load_config(cfg, quick=True)
    t = summarize(tmp_path / "k")
    assert t["r"].to_list() == list(quick.sweep["graph.r"])
    assert (t["n"] == quick.replicates).all()
    assert (t["completion_rate"] == 1.0).all()  # no attrition: every greedy chain arrives
    # greedy lattice routing never needs fewer steps than the shortest path
    assert (t["mean_steps_reached"] >= t["mean_shortest_path"]).all()
    assert np.isfinite(t["corrected_mean"].to_numpy()).all()
