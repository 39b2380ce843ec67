"""Property tests for simulate.Graph with networkx (and tests/naive.py) as the oracle."""

from __future__ import annotations

import tempfile
from pathlib import Path

import networkx as nx
import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulate import Graph, read_graph, write_graph
from simulate.errors import GraphError

from naive import foundation_dropped_counts, foundation_edge_set

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def edge_lists(draw, max_node=15, max_edges=40, labels=st.integers(0, 15)):
    m = draw(st.integers(0, max_edges))
    src = draw(st.lists(labels, min_size=m, max_size=m))
    dst = draw(st.lists(labels, min_size=m, max_size=m))
    return src, dst


def labelled_edges(g: Graph):
    """Edges of g in original labels (undirected: sorted pairs)."""
    s, d = g.edges()
    if g.node_ids is not None:
        s, d = g.node_ids[s], g.node_ids[d]
    out = set()
    for u, v in zip(s.tolist(), d.tolist()):
        out.add((u, v) if g.directed or u < v else (v, u))
    return out


def nx_graph(src, dst, directed):
    G = nx.DiGraph() if directed else nx.Graph()
    G.add_nodes_from(set(src) | set(dst))
    G.add_edges_from((u, v) for u, v in zip(src, dst) if u != v)
    return G


def partition(labels, node_ids):
    groups = {}
    for lab, node in zip(labels.tolist(), node_ids.tolist()):
        groups.setdefault(lab, set()).add(node)
    return {frozenset(x) for x in groups.values()}


# ---------------------------------------------------------------------------- construction
@SETTINGS
@given(edge_lists(), st.booleans())
def test_edges_round_trip_and_dropped_counts(edges, directed):
    src, dst = edges
    g = Graph.from_edges(np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64), directed=directed)
    assert labelled_edges(g) == foundation_edge_set(src, dst, directed)
    assert g.num_edges == len(foundation_edge_set(src, dst, directed))
    loops, dups = foundation_dropped_counts(src, dst, directed)
    assert (g.report.input_edges, g.report.self_loops_dropped, g.report.duplicates_dropped) == (len(src), loops, dups)
    # CSR invariants: rows sorted, no duplicates, no self-loops; undirected stores both arcs.
    for u in range(g.n):
        row = g.neighbors(u)
        assert np.all(np.diff(row) > 0)
        assert u not in row
    if not directed:
        assert g.num_arcs == 2 * g.num_edges
        s, d = np.repeat(np.arange(g.n), np.diff(g.indptr)), g.indices
        assert set(zip(s.tolist(), d.tolist())) == set(zip(d.tolist(), s.tolist()))
    assert sorted(set(src) | set(dst)) == (g.node_ids.tolist() if g.n else [])


