"""End to end from the command line: ``smallworld generate`` against networkx's generator alone.

Issue 14's goal: ``smallworld generate watts_strogatz`` for a 1M-node graph, start-up and Parquet
writing included, at least 5x faster than networkx's ``watts_strogatz_graph`` alone, even on a
loaded machine. Each round runs both as fresh interpreters (``python -m simulate generate ...
--out x.parquet`` and ``python -c "networkx.watts_strogatz_graph(...)"``), interleaved, after one
warm-up run of ours that fills Numba's cache (compilation excluded, as everywhere in
``benchmarks/``); the ratio is the median over rounds of each round's peer time over ours (a
round's two runs meet the same load; medians of each side's times would pair a quiet round's
time with a loaded one's). Accuracy: both graphs have
n k / 2 edges (Watts-Strogatz rewiring keeps the count), ours read back from the Parquet file.

``SMALLWORLD_BENCH_E2E_N`` (default 1,000,000) and ``SMALLWORLD_BENCH_E2E_ROUNDS`` (default 5)
change the size and the number of rounds.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

N = int(os.environ.get("SMALLWORLD_BENCH_E2E_N", "1000000"))
ROUNDS = int(os.environ.get("SMALLWORLD_BENCH_E2E_ROUNDS", "5"))
K, P = 10, 0.1
REPO = Path(__file__).resolve().parents[1]

_NETWORKX = (
    "import sys, networkx as nx\n"
    "g = nx.watts_strogatz_graph(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), seed=1)\n"
    "print(g.number_of_edges())\n"
)


def _timed(cmd, env=None):
    t = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=REPO, env=env)
    return time.perf_counter() - t, out.stdout


def test_generate_watts_strogatz_end_to_end_vs_networkx(benchmark, tmp_path):
    out = tmp_path / "ws.parquet"
    ours_cmd = [sys.executable, "-m", "simulate", "generate", "watts_strogatz", "-p", f"n={N}", "-p", f"k={K}",
                "-p", f"p={P}", "--seed", "1", "--force", "--out", str(out)]
    peer_cmd = [sys.executable, "-c", _NETWORKX, str(N), str(K), str(P)]
    _timed(ours_cmd)  # warm-up: Numba's cache, the OS's file cache of the package
    ours, peer, peer_edges = [], [], None
    load = os.getloadavg()

    def rounds():
        nonlocal peer_edges
        for _ in range(ROUNDS):
            ours.append(_timed(ours_cmd)[0])
            t, text = _timed(peer_cmd)
            peer.append(t)
            peer_edges = int(text.strip().splitlines()[-1])

    benchmark.pedantic(rounds, rounds=1, iterations=1)
    our_edges = pq.ParquetFile(out).metadata.num_rows
    ratio = statistics.median(p / o for p, o in zip(peer, ours))
    benchmark.extra_info.update({
        "ratio_rows": [{"case": f"`smallworld generate watts_strogatz` n = {N:,}, k = {K}, p = {P}, end to end "
                                f"(fresh interpreter, Parquet written), median of {ROUNDS} interleaved rounds",
                        "peer": "networkx `watts_strogatz_graph` alone, fresh interpreter",
                        "ratio": ratio, "ours_s": statistics.median(ours), "peer_s": statistics.median(peer),
                        "accuracy": f"edges {our_edges:,} / {peer_edges:,}"}],
        "ours_s": ours, "peer_s": peer, "load_at_start": load, "load_at_end": os.getloadavg(),
        "edges_equal": our_edges == peer_edges == N * K // 2,
    })
    print(f"\nend to end, n = {N:,}: ours {statistics.median(ours):.2f} s (rounds {[round(x, 2) for x in ours]}), "
          f"networkx {statistics.median(peer):.2f} s ({[round(x, 2) for x in peer]}): {ratio:.2f}x; load "
          f"{load[0]:.1f} -> {os.getloadavg()[0]:.1f}")
    assert our_edges == peer_edges == N * K // 2
