"""BFS kernels (top-down, direction-optimizing), bit-parallel MS-BFS and diameter kernels
against networkx on hypothesis-generated graphs."""

from __future__ import annotations

import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numba import njit

from simulate import Graph
from simulate.distances import bfs_distances
from simulate.kernels.bfs import bfs_direction_optimizing, bfs_top_down, path_node_at
from simulate.kernels.diameter import directed_bounds, double_sweep, four_sweep, ifub
from simulate.kernels.llvm_intrinsics import WORDS_ABSORB, WORDS_LOAD, WORDS_OR, WORDS_OR_FULL, WORDS_RIPPLE4
from simulate.kernels.msbfs import (WIDTHS, _bitset_rows, batch_plan, msbfs_eccentricities, msbfs_histograms,
                                    msbfs_total_histogram, popcount64)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from naive import distances_nx_graph, distances_pair_histogram  # noqa: E402

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def graphs(draw, max_n=40, directed=None, connected=False):
    n = draw(st.integers(1, max_n))
    if directed is None:
        directed = draw(st.booleans())
    k = draw(st.integers(0, 3 * n))
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=k, max_size=k))
    if connected:
        # a random spanning tree keeps the graph connected
        parents = draw(st.lists(st.integers(0, 10 ** 6), min_size=n - 1, max_size=n - 1))
        edges = edges + [(v, parents[v - 1] % v) for v in range(1, n)]
    G = distances_nx_graph(n, edges, directed)
    return G, Graph.from_networkx(G)


def _reference(G, s):
    ref = np.full(G.number_of_nodes(), -1, dtype=np.int64)
    for v, d in nx.single_source_shortest_path_length(G, s).items():
        ref[v] = d
    return ref


@SETTINGS
@given(graphs(), st.data())
def test_single_source_bfs_matches_networkx(pair, data):
    G, g = pair
    s = data.draw(st.integers(0, g.n - 1))
    t = g.transpose()
    ref_out = _reference(G, s)
    ref_in = _reference(G.reverse(copy=True) if g.directed else G, s)
    assert np.array_equal(bfs_top_down(g.indptr, g.indices, s), ref_out)
    # default thresholds; never bottom-up; always bottom-up (serial, parallel); alternating
    for alpha, beta, parallel in [(15.0, 18.0, False), (1e-9, 18.0, False), (1e18, 1e18, False),
                                  (1e18, 1e18, True), (1e18, 1.0, False)]:
        d = bfs_direction_optimizing(g.indptr, g.indices, t.indptr, t.indices, s, alpha, beta, parallel)
        assert d.dtype == np.int32
        assert np.array_equal(d, ref_out), (alpha, beta, parallel)
        d_in = bfs_direction_optimizing(t.indptr, t.indices, g.indptr, g.indices, s, alpha, beta, parallel)
        assert np.array_equal(d_in, ref_in), (alpha, beta, parallel)
    for algorithm in ("top-down", "direction-optimizing"):
        assert np.array_equal(bfs_distances(g, s, "out", algorithm), ref_out)
        assert np.array_equal(bfs_distances(g, s, "in", algorithm), ref_in)


def test_direction_optimizing_switches_on_a_dense_graph():
    # On a dense random graph the default thresholds do go bottom-up; results still exact.
    G = nx.gnp_random_graph(400, 0.1, seed=3)
    g = Graph.from_networkx(G)
    for s in (0, 17, 399):
        d = bfs_direction_optimizing(g.indptr, g.indices, g.indptr, g.indices, s, 15.0, 18.0)
        assert np.array_equal(d, _reference(G, s))


