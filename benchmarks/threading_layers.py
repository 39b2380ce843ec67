"""Numba threading layer / OpenMP wait policy on a quiet and on a loaded machine.

Run: ``.venv/bin/python benchmarks/threading_layers.py [--nodes 200000] [--reps 5]``

Each configuration runs in a fresh interpreter (the threading layer and OpenMP's wait policy
are fixed when Numba first launches threads), configurations interleaved round by round,
median of ``--reps`` rounds. "loaded" runs one CPU-bound busy-loop process beside the
measurement (on a 2-core machine that takes one core), which is where a spin-waiting
OpenMP runtime hurts: a thread that finished its share spins on the barrier, stealing the
core the straggler needs. Every row records ``os.getloadavg()`` at its start.

The workload is the package's parallel kernels on ``power_law(n, 2.5, 20, seed=1)``'s largest
component: one HyperBall run (m = 64), 256 sampled BFS sources, and weak components.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

CONFIGS = {
    # name: environment overrides (NUMBA_NUM_THREADS = 2 for every threaded one)
    "omp (spin, Numba default)": {"NUMBA_THREADING_LAYER": "omp", "SMALLWORLD_NO_THREAD_POLICY": "1"},
    "omp OMP_WAIT_POLICY=PASSIVE": {"NUMBA_THREADING_LAYER": "omp", "OMP_WAIT_POLICY": "PASSIVE",
                                    "KMP_BLOCKTIME": "0"},
    "workqueue": {"NUMBA_THREADING_LAYER": "workqueue"},
    "1 thread": {"NUMBA_NUM_THREADS": "1", "SMALLWORLD_NO_THREAD_POLICY": "1"},
}

CHILD = r"""
import json, os, sys, time
load = os.getloadavg()[0]
import numpy as np
import simulate, numba
from simulate import distance_distribution
from simulate.generators import power_law
from simulate.kernels.hyperball import hyperball_run
from simulate.kernels.random import stream_states
from simulate.kernels.csr import weak_components
n = int(sys.argv[1])
g = power_law(n=n, gamma=2.5, mean_degree=20.0, seed=1).largest_component()
w = power_law(n=2000, gamma=2.5, mean_degree=20.0, seed=1).largest_component()
hyperball_run(w.indptr, w.indices, 6, stream_states(1, 1)[0])
distance_distribution(w, method="sample", n_sources=8, seed=1)
weak_components(w.indptr, w.indices, True)
out = {"load": load, "layer": numba.threading_layer(), "threads": numba.get_num_threads()}
t = time.perf_counter(); hyperball_run(g.indptr, g.indices, 6, stream_states(1, 1)[0])
out["hyperball"] = time.perf_counter() - t
t = time.perf_counter(); distance_distribution(g, method="sample", n_sources=256, seed=1)
out["sample256"] = time.perf_counter() - t
t = time.perf_counter(); weak_components(g.indptr, g.indices, True)
out["weak"] = time.perf_counter() - t
print(json.dumps(out))
"""


def run_child(env_over, n):
    env = dict(os.environ)
    for k in ("NUMBA_THREADING_LAYER", "OMP_WAIT_POLICY", "KMP_BLOCKTIME", "GOMP_SPINCOUNT",
              "NUMBA_NUM_THREADS", "SMALLWORLD_NO_THREAD_POLICY"):
        env.pop(k, None)
    env.setdefault("NUMBA_NUM_THREADS", "2")
    env.update(env_over)
    res = subprocess.run([sys.executable, "-c", CHILD, str(n)], env=env, capture_output=True,
                         text=True, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=200_000)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--modes", default="quiet,loaded")
    args = ap.parse_args(argv)
    rows = []
    for mode in args.modes.split(","):
        hog = None
        if mode == "loaded":
            hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
            time.sleep(1.0)
        try:
            samples = {name: [] for name in CONFIGS}
            for _ in range(args.reps):
                for name, over in CONFIGS.items():
                    samples[name].append(run_child(over, args.nodes))
        finally:
            if hog is not None:
                hog.kill()
                hog.wait()
        for name, runs in samples.items():
            row = {"mode": mode, "config": name, "layer": runs[0]["layer"],
                   "threads": runs[0]["threads"],
                   "load_at_start": [round(r["load"], 2) for r in runs]}
            for key in ("hyperball", "sample256", "weak"):
                row[key] = round(statistics.median(r[key] for r in runs), 3)
            rows.append(row)
            print(json.dumps(row), flush=True)
    print()
    print(f"| mode | config | layer | threads | HyperBall s | 256 BFS s | weak comp. s | load at start |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['mode']} | {r['config']} | {r['layer']} | {r['threads']} | {r['hyperball']} | "
              f"{r['sample256']} | {r['weak']} | {min(r['load_at_start'])}-{max(r['load_at_start'])} |")


if __name__ == "__main__":
    main()
