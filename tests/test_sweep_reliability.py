"""Fault tests of sweeps (simulate/sweep.py, simulate/outlock.py): one run per --out, resume
only for the same inputs, corrupt cells and manifests, no orphans after SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from simulate.cli import main
from simulate.errors import SmallworldError
from simulate.outlock import OutputLockedError, locked_output
from simulate.sweep import clean_temporaries, existing_cells, read_cells, read_manifest, run_sweep

ROOT = Path(__file__).resolve().parents[1]

FILE_CONFIG = """\
seed = {seed}
[graph]
file = "g.txt"
[experiment]
kind = "distances"
[sweep]
"experiment.component" = {components}
"""


SLOW = """\
seed = 1
[graph]
generator = "watts_strogatz"
n = 3000
k = 6
p = 0.1
[experiment]
kind = "chains"
policy = "random_walk"
chains = 3000
targets = 5
max_steps = 2000
[sweep]
"experiment.attrition" = [0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07]
replicates = 6
"""


@pytest.fixture
def work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SMALLWORLD_CACHE", str(tmp_path / "cache"))
    Path("g.txt").write_text("0 1\n1 2\n2 3\n3 4\n")
    return tmp_path


def write_config(seed=1, components='["largest"]'):
    p = Path("c.toml")
    p.write_text(FILE_CONFIG.format(seed=seed, components=components))
    return p


def dead_pid():
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_second_run_into_a_locked_out_is_refused_naming_the_holder(work):
    cfg = write_config()
    with locked_output(work / "out"):
        with pytest.raises(OutputLockedError, match=f"pid {os.getpid()}"):
            run_sweep(cfg, out=work / "out", progress=False)
        r = CliRunner().invoke(main, ["run", str(cfg), "--out", "out", "--quiet"])
        assert r.exit_code == 2 and r.output.count("error:") == 1 and "in use by another run" in r.output
    assert run_sweep(cfg, out=work / "out", progress=False).ok  # released: runs
    assert not (work / "out" / ".lock").exists()


def test_stale_lock_of_a_dead_process_is_taken_over(work):
    cfg = write_config()
    (work / "out").mkdir()
    (work / "out" / ".lock").write_text(json.dumps({"pid": dead_pid(), "host": os.uname().nodename,
                                                     "started": "yesterday"}))
    assert run_sweep(cfg, out=work / "out", progress=False).ok


def test_concurrent_cli_runs_one_is_refused(work):
    Path("slow.toml").write_text(SLOW)
    env = {**os.environ, "SMALLWORLD_CACHE": str(work / "cache")}
    cmd = [sys.executable, "-m", "simulate", "run", str(work / "slow.toml"), "--out", str(work / "out"), "--quiet"]
    first = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while not (work / "out" / ".lock").exists() and time.time() < deadline and first.poll() is None:
            time.sleep(0.2)
        assert (work / "out" / ".lock").exists()
        second = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=120)
    assert second.returncode == 2, second.stderr
    assert f"pid {first.pid}" in second.stderr and "Traceback" not in second.stderr
    assert second.stderr.count("error:") == 1


def test_clean_up_removes_only_temporaries_of_dead_writers(work):
    out = work / "out"
    (out / "cells").mkdir(parents=True)
    mine_alive = out / "cells" / f".tmp-x.parquet-{os.getppid()}-abc123"
    dead = out / "cells" / f".tmp-y.parquet-{dead_pid()}-abc123"
    for p in (mine_alive, dead):
        p.write_text("partial")
    clean_temporaries(out)
    assert mine_alive.exists() and not dead.exists()


def test_resume_after_replacing_the_graph_file_is_refused(work):
    cfg = write_config()
    first = run_sweep(cfg, out=work / "out", progress=False)
    assert first.ok
    Path("g.txt").write_text("0 1\n1 2\n2 0\n")  # another graph, same name
    with pytest.raises(SmallworldError, match="content of graph file 'g.txt' changed"):
        run_sweep(cfg, out=work / "out", progress=False)
    # A fresh directory gives the new graph's answer.
    assert run_sweep(cfg, out=work / "fresh", progress=False).ok
    assert read_manifest(work / "fresh")["mean"].to_list() == [1.0]


def test_extending_a_config_reuses_matching_cells_and_reading_never_mixes(work):
    cfg = write_config(components='["largest"]')
    run_sweep(cfg, out=work / "out", progress=False)
    cfg = write_config(components='["largest", "all"]')
    rep = run_sweep(cfg, out=work / "out", progress=False)
    assert (rep.skipped, rep.ran) == (1, 1)
    cfg = write_config(components='["all"]')  # shrink: the other cell stays on disk, unread
    rep = run_sweep(cfg, out=work / "out", progress=False)
    assert (rep.skipped, rep.ran) == (1, 0)
    assert len(existing_cells(work / "out")) == 2
    assert read_cells(work / "out")["component"].unique().to_list() == ["all"]
    assert read_manifest(work / "out").height == 1


def test_changed_seed_is_refused_naming_it(work):
    run_sweep(write_config(seed=1), out=work / "out", progress=False)
    with pytest.raises(SmallworldError, match="config seed changed"):
        run_sweep(write_config(seed=2), out=work / "out", progress=False)


def test_corrupt_cell_is_reported_by_path_and_rerun(work):
    cfg = write_config(components='["largest", "all"]')
    run_sweep(cfg, out=work / "out", progress=False)
    cid, path = sorted(existing_cells(work / "out").items())[0]
    path.write_bytes(path.read_bytes()[:100])
    with pytest.warns(UserWarning, match=str(path.name)):
        rep = run_sweep(cfg, out=work / "out", progress=False)
    assert rep.corrupt == [cid] and rep.ran == 1 and rep.ok
    assert read_cells(work / "out").height > 0


def test_corrupt_manifest_is_rebuilt_from_the_cells(work):
    cfg = write_config(components='["largest", "all"]')
    run_sweep(cfg, out=work / "out", progress=False)
    (work / "out" / "manifest.parquet").write_bytes(b"PAR1 not really")
    with pytest.warns(UserWarning, match="rebuilt from the cell files"):
        r = CliRunner().invoke(main, ["results", "summarize", "out"])
    assert r.exit_code == 0, r.output
    assert "largest" in r.output and "all" in r.output


@pytest.mark.slow
def test_sigkill_with_two_workers_leaves_no_process_alive(work):
    psutil = pytest.importorskip("psutil")
    Path("slow.toml").write_text(SLOW)
    p = subprocess.Popen([sys.executable, "-m", "simulate", "run", str(work / "slow.toml"), "--out",
                          str(work / "out"), "--workers", "2", "--quiet"], cwd=ROOT,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 180
    kids = []
    while time.time() < deadline and len(kids) < 4:  # tracker, forkserver, 2 workers
        time.sleep(0.5)
        kids = psutil.Process(p.pid).children(recursive=True)
    assert len(kids) >= 4, kids
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    time.sleep(5)
    alive = [k for k in kids if k.is_running() and k.status() != psutil.STATUS_ZOMBIE]
    for k in alive:  # do not leave them behind if the test fails
        k.kill()
    assert alive == []


# ---------------------------------------------------------------- stale cells (model fingerprint)
FOLLOWER_CONFIG = """\
seed = 3
[graph]
generator = "directed_follower"
n = 400
mean_degree = 4.0
[experiment]
kind = "graph"
clustering = false
[sweep]
replicates = 2
"""


def _follower_config(work):
    from simulate.config import load_config

    path = work / "follower.toml"
    path.write_text(FOLLOWER_CONFIG)
    return load_config(path)


def _resume_quietly(cfg, out):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a resume with nothing changed warns about nothing
        return run_sweep(cfg, out=out, progress=False)


def _patch_model(monkeypatch, **changes):
    """Replace directed_follower's spec by one with ``changes`` (a parameter default or the revision)."""
    import dataclasses

    from simulate.generators import MODELS

    spec = MODELS["directed_follower"]
    if "default" in changes:
        key, value = changes.pop("default")
        params = dict(spec.params)
        params[key] = dataclasses.replace(params[key], default=value)
        changes["params"] = params
    monkeypatch.setitem(MODELS, "directed_follower", dataclasses.replace(spec, **changes))