@SETTINGS
@given(graphs(max_n=50), st.data())
def test_msbfs_histograms_match_per_source_bfs(pair, data):
    G, g = pair
    t = g.transpose()
    k = data.draw(st.integers(1, g.n))
    sources = np.asarray(data.draw(st.permutations(range(g.n)))[:k], dtype=np.int64)
    words = data.draw(st.sampled_from([1, 2, 3, 4, 5, 8]))  # every compiled width (1, 2, 4, 8)
    alpha = data.draw(st.sampled_from([0.0, 1.0, 4.0, 1e18]))  # push only .. pull always
    cap = data.draw(st.integers(1, 8))
    hist, ecc, depth = msbfs_histograms(g.indptr, g.indices, t.indptr, t.indices, sources, words, cap, alpha)
    assert hist.shape == (k, cap)
    for i, s in enumerate(sources):
        ref = distances_pair_histogram(G, [int(s)], range(g.n))
        width = min(cap, ref.shape[0])
        assert np.array_equal(hist[i, :width], ref[:width])
        assert not hist[i, width:].any()
        assert ecc[i] == ref.shape[0] - 1
    per = 64 * words
    for b in range(depth.shape[0]):
        assert depth[b] == ecc[b * per:(b + 1) * per].max()
    ecc2 = msbfs_eccentricities(g.indptr, g.indices, t.indptr, t.indices, sources, words, alpha)
    assert np.array_equal(ecc2, ecc)
    total, ecc3, depth3 = msbfs_total_histogram(g.indptr, g.indices, t.indptr, t.indices, sources, words, cap, alpha)
    assert np.array_equal(total, hist.sum(axis=0))
    assert np.array_equal(ecc3, ecc) and np.array_equal(depth3, depth)


@njit(cache=True)
def _popcount(v):
    return popcount64(v)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2 ** 64 - 1))
def test_popcount64(x):
    assert _popcount(np.uint64(x)) == bin(x).count("1")


def _make_words_case(W):
    words_or, words_or_full, words_load = WORDS_OR[W], WORDS_OR_FULL[W], WORDS_LOAD[W]
    words_absorb, words_ripple = WORDS_ABSORB[W], WORDS_RIPPLE4[W]

    @njit
    def run(rows, acc0, reached0, small0, u, v, use_b):
        """Apply each row intrinsic of width W once, on copies; return every output."""
        r_or = rows.copy()
        words_or(r_or, np.int64(v) * W, rows, np.int64(u) * W)
        a_full = acc0.copy()
        full = words_or_full(a_full, 0, rows, np.int64(u) * W)
        a_load = np.empty(W, dtype=np.uint64)
        load_full = words_load(a_load, rows, np.int64(u) * W, rows, np.int64(v) * W, use_b)
        seen = rows.copy()
        out = np.zeros_like(rows)
        reached = reached0.copy()
        new = np.empty(W, dtype=np.uint64)
        cnt, done = words_absorb(acc0, seen, np.int64(v) * W, out, np.int64(u) * W, reached, new)
        small = small0.copy()
        words_ripple(small, acc0)
        return r_or, a_full, full, a_load, load_full, seen, out, reached, new, cnt, done, small

    return run


_WORDS_CASES = {}


def _words_case(W, *args):
    if W not in _WORDS_CASES:
        _WORDS_CASES[W] = _make_words_case(W)
    return _WORDS_CASES[W](*args)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(WIDTHS), st.data())
def test_row_intrinsics_equal_word_loops(W, data):
    # each vector row operation against the word-by-word numpy meaning it replaces
    words = st.lists(st.sampled_from([0, 2 ** 64 - 1, 1, 2 ** 63]) | st.integers(0, 2 ** 64 - 1),
                     min_size=W, max_size=W)
    rows = np.array([data.draw(words) for _ in range(3)], dtype=np.uint64)
    acc0 = np.array(data.draw(words), dtype=np.uint64)
    reached0 = np.array(data.draw(words), dtype=np.uint64)
    small0 = np.array([data.draw(words) for _ in range(4)], dtype=np.uint64).reshape(4 * W)
    u, v = data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2))
    use_b = data.draw(st.booleans())
    r_or, a_full, full, a_load, load_full, seen, out, reached, new, cnt, done, small = _words_case(
        W, rows, acc0, reached0, small0, u, v, use_b)
    ALL = np.uint64(2 ** 64 - 1)
    want = rows.copy()
    want[v] |= rows[u]
    assert np.array_equal(r_or, want)
    assert np.array_equal(a_full, acc0 | rows[u]) and full == bool(((acc0 | rows[u]) == ALL).all())
    want_load = rows[u] | (rows[v] if use_b else np.uint64(0))
    assert np.array_equal(a_load, want_load) and load_full == bool((want_load == ALL).all())
    x = acc0 & ~rows[v]
    want_seen = rows.copy()
    want_seen[v] = acc0
    want_out = np.zeros_like(rows)
    want_out[u] = x
    assert np.array_equal(seen, want_seen) and np.array_equal(out, want_out)
    assert np.array_equal(reached, reached0 | x) and np.array_equal(new, x)
    assert cnt == sum(bin(int(w)).count("1") for w in x) and done == bool((acc0 == ALL).all())
    # ripple: lane counts (4-bit, plane-major) plus one per set bit of acc0, mod 16
    planes = small0.reshape(4, W)
    got = small.reshape(4, W)
    for w in range(W):
        for b in range(64):
            before = sum(((int(planes[j, w]) >> b) & 1) << j for j in range(4))
            after = sum(((int(got[j, w]) >> b) & 1) << j for j in range(4))
            assert after == (before + ((int(acc0[w]) >> b) & 1)) % 16


