"""Exact mean distance of the HyperBall-vs-ANF benchmark graph, saved once as JSON.

The error study (``hyperball_errors.py``) and ``bench_hyperball.py``'s equal-error benchmark
compare the estimators' mean distances with this number instead of a BFS sample whose own
error is comparable to theirs. It is the mean distance of the largest component of
``power_law(n=N, gamma=2.5, mean_degree=20, seed=1)`` by the bit-parallel BFS: exact
(``distance_distribution(method="exact")``, every node a source: 50 s of CPU at 300k nodes,
so about 10 min of CPU at 1M, ~11x) or, with ``--sources S``, from S random sources
(``method="sample"``, seed 2026) with its jackknife standard error: 131,072 sources at 1M
(13% of the exact cost) give a standard error near 0.03% of the mean, 1/30 of the
estimators' ~1% errors.

Run (from the repository root)::

    python benchmarks/hyperball_reference.py [N] [--sources S] [--out benchmarks/hyperball_reference.json]

The JSON holds the graph's parameters and fingerprint (the benchmark checks it against the
graph it builds), the histogram (``counts[d]`` = ordered pairs at distance ``d``, ``d >= 1``
from ``counts[1]``), the mean distance over ordered pairs of distinct nodes, the command, the
commit, the times and the load. Existing entries for other ``N`` are kept.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_OUT = Path(__file__).with_name("hyperball_reference.json")


def graph_key(n):
    """The JSON key of the graph with ``n`` requested nodes."""
    return f"power_law(n={int(n)}, gamma=2.5, mean_degree=20, seed=1).largest_component()"


def load_reference(n, path=DEFAULT_OUT):
    """The saved entry for ``n`` requested nodes, or None."""
    path = Path(path)
    if not path.exists():
        return None
    return json.loads(path.read_text()).get(graph_key(n))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=1_000_000, help="requested nodes [1000000]")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON file (entries of other n kept)")
    parser.add_argument("--sources", type=int, default=0,
                        help="BFS from this many random sources (seed 2026) instead of every node [0: exact]")
    args = parser.parse_args(argv)

    import numba

    from simulate import distance_distribution
    from simulate.generators import power_law

    load_start = os.getloadavg()
    t = time.perf_counter()
    giant = power_law(n=args.n, gamma=2.5, mean_degree=20, seed=1).largest_component()
    build_s = time.perf_counter() - t
    print(f"graph: {giant.n} nodes, {giant.num_arcs} arcs, {build_s:.1f} s", flush=True)
    ru = resource.getrusage(resource.RUSAGE_SELF)
    t = time.perf_counter()
    if args.sources:
        d = distance_distribution(giant, method="sample", n_sources=args.sources, seed=2026)
    else:
        d = distance_distribution(giant, method="exact")
    wall = time.perf_counter() - t
    ru2 = resource.getrusage(resource.RUSAGE_SELF)
    counts = [int(c) for c in d.counts]
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                                cwd=Path(__file__).parent).stdout.strip()
    except OSError:
        commit = ""
    entry = {
        "nodes": int(giant.n), "arcs": int(giant.num_arcs), "fingerprint": giant.fingerprint,
        "method": (f"distance_distribution(method='sample', n_sources={args.sources}, seed=2026)"
                   if args.sources else "distance_distribution(method='exact') (bit-parallel BFS from every node)"),
        "sources": int(args.sources) if args.sources else int(giant.n),
        "mean_distance": float(d.mean),
        "mean_distance_se": float(d.stderr["mean"]) if args.sources else 0.0,
        "counts": counts,
        "command": "python benchmarks/hyperball_reference.py " + " ".join(sys.argv[1:]),
        "commit": commit, "threads": numba.get_num_threads(),
        "wall_s": round(wall, 1), "cpu_s": round((ru2.ru_utime - ru.ru_utime) + (ru2.ru_stime - ru.ru_stime), 1),
        "peak_rss_gb": round(ru2.ru_maxrss / 1e6, 3),
        "load_average_at_start": [round(x, 2) for x in load_start],
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
    }
    data = json.loads(args.out.read_text()) if args.out.exists() else {}
    data[graph_key(args.n)] = entry
    args.out.write_text(json.dumps(data, indent=1) + "\n")
    print(json.dumps(entry, indent=1))


if __name__ == "__main__":
    main()
