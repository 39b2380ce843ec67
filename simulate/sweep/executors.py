"""Running cells: build (and cache) a cell's graph, run its experiment kind, write its file;
the serial, local-pool and Dask executors that all call the same :func:`run_cell`.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as _dt
import json
import os
import socket
import threading
import time
import traceback
from pathlib import Path

import numpy as np
import polars as pl

from ..config import canonical_json, run_parameters
from ..errors import SmallworldError
from ..kinds import experiment_kind
from ..provenance import json_default
from .cells import Cell
from ..outlock import pid_alive
from .signals import Terminated

#: Graphs kept per worker process (cells sharing a graph reuse it).
GRAPH_CACHE_SIZE = 2


# ---------------------------------------------------------------------------- graphs
_GRAPH_CACHE: "collections.OrderedDict[str, object]" = collections.OrderedDict()


def build_graph(params: dict, seed: int = 0, base_dir=None, data_dir=None):
    """The graph of a resolved ``[graph]`` section (through :func:`simulate.sources.open_source`).

    ``data_dir`` is where dataset files are read from; ``base_dir`` anchors relative ``file`` paths.
    """
    from ..sources import open_source

    return open_source(params, data_dir=data_dir, base_dir=base_dir, seed=seed)


def cached_graph(cell: Cell, base_dir=None, data_dir=None):
    """The cell's graph, built at most once per process while it stays in the LRU cache."""
    key = (cell.graph_key, str(base_dir), str(data_dir))
    g = _GRAPH_CACHE.get(key)
    if g is not None:
        _GRAPH_CACHE.move_to_end(key)
        return g
    g = build_graph(cell.graph, cell.graph_seed, base_dir, data_dir)
    _GRAPH_CACHE[key] = g
    while len(_GRAPH_CACHE) > GRAPH_CACHE_SIZE:
        _GRAPH_CACHE.popitem(last=False)
    return g


# ---------------------------------------------------------------------------- experiments
def run_experiment(graph, experiment: dict, seed: int):
    """Run one resolved ``[experiment]`` on ``graph``: the declared kind's ``run`` adapter
    (:mod:`simulate.kinds`); returns (per-row table, summary dict)."""
    kind = experiment_kind(experiment["kind"])
    return kind.run(graph, run_parameters(experiment), seed)


def flatten_summary(summary: dict, prefix: str = "") -> dict:
    """Scalars only: nested dicts -> ``a_b``; 2-element ``*_ci`` -> ``*_ci_low/_ci_high``;
    other lists -> JSON text; numpy scalars -> Python."""
    out = {}
    for k, v in summary.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten_summary(v, f"{name}_"))
        elif isinstance(v, (list, tuple, np.ndarray)):
            v = np.asarray(v).tolist()
            if name.endswith("_ci") and len(v) == 2 and all(isinstance(x, (int, float)) for x in v):
                out[f"{name}_low"], out[f"{name}_high"] = float(v[0]), float(v[1])
            else:
                out[name] = json.dumps(v, default=str)
        elif isinstance(v, (np.integer,)):
            out[name] = int(v)
        elif isinstance(v, (np.floating,)):
            out[name] = float(v)
        elif isinstance(v, np.bool_):
            out[name] = bool(v)
        elif v is None or isinstance(v, (bool, int, float, str)):
            out[name] = v
        else:
            out[name] = str(v)
    return out


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")


def _literal(name, v):
    # Fixed dtypes, so that cells concatenate without casts (pl.lit(1) would be Int32).
    if isinstance(v, bool):
        return pl.lit(v, dtype=pl.Boolean).alias(name)
    if isinstance(v, int):
        return pl.lit(v, dtype=pl.Int64).alias(name)
    if isinstance(v, float):
        return pl.lit(v, dtype=pl.Float64).alias(name)
    if isinstance(v, str):
        return pl.lit(v, dtype=pl.String).alias(name)
    return pl.lit(canonical_json(v), dtype=pl.String).alias(name)


def write_cell(path: Path, table: pl.DataFrame, cell: Cell, meta: dict):
    """Write a cell's table atomically with ``smallworld.*`` key-value metadata."""
    import pyarrow.parquet as pq

    from ..io.atomic import atomic_path

    cols = {}
    for name, value in cell.columns.items():
        col = name if name not in table.columns else f"param_{name}"
        cols[col] = value
    front = [_literal(k, v) for k, v in cols.items()]
    table = table.with_columns(front).select(list(cols) + [c for c in table.columns if c not in cols])
    arrow = table.to_arrow()
    md = dict(arrow.schema.metadata or {})
    for k, v in meta.items():
        md[f"smallworld.{k}".encode()] = (v if isinstance(v, str) else json.dumps(v, default=json_default)).encode()
    arrow = arrow.replace_schema_metadata(md)
    with atomic_path(path) as tmp:
        pq.write_table(arrow, tmp)


