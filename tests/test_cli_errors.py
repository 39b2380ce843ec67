"""The bad-input catalogue: every input a user can get wrong ends in one ``error:`` line, a
non-zero exit status and no traceback; and nothing the user owns is deleted or replaced
without ``--force`` (simulate/cli.py, simulate/io/atomic.py)."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from simulate.cli import main

ROOT = Path(__file__).resolve().parents[1]

GRAPH_CONFIG = '[graph]\nfile = "g.txt"\n[experiment]\nkind = "graph"\n[sweep]\n"graph.component" = ["all", "largest"]\n'


@pytest.fixture
def work(tmp_path, monkeypatch):
    """A working directory with a small graph, a native copy, a file and a finished sweep."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SMALLWORLD_CACHE", str(tmp_path / "cache"))
    Path("g.txt").write_text("0 1\n1 2\n2 0\n2 3\n")
    Path("d.txt").write_text("0 1\n1 2\n")
    Path("plain").write_text("I am a file\n")
    Path("c.toml").write_text(GRAPH_CONFIG)
    r = CliRunner().invoke(main, ["graph", "convert", "g.txt", "g.swg"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["run", "c.toml", "--out", "res", "--quiet"])
    assert r.exit_code == 0, r.output
    return tmp_path


def assert_one_line_error(result):
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code not in (0, None), result.output
    errors = [ln for ln in result.output.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, result.output
    assert "Traceback" not in result.output


def out_of_range_swg(work):
    idx = np.load(work / "g.swg" / "indices.npy")
    idx[0] = 10**6
    np.save(work / "g.swg" / "indices.npy", idx)


def eroFS(monkeypatch):
    import tempfile

    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", kwargs.get("dir") or (args[2] if len(args) > 2 else "."))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    monkeypatch.setattr(tempfile, "mkdtemp", refuse)


def no_dask(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import -> ImportError


def disk_full_on_manifest(monkeypatch):
    import simulate.io.atomic as atomic

    real = atomic.atomic_path

    def full(path, directory=False):
        if Path(path).name.startswith("manifest"):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, directory)

    monkeypatch.setattr(atomic, "atomic_path", full)


# (id, argv, set-up(work, monkeypatch) or None, words the error line must hold)
CATALOGUE = [
    ("chains-negative-seed", ["chains", "g.txt", "--seed", "-1"], None, "--seed"),
    ("distances-negative-seed", ["distances", "g.txt", "--seed", "-1"], None, "--seed"),
    ("run-out-below-a-file", ["run", "c.toml", "--out", "plain/res"], None, "plain"),
    ("chains-out-below-a-file", ["chains", "g.txt", "--out", "plain/c.parquet"], None, "plain"),
    ("distances-out-below-a-file", ["distances", "g.txt", "--out", "plain/d.parquet"], None, "plain"),
    ("generate-out-below-a-file", ["generate", "erdos_renyi", "-p", "n=10", "-p", "m=5", "--out", "plain/g.swg"],
     None, "plain"),
    ("plot-out-below-a-file", ["results", "plot", "res", "--x", "component", "--y", "nodes",
                               "--out", "plain/f.png"], None, "plain"),
    ("read-only-filesystem", ["graph", "convert", "g.txt", "h.parquet"], lambda w, mp: eroFS(mp),
     "Read-only file system"),
    ("plot-unknown-format", ["results", "plot", "res", "--x", "component", "--y", "nodes",
                             "--out", "fig.xyz"], None, "xyz"),
    ("plot-bad-x-named-as-x", ["results", "plot", "res", "--x", "componnt", "--y", "nodes",
                               "--out", "fig.png"], None, "--x 'componnt'"),
    ("dask-missing", ["run", "c.toml", "--out", "res2", "--executor", "dask", "--quiet"],
     lambda w, mp: no_dask(mp), "dask"),
    ("huge-erdos-renyi", ["generate", "erdos_renyi", "-p", "n=2147483647", "-p", "m=10"], None, "memory limit"),
    ("huge-kleinberg-q", ["generate", "kleinberg_lattice", "-p", "side=1000", "-p", "q=10000"], None, "memory limit"),
    ("disk-full-manifest", ["run", "c.toml", "--out", "res3", "--quiet"], lambda w, mp: disk_full_on_manifest(mp),
     "No space left"),
    ("konect-header-2e9", ["graph", "info", "out.huge"],
     lambda w, mp: Path("out.huge").write_text("% sym unweighted\n% 2 2000000000 2000000000\n1 2\n"), "memory limit"),
    ("jlg-header-2e9", ["graph", "info", "huge.jlg"],
     lambda w, mp: Path("huge.jlg").write_text("2000000000,2,u,x\n1,2\n"), "memory limit"),
    ("native-out-of-range", ["graph", "info", "g.swg"], lambda w, mp: out_of_range_swg(w), "out of range"),
    ("native-empty-indices", ["graph", "info", "g.swg"],
     lambda w, mp: (w / "g.swg" / "indices.npy").write_bytes(b""), "indices.npy"),
    ("convert-onto-directory", ["graph", "convert", "g.swg", "precious", "--to", "native", "--force"],
     lambda w, mp: (Path("precious").mkdir(), Path("precious/notes.txt").write_text("x")), "not a smallworld"),
    ("convert-onto-file", ["graph", "convert", "g.txt", "plain", "--to", "snap"], None, "--force"),
    ("generate-onto-graph", ["generate", "erdos_renyi", "-p", "n=10", "-p", "m=5", "--out", "g.swg"], None, "--force"),
    ("chains-onto-file", ["chains", "g.txt", "--policy", "random_walk", "--out", "plain"], None, "--force"),
    ("distances-onto-file", ["distances", "g.txt", "--out", "plain"], None, "--force"),
    ("plot-onto-file", ["results", "plot", "res", "--x", "component", "--y", "nodes", "--out", "mine.png"],
     lambda w, mp: Path("mine.png").write_bytes(b"my figure"), "--force"),
    ("max-memory-bad-size", ["--max-memory", "lots", "graph", "info", "g.txt"], None, "lots"),
]


@pytest.mark.parametrize("case", CATALOGUE, ids=[c[0] for c in CATALOGUE])
def test_bad_input_is_one_error_line(work, monkeypatch, case):
    _, argv, setup, words = case
    if setup is not None:
        setup(work, monkeypatch)
    before = {p: p.read_bytes() for p in Path(".").rglob("*") if p.is_file() and "cache" not in p.parts
              and p.suffix != ".npy" and "res" not in p.parts}
    result = CliRunner().invoke(main, argv)
    assert_one_line_error(result)
    assert words in [ln for ln in result.output.splitlines() if ln.startswith("error:")][0]
    for p, content in before.items():  # nothing the user owns was touched
        assert p.exists() and p.read_bytes() == content, p
    assert not list(Path(".").glob(".tmp-*")) and not list(Path("res").glob(".tmp-*"))


def test_distances_on_a_one_node_component_prints_na(work):
    r = CliRunner().invoke(main, ["distances", "d.txt", "--directed"])
    assert r.exit_code == 0, r.output
    assert "n/a" in r.output and "Traceback" not in r.output


def test_corrupt_native_graph_in_a_fresh_process_is_one_line():
    # Before validation this was a segmentation fault (exit 139): run it for real.
    import tempfile

    from simulate.graph import Graph
    from simulate.io.native import write_native

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "g.swg"
        write_native(Graph.from_edges([0, 1, 2], [1, 2, 0], n=3), p)
        idx = np.load(p / "indices.npy")
        idx[:] = 2**30
        np.save(p / "indices.npy", idx)
        proc = subprocess.run([sys.executable, "-m", "simulate", "graph", "info", str(p)], cwd=ROOT,
                              capture_output=True, text=True, env={**os.environ, "SMALLWORLD_CACHE": d})
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("error:") == 1 and "Traceback" not in proc.stderr


# ---------------------------------------------------------------------------- outputs and --force
def test_force_replaces_a_native_graph_atomically_and_leaves_nothing(work):
    r = CliRunner().invoke(main, ["generate", "erdos_renyi", "-p", "n=30", "-p", "m=40", "--out", "g.swg", "--force"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["graph", "info", "g.swg", "--json"])
    assert '"nodes": 30' in r.output
    assert not [p for p in Path(".").iterdir() if p.name.startswith(".tmp")]


def test_force_replaces_a_file_with_a_native_graph_and_back(work):
    for out, to in (("plain", "native"), ("plain", "snap")):
        r = CliRunner().invoke(main, ["graph", "convert", "g.txt", out, "--to", to, "--force"])
        assert r.exit_code == 0, r.output
        assert Path(out).is_dir() == (to == "native")
    assert not [p for p in Path(".").iterdir() if p.name.startswith(".tmp")]


@pytest.mark.parametrize("argv, out", [
    (["graph", "convert", "g.txt", "o.parquet"], "o.parquet"),
    (["generate", "erdos_renyi", "-p", "n=10", "-p", "m=5", "--out", "o.txt"], "o.txt"),
    (["chains", "g.txt", "--policy", "random_walk", "--chains", "10", "--out", "o.parquet"], "o.parquet"),
    (["distances", "g.txt", "--out", "o.parquet"], "o.parquet"),
    (["results", "plot", "res", "--x", "component", "--y", "nodes", "--out", "o.png"], "o.png"),
])
def test_outputs_have_umask_permissions(work, argv, out):
    old = os.umask(0o022)
    try:
        r = CliRunner().invoke(main, argv)
    finally:
        os.umask(old)
    assert r.exit_code == 0, r.output
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o644


def test_native_output_directory_has_umask_permissions(work):
    old = os.umask(0o027)
    try:
        r = CliRunner().invoke(main, ["graph", "convert", "g.txt", "n.swg"])
    finally:
        os.umask(old)
    assert r.exit_code == 0, r.output
    assert stat.S_IMODE(os.stat("n.swg").st_mode) == 0o750


def test_header_only_csv_is_an_empty_graph_with_a_warning(work):
    Path("h.csv").write_text("source,target\n")
    with pytest.warns(UserWarning, match="a header and no data rows"):
        r = CliRunner().invoke(main, ["graph", "info", "h.csv", "--json"])
    assert r.exit_code == 0, r.output
    assert '"nodes": 0' in r.output


@pytest.mark.parametrize("out", ["e.txt", "e.swg", "e.parquet"])
def test_generate_n0_round_trips(work, out):
    r = CliRunner().invoke(main, ["generate", "erdos_renyi", "-p", "n=0", "-p", "m=0", "--out", out])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["graph", "info", out, "--json"])
    assert r.exit_code == 0 and '"nodes": 0' in r.output, r.output


def test_attrition_one_reports_completion_zero_without_nan(work):
    r = CliRunner().invoke(main, ["generate", "kleinberg_lattice", "-p", "side=8", "--out", "k.swg"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["chains", "k.swg", "--attrition", "1.0", "--chains", "20"])
    assert r.exit_code == 0, r.output
    assert "nan" not in r.output and "(0.0%)" in r.output
    r = CliRunner().invoke(main, ["chains", "k.swg", "--attrition", "1.0", "--chains", "20", "--json"])
    assert "NaN" not in r.output and '"completion_rate": 0.0' in r.output


def huge_sweep_config(w, mp):
    values = ", ".join(str(10 + i) for i in range(1000))
    Path("huge.toml").write_text(f'[graph]\ngenerator = "erdos_renyi"\nn = 10\nm = 5\n[experiment]\nkind = "graph"\n'
                                 f'[sweep]\n"graph.n" = [{values}]\n"graph.m" = [{values}]\nreplicates = 1000\n')


CATALOGUE_SWEEPS = [
    ("dry-run-of-1e9-cells", ["run", "huge.toml", "--dry-run"], huge_sweep_config, "1,000,000,000 cells"),
]


@pytest.mark.parametrize("case", CATALOGUE_SWEEPS, ids=[c[0] for c in CATALOGUE_SWEEPS])
def test_bad_sweep_is_one_error_line(work, monkeypatch, case):
    _, argv, setup, words = case
    setup(work, monkeypatch)
    result = CliRunner().invoke(main, argv)
    assert_one_line_error(result)
    assert words in result.output


def test_graph_file_errors_quote_only_the_offending_token(work):
    Path("notes.txt").write_text("my-secret-password is hunter2\n")
    r = CliRunner().invoke(main, ["graph", "info", "notes.txt"])
    assert_one_line_error(r)
    assert "'my-secret-password'" in r.output and "hunter2" not in r.output


def test_config_name_cannot_leave_the_results_directory(work):
    from simulate.config import load_config

    Path("n.toml").write_text('name = "../../escape"\n[graph]\nfile = "g.txt"\n[experiment]\nkind = "graph"\n')
    d = load_config("n.toml").output_directory()
    assert d.parent == Path("results") and ".." not in d.parts
