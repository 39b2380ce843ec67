"""Benchmark: greedy decentralized search on a 1M-node Kleinberg lattice.

Forwarding steps per second per core of :func:`simulate.chains.run_chains` (Numba kernel,
one thread) versus a straightforward pure-Python implementation of the same policy
(greedy lattice routing, self-avoiding, uniform tie-breaking) over a networkx DiGraph of the
same graph. Times are process CPU seconds (``time.process_time``), so a shared, loaded
machine does not inflate them; the whole ``run_chains`` call is timed (pair sampling,
component search and table building included). Accuracy figure: mean delivery time of both implementations on their chains
(they use different random streams, so they agree in distribution, not chain by chain).

Run:  .venv/bin/python -m pytest benchmarks/bench_chains.py --benchmark-only -s
 or:  .venv/bin/python benchmarks/bench_chains.py [side]
"""

from __future__ import annotations

import random
import resource
import sys
import time

import numba
import numpy as np

from simulate.chains import Starters, run_chains

SIDE = 1000          # 10^6 nodes
N_CHAINS = 50_000    # kernel chains (about 3M forwarding steps at r = 2)
N_PEER = 300         # pure-Python chains


def build_graph(side=SIDE):
    from simulate.generators.kleinberg import kleinberg_lattice

    return kleinberg_lattice(side, dim=2, r=2.0, q=1, periodic=True, seed=1)


def kernel_run(g, n_chains=N_CHAINS, threads=1, pairs=None):
    """Time ``run_chains`` (CPU seconds). With ``pairs`` given, the random pair sampling (a
    strongly-connected-component search over the whole graph) is left out of the timing."""
    prev = numba.get_num_threads()
    numba.set_num_threads(threads)
    kw = dict(n_chains=n_chains, n_targets=100) if pairs is None else dict(starters=Starters(pairs[0], pairs[1]))
    try:
        t0 = time.process_time()
        res = run_chains(g, "greedy_lattice", seed=1, compute_distances=False, **kw)
        dt = time.process_time() - t0
    finally:
        numba.set_num_threads(prev)
    steps = res.table["steps"].to_numpy()
    return dt, int(steps.sum()), float(steps.mean())


def networkx_greedy(G, coords, side, pairs, seed=0, max_steps=10_100):
    """Plain Python greedy routing on a networkx DiGraph (the peer)."""
    rnd = random.Random(seed)
    total, lengths = 0, []
    for s, t in pairs:
        tx, ty = coords[t]
        holder, visited, steps = s, {s}, 0
        while holder != t and steps < max_steps:
            succ = G.succ[holder]
            if t in succ:
                holder = t
            else:
                best, tied = None, []
                for v in succ:
                    if v in visited:
                        continue
                    x, y = coords[v]
                    dx, dy = abs(x - tx), abs(y - ty)
                    d = min(dx, side - dx) + min(dy, side - dy)
                    if best is None or d < best:
                        best, tied = d, [v]
                    elif d == best:
                        tied.append(v)
                if not tied:
                    break
                holder = tied[rnd.randrange(len(tied))] if len(tied) > 1 else tied[0]
                visited.add(holder)
            steps += 1
        total += steps
        lengths.append(steps)
    return total, float(np.mean(lengths))


def peer_run(g, n=N_PEER):
    import networkx as nx

    G = nx.DiGraph()
    G.add_nodes_from(range(g.n))
    src = np.repeat(np.arange(g.n), np.diff(g.indptr))
    G.add_edges_from(zip(src.tolist(), g.indices.tolist()))
    coords = list(zip(g.node_attrs["coord_0"].to_list(), g.node_attrs["coord_1"].to_list()))
    rng = np.random.default_rng(2)
    pairs = [tuple(p) for p in rng.integers(0, g.n, (n, 2)).tolist() if p[0] != p[1]]
    t0 = time.process_time()
    steps, mean = networkx_greedy(G, coords, g.meta["side"], pairs)
    return time.process_time() - t0, steps, mean


def measure(side=SIDE):
    g = build_graph(side)
    kernel_run(g, 200)  # compile / load the cache
    pairs = sampled_pairs(g)
    dt1, steps1, mean1 = kernel_run(g, threads=1, pairs=pairs)
    dtw, stepsw, _ = kernel_run(g, threads=1)
    dtn, stepsn, _ = kernel_run(g, threads=numba.config.NUMBA_NUM_THREADS, pairs=pairs)
    dtp, stepsp, meanp = peer_run(g)
    k_rate = steps1 / dt1
    p_rate = stepsp / dtp
    return {
        "graph": f"kleinberg_lattice side={side} r=2 q=1 periodic ({g.n:,} nodes, {g.num_arcs:,} arcs)",
        "kernel_steps_per_s_per_core": k_rate,
        "with_pair_sampling_steps_per_s": stepsw / dtw,
        "kernel_cpu_steps_per_s_all_threads": stepsn / dtn,
        "threads": numba.config.NUMBA_NUM_THREADS,
        "peer_steps_per_s": p_rate,
        "ratio": k_rate / p_rate,
        "kernel_mean_steps": mean1,
        "peer_mean_steps": meanp,
        "kernel_chains": N_CHAINS,
        "peer_chains": N_PEER,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def sampled_pairs(g, n_chains=N_CHAINS, n_targets=100, seed=1):
    """Source/target pairs as ``run_chains`` draws them: targets uniform over the largest
    component, chains spread evenly over them, sources uniform over the component minus the
    target (drawn here, with public names only, so the timing can leave the sampling out)."""
    comp = np.flatnonzero(g.largest_component_mask(strong=g.directed))
    rng = np.random.default_rng(seed)
    tgt = np.repeat(rng.choice(comp, size=n_targets, replace=False), -(-n_chains // n_targets))[:n_chains]
    idx = rng.integers(0, comp.size - 1, n_chains)
    idx += idx >= np.searchsorted(comp, tgt)  # skip the target's own slot
    return comp[idx].astype(np.int64), tgt.astype(np.int64)


def test_bench_chains(benchmark):
    g = build_graph()
    kernel_run(g, 200)
    pairs = sampled_pairs(g)
    benchmark.pedantic(lambda: kernel_run(g, threads=1, pairs=pairs), rounds=3, iterations=1)
    dt1, steps1, mean1 = kernel_run(g, threads=1, pairs=pairs)
    dtp, stepsp, meanp = peer_run(g)
    benchmark.extra_info.update({
        "kernel_steps_per_s_per_core": steps1 / dt1,
        "peer_steps_per_s": stepsp / dtp,
        "ratio": (steps1 / dt1) / (stepsp / dtp),
        "kernel_mean_steps": mean1,
        "peer_mean_steps": meanp,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    })
    assert (steps1 / dt1) / (stepsp / dtp) > 20


if __name__ == "__main__":
    out = measure(int(sys.argv[1]) if len(sys.argv) > 1 else SIDE)
    for k, v in out.items():
        print(f"{k:30s} {v:,.3f}" if isinstance(v, float) else f"{k:30s} {v}")
