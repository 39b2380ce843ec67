"""Tests for simulate.implicit and simulate.kernels.implicit (populations that are never stored)."""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest
from hypothesis import given, settings, strategies as hst
from scipy import stats

from simulate.chains import Starters, run_chains
from simulate.errors import ParameterError
from simulate.generators import kleinberg_lattice
from simulate.implicit import IMPLICIT_MODELS, KleinbergPopulation, implicit_population
from simulate.kernels import implicit as ki
from simulate.kernels.generators.alias import alias_build
from simulate.kernels.random import keyed_state, stream_key, stream_states


def sphere_size(dim, d):
    """Points of Z^dim at L1 distance d, by brute-force enumeration (independent oracle)."""
    rng = range(-d, d + 1)
    import itertools

    return sum(1 for x in itertools.product(rng, repeat=dim) if sum(map(abs, x)) == d)


def chi2_pvalue(counts, probs):
    """Pearson chi-square p-value, merging cells with expected count < 5 into their neighbour."""
    n = counts.sum()
    exp = probs * n
    c_out, e_out, c_acc, e_acc = [], [], 0.0, 0.0
    for c, e in zip(counts, exp):
        c_acc += c
        e_acc += e
        if e_acc >= 5:
            c_out.append(c_acc)
            e_out.append(e_acc)
            c_acc = e_acc = 0.0
    if e_acc > 0:
        c_out[-1] += c_acc
        e_out[-1] += e_acc
    c_out, e_out = np.array(c_out), np.array(e_out)
    stat = ((c_out - e_out) ** 2 / e_out).sum()
    return stats.chi2.sf(stat, len(c_out) - 1)


# ------------------------------------------------------------------ the keyed streams
def test_keyed_state_is_row_of_stream_states():
    key = stream_key(7, (3, 4))
    rows = stream_states(7, 50, (3, 4))
    st = np.empty(4, dtype=np.uint64)
    for i in (0, 1, 17, 49):
        keyed_state(key, i, st)
        assert np.array_equal(st, rows[i])


# ------------------------------------------------------------------ the distance law
@pytest.mark.parametrize("dim,r", [(2, 0.0), (2, 1.0), (2, 2.0), (2, 3.5), (1, 2.0), (3, 2.0), (3, 0.5)])
def test_distance_sampler_chi_square_wide_bins(dim, r):
    """Link lengths follow S(d) d^-r exactly, including the geometric (rejection) bins:
    exact_upto = 8 forces most of 1..dmax into wide bins."""
    dmax = 300
    lo, width, loge, mass = ki.distance_bins(dim, r, dmax, 8, 4)
    assert lo[0] == 1 and lo[-1] + width[-1] == dmax + 1 and np.all(lo[1:] == lo[:-1] + width[:-1])
    prob, alias = alias_build(mass)
    st = stream_states(11, 1)[0]
    d = ki.sample_distances(200_000, prob, alias, lo, width, loge, dim, r, st)
    assert d.min() >= 1 and d.max() <= dmax
    closed = {1: lambda x: 2, 2: lambda x: 4 * x, 3: lambda x: 4 * x * x + 2}[dim]
    assert all(sphere_size(dim, x) == closed(x) for x in range(1, 8))  # the closed form, by enumeration
    sizes = np.array([closed(x) for x in range(1, dmax + 1)], dtype=float)
    w = sizes * np.arange(1, dmax + 1, dtype=float) ** -r
    counts = np.bincount(d, minlength=dmax + 1)[1:]
    assert chi2_pvalue(counts, w / w.sum()) > 1e-4


def test_distance_sampler_detects_a_wrong_law():
    """The chi-square above can fail: r = 2 draws against the r = 1.9 law are rejected."""
    dmax = 300
    lo, width, loge, mass = ki.distance_bins(2, 2.0, dmax, 8, 4)
    prob, alias = alias_build(mass)
    d = ki.sample_distances(200_000, prob, alias, lo, width, loge, 2, 2.0, stream_states(11, 1)[0])
    w = 4.0 * np.arange(1, dmax + 1) ** -0.9
    assert chi2_pvalue(np.bincount(d, minlength=dmax + 1)[1:], w / w.sum()) < 1e-6


