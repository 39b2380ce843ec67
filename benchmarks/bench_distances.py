"""Benchmark: distance distributions and single-source BFS on a power-law graph.

Graph: Chung-Lu power law, ``power_law(n, gamma=2.5, mean_degree=20, seed=1)``
(:func:`simulate.generators.power_law.power_law`), largest component; n = 100,000 (about 2M
arcs) by default.

Measured in one run, against peers on the same graph; every case feeds the closing ratio
table of ``make bench`` (``ratio_rows``, see ``benchmarks/conftest.py``):

* sampled distribution (issue 14): 1,024 sources on 100k; opt-in with
  ``SMALLWORLD_BENCH_BFS_AT_SCALE=1``: 256 and 1,024 sources on 1M; opt-in with
  ``SMALLWORLD_BENCH_BFS10M=1`` (GBs: run it under ``flock /work/bigmem.lock``): 256 sources
  on 10M (igraph only). Against igraph ``distances`` (one thread) and networkit ``SPSP`` (as
  many threads as ours) on the first few of the same sources, per-source time scaled to all
  sources; the peers' graphs are built from the CSR chunk by chunk (igraph through its C
  edge-list reader on a pipe: :func:`igraph_from_csr`), not timed;
  rounds interleaved (ours, igraph, networkit), medians of ``SAMPLED_ROUNDS``; accuracy: the
  peers' histograms on their sources equal ours on the same sources. Load and peak RSS;
* exact all-pairs distribution on 100k (goal <= 2 s wall on 2 cores) against the previous
  kernel path (the same MS-BFS without the breadth-first renumbering), interleaved rounds,
  wall and CPU, histograms checked equal;
* ego-Facebook exact distribution vs igraph ``path_length_hist`` (histograms checked);
* single-source BFS, traversed arcs per second (direction-optimizing) vs igraph and networkit.

Run:  .venv/bin/python -m pytest benchmarks/bench_distances.py --benchmark-only -s
 or:  .venv/bin/python benchmarks/bench_distances.py [n] [--no-exact]
 or:  .venv/bin/python benchmarks/bench_distances.py --exact [n]
 or:  .venv/bin/python benchmarks/bench_distances.py --at-scale N SOURCES PEER_SOURCES [ROUNDS] [--peers=igraph]
      (a line on stderr per phase: graph builds, our runs, each peer's sources, with peak RSS)
"""

from __future__ import annotations

import os
import resource
import sys
import time

import numba
import numpy as np
import pytest

from simulate import distance_distribution, read_graph
from simulate.distances import bfs_distances

N = 100_000
MEAN_DEGREE = 20.0
N_SOURCES = 1024
PEER_SOURCES = 128


def build_graph(n=N):
    from simulate.generators.power_law import power_law

    return power_law(n, gamma=2.5, mean_degree=MEAN_DEGREE, seed=1).largest_component()


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _hist(dist_rows):
    d = np.asarray(dist_rows)
    d = d[np.isfinite(d) & (d > 0)].astype(np.int64) if d.dtype.kind == "f" else d[d > 0]
    return np.bincount(d)


def igraph_sampled(g, sources):
    import igraph as ig

    src, dst = g.edges()
    G = ig.Graph(n=g.n, edges=np.column_stack([src, dst]).tolist(), directed=False)
    t0 = time.perf_counter()
    hist = np.zeros(64, dtype=np.int64)
    for s in sources:
        h = _hist(G.distances(source=[int(s)])[0])
        hist[:h.shape[0]] += h
    return time.perf_counter() - t0, hist, G


def igraph_exact(g):
    """All-pairs distance histogram by igraph's C ``path_length_hist`` (one BFS per node)."""
    import igraph as ig

    src, dst = g.edges()
    G = ig.Graph(n=g.n, edges=np.column_stack([src, dst]).tolist(), directed=g.directed)
    t0 = time.perf_counter()
    h = G.path_length_hist(directed=g.directed)
    dt = time.perf_counter() - t0
    counts = np.zeros(1 + max(int(b[0]) for b in h.bins()), dtype=np.int64)
    for lo, _, c in h.bins():
        counts[int(lo)] = c
    if not g.directed:
        counts *= 2  # igraph counts unordered pairs
    return dt, counts


