"""Tests for simulate.generators: registry/validation, determinism, statistics vs theory and networkx."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import networkx as nx
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats

import naive
from simulate import read_graph
from simulate.cli import main
from simulate.errors import ParameterError
from simulate.generators import (MODELS, REQUIRED, barabasi_albert, directed_follower, erdos_renyi, generate,
                                 hierarchical_identity, kleinberg_lattice, power_law, rank_geographic,
                                 social_distance, tree_distance, watts_strogatz)
from simulate.generators.geographic import rank_links
from simulate.generators.kleinberg import long_range_contacts

SMALL = {
    "erdos_renyi": dict(n=300, p=0.03),
    "watts_strogatz": dict(n=300, k=6, p=0.2),
    "barabasi_albert": dict(n=300, m=3),
    "power_law": dict(n=500, gamma=2.5, mean_degree=8, communities=4, within=0.8),
    "kleinberg_lattice": dict(side=12, r=2.0, q=2),
    "hierarchical_identity": dict(branching=2, depth=4, group_size=8, dimensions=2, alpha=1.0, mean_degree=6),
    "rank_geographic": dict(n=600, mean_degree=5),
    "directed_follower": dict(n=500, mean_degree=8),
    "networking_population": dict(depth=3, group_size=20, mean_degree=6, macro_extra=5, center_extra=4),
    "facebook_like": dict(n=800, median_degree=8.0, mean_degree=12.0, max_degree=100.0, countries=2),
}


def undirected_edge_set(g):
    s, d = g.edges()
    return set(zip(s.tolist(), d.tolist()))


def reciprocity(g):
    src, dst = g.edges()
    fwd = src * g.n + dst
    rev = dst * g.n + src
    return float(np.isin(rev, fwd).mean())


# ---------------------------------------------------------------------------- registry and validation
def test_registry_lists_every_model_with_typed_params():
    assert set(MODELS) == set(SMALL)
    for name, spec in MODELS.items():
        assert spec.name == name and callable(spec.function) and spec.description
        for pname, ps in spec.params.items():
            assert ps.name == pname and ps.type in (int, float, bool, str) and ps.doc
            if ps.low is not None and ps.high is not None:
                assert ps.low <= ps.high
            assert ps.default is REQUIRED or ps.default is None or isinstance(ps.default, ps.type)


def test_unknown_parameter_suggests_the_close_name():
    with pytest.raises(ParameterError, match=r"no parameter 'sid'.*did you mean 'side'"):
        generate("kleinberg_lattice", sid=10)
    with pytest.raises(ParameterError, match="did you mean 'watts_strogatz'"):
        generate("watts_strogats", n=10, k=2, p=0.1)


@pytest.mark.parametrize("model, params, pattern", [
    ("watts_strogatz", dict(n=10, k=2, p=1.5), r"'p' of watts_strogatz must be float in \[0, 1\]"),
    ("watts_strogatz", dict(n=10, k=3, p=0.5), r"'k'.*even"),
    ("watts_strogatz", dict(n=10, k=2), r"'p' of watts_strogatz is required"),
    ("watts_strogatz", dict(n=10.5, k=2, p=0.1), r"'n'.*integer"),
    ("watts_strogatz", dict(n="10", k=2, p=0.1), r"'n' of watts_strogatz must be int"),
    ("erdos_renyi", dict(n=10), r"exactly one of 'm'"),
    ("erdos_renyi", dict(n=10, m=46), r"'m' of erdos_renyi must be an int in \[0, n\(n-1\)/2 = 45\]"),
    ("erdos_renyi", dict(n=-1, p=0.1), r"'n' of erdos_renyi must be int in \[0, "),
    ("barabasi_albert", dict(n=5, m=5), r"'m' of barabasi_albert must be an int in \[1, n - 1 = 4\]"),
    ("barabasi_albert", dict(n=1, m=1), r"'n' of barabasi_albert must be int in \[2, "),
    ("power_law", dict(n=10, gamma=1.5, mean_degree=2), r"'gamma' of power_law must be float in \[2.0001, 50\]"),
    ("power_law", dict(n=10, gamma=2.5, mean_degree=2, model="chunglu"), r"'model'.*one of chung_lu, configuration"),
    ("power_law", dict(n=100, gamma=2.5, mean_degree=20, max_degree=5), r"'max_degree'.*>= mean_degree"),
    ("power_law", dict(n=1000, gamma=2.5, mean_degree=5, communities=2, within=0.1), r"'within'.*\[0\.[45]"),
    ("kleinberg_lattice", dict(side=10, r=-1.0), r"'r' of kleinberg_lattice must be float in \[0, 1000\]"),
    ("kleinberg_lattice", dict(side=10, periodic=1), r"'periodic'.*true or false"),
    ("kleinberg_lattice", dict(side=100000, dim=3), r"exceeds"),
    ("hierarchical_identity", dict(n=100, depth=2, group_size=10), r"'n'.*must equal .* = 40"),
    ("hierarchical_identity", dict(depth=3, group_size=4, alpha=40.0, mean_degree=6.0), r"unreachable"),
    ("rank_geographic", dict(), r"needs 'positions' or 'n'"),
    ("directed_follower", dict(n=10, mutual_pair_share=1.2), r"'mutual_pair_share'.*\[0, 1\]"),
    ("directed_follower", dict(n=10, reciprocity=0.221), r"'reciprocity'.*retired.*ARCS.*mutual_pair_share"),
])
def test_invalid_parameters_raise_parameter_error(model, params, pattern):
    with pytest.raises(ParameterError, match=pattern):
        generate(model, **params)


def test_public_functions_validate_too_and_take_positional_arguments():
    g = watts_strogatz(20, 4, 0.0, seed=3)
    assert g.num_edges == 40
    with pytest.raises(ParameterError, match="seed"):
        watts_strogatz(20, 4, 0.0, seed=-1)
    with pytest.raises(ParameterError, match="given twice"):
        watts_strogatz(20, 4, 0.0, n=20)
    # a parameter called "model" does not clash with generate's model name
    assert generate("power_law", model="configuration", n=50, gamma=3.0, mean_degree=4).meta["sampling"] == "configuration"


# ---------------------------------------------------------------------------- determinism
def test_same_seed_same_graph_and_different_seeds_differ():
    for name, params in SMALL.items():
        a, b, c = (generate(name, seed=s, **params) for s in (7, 7, 8))
        assert a.fingerprint == b.fingerprint, name
        assert a.fingerprint != c.fingerprint, name
        if a.node_attrs is not None:
            assert a.node_attrs.equals(b.node_attrs), name


def test_output_independent_of_thread_count():
    code = ("import json, sys; sys.path.insert(0, 'tests'); from test_generators import SMALL; "
            "from simulate.generators import generate; "
            "print(json.dumps({k: generate(k, seed=5, **v).fingerprint for k, v in SMALL.items()}))")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    prints = []
    for threads in ("1", "2"):
        env = dict(os.environ, NUMBA_NUM_THREADS=threads)
        out = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True,
                             check=True)
        prints.append(json.loads(out.stdout.strip().splitlines()[-1]))
    assert prints[0] == prints[1]
    assert prints[0] == {k: generate(k, seed=5, **v).fingerprint for k, v in SMALL.items()}


# ---------------------------------------------------------------------------- tiny graphs
@pytest.mark.parametrize("n", [0, 1, 2])
def test_tiny_graphs(n):
    assert erdos_renyi(n, p=1.0).num_edges == n * (n - 1) // 2
    assert erdos_renyi(n, m=n * (n - 1) // 2).num_edges == n * (n - 1) // 2
    assert erdos_renyi(n, p=0.0).num_edges == 0
    assert watts_strogatz(n, 2, 0.5).num_edges == n * (n - 1) // 2  # k >= n: complete graph
    assert watts_strogatz(n, 0, 0.5).num_edges == 0
    g = power_law(n, 2.5, 1.0)
    assert g.n == n and (g.out_degree() < max(n, 1)).all()
    assert power_law(n, 2.5, 1.0, model="configuration").n == n
    k = kleinberg_lattice(n, dim=2, q=3)
    assert k.n == n * n and k.node_attrs.height == n * n
    assert rank_geographic(n=n, mean_degree=3).n == n
    assert directed_follower(n, mean_degree=1.0).n == n
    if n == 2:
        assert barabasi_albert(2, 1).num_edges == 1
        assert set(map(tuple, np.stack(kleinberg_lattice(2, dim=1, q=1, p=0).edges(), 1).tolist())) == {(0, 1), (1, 0)}
    assert hierarchical_identity(branching=2, depth=0, group_size=max(n, 1), dimensions=1, mean_degree=0.0).n == max(n, 1)


# ---------------------------------------------------------------------------- Erdos-Renyi
def test_gnm_exact_count_and_uniform_over_pairs():
    n, m, reps = 6, 4, 1000
    counts = np.zeros((n, n))
    for s in range(reps):
        g = erdos_renyi(n, m=m, seed=s)
        assert g.num_edges == m
        a, b = g.edges()
        np.add.at(counts, (a, b), 1)
    iu = np.triu_indices(n, 1)
    obs = counts[iu]
    assert stats.chisquare(obs, np.full(obs.shape, obs.sum() / obs.size)).pvalue > 1e-3
    dense = erdos_renyi(30, m=400, seed=1)  # m > N/2: the complement path
    assert dense.num_edges == 400


def test_gnp_edge_count_and_degrees_match_networkx():
    n, p = 2000, 0.004
    ours = [erdos_renyi(n, p=p, seed=s) for s in range(4)]
    pairs = n * (n - 1) / 2
    total = sum(g.num_edges for g in ours)
    assert abs(total - 4 * pairs * p) < 4 * math.sqrt(4 * pairs * p * (1 - p))
    theirs = np.concatenate([[d for _, d in nx.fast_gnp_random_graph(n, p, seed=s).degree()] for s in range(4)])
    assert stats.ks_2samp(np.concatenate([g.out_degree() for g in ours]), theirs).pvalue > 1e-3
    mine = np.concatenate([erdos_renyi(n, m=8000, seed=s).out_degree() for s in range(4)])
    nxm = np.concatenate([[d for _, d in nx.gnm_random_graph(n, 8000, seed=s).degree()] for s in range(4)])
    assert stats.ks_2samp(mine, nxm).pvalue > 1e-3


# ---------------------------------------------------------------------------- Watts-Strogatz
def test_ws_p0_is_the_ring_lattice_and_p1_keeps_edges():
    n, k = 50, 6
    assert undirected_edge_set(watts_strogatz(n, k, 0.0, seed=1)) == naive.generators_ring_lattice_edges(n, k)
    g = watts_strogatz(n, k, 1.0, seed=1)
    assert g.num_edges == n * k // 2 and g.report.duplicates_dropped == 0
    assert undirected_edge_set(g) != naive.generators_ring_lattice_edges(n, k)
    assert undirected_edge_set(watts_strogatz(7, 6, 0.5)) == {(i, j) for i in range(7) for j in range(i + 1, 7)}


def test_ws_clustering_follows_barrat_weigt_and_degrees_match_networkx():
    n, k = 3000, 10
    for p in (0.0, 0.05, 0.2):
        c = nx.average_clustering(watts_strogatz(n, k, p, seed=2).to_networkx())
        theory = 3 * (k - 2) / (4 * (k - 1)) * (1 - p) ** 3
        assert abs(c - theory) < 0.02 + 0.05 * theory, (p, c, theory)
    ours = np.concatenate([watts_strogatz(1000, 8, 0.3, seed=s).out_degree() for s in range(3)])
    theirs = np.concatenate([[d for _, d in nx.watts_strogatz_graph(1000, 8, 0.3, seed=s).degree()] for s in range(3)])
    assert stats.ks_2samp(ours, theirs).pvalue > 1e-3


# ---------------------------------------------------------------------------- Barabasi-Albert
def test_ba_edges_degrees_and_tail_exponent():
    n, m = 3000, 3
    g = barabasi_albert(n, m, seed=1)
    assert g.num_edges == m + (n - m - 1) * m and g.report.duplicates_dropped == 0
    ours = np.concatenate([barabasi_albert(n, m, seed=s).out_degree() for s in range(3)])
    theirs = np.concatenate([[d for _, d in nx.barabasi_albert_graph(n, m, seed=s).degree()] for s in range(3)])
    assert stats.ks_2samp(ours, theirs).pvalue > 1e-3
    big = barabasi_albert(60000, m, seed=4).out_degree()
    gamma = naive.generators_powerlaw_mle(big, kmin=12)
    assert 2.7 < gamma < 3.3, gamma


# ---------------------------------------------------------------------------- power law
def test_chung_lu_mean_degree_and_tail():
    g = power_law(40000, 2.5, 12.0, seed=1)
    deg = g.out_degree()
    assert abs(deg.mean() - 12.0) < 0.05 * 12.0
    assert abs(naive.generators_powerlaw_mle(deg, kmin=40) - 2.5) < 0.2
    assert g.report.self_loops_dropped == 0 and g.report.duplicates_dropped == 0


def test_facebook_like_degree_sequence_is_reachable():
    deg = power_law(20000, 2.5, 190.0, max_degree=5000, seed=3).out_degree()
    assert abs(deg.mean() - 190) < 10
    assert 85 <= np.median(deg) <= 115
    assert deg.max() <= 5000 * 1.1


def test_configuration_model_reports_erasures_and_keeps_degrees():
    g = power_law(5000, 2.2, 6.0, model="configuration", seed=2)
    assert g.meta["self_loops_erased"] == g.report.self_loops_dropped > 0
    assert g.meta["multi_edges_erased"] == g.report.duplicates_dropped > 0
    stubs = 2 * g.report.input_edges
    assert abs(stubs / g.n - 6.0) < 0.3  # stub count = rounded weights, mean 6
    assert abs(naive.generators_powerlaw_mle(g.out_degree(), kmin=20) - 2.2) < 0.25


@pytest.mark.parametrize("model", ["chung_lu", "configuration"])
def test_communities_put_the_requested_share_of_edges_inside_groups(model):
    # hubs capped well below the group size (667): otherwise clipping / multi-edge erasure inside
    # groups lowers the realised share (documented)
    g = power_law(20000, 2.5, 20.0, max_degree=300, communities=30, within=0.84, model=model, seed=4)
    country = g.node_attrs["country"].to_numpy()
    assert country.min() == 0 and country.max() == 29
    s, d = g.edges()
    assert abs((country[s] == country[d]).mean() - 0.84) < 0.02
    assert abs(g.out_degree().mean() - 20.0) < 2.0


# ---------------------------------------------------------------------------- Kleinberg
def test_kleinberg_local_contacts_are_the_grid():
    g = kleinberg_lattice(6, q=0, p=1)
    G = nx.convert_node_labels_to_integers(nx.grid_2d_graph(6, 6), ordering="sorted")  # (i, j) -> 6 i + j
    expected = {(6 * b + a, 6 * d + c) for (a, b), (c, d) in [(divmod(u, 6), divmod(v, 6)) for u, v in G.edges()]}
    expected |= {(v, u) for u, v in expected}
    src, dst = g.edges()
    assert g.directed and set(zip(src.tolist(), dst.tolist())) == expected
    t = kleinberg_lattice(5, dim=3, q=0, p=2, periodic=True)
    assert (t.out_degree() == 24).all()  # L1 sphere sizes 6 + 18 in 3-D
    coords = g.node_attrs
    assert coords.columns == ["coord_0", "coord_1"] and coords["coord_0"][7] == 1 and coords["coord_1"][7] == 1
    assert kleinberg_lattice(4, q=1, undirected=True).directed is False


@pytest.mark.parametrize("periodic, r, side", [(False, 2.0, 7), (True, 1.5, 6), (False, 0.0, 5), (True, 3.0, 5)])
def test_kleinberg_long_links_follow_d_power_minus_r_exactly(periodic, r, side):
    q = 4000
    dst = long_range_contacts(side, 2, r, q, periodic, seed=11)
    for u in (0, side + 2, side * side // 2):
        probs, _ = naive.generators_kleinberg_target_probs(side, 2, r, periodic, u)
        obs = np.bincount(dst[u * q:(u + 1) * q], minlength=side * side)
        assert obs[u] == 0
        keep = probs * q >= 5
        expected = probs[keep] * q
        chi = stats.chisquare(obs[keep], expected * obs[keep].sum() / expected.sum())
        assert chi.pvalue > 1e-3, (u, chi)


def test_kleinberg_exponent_mle_on_torus():
    side, r = 61, 2.0
    dst = long_range_contacts(side, 2, r, 1, True, seed=3)
    u = np.arange(side * side)
    du = np.abs(dst % side - u % side)
    dv = np.abs(dst // side - u // side)
    d = np.minimum(du, side - du) + np.minimum(dv, side - dv)
    counts = naive.generators_torus_distance_counts(side, 2)
    ds = np.arange(1, len(counts))

    def nll(rr):
        logz = np.log((counts[1:] * ds ** (-rr)).sum())
        return rr * np.log(d).sum() + len(d) * logz

    fit = optimize.minimize_scalar(nll, bounds=(0.5, 4.0), method="bounded").x
    assert abs(fit - r) < 0.05, fit


def test_kleinberg_long_link_lengths_match_networkx():
    side, r = 12, 2.0

    def long_lengths(edges_with_coords):
        return np.array([abs(a[0] - b[0]) + abs(a[1] - b[1]) for a, b in edges_with_coords if abs(a[0] - b[0]) + abs(a[1] - b[1]) > 1])

    theirs = np.concatenate([long_lengths(nx.navigable_small_world_graph(side, p=1, q=1, r=r, seed=s).edges()) for s in range(6)])
    ours = []
    for s in range(6):
        g = kleinberg_lattice(side, r=r, seed=s)
        c = np.stack([g.node_attrs["coord_0"].to_numpy(), g.node_attrs["coord_1"].to_numpy()], 1)
        a, b = g.edges()
        d = np.abs(c[a] - c[b]).sum(1)
        ours.append(d[d > 1])
    assert stats.ks_2samp(np.concatenate(ours), theirs).pvalue > 1e-3


# ---------------------------------------------------------------------------- hierarchical identity
@settings(max_examples=200, deadline=None)
@given(st.integers(2, 5), st.integers(0, 6), st.data())
def test_tree_distance_matches_ancestor_lists(b, depth, data):
    a = data.draw(st.integers(0, b**depth - 1))
    c = data.draw(st.integers(0, b**depth - 1))
    assert tree_distance(a, c, b) == naive.generators_tree_distance(a, c, b, depth)
    ids_a = np.array([a, c], dtype=np.int64)
    ids_b = np.array([c, c], dtype=np.int64)
    assert social_distance(ids_a, ids_b, b) == 1


def test_hierarchical_identities_and_link_distances():
    b, depth, g_size, alpha = 2, 7, 40, 0.7
    g = hierarchical_identity(branching=b, depth=depth, group_size=g_size, dimensions=1, alpha=alpha,
                              mean_degree=4.0, seed=2)
    n = g_size * b**depth
    assert g.n == n and g.num_edges == round(4.0 * n / 2)
    ident = g.node_attrs["identity_0"].to_numpy()
    assert (ident == np.arange(n) // g_size).all()
    s, d = g.edges()
    x = np.array([tree_distance(i, j, b) for i, j in zip(ident[s], ident[d])])
    xs = np.arange(1, depth + 2)
    expected = np.exp(-alpha * xs) / np.exp(-alpha * xs).sum()
    observed = np.bincount(x, minlength=depth + 2)[1:] / len(x)
    assert 0.5 * np.abs(observed - expected).sum() < 0.02, (observed, expected)
    g2 = hierarchical_identity(branching=3, depth=3, group_size=5, dimensions=3, seed=1, mean_degree=6.0)
    assert g2.node_attrs.columns == ["identity_0", "identity_1", "identity_2"]
    assert g2.node_attrs["identity_2"].max() < 27 and g2.meta["branching"] == 3 and g2.meta["depth"] == 3


# ---------------------------------------------------------------------------- rank-based geography
@pytest.mark.parametrize("alpha, layout", [(1.0, "uniform"), (1.5, "clustered")])
def test_rank_geographic_ranks_match_brute_force(alpha, layout):
    rng = np.random.default_rng(5)
    n, k = 3000, 8
    if layout == "uniform":
        xy = rng.random((n, 2))
    else:
        xy = np.clip(rng.random((10, 2))[rng.integers(0, 10, n)] + rng.normal(0, 0.03, (n, 2)), 0, 1)
    dst = rank_links(xy[:, 0], xy[:, 1], np.arange(n + 1) * k, alpha, 1.0, seed=1)
    src = np.repeat(np.arange(n), k)
    assert (dst != src).all()
    ranks = naive.generators_ranks(xy, src, dst)
    edges = 2.0 ** np.arange(0, 13)
    rr = np.arange(1, n)
    theory = np.histogram(rr, bins=edges, weights=rr ** -alpha)[0]
    theory /= theory.sum()
    observed = np.histogram(ranks, bins=edges)[0] / len(ranks)
    assert 0.5 * np.abs(observed - theory).sum() < 0.02, (observed, theory)


def test_rank_geographic_uniform_share_and_positions():
    n = 2000
    g = rank_geographic(n=n, mean_degree=6, geo_fraction=0.0, seed=2)
    xy = np.stack([g.node_attrs["x"].to_numpy(), g.node_attrs["y"].to_numpy()], 1)
    s, d = g.edges()
    ranks = naive.generators_ranks(xy, s, d)
    assert stats.kstest(ranks / n, "uniform").pvalue > 1e-3
    import polars as pl

    pos = pl.DataFrame({"lat": rng_lat(500), "lon": rng_lat(500, 1) * 2})
    h = rank_geographic(pos, mean_degree=4.5, seed=1)
    assert h.n == 500 and h.node_attrs.columns == ["lat", "lon"] and h.directed
    assert abs(h.report.input_edges / 500 - 4.5) < 0.3


def rng_lat(n, s=0):
    return np.random.default_rng(s).uniform(30, 50, n)


# ---------------------------------------------------------------------------- directed follower
@pytest.mark.parametrize("target", [0.0, 0.221, 0.6, 1.0])
def test_follower_mutual_pair_share_matches_target(target):
    import igraph

    g = directed_follower(5000, gamma_out=2.4, gamma_in=2.2, mean_degree=15, mutual_pair_share=target, seed=3)
    assert g.directed and g.report.self_loops_dropped == 0
    s, d = g.edges()
    ig = igraph.Graph(n=g.n, edges=np.column_stack([s, d]).tolist(), directed=True)
    # Kwak et al.'s measure: share of connected pairs joined both ways (igraph's "ratio").
    assert abs(ig.reciprocity(mode="ratio") - target) < 0.005
    # The arc share is the other reading of the same graph: r_a = 2 r_p / (1 + r_p).
    assert reciprocity(g) == pytest.approx(ig.reciprocity(mode="default"))
    assert abs(reciprocity(g) - 2 * target / (1 + target)) < 0.005
    assert g.meta["mutual_pair_share_realised"] == pytest.approx(ig.reciprocity(mode="ratio"))
    assert abs(g.num_edges / g.n - 15) < 1.5
    indeg = g.in_degree()
    assert indeg.max() > 10 * indeg.mean()  # heavy tail


# ---------------------------------------------------------------------------- CLI
@pytest.mark.parametrize("ext", [".parquet", ".swg"])
def test_cli_generate_round_trip(tmp_path, ext):
    out = tmp_path / f"g{ext}"
    res = CliRunner().invoke(main, ["generate", "kleinberg_lattice", "-p", "side=8", "--param", "r=1.5",
                                    "-p", "periodic=true", "--seed", "4", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "64 nodes" in res.stderr
    back = read_graph(str(out))
    g = kleinberg_lattice(8, r=1.5, periodic=True, seed=4)
    assert back.fingerprint == g.fingerprint
    assert back.meta["model"] == "kleinberg_lattice" and back.meta["side"] == 8 and back.meta["periodic"] is True
    assert back.node_attrs["coord_1"].to_list() == g.node_attrs["coord_1"].to_list()


def test_cli_generate_errors_and_list():
    r = CliRunner()
    res = r.invoke(main, ["generate", "watts_strogatz", "-p", "n=10", "-p", "k=4", "-p", "p=2"])
    assert res.exit_code == 2 and "parameter 'p' of watts_strogatz must be float in [0, 1]" in res.stderr
    res = r.invoke(main, ["generate", "watts_strogatz", "-p", "n=10", "-p", "kk=4"])
    assert res.exit_code == 2 and "did you mean 'k'" in res.stderr
    res = r.invoke(main, ["generate", "watts_strogatz", "-p", "n10"])
    assert res.exit_code == 2 and "NAME=VALUE" in res.stderr
    res = r.invoke(main, ["generate", "--list"])
    assert res.exit_code == 0
    for name, spec in MODELS.items():
        assert name in res.output
        assert all(p in res.output for p in spec.params)


# ---------------------------------------------------------------------------- direct CSR fill
@st.composite
def unique_edge_lists(draw):
    n = draw(st.integers(1, 40))
    directed = draw(st.booleans())
    pairs = [(u, v) for u in range(n) for v in range(n) if u != v and (directed or u < v)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs))) if pairs else []
    flip = draw(st.lists(st.booleans(), min_size=len(chosen), max_size=len(chosen)))
    if not directed:  # either orientation of an undirected pair is allowed
        chosen = [(v, u) if f else (u, v) for (u, v), f in zip(chosen, flip)]
    dtype = draw(st.sampled_from([np.int32, np.int64]))
    src = np.array([u for u, _ in chosen], dtype=dtype)
    dst = np.array([v for _, v in chosen], dtype=dtype)
    return n, directed, src, dst


@settings(max_examples=150, deadline=None)
@given(unique_edge_lists())
def test_csr_from_unique_edges_matches_from_edges(case):
    from simulate import Graph
    from simulate.kernels.csr import csr_from_unique_edges

    n, directed, src, dst = case
    indptr, indices = csr_from_unique_edges(src, dst, n, not directed)
    ref = Graph.from_edges(src.astype(np.int64), dst.astype(np.int64), directed=directed, n=n, relabel=False)
    assert indptr.dtype == np.int64 and indices.dtype == np.int32
    assert np.array_equal(indptr, ref.indptr) and np.array_equal(indices, ref.indices)


def test_csr_from_unique_edges_rejects_repeats_and_loops():
    from simulate.kernels.csr import csr_from_unique_edges

    with pytest.raises(ValueError, match="2 repeated"):  # (1, 0) repeats (0, 1): both arcs twice
        csr_from_unique_edges(np.array([0, 2, 1]), np.array([1, 0, 0]), 3, True)
    with pytest.raises(ValueError, match="1 repeated"):
        csr_from_unique_edges(np.array([0, 0]), np.array([1, 1]), 2, False)
    with pytest.raises(ValueError, match="self-loop"):
        csr_from_unique_edges(np.array([0, 1]), np.array([1, 1]), 2, True)
    # the ordered fast path (rows already increasing) sees repeats too: they are not increasing
    with pytest.raises(ValueError, match="repeated"):
        csr_from_unique_edges(np.array([0, 0]), np.array([1, 1]), 2, True)
    assert csr_from_unique_edges(np.array([0]), np.array([1]), 2, False)[1].tolist() == [1]


def test_block_capacities_never_change_the_output():
    # Every block overflowing its slot (capacity 0) forces the exact re-run path: the edges must
    # be identical to a run with ample slots.
    from simulate.kernels.generators.power_law import chung_lu_edges
    from simulate.kernels.generators.random_graphs import gnp_edges
    from simulate.kernels.random import stream_states

    n, p = 3000, 0.004
    bounds = np.array([0, 1000, 2000, 2600, n], dtype=np.int64)
    states = stream_states(9, 4, (1,))
    big = np.arange(5, dtype=np.int64) * n * n
    a = gnp_edges(p, bounds, big, states)
    b = gnp_edges(p, bounds, np.zeros(5, dtype=np.int64), states)
    assert a[0].shape[0] > 1000 and np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    w = np.sort(np.random.default_rng(0).pareto(1.5, n) + 1.0)[::-1].copy()
    nodes = np.arange(n, dtype=np.int64)
    args = (w, nodes, nodes + 1, np.full(n, n, dtype=np.int64), np.full(n, 1.0 / w.sum()), w, nodes, bounds)
    c = chung_lu_edges(*args, big, states)
    d = chung_lu_edges(*args, np.zeros(5, dtype=np.int64), states)
    assert c[0].shape[0] > 1000 and np.array_equal(c[0], d[0]) and np.array_equal(c[1], d[1])


@pytest.mark.parametrize("side, dim, p, q, periodic", [
    (9, 2, 1, 3, False), (9, 2, 2, 2, True), (5, 3, 1, 4, True), (4, 2, 2, 1, True), (30, 1, 3, 5, False)])
def test_kleinberg_direct_rows_equal_from_edges_of_raw_links(side, dim, p, q, periodic):
    # The directed fast path fills rows straight from lattice + contacts; it must equal the
    # generic build from the raw arc list, report included ((4, 2, 2, 1, True) wraps: generic).
    from simulate import Graph
    from simulate.generators.kleinberg import ball_offsets
    from simulate.kernels.generators.kleinberg import lattice_local_arcs

    g = kleinberg_lattice(side, dim=dim, r=1.0, q=q, p=p, periodic=periodic, seed=3)
    lsrc, ldst = lattice_local_arcs(np.int64(side), np.int64(dim), periodic, ball_offsets(dim, p))
    ldst_long = long_range_contacts(side, dim, 1.0, q, periodic, seed=3)
    n = side**dim
    ref = Graph.from_edges(np.concatenate([lsrc, np.repeat(np.arange(n), q)]), np.concatenate([ldst, ldst_long]),
                           directed=True, n=n, relabel=False)
    assert np.array_equal(g.indptr, ref.indptr) and np.array_equal(g.indices, ref.indices)
    assert g.report == ref.report


@pytest.mark.parametrize("tile", [1, 2, 5, 1 << 16])
def test_chung_lu_kernel_pair_frequencies_are_exact_for_any_tile(tile):
    # 4000 independent copies of a 6-node weight set (one group each, one kernel call): every
    # pair's frequency must match min(1, w_i w_j / W), whatever the cache tile width (skips
    # that cross a tile carry their unspent exponential over; saturated pairs draw nothing).
    from simulate.kernels.generators.power_law import chung_lu_edges
    from simulate.kernels.random import stream_states

    w6 = np.array([5.0, 3.0, 2.0, 1.5, 1.0, 0.5])
    k, reps = w6.shape[0], 4000
    w = np.tile(w6, reps)
    nodes = np.arange(k * reps, dtype=np.int64)
    end = (nodes // k + 1) * k
    bounds = np.linspace(0, k * reps, 9).astype(np.int64)
    cap = np.arange(9, dtype=np.int64) * k * k * reps
    src, dst = chung_lu_edges(w, nodes, nodes + 1, end, np.full(k * reps, 1.0 / w6.sum()), w, nodes, bounds,
                                 cap, stream_states(4, 8, (7,)), tile)
    assert (src // k == dst // k).all() and (src < dst).all()
    counts = np.zeros((k, k))
    np.add.at(counts, (src % k, dst % k), 1)
    for i in range(k):
        for j in range(i + 1, k):
            prob = min(1.0, w6[i] * w6[j] / w6.sum())
            if prob == 1.0:
                assert counts[i, j] == reps
            else:
                sd = math.sqrt(reps * prob * (1 - prob))
                assert abs(counts[i, j] - reps * prob) < 4.5 * sd, (i, j, counts[i, j], reps * prob)


@pytest.mark.parametrize("n, k, p", [(10, 2, 0.5), (7, 4, 1.0), (9, 8, 0.7), (50, 6, 0.3), (300, 100, 0.5), (400, 4, 0.0)])
def test_watts_strogatz_direct_rows_equal_from_edges(n, k, p):
    # Rows written straight from the ring + rewired edges (wrap-around runs, merges) must equal
    # the generic build from the kernel's edge list.
    from simulate import Graph
    from simulate.kernels.generators.watts_strogatz import watts_strogatz_csr, watts_strogatz_edges
    from simulate.kernels.random import stream_states

    for seed in range(4):
        src, dst, rewired = watts_strogatz_edges(np.int64(n), np.int64(k // 2), p, stream_states(seed, 2, (2,)))
        ref = Graph.from_edges(src, dst, directed=False, n=n, relabel=False)
        assert ref.report.duplicates_dropped == 0 and ref.report.self_loops_dropped == 0
        moved = np.flatnonzero(dst != (src + np.arange(src.shape[0]) // n + 1) % n)
        assert np.array_equal(moved, rewired)
        indptr, indices = watts_strogatz_csr(np.int64(n), np.int64(k // 2), dst, rewired)
        assert np.array_equal(indptr, ref.indptr) and np.array_equal(indices, ref.indices)


# ---------------------------------------------------------------------------- two-pass Chung-Lu CSR
def _layout_edge_list(node_of_rank, w, group, f, seed):
    # Oracle: the same layout, blocks and streams through the edge-list kernel (mode 0), then
    # the generic Graph.from_edges build (symmetrise, sort, dedupe).
    from simulate import Graph
    from simulate.generators.power_law import STREAM_TAG, block_bounds, chung_lu_layout
    from simulate.kernels.generators.power_law import chung_lu_edges
    from simulate.kernels.random import stream_states

    lay = chung_lu_layout(node_of_rank, w, group, f)
    bounds, _ = block_bounds(lay["row_w"], lay["row_start"], lay["row_end"], lay["row_inv_s"], lay["col_w"])
    cap = np.arange(bounds.shape[0], dtype=np.int64) * node_of_rank.shape[0] ** 2
    src, dst = chung_lu_edges(lay["row_w"], lay["row_node"], lay["row_start"], lay["row_end"], lay["row_inv_s"],
                                 lay["col_w"], lay["col_node"], bounds, cap,
                                 stream_states(seed, bounds.shape[0] - 1, (STREAM_TAG, 4)), 1 << 16,
                                 lay["row_excl"] if lay["row_excl"].shape[0] else None,
                                 lay["col_group"] if lay["col_group"].shape[0] else None)
    return Graph.from_edges(src, dst, directed=False, n=node_of_rank.shape[0], relabel=False)


@pytest.mark.parametrize("n, k, f", [(3000, 7, 0.6), (2000, 0, 0.0), (500, 3, 1.0), (800, 40, 0.3), (1, 0, 0.0)])
def test_two_pass_chung_lu_csr_equals_the_edge_list_build_for_any_chunking(n, k, f):
    from simulate.generators.power_law import chung_lu_csr, power_law_weights

    rng = np.random.default_rng(n + k)
    node_of_rank = rng.permutation(n).astype(np.int64)
    w = np.empty(n)
    w[node_of_rank] = power_law_weights(n, 2.3, 25.0, max_degree=max(25.0, n / 3))
    group = rng.integers(0, k, size=n).astype(np.int64) if k else None
    ref = _layout_edge_list(node_of_rank, w, group, f, 11)
    assert ref.report.duplicates_dropped == 0 and ref.report.self_loops_dropped == 0  # layers disjoint
    if n > 1:
        assert ref.num_edges > n
    for chunks in (1, 2, 3, 8):
        indptr, indices = chung_lu_csr(node_of_rank, w, group, f, 11, chunks=chunks)
        assert np.array_equal(indptr, ref.indptr) and np.array_equal(indices, ref.indices), chunks
    if group is not None:
        s, d = ref.edges()
        if f == 1.0:
            assert (group[s] == group[d]).all()


def test_grouped_chung_lu_pair_probabilities_are_exact():
    # 6 nodes in 2 groups, 800 seeds: a same-group pair must appear with probability
    # min(1, w_i w_j (f / W_g + (1 - f) / W)), a cross-group pair with min(1, (1 - f) w_i w_j / W).
    from simulate.generators.power_law import chung_lu_csr

    w = np.array([4.0, 3.0, 2.5, 2.0, 1.2, 0.8])
    group = np.array([0, 1, 0, 1, 0, 1], dtype=np.int64)
    node_of_rank = np.arange(6, dtype=np.int64)
    f, reps = 0.7, 800
    counts = np.zeros((6, 6))
    for seed in range(reps):
        indptr, indices = chung_lu_csr(node_of_rank, w, group, f, seed, chunks=1)
        src = np.repeat(np.arange(6), np.diff(indptr))
        counts[src, indices] += 1
    W = w.sum()
    Wg = np.bincount(group, weights=w)
    for i in range(6):
        for j in range(i + 1, 6):
            same = group[i] == group[j]
            p = min(1.0, w[i] * w[j] * ((f / Wg[group[i]] + (1 - f) / W) if same else (1 - f) / W))
            sd = math.sqrt(reps * p * (1 - p))
            assert counts[i, j] == counts[j, i]
            assert abs(counts[i, j] - reps * p) <= max(4.5 * sd, 0.5), (i, j, counts[i, j], reps * p)


def test_facebook_like_countries_degrees_and_within_share():
    # The facebook reproduction's model (gamma 2.35, mean 195, cap 5,000, 84% within countries)
    # at 30,000 people in 4 countries (7,500 each, so that 5,000-friend hubs are not clipped
    # much inside their country): realised mean ~190, median ~100, within share 0.84 +- 0.02.
    g = power_law(30000, 2.35, 195.0, max_degree=5000, communities=4, within=0.84, seed=2012)
    deg = g.out_degree()
    assert abs(deg.mean() - 190) < 10
    assert 85 <= np.median(deg) <= 115
    country = g.node_attrs["country"].to_numpy()
    s, d = g.edges()
    assert abs((country[s] == country[d]).mean() - 0.84) < 0.02
    assert g.report.input_edges == g.num_edges and g.report.duplicates_dropped == 0


@pytest.mark.parametrize("communities", [0, 5])
def test_chung_lu_one_pass_and_two_pass_builds_agree(monkeypatch, communities):
    # Small graphs take the edge-list route, large ones the two-pass count/scatter route:
    # both must give the identical CSR for the same seed (and chunk count must not matter).
    import importlib

    pl_mod = importlib.import_module("simulate.generators.power_law")
    params = dict(n=3000, gamma=2.3, mean_degree=8.0, communities=communities,
                  within=0.7 if communities else 0.0)
    one = pl_mod.power_law(seed=11, **params)
    monkeypatch.setattr(pl_mod, "_ONE_PASS_MAX_EDGES", -1.0)
    two = pl_mod.power_law(seed=11, **params)
    assert one.num_edges > 10000
    assert np.array_equal(one.indptr, two.indptr) and np.array_equal(one.indices, two.indices)
    rng = np.random.default_rng(0)
    order = rng.permutation(500).astype(np.int64)
    w = pl_mod.power_law_weights(500, 2.5, 6.0)[np.argsort(order)]
    a = pl_mod.chung_lu_csr(order, w, None, 0.0, 3, chunks=3)
    monkeypatch.setattr(pl_mod, "_ONE_PASS_MAX_EDGES", 1e12)
    b = pl_mod.chung_lu_csr(order, w, None, 0.0, 3)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 60), m=st.integers(1, 8), seed=st.integers(0, 2**31))
def test_barabasi_albert_direct_csr_equals_the_edge_list_build(n, m, seed):
    from simulate.kernels.generators.preferential import barabasi_albert_csr, barabasi_albert_edges
    from simulate.kernels.csr import csr_from_unique_edges
    from simulate.kernels.random import stream_states

    m = min(m, n - 1)
    indptr, indices = barabasi_albert_csr(np.int64(n), np.int64(m), stream_states(seed, 1, (3,))[0])
    src, dst = barabasi_albert_edges(np.int64(n), np.int64(m), stream_states(seed, 1, (3,))[0])
    ref = csr_from_unique_edges(src, dst, n, True)
    assert np.array_equal(indptr, ref[0]) and np.array_equal(indices, ref[1])
    g = barabasi_albert(n, m, seed=seed)
    assert g.num_edges == m + (n - m - 1) * m and g.report.input_edges == g.num_edges


@pytest.mark.parametrize("p", [0.0005, 0.05, 0.9, 1.0])
@pytest.mark.parametrize("tiny_caps", [False, True])
def test_gnp_direct_csr_equals_the_edge_list_build(p, tiny_caps):
    # Also with every block overflowing its slot (capacities 0..2), the re-run path.
    from simulate.kernels.generators.random_graphs import gnp_csr, gnp_edges
    from simulate.kernels.csr import csr_from_unique_edges
    from simulate.kernels.random import stream_states

    n = 700
    bounds = np.array([0, 100, 300, 301, 520, 700], dtype=np.int64)
    pairs_b = (bounds[1:] * (bounds[1:] - 1) - bounds[:-1] * (bounds[:-1] - 1)) // 2
    cap = np.minimum(np.arange(5) % 3 if tiny_caps else pairs_b, pairs_b)
    cap_ptr = np.concatenate([[0], np.cumsum(cap)]).astype(np.int64)
    states = stream_states(9, 5, (1, 1))
    indptr, indices = gnp_csr(p, np.int64(n), bounds, cap_ptr, states)
    ref = csr_from_unique_edges(*gnp_edges(p, bounds, cap_ptr, states), n, True)
    assert np.array_equal(indptr, ref[0]) and np.array_equal(indices, ref[1])
    if p == 1.0:
        assert indices.shape[0] == n * (n - 1)


@pytest.mark.parametrize("n,k,p", [(50, 4, 0.3), (31, 10, 1.0), (200, 2, 0.0)])
def test_watts_strogatz_targets_kernel_is_edges_without_src(n, k, p):
    from simulate.kernels.generators.watts_strogatz import watts_strogatz_edges, watts_strogatz_targets
    from simulate.kernels.random import stream_states

    src, dst, rewired = watts_strogatz_edges(np.int64(n), np.int64(k // 2), p, stream_states(4, 2, (2,)))
    dst2, rewired2 = watts_strogatz_targets(np.int64(n), np.int64(k // 2), p, stream_states(4, 2, (2,)))
    assert np.array_equal(dst, dst2) and np.array_equal(rewired, rewired2)
    assert np.array_equal(src, np.arange(src.shape[0]) % n)
    assert (p == 0.0) == (rewired.shape[0] == 0)


def test_follower_old_reciprocity_name_is_a_clean_config_error(tmp_path):
    from simulate.config import ConfigError, parse_config

    base = ('name = "t"\nseed = 1\n[graph]\ngenerator = "directed_follower"\nn = 100\n{key} = 0.221\n'
            '[experiment]\nkind = "graph"\n[output]\ndirectory = "out"\n')
    with pytest.raises(ConfigError, match=r"key 'reciprocity'.*retired.*connected PAIRS.*mutual_pair_share"):
        parse_config(base.format(key="reciprocity"), base_dir=tmp_path)
    sweep = base.format(key="mutual_pair_share") + '[sweep]\n"graph.reciprocity" = [0.1, 0.2]\n'
    with pytest.raises(ConfigError, match=r"retired"):
        parse_config(sweep, base_dir=tmp_path)
    assert parse_config(base.format(key="mutual_pair_share"), base_dir=tmp_path).graph["mutual_pair_share"] == 0.221
    res = CliRunner().invoke(main, ["generate", "directed_follower", "-p", "n=100", "-p", "reciprocity=0.3",
                                    "--out", str(tmp_path / "g.parquet")])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "retired" in res.output and not (tmp_path / "g.parquet").exists()


def test_graph_info_reports_both_reciprocity_shares(tmp_path):
    g = directed_follower(3000, mean_degree=8, mutual_pair_share=0.221, seed=5)
    path = tmp_path / "g.parquet"
    from simulate.io import write_graph

    write_graph(g, str(path))
    res = CliRunner().invoke(main, ["graph", "info", str(path), "--json"])
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)
    assert info["mutual_pair_share"] == pytest.approx(g.meta["mutual_pair_share_realised"])
    assert info["reciprocity_arcs"] == pytest.approx(reciprocity(g))
    text = CliRunner().invoke(main, ["graph", "info", str(path)]).output
    assert "% of arcs returned" in text and "% of connected pairs mutual" in text
