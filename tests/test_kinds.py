"""The experiment-kind registry and cross-parameter rules (simulate/kinds.py, simulate/params.py).

Every declared rule, of every generator and every experiment kind, must be a ConfigError at load
(naming file, line, section and key), never a failed cell: ``RULE_EXAMPLES`` holds one breaking
config per rule, and a test fails when a declared rule has no example here.
"""

from __future__ import annotations

import subprocess
import sys

import polars as pl
import pytest

from simulate.config import parse_config, resolve_experiment
from simulate.errors import ConfigError, ParameterError
from simulate.generators import MODELS, generate
from simulate.kinds import KINDS, ExperimentKind, declare_kind, experiment_kind, experiment_kinds, kind_names
from simulate.params import ParamSpec, Rule
from simulate.sweep import expand_cells, run_experiment

SMALL_GRAPH = {"generator": "watts_strogatz", "n": 30, "k": 4, "p": 0.1}


def _toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + "}"
    return repr(v)


def config_text(graph: dict, experiment: dict) -> str:
    lines = ["seed = 1", "", "[graph]"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in graph.items()]
    lines += ["", "[experiment]"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in experiment.items()]
    return "\n".join(lines) + "\n"


# (owner, rule text) -> (graph table, experiment table) breaking exactly that rule.
RULE_EXAMPLES = {
    ("erdos_renyi", "give exactly one of 'm' (G(n,m)) and 'p' (G(n,p))"):
        ({"generator": "erdos_renyi", "n": 10}, {"kind": "graph"}),
    ("erdos_renyi", "m <= n (n - 1) / 2 (the number of node pairs)"):
        ({"generator": "erdos_renyi", "n": 10, "m": 46}, {"kind": "graph"}),
    ("watts_strogatz", "k must be even (k/2 neighbours on each side)"):
        ({"generator": "watts_strogatz", "n": 10, "k": 3, "p": 0.1}, {"kind": "graph"}),
    ("barabasi_albert", "m < n"):
        ({"generator": "barabasi_albert", "n": 5, "m": 5}, {"kind": "graph"}),
    ("power_law", "max_degree, when given, is >= mean_degree"):
        ({"generator": "power_law", "n": 100, "gamma": 2.5, "mean_degree": 20.0, "max_degree": 5.0},
         {"kind": "graph"}),
    ("kleinberg_lattice", "side^dim <= 2147483647 nodes"):
        ({"generator": "kleinberg_lattice", "side": 100000, "dim": 3}, {"kind": "graph"}),
    ("kleinberg_lattice", "(2 p + 1)^dim <= 50,000,000 (the local ball's offsets)"):
        ({"generator": "kleinberg_lattice", "side": 10, "dim": 8, "p": 1000}, {"kind": "graph"}),
    ("hierarchical_identity", "group_size * branching^depth <= 2147483647"):
        ({"generator": "hierarchical_identity", "group_size": 1000000, "depth": 20}, {"kind": "graph"}),
    ("hierarchical_identity", "n, when given, equals group_size * branching^depth"):
        ({"generator": "hierarchical_identity", "n": 100, "depth": 2, "group_size": 10}, {"kind": "graph"}),
    ("hierarchical_identity", "mean_degree <= n - 1"):
        ({"generator": "hierarchical_identity", "depth": 2, "group_size": 2, "mean_degree": 10.0},
         {"kind": "graph"}),
    ("rank_geographic", "give exactly one of 'positions' and 'n'"):
        ({"generator": "rank_geographic", "alpha": 1.0}, {"kind": "graph"}),
    ("directed_follower", "max_degree, when given, is >= mean_degree"):
        ({"generator": "directed_follower", "n": 100, "mean_degree": 20.0, "max_degree": 5.0}, {"kind": "graph"}),
    ("directed_follower", "separate caps and users without followers/followings need mutual_weight = min"):
        ({"generator": "directed_follower", "n": 100, "max_followers": 50.0}, {"kind": "graph"}),
    ("directed_follower", "zero_followers_share + zero_followings_share <= 1 (the two groups are disjoint)"):
        ({"generator": "directed_follower", "n": 100, "mutual_weight": "min", "zero_followers_share": 0.6,
          "zero_followings_share": 0.6}, {"kind": "graph"}),
    ("facebook_like", "median_degree <= mean_degree (a lognormal's median is below its mean)"):
        ({"generator": "facebook_like", "n": 100, "median_degree": 200.0, "mean_degree": 190.0}, {"kind": "graph"}),
    ("facebook_like", "mean_degree < max_degree"):
        ({"generator": "facebook_like", "n": 100, "mean_degree": 190.0, "max_degree": 100.0}, {"kind": "graph"}),
    ("facebook_like", "within_region <= within (a region lies inside one country)"):
        ({"generator": "facebook_like", "n": 100, "within": 0.5, "within_region": 0.6}, {"kind": "graph"}),
    ("networking_population", "share_macro + share_center <= 1"):
        ({"generator": "networking_population", "share_macro": 0.7, "share_center": 0.5}, {"kind": "graph"}),
    ("networking", "f must be 5 probabilities in [0, 1] (levels 1..5)"):
        (SMALL_GRAPH, {"kind": "networking", "f": [0.1, 0.2]}),
    ("distances", "registers must be a power of two"):
        (SMALL_GRAPH, {"kind": "distances", "method": "hyperball", "registers": 100}),
    ("distances", "sources must be >= 1 when method = 'sample'"):
        (SMALL_GRAPH, {"kind": "distances", "method": "sample", "sources": 0}),
    ("distances", "a list of source node ids needs method = 'sample'"):
        (SMALL_GRAPH, {"kind": "distances", "method": "exact", "sources": [0, 1]}),
    ("distances", "listed source node ids must be distinct"):
        (SMALL_GRAPH, {"kind": "distances", "method": "sample", "sources": [0, 0]}),
    ("chains", "give either attrition or node_attrition_mean, not both"):
        (SMALL_GRAPH, {"kind": "chains", "policy": "random_walk", "attrition": 0.2, "node_attrition_mean": 0.3}),
    ("chains", "node_attrition_mean must lie strictly between 0 and 1 (a Beta mean)"):
        (SMALL_GRAPH, {"kind": "chains", "policy": "random_walk", "node_attrition_mean": 1.0}),
    ("chains", "attrition_by_strength must be 5 probabilities in [0, 1] (levels 1..5)"):
        (SMALL_GRAPH, {"kind": "chains", "policy": "random_walk", "attrition_by_strength": [0.1, 0.2]}),
    ("chains", "chains must be >= targets (unless chains_per_target or source_groups sets the starters)"):
        (SMALL_GRAPH, {"kind": "chains", "policy": "random_walk", "chains": 5, "targets": 10}),
    ("chains", "source_groups must be an array of tables {name, chains, quantiles = [lo, hi] or "
               "heights = [[lo, hi], ...]}"):
        (SMALL_GRAPH, {"kind": "chains", "policy": "random_walk",
                       "source_groups": [{"name": "a", "chains": 1, "quantiles": [0.9, 0.2]}]}),
}


