"""Reproduction milgram1967 (--quick end to end) and the source-group starters it needs
(simulate.chains.policy_distances / group_sources, config key ``source_groups``; Milgram's own groups
by identity band on an implicit WDN population: simulate.implicit.identity_band_starters)."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings, strategies as st

from naive import report_row, reproduce_policy_distance
from simulate import Graph
from simulate.chains import Starters, check_source_groups, group_sources, policy_distances, run_chains
from simulate.config import ConfigError, load_config, parse_config, resolve_experiment
from simulate.errors import ParameterError
from simulate.implicit import identity_band_starters, implicit_population


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
    ([{"chains": 3, "heights": [[2, 1]]}], "heights"),
    ([{"chains": 3, "heights": [[0, 1], [-1, 2]]}], "heights"),
    ([{"chains": 3, "heights": []}], "heights"),
    ([{"chains": 3, "heights": [[0, 1.5]]}], "heights"),
    ([{"chains": 3, "heights": [[0, 1]], "quantiles": [0, 1]}], "either quantiles or heights"),
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


# ------------------------------------------------------------------ starters by identity band (implicit WDN)
def _small_wdn(seed=3, branching=3, depth=3, group_size=4, dimensions=2):
    return implicit_population("hierarchical_identity", seed=seed, branching=branching, depth=depth,
                               group_size=group_size, dimensions=dimensions, alpha=1.0, mean_degree=5)


def _heights_to(pop, people, target):
    """LCA heights of people's groups with the target's, per dimension, by brute force (no kernel)."""
    leaves, tleaf = pop.identities(people), pop.identities([target])[0]
    out = np.zeros(leaves.shape, dtype=np.int64)
    for d in range(leaves.shape[1]):
        a, b = leaves[:, d].copy(), np.full(leaves.shape[0], tleaf[d])
        while np.any(a != b):
            diff = a != b
            a[diff] //= pop.branching
            b[diff] //= pop.branching
            out[diff, d] += 1
    return out


@pytest.mark.parametrize("bands", [[[1, 3], [0, 2]], [[1, 2], [0, 3]], [[0, 3], [2, 2]]])
def test_band_starters_are_uniform_on_the_band(bands):
    # Every person of a 108-person population enumerated: draws must cover exactly the eligible
    # people of the band, uniformly (chi-square), never the target. The bands make each
    # dimension the sampled one in turn, with and without an excluded inner block.
    from scipy import stats

    pop = _small_wdn()
    everyone = np.arange(pop.n)
    target = 41
    h = _heights_to(pop, everyone, target)
    ok = everyone != target
    for d, (lo, hi) in enumerate(bands):
        ok &= (h[:, d] >= lo) & (h[:, d] <= hi)
    eligible = everyone[ok]
    assert 10 < eligible.size < pop.n - 10
    groups = [{"name": "g", "chains": 1, "heights": bands}]
    draws = np.concatenate([identity_band_starters(pop, [target], groups, seed=s)[0] for s in range(6000)])
    assert set(draws.tolist()) <= set(eligible.tolist())
    counts = np.array([(draws == e).sum() for e in eligible])
    assert counts.min() > 0
    assert stats.chisquare(counts).pvalue > 1e-4


@settings(max_examples=30, deadline=None)
@given(branching=st.integers(2, 4), depth=st.integers(1, 4), group_size=st.integers(2, 5),
       dims=st.integers(1, 3), data=st.data())
def test_band_starters_lie_in_their_bands(branching, depth, group_size, dims, data):
    pop = _small_wdn(seed=data.draw(st.integers(0, 99)), branching=branching, depth=depth,
                     group_size=group_size, dimensions=dims)
    target = data.draw(st.integers(0, pop.n - 1))
    bands = []
    for _ in range(dims):
        lo = data.draw(st.integers(0, depth))
        bands.append([lo, data.draw(st.integers(lo, depth + 2))])
    h = _heights_to(pop, np.arange(pop.n), target)
    ok = np.ones(pop.n, dtype=bool)
    for d, (lo, hi) in enumerate(bands):
        ok &= (h[:, d] >= lo) & (h[:, d] <= min(hi, depth))
    ok[target] = False
    k = data.draw(st.integers(1, 4))
    groups = [{"name": "a", "chains": k, "heights": bands}, {"name": "b", "chains": 1, "heights": bands}]
    if ok.sum() < k + 1:
        with pytest.raises(ParameterError, match="distinct starters"):
            identity_band_starters(pop, [target], groups, seed=1)
        return
    s, t, g = identity_band_starters(pop, [target], groups, seed=1)
    assert np.unique(s).size == s.size == k + 1 and np.all(t == target)
    assert np.all(ok[s]) and g.tolist() == [0] * k + [1]


def test_band_starters_errors_and_chain_table():
    pop = _small_wdn()
    with pytest.raises(ParameterError, match="bands"):
        identity_band_starters(pop, [0], [{"chains": 1, "heights": [[0, 3]]}])
    with pytest.raises(ParameterError, match="not quantiles"):
        identity_band_starters(pop, [0], [{"chains": 1, "quantiles": [0, 0.1]}])
    g = Graph.from_edges([0, 1], [1, 2], directed=False, n=3)
    with pytest.raises(ParameterError, match="implicit hierarchical_identity"):
        group_sources(g, "max_degree", [0], [{"chains": 1, "heights": [[0, 1]]}])
    groups = [{"name": "near", "chains": 5, "heights": [[0, 1], [0, 3]]},
              {"name": "far", "chains": 6, "heights": [[3, 3], [0, 3]]}]
    r = run_chains(pop, policy="greedy_hierarchy", n_targets=2, seed=4, starters=Starters(source_groups=groups))
    t = r.table
    assert t.height == 22 and t["target_id"].n_unique() <= 2
    assert t.group_by("source_group").len().sort("source_group")["len"].to_list() == [12, 10]
    assert r.params["source_groups"] == groups
    for row in t.iter_rows(named=True):
        h = _heights_to(pop, np.array([row["source_id"]]), row["target_id"])[0]
        assert (h[0] <= 1) if row["source_group"] == "near" else (h[0] == 3)
    again = run_chains(pop, policy="greedy_hierarchy", n_targets=2, seed=4, starters=Starters(source_groups=groups))
    assert again.table.equals(t)


def test_cut_chains_follows_the_attrition_law():
    from simulate.experiments.milgram1967 import cut_chains, expected_completion

    rng = np.random.default_rng(0)
    n = 40_000
    steps = rng.integers(1, 12, n).astype(np.int32)
    free = pl.DataFrame({"replicate": np.repeat(np.arange(4), n // 4), "chain": np.tile(np.arange(n // 4), 4),
                         "status": ["reached"] * n, "steps": steps})
    cut = cut_chains(free, 0.3, 0.2, seed=7)
    ok = (cut["status"] == "reached").to_numpy()
    want = expected_completion(steps, np.ones(n, bool), 0.2, starter=0.3)
    assert abs(ok.mean() - want) < 4 * math.sqrt(want * (1 - want) / n)
    never = ((cut["status"] == "dropped") & (cut["steps"] == 0)).to_numpy().mean()
    assert abs(never - 0.3) < 4 * math.sqrt(0.21 / n)
    # A cut chain is a prefix of its attrition-free chain; completed chains keep their length.
    assert np.all(cut["steps"].to_numpy() <= steps) and np.all(cut["steps"].to_numpy()[ok] == steps[ok])
    assert cut.equals(cut_chains(free, 0.3, 0.2, seed=7))


# ------------------------------------------------------------------ the reproduction
@pytest.fixture(scope="module")
def milgram(quick_reproduction):
    out, report, seconds = quick_reproduction("milgram1967")
    return report, seconds, out


def test_milgram_outputs_complete(milgram):
    report, seconds, out = milgram
    assert (out / "report.md").read_text().startswith("# Milgram")
    for png in ("chain_lengths.png", "starter_groups.png"):
        assert (out / png).stat().st_size > 10_000
    for sub, name in (("data", "milgram1967"), ("groups", "milgram1967_groups")):
        m = pl.read_parquet(out / sub / "manifest.parquet")
        cfg = load_config(f"configs/{name}.toml", quick=True)
        assert m.height == len(cfg.sweep["experiment.attrition"]) * cfg.replicates
        assert set(m["status"].to_list()) == {"done"}
    for r in report.rows:
        assert r.ours is not None and math.isfinite(r.ours), r.quantity
    text = (out / "report.md").read_text()
    assert "mean degree 16" not in text and "16 out-links per person" in text


def test_milgram_groups_follow_from_the_model(milgram):
    from simulate.experiments.milgram1967 import (COMPLETED, GROUPS, STARTED, STARTER_ATTRITION,
                                                  calibrate_attrition, cut_chains, expected_completion, group_table)
    from simulate.sweep import read_cells

    report, _, out = milgram
    cells = read_cells(out / "groups")
    chains = cells.filter(pl.col("source_group").is_in(list(GROUPS)))
    free = chains.filter(pl.col("attrition") == 0.0)
    assert free.group_by("replicate").len()["len"].unique().to_list() == [296]
    s0, ok0 = free["steps"].to_numpy(), (free["status"] == "reached").to_numpy()
    a_star = calibrate_attrition(s0, ok0, COMPLETED / STARTED, starter=0.0)
    assert 0 < a_star < 1
    assert expected_completion(s0, ok0, a_star, starter=STARTER_ATTRITION) == pytest.approx(COMPLETED / 296, abs=1e-8)
    assert report_row(report, "per-step attrition a*").ours == pytest.approx(a_star)
    # The simulated experiments' completion: the exact expectation within the model's own
    # replicate spread (t interval of the experiments, widened to 4 standard errors).
    comp = report_row(report, "completion rate, all starters")
    half = comp.ci[1] - comp.ours
    assert abs(comp.ours - COMPLETED / 296) < 2 * half + 1e-9
    # Group ordering in the model: Boston starters (the target's region) need fewer steps than
    # random Nebraskans, with and without attrition; stockholders (closer in occupation) need no
    # more than random Nebraskans. Bands from the model's replicates (t intervals), not published numbers.
    truth = group_table(free)
    by = {g: truth.filter(pl.col("source_group") == g)["mean_intermediaries"].to_numpy()
          for g in ("boston_random", "nebraska_random", "nebraska_stockholders")}
    d = by["nebraska_random"] - by["boston_random"]
    assert d.mean() - 3 * d.std(ddof=1) / math.sqrt(d.size) > 0
    row = report_row(report, "difference in mean intermediaries, Nebraska random - Boston random")
    assert row.ci[0] > 0
    e = by["nebraska_random"] - by["nebraska_stockholders"]
    assert e.mean() + 3 * e.std(ddof=1) / math.sqrt(e.size) > 0
    # Completed chains are shorter than attrition-free ones (attrition favours short chains).
    for label in ("Nebraska random", "Nebraska stockholders", "Boston random"):
        done = report_row(report, f"mean intermediaries, completed chains, {label}")
        free_row = report_row(report, f"attrition-free mean intermediaries, {label}")
        assert done.ci[1] < free_row.ours
    # The kernel's own constant attrition agrees with cutting the attrition-free chains (same
    # cells' populations and starters): completion within 4 standard errors of the exact value.
    for a in sorted(x for x in chains["attrition"].unique().to_list() if x > 0):
        kern = chains.filter(pl.col("attrition") == a)
        per = kern.group_by("replicate").agg((pl.col("status") == "reached").mean())["status"].to_numpy()
        se = per.std(ddof=1) / math.sqrt(per.size)
        assert abs(per.mean() - expected_completion(s0, ok0, a)) < 4 * se
    # Reported numbers are recomputed from the cells (the cut is seeded).
    exps = group_table(cut_chains(free, STARTER_ATTRITION, a_star, 1969))
    allx = exps.filter(pl.col("source_group") == "all")["mean_intermediaries"].to_numpy()
    assert report_row(report, "mean intermediaries, completed chains (all").ours == pytest.approx(np.nanmean(allx))


def test_milgram_baseline_numbers_follow_from_the_model(milgram):
    from simulate.experiments.milgram1967 import PUBLISHED_COMPLETION, calibrate_attrition, expected_completion
    from simulate.sweep import read_cells

    report, _, out = milgram
    B = "geography-only baseline: "
    chains = read_cells(out / "data")
    free = chains.filter(pl.col("attrition") == 0.0)
    s0, ok0 = free["steps"].to_numpy(), (free["status"] == "reached").to_numpy()
    a_star = calibrate_attrition(s0, ok0, PUBLISHED_COMPLETION)
    assert 0 < a_star < 1 and expected_completion(s0, ok0, a_star) == pytest.approx(PUBLISHED_COMPLETION, abs=1e-8)
    assert report_row(report, B + "calibrated attrition").ours == pytest.approx(a_star)
    # The experiments run at the grid value nearest a*; their completion must agree with the
    # exact expectation from the attrition-free chains (coupling), up to sampling noise of
    # R x 296 chains and of the targets (wide band: 0.08).
    grid = sorted(a for a in chains["attrition"].unique().to_list() if a > 0)
    a_set = min(grid, key=lambda a: abs(a - a_star))
    comp = report_row(report, B + "completion rate, all")
    assert abs(comp.ours - expected_completion(s0, ok0, a_set)) < 0.08
    # A chain needs its starter to forward: completion <= 1 - a; among those who mailed it is higher.
    assert comp.ours <= 1 - a_set
    assert report_row(report, B + "completion among").ours > comp.ours
    # Attrition-biased completed chains are shorter than the attrition-free ones; the
    # correction can only lengthen them (weights grow with L) and should land near the truth.
    done = report_row(report, B + "mean intermediaries, completed").ours
    corr = report_row(report, B + "attrition-corrected mean").ours
    truth = report_row(report, B + "attrition-free mean").ours
    assert done < truth and corr >= done
    assert abs(corr - truth) < 1.0
    assert abs(report_row(report, B + "estimated per-step attrition").ours - a_set) < 0.05
    # Near starters are closer in the greedy metric: fewer hops than far starters.
    assert report_row(report, B + "mean intermediaries, near").ours < report_row(report, B + "mean intermediaries, far").ours
    # Greedy search cannot beat the shortest path.
    assert report_row(report, B + "shortest-path intermediaries").ours <= truth + 1e-9


def test_milgram_sensitivity_groups_move_the_way_the_bands_do(milgram):
    # Attrition-free chains, paired by experiment: a starter whose band lies closer to the target
    # (a smaller Boston region; stockholders nearer in occupation) needs no more steps. Bands
    # from the model's own replicate spread.
    from simulate.experiments.milgram1967 import group_table
    from simulate.sweep import read_cells

    report, _, out = milgram
    free = read_cells(out / "groups").filter(pl.col("attrition") == 0.0)
    t = group_table(free)
    by = {g: t.filter(pl.col("source_group") == g)["mean_intermediaries"].to_numpy()
          for g in t["source_group"].unique().to_list()}
    for near, far in (("sensitivity_boston_geo3", "sensitivity_boston_geo5"),
                      ("sensitivity_stockholders_occ3", "nebraska_random")):
        d = by[far] - by[near]
        assert d.mean() + 3 * d.std(ddof=1) / math.sqrt(d.size) > 0, (near, far)
    assert len([r for r in report.rows if r.quantity.startswith("sensitivity (assumed band)")]) == 4
