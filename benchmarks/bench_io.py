"""I/O benchmarks: text parsing, CSR construction, native (mmap) loading.

Run: ``.venv/bin/python -m pytest benchmarks/bench_io.py --benchmark-only -s``
Sizes via environment: ``BENCH_IO_EDGES`` (text file, default 2,000,000),
``BENCH_IO_NX_EDGES`` (networkx peer, default 300,000: networkx needs ~1 KB per edge),
``BENCH_IO_BUILD_EDGES`` (Graph.from_edges, default 10,000,000).

Every benchmark warms up (Numba compilation) first, times the peer on the same input in the
same run, and stores the ratio, peak memory and an accuracy check in ``benchmark.extra_info``.
"""

from __future__ import annotations

import os
import resource
import time
import tracemalloc

import networkx as nx
import numpy as np
import polars as pl
import pytest
import scipy.sparse as sp

from simulate import Graph
from simulate.io.native import read_native, read_parquet_edges, write_native, write_parquet_edges
from simulate.io.text import parse_edge_bytes, read_bytes, read_edgelist

N_EDGES = int(os.environ.get("BENCH_IO_EDGES", 2_000_000))
NX_EDGES = int(os.environ.get("BENCH_IO_NX_EDGES", 300_000))
BUILD_EDGES = int(os.environ.get("BENCH_IO_BUILD_EDGES", 10_000_000))


def _edges(m, n, seed):
    rng = np.random.default_rng(seed)
    return rng.integers(0, n, m, dtype=np.int64), rng.integers(0, n, m, dtype=np.int64)


def _write_snap(path, src, dst):
    with open(path, "w") as fh:
        fh.write("# Directed graph: benchmark\n# FromNodeId\tToNodeId\n")
        chunk = 1 << 20
        for a in range(0, len(src), chunk):
            fh.write("\n".join(np.char.add(np.char.add(src[a:a + chunk].astype(str), "\t"),
                                           dst[a:a + chunk].astype(str)).tolist()))
            fh.write("\n")


def _timed(fn, repeat=3):
    best = float("inf")
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def _peak_mib(fn):
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


@pytest.fixture(scope="module")
def snap_files(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench_io")
    big = root / "big.txt"
    src, dst = _edges(N_EDGES, max(N_EDGES // 10, 10), 1)
    _write_snap(big, src, dst)
    small = root / "small.txt"
    _write_snap(small, src[:NX_EDGES], dst[:NX_EDGES])
    return big, small, src, dst


def test_parse_snap_text(benchmark, snap_files):
    big, small, src, dst = snap_files
    data = read_bytes(big)
    parse_edge_bytes(data[:1000], "warmup")  # compile
    benchmark.pedantic(lambda: parse_edge_bytes(data, str(big)), rounds=5, warmup_rounds=1)
    ours = benchmark.stats.stats.min
    s, d, _ = parse_edge_bytes(data, str(big))
    exact = bool(np.array_equal(s, src) and np.array_equal(d, dst))
    t_polars, df = _timed(lambda: pl.read_csv(big, separator="\t", has_header=False, comment_prefix="#",
                                              schema={"a": pl.Int64, "b": pl.Int64}))
    # Same-size comparison with networkx on the smaller file (networkx is ~1000x slower).
    small_data = read_bytes(small)
    t_ours_small, _ = _timed(lambda: parse_edge_bytes(small_data, str(small)))
    t_nx, G = _timed(lambda: nx.read_edgelist(small, nodetype=int, create_using=nx.DiGraph), repeat=1)
    t_full, g = _timed(lambda: read_edgelist(big, directed=True), repeat=2)
    benchmark.extra_info.update({
        "edges": N_EDGES, "bytes": len(data), "parse_s": ours, "edges_per_s": N_EDGES / ours,
        "MB_per_s": len(data) / ours / 1e6, "polars_read_csv_s": t_polars, "ratio_vs_polars": t_polars / ours,
        "nx_edges": NX_EDGES, "networkx_read_edgelist_s": t_nx, "ours_same_file_s": t_ours_small,
        "ratio_vs_networkx": t_nx / t_ours_small, "read_edgelist_to_graph_s": t_full,
        "graph_edges": g.num_edges, "exact_parse": exact,
        "polars_agrees": bool(np.array_equal(df["a"].to_numpy(), src)),
        # networkx keeps self-loops; smallworld drops them.
        "networkx_agrees": G.number_of_edges() - nx.number_of_selfloops(G)
        == Graph.from_edges(src[:NX_EDGES], dst[:NX_EDGES], directed=True).num_edges,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    })
    assert exact and N_EDGES / ours > 5e6


def test_build_graph_from_arrays(benchmark):
    n = BUILD_EDGES // 10
    src, dst = _edges(BUILD_EDGES, n, 2)
    Graph.from_edges(src[:1000], dst[:1000], n=n)  # compile
    peak = _peak_mib(lambda: Graph.from_edges(src, dst, directed=False, n=n, relabel=False))
    benchmark.pedantic(lambda: Graph.from_edges(src, dst, directed=False, n=n, relabel=False), rounds=3)
    ours = benchmark.stats.stats.min
    g = Graph.from_edges(src, dst, directed=False, n=n, relabel=False)

    def scipy_build():
        a = sp.coo_matrix((np.ones(2 * BUILD_EDGES, dtype=np.int8), (np.concatenate([src, dst]),
                                                                    np.concatenate([dst, src]))), shape=(n, n)).tocsr()
        a.setdiag(0)
        a.eliminate_zeros()
        a.sum_duplicates()
        a.sort_indices()
        return a

    t_scipy, a = _timed(scipy_build, repeat=1)
    t_relabel, _ = _timed(lambda: Graph.from_edges(src, dst, directed=False), repeat=1)
    benchmark.extra_info.update({
        "edges": BUILD_EDGES, "nodes": n, "build_s": ours, "build_with_relabel_s": t_relabel,
        "scipy_coo_to_csr_s": t_scipy, "ratio_vs_scipy": t_scipy / ours, "tracemalloc_peak_mib": peak,
        "same_structure_as_scipy": bool(np.array_equal(a.indptr, g.indptr) and np.array_equal(a.indices, g.indices)),
    })
    assert benchmark.extra_info["same_structure_as_scipy"]


def test_load_native_mmap(benchmark, tmp_path):
    n = BUILD_EDGES // 10
    src, dst = _edges(BUILD_EDGES, n, 3)
    g = Graph.from_edges(src, dst, directed=False, n=n, relabel=False)
    write_native(g, tmp_path / "g.swg")
    write_parquet_edges(g, tmp_path / "g.parquet")
    benchmark.pedantic(lambda: read_native(tmp_path / "g.swg"), rounds=10)
    ours = benchmark.stats.stats.min
    t_full, _ = _timed(lambda: read_native(tmp_path / "g.swg", mmap=False))
    t_parquet, back = _timed(lambda: read_parquet_edges(tmp_path / "g.parquet", directed=False), repeat=1)
    h = read_native(tmp_path / "g.swg")
    benchmark.extra_info.update({
        "edges": g.num_edges, "arcs": g.num_arcs, "open_mmap_s": ours, "load_in_memory_s": t_full,
        "parquet_rebuild_s": t_parquet, "ratio_parquet_vs_mmap": t_parquet / ours,
        "bytes_on_disk": sum(p.stat().st_size for p in (tmp_path / "g.swg").iterdir()),
        "fingerprint_equal": h.fingerprint == g.fingerprint == back.fingerprint,
    })
    assert benchmark.extra_info["fingerprint_equal"]
