"""Parameter sweeps: cells, seeds, executors, resume after kills, failures (simulate/sweep/)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulate import Graph
from simulate.sweep import executors as sweep_mod
from simulate.config import parse_config
from simulate.sweep import (
    existing_cells,
    expand_cells,
    graph_statistics,
    read_cell_metadata,
    read_cells,
    read_manifest,
    run_sweep,
)

CHAINS = """\
seed = 11

[graph]
generator = "watts_strogatz"
n = 200
k = 4
p = 0.1

[experiment]
kind = "chains"
policy = "random_walk"
chains = 60
targets = 3
max_steps = 100

[sweep]
"graph.p" = {p}
"experiment.attrition" = [0.0, 0.3]
replicates = 2
"""

SLOW = """\
seed = 1
[graph]
generator = "watts_strogatz"
n = 1000
k = 6
p = 0.1
[experiment]
kind = "chains"
policy = "random_walk"
chains = 1200
targets = 5
max_steps = 400
[sweep]
"experiment.attrition" = [0.0, 0.01, 0.02, 0.03, 0.04]
replicates = 6
"""

TIMING = {"started", "finished", "seconds", "worker"}


def chains_config(p="[0.0, 0.1, 0.5]"):
    return parse_config(CHAINS.format(p=p), source="chains.toml")


def cell_data(out) -> pl.DataFrame:
    df = read_cells(out)
    return df.sort(["cell_id", "chain"] if "chain" in df.columns else ["cell_id"])


def manifest_data(out) -> pl.DataFrame:
    m = read_manifest(out)
    return m.drop([c for c in m.columns if c in TIMING]).sort("cell_id")


# ---------------------------------------------------------------------------- cells and seeds
def test_cells_ids_and_seeds_do_not_depend_on_the_rest_of_the_sweep():
    big = expand_cells(chains_config("[0.0, 0.1, 0.5]"))
    small = expand_cells(chains_config("[0.1]"))
    assert len(big) == 12 and len(small) == 4
    assert len({c.id for c in big}) == 12 and len({c.seed for c in big}) == 12
    by_id = {c.id: c for c in big}
    for c in small:
        twin = by_id[c.id]
        assert (twin.seed, twin.graph_seed, twin.graph_key) == (c.seed, c.graph_seed, c.graph_key)
        assert twin.columns["p"] == 0.1
    # cells differing only in attrition share their graph; replicates do not
    same = [c for c in big if c.swept["graph.p"] == 0.1 and c.replicate == 0]
    assert len(same) == 2 and same[0].graph_key == same[1].graph_key and same[0].seed != same[1].seed
    assert len({c.graph_key for c in big}) == 6
    # a different root seed gives different ids and seeds
    other = expand_cells(parse_config(CHAINS.format(p="[0.1]").replace("seed = 11", "seed = 12")))
    assert not {c.id for c in other} & {c.id for c in small}
    # the documented seed derivation
    c = small[0]
    ss = np.random.SeedSequence(11, spawn_key=c.spawn_key)
    assert c.seed == int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
    assert c.spawn_key[0] == 1 and len(c.spawn_key) == 5


def test_defaults_are_part_of_the_id():
    explicit = parse_config(CHAINS.format(p="[0.1]").replace("max_steps = 100", "max_steps = 100\nepsilon = 0.0"))
    assert [c.id for c in expand_cells(explicit)] == [c.id for c in expand_cells(chains_config("[0.1]"))]


def test_cell_paths_are_hive_style():
    c = expand_cells(chains_config("[0.1]"))[1]
    assert c.relpath() == f"cells/p=0.1/attrition=0.0/replicate=1/{c.id}.parquet"


# ---------------------------------------------------------------------------- executors agree
def test_serial_local_and_dask_give_identical_data(tmp_path):
    cfg = chains_config()
    reports = {}
    for executor, workers in (("serial", 1), ("local", 2), ("dask", 2)):
        reports[executor] = run_sweep(cfg, out=tmp_path / executor, executor=executor, workers=workers,
                                      progress=False)
        assert reports[executor].ran == 12 and reports[executor].failed == 0
    ref = cell_data(tmp_path / "serial")
    assert ref.height == 12 * 60 and ref["cell_id"].n_unique() == 12
    assert ref["status"].n_unique() > 1  # attrition 0.3 drops some chains: the data are random
    ref_m = manifest_data(tmp_path / "serial")
    for executor in ("local", "dask"):
        assert cell_data(tmp_path / executor).equals(ref), executor
        assert manifest_data(tmp_path / executor).equals(ref_m), executor
    # Different worker processes really ran the cells.
    workers = read_manifest(tmp_path / "local")["worker"].unique()
    assert workers.len() >= 1 and all(":" in w for w in workers)


def test_results_match_a_direct_call_and_metadata_is_complete(tmp_path):
    from simulate.chains import run_chains
    from simulate.generators import generate

    cfg = chains_config("[0.5]")
    run_sweep(cfg, out=tmp_path, progress=False)
    cell = expand_cells(cfg)[3]
    g = generate("watts_strogatz", seed=cell.graph_seed, n=200, k=4, p=0.5)
    direct = run_chains(g, policy="random_walk", attrition=cell.experiment["attrition"], n_chains=60,
                        n_targets=3, max_steps=100, seed=cell.seed).table
    path = existing_cells(tmp_path)[cell.id]
    got = pl.read_parquet(path)
    assert got.drop(["p", "attrition", "replicate", "cell_id"]).equals(direct)
    assert got["attrition"].unique().to_list() == [cell.experiment["attrition"]]
    md = read_cell_metadata(path)
    import simulate

    assert md["version"] == simulate.__version__ and md["cell_id"] == cell.id
    assert md["graph_fingerprint"] == g.fingerprint
    assert md["seed"]["seed"] == cell.seed and md["seed"]["config_seed"] == 11
    assert md["config"]["graph"]["generator"] == "watts_strogatz"
    assert md["cell"]["experiment"]["policy"] == "random_walk"
    assert md["started"] <= md["finished"]
    assert md["summary"]["chains"] == 60 and "corrected_mean_ci_low" in md["summary"]


def test_graph_built_once_per_graph(tmp_path, monkeypatch):
    calls = []
    real = sweep_mod.build_graph

    def counting(params, seed=0, base_dir=None, data_dir=None):
        calls.append(seed)
        return real(params, seed, base_dir, data_dir)

    monkeypatch.setattr(sweep_mod, "build_graph", counting)
    sweep_mod._GRAPH_CACHE.clear()
    run_sweep(chains_config("[0.0, 0.1, 0.5]"), out=tmp_path, progress=False)
    assert len(calls) == 6  # 3 p x 2 replicates; the attrition cells reuse them
    assert len(set(calls)) == 6


# ---------------------------------------------------------------------------- resume
def _sweep_process(cfg_path, out):
    env = dict(os.environ, NUMBA_NUM_THREADS="1")
    return subprocess.Popen([sys.executable, "-m", "simulate", "run", str(cfg_path), "--out", str(out), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)


def _wait_for_cells(proc, out, k, timeout=60):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if len(existing_cells(out)) >= k:
            return
        if proc.poll() is not None:
            raise AssertionError(f"sweep ended early: {proc.stderr.read().decode()}")
        time.sleep(0.02)
    raise AssertionError("no cells written in time")


@pytest.mark.slow
def test_sigkill_mid_sweep_then_resume_gives_the_same_data(tmp_path):
    cfg_path = tmp_path / "slow.toml"
    cfg_path.write_text(SLOW)
    out = tmp_path / "killed"
    proc = _sweep_process(cfg_path, out)
    _wait_for_cells(proc, out, 4)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    n_before = len(existing_cells(out))
    assert 4 <= n_before < 30, n_before
    # a killed writer's leftover must never count as a result
    junk = out / "cells" / "attrition=0.0" / "replicate=0" / ".tmp-deadbeef0000.parquet-x1"
    junk.parent.mkdir(parents=True, exist_ok=True)
    junk.write_bytes(b"PAR1 half a file")
    assert len(existing_cells(out)) == n_before

    dry = subprocess.run([sys.executable, "-m", "simulate", "run", str(cfg_path), "--out", str(out), "--dry-run"],
                         capture_output=True, text=True)
    assert dry.returncode == 0
    assert dry.stdout.strip().splitlines()[-1].startswith(f"30 cells, {n_before} done, {30 - n_before} to run")

    report = run_sweep(parse_config(SLOW), out=out, progress=False)
    assert report.skipped == n_before and report.ran == 30 - n_before and report.failed == 0
    assert not list(out.rglob(".tmp-*"))
    full = tmp_path / "full"
    run_sweep(parse_config(SLOW), out=full, progress=False)
    assert cell_data(out).equals(cell_data(full))
    assert (read_manifest(out)["status"] == "done").all()


@pytest.mark.slow
def test_sigterm_writes_manifest_and_exits(tmp_path):
    cfg_path = tmp_path / "slow.toml"
    cfg_path.write_text(SLOW)
    out = tmp_path / "o"
    proc = _sweep_process(cfg_path, out)
    _wait_for_cells(proc, out, 2)
    os.killpg(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err.decode()
    m = read_manifest(out)  # readable, and up to date with the files on disk
    assert (m["status"] == "done").sum() == len(existing_cells(out))
    assert not list(out.rglob(".tmp-*"))


def test_rerun_skips_everything(tmp_path):
    cfg = chains_config("[0.1]")
    first = run_sweep(cfg, out=tmp_path, progress=False)
    stamp = {p: p.stat().st_mtime_ns for p in existing_cells(tmp_path).values()}
    second = run_sweep(cfg, out=tmp_path, progress=False)
    assert first.ran == 4 and second.ran == 0 and second.skipped == 4
    assert {p: p.stat().st_mtime_ns for p in existing_cells(tmp_path).values()} == stamp
    # a missing cell is redone, the others are kept
    victim = next(iter(stamp))
    victim.unlink()
    third = run_sweep(cfg, out=tmp_path, progress=False)
    assert third.ran == 1 and victim.exists()


# ---------------------------------------------------------------------------- failures and dry run
# A stored graph without lattice coordinates: greedy_lattice passes the load-time checks (a file
# is checked when opened) and fails in its cells. (With the generator itself it fails at load.)
FAILING = CHAINS.format(p="[0.1]").replace('"experiment.attrition" = [0.0, 0.3]',
                                           '"experiment.policy" = ["random_walk", "greedy_lattice"]').replace(
    'generator = "watts_strogatz"\nn = 200\nk = 4\np = 0.1', 'file = "ws.swg"').replace('"graph.p" = [0.1]\n', "")


def test_failed_cells_are_recorded_and_exit_1(tmp_path):
    from simulate import write_graph
    from simulate.generators import watts_strogatz

    write_graph(watts_strogatz(200, 4, 0.1, seed=1), tmp_path / "ws.swg")
    cfg_path = tmp_path / "fail.toml"
    cfg_path.write_text(FAILING)
    out = tmp_path / "o"
    r = subprocess.run([sys.executable, "-m", "simulate", "run", str(cfg_path), "--out", str(out), "--quiet"],
                       capture_output=True, text=True)
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr and "2 failed" in r.stderr
    m = read_manifest(out).sort("index")
    assert m["status"].to_list() == ["done", "done", "failed", "failed"]
    errors = m.filter(pl.col("status") == "failed")["error"].to_list()
    assert all(e.startswith("ParameterError") and "coord_" in e for e in errors), errors
    assert len(existing_cells(out)) == 2
    # the dry run lists every cell with its state
    dry = subprocess.run([sys.executable, "-m", "simulate", "run", str(cfg_path), "--out", str(out), "--dry-run"],
                         capture_output=True, text=True)
    lines = dry.stdout.strip().splitlines()
    assert len(lines) == 5 and lines[-1].startswith("4 cells, 2 done, 2 to run")
    assert sum("pending" in line for line in lines) == 2
    assert all("policy=" in line and "replicate=" in line for line in lines[:4])


def test_dry_run_writes_nothing(tmp_path):
    report = run_sweep(chains_config(), out=tmp_path / "d", dry_run=True)
    assert len(report.cells) == 12 and report.done == 0 and not (tmp_path / "d").exists()


def test_bad_executor_arguments(tmp_path):
    from simulate.errors import ParameterError

    with pytest.raises(ParameterError, match="executor"):
        run_sweep(chains_config(), out=tmp_path, executor="mpi")
    with pytest.raises(ParameterError, match="workers"):
        run_sweep(chains_config(), out=tmp_path, executor="local", workers=0)


# ---------------------------------------------------------------------------- experiment kinds
def test_distances_kind_through_the_sweep(tmp_path):
    text = """