def networkit_sampled(g, sources):
    import networkit as nk

    src, dst = g.edges()
    G = nk.Graph(g.n, weighted=False, directed=False)
    G.addEdges((src.astype(np.uint64), dst.astype(np.uint64)))
    t0 = time.perf_counter()
    sp = nk.distance.SPSP(G, [int(s) for s in sources])
    sp.run()
    dist = np.asarray(sp.getDistances(asarray=True))
    dt = time.perf_counter() - t0
    dist = dist[(dist > 0) & (dist < 1e300)].astype(np.int64)
    return dt, np.bincount(dist, minlength=64)


def _edge_chunks(g, max_arcs):
    """Undirected edges (src < dst) of ``g`` in chunks of rows with at most ~``max_arcs`` arcs each."""
    lo = 0
    while lo < g.n:
        hi = int(np.searchsorted(g.indptr, g.indptr[lo] + max_arcs, side="right")) - 1
        hi = min(g.n, max(hi, lo + 1))
        a, b = int(g.indptr[lo]), int(g.indptr[hi])
        src = np.repeat(np.arange(lo, hi, dtype=np.int32), np.diff(g.indptr[lo:hi + 1]))
        dst = g.indices[a:b]
        keep = src < dst
        yield src[keep], dst[keep]
        lo = hi


@numba.njit(cache=True)
def _edge_lines(src, dst):
    """ASCII lines ``u v`` (newline-terminated) of non-negative int32 pairs, as uint8 (at most 22 bytes a line)."""
    out = np.empty(src.shape[0] * 22, dtype=np.uint8)
    digits = np.empty(10, dtype=np.uint8)
    p = 0
    for i in range(src.shape[0]):
        for side in range(2):
            x = src[i] if side == 0 else dst[i]
            k = 0
            while True:
                digits[k] = 48 + x % 10
                x //= 10
                k += 1
                if x == 0:
                    break
            while k > 0:
                k -= 1
                out[p] = digits[k]
                p += 1
            out[p] = 32 if side == 0 else 10
            p += 1
    return out[:p]


def _write_edge_text(g, path, max_arcs):
    # child process: the parent's CSR is shared copy-on-write and only read here
    with open(path, "wb") as fh:
        for src, dst in _edge_chunks(g, max_arcs):
            fh.write(_edge_lines(src, dst).data)


def igraph_from_csr(g, max_arcs=4_000_000):
    """An undirected igraph ``Graph`` of the undirected CSR ``g``, never as Python objects per edge.

    igraph's Python constructors turn an edge list (list or numpy array) into Python objects
    edge by edge: ~4.7 us per edge (2M edges: 9.5 s, load 13), minutes at 10^8 edges, and the
    10M-node run of issue 14 never got past that. Here a forked child writes the edges
    (``u < v``, chunk by chunk of the CSR, no int64 list of all edges) as text into a pipe and
    igraph's C reader ``Read_Edgelist`` builds the graph from it (2M edges: 4.2 s at load 13).
    """
    import multiprocessing as mp
    import tempfile

    import igraph as ig

    folder = tempfile.mkdtemp(prefix="bench_edges_")
    fifo = os.path.join(folder, "edges")
    os.mkfifo(fifo)
    child = mp.get_context("fork").Process(target=_write_edge_text, args=(g, fifo, max_arcs))
    try:
        _edge_lines(g.indices[:1], g.indices[:1])  # compile here, not once per process
        child.start()
        G = ig.Graph.Read_Edgelist(fifo, directed=False)
    finally:
        child.join()
        os.unlink(fifo)
        os.rmdir(folder)
    if child.exitcode != 0 or G.vcount() != g.n or 2 * G.ecount() != g.num_arcs:
        raise RuntimeError(f"igraph copy is incomplete: {G.vcount():,} nodes / {G.ecount():,} edges for "
                           f"{g.n:,} / {g.num_arcs // 2:,} (writer exit code {child.exitcode})")
    return G


def networkit_from_csr(g, threads, max_arcs=20_000_000):
    """An undirected networkit ``Graph`` of ``g``, added chunk by chunk of the CSR (C++ ``addEdges``)."""
    import networkit as nk

    nk.setNumberOfThreads(threads)
    K = nk.Graph(g.n, weighted=False, directed=False)
    for src, dst in _edge_chunks(g, max_arcs):
        K.addEdges((src.astype(np.uint64), dst.astype(np.uint64)))
    return K