def run_cell(task: dict) -> dict:
    """Run one cell and write its file; the same function runs in every executor.

    Parameters
    ----------
    task : dict
        ``cell`` (:class:`Cell`), ``out`` (absolute output directory), ``config_json``,
        ``base_dir``, ``data_dir`` (resolved dataset directory, carried to every worker),
        ``threads`` (Numba threads for this worker, or None).

    Returns
    -------
    dict
        A manifest row: ``status`` ("done" or "failed"), timing, error, summary metrics.
    """
    cell: Cell = task["cell"]
    threads = task.get("threads")
    if threads:
        import numba

        numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))
    started, t0 = _now(), time.perf_counter()
    row = {"cell_id": cell.id, "worker": f"{socket.gethostname()}:{os.getpid()}", "started": started}
    try:
        graph = cached_graph(cell, task.get("base_dir"), task.get("data_dir"))
        table, summary = run_experiment(graph, cell.experiment, cell.seed)
        finished = _now()
        flat = flatten_summary(summary)
        from .. import __version__

        meta = {
            "version": __version__,
            "cell_id": cell.id,
            "cell": canonical_json(cell.params),
            "model": cell.model,
            "swept": canonical_json(cell.swept),
            "seed": {"config_seed": cell.config_seed, "spawn_key": list(cell.spawn_key),
                     "seed": cell.seed, "graph_seed": cell.graph_seed},
            "config": task["config_json"],
            "graph_fingerprint": graph.fingerprint,
            "graph": {"nodes": graph.n, "edges": graph.num_edges, "directed": graph.directed},
            "started": started,
            "finished": finished,
            "seconds": time.perf_counter() - t0,
            "summary": flat,
        }
        write_cell(Path(task["out"]) / cell.relpath(), table, cell, meta)
        row.update(status="done", finished=finished, seconds=time.perf_counter() - t0, error=None,
                   graph_fingerprint=graph.fingerprint, graph_nodes=graph.n, graph_edges=graph.num_edges,
                   rows=table.height, summary=flat)
    except Exception as exc:  # recorded as a failed cell; the sweep goes on
        if isinstance(exc.__cause__ or exc.__context__, (KeyboardInterrupt, Terminated)):
            raise  # an interrupt surfacing through compiled code is not a cell failure
        row.update(status="failed", finished=_now(), seconds=time.perf_counter() - t0,
                   error=f"{type(exc).__name__}: {exc}".strip(), traceback=traceback.format_exc(limit=8),
                   summary={})
    return row


# ---------------------------------------------------------------------------- executors
def _default_threads(workers: int) -> int:
    return max(1, (os.cpu_count() or 1) // max(1, workers))


def _execute_serial(tasks, workers, scheduler):
    for t in tasks:
        yield run_cell(t)


def exit_with_parent(parent_pid: int, interval: float = 0.5):
    """Make this worker process exit when ``parent_pid`` (the sweep's driver) is gone.

    A SIGKILLed driver cannot shut its pool down; without this its workers (whose parent is
    the forkserver, so a parent-death signal would not fire) would run on, keeping the
    forkserver and the resource tracker alive too. A daemon thread polls the driver.
    """
    def watch():
        while True:
            time.sleep(interval)
            if not pid_alive(parent_pid):
                os._exit(3)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _execute_local(tasks, workers, scheduler):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=exit_with_parent,
                               initargs=(os.getpid(),))
    try:
        futures = {pool.submit(run_cell, t): t for t in tasks}
        for fut in as_completed(futures):
            try:
                yield fut.result()
            except Exception as exc:  # a worker died (e.g. killed by the OS): record, go on
                yield _crashed(futures[fut], exc)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _execute_dask(tasks, workers, scheduler):
    import logging

    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise SmallworldError("--executor dask needs dask.distributed, which is not installed "
                              "(pip install 'smallworld[dask]'), or use --executor local") from None

    with contextlib.ExitStack() as stack:
        if scheduler:
            client = stack.enter_context(Client(scheduler))
        else:
            cluster = stack.enter_context(LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                silence_logs=logging.ERROR))
            client = stack.enter_context(Client(cluster))
        futures = {}
        for t in tasks:
            fut = client.submit(run_cell, t, key=f"smallworld-cell-{t['cell'].id}", pure=False)
            futures[fut] = t
        try:
            for fut in as_completed(list(futures)):
                try:
                    yield fut.result()
                except Exception as exc:
                    yield _crashed(futures[fut], exc)
        finally:
            client.cancel(list(futures))


def _crashed(task, exc):
    return {"cell_id": task["cell"].id, "status": "failed", "error": f"worker lost: {type(exc).__name__}: {exc}",
            "started": None, "finished": _now(), "seconds": None, "summary": {}}


_EXECUTE = {"serial": _execute_serial, "local": _execute_local, "dask": _execute_dask}
