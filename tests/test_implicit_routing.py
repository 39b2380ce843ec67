"""Routing on implicit populations: the per-model declaration of policies and options
(simulate.implicit_routing) and what each implicit router does with them."""

from __future__ import annotations

import numpy as np
import pytest

from simulate import policies
from simulate.chains import run_chains
from simulate.errors import ParameterError
from simulate.implicit import IMPLICIT_MODELS, implicit_population
from simulate.implicit_routing import IMPLICIT_ROUTING, MODES, ROUTING_OPTIONS, ImplicitRouting, check_routing

#: Small populations of every model, for routing checks.
SMALL = {
    "kleinberg_lattice": dict(side=30, q=2, r=1.5),
    "hierarchical_identity": dict(branching=2, depth=5, group_size=40, mean_degree=8.0, alpha=1.0),
}


def _lattice_distance(pop, a, b):
    ca, cb = pop.coordinates(a), pop.coordinates(b)
    x = np.abs(ca - cb)
    if pop.periodic:
        x = np.minimum(x, pop.side - x)
    return x.sum(axis=-1)


def _social_distance(pop, a, b):
    from simulate.kernels.generators.hierarchical import tree_height

    ia, ib = pop.identities(a), pop.identities(b)
    out = []
    for ra in ia:
        out.append(min(tree_height(int(x), int(y), pop.branching) for x, y in zip(ra, ib[0])))
    return np.array(out)


def _check_paths(pop, res, score):
    """Every recorded step goes to an unvisited contact of the holder (quenched: the population's
    ``contacts``) that ``score`` ranks best among the unvisited ones (None: any of them)."""
    table = res.table
    checked = 0
    for path, t, status in zip(table["path"].to_list()[:40], table["target"].to_list(), table["status"].to_list()):
        seen = {path[0]}
        for h, nxt in zip(path[:-1], path[1:]):
            contacts = set(pop.contacts(h).tolist())
            assert nxt in contacts, (h, nxt)
            if nxt == t:
                break
            assert t not in contacts  # a holder who knows the target delivers
            free = sorted(contacts - seen)
            assert nxt in free
            if score is not None:
                s = score(pop, np.array(free), np.array([t]))
                assert score(pop, np.array([nxt]), np.array([t]))[0] == s.min()
            seen.add(nxt)
            checked += 1
        if status == "reached":
            assert path[-1] == t
    assert checked > 20


def _oracle_greedy_lattice(pop, mode):
    res = pop.run_chains("greedy_lattice", n_chains=200, n_targets=5, seed=8, record_paths=True)
    assert (res.table["status"] == "reached").all()
    for path, t in zip(res.table["path"].to_list()[:40], res.table["target"].to_list()):
        d = _lattice_distance(pop, np.array(path), np.array([t]))
        assert np.all(np.diff(d) < 0)  # greedy with p >= 1 always gets strictly closer
    if mode == "quenched":
        _check_paths(pop, res, _lattice_distance)


def _oracle_greedy_hierarchy(pop, mode):
    from simulate.generators import hierarchical_identity

    kw = {k: v for k, v in pop.params().items() if k != "n"}
    res = pop.run_chains("greedy_hierarchy", n_chains=1500, n_targets=15, seed=1)
    ref = run_chains(hierarchical_identity(seed=3, **kw), "greedy_hierarchy", n_chains=1500, n_targets=15, seed=1,
                     compute_distances=False)
    a, b = res.summary(n_boot=20), ref.summary(n_boot=20)
    assert abs(a["completion_rate"] - b["completion_rate"]) < 0.06, (a, b)
    if mode == "quenched":
        _check_paths(pop, pop.run_chains("greedy_hierarchy", n_chains=200, n_targets=5, seed=8, record_paths=True),
                     _social_distance)


def _oracle_random_walk(pop, mode):
    assert mode == "quenched"
    res = pop.run_chains("random_walk", n_chains=200, n_targets=5, seed=8, record_paths=True, max_steps=200)
    _check_paths(pop, res, None)


#: How to check that a model routes a policy as declared: (model, policy) -> oracle(pop, mode).
ORACLES = {
    ("kleinberg_lattice", "greedy_lattice"): _oracle_greedy_lattice,
    ("hierarchical_identity", "greedy_hierarchy"): _oracle_greedy_hierarchy,
    ("kleinberg_lattice", "random_walk"): _oracle_random_walk,
    ("hierarchical_identity", "random_walk"): _oracle_random_walk,
}