def declared_rules():
    out = {}
    for name, model in MODELS.items():
        for rule in model.rules:
            out[(name, rule.text)] = ("graph", rule)
    for name, kind in experiment_kinds().items():
        for rule in kind.rules:
            out[(name, rule.text)] = ("experiment", rule)
    return out


def test_every_declared_rule_has_a_breaking_example():
    declared = declared_rules()
    assert set(declared) == set(RULE_EXAMPLES), (
        f"rules without an example: {sorted(set(declared) - set(RULE_EXAMPLES))}; "
        f"examples of no rule: {sorted(set(RULE_EXAMPLES) - set(declared))}")


@pytest.mark.parametrize("owner_rule", sorted(RULE_EXAMPLES), ids=lambda o: f"{o[0]}:{o[1][:30]}")
def test_each_rule_is_a_config_error_at_load(owner_rule):
    section, rule = declared_rules()[owner_rule]
    graph, experiment = RULE_EXAMPLES[owner_rule]
    text = config_text(graph, experiment)
    with pytest.raises(ConfigError) as info:
        parse_config(text, source="r.toml")
    msg = str(info.value)
    table = graph if section == "graph" else experiment
    # File, line, section and the rule's key (its own line when written, else the section's).
    line = next((i for i, t in enumerate(text.splitlines(), 1) if t.startswith(f"{rule.key} =")), None)
    if line is None:
        line = text.splitlines().index(f"[{section}]") + 1
    assert msg.startswith(f"r.toml, line {line}, [{section}] key '{rule.key}': "), msg
    assert "\n" not in msg
    assert table