seed = 5
[graph]
generator = "watts_strogatz"
n = 120
k = 4
p = 0.2
[experiment]
kind = "distances"
method = "exact"
[sweep]
"graph.k" = [2, 6]
"""
    cfg = parse_config(text)
    report = run_sweep(cfg, out=tmp_path, progress=False)
    assert report.failed == 0
    from simulate.generators import generate

    data = read_cells(tmp_path)
    for cell in expand_cells(cfg):
        g = generate("watts_strogatz", seed=cell.graph_seed, n=120, k=cell.graph["k"], p=0.2)
        G = g.largest_component().to_networkx()
        hist = np.bincount([d for _, row in nx.all_pairs_shortest_path_length(G) for d in row.values()])
        got = data.filter(pl.col("cell_id") == cell.id).sort("distance")
        pairs = dict(zip(got["distance"].to_list(), got["pairs"].to_list()))
        assert {d: int(c) for d, c in enumerate(hist) if d > 0 and c} == {d: int(c) for d, c in pairs.items() if c}
    m = read_manifest(tmp_path)
    assert m["mean"].min() > 1 and "effective_diameter" in m.columns


def test_graph_kind_on_a_file(tmp_path):
    (tmp_path / "g.txt").write_text("0 1\n1 2\n2 0\n2 3\n5 6\n")
    cfg_path = tmp_path / "c.toml"
    cfg_path.write_text('[graph]\nfile = "g.txt"\n[experiment]\nkind = "graph"\n'
                        '[sweep]\n"graph.component" = ["all", "largest"]\n')
    report = run_sweep(cfg_path, out=tmp_path / "o", progress=False)
    assert report.failed == 0
    m = read_manifest(tmp_path / "o").sort("index")
    assert m["nodes"].to_list() == [6, 4] and m["components"].to_list() == [2, 1]
    assert m["transitivity"].to_list() == pytest.approx([3 / 5, 3 / 5])


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 40), p=st.floats(0, 0.6), seed=st.integers(0, 10_000), directed=st.booleans())
def test_graph_statistics_match_networkx(n, p, seed, directed):
    G = nx.gnp_random_graph(n, p, seed=seed, directed=directed)
    g = Graph.from_networkx(G)
    s = graph_statistics(g)
    U = G.to_undirected() if directed else G
    assert s["nodes"] == n and s["edges"] == G.number_of_edges()
    assert s["components"] == nx.number_weakly_connected_components(G) if directed else \
        s["components"] == nx.number_connected_components(G)
    assert s["average_clustering"] == pytest.approx(nx.average_clustering(nx.Graph(U)), abs=1e-12)
    assert s["transitivity"] == pytest.approx(nx.transitivity(nx.Graph(U)), abs=1e-12)
    deg = np.array([d for _, d in (G.degree())])
    assert s["degree_max"] == deg.max() and s["degree_mean"] == pytest.approx(deg.mean())


def test_node_attrition_option_runs(tmp_path):
    text = CHAINS.format(p="[0.1]").replace('"experiment.attrition" = [0.0, 0.3]',
                                            '"experiment.node_attrition_mean" = [0.2]')
    report = run_sweep(parse_config(text), out=tmp_path, progress=False)
    assert report.failed == 0
    m = read_manifest(tmp_path)
    assert m["completion_rate"].max() < 1.0
    assert Path(tmp_path / "config.toml").exists()
