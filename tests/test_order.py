"""Node orders and CSR relabelling (simulate.kernels.order) against plain Python oracles."""

import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulate import Graph
from simulate.kernels.order import bfs_order, inverse_permutation, permute_csr


@st.composite
def graphs(draw):
    n = draw(st.integers(1, 30))
    k = draw(st.integers(0, 3 * n))
    src = draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k))
    dst = draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k))
    return Graph.from_edges(np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64),
                            directed=draw(st.booleans()), n=n)


def _bfs_order_oracle(g, start):
    # Plain queue BFS in row order, then every unvisited node in id order as a new root.
    seen, order = set(), []
    for root in [start] + list(range(g.n)):
        if root in seen:
            continue
        seen.add(root)
        queue = [root]
        while queue:
            u = queue.pop(0)
            order.append(u)
            for w in g.indices[g.indptr[u]:g.indptr[u + 1]]:
                if int(w) not in seen:
                    seen.add(int(w))
                    queue.append(int(w))
    return order


@settings(max_examples=60, deadline=None)
@given(graphs(), st.data())
def test_bfs_order_matches_a_queue_bfs(g, data):
    start = data.draw(st.integers(0, g.n - 1))
    order = bfs_order(g.indptr, g.indices, start)
    assert order.tolist() == _bfs_order_oracle(g, start)


@settings(max_examples=60, deadline=None)
@given(graphs(), st.integers(0, 2**32))
def test_permute_csr_is_the_relabelled_graph(g, seed):
    order = np.random.default_rng(seed).permutation(g.n).astype(np.int64)
    inv = inverse_permutation(order)
    assert np.array_equal(inv[order], np.arange(g.n))
    ip, ix = permute_csr(g.indptr, g.indices, order)
    assert ip.dtype == np.int64 and ix.dtype == np.int32
    for new in range(g.n):
        old = order[new]
        want = [inv[w] for w in g.indices[g.indptr[old]:g.indptr[old + 1]]]
        assert ix[ip[new]:ip[new + 1]].tolist() == want
    # Isomorphic to the input as a networkx graph, with the mapping old -> inv[old].
    h = Graph(ip, ix, directed=g.directed)
    mapped = nx.relabel_nodes(g.to_networkx(), {int(o): int(inv[o]) for o in range(g.n)})
    canon = (lambda e: e) if g.directed else (lambda e: tuple(sorted(e)))
    assert {canon(e) for e in mapped.edges()} == {canon(e) for e in h.to_networkx().edges()}
