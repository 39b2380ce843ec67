"""Reproduction milgram1967 (--quick end to end) and the source-group starters it needs
(simulate.chains.policy_distances / group_sources, config key ``source_groups``)."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from naive import report_row, reproduce_policy_distance
from simulate import Graph
from simulate.chains import Starters, check_source_groups, group_sources, policy_distances, run_chains
from simulate.config import ConfigError, load_config, parse_config, resolve_experiment
from simulate.errors import ParameterError


# ------------------------------------------------------------------ source groups
def _graphs():
    import networkx as nx

    from simulate.generators import generate

    rng = np.random.default_rng(5)
    n = 80
    G = nx.gnp_random_graph(n, 0.06, seed=3)
    e = np.array(list(G.edges), dtype=np.int64).reshape(-1, 2)
    xy = pl.DataFrame({"x": rng.random(n), "y": rng.random(n)})
    geo = Graph.from_edges(e[:, 0], e[:, 1], directed=False, n=n, node_attrs=xy)
    hier = generate("hierarchical_identity", branching=3, depth=2, group_size=6, dimensions=3, alpha=0.5,
                    mean_degree=6, seed=4)
    lattice = generate("kleinberg_lattice", side=7, dim=2, r=2.0, q=1, periodic=True, seed=2)
    Gd = nx.gnp_random_graph(40, 0.08, seed=9, directed=True)
    ed = np.array(list(Gd.edges), dtype=np.int64).reshape(-1, 2)
    walk = Graph.from_edges(ed[:, 0], ed[:, 1], directed=True, n=40)
    return {"greedy_geo": geo, "greedy_hierarchy": hier, "greedy_lattice": lattice, "random_walk": walk}


@pytest.mark.parametrize("policy", ["greedy_geo", "greedy_hierarchy", "greedy_lattice", "random_walk"])
def test_policy_distances_match_brute_force(policy):
    g = _graphs()[policy]
    for t in (0, g.n // 2, g.n - 1):
        d = policy_distances(g, policy, t)
        want = np.array([reproduce_policy_distance(g, policy, u, t) for u in range(g.n)])
        assert d.shape == (g.n,) and d[t] == pytest.approx(0.0 if policy != "greedy_attributes" else d[t])
        np.testing.assert_allclose(d, want, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("policy", ["greedy_geo", "greedy_hierarchy"])
def test_group_sources_fall_in_their_distance_band(policy):
    g = _graphs()[policy]
    comp = g.largest_component()
    labels, _ = g.connected_components()
    big = np.bincount(labels).argmax()
    groups = [{"name": "near", "chains": 5, "quantiles": [0.0, 0.15]},
              {"name": "far", "chains": 7, "quantiles": [0.6, 1.0]}]
    targets = np.flatnonzero(labels == big)[:3]
    s, t, grp = group_sources(g, policy, targets, groups, seed=11)
    assert s.shape == t.shape == grp.shape == (3 * 12,)
    assert comp.n == int((labels == big).sum())
    for tg in targets:
        cand = np.flatnonzero((labels == big) & (np.arange(g.n) != tg))
        d_all = np.sort([reproduce_policy_distance(g, policy, u, tg) for u in cand])
        M = cand.size
        for gi, gr in enumerate(groups):
            pick = s[(t == tg) & (grp == gi)]
            assert pick.size == gr["chains"] and np.unique(pick).size == pick.size
            assert np.all(labels[pick] == big) and not np.any(pick == tg)
            lo = math.floor(gr["quantiles"][0] * M)
            hi = max(lo + 1, math.ceil(gr["quantiles"][1] * M))
            d = np.array([reproduce_policy_distance(g, policy, u, tg) for u in pick])
            # Ties are ranked at random, so a starter's distance lies within the band's range.
            assert np.all(d >= d_all[lo] - 1e-12) and np.all(d <= d_all[hi - 1] + 1e-12)
    s2, t2, g2 = group_sources(g, policy, targets, groups, seed=11)
    assert np.array_equal(s, s2) and np.array_equal(t, t2) and np.array_equal(grp, g2)


def test_run_chains_with_source_groups_adds_group_column_and_near_is_closer():
    from simulate.generators import generate

    g = generate("rank_geographic", n=3000, alpha=1.0, mean_degree=8, undirected=True, seed=1)
    groups = [{"name": "near", "chains": 60, "quantiles": [0.0, 0.03]},
              {"name": "far", "chains": 80, "quantiles": [0.75, 1.0]}]
    r = run_chains(g, policy="greedy_geo", n_targets=3, seed=5, starters=Starters(source_groups=groups))
    t = r.table
    assert t.height == 3 * 140 and t["target_id"].n_unique() <= 3
    assert t.group_by("source_group").len().sort("source_group")["len"].to_list() == [240, 180]
    assert r.params["source_groups"] == groups
    # Greedy geographic search from the nearest 3% needs fewer hops than from the farthest quarter.
    m = t.group_by("source_group").agg(pl.col("shortest_path").mean(), pl.col("steps").mean())
    near = m.filter(pl.col("source_group") == "near").row(0, named=True)
    far = m.filter(pl.col("source_group") == "far").row(0, named=True)
    assert near["shortest_path"] < far["shortest_path"] and near["steps"] < far["steps"]
    with pytest.raises(ParameterError, match="sources or source_groups"):
        run_chains(g, policy="greedy_geo", starters=Starters(sources=[1], source_groups=groups))
    with pytest.raises(ParameterError, match="hold only"):
        run_chains(g, policy="greedy_geo", n_targets=1,
                   starters=Starters(source_groups=[{"chains": 500, "quantiles": [0, 0.01]}]))


@pytest.mark.parametrize("bad, match", [
    ([], "non-empty"),
    ([{"chains": 0}], "chains must be"),
    ([{"chains": 3, "quantiles": [0.5, 0.2]}], "quantiles"),
    ([{"chains": 3, "quantiles": [0.0, 1.5]}], "quantiles"),
    ([{"name": "a", "chains": 3}, {"name": "a", "chains": 2}], "unique"),
    ([{"chains": 3, "radius": 2}], "unknown key"),
])
def test_check_source_groups_rejects(bad, match):
    with pytest.raises(ParameterError, match=match):
        check_source_groups(bad)


CONFIG = """seed = 1
[graph]
generator = "rank_geographic"
n = 500
[experiment]
kind = "chains"
policy = "greedy_geo"
targets = 1
source_groups = [{ name = "near", chains = 5, quantiles = [0.0, 0.1] }, { name = "far", chains = 5, quantiles = QUANT }]
"""


def test_config_source_groups_validated_and_omitted_when_absent(tmp_path):
    c = parse_config(CONFIG.replace("QUANT", "[0.5, 1.0]"))
    assert c.experiment["source_groups"][1]["quantiles"] == [0.5, 1.0]
    with pytest.raises(ConfigError, match=r"line 9, \[experiment\] key 'source_groups'.*quantiles"):
        parse_config(CONFIG.replace("QUANT", "[0.9, 0.2]"))
    # Chain cells without source_groups resolve exactly as before the key existed.
    assert "source_groups" not in resolve_experiment({"kind": "chains"})
    assert "source_groups" in resolve_experiment(c.experiment)


# ------------------------------------------------------------------ the reproduction
@pytest.fixture(scope="module")
def milgram(quick_reproduction):
    out, report, seconds = quick_reproduction("milgram1967")
    return report, seconds, out


def test_milgram_outputs_complete(milgram):
    report, seconds, out = milgram
    assert (out / "report.md").read_text().startswith("# Milgram")
    assert (out / "chain_lengths.png").stat().st_size > 10_000
    assert (out / "data" / "manifest.parquet").exists()
    m = pl.read_parquet(out / "data" / "manifest.parquet")
    cfg = load_config("configs/milgram1967.toml", quick=True)
    assert m.height == len(cfg.sweep["experiment.attrition"]) * cfg.replicates
    assert set(m["status"].to_list()) == {"done"}
    for r in report.rows:
        assert r.ours is not None and math.isfinite(r.ours), r.quantity


def test_milgram_numbers_follow_from_the_model(milgram):
    from simulate.experiments.milgram1967 import PUBLISHED_COMPLETION, calibrate_attrition, expected_completion
    from simulate.sweep import read_cells

    report, _, out = milgram
    chains = read_cells(out / "data")
    free = chains.filter(pl.col("attrition") == 0.0)
    s0, ok0 = free["steps"].to_numpy(), (free["status"] == "reached").to_numpy()
    a_star = calibrate_attrition(s0, ok0, PUBLISHED_COMPLETION)
    assert 0 < a_star < 1 and expected_completion(s0, ok0, a_star) == pytest.approx(PUBLISHED_COMPLETION, abs=1e-8)
    assert report_row(report, "calibrated attrition").ours == pytest.approx(a_star)
    # The experiments run at the grid value nearest a*; their completion must agree with the
    # exact expectation from the attrition-free chains (coupling), up to sampling noise of
    # R x 296 chains and of the targets (wide band: 0.08).
    grid = sorted(a for a in chains["attrition"].unique().to_list() if a > 0)
    a_set = min(grid, key=lambda a: abs(a - a_star))
    comp = report_row(report, "completion rate, all")
    assert abs(comp.ours - expected_completion(s0, ok0, a_set)) < 0.08
    # A chain needs its starter to forward: completion <= 1 - a; among those who mailed it is higher.
    assert comp.ours <= 1 - a_set
    assert report_row(report, "completion among").ours > comp.ours
    # Attrition-biased completed chains are shorter than the attrition-free ones; the
    # correction can only lengthen them (weights grow with L) and should land near the truth.
    done = report_row(report, "mean intermediaries, completed").ours
    corr = report_row(report, "attrition-corrected mean").ours
    truth = report_row(report, "attrition-free mean").ours
    assert done < truth and corr >= done
    assert abs(corr - truth) < 1.0
    assert abs(report_row(report, "estimated per-step attrition").ours - a_set) < 0.05
    # Near starters are closer in the greedy metric: fewer hops than far starters.
    assert report_row(report, "mean intermediaries, near").ours < report_row(report, "mean intermediaries, far").ours
    # Greedy search cannot beat the shortest path.
    assert report_row(report, "shortest-path intermediaries").ours <= truth + 1e-9