def test_every_model_has_one_routing_declaration():
    assert set(IMPLICIT_MODELS.names()) == set(IMPLICIT_ROUTING.names())
    for name in IMPLICIT_MODELS.names():
        entry = IMPLICIT_MODELS.get(name)
        assert entry.routing is IMPLICIT_ROUTING.get(name)
        assert entry.cls.default_mode == entry.routing.default_mode


@pytest.mark.parametrize("model", sorted(SMALL))
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("policy", policies.names())
def test_a_model_accepts_exactly_the_policies_it_routes(model, mode, policy):
    """Declared (model, mode, policy): the router must follow the policy (an oracle per pair; a
    declaration without an oracle fails here). Not declared: a clean error naming what is."""
    routing = IMPLICIT_ROUTING.get(model)
    if mode not in routing.modes():
        with pytest.raises(ParameterError, match=f"mode {mode!r} is not available on implicit model {model}"):
            implicit_population(model, mode=mode, **SMALL[model])
        return
    pop = implicit_population(model, mode=mode, seed=4, **SMALL[model])
    if mode in routing.policies.get(policy, ()):
        assert (model, policy) in ORACLES, f"{model} declares {policy} but this test has no oracle for it"
        ORACLES[(model, policy)](pop, mode)
    else:
        with pytest.raises(ParameterError, match=f"policy {policy!r} is not available on implicit model {model}") as e:
            run_chains(pop, policy, n_chains=10, n_targets=1)
        assert "available" in str(e.value) and routing.default_policy in str(e.value)


@pytest.mark.parametrize("model", sorted(SMALL))
def test_options_not_declared_are_clean_errors_naming_option_and_mode(model):
    routing = IMPLICIT_ROUTING.get(model)
    given = {"epsilon": 0.1, "backtrack": True, "min_strength": 2, "attrition_by_strength": [0.1] * 5,
             "node_attrition": np.full(3, 0.1), "attributes": ["dorm"], "record_paths": True,
             "source_groups": [{"name": "near", "chains": 3, "quantiles": [0, 0.1]}], "attrition": 0.2}
    assert set(given) == set(ROUTING_OPTIONS)
    for mode in routing.modes():
        for name, value in given.items():
            if mode in routing.options.get(name, ()):
                continue
            with pytest.raises(ParameterError, match=f"{name} .*not available on implicit model {model}"):
                check_routing(model, mode, routing.default_policy, **{name: value})


def test_declarations_refuse_unknown_policies_options_and_modes():
    with pytest.raises(TypeError, match="unknown policy 'greedy_lattise'"):
        ImplicitRouting("m", {"greedy_lattise": MODES}, default_policy="greedy_lattise")
    with pytest.raises(TypeError, match="unknown option 'teleport'"):
        ImplicitRouting("m", {"greedy_lattice": MODES}, {"teleport": MODES}, default_policy="greedy_lattice")
    with pytest.raises(TypeError, match="modes"):
        ImplicitRouting("m", {"greedy_lattice": ("frozen",)}, default_policy="greedy_lattice")
    with pytest.raises(TypeError, match="default policy"):
        ImplicitRouting("m", {"greedy_lattice": ("annealed",)}, default_mode="quenched", default_policy="greedy_lattice")


def test_unknown_policy_name_gets_did_you_mean():
    pop = implicit_population("kleinberg_lattice", side=10)
    with pytest.raises(ParameterError, match="did you mean 'greedy_lattice'"):
        run_chains(pop, "greedy_latice")


def test_cli_and_docs_come_from_the_declaration():
    from click.testing import CliRunner

    from simulate.cli import main
    from simulate.config.docs import render

    runner = CliRunner()
    help_text = runner.invoke(main, ["chains", "--help"]).output
    listing = runner.invoke(main, ["chains", "--list-models"]).output
    docs = render()
    for r in IMPLICIT_ROUTING.values():
        assert r.describe_policies() in help_text and r.describe_policies() in listing
        assert r.describe_policies() in docs and r.describe_options() in docs
    r = runner.invoke(main, ["chains", "--model", "kleinberg_lattice", "-p", "side=10", "--policy", "greedy_geo"])
    assert r.exit_code == 2 and "available: " + IMPLICIT_ROUTING.get("kleinberg_lattice").describe_policies() in r.output


