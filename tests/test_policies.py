"""Tests for simulate.policies (the routing-policy registry) and simulate.node_attributes.

What a policy needs from the graph, what generators provide, where a missing requirement is
caught (stored graph, dataset, CLI), CLI choices from the registry, and a toy policy declared
the way a new one would be.
"""

from __future__ import annotations

import re

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import given, strategies as hst

from naive import (CHAINS_POLICY_ATTRIBUTES, CHAINS_POLICY_CASES, CHAINS_REFERENCE_SCORES, chains_policy_graphs,
                   chains_reference_router)
from simulate import Graph, node_attributes, policies, write_graph
from simulate.chains import CHAIN_STREAM_KEY, policy_distances, run_chains
from simulate.cli import main
from simulate.config import parse_config
from simulate.errors import ConfigError, ParameterError
from simulate.generators import MODELS, generate
from simulate.kernels import routing
from simulate.kernels.random import stream_states
from simulate.policies import POLICIES, PolicyFeatures, RoutingPolicy
from simulate.registry import Registry


def ring(n=12, attrs=None, meta=None):
    """Undirected cycle 0-1-...-(n-1)-0 with optional node attributes."""
    return Graph.from_edges(np.arange(n), (np.arange(n) + 1) % n, directed=False, n=n, node_attrs=attrs, meta=meta)


@pytest.fixture
def no_chain_may_run(monkeypatch):
    """Make the routing kernel fail if called: a requirement error must come before any chain."""
    def refuse(*args, **kwargs):
        raise AssertionError("a chain ran before the requirement check")

    monkeypatch.setattr(routing, "route_chains", refuse)


# ------------------------------------------------------------------ requirement strings
def test_requirement_strings():
    assert node_attributes.parse_requirement("lat,lon|x,y") == (frozenset({"lat", "lon"}), frozenset({"x", "y"}))
    assert node_attributes.describe("lat,lon|x,y") == "lat,lon or x,y"
    assert node_attributes.missing_columns(["coord_0", "coord_1"], "coord_*") == []
    assert node_attributes.missing_columns(["coord_1"], "coord_*") == ["coord_*"]
    assert node_attributes.missing_columns(["lat"], "lat,lon|x,y") == ["lon"]
    assert node_attributes.satisfied_by(("lat,lon|x,y",), "lat,lon|x,y")
    assert not node_attributes.satisfied_by(("lat,lon|x,y",), "x,y")
    assert node_attributes.satisfied_by(("x,y", "country"), "x")
    assert not node_attributes.satisfied_by((), "coord_*")
    for bad in ("", "a,,b", "coord*", "a b", 3):
        with pytest.raises(ValueError):
            node_attributes.parse_requirement(bad)


NAMES = hst.sampled_from(["a", "b", "c", "d", "lat", "lon"])


@given(columns=hst.sets(NAMES), req=hst.lists(hst.lists(NAMES, min_size=1, max_size=3), min_size=1, max_size=3))
def test_a_graph_meets_a_requirement_iff_its_columns_as_a_source_do(columns, req):
    text = "|".join(",".join(alt) for alt in req)
    met = node_attributes.missing_columns(columns, text) == []
    assert met == node_attributes.satisfied_by(tuple(sorted(columns)), text)
    assert met == any(set(alt) <= columns for alt in req)


@given(text=hst.text(alphabet="ab_*,| 0", max_size=12))
def test_requirement_parser_accepts_or_refuses_cleanly(text):
    try:
        alts = node_attributes.parse_requirement(text)
    except ValueError:
        return
    assert alts and all(alt for alt in alts)
    # What it accepts round-trips through its own words and is met by its own columns.
    assert node_attributes.parse_requirement(node_attributes.describe(text).replace(" or ", "|")) == tuple(
        frozenset(a) for a in alts)
    for alt in alts:
        cols = {t[:-1] + "0" if t.endswith("_*") else t for t in alt}
        assert node_attributes.missing_columns(cols, text) == []


# ------------------------------------------------------------------ the registry
def test_every_declaration_is_complete():
    codes = {}
    for name, p in POLICIES.items():
        assert p.name == name and p.summary and p.doc
        assert isinstance(p.code, int)
        codes[p.code] = name
        for variant in p.kernel_variants:
            codes[getattr(routing, variant)] = name
        req = p.requirement()
        if req:
            node_attributes.parse_requirement(req)
    assert len(codes) == sum(1 + len(p.kernel_variants) for p in POLICIES.values())  # distinct
    # Every kernel branch belongs to exactly one declaration.
    assert set(codes) == {v for k, v in vars(routing).items() if k.startswith("POLICY_")}