def test_each_rule_is_also_checked_by_the_api():
    for (owner, text), (section, rule) in declared_rules().items():
        graph, experiment = RULE_EXAMPLES[(owner, text)]
        if section == "graph":
            params = {k: v for k, v in graph.items() if k != "generator"}
            with pytest.raises(ParameterError):
                generate(graph["generator"], seed=0, **params)
        else:
            kind = experiment_kind(experiment["kind"])
            full = {k: experiment.get(k, spec.default) for k, spec in kind.params.items()}
            with pytest.raises(ParameterError):
                kind.check(full)


def test_a_swept_value_breaking_a_rule_is_reported_at_the_sweep_key():
    text = config_text({"generator": "watts_strogatz", "n": 10, "p": 0.1}, {"kind": "graph"})
    text += '\n[sweep]\n"graph.k" = [4, 5]\n'
    with pytest.raises(ConfigError, match=r"line 12, \[sweep\] key 'graph.k': .*even"):
        parse_config(text, source="s.toml")
    # A rule across sections of one cell: sources = 0 is fine for exact, not for sample.
    text = config_text(SMALL_GRAPH, {"kind": "distances", "sources": 0})
    assert parse_config(text).experiment["sources"] == 0
    text += '\n[sweep]\n"experiment.method" = ["exact", "sample"]\n'
    with pytest.raises(ConfigError, match=r"\[experiment\] key 'sources': sources must be >= 1 when method"):
        parse_config(text, source="s.toml")


def test_an_invalid_cell_makes_run_exit_2_and_write_nothing(tmp_path):
    cfg = tmp_path / "bad.toml"
    out = tmp_path / "out"
    text = config_text({"generator": "watts_strogatz", "n": 10, "p": 0.1}, {"kind": "graph"})
    cfg.write_text(text + '\n[sweep]\n"graph.k" = [2, 4, 7]\n')
    r = subprocess.run([sys.executable, "-m", "simulate", "run", str(cfg), "--out", str(out), "--quiet"],
                       capture_output=True, text=True)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("error: ") and "Traceback" not in r.stderr and "'graph.k'" in r.stderr
    assert not out.exists()


def test_four_kinds_are_declared_next_to_their_code():
    kinds = experiment_kinds()
    assert kind_names()[:4] == ("graph", "distances", "chains", "profiles")
    assert kinds.module_of("distances") == "simulate.distances"
    assert kinds.module_of("chains") == "simulate.chains"
    assert kinds.module_of("profiles") == "simulate.reach"
    assert kinds.module_of("graph") == "simulate.graph_statistics"
    for kind in kinds.values():
        assert isinstance(kind, ExperimentKind) and kind.params and kind.metrics


def test_a_kind_declared_from_two_modules_is_an_error():
    def run(graph, params, seed):  # pragma: no cover - never run
        return pl.DataFrame(), {}

    with pytest.raises(TypeError, match="declared twice"):
        declare_kind("distances", "again", [], run)
    with pytest.raises(TypeError, match="Rule over declared parameters"):
        declare_kind("tmp_kind_bad_rule", "x", [ParamSpec("a", int, 1)], run,
                     rules=[Rule("b", "b > 0", lambda v: v["b"] > 0)])
    assert "tmp_kind_bad_rule" not in KINDS


def test_run_experiment_is_one_lookup_and_fills_defaults():
    g = generate("watts_strogatz", seed=1, n=30, k=4, p=0.1)
    table, summary = run_experiment(g, {"kind": "graph"}, 0)
    assert table.height == 1 and summary["nodes"] == 30 and summary["average_clustering"] is not None
    with pytest.raises(ParameterError, match="unknown experiment kind 'graf'; did you mean 'graph'"):
        run_experiment(g, {"kind": "graf"}, 0)


# ---------------------------------------------------------------------------- seeds of new parameters
@pytest.fixture
def kind_with_a_new_parameter(monkeypatch):
    """The distances kind with one more (newly declared) parameter, ``extra`` (default 5)."""
    old = KINDS.get("distances")
    new = ExperimentKind(old.name, old.description, {**old.params, "extra": ParamSpec("extra", int, 5, low=0)},
                         old.run, old.metrics, old.rules, old.table, old.module)
    monkeypatch.setitem(KINDS._entries, "distances", new)
    return new


