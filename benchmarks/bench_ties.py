"""Benchmark: percolation by tie strength (Newman-Ziff) and per-edge overlap.

* Percolation curve, 100 points, one run: ours (one union-find pass) vs networkx recomputing
  connected components at every point, in the same run, on the same graph (Watts-Strogatz,
  5,000 nodes, k = 20: 50,000 edges, a size networkx handles in seconds); the curves must be equal.
  Then ours alone on a 1M-node / 10M-edge Watts-Strogatz graph (k = 20), removal order by overlap.
* Overlap for every edge of that 10M-edge graph (sorted-row merge), time and peak RSS growth of a
  fresh process (graph generation included in the peak, stated).

``extra_info`` records times, the ratio, peak memory, the Numba thread count and the load average
(the machine is shared: compare ratios, not absolute times).

Run:  .venv/bin/python -m pytest benchmarks/bench_ties.py --benchmark-only -s
 or:  .venv/bin/python benchmarks/bench_ties.py [n_big]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numba
import numpy as np

from simulate import ties
from simulate.generators import watts_strogatz
from simulate.kernels import ties as k

PEER_N = 5_000
BIG_N = 1_000_000
K = 20
POINTS = 100


def _machine():
    return {"numba_threads": numba.get_num_threads(), "load_1min": os.getloadavg()[0]}


def networkx_curve(n, src, dst, order, record):
    """Giant fraction at each record point, recomputing components from scratch (networkx)."""
    import networkx as nx

    out = []
    for r in record:
        G = nx.Graph()
        G.add_nodes_from(range(n))
        keep = order[r:]
        G.add_edges_from(zip(src[keep].tolist(), dst[keep].tolist()))
        out.append(max(len(c) for c in nx.connected_components(G)) / n)
    return np.array(out)


def percolation_vs_networkx(n=PEER_N):
    g = watts_strogatz(n=n, k=K, p=0.1, seed=1)
    t = ties.tie_strengths(g, by="overlap")
    order = ties.removal_order(t.overlap, "weak-first", 1)
    record = np.rint(np.linspace(0, 1, POINTS) * t.m).astype(np.int64)
    k.percolation_curve(3, np.array([0, 1], dtype=np.int32), np.array([1, 2], dtype=np.int32),
                        np.array([0, 1], dtype=np.int64), np.array([0], dtype=np.int64))  # compile
    t0 = time.perf_counter()
    giant, _, _ = k.percolation_curve(g.n, t.src, t.dst, order, record)
    ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    peer = networkx_curve(g.n, t.src, t.dst, order, record)
    nx_s = time.perf_counter() - t0
    assert np.allclose(giant, peer)
    return {"nodes": g.n, "edges": t.m, "points": POINTS, "ours_s": ours, "networkx_s": nx_s,
            "ratio": nx_s / ours, "curves_equal": True, **_machine()}


_CHILD = r"""
import json, resource, sys, time
import numpy as np
from simulate import ties
from simulate.generators import watts_strogatz
from simulate.kernels import ties as k
n = int(sys.argv[1])
ties.tie_strengths(watts_strogatz(n=200, k=4, p=0.1, seed=0), by="overlap")  # compile
ties.percolation(watts_strogatz(n=200, k=4, p=0.1, seed=0), points=5, seeds=1)
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter(); g = watts_strogatz(n=n, k=20, p=0.1, seed=1); gen = time.perf_counter() - t0
rss_graph = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
off = k.edge_offsets(g.indptr, g.indices)
t0 = time.perf_counter(); ov, cm = k.edge_overlap(g.indptr, g.indices, off); t_ov = time.perf_counter() - t0
rss_ov = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
src, dst = k.edge_endpoints(g.indptr, g.indices, off)
t0 = time.perf_counter(); order = ties.removal_order(ov, "weak-first", 1); t_order = time.perf_counter() - t0
record = np.rint(np.linspace(0, 1, 100) * src.shape[0]).astype(np.int64)
t0 = time.perf_counter(); giant, chi, peak = k.percolation_curve(g.n, src, dst, order, record)
t_curve = time.perf_counter() - t0
rss_end = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"nodes": g.n, "edges": int(src.shape[0]), "generate_s": gen, "overlap_s": t_ov,
                  "order_s": t_order, "curve_s": t_curve, "percolation_s": t_order + t_curve,
                  "graph_rss_growth_mib": (rss_graph - rss0) / 1024,
                  "overlap_extra_peak_mib": (rss_ov - rss_graph) / 1024,
                  "peak_rss_growth_mib": (rss_end - rss0) / 1024,
                  "overlap_mean": float(ov.mean()), "collapse_at": peak / src.shape[0]}))
"""


def big_run(n=BIG_N):
    """Overlap + percolation on an n-node, 10n-edge graph, in a fresh process (peak RSS)."""
    out = subprocess.run([sys.executable, "-c", _CHILD, str(n)], capture_output=True, text=True, check=True)
    return {**json.loads(out.stdout.strip().splitlines()[-1]), **_machine()}


def test_percolation_vs_networkx(benchmark):
    info = benchmark.pedantic(percolation_vs_networkx, rounds=1, iterations=1)
    benchmark.extra_info.update(info)
    print(f"\npercolation vs networkx: {json.dumps(info)}")


def test_overlap_and_percolation_10m_edges(benchmark):
    info = benchmark.pedantic(big_run, rounds=1, iterations=1)
    benchmark.extra_info.update(info)
    print(f"\n1M nodes / 10M edges: {json.dumps(info)}")


if __name__ == "__main__":
    print(json.dumps(percolation_vs_networkx()))
    print(json.dumps(big_run(int(sys.argv[1]) if len(sys.argv) > 1 else BIG_N)))