def ours_sampled(g, n_sources=N_SOURCES, threads=None, sources=None):
    prev = numba.get_num_threads()
    if threads:
        numba.set_num_threads(threads)
    try:
        t0 = time.perf_counter()
        if sources is None:
            res = distance_distribution(g, method="sample", n_sources=n_sources, seed=0)
        else:
            res = distance_distribution(g, method="sample", sources=sources, seed=0)
        return time.perf_counter() - t0, res
    finally:
        numba.set_num_threads(prev)


class _Phases:
    """Progress lines on stderr: seconds since start, process peak RSS and load, per phase."""

    def __init__(self, enabled=True):
        self.t0 = time.perf_counter()
        self.enabled = enabled

    def say(self, msg):
        if self.enabled:
            print(f"[{time.perf_counter() - self.t0:8.1f} s | peak {peak_rss_mib() / 1024:5.2f} GiB | load "
                  f"{os.getloadavg()[0]:5.2f}] {msg}", file=sys.stderr, flush=True)


def sampled_vs_peers(n, n_sources, peer_sources, rounds=5, g=None, peers=("igraph", "networkit"),
                     progress=True):
    """Sampled histogram of ``n_sources`` sources on ``power_law(n)``: ours vs igraph and networkit.

    Rounds interleave ours (all ``n_sources``), igraph and networkit (the first
    ``peer_sources`` of our sources; per-source time extrapolated to ``n_sources``). Ratios
    are of medians. ``peers``: which of the two to run (networkit is skipped when missing).
    ``progress``: a line on stderr per phase (graph build, our runs, each peer's graph build
    and each peer's sources) with its time, the peak RSS so far and the load. Returns a dict
    of times, ratios, accuracy flags, load and peak memory (process peak after each phase).
    """
    log = _Phases(progress)
    load = os.getloadavg()
    threads = numba.get_num_threads()
    log.say(f"power_law(n={n:,}): building, largest component ({threads} threads)")
    t0 = time.perf_counter()
    g = build_graph(n) if g is None else g
    out = {"graph_build_s": time.perf_counter() - t0}
    log.say(f"graph: {g.n:,} nodes, {g.num_arcs:,} arcs in {out['graph_build_s']:.1f} s")
    t0 = time.perf_counter()
    ours_sampled(g, 64)  # compile / load caches
    _, res = ours_sampled(g, n_sources)
    peer_src = res.sources[:peer_sources]
    _, res_peer = ours_sampled(g, sources=peer_src)
    log.say(f"ours: warm-up (64 sources, {n_sources:,}, {peer_sources}) in {time.perf_counter() - t0:.1f} s")
    out["peak_rss_ours_mib"] = peak_rss_mib()
    G = K = None
    if "igraph" in peers:
        t0 = time.perf_counter()
        G = igraph_from_csr(g)
        out["igraph_build_s"] = time.perf_counter() - t0
        out["peak_rss_after_igraph_mib"] = peak_rss_mib()
        log.say(f"igraph graph built in {out['igraph_build_s']:.1f} s")
    if "networkit" in peers:
        try:
            t0 = time.perf_counter()
            K = networkit_from_csr(g, threads)
            out["networkit_build_s"] = time.perf_counter() - t0
            out["peak_rss_after_networkit_mib"] = peak_rss_mib()
            log.say(f"networkit graph built in {out['networkit_build_s']:.1f} s")
        except ImportError:  # networkit missing: igraph only
            K = None
    t_ours, t_ig, t_nk = [], [], []
    hist_ig = hist_nk = None
    for r in range(rounds):
        t_ours.append(ours_sampled(g, n_sources)[0])
        log.say(f"round {r + 1}/{rounds}: ours, {n_sources:,} sources: {t_ours[-1]:.3f} s")
        if G is not None:
            t0 = time.perf_counter()
            hist_ig = np.zeros(64, dtype=np.int64)
            for s in peer_src:
                h = _hist(G.distances(source=[int(s)])[0])
                hist_ig[:h.shape[0]] += h
            t_ig.append(time.perf_counter() - t0)
            log.say(f"round {r + 1}/{rounds}: igraph, {peer_sources} sources: {t_ig[-1]:.2f} s "
                    f"({t_ig[-1] / peer_sources:.2f} s a source)")
        if K is not None:
            import networkit as nk

            t0 = time.perf_counter()
            sp = nk.distance.SPSP(K, [int(s) for s in peer_src])
            sp.run()
            dist = np.asarray(sp.getDistances(asarray=True))
            t_nk.append(time.perf_counter() - t0)
            dist = dist[(dist > 0) & (dist < 1e300)].astype(np.int64)
            hist_nk = np.bincount(dist, minlength=64)
            del dist
            log.say(f"round {r + 1}/{rounds}: networkit, {peer_sources} sources: {t_nk[-1]:.2f} s")
    k = res_peer.counts.shape[0]
    ours_s = float(np.median(t_ours))
    out.update({"graph": f"power_law n={n:,} gamma=2.5 mean degree {MEAN_DEGREE:g}, largest component "
                         f"({g.n:,} nodes, {g.num_arcs:,} arcs)",
                "sources": n_sources, "peer_sources": peer_sources, "rounds": rounds, "threads": threads,
                "load_at_start": [round(x, 2) for x in load],
                "ours_s": ours_s, "ours_s_all": t_ours,
                "mean": res.mean, "mean_stderr": res.stderr["mean"]})
    if t_ig:
        out["igraph_extrapolated_s"] = float(np.median(t_ig)) / peer_sources * n_sources
        out["igraph_hist_equal"] = bool(np.array_equal(hist_ig[:k], res_peer.counts) and not hist_ig[k:].any())
        out["ratio_vs_igraph"] = out["igraph_extrapolated_s"] / ours_s
    if t_nk:
        out["networkit_extrapolated_s"] = float(np.median(t_nk)) / peer_sources * n_sources
        out["networkit_hist_equal"] = bool(np.array_equal(hist_nk[:k], res_peer.counts) and not hist_nk[k:].any())
        out["ratio_vs_networkit"] = out["networkit_extrapolated_s"] / ours_s
    out["load_at_end"] = [round(x, 2) for x in os.getloadavg()]
    out["peak_rss_mib"] = peak_rss_mib()
    log.say("done")
    return out