def test_resume_with_nothing_changed_reuses_every_cell(work):
    cfg = _follower_config(work)
    first = run_sweep(cfg, out=work / "out", progress=False)
    assert first.ran == 2 and first.ok
    before = {cid: p.stat().st_mtime_ns for cid, p in existing_cells(work / "out").items()}
    again = _resume_quietly(cfg, work / "out")
    assert again.ran == 0 and again.skipped == 2 and again.stale == {}
    assert {cid: p.stat().st_mtime_ns for cid, p in existing_cells(work / "out").items()} == before


def test_resume_after_a_changed_default_recomputes_with_the_same_ids(work, monkeypatch):
    # mutual_weight was declared after issue 10, so its default is not in the cell id: changing
    # the default keeps ids and seeds, and only the recorded fingerprint can tell the cells apart.
    from simulate.sweep import expand_cells, read_cell_metadata

    cfg = _follower_config(work)
    run_sweep(cfg, out=work / "out", progress=False)
    ids = [(c.id, c.seed, c.graph_seed) for c in expand_cells(cfg)]
    old = {cid: read_cell_metadata(p) for cid, p in existing_cells(work / "out").items()}
    assert {md["model"]["graph"]["mutual_weight"] for md in old.values()} == {"mean"}

    _patch_model(monkeypatch, default=("mutual_weight", "min"))
    assert [(c.id, c.seed, c.graph_seed) for c in expand_cells(cfg)] == ids
    with pytest.warns(UserWarning, match="recomputed"):
        dry = run_sweep(cfg, out=work / "out", progress=False, dry_run=True)
    assert set(dry.status.values()) == {"stale"} and dry.skipped == 0
    with pytest.warns(UserWarning, match=r'2 finished cell\(s\) were computed under another model.*'
                                         r'graph.mutual_weight: "mean" -> "min"'):
        rep = run_sweep(cfg, out=work / "out", progress=False)
    assert rep.ran == 2 and rep.skipped == 0 and rep.ok and set(rep.stale) == {i for i, _, _ in ids}
    new = {cid: read_cell_metadata(p) for cid, p in existing_cells(work / "out").items()}
    assert set(new) == set(old)  # same ids, files replaced
    for cid, md in new.items():
        assert md["model"]["graph"]["mutual_weight"] == "min"
        assert md["graph_fingerprint"] != old[cid]["graph_fingerprint"]  # another graph
    assert read_manifest(work / "out")["status"].to_list() == ["done", "done"]
    again = _resume_quietly(cfg, work / "out")  # the recomputed cells are current
    assert again.ran == 0 and again.skipped == 2