def test_msbfs_many_sources_several_batches_and_words():
    # 300 sources: several batches of 64 and 128 bits, partial last words; one batch of 320
    # or 512 lanes (the 8-word kernel); per-level counts above 15 exercise the counter flushes
    G = nx.gnm_random_graph(300, 700, seed=5, directed=True)
    g = Graph.from_networkx(G)
    t = g.transpose()
    sources = np.arange(300, dtype=np.int64)[::-1].copy()
    ref = [distances_pair_histogram(G, [int(s)], range(300)) for s in sources]
    width = max(r.shape[0] for r in ref)
    for words in (1, 2, 3, 4, 5, 8):
        hist, ecc, _ = msbfs_histograms(g.indptr, g.indices, t.indptr, t.indices, sources, words, width, 1.0)
        for i in range(300):
            assert np.array_equal(hist[i, :ref[i].shape[0]], ref[i])
            assert ecc[i] == ref[i].shape[0] - 1


def test_msbfs_long_distances_pull_from_the_first_level():
    # Pulling from level 1 on (alpha huge) makes a batch visit only the nodes some search has
    # not reached from the first level on, leaving the rows of done nodes stale; a grid with a
    # few shortcuts has nodes finishing at every level of a deep search (distances up to ~30).
    G = nx.convert_node_labels_to_integers(nx.grid_2d_graph(20, 15))
    G.add_edges_from([(0, 299), (17, 140), (250, 33)])
    g = Graph.from_networkx(G)
    sources = np.arange(0, 300, 1, dtype=np.int64)[::-1].copy()
    ref = [distances_pair_histogram(G, [int(s)], range(300)) for s in sources]
    width = max(r.shape[0] for r in ref)
    for words in (1, 2, 4, 8):
        for alpha in (1.0, 1e18):
            hist, ecc, _ = msbfs_histograms(g.indptr, g.indices, g.indptr, g.indices, sources, words, width, alpha)
            for i in range(300):
                assert np.array_equal(hist[i, :ref[i].shape[0]], ref[i]), (words, alpha, i)
                assert ecc[i] == ref[i].shape[0] - 1