def bfs_rates(g, n_bfs=20):
    """Traversed arcs per second of one BFS (arcs of the component / time), ours vs igraph."""
    import igraph as ig

    rng = np.random.default_rng(3)
    srcs = rng.choice(g.n, n_bfs, replace=False)
    bfs_distances(g, 0)
    bfs_distances(g, 0, algorithm="top-down")
    out = {}
    for algo in ("direction-optimizing", "top-down"):
        t0 = time.perf_counter()
        for s in srcs:
            bfs_distances(g, int(s), algorithm=algo)
        out[algo] = g.num_arcs * n_bfs / (time.perf_counter() - t0)
    src, dst = g.edges()
    G = ig.Graph(n=g.n, edges=np.column_stack([src, dst]).tolist(), directed=False)
    t0 = time.perf_counter()
    for s in srcs:
        G.bfs(int(s))
    out["igraph_bfs"] = g.num_arcs * n_bfs / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for s in srcs:
        G.distances(source=[int(s)])
    out["igraph_distances"] = g.num_arcs * n_bfs / (time.perf_counter() - t0)
    try:
        import networkit as nk

        K = nk.Graph(g.n, weighted=False, directed=False)
        K.addEdges((src.astype(np.uint64), dst.astype(np.uint64)))
        t0 = time.perf_counter()
        for s in srcs:
            nk.distance.BFS(K, int(s), storePaths=False).run()
        out["networkit_bfs"] = g.num_arcs * n_bfs / (time.perf_counter() - t0)
    except Exception as exc:  # networkit missing or API drift
        out["networkit_error"] = repr(exc)
    # accuracy: the same distances
    d_ours = bfs_distances(g, int(srcs[0]))
    d_ig = np.asarray(G.distances(source=[int(srcs[0])])[0])
    out["bfs_agree"] = bool(np.array_equal(d_ours, d_ig))
    return out


def diameter_vs_igraph(name="CA-HepTh.txt"):
    """Exact diameter of a SNAP graph's largest component: iFUB vs igraph ``diameter``."""
    import igraph as ig

    from simulate.datasets import resolve_data_dir
    from simulate.distances import diameter

    g = read_graph(resolve_data_dir() / "snap" / name)
    diameter(g)
    t0 = time.perf_counter()
    r = diameter(g)
    dt = time.perf_counter() - t0
    lc = g.largest_component()
    src, dst = lc.edges()
    G = ig.Graph(n=lc.n, edges=np.column_stack([src, dst]).tolist())
    t0 = time.perf_counter()
    d_ig = G.diameter(directed=False)
    dt_ig = time.perf_counter() - t0
    return {"diameter_graph": name, "diameter_ifub_s": dt, "diameter_ifub_bfs": r.n_bfs,
            "diameter_igraph_s": dt_ig, "diameter_ratio_vs_igraph": dt_ig / dt,
            "diameter_equal": r.diameter == d_ig}