@pytest.mark.parametrize("r", [0.0, 2.0, 2.5])
def test_link_lengths_at_side_2_24(r):
    """At side 2^24 (dmax = 2^25 - 2, no per-distance table) the lengths still follow 4d d^-r:
    chi-square over octaves [2^k, 2^(k+1)) with exact sums as the expected counts."""
    pop = implicit_population("kleinberg_lattice", side=2**24, r=r, seed=1)
    d = pop.link_lengths(300_000, seed=2)
    dmax = pop.dmax
    assert dmax == 2 * (2**24 - 1) and d.max() <= dmax
    edges = [1]
    while edges[-1] <= dmax:
        edges.append(edges[-1] * 2)
    edges[-1] = dmax + 1
    probs = []
    for a, b in zip(edges[:-1], edges[1:]):
        tot = 0.0
        for c0 in range(a, b, 1 << 22):  # exact sums in chunks
            x = np.arange(c0, min(b, c0 + (1 << 22)), dtype=np.float64)
            tot += (4 * x * x ** -r).sum()
        probs.append(tot)
    probs = np.array(probs) / sum(probs)
    counts = np.histogram(d, bins=edges)[0]
    assert chi2_pvalue(counts, probs) > 1e-4


@pytest.mark.parametrize("r", [0.0, 2.0])
def test_contact_offsets_on_torus_follow_d_minus_r(r):
    """Joint law of the contact offset on a 15 x 15 torus: P(v) ~ d(u,v)^-r over every v != u
    (checks the sphere point, the fundamental-box rejection and the law together)."""
    side = 15
    pop = implicit_population("kleinberg_lattice", side=side, r=r, q=10_000, periodic=True, seed=4)
    nodes = np.arange(0, side * side, 11)
    contacts = pop.long_range_contacts(nodes)
    u = pop.coordinates(np.repeat(nodes, pop.q))
    v = pop.coordinates(contacts.ravel())
    off = (v - u) % side  # offset as a torus cell
    cell = off[:, 0] + side * off[:, 1]
    counts = np.bincount(cell, minlength=side * side)
    assert counts[0] == 0  # never oneself
    ox, oy = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    dist = (np.minimum(ox, side - ox) + np.minimum(oy, side - oy)).T.ravel()
    w = np.where(dist > 0, np.maximum(dist, 1).astype(float) ** -r, 0.0)
    assert chi2_pvalue(counts[1:], w[1:] / w[1:].sum()) > 1e-4


def test_open_lattice_contacts_stay_inside_and_kgs_rules_avoid_last_row():
    pop = implicit_population("kleinberg_lattice", side=9, q=500, seed=2)
    c = pop.coordinates(pop.long_range_contacts(np.arange(81)).ravel())
    assert c.min() == 0 and c.max() == 8
    kgs = implicit_population("kleinberg_lattice", side=9, q=500, seed=2, kgs_rules=True)
    c = kgs.coordinates(kgs.long_range_contacts(np.arange(81)).ravel())
    assert c.max() == 7


# ------------------------------------------------------------------ quenched contacts
def test_quenched_contacts_same_on_revisit_and_threads():
    pop = implicit_population("kleinberg_lattice", side=2**20, q=3, r=2.0, seed=9)
    ids = np.array([0, 12345, 2**40 - 1, 12345, 0, 77], dtype=np.int64)
    a = pop.long_range_contacts(ids)
    assert np.array_equal(a[0], a[4]) and np.array_equal(a[1], a[3])
    assert np.array_equal(a, pop.long_range_contacts(ids))
    old = numba.get_num_threads()
    try:
        many = np.arange(0, 2**40, 2**40 // 3000, dtype=np.int64)
        numba.set_num_threads(1)
        one = pop.long_range_contacts(many)
        r1 = pop.run_chains(n_chains=300, n_targets=3, seed=4, max_steps=5000)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = pop.long_range_contacts(many)
        r2 = pop.run_chains(n_chains=300, n_targets=3, seed=4, max_steps=5000)
    finally:
        numba.set_num_threads(old)
    assert np.array_equal(one, two)
    assert r1.table.equals(r2.table)
    # Another seed is another population.
    other = implicit_population("kleinberg_lattice", side=2**20, q=3, r=2.0, seed=10)
    assert not np.array_equal(a, other.long_range_contacts(ids))


def test_quenched_paths_are_greedy_over_the_keyed_contacts():
    """Oracle: every step of a recorded quenched path goes to a contact of the holder (a local
    one within distance p, or one of its keyed long-range contacts) at the smallest distance to
    the target among all of the holder's contacts."""
    side, p = 40, 1
    pop = implicit_population("kleinberg_lattice", side=side, q=2, p=p, r=1.5, seed=3)
    res = pop.run_chains(n_chains=200, n_targets=5, seed=8, record_paths=True)
    assert (res.table["status"] == "reached").all()

    def dist(a, b):
        return int(np.abs(pop.coordinates(a)[0] - pop.coordinates(b)[0]).sum())

    for path, t in zip(res.table["path"].to_list()[:60], res.table["target"].to_list()[:60]):
        for h, nxt in zip(path[:-1], path[1:]):
            hc = pop.coordinates(h)[0]
            local = [h + dx + side * dy for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1))
                     if 0 <= hc[0] + dx < side and 0 <= hc[1] + dy < side]
            contacts = set(local) | set(pop.long_range_contacts(h)[0].tolist())
            assert nxt in contacts
            assert dist(nxt, t) == min(dist(v, t) for v in contacts)
            assert dist(nxt, t) < dist(h, t)