def test_msbfs_huge_page_bitsets():
    # Bitsets from 4 MiB on start on a 2 MiB boundary (huge pages advised): 600k nodes at one
    # word; distances checked against scipy's BFS on a random graph.
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import shortest_path

    rows = _bitset_rows(600_000, 1)
    assert rows.shape == (600_000, 1) and rows.ctypes.data % (1 << 21) == 0
    rows[:] = 7  # writable, every row
    small = _bitset_rows(1000, 8)
    assert small.shape == (1000, 8) and small.ctypes.data % 64 == 0
    rng = np.random.default_rng(3)
    n = 600_000
    src = rng.integers(0, n, 1_200_000)
    dst = rng.integers(0, n, 1_200_000)
    g = Graph.from_edges(src, dst, n=n, directed=False)
    sources = np.array([0, 5, 77_777, 599_999], dtype=np.int64)
    hist, ecc, _ = msbfs_histograms(g.indptr, g.indices, g.indptr, g.indices, sources, 1, 40, 1.0)
    A = csr_matrix((np.ones(g.indices.shape[0]), g.indices, g.indptr), shape=(n, n))
    d = shortest_path(A, unweighted=True, indices=sources)
    for i in range(sources.shape[0]):
        di = d[i][np.isfinite(d[i]) & (d[i] > 0)].astype(np.int64)
        ref = np.bincount(di, minlength=40)
        assert np.array_equal(hist[i], ref[:40]) and ecc[i] == di.max()


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 5000), st.integers(1, 8))
def test_batch_plan_leaves_no_word_idle(n_sources, words):
    starts, stops, widths = batch_plan(n_sources, words)
    # the batches cut 0..n_sources into pieces, each once
    cover = np.zeros(n_sources, dtype=np.int64)
    for a, b in zip(starts, stops):
        cover[a:b] += 1
    assert (cover == 1).all()
    for a, b, w in zip(starts, stops, widths):
        assert w in WIDTHS and w <= max(words, 1)
        # at most 64 w sources, and more than 64 (w - 1): no whole word of idle lanes
        assert 64 * (w - 1) < b - a <= 64 * w
    assert list(widths) == sorted(widths, reverse=True)
    # as few batches as the binary decomposition of each chunk's words
    per = 64 * words
    want = sum(bin(-(-min(per, n_sources - lo) // 64)).count("1") for lo in range(0, n_sources, per))
    assert len(starts) == want


@SETTINGS
@given(graphs(max_n=45, directed=False, connected=True), st.data())
def test_ifub_equals_networkx_diameter(pair, data):
    G, g = pair
    start = data.draw(st.integers(0, g.n - 1))
    d, n_bfs, u = ifub(g.indptr, g.indices, start, words=1, threads=2)
    assert d == nx.diameter(G)
    assert 1 <= n_bfs
    lb, _, _, _ = double_sweep(g.indptr, g.indices, start)
    lb4, centre, _ = four_sweep(g.indptr, g.indices, start)
    assert lb <= d and lb4 <= d and 0 <= centre < g.n


def test_ifub_on_paths_cycles_and_trees():
    for G in (nx.path_graph(50), nx.cycle_graph(41), nx.balanced_tree(3, 4), nx.grid_2d_graph(7, 9),
              nx.complete_graph(12), nx.star_graph(30)):
        g = Graph.from_networkx(G)
        for start in (0, g.n - 1):
            assert ifub(g.indptr, g.indices, start, words=2, threads=1)[0] == nx.diameter(G)


@SETTINGS
@given(graphs(max_n=40, directed=True), st.data())
def test_directed_bounds_bracket_the_scc_diameter(pair, data):
    G, g = pair
    scc = max(nx.strongly_connected_components(G), key=len)
    H = G.subgraph(scc).copy()
    h = Graph.from_networkx(H)
    t = h.transpose()
    start = data.draw(st.integers(0, h.n - 1))
    lo, hi, n_bfs = directed_bounds(h.indptr, h.indices, t.indptr, t.indices, start)
    true = nx.diameter(H) if h.n > 1 else 0
    assert lo <= true <= hi
    assert n_bfs == 6


def test_path_node_at_walks_a_shortest_path():
    G = nx.grid_2d_graph(6, 6)
    g = Graph.from_networkx(G)
    da = bfs_top_down(g.indptr, g.indices, 0)
    b = int(np.argmax(da))
    for steps in range(int(da[b]) + 1):
        x = path_node_at(g.indptr, g.indices, da, b, steps)
        assert da[x] == da[b] - steps
        db = bfs_top_down(g.indptr, g.indices, b)
        assert db[x] == steps  # on a shortest path from b


@pytest.mark.parametrize("directed", [False, True])
def test_bfs_unreachable_is_minus_one(directed):
    g = Graph.from_edges(np.array([0, 2]), np.array([1, 3]), directed=directed, n=5)
    d = bfs_distances(g, 0)
    assert d.tolist() == [0, 1, -1, -1, -1]