def measure(n=N, exact=True):
    g = build_graph(n)
    ours_sampled(g, 64)  # compile / load caches
    res_small = read_graph("ego-facebook")
    distance_distribution(res_small)
    info = {"graph": f"power_law n={n:,} gamma=2.5 mean degree {MEAN_DEGREE:g}, largest component "
                     f"({g.n:,} nodes, {g.num_edges:,} edges)",
            "threads": numba.get_num_threads()}

    c0 = time.process_time()
    dt, res = ours_sampled(g)
    info["sample_1024_cpu_s"] = time.process_time() - c0
    dt1, _ = ours_sampled(g, threads=1)
    info["sample_1024_s"] = dt
    info["sample_1024_s_1thread"] = dt1
    info["sample_mean"] = res.mean
    info["sample_mean_stderr"] = res.stderr["mean"]
    info["sample_eff_diam"] = res.effective_diameter()

    peer_src = res.sources[:PEER_SOURCES]
    dt_ours_peer, res_peer = ours_sampled(g, sources=peer_src)
    dt_ig, hist_ig, _ = igraph_sampled(g, peer_src)
    info["igraph_per_source_ms"] = dt_ig / PEER_SOURCES * 1e3
    info["igraph_1024_extrapolated_s"] = dt_ig / PEER_SOURCES * N_SOURCES
    info["ratio_vs_igraph"] = info["igraph_1024_extrapolated_s"] / dt
    k = res_peer.counts.shape[0]
    info["igraph_hist_equal"] = bool(np.array_equal(hist_ig[:k], res_peer.counts) and not hist_ig[k:].any())
    try:
        dt_nk, hist_nk = networkit_sampled(g, peer_src)
        info["networkit_1024_extrapolated_s"] = dt_nk / PEER_SOURCES * N_SOURCES
        info["ratio_vs_networkit"] = info["networkit_1024_extrapolated_s"] / dt
        info["networkit_hist_equal"] = bool(np.array_equal(hist_nk[:k], res_peer.counts) and not hist_nk[k:].any())
    except Exception as exc:  # networkit missing or API drift: report, don't fail the run
        info["networkit_error"] = repr(exc)

    t0 = time.perf_counter()
    fb_res = distance_distribution(res_small)
    info["ego_facebook_exact_s"] = time.perf_counter() - t0
    dt_ig, hist_ig = igraph_exact(res_small)
    info["ego_facebook_igraph_path_length_hist_s"] = dt_ig
    info["ego_facebook_ratio_vs_igraph"] = dt_ig / info["ego_facebook_exact_s"]
    info["ego_facebook_hist_equal"] = bool(np.array_equal(hist_ig, fb_res.counts))

    info.update(diameter_vs_igraph())
    info.update({f"bfs_{k}": v for k, v in bfs_rates(g).items()})
    info["bfs_ratio_do_vs_igraph_bfs"] = info["bfs_direction-optimizing"] / info["bfs_igraph_bfs"]

    if exact:
        t0, c0 = time.perf_counter(), time.process_time()
        ex = distance_distribution(g, method="exact")
        info["exact_all_pairs_s"] = time.perf_counter() - t0
        info["exact_all_pairs_cpu_s"] = time.process_time() - c0  # all threads; robust to a busy machine
        info["exact_mean"] = ex.mean
        info["sample_mean_z"] = (res.mean - ex.mean) / res.stderr["mean"]
    info["peak_rss_mib"] = peak_rss_mib()
    return info


# ---------------------------------------------------------------------------- pytest-benchmark
SAMPLED_ROUNDS = 5
#: The at-scale cases build 1M / 10M-node graphs: opt-in, so that a default ``make bench`` stays short.
AT_SCALE = os.environ.get("SMALLWORLD_BENCH_BFS_AT_SCALE") == "1"
AT_10M = os.environ.get("SMALLWORLD_BENCH_BFS10M") == "1"


