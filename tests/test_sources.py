"""Graph sources (simulate/sources.py): one resolver, one error type per failure, data_dir carried
explicitly from the caller to every sweep cell (serial, process pool, Dask)."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

import simulate
from simulate import datasets, sources
from simulate.cli import main
from simulate.config import parse_config
from simulate.errors import (
    ConfigError,
    DatasetError,
    FormatError,
    MissingFileError,
    ParameterError,
    UnknownDatasetError,
    UnknownFormatError,
)
from simulate.registry import Registry
from simulate.sweep import read_manifest, run_sweep

# Email-Enron is registered as an undirected SNAP file; the tests put a 5-node path graph at its
# relative path inside a temporary data directory (no real data needed, nothing copied).
DATASET = "email-enron"
PATH_EDGES = "0 1\n1 2\n2 3\n3 4\n"


@pytest.fixture
def data_dir(tmp_path):
    root = tmp_path / "data"
    f = root / datasets.get(DATASET).file
    f.parent.mkdir(parents=True)
    f.write_text(PATH_EDGES)
    # The stand-in is deliberately not the registered file: mark it as checked (the marker is
    # on disk, so worker processes see it too) instead of failing the sha256 check on use.
    from simulate.io import stamps

    stamps.remember_checked(f"dataset-sha256-{datasets.get(DATASET).sha256}", [f])
    return root


def _cli(args):
    return CliRunner().invoke(main, args)


def _one_line_error(res):
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in res.output
    return lines[0]


# ---------------------------------------------------------------------------- the registry
def test_sources_are_a_registry_of_file_dataset_generator():
    assert isinstance(sources.SOURCES, Registry)
    assert sources.SOURCES.names()[:3] == ("file", "dataset", "generator")
    for name in ("file", "dataset", "generator"):
        assert sources.SOURCES.module_of(name) == "simulate.sources"
    with pytest.raises(ParameterError, match="unknown graph source 'fil'; did you mean 'file'"):
        sources.SOURCES.get("fil")


def test_a_source_declared_from_two_modules_is_refused():
    with pytest.raises(TypeError, match="declared twice"):
        sources.register_source("file", lambda spec, ctx: None, module="elsewhere")


def test_a_new_source_may_return_something_else(monkeypatch):
    # The implicit populations of a later issue register here and return their own object.
    monkeypatch.setattr(sources, "SOURCES", Registry("graph source", error=ParameterError))
    sources.register_source("population", lambda spec, ctx: ("population", spec["population"], ctx.seed),
                            returns="population", module="tests")
    assert sources.open_source({"population": 1000}, seed=5) == ("population", 1000, 5)
    with pytest.raises(ParameterError, match="exactly one of population; got none"):
        sources.open_source({"nothing": 1})


# ---------------------------------------------------------------------------- resolving
def test_file_dataset_and_generator_resolve(tmp_path, data_dir):
    f = tmp_path / "g.txt"
    f.write_text("0 1\n1 2\n")
    assert simulate.read_graph(f).n == 3
    assert simulate.read_graph(str(f), directed=True).directed
    g = simulate.read_graph(DATASET, data_dir=data_dir)
    assert (g.n, g.num_edges, g.directed) == (5, 4, False)
    gen = sources.open_source({"generator": "watts_strogatz", "n": 50, "k": 4, "p": 0.0}, seed=3)
    assert (gen.n, gen.num_edges) == (50, 100)
    rel = sources.open_source({"file": "g.txt", "component": "largest"}, base_dir=tmp_path)
    assert rel.n == 3


def test_an_existing_file_wins_over_a_dataset_name(tmp_path, monkeypatch, data_dir):
    monkeypatch.chdir(tmp_path)
    (tmp_path / DATASET).write_text("0 1\n")
    assert simulate.read_graph(DATASET, format="snap", data_dir=data_dir).n == 2


@pytest.mark.parametrize("call, error, fragment", [
    (lambda tmp: simulate.read_graph(tmp / "missing.txt"), MissingFileError, "missing.txt: no such file"),
    (lambda tmp: simulate.read_graph(DATASET, data_dir=tmp / "empty"), MissingFileError,
     "smallworld data fetch email-enron, or point --data-dir (or $SMALLWORLD_DATA)"),
    (lambda tmp: datasets.load(DATASET, data_dir=tmp / "empty"), MissingFileError, "not present locally"),
    (lambda tmp: datasets.verify(DATASET, data_dir=tmp / "empty"), MissingFileError, "not present locally"),
    (lambda tmp: simulate.read_graph("ego-facebok"), UnknownDatasetError, "did you mean 'ego-facebook'"),
    (lambda tmp: datasets.get("ego-facebok"), UnknownDatasetError, "did you mean 'ego-facebook'"),
    (lambda tmp: sources.open_source({"dataset": "nope"}), UnknownDatasetError, "unknown dataset 'nope'"),
    (lambda tmp: simulate.read_graph(tmp / "g.weird"), UnknownFormatError, "cannot tell the format"),
    (lambda tmp: simulate.read_graph(tmp / "g.txt", format="snapp"), UnknownFormatError,
     "unknown format 'snapp'; did you mean 'snap'"),
    (lambda tmp: sources.open_source({"generator": "watts_strogats", "n": 10}), ParameterError,
     "watts_strogats"),
])
def test_each_failure_has_one_error_type(tmp_path, call, error, fragment):
    (tmp_path / "g.weird").write_text("0 1\n")
    (tmp_path / "g.txt").write_text("0 1\n")
    with pytest.raises(error) as info:
        call(tmp_path)
    assert fragment in str(info.value)


def test_new_error_types_are_the_old_ones_too():
    # Code that caught FormatError / DatasetError before keeps working.
    assert issubclass(MissingFileError, FormatError) and issubclass(MissingFileError, DatasetError)
    assert issubclass(UnknownFormatError, FormatError) and issubclass(UnknownDatasetError, DatasetError)


@pytest.mark.parametrize("args, fragment", [
    (["graph", "info", "missing.txt"], "missing.txt: no such file"),
    (["graph", "info", "no-such-dataset"], "not a known dataset name"),
    (["graph", "info", "ego-facebok"], "did you mean 'ego-facebook'"),
    (["graph", "info", "g.weird"], "cannot tell the format"),
    (["graph", "info", "g.txt", "--format", "snapp"], "unknown format 'snapp'; did you mean 'snap'"),
    (["graph", "info", DATASET, "--data-dir", "empty"], "smallworld data fetch email-enron"),
])
def test_cli_prints_the_same_errors(tmp_path, monkeypatch, args, fragment):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "g.weird").write_text("0 1\n")
    (tmp_path / "g.txt").write_text("0 1\n")
    assert fragment in _one_line_error(_cli(args))


def test_cli_data_dir_and_environment(data_dir, monkeypatch):
    res = _cli(["graph", "info", DATASET, "--json", "--data-dir", str(data_dir)])
    assert res.exit_code == 0, res.output
    assert '"nodes": 5' in res.stdout
    monkeypatch.setenv("SMALLWORLD_DATA", str(data_dir))
    res = _cli(["graph", "info", DATASET, "--json"])
    assert res.exit_code == 0 and '"nodes": 5' in res.stdout


# ---------------------------------------------------------------------------- data_dir down to sweep cells
SWEEP = """\
seed = 3
[graph]
dataset = "email-enron"
[experiment]
kind = "graph"
[sweep]
replicates = 2
"""


def _dataset_config():
    return parse_config(SWEEP, source="enron.toml")


@pytest.mark.parametrize("executor, workers", [("serial", 1), ("local", 2),
                                               pytest.param("dask", 2, marks=pytest.mark.slow)])
def test_data_dir_reaches_every_cell(tmp_path, data_dir, monkeypatch, executor, workers):
    # The environment points elsewhere: only the argument can tell the workers where the data is.
    monkeypatch.setenv("SMALLWORLD_DATA", str(tmp_path / "wrong"))
    rep = run_sweep(_dataset_config(), out=tmp_path / "out", executor=executor, workers=workers,
                    progress=False, data_dir=data_dir)
    assert rep.ok, rep.errors
    m = read_manifest(tmp_path / "out")
    assert m["graph_nodes"].to_list() == [5, 5] and m["graph_edges"].to_list() == [4, 4]


def test_missing_dataset_file_fails_the_cell_with_the_same_error(tmp_path):
    rep = run_sweep(_dataset_config(), out=tmp_path / "out", progress=False, data_dir=tmp_path / "empty")
    assert rep.failed == 2
    assert all(e.startswith("MissingFileError: dataset 'email-enron' is not present locally")
               for e in rep.errors.values())


def test_run_command_has_data_dir(tmp_path, data_dir, monkeypatch):
    cfg = tmp_path / "enron.toml"
    cfg.write_text(SWEEP)
    monkeypatch.delenv("SMALLWORLD_DATA", raising=False)
    res = _cli(["run", str(cfg), "--out", str(tmp_path / "a"), "--quiet", "--data-dir", str(data_dir)])
    assert res.exit_code == 0, res.output
    assert read_manifest(tmp_path / "a")["graph_nodes"].to_list() == [5, 5]
    monkeypatch.setenv("SMALLWORLD_DATA", str(data_dir))
    res = _cli(["run", str(cfg), "--out", str(tmp_path / "b"), "--quiet"])
    assert res.exit_code == 0, res.output
    res = _cli(["run", str(cfg), "--out", str(tmp_path / "c"), "--quiet", "--data-dir", str(tmp_path / "none")])
    assert res.exit_code == 1 and "MissingFileError" in res.stderr


def test_config_rejects_unknown_dataset_at_load():
    with pytest.raises(ConfigError, match="unknown dataset 'nope'"):
        parse_config(SWEEP.replace("email-enron", "nope"), source="x.toml")


def test_no_environment_variable_is_set_by_a_sweep(tmp_path, data_dir, monkeypatch):
    monkeypatch.delenv("SMALLWORLD_DATA", raising=False)
    run_sweep(_dataset_config(), out=tmp_path / "out", progress=False, data_dir=data_dir)
    assert "SMALLWORLD_DATA" not in os.environ


def test_config_accepts_exactly_the_registered_sources():
    # The config schema keeps its own per-source key tables; this pins its list of source keys to the
    # registry, so a source registered without a config schema (or the reverse) fails here, not in a cell.
    from simulate.config.schema import GRAPH_SOURCES
    from simulate.sources import SOURCES

    assert set(GRAPH_SOURCES) == set(SOURCES.names())