@pytest.mark.parametrize("case", sorted(CHAINS_POLICY_CASES))
def test_policy_distances_rank_nodes_as_the_router_scores_them(case):
    # The distance bands of source groups must order people the way the policy's greedy choice
    # does: compare every pair of nodes under the reference router's plain-Python score.
    g = chains_policy_graphs()[case]
    policy = CHAINS_POLICY_CASES[case]
    attributes = CHAINS_POLICY_ATTRIBUTES.get(policy)
    score = CHAINS_REFERENCE_SCORES[policy]
    for t in (0, g.n // 3, g.n - 1):
        d = policy_distances(g, policy, t, attributes)
        if POLICIES.get(policy).distances is None:  # no geometry: hop distance to the target
            import networkx as nx

            G = g.to_networkx()
            hops = nx.single_source_shortest_path_length(G.reverse(copy=True) if G.is_directed() else G, t)
            want = np.array([hops.get(u, np.inf) for u in range(g.n)], dtype=np.float64)
            assert np.array_equal(d, want)
            continue
        ref = np.array([score(g, u, t, attributes) for u in range(g.n)], dtype=np.float64)
        assert np.array_equal(np.sign(d[:, None] - d[None, :]), np.sign(ref[:, None] - ref[None, :]))


def test_unknown_policy_says_did_you_mean():
    with pytest.raises(ParameterError, match="unknown routing policy 'greedy_latice'; did you mean 'greedy_lattice'"):
        run_chains(ring(), "greedy_latice")


def test_a_name_declared_from_two_modules_is_refused():
    # The six built-ins were declared from simulate.policies; this module is another one.
    with pytest.raises(TypeError, match="declared twice"):
        policies.declare(RoutingPolicy(name="greedy_lattice", kernel="POLICY_GREEDY_LATTICE", summary="again"))


# ------------------------------------------------------------------ missing requirements, before any chain
@pytest.mark.parametrize("policy, words, provider", [
    ("greedy_lattice", r"coord_\* node attributes", "kleinberg_lattice"),
    ("greedy_geo", "lat,lon or x,y node attributes", "rank_geographic"),
    ("greedy_hierarchy", r"identity_\* node attributes and graph meta 'branching'", "hierarchical_identity"),
    ("greedy_attributes", "dorm or year or major or high_school node attributes", None),
])
def test_missing_requirement_fails_before_any_chain(policy, words, provider, no_chain_may_run):
    with pytest.raises(ParameterError, match=f"^policy {policy} needs {words} \\(the graph has no node attributes") as e:
        run_chains(ring(), policy, n_chains=10, n_targets=2)
    if provider:
        assert f"generators that provide them: {provider}" in str(e.value)
    with pytest.raises(ParameterError, match=f"policy {policy} needs {words}"):
        policy_distances(ring(), policy, 0)


def test_partial_requirements_name_what_is_missing(no_chain_may_run):
    g = ring(attrs=pl.DataFrame({"dorm": np.arange(12)}))
    with pytest.raises(ParameterError, match=r"needs dorm,year node attributes \(missing 'year'; the graph has columns dorm"):
        run_chains(g, "greedy_attributes", attributes=["dorm", "year"])
    ident = ring(attrs=pl.DataFrame({"identity_0": np.arange(12)}))
    with pytest.raises(ParameterError, match="graph meta has no 'branching'"):
        run_chains(ident, "greedy_hierarchy")
    lattice = ring(attrs=pl.DataFrame({"coord_0": np.arange(12)}), meta={"dim": 2})
    with pytest.raises(ParameterError, match="missing coord_1"):
        run_chains(lattice, "greedy_lattice")


def test_stored_graph_fails_in_the_cli_with_one_error_line(tmp_path, no_chain_may_run):
    path = tmp_path / "ring.swg"
    write_graph(ring(), path)
    r = CliRunner().invoke(main, ["chains", str(path), "--policy", "greedy_lattice", "--quiet"])
    assert r.exit_code == 2
    assert r.output.strip().splitlines() == [
        "error: policy greedy_lattice needs coord_* node attributes (the graph has no node attributes; "
        "generators that provide them: kleinberg_lattice)"]


def test_dataset_fails_when_opened(no_chain_may_run, data_file):
    # ego-Facebook has no node attributes: greedy routing on a lattice cannot run on it.
    data = data_file("ego-facebook").parents[1]  # the data directory (<dir>/snap/<file>)
    r = CliRunner().invoke(main, ["chains", "ego-facebook", "--data-dir", str(data), "--policy", "greedy_lattice",
                                  "--quiet"])
    assert r.exit_code == 2
    assert r.output.startswith("error: policy greedy_lattice needs coord_* node attributes")
    assert len(r.output.strip().splitlines()) == 1


# ------------------------------------------------------------------ what generators provide
SMALL = {
    "erdos_renyi": {"n": 30, "p": 0.2},
    "watts_strogatz": {"n": 30, "k": 4, "p": 0.1},
    "barabasi_albert": {"n": 30, "m": 2},
    "power_law": {"n": 200, "gamma": 2.5, "mean_degree": 6.0, "communities": 3, "within": 0.8},
    "kleinberg_lattice": {"side": 6},
    "hierarchical_identity": {"branching": 2, "depth": 3, "group_size": 5, "mean_degree": 4.0},
    "rank_geographic": {"n": 40},
    "directed_follower": {"n": 60},
    "networking_population": {"depth": 2, "group_size": 10, "mean_degree": 4.0, "macro_extra": 3, "center_extra": 2},
    "facebook_like": {"n": 800, "median_degree": 8.0, "mean_degree": 12.0, "max_degree": 100.0, "countries": 2},
}


def test_every_generator_declares_what_its_graphs_carry():
    assert set(SMALL) == set(MODELS)
    for model, params in SMALL.items():
        g = generate(model, seed=1, **params)
        cols = set() if g.node_attrs is None else set(g.node_attrs.columns)
        provided = MODELS[model].node_attributes(params)
        for entry in provided:
            assert node_attributes.missing_columns(cols, entry) == [], (model, entry)
        tokens = {t for entry in provided for alt in node_attributes.parse_requirement(entry) for t in alt}
        covered = {c for c in cols if any(node_attributes.missing_columns({c}, t) == [] or
                                          (t.endswith("_*") and re.fullmatch(rf"{t[:-1]}\d+", c)) for t in tokens)}
        assert covered == cols, (model, cols - covered)  # no undeclared columns either
        # Each policy runs exactly when the declaration says the graph meets its needs.
        for name, p in POLICIES.items():
            req = p.requirement()
            if req is None:
                continue
            ok = node_attributes.satisfied_by(provided, req)
            if ok:
                policies.check_graph(name, g)
            else:
                with pytest.raises(ParameterError, match=f"policy {name} needs"):
                    policies.check_graph(name, g)
    assert MODELS["power_law"].node_attributes({"communities": 0}) == ()
    assert MODELS["rank_geographic"].node_attributes({"positions": "x.csv"}) == ("lat,lon|x,y",)


def test_check_generator_names_the_policy_and_the_generator():
    with pytest.raises(ParameterError, match="policy greedy_lattice needs coord_\\* node attributes, which generator "
                                             "watts_strogatz does not provide .*generators that do: kleinberg_lattice"):
        policies.check_generator("greedy_lattice", "watts_strogatz", {"n": 10, "k": 2, "p": 0.1})
    policies.check_generator("greedy_lattice", "kleinberg_lattice", {"side": 5})
    policies.check_generator("greedy_geo", "rank_geographic", {"positions": "places.csv"})
    policies.check_generator("random_walk", "watts_strogatz", {})
    policies.check_generator("greedy_attributes", "power_law", {"communities": 4}, attributes=["country"])
    with pytest.raises(ParameterError, match="needs country node attributes, which generator power_law"):
        policies.check_generator("greedy_attributes", "power_law", {"communities": 0}, attributes="country")


# ------------------------------------------------------------------ configs: checked at load
WS_LATTICE = """\
[graph]
generator = "watts_strogatz"
n = 100
k = 4
p = 0.1

[experiment]
kind = "chains"
policy = "greedy_lattice"
chains = 20
targets = 2
"""


def test_a_policy_the_generator_cannot_serve_fails_when_the_config_loads():
    with pytest.raises(ConfigError) as e:
        parse_config(WS_LATTICE, source="c.toml")
    assert str(e.value) == ("c.toml, line 9, [experiment] key 'policy': policy greedy_lattice needs coord_* node "
                            "attributes, which generator watts_strogatz does not provide (it provides no node "
                            "attributes; generators that do: kleinberg_lattice)")
    parse_config(WS_LATTICE.replace("greedy_lattice", "max_degree"), source="c.toml")
    # Every cell is checked: one swept generator value that lacks the attributes is enough.
    text = """\
[graph]
generator = "power_law"
n = 300
gamma = 2.5
mean_degree = 6.0
communities = 4
within = 0.5

[experiment]
kind = "chains"
policy = "greedy_attributes"
attributes = ["country"]
chains = 20
targets = 2

[sweep]
"graph.communities" = [4, 0]
"graph.within" = [0.5, 0.0]
zip = [["graph.communities", "graph.within"]]
"""
    with pytest.raises(ConfigError, match=r"line 11, \[experiment\] key 'policy': policy greedy_attributes needs "
                                          "country node attributes, which generator power_law does not provide"):
        parse_config(text, source="c.toml")
    parse_config(text.replace("[4, 0]", "[4, 8]").replace("[0.5, 0.0]", "[0.5, 0.6]"), source="c.toml")


def test_smallworld_run_refuses_the_config_with_one_line_and_writes_nothing(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text(WS_LATTICE)
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["run", str(config), "--out", str(out), "--quiet"])
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "needs coord_* node attributes" in lines[0]
    assert not out.exists()


# ------------------------------------------------------------------ CLI from the registry
def test_cli_choices_and_help_come_from_the_registry():
    option = next(p for p in main.commands["chains"].params if p.name == "policy")
    assert tuple(option.type.choices) == POLICIES.names()
    r = CliRunner().invoke(main, ["chains", "--help"])
    assert r.exit_code == 0
    for name, p in POLICIES.items():
        assert name in r.output and p.summary in r.output
    r = CliRunner().invoke(main, ["chains", "whatever", "--policy", "max_degre"])
    assert r.exit_code == 2 and "did you mean 'max_degree'" in r.output


# ------------------------------------------------------------------ adding a policy is one declaration
def _x_features(graph, policy, attributes):
    x = graph.node_attrs["x"].cast(pl.Float64).to_numpy()
    # greedy_geo's Euclidean branch on (x, 0): the squared distance in x alone.
    return PolicyFeatures(policy.code, feat_f=np.column_stack([x, np.zeros_like(x)]), used=["x"])


def _x_distances(graph, feats, t):
    return (feats.feat_f[:, 0] - feats.feat_f[t, 0]) ** 2


@pytest.fixture
def with_toy_policy(monkeypatch):
    """POLICIES plus ``greedy_x`` (a copy of the registry, so the declaration ends with the test)."""
    copy = Registry(POLICIES.what, POLICIES.error)
    for name, entry in POLICIES.items():
        copy.register(name, entry, module=POLICIES.module_of(name))
    monkeypatch.setattr(policies, "POLICIES", copy)
    policies.declare(RoutingPolicy(
        name="greedy_x", kernel="POLICY_GREEDY_GEO", summary="the neighbour nearest the target in x",
        needs="x", features=_x_features, distances=_x_distances, doc="Toy: one coordinate of greedy_geo."),
        registry=copy)
    monkeypatch.setitem(CHAINS_REFERENCE_SCORES, "greedy_x",
                        lambda graph, v, t, attributes: abs(graph.node_attrs["x"][v] - graph.node_attrs["x"][t]))
    return copy


def test_a_policy_is_one_declaration(with_toy_policy, tmp_path):
    rng = np.random.default_rng(3)
    n = 50
    g = Graph.from_edges(rng.integers(0, n, 200), rng.integers(0, n, 200), directed=False, n=n,
                         node_attrs=pl.DataFrame({"x": rng.random(n)}))
    res = run_chains(g, "greedy_x", n_chains=100, n_targets=5, seed=2, record_paths=True, max_steps=30,
                     attrition=0.1, epsilon=0.2)
    ref = chains_reference_router(g, res.table["source_id"].to_numpy(), res.table["target_id"].to_numpy(),
                                  stream_states(2, 100, spawn_key=CHAIN_STREAM_KEY), "greedy_x", max_steps=30,
                                  attrition=0.1, epsilon=0.2)
    assert res.table["path"].to_list() == [p for _, p in ref]
    assert "reached" in res.table["status"].to_list()
    assert res.params["attributes"] == ["x"]
    d = policy_distances(g, "greedy_x", 0)
    assert np.allclose(d, (g.node_attrs["x"].to_numpy() - g.node_attrs["x"][0]) ** 2)
    with pytest.raises(ParameterError, match="policy greedy_x needs x node attributes"):
        run_chains(ring(), "greedy_x")
    # The CLI offers it (choices, help text of the registry) without any edit.
    path = tmp_path / "g.swg"
    write_graph(g, path)
    r = CliRunner().invoke(main, ["chains", str(path), "--policy", "greedy_x", "--chains", "50", "--targets", "2",
                                  "--boot", "20", "--json"])
    assert r.exit_code == 0, r.output
    assert "greedy_x" in policies.names()


def test_the_toy_policy_is_gone_after_its_test():
    assert "greedy_x" not in policies.names()