def _sampled_rows(info):
    case = f"sampled histogram, {info['sources']:,} sources, {info['graph']}"
    threads = info["threads"]
    rows = []
    if "ratio_vs_igraph" in info:
        rows.append({"case": case, "peer": f"igraph distances, 1 thread ({info['peer_sources']} sources, scaled)",
                     "ratio": info["ratio_vs_igraph"], "ours_s": info["ours_s"], "peer_s": info["igraph_extrapolated_s"],
                     "accuracy": "histograms equal" if info["igraph_hist_equal"] else "histograms DIFFER",
                     "peak_rss_gb": info["peak_rss_mib"] * 1024 ** 2 / 1e9})
    if "ratio_vs_networkit" in info:
        rows.append({"case": case, "peer": f"networkit SPSP, {threads} threads ({info['peer_sources']} sources, scaled)",
                     "ratio": info["ratio_vs_networkit"], "ours_s": info["ours_s"],
                     "peer_s": info["networkit_extrapolated_s"],
                     "accuracy": "histograms equal" if info["networkit_hist_equal"] else "histograms DIFFER",
                     "peak_rss_gb": info["peak_rss_mib"] * 1024 ** 2 / 1e9})
    return rows


#: (n, sources, peer sources, peers); at 10M networkit is left out (the goal there is against
#: igraph, and a third copy of the 200M-arc graph would not fit beside igraph's).
_CASES = [pytest.param(100_000, 1024, 64, id="100k-1024"),
          pytest.param(1_000_000, 256, 8, id="1M-256", marks=pytest.mark.skipif(
              not AT_SCALE, reason="1M-node graph: set SMALLWORLD_BENCH_BFS_AT_SCALE=1")),
          pytest.param(1_000_000, 1024, 8, id="1M-1024", marks=pytest.mark.skipif(
              not AT_SCALE, reason="1M-node graph: set SMALLWORLD_BENCH_BFS_AT_SCALE=1")),
          pytest.param(10_000_000, 256, 3, id="10M-256", marks=pytest.mark.skipif(
              not AT_10M, reason="10M-node / 200M-arc graph (GBs, minutes; run under flock /work/bigmem.lock): "
                                 "set SMALLWORLD_BENCH_BFS10M=1"))]


@pytest.mark.parametrize("n, n_sources, peer_sources", _CASES)
def test_bench_sampled_at_scale(benchmark, n, n_sources, peer_sources):
    """Sampled histogram vs igraph and networkit: interleaved rounds, medians, same thread count."""
    rounds = SAMPLED_ROUNDS if n < 10_000_000 else 3
    info = sampled_vs_peers(n, n_sources, peer_sources, rounds,
                            peers=("igraph",) if n >= 10_000_000 else ("igraph", "networkit"))
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)  # timings are info's (interleaved rounds)
    benchmark.extra_info.update({k: v for k, v in info.items() if k != "ours_s_all"})
    benchmark.extra_info["ratio_rows"] = _sampled_rows(info)
    assert info.get("igraph_hist_equal", True) and info.get("networkit_hist_equal", True)


def test_bench_exact_ego_facebook(benchmark):
    g = read_graph("ego-facebook")
    distance_distribution(g)
    res = benchmark.pedantic(lambda: distance_distribution(g), rounds=5, iterations=1)
    ours = benchmark.stats.stats.median
    dt_ig, hist_ig = igraph_exact(g.largest_component())
    benchmark.extra_info.update({"mean": res.mean, "peak_rss_mib": peak_rss_mib(), "ratio_rows": [
        {"case": f"exact all-pairs histogram, ego-Facebook ({g.n:,} nodes)", "peer": "igraph path_length_hist, 1 thread",
         "ratio": dt_ig / ours, "ours_s": ours, "peer_s": dt_ig, "peak_rss_gb": peak_rss_mib() * 1024 ** 2 / 1e9,
         "accuracy": "histograms equal" if np.array_equal(hist_ig, res.counts) else "histograms DIFFER"}]})