# ------------------------------------------------------------------ the stored twin
@pytest.mark.parametrize("mode,r,periodic", [("quenched", 2.0, False), ("annealed", 2.0, False),
                                             ("quenched", 0.0, True)])
def test_side_100_implicit_edt_matches_stored(mode, r, periodic):
    """Greedy routing on the implicit lattice and on the stored kleinberg_lattice(undirected=False)
    gives the same expected delivery time within sampling error (different graphs, same law;
    the pairs are the same for the same seed)."""
    stored = kleinberg_lattice(100, r=r, periodic=periodic, seed=5)
    a = run_chains(stored, n_chains=4000, n_targets=40, seed=1, compute_distances=False)
    pop = implicit_population("kleinberg_lattice", side=100, r=r, periodic=periodic, seed=6, mode=mode)
    b = run_chains(pop, n_chains=4000, n_targets=40, seed=1)
    assert a.table["target_id"].to_numpy().tolist() == b.table["target_id"].to_list()
    assert a.table["source_id"].to_numpy().tolist() == b.table["source_id"].to_list()
    sa, sb = a.table["steps"].to_numpy(), b.table["steps"].to_numpy()
    se = math.sqrt(sa.var() / sa.size + sb.var() / sb.size)
    assert abs(sa.mean() - sb.mean()) < 4 * se, (sa.mean(), sb.mean(), se)
    assert set(b.table.columns) >= set(a.table.columns)
    assert b.table["shortest_path"].null_count() == b.table.height


def test_side_100_comparison_can_fail():
    """The EDT comparison has power: r = 2 vs r = 0 lattices differ by far more than 4 SE."""
    pop2 = implicit_population("kleinberg_lattice", side=100, r=2.0, seed=6)
    pop0 = implicit_population("kleinberg_lattice", side=100, r=0.0, seed=6)
    sa = pop2.run_chains(n_chains=4000, n_targets=40, seed=1).table["steps"].to_numpy()
    sb = pop0.run_chains(n_chains=4000, n_targets=40, seed=1).table["steps"].to_numpy()
    se = math.sqrt(sa.var() / sa.size + sb.var() / sb.size)
    assert abs(sa.mean() - sb.mean()) > 4 * se


def test_attrition_cuts_the_attrition_free_chain_short():
    pop = implicit_population("kleinberg_lattice", side=300, seed=1, mode="annealed")
    free = pop.run_chains(n_chains=500, n_targets=5, seed=3)
    lossy = pop.run_chains(n_chains=500, n_targets=5, seed=3, attrition=0.2)
    s0, s1 = free.table["steps"].to_numpy(), lossy.table["steps"].to_numpy()
    reached = (lossy.table["status"] == "reached").to_numpy()
    assert np.array_equal(s0[reached], s1[reached])
    assert np.all(s1[~reached] <= s0[~reached])
    assert 0 < reached.mean() < 1
    summ = lossy.summary(n_boot=50)
    assert abs(summ["estimated_attrition"] - 0.2) < 0.05
    assert math.isnan(summ["mean_shortest_path"])


