"""Weak components: Afforest sampling gives the labels of plain union-find, and networkx's partition."""

import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulate import Graph
from simulate.kernels.csr import weak_components, weak_components_union_find


@st.composite
def undirected_graphs(draw):
    # A few dense blocks (giant-component-like) plus scattered sparse edges and isolated nodes.
    n = draw(st.integers(1, 60))
    k = draw(st.integers(0, 4 * n))
    src = draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k))
    dst = draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k))
    return Graph.from_edges(np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64),
                            directed=False, n=n)


def _partition(labels):
    groups = {}
    for v, c in enumerate(labels.tolist()):
        groups.setdefault(c, set()).add(v)
    return {frozenset(s) for s in groups.values()}


def _check(g):
    labels, k = weak_components(g.indptr, g.indices, True)
    ref, k_ref = weak_components_union_find(g.indptr, g.indices, True)
    assert np.array_equal(labels, ref) and k == k_ref
    want = {frozenset(c) for c in nx.connected_components(g.to_networkx())}
    assert _partition(labels) == want
    # Numbered by smallest node: the first node of component c comes before that of c + 1.
    firsts = [int(np.flatnonzero(labels == c)[0]) for c in range(k)]
    assert firsts == sorted(firsts)


@settings(max_examples=150, deadline=None)
@given(undirected_graphs())
def test_afforest_labels_equal_union_find_and_networkx(g):
    _check(g)


def test_giant_component_not_holding_node_zero_and_long_paths():
    # Sampling two neighbours per node leaves paths and stars partly unjoined; the giant
    # component here is not the one of node 0, and a long path hangs off it.
    G = nx.disjoint_union_all([nx.path_graph(3), nx.star_graph(30), nx.path_graph(50),
                               nx.complete_graph(40), nx.empty_graph(5)])
    G.add_edge(35, 100)   # star leaf to the path
    _check(Graph.from_networkx(G))
