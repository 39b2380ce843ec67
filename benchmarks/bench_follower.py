"""Follower-graph build: the two-pass CSR build against the earlier edge-list build, and Kwak's size.

Run: ``.venv/bin/pytest -q benchmarks/bench_follower.py --benchmark-only -s``

* ``test_two_pass_vs_edge_list``: 500,000 users with Kwak's shape (35.25 arcs per user,
  followers exponent 2.276, followings 2.5 capped at 2,000, 22.1% mutual pairs; ~17.6M arcs).
  Ours (:func:`simulate.generators.directed_follower`) and the peer, the earlier build kept in
  ``tests/naive.py`` (same layers and streams into int32 edge lists, a hash-set filter, an
  int64 edge list into ``Graph.from_edges``), each once in a fresh subprocess after a warm-up
  call that compiles the kernels; wall time, peak RSS and its growth over the warm-up
  (ru_maxrss), and accuracy (realised mutual-pair share, arcs per user) for both.
* ``test_kwak_scale`` (opt-in: ``SMALLWORLD_BENCH_KWAK=1``; size ``SMALLWORLD_BENCH_KWAK_N``,
  default 41,700,000): ``python -m simulate.experiments.kwak_scale`` in a subprocess, under
  ``flock /work/bigmem.lock`` when that file exists: build time and peak RSS, then BFS from
  1,000 sampled users (time, peak RSS of the whole run), from the run's ``summary.json``.

``extra_info`` also records the Numba thread count and the 1-minute load average: on a shared
machine the timings are only comparable within one run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numba
import pytest

N = 500_000
KWAK = dict(gamma_out=2.5, gamma_in=2.276, mean_degree=1.47e9 / 41.7e6, mutual_pair_share=0.221, max_degree=2000.0)
TESTS = str(Path(__file__).resolve().parents[1] / "tests")

_CHILD = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[3])
import naive
from simulate.generators import directed_follower
which, n, kw = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[4])
def build(n, seed):
    if which == "two_pass":
        g = directed_follower(n, seed=seed, **kw)
        return g, g.meta["mutual_pairs"], g.meta["one_way_arcs"]
    return naive.generators_follower_edge_list(n, seed=seed, **kw)
build(2000, 0)                                        # compile / load the caches
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
g, mutual, one_way = build(n, 1)
dt = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": dt, "peak_rss_mib": peak / 1024, "rss_growth_mib": (peak - base) / 1024,
                  "nodes": g.n, "arcs": g.num_arcs, "arcs_per_user": g.num_arcs / g.n,
                  "mutual_pair_share": mutual / (mutual + one_way),
                  "csr_mib": (g.indptr.nbytes + g.indices.nbytes) / 2**20}))
"""


def _child(which, n):
    out = subprocess.run([sys.executable, "-c", _CHILD, which, str(n), TESTS, json.dumps(KWAK)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _machine():
    return {"numba_threads": numba.get_num_threads(), "load_avg_1min": os.getloadavg()[0]}


def test_two_pass_vs_edge_list(benchmark):
    ours = benchmark.pedantic(lambda: _child("two_pass", N), rounds=1, iterations=1)
    peer = _child("edge_list", N)
    info = {"nodes": N, **{f"ours_{k}": v for k, v in ours.items()}, **{f"edge_list_{k}": v for k, v in peer.items()},
            "ratio_time_edge_list_over_ours": peer["seconds"] / ours["seconds"],
            "ratio_peak_rss_growth_edge_list_over_ours": peer["rss_growth_mib"] / max(ours["rss_growth_mib"], 1e-9),
            **_machine()}
    benchmark.extra_info.update(info)
    print(f"\ndirected_follower two-pass vs edge list, n = {N:,}: {json.dumps(info, default=float)}")
    # Both builds hit the target share exactly (up to rounding) and the same arcs per user.
    assert abs(ours["mutual_pair_share"] - 0.221) < 1e-3 and abs(peer["mutual_pair_share"] - 0.221) < 1e-3
    assert ours["arcs"] == peer["arcs"]


@pytest.mark.skipif(os.environ.get("SMALLWORLD_BENCH_KWAK") != "1",
                    reason="Kwak-size build (~10 GB, tens of minutes): set SMALLWORLD_BENCH_KWAK=1")
def test_kwak_scale(benchmark, tmp_path):
    n = int(os.environ.get("SMALLWORLD_BENCH_KWAK_N", "41700000"))
    cmd = [sys.executable, "-m", "simulate.experiments.kwak_scale", "--n", str(n), "--sources", "1000",
           "--out", str(tmp_path)]
    if os.path.exists("/work/bigmem.lock"):
        cmd = ["flock", "/work/bigmem.lock", *cmd]
    benchmark.pedantic(lambda: subprocess.run(cmd, check=True), rounds=1, iterations=1)
    s = json.loads((tmp_path / "summary.json").read_text())
    info = {k: s[k] for k in ("n", "arcs", "build_seconds", "build_peak_rss", "bfs_seconds", "peak_rss",
                              "mutual_pair_share_realised", "threads", "load_at_start")}
    info["mean_distance"] = s["directed"]["mean"]
    benchmark.extra_info.update(info)
    print(f"\nKwak scale: {json.dumps(info, default=float)}")
    assert s["arcs"] > 30 * n and s["peak_rss"] < 24 * 2**30