def test_kgs_rules_count_zero_step_routes_and_take_ties_locally():
    pop = implicit_population("kleinberg_lattice", side=3, q=1, seed=1, kgs_rules=True, mode="annealed")
    res = pop.run_chains(n_chains=3000, seed=2)
    t = res.table
    same = (t["source"] == t["target"]).to_numpy()
    assert same.any() and np.all(t["steps"].to_numpy()[same] == 0)
    assert (t["status"] == "reached").all()


@settings(max_examples=15)
@given(side=hst.integers(2, 12), dim=hst.integers(1, 3), p=hst.integers(1, 3), q=hst.integers(0, 3),
       r=hst.floats(0, 4), periodic=hst.booleans(), mode=hst.sampled_from(["quenched", "annealed"]))
def test_routing_always_arrives_within_the_starting_distance(side, dim, p, q, r, periodic, mode):
    if periodic and side <= 2 * p:
        with pytest.raises(ParameterError):
            implicit_population("kleinberg_lattice", side=side, dim=dim, p=p, q=q, r=r, periodic=periodic)
        return
    pop = implicit_population("kleinberg_lattice", side=side, dim=dim, p=p, q=q, r=r, periodic=periodic,
                              mode=mode, seed=1)
    res = pop.run_chains(n_chains=40, n_targets=4, seed=3)
    t = res.table
    assert (t["status"] == "reached").all()
    a, b = pop.coordinates(t["source"].to_numpy()), pop.coordinates(t["target"].to_numpy())
    x = np.abs(a - b)
    if periodic:
        x = np.minimum(x, side - x)
    start = x.sum(axis=1)
    steps = t["steps"].to_numpy()
    assert np.all(steps <= np.ceil(start / p)) and np.all(steps >= 1)


# ------------------------------------------------------------------ errors and registry
@pytest.mark.parametrize("params,match", [
    ({"side": 1}, "side"),
    ({"side": 2**31, "dim": 2}, "2\\^62"),
    ({"side": 10, "dim": 9}, "dim"),
    ({"side": 10, "r": -1.0}, "'r'"),
    ({"side": 4, "p": 2, "periodic": True}, "side > 2 p"),
    ({"side": 10, "p": 0}, "'p'"),
    ({"side": 10, "sides": 3}, "did you mean 'side'"),
    ({}, "required"),
])
def test_bad_parameters_are_clean_errors(params, match):
    with pytest.raises(ParameterError, match=match):
        implicit_population("kleinberg_lattice", **params)


def test_bad_names_and_options_are_clean_errors():
    with pytest.raises(ParameterError, match="did you mean 'kleinberg_lattice'"):
        implicit_population("kleinberg_latice", side=10)
    with pytest.raises(ParameterError, match="mode"):
        implicit_population("kleinberg_lattice", side=10, mode="frozen")
    pop = implicit_population("kleinberg_lattice", side=10)
    with pytest.raises(ParameterError, match="greedy_geo"):
        run_chains(pop, policy="greedy_geo")
    with pytest.raises(ParameterError, match="backtrack"):
        run_chains(implicit_population("kleinberg_lattice", side=10, mode="annealed"), backtrack=True)
    with pytest.raises(ParameterError, match="person ids"):
        run_chains(pop, starters=Starters(sources=[100], targets=[3]))
    with pytest.raises(ParameterError, match="same person"):
        run_chains(pop, starters=Starters(sources=[3], targets=[3]))
    assert "kleinberg_lattice" in IMPLICIT_MODELS.names()


def test_population_is_small_and_has_provenance(tmp_path):
    pop = implicit_population("kleinberg_lattice", side=2**24, seed=3)
    assert isinstance(pop, KleinbergPopulation) and pop.n == 2**48
    assert sum(a.nbytes for a in pop._law[:5]) < 200_000  # no per-person or per-distance arrays
    res = run_chains(pop, n_chains=50, n_targets=2, seed=1)
    assert res.table["source"].dtype.is_integer() and res.table["source"].to_numpy().max() > 2**31
    from simulate.chains import read_chains

    back = read_chains(res.to_parquet(tmp_path / "c.parquet"))
    assert back.table.equals(res.table)
    assert back.params["graph_meta"]["model"] == "kleinberg_lattice" and back.params["graph_meta"]["implicit"]
    assert back.graph_fingerprint == pop.fingerprint