def exact_vs_previous(n=N, rounds=3):
    """Exact all-pairs on ``power_law(n)``: today's path vs the same MS-BFS without the
    breadth-first relabelling (the kernel as it was before), interleaved rounds, wall and CPU."""
    import os

    import simulate.distances as D

    g = build_graph(n)
    load = os.getloadavg()
    distance_distribution(g, method="sample", n_sources=64)  # compile / load caches
    relabel = D._breadth_first_relabelled
    walls = {"ours": [], "previous": []}
    cpus = {"ours": [], "previous": []}
    counts = {}
    try:
        for _ in range(rounds):
            for name in ("ours", "previous"):
                D._breadth_first_relabelled = relabel if name == "ours" else (lambda push, pull, directed: (push, pull))
                t0, c0 = time.perf_counter(), time.process_time()
                counts[name] = distance_distribution(g, method="exact").counts
                walls[name].append(time.perf_counter() - t0)
                cpus[name].append(time.process_time() - c0)
    finally:
        D._breadth_first_relabelled = relabel
    med = {k: float(np.median(v)) for k, v in walls.items()}
    cmed = {k: float(np.median(v)) for k, v in cpus.items()}
    return {"graph": f"power_law n={n:,} gamma=2.5 mean degree {MEAN_DEGREE:g}, largest component "
                     f"({g.n:,} nodes, {g.num_arcs:,} arcs)", "threads": numba.get_num_threads(),
            "load_at_start": [round(x, 2) for x in load], "load_at_end": [round(x, 2) for x in os.getloadavg()],
            "exact_s": med["ours"], "exact_cpu_s": cmed["ours"], "previous_s": med["previous"],
            "previous_cpu_s": cmed["previous"], "exact_s_all": walls["ours"], "previous_s_all": walls["previous"],
            "histograms_equal": bool(np.array_equal(counts["ours"], counts["previous"])),
            "mean": float((np.arange(counts["ours"].shape[0]) * counts["ours"]).sum() / counts["ours"].sum()),
            "peak_rss_mib": peak_rss_mib()}


def test_bench_exact_all_pairs(benchmark):
    """Exact all-pairs at 100k (goal <= 2 s wall on 2 cores) vs the previous kernel, same run."""
    info = exact_vs_previous()
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)  # timings are info's (interleaved rounds)
    benchmark.extra_info.update(info)
    benchmark.extra_info["ratio_rows"] = [
        {"case": f"exact all-pairs histogram, {info['graph']} (wall; CPU {info['exact_cpu_s']:.2f} s vs "
                 f"{info['previous_cpu_s']:.2f} s)",
         "peer": f"previous MS-BFS (no BFS relabelling), {info['threads']} threads",
         "ratio": info["previous_s"] / info["exact_s"], "ours_s": info["exact_s"], "peer_s": info["previous_s"],
         "peak_rss_gb": info["peak_rss_mib"] * 1024 ** 2 / 1e9,
         "accuracy": "histograms equal" if info["histograms_equal"] else "histograms DIFFER"}]
    assert info["histograms_equal"]


def test_bench_single_source_bfs(benchmark):
    g = build_graph()
    rates = bfs_rates(g)
    benchmark.pedantic(lambda: bfs_distances(g, 0), rounds=20, iterations=1)
    benchmark.extra_info.update({k: v for k, v in rates.items()})
    benchmark.extra_info["ratio_rows"] = [
        {"case": "one BFS, direction-optimizing, 100k-node power law (arcs/s ratio)", "peer": "igraph bfs",
         "ratio": rates["direction-optimizing"] / rates["igraph_bfs"],
         "accuracy": "distances equal" if rates["bfs_agree"] else "distances DIFFER"}]
    if "networkit_bfs" in rates:
        benchmark.extra_info["ratio_rows"].append(
            {"case": "one BFS, direction-optimizing, 100k-node power law (arcs/s ratio)", "peer": "networkit BFS",
             "ratio": rates["direction-optimizing"] / rates["networkit_bfs"], "accuracy": ""})
    assert rates["bfs_agree"]


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if "--exact" in sys.argv:  # bench_distances.py --exact [N]: today's exact path vs the previous kernel
        out = exact_vs_previous(int(args[0]) if args else N)
        for k, v in out.items():
            print(f"{k:34s} {v:,.4f}" if isinstance(v, float) else f"{k:34s} {v}")
        sys.exit(0)
    if "--at-scale" in sys.argv:  # --at-scale N SOURCES PEER_SOURCES [ROUNDS] [--peers=igraph,networkit]
        peers = next((a.split("=", 1)[1].split(",") for a in sys.argv if a.startswith("--peers=")),
                     ["igraph", "networkit"])
        out = sampled_vs_peers(*(int(a) for a in args[:4]), peers=tuple(peers))
        for k, v in out.items():
            print(f"{k:34s} {v:,.4f}" if isinstance(v, float) else f"{k:34s} {v}")
        sys.exit(0)
    out = measure(int(args[0]) if args else N, exact="--no-exact" not in sys.argv)
    for k, v in out.items():
        print(f"{k:34s} {v:,.4f}" if isinstance(v, float) else f"{k:34s} {v}")