def test_a_new_parameter_enters_the_seed_only_when_not_default(kind_with_a_new_parameter):
    base = config_text(SMALL_GRAPH, {"kind": "distances", "method": "sample", "sources": 8})
    cells_new = expand_cells(parse_config(base))
    assert "extra" not in cells_new[0].experiment
    cells_default = expand_cells(parse_config(base + "extra = 5\n"))
    cells_other = expand_cells(parse_config(base + "extra = 6\n"))
    assert [c.seed for c in cells_default] == [c.seed for c in cells_new]
    assert [c.id for c in cells_default] == [c.id for c in cells_new]
    assert cells_other[0].seed != cells_new[0].seed and cells_other[0].experiment["extra"] == 6
    assert resolve_experiment({"kind": "distances", "extra": 5}) == resolve_experiment({"kind": "distances"})


def test_declaring_a_new_parameter_keeps_existing_seeds(monkeypatch):
    base = config_text(SMALL_GRAPH, {"kind": "distances", "method": "sample", "sources": 8})
    before = [(c.id, c.seed) for c in expand_cells(parse_config(base))]
    old = KINDS.get("distances")
    new = ExperimentKind(old.name, old.description, {**old.params, "extra": ParamSpec("extra", int, 5, low=0)},
                         old.run, old.metrics, old.rules, old.table, old.module)
    monkeypatch.setitem(KINDS._entries, "distances", new)
    after = [(c.id, c.seed) for c in expand_cells(parse_config(base))]
    assert after == before
    # A parameter declared before issue 10 stays in the hash at its default (old cells keep their seeds).
    assert resolve_experiment({"kind": "distances"})["groups"] == 32


def test_cli_options_agree_with_the_declarations():
    # The CLI keeps its own click options so that `smallworld --help` imports no kernels
    # (tests/test_startup.py); this pins them to the declared kind instead.
    from simulate.cli import main
    from simulate.sweep import EXECUTORS

    opts = {p.name: p for p in main.commands["distances"].params}
    kind = experiment_kind("distances")
    for option, key in (("method", "method"), ("n_sources", "sources"), ("registers", "registers"),
                        ("runs", "runs"), ("component", "component"), ("direction", "direction")):
        spec = kind.params[key]
        assert opts[option].default == spec.default, option
        if spec.choices is not None:
            assert tuple(opts[option].type.choices) == tuple(spec.choices), option
    run_opts = {p.name: p for p in main.commands["run"].params}
    assert tuple(run_opts["executor"].type.choices) == EXECUTORS


def test_profiles_group_must_be_provided_by_the_generator():
    base = {"kind": "profiles", "sources": 4, "group": "country"}
    text = config_text({"generator": "watts_strogatz", "n": 30, "k": 4, "p": 0.1}, base)
    with pytest.raises(ConfigError, match=r"line 12, \[experiment\] key 'group': group attribute 'country' is not a "
                                          r"node attribute of watts_strogatz graphs \(they provide: none\)"):
        parse_config(text, source="p.toml")
    pl_graph = {"generator": "power_law", "n": 200, "gamma": 2.5, "mean_degree": 4.0, "communities": 3}
    assert parse_config(config_text(pl_graph, base)).experiment["group"] == "country"
    hier = {"generator": "hierarchical_identity", "depth": 3, "group_size": 5, "mean_degree": 4.0}
    assert parse_config(config_text(hier, {**base, "group": "identity_0"}))


def test_a_new_generator_parameter_keeps_existing_graph_seeds(monkeypatch):
    import dataclasses

    base = config_text(SMALL_GRAPH, {"kind": "graph"})
    before = [(c.id, c.seed, c.graph_seed) for c in expand_cells(parse_config(base))]
    spec = MODELS["watts_strogatz"]
    monkeypatch.setitem(MODELS, "watts_strogatz", dataclasses.replace(
        spec, params={**spec.params, "extra": ParamSpec("extra", float, 0.5, low=0.0, high=1.0)}))
    assert [(c.id, c.seed, c.graph_seed) for c in expand_cells(parse_config(base))] == before
    text = base.replace("[experiment]", "extra = 0.5\n\n[experiment]")
    assert [(c.id, c.seed, c.graph_seed) for c in expand_cells(parse_config(text))] == before
    other = expand_cells(parse_config(base.replace("[experiment]", "extra = 0.25\n\n[experiment]")))
    assert other[0].graph_seed != before[0][2] and other[0].graph["extra"] == 0.25