def test_resume_after_a_model_revision_recomputes(work, monkeypatch):
    cfg = _follower_config(work)
    run_sweep(cfg, out=work / "out", progress=False)
    _patch_model(monkeypatch, revision=2)
    with pytest.warns(UserWarning, match="model directed_follower revision 1 -> 2"):
        rep = run_sweep(cfg, out=work / "out", progress=False)
    assert rep.ran == 2 and len(rep.stale) == 2


def test_a_changed_code_digest_alone_is_reported_and_reused(work, monkeypatch):
    from simulate.sweep import cells as cells_module

    cfg = _follower_config(work)
    run_sweep(cfg, out=work / "out", progress=False)
    monkeypatch.setitem(cells_module._CODE_DIGESTS, "simulate.generators.follower", "0" * 12)
    with pytest.warns(UserWarning, match="code digest changed.*are reused"):
        rep = run_sweep(cfg, out=work / "out", progress=False)
    assert rep.ran == 0 and rep.skipped == 2 and rep.stale == {}


def test_a_cell_file_without_a_fingerprint_is_recomputed(work):
    # Files written before fingerprints were recorded: their defaults are unknown.
    import pyarrow.parquet as pq

    cfg = _follower_config(work)
    run_sweep(cfg, out=work / "out", progress=False)
    cid, path = sorted(existing_cells(work / "out").items())[0]
    table = pq.read_table(path)
    md = {k: v for k, v in table.schema.metadata.items() if k != b"smallworld.model"}
    pq.write_table(table.replace_schema_metadata(md), path)
    with pytest.warns(UserWarning, match="no model fingerprint recorded"):
        rep = run_sweep(cfg, out=work / "out", progress=False)
    assert rep.ran == 1 and list(rep.stale) == [cid] and rep.skipped == 1


def test_a_stale_cell_not_yet_recomputed_is_not_read(work, monkeypatch):
    # A run killed before it recomputed a stale cell leaves the old file and a manifest row
    # "stale": the old rows are not served as results.
    from simulate.sweep import _EXECUTE

    cfg = _follower_config(work)
    run_sweep(cfg, out=work / "out", progress=False)
    _patch_model(monkeypatch, default=("mutual_weight", "min"))

    def killed(tasks, workers, scheduler):
        raise KeyboardInterrupt
        yield  # pragma: no cover

    monkeypatch.setitem(_EXECUTE, "serial", killed)
    with pytest.warns(UserWarning, match="recomputed"), pytest.raises(KeyboardInterrupt):
        run_sweep(cfg, out=work / "out", progress=False)
    assert set(read_manifest(work / "out")["status"].to_list()) == {"stale"}
    assert read_cells(work / "out").height == 0