@SETTINGS
@given(edge_lists(labels=st.integers(-10**12, 10**12)), st.booleans())
def test_relabel_arbitrary_integers(edges, directed):
    src, dst = edges
    g = Graph.from_edges(np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64), directed=directed)
    assert labelled_edges(g) == foundation_edge_set(src, dst, directed)
    assert list(g.node_ids) == sorted(set(src) | set(dst))
    if g.n:
        lab = g.node_ids[g.n // 2]
        assert g.index_of([lab])[0] == g.n // 2


@SETTINGS
@given(edge_lists(labels=st.text(alphabet="abcxyzé_ 1", min_size=1, max_size=4)), st.booleans())
def test_relabel_string_labels(edges, directed):
    src, dst = edges
    g = Graph.from_edges(np.asarray(src, dtype=str), np.asarray(dst, dtype=str), directed=directed)
    assert labelled_edges(g) == foundation_edge_set(src, dst, directed)
    assert list(g.node_ids) == sorted(set(src) | set(dst))


@SETTINGS
@given(edge_lists(), st.booleans())
def test_symmetrisation_matches_networkx(edges, directed):
    src, dst = edges
    g = Graph.from_edges(np.asarray(src), np.asarray(dst), directed=False)
    G = nx_graph(src, dst, directed=False)
    assert g.n == G.number_of_nodes() and g.num_edges == G.number_of_edges()
    deg = dict(G.degree())
    assert g.out_degree().tolist() == [deg[u] for u in g.node_ids.tolist()]


def test_weights_keep_largest_duplicate_and_pair_up():
    g = Graph.from_edges(np.array([0, 1, 0, 2]), np.array([1, 0, 2, 2]), directed=False,
                         weights=np.array([1.0, 5.0, 2.0, 9.0]))
    assert g.report.duplicates_dropped == 1 and g.report.self_loops_dropped == 1
    assert dict(zip(map(tuple, np.column_stack(g.edges()).tolist()), g.edge_weights().tolist())) == {(0, 1): 5.0, (0, 2): 2.0}


def test_bad_input_raises_graph_error():
    with pytest.raises(GraphError, match="equal length"):
        Graph.from_edges(np.array([0, 1]), np.array([1]))
    with pytest.raises(GraphError, match="0..2"):
        Graph.from_edges(np.array([0, 5]), np.array([1, 2]), n=3)
    with pytest.raises(GraphError, match="invalid CSR"):
        Graph(np.array([0, 3]), np.array([1], dtype=np.int32), directed=True)


# ---------------------------------------------------------------------------- components
@SETTINGS
@given(edge_lists(max_edges=30), st.booleans())
def test_components_match_networkx(edges, directed):
    src, dst = edges
    g = Graph.from_edges(np.asarray(src), np.asarray(dst), directed=directed)
    G = nx_graph(src, dst, directed)
    labels, k = g.connected_components()
    weak = nx.weakly_connected_components(G) if directed else nx.connected_components(G)
    expect = {frozenset(c) for c in weak}
    assert k == len(expect)
    if g.n:
        assert partition(labels, g.node_ids) == expect
    if directed:
        labels, k = g.connected_components(strong=True)
        expect = {frozenset(c) for c in nx.strongly_connected_components(G)}
        assert k == len(expect)
        if g.n:
            assert partition(labels, g.node_ids) == expect


@SETTINGS
@given(edge_lists(max_edges=30), st.booleans(), st.booleans())
def test_largest_component_is_induced_largest(edges, directed, strong):
    src, dst = edges
    g = Graph.from_edges(np.asarray(src), np.asarray(dst), directed=directed)
    if g.n == 0:
        return
    G = nx_graph(src, dst, directed)
    if directed and strong:
        comps = list(nx.strongly_connected_components(G))
    elif directed:
        comps = list(nx.weakly_connected_components(G))
    else:
        comps = list(nx.connected_components(G))
    big = max(len(c) for c in comps)
    h = g.largest_component(strong=strong)
    assert h.n == big
    nodes = set(h.node_ids.tolist())
    # tie rule: of the equally large components, the one holding the lowest internal id
    lowest = {min(g.index_of(np.asarray(sorted(c))).tolist()): set(c) for c in comps if len(c) == big}
    assert nodes == lowest[min(lowest)]
    mask = g.largest_component_mask(strong=strong)
    assert set(g.node_ids[mask].tolist()) == nodes
    assert labelled_edges(h) == {e for e in labelled_edges(g) if e[0] in nodes and e[1] in nodes}


def test_largest_component_tie_is_the_same_everywhere():
    # Two strongly connected components of 2 nodes: {0, 1} and {2, 3}. Tarjan finishes {2, 3}
    # first (label 0), so "lowest label" would pick it; the rule picks the component of node 0,
    # and distances, reach profiles and chain targets must all take that same component.
    from simulate.chains import run_chains
    from simulate.distances import distance_distribution
    from simulate.reach import distance_profiles

    g = Graph.from_edges(np.array([0, 1, 0, 2, 3]), np.array([1, 0, 2, 3, 2]), directed=True, n=4)
    labels, _ = g.connected_components(strong=True)
    assert labels[2] < labels[0]  # the case a label-order rule gets wrong
    assert g.largest_component_mask(strong=True).tolist() == [True, True, False, False]
    assert g.largest_component(strong=True).node_ids.tolist() == [0, 1]
    assert distance_distribution(g).frame["nodes"] == 2
    assert distance_distribution(g).counts.tolist() == [0, 2]
    prof = distance_profiles(g, n_sources=10, seed=1)
    assert sorted(prof.sources.tolist()) == [0, 1]
    res = run_chains(g, "random_walk", n_chains=20, n_targets=2, seed=3)
    assert set(res.table["target"].to_list()) <= {0, 1}
    assert set(res.table["source"].to_list()) <= {0, 1}
    # undirected: {0, 3} and {1, 2} tie; the component of node 0 wins
    u = Graph.from_edges(np.array([0, 1]), np.array([3, 2]), n=4)
    assert u.largest_component_mask().tolist() == [True, False, False, True]


# ---------------------------------------------------------------------------- transformations
@SETTINGS
@given(edge_lists(), st.booleans(), st.data())
def test_subgraph_matches_networkx(edges, directed, data):
    src, dst = edges
    g = Graph.from_edges(np.asarray(src), np.asarray(dst), directed=directed)
    mask = np.asarray(data.draw(st.lists(st.booleans(), min_size=g.n, max_size=g.n)), dtype=bool)
    h = g.subgraph(mask)
    G = nx_graph(src, dst, directed).subgraph(g.node_ids[mask].tolist())
    assert h.n == G.number_of_nodes()
    assert labelled_edges(h) == foundation_edge_set([u for u, _ in G.edges()], [v for _, v in G.edges()], directed)
    # Index arrays select the same nodes.
    assert h.fingerprint == g.subgraph(np.flatnonzero(mask)).fingerprint


@SETTINGS
@given(edge_lists(), st.booleans())
def test_transpose_and_in_degree(edges, directed):
    src, dst = edges
    g = Graph.from_edges(np.asarray(src), np.asarray(dst), directed=directed)
    t = g.transpose()
    assert labelled_edges(t) == foundation_edge_set(dst, src, directed)
    assert t.transpose() is g
    G = nx_graph(src, dst, directed)
    if directed and g.n:
        indeg = dict(G.in_degree())
        assert g.in_degree().tolist() == [indeg[u] for u in g.node_ids.tolist()]
        for u in range(t.n):
            assert np.all(np.diff(t.neighbors(u)) > 0)


@SETTINGS
@given(edge_lists(), st.booleans())
def test_networkx_round_trip(edges, directed):
    src, dst = edges
    g = Graph.from_edges(np.asarray(src), np.asarray(dst), directed=directed)
    G = g.to_networkx()
    assert G.is_directed() == directed
    assert G.number_of_nodes() == g.n and G.number_of_edges() == g.num_edges
    back = Graph.from_networkx(G)
    assert back.fingerprint == g.fingerprint
    H = nx_graph(src, dst, directed)
    h = Graph.from_networkx(H)
    assert labelled_edges(h) == labelled_edges(g)


def test_from_networkx_keeps_string_labels_and_weights():
    G = nx.Graph()
    G.add_edge("a", "b", weight=2.5)
    G.add_edge("b", "c", weight=1.0)
    g = Graph.from_networkx(G, weight="weight")
    assert g.node_ids.tolist() == ["a", "b", "c"]
    assert sorted(g.edge_weights().tolist()) == [1.0, 2.5]


# ---------------------------------------------------------------------------- identity
@SETTINGS
@given(edge_lists(), st.booleans(), st.randoms(use_true_random=False))
def test_fingerprint_stable_and_sensitive(edges, directed, rnd):
    src, dst = edges
    g = Graph.from_edges(np.asarray(src), np.asarray(dst), directed=directed, n=16, relabel=False)
    order = list(range(len(src)))
    rnd.shuffle(order)
    g2 = Graph.from_edges(np.asarray(src)[order].astype(np.int64), np.asarray(dst)[order].astype(np.int64),
                          directed=directed, n=16, relabel=False)
    assert g.fingerprint == g2.fingerprint
    present = foundation_edge_set(src, dst, directed)
    missing = [(u, v) for u in range(16) for v in range(16)
               if u != v and ((u, v) if directed or u < v else (v, u)) not in present]
    u, v = missing[0]
    g3 = Graph.from_edges(np.asarray(src + [u], dtype=np.int64), np.asarray(dst + [v], dtype=np.int64),
                          directed=directed, n=16, relabel=False)
    assert g3.fingerprint != g.fingerprint
    other = Graph.from_edges(np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64),
                             directed=not directed, n=16, relabel=False)
    assert other.fingerprint != g.fingerprint


