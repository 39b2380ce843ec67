"""Benchmark: greedy routing on an implicit Kleinberg lattice vs kleinberg-grid-simulator.

Both draw each long-range link lazily when a message reaches a node (annealed), on one
thread, compilation excluded (each is called once on a small problem first). Peer:
kleinberg-grid-simulator 0.1.0 (F. Mathieu, "Kleinberg's Grid Reloaded", OPODIS 2016), its
numba implementation; its package ``__init__`` imports juliacall, which downloads Julia, so
its ``python_implementation`` modules are loaded directly under a stub package. Install it
with ``pip install --no-deps kleinberg-grid-simulator==0.1.0`` (its metadata pins numba < 0.59
and juliacall, which the numba code does not need).

Reported: routes/s, steps/s (= routes/s x EDT), expected delivery time (EDT) with 95% CI for
each, the ratio of steps/s, peak RSS. Ours runs twice: ``kgs_rules=True`` (the peer's rules:
links never reach the last row/column, local moves preferred on ties, pairs uniform with
s = t counted as 0-step routes) and the default rules (uniform tie-breaking among the best
distinct contacts, s != t), whose EDT differs from the peer's by the expected amount stated
in the report line (s = t routes have probability side^-2; tie rules change a step only when
a long-range contact exactly ties the best local move).

Times are process CPU seconds (``time.process_time``) of the whole call, so a loaded machine
does not inflate them much.

Run:  .venv/bin/python benchmarks/bench_implicit.py [log2_side] [routes]
 or:  .venv/bin/python -m pytest benchmarks/bench_implicit.py --benchmark-only -s
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import resource
import sys
import time
import types

import numba
import numpy as np

from simulate.implicit import implicit_population

LOG2_SIDE = 20
ROUTES = 50_000


def load_kgs():
    """kleinberg-grid-simulator's numba modules, without its package ``__init__`` (Julia)."""
    if not hasattr(sys.modules.get("kleinberg_grid_simulator"), "_stub"):
        spec = importlib.util.find_spec("kleinberg_grid_simulator")
        if spec is None:
            return None
        pkg = types.ModuleType("kleinberg_grid_simulator")
        pkg.__path__ = list(spec.submodule_search_locations)
        pkg._stub = True
        sys.modules["kleinberg_grid_simulator"] = pkg
    shortcuts = importlib.import_module("kleinberg_grid_simulator.python_implementation.shortcuts")
    walk = importlib.import_module("kleinberg_grid_simulator.python_implementation.greedy_walk")
    seed = importlib.import_module("kleinberg_grid_simulator.python_implementation.seed")
    return shortcuts, walk, seed


