"""The reproductions registry (simulate.experiments.STUDIES) and where a reproduction writes."""

from __future__ import annotations

import importlib
import sys

import pytest

from simulate import experiments
from simulate.errors import ParameterError


def test_every_study_is_declared_once_by_its_own_module():
    known = experiments.studies()
    assert list(known) == sorted(known)
    assert {"watts_strogatz", "kleinberg", "facebook", "twitter", "milgram1967", "dodds2003",
            "searchability", "networking"} <= set(known)
    for name, study in known.items():
        assert study.name == name and study.title and study.citation and callable(study.run)
        assert experiments.STUDIES.module_of(name) == f"simulate.experiments.{name}"


def test_a_name_declared_from_two_modules_is_refused():
    first = experiments.studies()["kleinberg"]

    def other(ctx):
        return None

    other.__module__ = "simulate.experiments.elsewhere"
    with pytest.raises(TypeError, match="reproduction 'kleinberg' is declared twice"):
        experiments.declare_study("kleinberg", "t", "c", other)
    assert experiments.STUDIES.get("kleinberg") is first


def test_reloading_a_module_redeclares_without_error():
    mod = importlib.import_module("simulate.experiments.kleinberg")
    importlib.reload(mod)
    assert experiments.STUDIES.get("kleinberg").run is mod.reproduce


def test_unknown_study_suggests_the_closest():
    with pytest.raises(ParameterError, match="unknown reproduction 'kleinbreg'; did you mean 'kleinberg'"):
        experiments.run_reproduction("kleinbreg")


def test_only_simulate_experiments_is_imported():
    experiments.load_studies()
    assert "experiments" not in sys.modules
    assert not [m for m in sys.modules if m.startswith("experiments.")]


def test_configs_are_package_resources():
    from importlib.resources import files

    assert (files("simulate.configs") / "watts_strogatz.toml").is_file()
    assert experiments.config_path("watts_strogatz").name == "watts_strogatz.toml"


def test_figures_stay_under_the_given_out(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    out = tmp_path / "given" / "ws"
    ctx = experiments.Context(name="ws", out_dir=out, quick=False)
    out.mkdir(parents=True)
    path = ctx.save_figure(plt.figure(), "fig")
    assert path == out / "fig.png" and path.is_file()
    assert not (tmp_path / "given" / "figures").exists()  # no copy beside --out (out.parent)
    # The default results/NAME output keeps the README's shared copy in results/figures.
    ctx = experiments.Context(name="ws", out_dir=out, quick=False, figures_dir=tmp_path / "results" / "figures")
    ctx.save_figure(plt.figure(), "fig")
    assert (tmp_path / "results" / "figures" / "ws_fig.png").is_file()