def test_config_refuses_a_policy_the_implicit_model_does_not_route(tmp_path):
    from simulate.config import parse_config
    from simulate.errors import ConfigError

    text = ('[graph]\nimplicit = "kleinberg_lattice"\nside = 50\n\n[experiment]\nkind = "chains"\n'
            'policy = "greedy_geo"\nchains = 20\ntargets = 2\n')
    with pytest.raises(ConfigError, match="policy 'greedy_geo' is not available on implicit model kleinberg_lattice"):
        parse_config(text, base_dir=tmp_path)
    text = text.replace('policy = "greedy_geo"', 'min_strength = 2')
    with pytest.raises(ConfigError, match="min_strength"):
        parse_config(text, base_dir=tmp_path)


# ------------------------------------------------------------------ options against the stored twin
def _agree(a, b, k=4.0):
    """Completion rate and mean steps of two chain tables within k standard errors."""
    out = []
    for col in ("reached", "steps"):
        if col == "reached":
            sa = (a.table["status"] == "reached").to_numpy().astype(float)
            sb = (b.table["status"] == "reached").to_numpy().astype(float)
        else:
            sa, sb = a.table["steps"].to_numpy().astype(float), b.table["steps"].to_numpy().astype(float)
        se = np.sqrt(sa.var() / sa.size + sb.var() / sb.size)
        out.append((abs(sa.mean() - sb.mean()) <= k * se + 1e-12, col, sa.mean(), sb.mean(), se))
    return out


def _twin_runs(side, mode, policy="greedy_lattice", n_chains=3000, **opts):
    from simulate.chains import Attrition
    from simulate.generators import kleinberg_lattice

    stored = kleinberg_lattice(side, r=2.0, q=1, seed=5)
    attrition = opts.pop("attrition", 0.0)
    a = run_chains(stored, policy, attrition, n_chains=n_chains, n_targets=30, seed=1, compute_distances=False, **opts)
    pop = implicit_population("kleinberg_lattice", side=side, r=2.0, q=1, seed=6, mode=mode)
    b = run_chains(pop, policy, attrition, n_chains=n_chains, n_targets=30, seed=1, **opts)
    assert isinstance(attrition, (float, Attrition))
    return a, b


@pytest.mark.parametrize("mode", MODES)
def test_per_person_attrition_matches_the_stored_twin(mode):
    from simulate.chains import Attrition, BetaAttrition

    law = BetaAttrition(0.2, 5.0, seed=3)
    a, b = _twin_runs(60, mode, attrition=Attrition(per_node=law))
    for ok, *info in _agree(a, b):
        assert ok, info
    assert b.params["node_attrition"]["mean"] == 0.2
    assert b.summary(n_boot=20)["correction"].startswith("survival")
    # A person's attrition is theirs: 1-step chains from person 0 to its neighbour 1 that arrive
    # all survived the same probability 1 - q_0, in every chain.
    from simulate.chains import Starters

    one = implicit_population("kleinberg_lattice", side=60, seed=6, mode=mode)
    r = run_chains(one, attrition=Attrition(per_node=law), seed=2,
                   starters=Starters(sources=np.zeros(200, dtype=np.int64), targets=[1]))
    done = r.table.filter(r.table["status"] == "reached")
    assert 0 < done.height < 200 and done["survival"].n_unique() == 1 and done["survival"][0] < 1
    # ... and the comparison can fail: mean 0.4 is not mean 0.2.
    c = run_chains(implicit_population("kleinberg_lattice", side=60, r=2.0, q=1, seed=6, mode=mode),
                   attrition=Attrition(per_node=BetaAttrition(0.4, 5.0, seed=3)), n_chains=3000, n_targets=30, seed=1)
    assert not all(ok for ok, *_ in _agree(a, c))


@pytest.mark.parametrize("mode", MODES)
def test_epsilon_greedy_matches_the_stored_twin(mode):
    a, b = _twin_runs(40, mode, epsilon=0.3)
    for ok, *info in _agree(a, b):
        assert ok, info
    a0, _ = _twin_runs(40, mode, n_chains=300)
    assert b.table["steps"].mean() > a0.table["steps"].mean()  # random moves lengthen the chains


def test_random_walk_and_backtracking_match_the_stored_twin():
    a, b = _twin_runs(12, "quenched", "random_walk", max_steps=100)
    for ok, *info in _agree(a, b):
        assert ok, info
    a, b = _twin_runs(12, "quenched", "random_walk", max_steps=100, backtrack=True)
    for ok, *info in _agree(a, b):
        assert ok, info
    assert b.table["backtracks"].sum() > 0 and a.table["backtracks"].sum() > 0
    # The comparison has power: a random walk is not greedy routing.
    g, _ = _twin_runs(12, "quenched", max_steps=100)
    assert not all(ok for ok, *_ in _agree(g, b))