def kgs_run(side, routes, r=2.0, p=1, q=1, seed=1):
    """Peer EDT and CPU seconds (one thread, compiled beforehand). Its EDT is the mean over
    routes; the per-route steps are not returned, so the CI comes from 10 batches."""
    shortcuts, walk, seeding = load_kgs()
    gen = numba.njit(shortcuts.draw_r_eq_2(side) if r == 2 else shortcuts.draw_2_lt_r(side, r) if r > 2 else
                     shortcuts.draw_1_lt_r_lt_2(side, r) if r > 1 else shortcuts.draw_r_eq_1(side) if r == 1
                     else shortcuts.draw_r_lt_1(side, r))
    loop = numba.njit(walk.edt_gen)
    loop(gen=gen, n=side, p=p, q=q, n_runs=10)  # compile
    seeding.set_seeds(seed)
    batches = []
    t0 = time.process_time()
    for _ in range(10):
        batches.append(loop(gen=gen, n=side, p=p, q=q, n_runs=routes // 10))
    dt = time.process_time() - t0
    b = np.array(batches)
    return float(b.mean()), 1.96 * float(b.std(ddof=1)) / math.sqrt(b.size), dt


def ours_run(side, routes, r=2.0, p=1, q=1, seed=1, kgs_rules=True):
    pop = implicit_population("kleinberg_lattice", side=side, r=r, p=p, q=q, kgs_rules=kgs_rules,
                              mode="annealed", seed=seed)
    pop.run_chains(n_chains=100, n_targets=1, seed=seed + 1)  # compile / load cache
    t0 = time.process_time()
    res = pop.run_chains(n_chains=routes, n_targets=max(1, routes // 100), seed=seed)
    dt = time.process_time() - t0
    s = res.table["steps"].to_numpy()
    return float(s.mean()), 1.96 * float(s.std(ddof=1)) / math.sqrt(s.size), dt


def compare(log2_side=LOG2_SIDE, routes=ROUTES, r=2.0):
    side = 2 ** log2_side
    prev = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        rows = {}
        if load_kgs() is not None:
            rows["kleinberg-grid-simulator"] = kgs_run(side, routes, r)
        rows["ours, kgs_rules"] = ours_run(side, routes, r, kgs_rules=True)
        rows["ours, default rules"] = ours_run(side, routes, r, kgs_rules=False)
    finally:
        numba.set_num_threads(prev)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = []
    for name, (edt, ci, dt) in rows.items():
        out.append({"impl": name, "side": side, "r": r, "routes": routes, "edt": edt, "edt_ci95": ci,
                    "cpu_s": dt, "routes_per_s": routes / dt, "steps_per_s": routes * edt / dt})
    return out, peak


def report(rows, peak):
    for x in rows:
        print(f"{x['impl']:<26} side 2^{int(math.log2(x['side']))} r={x['r']:g} routes {x['routes']:,}: "
              f"EDT {x['edt']:.2f} +- {x['edt_ci95']:.2f}, {x['cpu_s']:.2f} s CPU, "
              f"{x['routes_per_s']:,.0f} routes/s, {x['steps_per_s'] / 1e6:.2f}M steps/s")
    peer = [x for x in rows if x["impl"] == "kleinberg-grid-simulator"]
    if peer:
        p = peer[0]
        for x in rows[1:]:
            print(f"  {x['impl']}: {x['steps_per_s'] / p['steps_per_s']:.2f}x the peer's steps/s, "
                  f"EDT {100 * (x['edt'] / p['edt'] - 1):+.2f}% vs the peer")
    print(f"peak RSS {peak:.0f} MiB")


def test_implicit_vs_kgs(benchmark):
    """pytest-benchmark entry: times our run (kgs rules); prints the side-by-side table."""
    rows, peak = compare(LOG2_SIDE, 20_000)
    report(rows, peak)
    side = 2 ** LOG2_SIDE
    pop = implicit_population("kleinberg_lattice", side=side, kgs_rules=True, mode="annealed", seed=1)
    benchmark.pedantic(lambda: pop.run_chains(n_chains=20_000, n_targets=200, seed=1), rounds=1, iterations=1)
    # the closing ratio table (benchmarks/conftest.py): steps/s against the peer, same routes
    peer = [x for x in rows if x["impl"] == "kleinberg-grid-simulator"]
    if peer:
        p = peer[0]
        benchmark.extra_info["ratio_rows"] = [
            {"case": f"greedy routing, side 2^{LOG2_SIDE}, r = 2, 20,000 routes, {x['impl']} (steps/s ratio)",
             "peer": "kleinberg-grid-simulator, 1 thread", "ratio": x["steps_per_s"] / p["steps_per_s"],
             "ours_s": x["cpu_s"], "peer_s": p["cpu_s"], "peak_rss_gb": peak * 1024 ** 2 / 1e9,
             "accuracy": f"EDT {100 * (x['edt'] / p['edt'] - 1):+.2f}% vs the peer's"}
            for x in rows if x is not p]


if __name__ == "__main__":
    ls = int(sys.argv[1]) if len(sys.argv) > 1 else LOG2_SIDE
    n = int(sys.argv[2]) if len(sys.argv) > 2 else ROUTES
    report(*compare(ls, n))
