"""Generator benchmarks: smallworld vs networkx on the same model, and 1M-node / ~10M-edge builds.

Run: ``.venv/bin/pytest -q benchmarks/bench_generators.py --benchmark-only -s``

* 100,000 nodes, ours vs networkx. networkx's pure-Python generators are timed at 10,000
  nodes and extrapolated linearly to 100,000 (they are O(n + m)); the O(n^2)
  ``navigable_small_world_graph`` is timed on a 30 x 30 lattice and extrapolated
  quadratically in n. ``extra_info`` records both times, the ratio, the sizes and an accuracy
  figure (mean degree, reciprocity...).
* 1,000,000 nodes (power_law, watts_strogatz, kleinberg_lattice side 1000): wall time and
  peak resident memory, each in a fresh subprocess (ru_maxrss; Numba's allocations are
  invisible to tracemalloc), after a warm-up run that compiles the kernels.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import networkx as nx
import numpy as np
import pytest

from simulate.generators import generate

N = 100_000
N_NX = 10_000

# model -> (our params at N, networkx call at size s, networkx size, scaling exponent)
CASES = {
    "erdos_renyi": (dict(n=N, p=10 / N), lambda s: nx.fast_gnp_random_graph(s, 10 / s, seed=1), N_NX, 1),
    "watts_strogatz": (dict(n=N, k=10, p=0.1), lambda s: nx.watts_strogatz_graph(s, 10, 0.1, seed=1), N_NX, 1),
    "barabasi_albert": (dict(n=N, m=5), lambda s: nx.barabasi_albert_graph(s, 5, seed=1), N_NX, 1),
    "power_law": (dict(n=N, gamma=2.5, mean_degree=10),
                  lambda s: nx.expected_degree_graph(_pl_weights(s), seed=1, selfloops=False), N_NX, 1),
    "kleinberg_lattice": (dict(side=316, r=2.0), lambda s: nx.navigable_small_world_graph(s, seed=1), 30, 2),
    "hierarchical_identity": (dict(branching=2, depth=10, group_size=98, dimensions=2, mean_degree=10), None, 0, 1),
    "rank_geographic": (dict(n=N, mean_degree=10), None, 0, 1),
    "directed_follower": (dict(n=N, mean_degree=10), None, 0, 1),
}


def _pl_weights(n):
    from simulate.generators.power_law import power_law_weights

    return power_law_weights(n, 2.5, 10.0).tolist()


@pytest.mark.parametrize("model", list(CASES))
def test_generator_vs_networkx(benchmark, model):
    params, peer, peer_size, power = CASES[model]
    generate(model, seed=0, **{**params, **_tiny(model)})  # compile first
    g = benchmark.pedantic(lambda: generate(model, seed=1, **params), rounds=3, iterations=1)
    ours = benchmark.stats.stats.min
    info = {"nodes": g.n, "edges": g.num_edges, "ours_s": ours,
            "mean_degree": g.num_arcs / max(g.n, 1)}
    if peer is not None:
        t = time.perf_counter()
        G = peer(peer_size)
        t_peer = time.perf_counter() - t
        n_peer = G.number_of_nodes()
        extrapolated = t_peer * (g.n / n_peer) ** power
        info.update(networkx_s_at=t_peer, networkx_nodes=n_peer, networkx_s_extrapolated=extrapolated,
                    ratio=extrapolated / ours,
                    networkx_mean_degree=2 * G.number_of_edges() / n_peer if not G.is_directed()
                    else G.number_of_edges() / n_peer)
    benchmark.extra_info.update(info)
    print(f"\n{model}: {json.dumps(info, default=float)}")


def _tiny(model):
    return {"erdos_renyi": dict(n=100, p=0.1), "watts_strogatz": dict(n=100), "barabasi_albert": dict(n=100),
            "power_law": dict(n=100), "kleinberg_lattice": dict(side=10), "hierarchical_identity": dict(depth=2),
            "rank_geographic": dict(n=100), "directed_follower": dict(n=100)}[model]


BIG = {
    "power_law": dict(n=1_000_000, gamma=2.5, mean_degree=20.0),
    "watts_strogatz": dict(n=1_000_000, k=20, p=0.1),
    "kleinberg_lattice": dict(side=1000, r=2.0, p=2, q=1),
}

_CHILD = """
import json, resource, sys, time
from simulate.generators import generate
model, params = sys.argv[1], json.loads(sys.argv[2])
small = dict(params); small.update({"n": 1000} if "n" in small else {"side": 30})
generate(model, seed=0, **small)                      # compile / load cache
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
g = generate(model, seed=1, **params)
dt = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": dt, "peak_rss_mib": peak / 1024, "rss_growth_mib": (peak - base) / 1024,
                  "nodes": g.n, "edges": g.num_edges, "arcs": g.num_arcs}))
"""


@pytest.mark.parametrize("model", list(BIG))
def test_million_nodes(benchmark, model):
    def run():
        out = subprocess.run([sys.executable, "-c", _CHILD, model, json.dumps(BIG[model])],
                             capture_output=True, text=True, check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    res = benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info.update(res)
    print(f"\n{model} 1M: {json.dumps(res)}")
    assert res["nodes"] == 1_000_000 and res["arcs"] > 5_000_000
    assert np.isfinite(res["seconds"])
