"""Experiment config parsing and validation (simulate/config.py)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulate.config import (
    Config,
    combinations,
    dump_config,
    dump_toml,
    generator_keys,
    key_lines,
    load_config,
    parse_config,
)
from simulate.errors import ConfigError, SmallworldError

REPO = Path(__file__).resolve().parents[1]

GOOD = """\
seed = 7
name = "t"

[graph]
generator = "kleinberg_lattice"
side = 20
r = 2

[experiment]
kind = "chains"
policy = "greedy_lattice"
chains = 50

[sweep]
"graph.r" = [0, 1.5, 2]
"experiment.attrition" = [0.0, 0.25]
replicates = 3

[quick.graph]
side = 8
"""


def err(text, **kw) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(text, source="x.toml", **kw)
    msg = str(info.value)
    assert "\n" not in msg
    return msg


def test_good_config_types_and_sweep():
    c = parse_config(GOOD, source="x.toml")
    assert c.seed == 7 and c.replicates == 3 and c.kind == "chains"
    # ints given for a float parameter become floats (so cell ids do not depend on spelling)
    assert c.graph["r"] == 2.0 and isinstance(c.graph["r"], float)
    assert c.sweep["graph.r"] == (0.0, 1.5, 2.0)
    assert all(isinstance(v, float) for v in c.sweep["graph.r"])
    assert len(combinations(c.sweep, c.zip)) == 6
    q = parse_config(GOOD, source="x.toml", quick=True)
    assert q.graph["side"] == 8 and q.quick_applied and c.graph["side"] == 20


def test_unknown_key_names_line_section_and_suggestion():
    text = GOOD.replace("side = 20", "sid = 20")
    msg = err(text)
    assert msg == "x.toml, line 6, [graph] key 'sid': unknown key for generator 'kleinberg_lattice'; did you mean 'side'?"


@pytest.mark.parametrize("old,new,expect", [
    ("side = 20", 'side = "big"', "line 6, [graph] key 'side': expected an integer, got string 'big'"),
    ("side = 20", "side = -3", "[graph] key 'side': must be between 0 and"),
    ("chains = 50", "chains = 0", "line 12, [experiment] key 'chains': must be between 1 and"),
    ('policy = "greedy_lattice"', 'policy = "greedy_latice"', "did you mean 'greedy_lattice'?"),
    ('kind = "chains"', 'kind = "chanis"', "[experiment] key 'kind': unknown experiment kind"),
    ('generator = "kleinberg_lattice"', 'generator = "kleinberg"', "[graph] key 'generator': unknown model 'kleinberg'"),
    ('"graph.r" = [0, 1.5, 2]', '"graph.rr" = [0, 1.5, 2]', "line 15, [sweep] key 'graph.rr': [graph] has no key 'rr'; did you mean 'r'?"),
    ('"graph.r" = [0, 1.5, 2]', '"grph.r" = [0, 1.5, 2]', "[sweep] key 'grph.r': sweep keys name a parameter"),
    ('"graph.r" = [0, 1.5, 2]', '"graph.r" = [0, -1.5, 2]', "line 15, [sweep] key 'graph.r': must be between 0 and 1000 (got -1.5)"),
    ('"graph.r" = [0, 1.5, 2]', '"graph.r" = []', "[sweep] key 'graph.r': needs at least one value"),
    ('"graph.r" = [0, 1.5, 2]', '"graph.r" = [1, 1.0]', "listed twice"),
    ('"graph.r" = [0, 1.5, 2]', '"graph.r" = 2.0', "expected an array of values"),
    ("replicates = 3", "replicates = 0", "[sweep] key 'replicates': must be between 1 and"),
    ("seed = 7", "sed = 7", "x.toml, line 1, key 'sed': unknown top-level key; did you mean 'seed'?"),
    ("seed = 7", "seed = -1", "key 'seed': must be >= 0"),
    ("side = 8", "sidee = 8", "[quick.graph] key 'sidee': unknown key"),
    ("[quick.graph]", "[quick.grph]", "[quick] key 'grph': unknown key; did you mean 'graph'?"),
    ("side = 20\n", "side = 20\nq = 1.5\n", "[graph] key 'q': expected an integer, got float 1.5"),
])
def test_bad_values_are_clean_errors(old, new, expect):
    assert old in GOOD
    msg = err(GOOD.replace(old, new, 1))
    assert expect in msg, msg
    assert msg.startswith("x.toml")


def test_line_numbers_found_for_every_key_form():
    text = '[sweep]\ngraph.r = [1]\n"experiment.attrition" = [0.1]\n[sweep.graph]\nside = [3]\n'
    lines = key_lines(text)
    assert lines[("sweep", "graph.r")] == 2
    assert lines[("sweep", "experiment.attrition")] == 3
    assert lines[("sweep", "graph.side")] == 5
    assert lines[("sweep.graph", "side")] == 5
    assert lines[("sweep", None)] == 1


def test_nested_sweep_tables_equal_quoted_keys():
    a = parse_config(GOOD, source="x.toml")
    b = parse_config(GOOD.replace('"graph.r" = [0, 1.5, 2]', "graph.r = [0, 1.5, 2]"), source="x.toml")
    assert a == b


def test_graph_source_rules(tmp_path):
    base = '[experiment]\nkind = "graph"\n[graph]\n'
    assert "exactly one of" in err(base + 'dataset = "ego-facebook"\ngenerator = "watts_strogatz"\n')
    assert "exactly one of" in err(base + "directed = true\n")
    msg = err(base + 'dataset = "ego-facebok"\n')
    assert "line 4, [graph] key 'dataset': unknown dataset 'ego-facebok'; did you mean 'ego-facebook'?" in msg
    assert "no such file" in err(base + 'file = "missing.txt"\n', base_dir=tmp_path)
    (tmp_path / "g.txt").write_text("0 1\n1 2\n")
    c = parse_config(base + 'file = "g.txt"\n', base_dir=tmp_path)
    assert c.graph == {"file": "g.txt"}
    assert "unknown format 'snapp'; did you mean 'snap'?" in err(base + 'file = "g.txt"\nformat = "snapp"\n',
                                                                  base_dir=tmp_path)
    assert "[graph] key 'n': unknown key" in err(base + 'dataset = "ego-facebook"\nn = 3\n')
    assert "missing key 'n'" in err(base + 'generator = "watts_strogatz"\nk = 4\np = 0.1\n')
    assert "missing [experiment] section" in err('[graph]\ndataset = "ego-facebook"\n')


def test_generator_keys_come_from_model_specs():
    from simulate.generators import MODELS

    for model, spec in MODELS.items():
        keys = generator_keys(model)
        assert set(spec.params) <= set(keys)


def test_experiment_keys_are_arguments_of_the_functions():
    import inspect

    from dataclasses import fields

    from simulate.chains import CHAINS_CONFIG_KEYS, Attrition, Starters, run_chains
    from simulate.config import experiment_keys
    from simulate.distances import distance_distribution

    chain_args = set(inspect.signature(run_chains).parameters)
    chain_args |= {f"Attrition.{f.name}" for f in fields(Attrition)} | {f"Starters.{f.name}" for f in fields(Starters)}
    for k in experiment_keys("chains"):
        if k == "kind":
            continue
        assert CHAINS_CONFIG_KEYS.get(k, k) in chain_args, k
    dist_args = set(inspect.signature(distance_distribution).parameters)
    for k in experiment_keys("distances"):
        if k in ("kind", "sources"):
            continue
        assert k in dist_args, k
    assert {"sources", "n_sources"} <= dist_args


def test_zip_groups():
    text = GOOD.replace("replicates = 3", 'replicates = 1\nzip = [["graph.r", "experiment.attrition"]]')
    assert "equal numbers of values" in err(text)
    text = text.replace('"experiment.attrition" = [0.0, 0.25]', '"experiment.attrition" = [0.0, 0.25, 0.5]')
    c = parse_config(text)
    combos = combinations(c.sweep, c.zip)
    assert [(x["graph.r"], x["experiment.attrition"]) for x in combos] == [(0.0, 0.0), (1.5, 0.25), (2.0, 0.5)]
    assert "not a swept key" in err(text.replace('zip = [["graph.r"', 'zip = [["graph.side"'))


def test_swept_source_key_replaces_base_source():
    text = ('[graph]\ndataset = "ego-facebook"\n[experiment]\nkind = "graph"\n'
            '[sweep]\n"graph.dataset" = ["ego-facebook", "email-eu-core"]\n')
    c = parse_config(text)
    assert c.sweep["graph.dataset"] == ("ego-facebook", "email-eu-core")
    msg = err(text.replace('"email-eu-core"]', '"nope"]'))
    assert "[sweep] key 'graph.dataset': unknown dataset 'nope'" in msg


def test_invalid_toml_and_missing_file(tmp_path):
    assert "invalid TOML" in err("[graph\nx = 1\n")
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.toml")
    p = tmp_path / "bin.toml"
    p.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(p)


def test_example_configs_validate_in_both_modes():
    for path in sorted((REPO / "configs").glob("*.toml")):
        full = load_config(path)
        quick = load_config(path, quick=True)
        assert isinstance(full, Config) and quick.quick_applied
        assert quick.output_directory() != full.output_directory()


def test_round_trip_of_good_config():
    c = parse_config(GOOD, source="x.toml")
    text = dump_config(c)
    assert parse_config(text, source="x.toml") == c
    assert tomllib.loads(text)["sweep"]["graph.r"] == [0.0, 1.5, 2.0]


# ---------------------------------------------------------------------------- fuzzing
_KEYS = ["seed", "name", "graph", "experiment", "sweep", "output", "quick", "kind", "generator", "dataset",
         "side", "r", "n", "k", "p", "q", "dim", "periodic", "chains", "targets", "attrition", "policy",
         "method", "sources", "registers", "runs", "component", "replicates", "zip", "graph.r", "graph.p",
         "experiment.attrition", "directory", "file", "format", "directed", "clustering", "x", "sid"]
_STR = st.sampled_from(["watts_strogatz", "kleinberg_lattice", "graph", "chains", "distances", "ego-facebook",
                        "greedy_lattice", "random_walk", "exact", "sample", "largest", "all", "", "zz", "é\n\x7f"])
_SCALARS = st.one_of(st.integers(-5, 300), st.floats(allow_nan=True, allow_infinity=True), st.booleans(), _STR)
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(st.sampled_from(_KEYS), inner, max_size=4)),
                       max_leaves=12)


def _tables(keys, values):
    return st.dictionaries(st.sampled_from(keys), values, max_size=6)


_GRAPH = st.one_of(
    st.fixed_dictionaries({"generator": st.just("watts_strogatz"), "n": st.integers(-2, 300),
                           "k": st.integers(-1, 8), "p": st.floats(-0.5, 1.5)}),
    st.fixed_dictionaries({"generator": st.just("kleinberg_lattice"), "side": st.integers(-1, 30)},
                          optional={"r": st.floats(-1, 5), "sid": st.integers(0, 3), "dim": _SCALARS}),
    st.fixed_dictionaries({"dataset": st.sampled_from(["ego-facebook", "email-eu-core", "nope"])}),
    _tables(_KEYS, _SCALARS),
)
_EXPERIMENT = st.one_of(
    st.fixed_dictionaries({"kind": st.just("graph")}, optional={"clustering": _SCALARS}),
    st.fixed_dictionaries({"kind": st.just("chains")},
                          optional={"attrition": st.floats(-0.5, 1.5), "chains": st.integers(-1, 100),
                                    "policy": _STR, "epsilon": _SCALARS, "attributes": _VALUES}),
    st.fixed_dictionaries({"kind": st.just("distances")},
                          optional={"method": _STR, "sources": _VALUES, "registers": st.integers(1, 5000)}),
    _tables(_KEYS, _SCALARS),
)
_SWEEP = st.dictionaries(
    st.sampled_from(["graph.r", "graph.p", "graph.side", "experiment.attrition", "experiment.chains",
                     "replicates", "zip", "graph.nope", "bad"]),
    st.one_of(st.lists(_SCALARS, max_size=3), _SCALARS,
              st.lists(st.lists(st.sampled_from(["graph.r", "graph.p", "experiment.attrition"]), max_size=2),
                       max_size=2)),
    max_size=3)
_DOCS = st.fixed_dictionaries(
    {"graph": _GRAPH, "experiment": _EXPERIMENT},
    optional={"seed": st.one_of(st.integers(-3, 2**40), _SCALARS), "sweep": _SWEEP,
              "output": _tables(["directory", "x"], _SCALARS),
              "quick": st.dictionaries(st.sampled_from(["graph", "experiment", "sweep", "seed", "nope"]),
                                       st.one_of(_tables(_KEYS, _SCALARS), _SCALARS), max_size=2),
              "junk": _VALUES})


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=_DOCS)
def test_fuzzed_documents_give_config_or_config_error(doc):
    text = dump_toml(doc)
    try:
        c = parse_config(text, source="f.toml")
    except ConfigError as e:
        msg = str(e)
        assert msg.startswith("f.toml") and "\n" not in msg
        return
    # valid: load -> dump -> load is the identity
    again = parse_config(dump_config(c), source="f.toml")
    assert again == c
    assert c.graph and c.experiment["kind"] in ("graph", "chains", "distances")


@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list('[]="\'.#=\n abcdefgrphkind0123,{}')), max_size=120))
def test_fuzzed_text_gives_only_config_errors(text):
    try:
        parse_config(text, source="f.toml")
    except ConfigError:
        pass


@settings(max_examples=60, deadline=None)
@given(side=st.integers(1, 50), r=st.floats(0, 10), reps=st.integers(1, 4), seed=st.integers(0, 2**63 - 1),
       attr=st.lists(st.floats(0, 1), min_size=1, max_size=4, unique=True),
       name=st.text(max_size=10))
def test_valid_configs_round_trip(side, r, reps, seed, attr, name):
    doc = {"seed": seed, "name": name, "graph": {"generator": "kleinberg_lattice", "side": side, "r": r},
           "experiment": {"kind": "chains", "chains": 10},
           "sweep": {"experiment.attrition": attr, "replicates": reps},
           "quick": {"graph": {"side": 2}}}
    c = parse_config(dump_toml(doc), source="v.toml")
    assert c.sweep["experiment.attrition"] == tuple(attr) and c.seed == seed and c.name == name
    assert parse_config(dump_config(c), source="v.toml") == c


# ---------------------------------------------------------------------------- CLI
@pytest.mark.parametrize("body,expect", [
    (GOOD.replace("side = 20", "sid = 20"), "line 6, [graph] key 'sid': unknown key"),
    (GOOD.replace('kind = "chains"', 'kind = "walk"'), "[experiment] key 'kind'"),
    ("[graph\n", "invalid TOML"),
])
def test_cli_bad_config_exits_2_with_one_line(tmp_path, body, expect):
    from click.testing import CliRunner

    from simulate.cli import main

    cfg = tmp_path / "bad.toml"
    cfg.write_text(body)
    r = CliRunner().invoke(main, ["run", str(cfg), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {cfg}"), r.stderr
    assert expect in lines[0]
    assert "Traceback" not in r.output
    assert not (tmp_path / "o").exists()


def test_cli_process_exit_status_for_a_bad_config(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(GOOD.replace("side = 20", "sid = 20"))
    r = subprocess.run([sys.executable, "-m", "simulate", "run", str(cfg)], capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_config_error_is_a_smallworld_error():
    assert issubclass(ConfigError, SmallworldError) and issubclass(ConfigError, ValueError)


def test_keys_inside_arrays_of_tables_are_not_taken_for_the_section_keys():
    text = ('[experiment]\nkind = "chains"\n\n[[experiment.source_groups]]\nname = "near"\nchains = 3\n'
            "quantiles = [0, 0.5]\n")
    lines = key_lines(text)
    assert ("experiment", "chains") not in lines
    assert lines[("experiment.source_groups", "chains")] == 6
    assert lines[("experiment.source_groups", None)] == 4
