"""distance_distribution (exact, sample, HyperBall), its statistics, export, diameter and CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import networkx as nx
import numpy as np
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulate import DistanceDistribution, Graph, distance_distribution, read_graph
from simulate.cli import main
from simulate.distances import (diameter, histogram_fraction_within, histogram_mean, histogram_sd,
                                 histogram_spid, histogram_variance, source_jackknife)
from simulate.errors import ParameterError

sys.path.insert(0, str(Path(__file__).resolve().parent))
import naive  # noqa: E402

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def graphs(draw, max_n=30):
    n = draw(st.integers(1, max_n))
    directed = draw(st.booleans())
    k = draw(st.integers(0, 2 * n))
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=k, max_size=k))
    G = naive.distances_nx_graph(n, edges, directed)
    return G, Graph.from_networkx(G)


@pytest.fixture(scope="module")
def fb(data_file):
    return read_graph(data_file("ego-facebook"))


@pytest.fixture(scope="module")
def fb_oracle(fb):
    """All-pairs histogram and eccentricities of ego-Facebook by scipy (about 3 s)."""
    return naive.distances_scipy_histograms(fb.indptr, fb.indices, np.arange(fb.n))


@pytest.fixture(scope="module")
def fb_exact(fb):
    return distance_distribution(fb, method="exact")


# ---------------------------------------------------------------------------- exact
@SETTINGS
@given(graphs(), st.sampled_from(["largest", "all"]))
def test_exact_equals_networkx_all_pairs(pair, component):
    G, g = pair
    res = distance_distribution(g, method="exact", component=component)
    frame = naive.distances_frame_nodes(G, component)
    want = naive.distances_pair_histogram(G, frame, frame)
    assert res.counts.dtype == np.int64
    assert np.array_equal(res.counts, want)
    assert res.counts[0] == 0
    k = len(frame)
    assert res.frame["nodes"] == k and res.frame_pairs == k * (k - 1)
    assert res.reachable_pairs == int(want.sum())
    assert res.unreachable_pairs == k * (k - 1) - int(want.sum())
    assert res.diameter_lower_bound == len(want) - 1
    if component == "largest":
        assert res.unreachable_pairs == 0  # a (strongly) connected component


def test_exact_ego_facebook_equals_scipy(fb, fb_oracle, fb_exact):
    want, ecc = fb_oracle
    assert np.array_equal(fb_exact.counts, want)
    assert fb_exact.diameter_lower_bound == ecc.max()
    assert fb_exact.reachable_fraction == 1.0


@pytest.mark.parametrize("directed", [False, True])
def test_exact_breadth_first_relabelling_leaves_the_histogram_unchanged(directed):
    # The exact method renumbers the frame in BFS order before its MS-BFS; the histogram
    # must equal the kernel's on the graph as given (pinned graphs, every source).
    from simulate.generators.power_law import power_law
    from simulate.kernels.msbfs import msbfs_total_histogram

    if directed:
        g = Graph.from_networkx(nx.gnm_random_graph(1500, 6000, seed=7, directed=True))
    else:
        g = power_law(3000, gamma=2.5, mean_degree=8.0, seed=1)
    res = distance_distribution(g, method="exact", component="all")
    t = g.transpose() if directed else g
    want, _, _ = msbfs_total_histogram(g.indptr, g.indices, t.indptr, t.indices,
                                       np.arange(g.n, dtype=np.int64), 4, 64, 1.0, 1)
    assert np.array_equal(res.counts, want[:res.counts.shape[0]]) and not want[res.counts.shape[0]:].any()


def test_exact_directed_in_and_out_agree():
    G = nx.gnm_random_graph(200, 700, seed=2, directed=True)
    g = Graph.from_networkx(G)
    for component in ("largest", "all"):
        a = distance_distribution(g, component=component, direction="out")
        b = distance_distribution(g, component=component, direction="in")
        assert np.array_equal(a.counts, b.counts)


def test_component_all_counts_unreachable_pairs():
    g = Graph.from_edges(np.array([0, 1, 3]), np.array([1, 2, 4]), directed=False, n=6)
    res = distance_distribution(g, component="all")
    assert res.counts.tolist() == [0, 6, 2]
    assert res.frame_pairs == 30 and res.unreachable_pairs == 22
    assert res.reachable_fraction == pytest.approx(8 / 30)
    big = distance_distribution(g)  # largest component: the path 0-1-2
    assert big.counts.tolist() == [0, 4, 2] and big.frame["nodes"] == 3


def test_deep_graph_widens_the_histogram():
    # component="all" on a short path plus a long one: the long path is deeper than the
    # sweep from the max-degree node predicts, so the MS-BFS driver must widen.
    src = np.r_[np.arange(0, 2), 10 + np.arange(0, 200)]
    dst = src + 1
    g = Graph.from_edges(src, dst, directed=False, n=212)
    g = Graph(g.indptr, g.indices, False)
    res = distance_distribution(g, component="all")
    G = g.to_networkx()
    assert np.array_equal(res.counts, naive.distances_pair_histogram(G, range(g.n), range(g.n)))
    assert res.max_distance == 200


# ---------------------------------------------------------------------------- sample
@SETTINGS
@given(graphs(), st.integers(1, 40), st.integers(0, 2 ** 32), st.sampled_from(["largest", "all"]))
def test_sample_equals_exact_restricted_to_sources(pair, n_sources, seed, component):
    G, g = pair
    res = distance_distribution(g, method="sample", n_sources=n_sources, seed=seed, component=component)
    frame = naive.distances_frame_nodes(G, component)
    srcs = res.sources.tolist()
    assert len(srcs) == min(n_sources, len(frame)) == len(set(srcs))
    assert set(srcs) <= set(frame)
    want = naive.distances_pair_histogram(G, srcs, frame)
    assert np.array_equal(res.counts, want)
    for i, s in enumerate(srcs):
        row = naive.distances_pair_histogram(G, [s], frame)
        assert np.array_equal(res.source_counts[i, :len(row)], row)
        assert not res.source_counts[i, len(row):].any()
    assert res.frame_pairs == len(srcs) * (len(frame) - 1)
    assert res.frame["source_selection"] == "uniform without replacement"


def test_sample_explicit_sources_and_direction():
    G = nx.gnm_random_graph(150, 500, seed=9, directed=True)
    g = Graph.from_networkx(G)
    srcs = [3, 7, 11, 20, 149]
    for direction, H in (("out", G), ("in", G.reverse(copy=True))):
        res = distance_distribution(g, method="sample", sources=srcs, component="all", direction=direction)
        assert np.array_equal(res.counts, naive.distances_pair_histogram(H, srcs, range(150)))
        assert res.frame["source_selection"] == "explicit"
        assert res.sources.tolist() == srcs


def test_sample_of_every_node_equals_exact(fb, fb_exact):
    res = distance_distribution(fb, method="sample", n_sources=10 ** 6, seed=1)
    assert np.array_equal(res.counts, fb_exact.counts)
    assert sorted(res.sources.tolist()) == list(range(fb.n))


def test_sample_is_deterministic_in_seed(fb):
    a = distance_distribution(fb, method="sample", n_sources=100, seed=5)
    b = distance_distribution(fb, method="sample", n_sources=100, seed=5)
    c = distance_distribution(fb, method="sample", n_sources=100, seed=6)
    assert np.array_equal(a.sources, b.sources) and np.array_equal(a.counts, b.counts)
    assert a.stderr == b.stderr
    assert not np.array_equal(a.sources, c.sources)


def test_sample_stderr_shrinks_like_inverse_sqrt_sources(fb):
    ratios = []
    for seed in range(3):
        small = distance_distribution(fb, method="sample", n_sources=256, seed=seed)
        large = distance_distribution(fb, method="sample", n_sources=1024, seed=seed)
        ratios.append(small.stderr["mean"] / large.stderr["mean"])
    # 1/sqrt(S) gives 2; the finite-population factor sqrt(1 - S/n) raises it to about 2.2.
    assert 1.5 < np.mean(ratios) < 3.0, ratios


def test_sample_stderr_is_calibrated(fb, fb_exact):
    # Jackknife standard errors should match the actual spread of the sampled mean around
    # the exact one: RMS of z = (estimate - exact) / stderr close to 1 over 40 samples.
    z = {k: [] for k in ("mean", "effective_diameter", "spid")}
    exact = {"mean": fb_exact.mean, "effective_diameter": fb_exact.effective_diameter(), "spid": fb_exact.spid}
    for seed in range(40):
        r = distance_distribution(fb, method="sample", n_sources=128, seed=seed)
        est = {"mean": r.mean, "effective_diameter": r.effective_diameter(), "spid": r.spid}
        for k in z:
            z[k].append((est[k] - exact[k]) / r.stderr[k])
    for k, v in z.items():
        rms = float(np.sqrt(np.mean(np.square(v))))
        # 40 draws: the RMS of standard normals lies in [0.75, 1.25] with ~99% probability;
        # leave room for the jackknife's own noise (32 groups) and its mild upward bias.
        assert 0.6 < rms < 1.5, (k, rms)


# ---------------------------------------------------------------------------- HyperBall
def test_hyperball_mean_close_to_exact(fb, fb_exact):
    res = distance_distribution(fb, method="hyperball", registers=256, runs=4, seed=0)
    assert res.counts.dtype == np.float64
    assert abs(res.mean - fb_exact.mean) / fb_exact.mean < 0.05
    assert abs(res.effective_diameter() - fb_exact.effective_diameter()) / fb_exact.effective_diameter() < 0.05
    assert abs(res.reachable_pairs - fb_exact.reachable_pairs) / fb_exact.reachable_pairs < 0.05
    for k in ("mean", "effective_diameter", "spid"):
        assert 0 < res.stderr[k] < 0.1 * abs(getattr(fb_exact, k) if k != "effective_diameter"
                                             else fb_exact.effective_diameter())
    assert res.params["registers"] == 256 and res.params["runs"] == 4


def test_hyperball_reachable_share_carries_its_sketch_error(fb):
    # ego-Facebook is connected: every ordered pair is reachable, so the estimated share's
    # deviation from 1 is sketch error and must be covered by the reported error bar.
    res = distance_distribution(fb, method="hyperball", registers=64, runs=6, seed=11)
    se = res.stderr["reachable_fraction"]
    assert 0 < se < 0.2
    assert abs(res.reachable_fraction - 1.0) < 4 * se
    assert res.summary()["stderr"]["reachable_fraction"] == pytest.approx(se)


def test_hyperball_runs_are_averaged_as_neighbourhood_functions(monkeypatch):
    """Wiring: average N(t) over runs (padding converged runs), difference, jackknife over runs."""
    from simulate.kernels import hyperball as hb

    G = nx.path_graph(5)
    g = Graph.from_networkx(G)
    exact_nf = np.array([5.0, 13.0, 19.0, 23.0, 25.0])
    factors = [1.0, 1.1, 0.9, 1.05]
    calls = []

    def stand_in(indptr, indices, log2m, state, max_iter=None, transpose=None, buffers=None):
        r = len(calls)
        calls.append((log2m, state.copy()))
        # undirected: the in-arc CSR handed over for the sparse last steps is the CSR itself
        assert transpose[0] is indptr and transpose[1] is indices
        nf = exact_nf * factors[r]
        return nf[:4] if r == 1 else nf  # run 1 "converged" one step early

    monkeypatch.setattr(hb, "hyperball_run", stand_in)
    res = distance_distribution(g, method="hyperball", registers=32, runs=4, seed=3)
    assert [c[0] for c in calls] == [5] * 4
    assert len({c[1].tobytes() for c in calls}) == 4  # one independent stream per run
    curves = [exact_nf * f for f in factors]
    curves[1] = np.r_[curves[1][:4], curves[1][3]]
    avg = np.mean(curves, axis=0)
    assert np.allclose(res.counts, np.r_[0.0, np.diff(avg)])

    def mean_of(nf):
        c = np.diff(nf)
        return float(np.dot(np.arange(1, len(nf)), c) / c.sum())

    loo = [mean_of((avg * 4 - curves[r]) / 3) for r in range(4)]
    want = np.sqrt(3 / 4 * np.sum((np.array(loo) - np.mean(loo)) ** 2))
    assert res.stderr["mean"] == pytest.approx(want, rel=1e-9)


def test_hyperball_parameter_checks(fb):
    with pytest.raises(ParameterError, match="registers"):
        distance_distribution(fb, method="hyperball", registers=100)
    with pytest.raises(ParameterError, match="runs"):
        distance_distribution(fb, method="hyperball", runs=0)


# ---------------------------------------------------------------------------- statistics
@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 7), min_size=1, max_size=8), st.floats(0.01, 1.0))
def test_statistics_against_brute_force(tail, q):
    counts = np.array([0] + tail, dtype=np.int64)
    if counts.sum() == 0:
        counts[1] = 1
    res = DistanceDistribution(method="exact", counts=counts, frame={}, frame_pairs=int(counts.sum()),
                               directed=False, direction="out", nodes=0, edges=0)
    values = naive.distances_expand(counts)
    assert res.mean == pytest.approx(np.mean(values))
    assert res.spid == pytest.approx(np.var(values) / np.mean(values))
    assert res.median == naive.distances_quantile(values, 0.5)
    assert res.quantile(q) == naive.distances_quantile(values, q)
    assert res.effective_diameter(q) == pytest.approx(naive.distances_effective_diameter(values, q))
    assert res.effective_diameter(0.9) == pytest.approx(naive.distances_effective_diameter(values, 0.9))
    for k in range(-1, len(counts) + 2):
        assert res.fraction_within(k) == pytest.approx(sum(v <= k for v in values) / len(values))
    assert res.pmf().sum() == pytest.approx(1.0)
    assert res.cdf()[-1] == pytest.approx(1.0)


def test_effective_diameter_worked_example():
    # 10 pairs at distance 1, 30 at 2, 60 at 3: F = 0.1, 0.4, 1.0; q = 0.9 falls in (2, 3]
    res = DistanceDistribution(method="exact", counts=np.array([0, 10, 30, 60]), frame={}, frame_pairs=100,
                               directed=False, direction="out", nodes=0, edges=0)
    assert res.effective_diameter(0.9) == pytest.approx(2 + (0.9 - 0.4) / 0.6)
    assert res.median == 3 and res.quantile(0.4) == 2 and res.quantile(0.1) == 1
    with pytest.raises(ParameterError):
        res.quantile(0)


# ---------------------------------------------------------------------------- export
def test_summary_polars_parquet(fb, tmp_path):
    res = distance_distribution(fb, method="sample", n_sources=64, seed=2)
    s = res.summary()
    for key in ("method", "nodes", "edges", "mean", "median", "effective_diameter", "spid",
                "diameter_lower_bound", "reachable_fraction", "histogram", "stderr", "frame"):
        assert key in s
    assert set(s["stderr"]) == {"mean", "effective_diameter", "spid"}
    assert s["histogram"][0][0] == 1 and sum(p for _, p in s["histogram"]) == res.reachable_pairs
    json.dumps(s)
    df = res.to_polars()
    assert df.columns == ["distance", "pairs", "pmf", "cdf"]
    assert df["distance"].to_list() == list(range(1, len(res.counts)))
    assert df["pairs"].to_list() == res.counts[1:].tolist()
    assert df["cdf"][-1] == pytest.approx(1.0)
    path = tmp_path / "d.parquet"
    res.to_parquet(path, metadata={"experiment": "t1"})
    table = pq.read_table(path)
    meta = json.loads(table.schema.metadata[b"smallworld"])
    assert meta["method"] == "sample" and meta["params"]["seed"] == 2
    assert meta["graph_fingerprint"] == fb.fingerprint and meta["smallworld_version"]
    assert json.loads(table.schema.metadata[b"experiment"]) == "t1"
    assert table.num_rows == len(res.counts) - 1
    assert [p.name for p in tmp_path.iterdir()] == ["d.parquet"]  # no temporary left behind
    exact = distance_distribution(fb, method="exact").summary()
    assert "stderr" not in exact


def test_parameter_errors(fb):
    with pytest.raises(ParameterError, match="method"):
        distance_distribution(fb, method="bfs")
    with pytest.raises(ParameterError, match="component"):
        distance_distribution(fb, component="giant")
    with pytest.raises(ParameterError, match="direction"):
        distance_distribution(fb, direction="both")
    with pytest.raises(ParameterError, match="n_sources"):
        distance_distribution(fb, method="sample", n_sources=0)
    with pytest.raises(ParameterError, match="distinct"):
        distance_distribution(fb, method="sample", sources=[1, 1])
    with pytest.raises(ParameterError, match="0..4038"):
        distance_distribution(fb, method="sample", sources=[4039])
    with pytest.raises(ParameterError, match="sources="):
        distance_distribution(fb, method="exact", sources=[1])
    g = Graph.from_edges(np.array([0, 1, 3]), np.array([1, 2, 4]), directed=False, n=5)
    with pytest.raises(ParameterError, match="outside the frame"):
        distance_distribution(g, method="sample", sources=[3])


# ---------------------------------------------------------------------------- diameter
def test_diameter_ego_facebook_and_ca_grqc(fb, fb_oracle, data_file):
    r = diameter(fb)
    assert r.exact and r.diameter == fb_oracle[1].max()
    assert r.n_bfs < fb.n // 10  # iFUB needs far fewer BFS than all-pairs
    ca = read_graph(data_file("ca-grqc"))
    lc = ca.largest_component()
    _, ecc = naive.distances_scipy_histograms(lc.indptr, lc.indices, np.arange(lc.n))
    r = diameter(ca)
    assert r.exact and r.diameter == ecc.max() and r.component_nodes == lc.n


def test_diameter_directed_bounds():
    G = nx.gnm_random_graph(300, 900, seed=4, directed=True)
    g = Graph.from_networkx(G)
    scc = G.subgraph(max(nx.strongly_connected_components(G), key=len))
    r = diameter(g)
    assert not r.exact or r.lower == r.upper
    assert r.lower <= nx.diameter(scc) <= r.upper
    assert r.component_nodes == scc.number_of_nodes()


# ---------------------------------------------------------------------------- threads
def test_results_do_not_depend_on_thread_count():
    script = textwrap.dedent("""
        import json, numpy as np, networkx as nx
        from simulate import Graph, distance_distribution
        from simulate.distances import diameter
        G = nx.gnm_random_graph(3000, 9000, seed=1)
        g = Graph.from_networkx(G)
        D = Graph.from_networkx(nx.gnm_random_graph(2000, 8000, seed=2, directed=True))
        out = {
          "exact": distance_distribution(g).counts.tolist(),
          "sample": distance_distribution(g, method="sample", n_sources=700, seed=3).summary(),
          "directed": distance_distribution(D, method="sample", n_sources=300, seed=4,
                                            direction="in").summary(),
          "hyperball": distance_distribution(g, method="hyperball", registers=16, runs=2).summary(),
          "diameter": diameter(g).to_dict(),
        }
        print(json.dumps(out))
    """)
    outs = []
    for threads in ("1", "2"):
        env = dict(os.environ, NUMBA_NUM_THREADS=threads)
        p = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, p.stderr
        outs.append(p.stdout)
    assert outs[0] == outs[1]


# ---------------------------------------------------------------------------- CLI
def test_cli_distances_json_and_table(tmp_path, data_file):
    data_file("ego-facebook")
    runner = CliRunner()
    out = tmp_path / "dist.parquet"
    r = runner.invoke(main, ["distances", "ego-facebook", "--method", "sample", "--sources", "64",
                             "--seed", "1", "--json", "--out", str(out)])
    assert r.exit_code == 0, r.output
    s = json.loads(r.stdout.strip().splitlines()[0])
    for key in ("method", "nodes", "edges", "mean", "median", "effective_diameter", "spid",
                "diameter_lower_bound", "reachable_fraction", "histogram", "stderr"):
        assert key in s
    assert s["method"] == "sample" and s["nodes"] == 4039
    assert out.exists() and json.loads(pq.read_schema(out).metadata[b"command"]) == "smallworld distances"
    r = runner.invoke(main, ["distances", "ego-facebook"])
    assert r.exit_code == 0
    assert "effective diameter" in r.output and "mean distance" in r.output


def test_cli_diameter_and_errors(data_file):
    data_file("ego-facebook")
    runner = CliRunner()
    r = runner.invoke(main, ["diameter", "ego-facebook", "--json"])
    assert r.exit_code == 0
    d = json.loads(r.stdout)
    assert d["exact"] and d["diameter"] == d["lower"] == d["upper"] and d["n_bfs"] > 0
    r = runner.invoke(main, ["distances", "ego-facebook", "--method", "hyperball", "--registers", "100"])
    assert r.exit_code == 2 and "error: registers" in r.output and "Traceback" not in r.output


# ---------------------------------------------------------------------------- histogram statistics
@SETTINGS
@given(st.lists(st.integers(0, 40), min_size=1, max_size=9), st.integers(-1, 10))
def test_histogram_statistics_match_the_expanded_distances(counts, k):
    values = naive.distances_expand(counts)
    if not values:
        assert np.isnan(histogram_mean(counts)) and np.isnan(histogram_sd(counts))
        assert np.isnan(histogram_fraction_within(counts, max(k, 0)))
        return
    assert histogram_mean(counts) == pytest.approx(np.mean(values), rel=1e-12, abs=1e-12)
    assert histogram_variance(counts) == pytest.approx(np.var(values), rel=1e-9, abs=1e-12)
    assert histogram_sd(counts) == pytest.approx(np.std(values), rel=1e-9, abs=1e-12)
    mu = np.mean(values)
    if mu > 0:
        assert histogram_spid(counts) == pytest.approx(np.var(values) / mu, rel=1e-9, abs=1e-12)
    else:
        assert np.isnan(histogram_spid(counts))
    assert histogram_fraction_within(counts, k) == pytest.approx(
        sum(1 for v in values if v <= k) / len(values), rel=1e-12)


def test_distribution_statistics_are_the_histogram_functions():
    g = Graph.from_networkx(nx.barbell_graph(5, 3))
    d = distance_distribution(g)
    assert d.mean == histogram_mean(d.counts) and d.spid == histogram_spid(d.counts)
    assert d.variance == histogram_variance(d.counts)
    assert [d.fraction_within(k) for k in range(-1, 9)] == [histogram_fraction_within(d.counts, k)
                                                          for k in range(-1, 9)]


@SETTINGS
@given(st.integers(1, 40), st.integers(1, 6), st.integers(1, 8), st.integers(0, 2**31))
def test_source_jackknife_matches_the_textbook_jackknife(S, D, groups, seed):
    rng = np.random.default_rng(seed)
    a = rng.poisson(4.0, size=(S, D)).astype(float)
    b = rng.poisson(2.0, size=(S, D)).astype(float)

    def stat(x, y):
        return float(np.dot(np.arange(D), x) + 0.5 * y[0])

    v, se = source_jackknife(stat, [a, b], groups)
    want_v, want_se = naive.distances_group_jackknife(stat, [a.tolist(), b.tolist()], groups)
    assert v == pytest.approx(want_v, rel=1e-12)
    if np.isnan(want_se):
        assert np.isnan(se)
    else:
        assert se == pytest.approx(want_se, rel=1e-9, abs=1e-12)


def test_sample_stderr_is_the_source_jackknife_of_its_rows():
    g = Graph.from_networkx(nx.connected_watts_strogatz_graph(300, 6, 0.1, seed=2))
    res = distance_distribution(g, method="sample", n_sources=100, seed=4)
    rows = res.source_counts
    _, se = source_jackknife(lambda h: histogram_mean(h), [rows], res.params["groups"])
    assert res.stderr["mean"] == pytest.approx(se, rel=1e-12)
    _, se = source_jackknife(histogram_spid, [rows], res.params["groups"])
    assert res.stderr["spid"] == pytest.approx(se, rel=1e-12)