@pytest.mark.parametrize("periodic,kgs,mode,drop", [(False, False, "quenched", 0.0), (True, False, "annealed", 0.1),
                                                   (False, True, "annealed", 0.0), (True, False, "quenched", 0.0)])
def test_2d_kernel_equals_general_kernel(periodic, kgs, mode, drop):
    """The scalar 2-D kernel (dim 2, p 1) draws exactly what the general kernel draws."""
    side = 10 if periodic else 37  # even torus side: exact side/2 ties occur
    pop = implicit_population("kleinberg_lattice", side=side, q=2, r=1.0, periodic=periodic, kgs_rules=kgs,
                              mode=mode, seed=2)
    n = 400
    src, tgt = pop._pairs(n, 8, None, None, None, 5)
    out = []
    for general in (False, True):
        states = stream_states(5, n, (9,))
        paths = np.full((n, 4 * side), -1, dtype=np.int64)
        res = pop._route(np.ascontiguousarray([[1, 0], [-1, 0], [0, 1], [0, -1]], dtype=np.int64),
                         pop.person_key(), src.astype(np.int64), tgt.astype(np.int64), states, 4 * side - 1, drop,
                         True, paths, general=general)
        out.append((res, paths))
    for x, y in zip(out[0][0], out[1][0]):
        assert np.array_equal(x, y)
    assert np.array_equal(out[0][1], out[1][1])


# ------------------------------------------------------------------ command line
def test_cli_chains_on_an_implicit_model_gives_the_stored_json_fields(tmp_path):
    import json

    from click.testing import CliRunner

    from simulate import write_graph
    from simulate.cli import main

    runner = CliRunner()
    r = runner.invoke(main, ["chains", "--model", "kleinberg_lattice", "-p", "side=1048576", "-p", "r=2",
                             "--chains", "300", "--seed", "1", "--json"])
    assert r.exit_code == 0, r.output
    got = json.loads(r.output)
    assert got["chains"] == 300 and got["reached"] == 300 and got["mean_shortest_path"] is None
    path = tmp_path / "k.parquet"
    write_graph(kleinberg_lattice(20, seed=1), path)
    stored = json.loads(runner.invoke(main, ["chains", str(path), "--chains", "50", "--json"]).output)
    assert set(got) == set(stored)
    r = runner.invoke(main, ["chains", "--model", "kleinberg_lattice", "-p", "side=300", "--mode", "annealed",
                             "--chains", "100", "--quiet", "--out", str(tmp_path / "c.parquet")])
    assert r.exit_code == 0 and "n/a" in r.output and (tmp_path / "c.parquet").exists()
    assert "kleinberg_lattice" in runner.invoke(main, ["chains", "--list-models"]).output


@pytest.mark.parametrize("args,match", [
    (["--model", "kleinberg_latice", "-p", "side=10"], "did you mean 'kleinberg_lattice'"),
    (["--model", "kleinberg_lattice", "-p", "side=1"], "side"),
    (["--model", "kleinberg_lattice", "-p", "sid=10"], "did you mean 'side'"),
    (["--model", "kleinberg_lattice", "-p", "side=10", "--policy", "greedy_geo"], "not available"),
    (["--model", "kleinberg_lattice", "-p", "side=10", "--mode", "annealed", "--backtrack"], "mode 'annealed'"),
    ([], "PATH|NAME or --model"),
])
def test_cli_implicit_errors_are_one_line(args, match):
    from click.testing import CliRunner

    from simulate.cli import main

    r = CliRunner().invoke(main, ["chains", *args])
    assert r.exit_code == 2
    assert match in r.output and "Traceback" not in r.output


# ------------------------------------------------------------------ configs
CONFIG = """
[graph]
implicit = "kleinberg_lattice"
side = 200
mode = "annealed"

[experiment]
kind = "chains"
chains = 300
targets = 3

[sweep]
"graph.r" = [0.0, 2.0]
"""


def test_config_implicit_graph_runs_a_sweep(tmp_path):
    import polars as pl

    from simulate.config import parse_config
    from simulate.sweep import run_sweep

    cfg = parse_config(CONFIG, base_dir=tmp_path)
    run_sweep(cfg, out=tmp_path / "out")
    cells = sorted((tmp_path / "out").rglob("*.parquet"))
    tables = [pl.read_parquet(p) for p in cells if "manifest" not in p.name]
    tables = [t for t in tables if "steps" in t.columns]
    assert len(tables) == 2
    means = sorted(t["steps"].mean() for t in tables)
    assert means[0] < means[1]  # r = 2 routes faster than r = 0 at side 200
    assert all(t["shortest_path"].null_count() == t.height for t in tables)


