"""Clustering by degree and degree assortativity against networkx/igraph (independent oracles)."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulate.errors import ParameterError
from simulate.graph import Graph
from simulate.graph_statistics import clustering_by_degree, degree_assortativity, local_clustering


def _graph(n, pairs):
    src = np.array([a for a, _ in pairs], dtype=np.int64)
    dst = np.array([b for _, b in pairs], dtype=np.int64)
    return Graph.from_edges(src, dst, directed=False, n=n)


edge_lists = st.integers(2, 25).flatmap(
    lambda n: st.tuples(st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=80)))


@given(edge_lists)
def test_local_clustering_and_assortativity_match_networkx(case):
    n, pairs = case
    g = _graph(n, pairs)
    G = nx.Graph()
    G.add_nodes_from(range(n))
    G.add_edges_from((a, b) for a, b in pairs if a != b)
    want = nx.clustering(G)
    assert local_clustering(g) == pytest.approx([want[u] for u in range(n)], abs=1e-12)
    r = degree_assortativity(g)
    degs = {d for _, d in G.degree() if d > 0}
    if G.number_of_edges() == 0 or len(degs) < 2:
        # No edge, or one degree at every edge end: zero variance, r undefined.
        assert math.isnan(r)
    else:
        with np.errstate(all="ignore"):
            ref = nx.degree_assortativity_coefficient(G)
        if np.isfinite(ref):
            assert r == pytest.approx(ref, abs=1e-9)


def test_assortativity_against_igraph_on_a_heavy_tailed_graph():
    import igraph

    from simulate.generators import barabasi_albert

    g = barabasi_albert(3000, 4, seed=3)
    s, t = g.edges()
    ig = igraph.Graph(n=g.n, edges=np.column_stack([s, t]).tolist())
    assert degree_assortativity(g) == pytest.approx(ig.assortativity_degree(directed=False), abs=1e-9)


def test_assortative_and_disassortative_signs():
    # Two cliques joined by one edge: like degrees meet (r > 0); a star: hub meets leaves (r = -1).
    k = [(a, b) for a in range(5) for b in range(a + 1, 5)]
    two_cliques = k + [(a + 5, b + 5) for a, b in k] + [(0, 5)] + [(10, 11)]
    assert degree_assortativity(_graph(12, two_cliques)) > 0
    assert degree_assortativity(_graph(6, [(0, i) for i in range(1, 6)])) == pytest.approx(-1.0)
    assert math.isnan(degree_assortativity(_graph(4, [(0, 1), (2, 3)])))  # every end has degree 1
    assert math.isnan(degree_assortativity(_graph(3, [])))


def test_clustering_by_degree_of_a_known_graph():
    # A triangle with a pendant path: degrees 2, 2, 3, 2, 1; c = 1, 1, 1/3, 0, 0.
    g = _graph(5, [(0, 1), (1, 2), (0, 2), (2, 3), (3, 4)])
    d, c, cnt = clustering_by_degree(g)
    assert d.tolist() == [1, 2, 3]
    assert cnt.tolist() == [1, 3, 1]
    assert c == pytest.approx([0.0, 2 / 3, 1 / 3])


def test_directed_graphs_are_refused():
    g = Graph.from_edges(np.array([0, 1]), np.array([1, 2]), directed=True, n=3)
    with pytest.raises(ParameterError, match="undirected"):
        degree_assortativity(g)
    with pytest.raises(ParameterError, match="undirected"):
        local_clustering(g)