# ---------------------------------------------------------------------------- file round trips
@settings(max_examples=25, deadline=None)
@given(edge_lists(labels=st.integers(0, 10**9)), st.booleans(), st.sampled_from(["g.swg", "g.parquet", "g.txt", "g.txt.gz"]))
def test_write_read_round_trip(edges, directed, name):
    src, dst = edges
    if not src:
        src, dst = [1], [2]
    g = Graph.from_edges(np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64), directed=directed)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        write_graph(g, path)
        text = name.startswith("g.txt")
        if text and g.num_edges == 0:
            return  # an edge list cannot hold a graph without edges
        back = read_graph(path, directed=directed if text else None)
        assert back.directed == directed
        assert labelled_edges(back) == labelled_edges(g)
        # Text keeps only nodes that have an edge; native and Parquet keep isolated ones too.
        expect = g.subgraph(g.out_degree() + g.in_degree() > 0) if text else g
        assert back.n == expect.n
        assert back.fingerprint == expect.fingerprint
        assert [p.name for p in Path(tmp).iterdir()] == [name]  # no temporary files left


def test_native_and_parquet_keep_attrs_meta_isolated_nodes_and_weights(tmp_path):
    attrs = pl.DataFrame({"lat": [1.0, 2.0, float("nan"), 4.0], "dorm": [3, 0, 1, 2]})
    g = Graph.from_edges(np.array([0, 1]), np.array([1, 2]), directed=True, n=4, weights=np.array([0.5, 2.0]),
                         node_ids=np.array([10, 20, 30, 40]), node_attrs=attrs,
                         meta={"model": "test", "side": 3}, relabel=False)
    for name in ("a.swg", "a.parquet"):
        back = read_graph(tmp_path / name) if write_graph(g, tmp_path / name) is None else None
        assert back.n == 4 and back.directed
        assert back.fingerprint == g.fingerprint
        assert back.node_ids.tolist() == [10, 20, 30, 40]
        assert back.node_attrs.equals(attrs)
        assert back.meta == {"model": "test", "side": 3}


def test_native_is_memory_mapped(tmp_path):
    g = Graph.from_edges(np.arange(100), np.arange(1, 101), directed=False)
    write_graph(g, tmp_path / "m.swg")
    back = read_graph(tmp_path / "m.swg")
    assert isinstance(back.indices, np.memmap) or isinstance(back.indices.base, np.memmap)
    assert back.fingerprint == g.fingerprint