@pytest.mark.parametrize("edit,match", [
    (('implicit = "kleinberg_lattice"', 'implicit = "kleinberg_latice"'), "did you mean 'kleinberg_lattice'"),
    (("side = 200", "sid = 200"), "did you mean 'side'"),
    (("side = 200", "side = 1"), "side"),
    (('mode = "annealed"', 'mode = "frozen"'), "mode"),
])
def test_config_implicit_errors_name_the_key(tmp_path, edit, match):
    from simulate.config import parse_config
    from simulate.errors import ConfigError

    with pytest.raises(ConfigError, match=match):
        parse_config(CONFIG.replace(*edit), base_dir=tmp_path)


# ------------------------------------------------------------------ Watts-Dodds-Newman
def test_feistel_is_a_keyed_bijection():
    for n in (2, 3, 10, 101, 1000, 4099):
        keys = np.random.default_rng(n).integers(0, 2**63, 4, dtype=np.uint64)
        a = math.isqrt(n - 1) + 1
        f = [ki.feistel_permute(np.int64(x), np.int64(n), *keys, np.int64(a)) for x in range(n)]
        assert sorted(f) == list(range(n))
        assert [ki.feistel_invert(np.int64(y), np.int64(n), *keys, np.int64(a)) for y in f] == list(range(n))
    assert f != list(range(n))  # not the identity


@pytest.mark.parametrize("lam", [0.5, 3.0, 25.0, 300.0])
def test_poisson_sampler_chi_square(lam):
    import numba as nb

    @nb.njit
    def draw(n, st, lam):
        out = np.empty(n, dtype=np.int64)
        for i in range(n):
            out[i] = ki.poisson(st, lam)
        return out

    x = draw(100_000, stream_states(3, 1)[0], lam)
    kmax = int(lam + 12 * math.sqrt(lam) + 10)
    counts = np.bincount(np.minimum(x, kmax), minlength=kmax + 1)
    probs = stats.poisson.pmf(np.arange(kmax + 1), lam)
    probs[-1] += stats.poisson.sf(kmax, lam)
    assert chi2_pvalue(counts.astype(float), probs) > 1e-4


def _wdn_stored_and_implicit(alpha, z=10.0):
    from simulate.generators import hierarchical_identity
    from simulate.kernels.generators.hierarchical import social_distance

    kw = dict(branching=2, depth=7, group_size=100, dimensions=2, alpha=alpha, mean_degree=z)
    g = hierarchical_identity(seed=3, **kw)
    ident = np.column_stack([g.node_attrs[f"identity_{h}"].to_numpy() for h in range(2)])
    deg = np.diff(g.indptr)
    src = np.repeat(np.arange(g.n), deg)
    y_stored = np.array([social_distance(ident[u], ident[v], 2) for u, v in zip(src[:40_000], g.indices[:40_000])])
    pop = implicit_population("hierarchical_identity", seed=4, **kw)
    people = np.random.default_rng(1).integers(0, pop.n, 4000)
    contacts = pop.fresh_contacts(people, seed=2)
    deg_imp = np.array([np.unique(c).size for c in contacts])
    pid = pop.identities(people)
    y_imp = []
    for i, c in zip(range(len(people)), contacts):
        cid = pop.identities(c) if c.size else np.zeros((0, 2), dtype=np.int64)
        for row in cid:
            y_imp.append(social_distance(pid[i], row, 2))
    return deg, deg_imp, y_stored, np.array(y_imp)


def _tv(a, b, kmax):
    pa = np.bincount(np.minimum(a, kmax), minlength=kmax + 1) / a.size
    pb = np.bincount(np.minimum(b, kmax), minlength=kmax + 1) / b.size
    return 0.5 * np.abs(pa - pb).sum()


