"""RMS error of the mean distance: HyperBall at several m against networkit's ANF.

"Equal error" between HyperBall (m registers per counter) and ANF (k bitmasks, r extra bits)
is decided here, on the graph of ``bench_hyperball.py``: the largest component of
``power_law(n=N, gamma=2.5, mean_degree=20, seed=1)``, against its exact mean distance
(``hyperball_reference.py``, saved in ``hyperball_reference.json``). Each run (one seed)
gives one mean distance ``d_i``; a method's error is the RMS relative error
``sqrt(mean((d_i - d) ** 2)) / d`` over its runs (bias and spread together), with a 95%
bootstrap percentile interval (runs resampled, 20,000 times) and, for the spread alone, a
chi-square interval on the sd. The ratio of a HyperBall setting's RMS to ANF's gets a
bootstrap interval too (both methods' runs resampled independently).

Rule: the equal-error setting is the smallest m whose RMS point estimate is at most ANF's.
The intervals are reported beside it: where the ratio's interval contains 1 the two errors
are not distinguishable with these runs, and the report says so rather than ranking them.

Runs are saved one by one (``hyperball_errors.json``, keyed by graph, method and seed), so a
study can be extended or resumed; seeds 1000.. are used by no timing round of
``bench_hyperball.py``. Commands (from the repository root)::

    python benchmarks/hyperball_errors.py run --n 1000000 --method hb --log2m 6,7,8 --runs 30
    python benchmarks/hyperball_errors.py run --n 1000000 --method anf --runs 20
    python benchmarks/hyperball_errors.py merge OTHER.json ...   # runs of parallel workers
    python benchmarks/hyperball_errors.py summary --n 1000000

ANF is networkit's ``NeighborhoodFunctionApproximation`` (Palmer, Gibbons, Faloutsos,
KDD 2002, doi:10.1145/775047.775059) with k = 64, r = 7, which are also its defaults, on as
many threads as Numba uses. HyperBall runs are ``hyperball_run`` with the transpose and
reused register buffers, exactly as ``distance_distribution(method="hyperball")`` runs them
(registers do not depend on either).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from hyperball_reference import DEFAULT_OUT as REFERENCE  # noqa: E402
from hyperball_reference import graph_key, load_reference  # noqa: E402

DEFAULT_OUT = Path(__file__).with_name("hyperball_errors.json")
FIRST_SEED = 1000


def mean_distance(nf):
    """Mean distance over ordered pairs of distinct reachable nodes from ``N(t)``."""
    nf = np.asarray(nf, dtype=np.float64)
    return float(np.sum(nf[-1] - nf[:-1]) / (nf[-1] - nf[0]))


def method_key(method, log2m=None, k=64, r=7):
    return f"hyperball m={1 << log2m}" if method == "hb" else f"anf k={k} r={r}"


def load_runs(n, path=DEFAULT_OUT):
    """{method key: {seed: mean distance}} saved for ``n`` requested nodes."""
    path = Path(path)
    if not path.exists():
        return {}
    runs = json.loads(path.read_text()).get(graph_key(n), {}).get("runs", {})
    return {key: {int(s): v["mean_distance"] for s, v in seeds.items()} for key, seeds in runs.items()}


def save_run(path, n, key, seed, record):
    """Add one run (``record`` with its ``mean_distance``) to the JSON at ``path``."""
    path = Path(path)
    data = json.loads(path.read_text()) if path.exists() else {}
    entry = data.setdefault(graph_key(n), {"runs": {}})
    entry["runs"].setdefault(key, {})[str(seed)] = record
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def rms_summary(values, reference, n_boot=20_000, seed=0):
    """RMS relative error of ``values`` against ``reference`` with a 95% bootstrap interval,
    relative bias and sd (chi-square 95% interval on the sd)."""
    from scipy.stats import chi2

    rel = (np.asarray(values, dtype=np.float64) - reference) / reference
    k = rel.shape[0]
    rng = np.random.default_rng(seed)
    boot = np.sqrt(np.mean(rel[rng.integers(0, k, size=(n_boot, k))] ** 2, axis=1))
    sd = float(np.std(rel, ddof=1)) if k > 1 else float("nan")
    return {
        "runs": k, "rms": float(np.sqrt(np.mean(rel ** 2))),
        "rms_ci95": [float(x) for x in np.percentile(boot, [2.5, 97.5])],
        "bias": float(rel.mean()), "bias_se": sd / np.sqrt(k),
        "sd": sd,
        "sd_ci95": [sd * float(np.sqrt((k - 1) / chi2.ppf(0.975, k - 1))),
                    sd * float(np.sqrt((k - 1) / chi2.ppf(0.025, k - 1)))],
        "_boot": boot,
    }


def compare(runs, reference, anf_key="anf k=64 r=7", n_boot=20_000):
    """Per method RMS summaries, each HyperBall RMS over ANF's with a bootstrap interval, and
    the equal-error m (smallest m with RMS point estimate <= ANF's; None if none)."""
    out = {}
    def order(key):
        return (0, 0) if not key.startswith("hyperball") else (1, int(key.split("=")[1]))

    for i, (key, seeds) in enumerate(sorted(runs.items(), key=lambda item: order(item[0]))):
        if len(seeds) >= 2:
            out[key] = rms_summary([seeds[s] for s in sorted(seeds)], reference, n_boot, seed=i)
    anf = out.get(anf_key)
    equal_m = None
    for key in sorted((k for k in out if k.startswith("hyperball")), key=lambda k: int(k.split("=")[1])):
        s = out[key]
        if anf is None:
            continue
        s["rms_over_anf"] = s["rms"] / anf["rms"]
        s["rms_over_anf_ci95"] = [float(x) for x in np.percentile(s["_boot"] / anf["_boot"], [2.5, 97.5])]
        if equal_m is None and s["rms"] <= anf["rms"]:
            equal_m = int(key.split("=")[1])
    for s in out.values():
        del s["_boot"]
    return out, equal_m


def _run(args):
    import numba

    from simulate.generators import power_law
    from simulate.kernels.hyperball import hyperball_run, register_buffers
    from simulate.kernels.random import stream_states

    giant = power_law(n=args.n, gamma=2.5, mean_degree=20, seed=1).largest_component()
    indptr, indices = giant.indptr, giant.indices
    ref = load_reference(args.n, args.reference)
    if ref is not None and ref["fingerprint"] != giant.fingerprint:
        raise SystemExit("the graph differs from the one of hyperball_reference.json")
    done = load_runs(args.n, args.out)
    seeds = range(args.first_seed, args.first_seed + args.runs)
    threads = numba.get_num_threads()
    if args.method == "anf":
        import networkit as nk

        nk.setNumberOfThreads(threads)
        src = np.repeat(np.arange(giant.n, dtype=np.int64), np.diff(indptr))
        keep = src < indices
        G = nk.Graph(giant.n, directed=False)
        G.addEdges((src[keep], indices[keep].astype(np.int64)))
        del src, keep
        key = method_key("anf", k=args.k, r=args.r)
        for seed in seeds:
            if seed in done.get(key, {}):
                continue
            nk.setSeed(seed, False)
            t = time.perf_counter()
            anf = nk.distance.NeighborhoodFunctionApproximation(G, k=args.k, r=args.r)
            anf.run()
            elapsed = time.perf_counter() - t
            nf = np.concatenate([[0.0], np.asarray(anf.getNeighborhoodFunction(), dtype=np.float64)])
            md = mean_distance(nf)
            save_run(args.out, args.n, key, seed, {"mean_distance": md, "s": round(elapsed, 2),
                                                     "threads": threads, "load": round(os.getloadavg()[0], 2)})
            print(f"{key} seed {seed}: {md:.5f} ({elapsed:.1f} s, load {os.getloadavg()[0]:.1f})", flush=True)
        return
    for log2m in (int(x) for x in args.log2m.split(",")):
        key = method_key("hb", log2m)
        buffers = register_buffers(giant.n, log2m)
        for seed in seeds:
            if seed in done.get(key, {}):
                continue
            t = time.perf_counter()
            nf = hyperball_run(indptr, indices, log2m, stream_states(seed, 1)[0],
                               transpose=(indptr, indices), buffers=buffers)
            elapsed = time.perf_counter() - t
            md = mean_distance(nf)
            save_run(args.out, args.n, key, seed, {"mean_distance": md, "s": round(elapsed, 2),
                                                     "threads": threads, "load": round(os.getloadavg()[0], 2)})
            print(f"{key} seed {seed}: {md:.5f} ({elapsed:.1f} s, load {os.getloadavg()[0]:.1f})", flush=True)
        del buffers


def _merge(args):
    data = json.loads(args.out.read_text()) if args.out.exists() else {}
    for path in args.files:
        for graph, entry in json.loads(path.read_text()).items():
            runs = data.setdefault(graph, {"runs": {}})["runs"]
            for key, seeds in entry["runs"].items():
                clash = set(seeds) & set(runs.get(key, {}))
                if clash:
                    raise SystemExit(f"{path}: {key} seeds {sorted(clash)} already in {args.out}")
                runs.setdefault(key, {}).update(seeds)
    args.out.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def _summary(args):
    ref = load_reference(args.n, args.reference)
    if ref is None:
        raise SystemExit(f"no exact reference for n={args.n}: run hyperball_reference.py {args.n}")
    stats, equal_m = compare(load_runs(args.n, args.out), ref["mean_distance"])
    print(f"{graph_key(args.n)}: reference mean distance {ref['mean_distance']:.6f} "
          f"+- {ref.get('mean_distance_se', 0.0):.6f} ({ref['method']})")
    print("| method | runs | RMS rel. error [95% bootstrap] | bias +- se | sd [95% chi-square] | RMS / ANF's [95%] |")
    print("|---|---:|---|---|---|---|")
    for key, s in stats.items():
        ratio = (f"{s['rms_over_anf']:.2f} [{s['rms_over_anf_ci95'][0]:.2f}, {s['rms_over_anf_ci95'][1]:.2f}]"
                 if "rms_over_anf" in s else "")
        print(f"| {key} | {s['runs']} | {100 * s['rms']:.3f}% [{100 * s['rms_ci95'][0]:.3f}, "
              f"{100 * s['rms_ci95'][1]:.3f}] | {100 * s['bias']:+.3f}% +- {100 * s['bias_se']:.3f} | "
              f"{100 * s['sd']:.3f}% [{100 * s['sd_ci95'][0]:.3f}, {100 * s['sd_ci95'][1]:.3f}] | {ratio} |")
    print(f"equal-error m (smallest m with RMS <= ANF's): {equal_m}")
    return stats, equal_m


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="add runs (seeds 1000.. not yet saved)")
    run.add_argument("--n", type=int, default=1_000_000)
    run.add_argument("--method", choices=["hb", "anf"], required=True)
    run.add_argument("--log2m", default="6,7,8", help="HyperBall log2 m values, comma separated [6,7,8]")
    run.add_argument("--k", type=int, default=64, help="ANF bitmasks [64, networkit's default]")
    run.add_argument("--r", type=int, default=7, help="ANF extra bits [7, networkit's default]")
    run.add_argument("--runs", type=int, default=20, help="seeds first .. first + runs - 1 [20]")
    run.add_argument("--first-seed", type=int, default=FIRST_SEED, help=f"first seed [{FIRST_SEED}]")
    run.add_argument("--out", type=Path, default=DEFAULT_OUT)
    run.add_argument("--reference", type=Path, default=REFERENCE)
    summary = sub.add_parser("summary", help="RMS errors against the exact reference")
    summary.add_argument("--n", type=int, default=1_000_000)
    summary.add_argument("--out", type=Path, default=DEFAULT_OUT)
    summary.add_argument("--reference", type=Path, default=REFERENCE)
    merge = sub.add_parser("merge", help="add the runs of other files (parallel workers, HB_SAVE_RUNS) to --out")
    merge.add_argument("files", nargs="+", type=Path)
    merge.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if args.command == "run":
        _run(args)
    elif args.command == "merge":
        _merge(args)
    else:
        _summary(args)


if __name__ == "__main__":
    main()
