"""Weak components: Afforest sampling against the previous union-find and scipy, same run.

Run: ``.venv/bin/pytest -q benchmarks/bench_components.py --benchmark-only -s``

Graph: the Facebook-like Chung-Lu power law of the former facebook synthetic config (gamma 2.35,
mean degree 195, degree cap 5,000, 20 countries, 84 % within, seed 2012) at ``WCC_NODES``
[2_000_000] nodes (the full 10M needs ~10 GB). Rounds interleave the three methods
(``WCC_ROUNDS`` [5]); medians; labels must be identical to union-find's; scipy's partition
must agree. All serial (one thread each).
"""

from __future__ import annotations

import os
import resource
import time

import numpy as np

from simulate.generators import power_law
from simulate.kernels.csr import weak_components, weak_components_union_find


def _env(name, default):
    return int(float(os.environ.get(name, default)))


def test_weak_components_afforest(benchmark):
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    n = _env("WCC_NODES", 2_000_000)
    rounds = _env("WCC_ROUNDS", 5)
    load = os.getloadavg()
    warm = power_law(n=3000, gamma=2.35, mean_degree=20.0, seed=1)
    weak_components(warm.indptr, warm.indices, True)
    weak_components_union_find(warm.indptr, warm.indices, True)
    g = power_law(n=n, gamma=2.35, mean_degree=195.0, max_degree=5000.0, communities=20,
                  within=0.84, seed=2012)
    adj = sp.csr_matrix((np.ones(g.indices.shape[0], dtype=np.int8), g.indices, g.indptr),
                        shape=(g.n, g.n))
    times = {"afforest": [], "union_find": [], "scipy": []}
    for _ in range(rounds):
        t = time.perf_counter()
        ref, k_ref = weak_components_union_find(g.indptr, g.indices, True)
        times["union_find"].append(time.perf_counter() - t)
        t = time.perf_counter()
        labels, k = weak_components(g.indptr, g.indices, True)
        times["afforest"].append(time.perf_counter() - t)
        t = time.perf_counter()
        k_sp, sp_labels = connected_components(adj, directed=False)
        times["scipy"].append(time.perf_counter() - t)
        assert np.array_equal(labels, ref) and k == k_ref == k_sp
    med = {name: float(np.median(v)) for name, v in times.items()}
    benchmark.pedantic(lambda: weak_components(g.indptr, g.indices, True), rounds=1, iterations=1)
    info = {"nodes": g.n, "arcs": int(g.num_arcs), "components": int(k), "rounds": rounds,
            "load_average_at_start": [round(x, 2) for x in load],
            "afforest_median_s": round(med["afforest"], 3),
            "union_find_median_s": round(med["union_find"], 3),
            "scipy_median_s": round(med["scipy"], 3),
            "ratio_vs_union_find": round(med["union_find"] / med["afforest"], 2),
            "ratio_vs_scipy": round(med["scipy"] / med["afforest"], 2),
            "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 3)}
    benchmark.extra_info.update(info)
    for key, value in info.items():
        print(f"{key}: {value}")