def test_wdn_implicit_matches_stored_degrees_and_social_distances():
    """At N = 12,800 (z = 10 << g = 100) the implicit contacts have the stored generator's
    degree distribution and distribution of social distance y across links (total variation
    distance; the implicit groups are equal-sized, the stored ones of dimension 1 multinomial)."""
    deg, deg_imp, y, y_imp = _wdn_stored_and_implicit(1.0)
    assert abs(deg.mean() - deg_imp.mean()) < 0.03 * deg.mean()
    assert _tv(deg, deg_imp, 40) < 0.04
    assert _tv(y, y_imp, 9) < 0.03
    # ... and the comparison can fail: alpha = 0 links are much farther apart.
    _, _, _, y0 = _wdn_stored_and_implicit(0.0)
    assert _tv(y, y0, 9) > 0.2


def test_wdn_routing_close_to_stored_and_reports_revisits():
    from simulate.generators import hierarchical_identity

    kw = dict(branching=2, depth=7, group_size=100, dimensions=2, alpha=1.0, mean_degree=10.0)
    a = run_chains(hierarchical_identity(seed=3, **kw), "greedy_hierarchy", n_chains=1500, n_targets=15, seed=1,
                   compute_distances=False)
    b = run_chains(implicit_population("hierarchical_identity", seed=4, **kw), "greedy_hierarchy",
                   n_chains=1500, n_targets=15, seed=1)
    sa, sb = a.summary(n_boot=20), b.summary(n_boot=20)
    assert abs(sa["completion_rate"] - sb["completion_rate"]) < 0.05
    assert abs(sa["mean_steps_reached"] - sb["mean_steps_reached"]) < 0.1 * sa["mean_steps_reached"]
    assert 0 <= b.params["revisit_share"] <= 1 and "revisit" in b.table.columns


def test_wdn_at_ten_to_the_ten_people_is_small():
    pop = implicit_population("hierarchical_identity", branching=10, depth=8, group_size=100, mean_degree=300,
                              alpha=1.0, seed=1)
    assert pop.n == 10**10
    res = run_chains(pop, "greedy_hierarchy", n_chains=200, n_targets=4, seed=2, attrition=0.25)
    assert res.table["source"].max() > 2**31
    assert set(res.table["status"].unique()) <= {"reached", "dropped", "dead_end", "max_steps"}
    assert res.summary(n_boot=20)["estimated_attrition"] == pytest.approx(0.25, abs=0.1)


@pytest.mark.parametrize("params,match", [
    ({"branching": 10, "depth": 18, "group_size": 10**5}, "2\\^62"),
    ({"alpha": 51.0}, "'alpha'"),
    ({"group_size": 1}, "group_size"),
    ({"branching": 1}, "branching"),
    ({"mode": "frozen"}, "mode"),
])
def test_wdn_bad_parameters(params, match):
    with pytest.raises(ParameterError, match=match):
        implicit_population("hierarchical_identity", **params)
    with pytest.raises(ParameterError, match="greedy_hierarchy"):
        run_chains(implicit_population("hierarchical_identity", depth=3), "greedy_lattice")


def test_scale_experiment_r_star_and_fits_recover_known_values():
    from simulate.experiments.implicit_scale import fit_forms, r_star

    rs = np.round(np.arange(1.0, 2.31, 0.1), 2)
    assert r_star(rs, np.exp((rs - 1.63) ** 2) * 50) == pytest.approx(1.63, abs=1e-6)
    sides = [2 ** k for k in (8, 10, 12, 14, 16)]
    stars = [2 - 3.0 / math.log(s) for s in sides]
    fits = fit_forms(sides, stars)
    assert fits["r* = 2 - c/ln(side)"][0][0] == pytest.approx(3.0, rel=1e-4)
    assert fits["r* = 2 - c/ln(side)"][1] < 1e-10


def test_scale_experiment_searchability_q_is_the_weighted_completion():
    from simulate.experiments.implicit_scale import searchability

    tab = searchability([3], [1.0], [2], chains=200)
    pop = implicit_population("hierarchical_identity", branching=2, depth=3, group_size=100, mean_degree=99.0,
                              dimensions=2, alpha=1.0, seed=1)
    t = run_chains(pop, "greedy_hierarchy", n_chains=200, n_targets=10, seed=1, max_steps=100).table
    w = np.where((t["status"] == "reached").to_numpy(), 0.75 ** t["steps"].to_numpy(), 0.0)
    assert tab["q"][0] == pytest.approx(w.mean()) and tab["N"][0] == 800
    assert tab["searchable"][0] == (w.mean() >= 0.05)