def test_options_that_need_a_fixed_graph_refuse_annealed_mode_by_name():
    pop = implicit_population("kleinberg_lattice", side=20, mode="annealed")
    with pytest.raises(ParameterError, match="backtrack .* in mode 'annealed' .*use mode quenched"):
        run_chains(pop, backtrack=True)
    with pytest.raises(ParameterError, match="policy 'random_walk' is not available .* in mode 'annealed'"):
        run_chains(pop, "random_walk")
    from simulate.chains import Attrition

    with pytest.raises(ParameterError, match="attrition_by_strength .*in any mode: tie levels"):
        run_chains(pop, attrition=Attrition(by_strength=[0.1] * 5))
    with pytest.raises(ParameterError, match="BetaAttrition"):
        run_chains(pop, attrition=Attrition(per_node=np.full(400, 0.1)))
    with pytest.raises(ParameterError, match="kgs_rules"):
        run_chains(implicit_population("kleinberg_lattice", side=20, kgs_rules=True, mode="annealed"), epsilon=0.1)


def test_config_node_attrition_runs_on_an_implicit_population(tmp_path):
    import polars as pl

    from simulate.config import parse_config
    from simulate.sweep import run_sweep

    text = ('[graph]\nimplicit = "hierarchical_identity"\nbranching = 2\ndepth = 4\ngroup_size = 50\n'
            'mean_degree = 8.0\n\n[experiment]\nkind = "chains"\npolicy = "greedy_hierarchy"\nchains = 200\n'
            'targets = 2\nnode_attrition_mean = 0.25\n')
    run_sweep(parse_config(text, base_dir=tmp_path), out=tmp_path / "out")
    tables = [pl.read_parquet(p) for p in (tmp_path / "out").rglob("*.parquet") if "manifest" not in p.name]
    tables = [t for t in tables if "steps" in t.columns]
    assert len(tables) == 1 and (tables[0]["status"] == "dropped").any()


@pytest.mark.parametrize("model", sorted(SMALL))
def test_run_chains_without_a_policy_uses_the_models_default(model):
    """``run_chains(population)`` routes with the model's declared default policy (greedy_hierarchy on
    WDN, not the stored-graph default greedy_lattice, which WDN cannot route)."""
    pop = implicit_population(model, seed=4, **SMALL[model])
    default = IMPLICIT_ROUTING.get(model).default_policy
    implied = run_chains(pop, n_chains=40, n_targets=4, seed=2)
    named = run_chains(pop, default, n_chains=40, n_targets=4, seed=2)
    assert implied.table.equals(named.table)


@pytest.mark.parametrize("graph, band, match", [
    ('implicit = "hierarchical_identity"\nbranching = 2\ndepth = 5\ngroup_size = 40\nmean_degree = 8.0\n'
     'dimensions = 2\nmode = "annealed"', "quantiles = [0.0, 0.5]", "takes heights"),
    ('generator = "kleinberg_lattice"\nside = 20', "heights = [[0, 2]]", "on a stored graph give quantiles"),
])
def test_config_refuses_source_group_bands_the_source_cannot_draw(tmp_path, graph, band, match):
    """Quantiles on an implicit population, or identity heights on a stored graph, are load errors
    naming the group (they used to fail only when the first cell ran)."""
    from simulate.config import parse_config
    from simulate.errors import ConfigError

    policy = "greedy_hierarchy" if "implicit" in graph else "greedy_lattice"
    text = (f'[graph]\n{graph}\n\n[experiment]\nkind = "chains"\npolicy = "{policy}"\nchains = 20\ntargets = 2\n'
            f'source_groups = [{{name = "far", chains = 10, {band}}}]\n')
    with pytest.raises(ConfigError, match=f"key 'source_groups': source group 'far'.*{match}"):
        parse_config(text, base_dir=tmp_path)
    ok = band.replace("quantiles = [0.0, 0.5]", "heights = [[0, 5], [0, 5]]").replace("heights = [[0, 2]]",
                                                                                     "quantiles = [0.0, 0.5]")
    parse_config(text.replace(band, ok), base_dir=tmp_path)
