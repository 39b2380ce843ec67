"""Parameter sweeps: expand a config into cells, run them anywhere, write Parquet, resume.

A *cell* is one parameter combination and replicate. Its id is a hash of its resolved
parameters and the config seed; its random seed derives from the config seed and the
hash of its parameters, so a cell's result depends neither on the executor, nor on the
number of workers, nor on which other cells are in the sweep.

Layout of an output directory::

    DIR/config.toml                               the resolved config of the last run
    DIR/manifest.parquet                          one row per cell: status, timing, error, summary
    DIR/cells/r=2.0/attrition=0.25/replicate=0/<cell id>.parquet

Every cell file holds the experiment's per-row table (graph: one row; distances: one row
per distance; chains: one row per chain) with the swept parameters, ``replicate`` and
``cell_id`` as columns, and key-value metadata (``smallworld.*``): the resolved config
(JSON), the cell's parameters, seeds, package version, graph fingerprint, start/end time
and the summary. Files are written by the worker that ran the cell, atomically
(``.tmp-*`` name, then rename), so a killed run never leaves a partial result; rerunning
skips cells whose file exists.

Seeds (documented contract)
---------------------------
``h = sha256(canonical JSON of {"graph": g, "experiment": e, "replicate": i})`` where ``g``
and ``e`` are the resolved (default-filled) sections. The experiment gets the int
``SeedSequence(config_seed, spawn_key=(1, *words(h))).generate_state(1, uint64)[0] >> 1``
(63 bits) and a generator gets the same from ``spawn_key=(0, *words(hg))`` with
``hg = sha256({"graph": g, "replicate": i})``: cells that differ only in experiment
parameters share their graph (common random numbers, and the graph is built once per
worker). ``words`` are the first four little-endian uint32 words of the digest.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as _dt
import hashlib
import json
import os
import signal
import socket
import sys
import threading
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import numpy as np
import polars as pl

from .provenance import json_default
from .config import (
    Config,
    apply_combination,
    canonical_json,
    combinations,
    dump_config,
    load_config,
    parse_config,
    resolve_experiment,
    resolve_graph,
    run_parameters,
)
from .errors import ParameterError, SmallworldError
from .graph_statistics import graph_statistics  # noqa: F401  (public here before it moved)
from .kinds import experiment_kind

EXECUTORS = ("serial", "local", "dask")

#: Bump when the cell id or seed derivation changes (old results are then not reused).
SCHEME = 1

#: Graphs kept per worker process (cells sharing a graph reuse it).
GRAPH_CACHE_SIZE = 2

MANIFEST = "manifest.parquet"
CELLS = "cells"


# ---------------------------------------------------------------------------- cells
def _words(digest: bytes) -> tuple:
    return tuple(int.from_bytes(digest[4 * i: 4 * i + 4], "little") for i in range(4))


def _seed_int(config_seed: int, spawn_key: tuple) -> int:
    ss = np.random.SeedSequence(config_seed, spawn_key=spawn_key)
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


@dataclass(frozen=True)
class Cell:
    """One parameter combination and replicate of a sweep.

    Attributes
    ----------
    id : str
        12 hex digits of ``sha256({"params", "seed", "scheme"})``.
    index : int
        Position in the expansion order.
    graph, experiment : dict
        Resolved (default-filled) sections.
    replicate : int
    swept : dict
        The swept values (``{"graph.r": 2.0, ...}``).
    columns : dict
        Parameter columns added to result tables (``{"r": 2.0, ..., "replicate": 0}``).
    seed : int
        Seed given to the experiment.
    graph_seed : int
        Seed given to the generator (unused for files and datasets).
    graph_key : str
        Identifies the graph (resolved graph section, plus ``graph_seed`` for generators).
    config_seed : int
    spawn_key : tuple of int
        Spawn key of the experiment seed, for provenance.
    """

    id: str
    index: int
    graph: dict
    experiment: dict
    replicate: int
    swept: dict
    columns: dict
    seed: int
    graph_seed: int
    graph_key: str
    config_seed: int
    spawn_key: tuple

    @property
    def params(self) -> dict:
        return {"graph": self.graph, "experiment": self.experiment, "replicate": self.replicate}

    def relpath(self) -> str:
        """Path of the cell's file below the output directory (hive-style partitions)."""
        parts = [CELLS]
        for name, value in self.columns.items():
            if name == "cell_id":
                continue
            parts.append(f"{name}={_path_value(value)}")
        parts.append(f"{self.id}.parquet")
        return "/".join(parts)


def _path_value(v) -> str:
    if isinstance(v, bool):
        s = "true" if v else "false"
    elif isinstance(v, (int, float, str)):
        s = str(v) if not isinstance(v, float) else repr(v)
    else:
        s = canonical_json(v)
    s = quote(s, safe="-._+")
    if len(s) > 60 or s.startswith("."):
        s = "h" + hashlib.sha256(s.encode()).hexdigest()[:12]
    return s


def param_columns(config: Config) -> dict:
    """Swept key -> column name: the key's last part (``graph.r`` -> ``r``), or
    ``graph_n`` / ``experiment_n`` where two sections sweep the same name."""
    names = {}
    short = [k.partition(".")[2] for k in config.sweep]
    for key in config.sweep:
        sec, _, name = key.partition(".")
        col = name if short.count(name) == 1 and name not in ("replicate", "cell_id") else f"{sec}_{name}"
        names[key] = col
    return names


def _source_content(graph: dict, base_dir) -> str | None:
    """Content fingerprint of a file or dataset graph source (None for generators, whose
    parameters and seed already identify the graph).

    A file: sha256 of its bytes (of a native directory's files), cached by file identity
    (:func:`simulate.io.stamps.content_digest`); ``"missing"`` if absent (the cell then fails
    naming the file). A dataset: its registered sha256 (checked against the file on use).
    """
    if "file" in graph:
        from .io.stamps import content_digest

        path = Path(graph["file"])
        if not path.is_absolute() and base_dir is not None:
            path = Path(base_dir) / path
        return content_digest(path) or "missing"
    if "dataset" in graph:
        from . import datasets

        try:
            return datasets.get(graph["dataset"]).sha256
        except Exception:  # an unknown name fails the cell with its own message
            return None
    return None


def expand_cells(config: Config) -> list[Cell]:
    """All cells of a config, in a fixed order (combinations, then replicates)."""
    colnames = param_columns(config)
    cells = []
    for combo in combinations(config.sweep, config.zip):
        g_raw, e_raw = apply_combination(config, combo)
        g = resolve_graph(g_raw)
        e = resolve_experiment(e_raw)
        for rep in range(config.replicates):
            params = {"graph": g, "experiment": e, "replicate": rep}
            h = hashlib.sha256(canonical_json(params).encode()).digest()
            hg = hashlib.sha256(canonical_json({"graph": g, "replicate": rep}).encode()).digest()
            ident = {"params": params, "seed": config.seed, "scheme": SCHEME}
            content = _source_content(g, config.base_dir)
            if content is not None:
                # The graph file's / dataset's content, so a replaced file is a new cell (never
                # the seed: seeds stay what they were).
                ident["source_content"] = content
            cid = hashlib.sha256(canonical_json(ident).encode()).hexdigest()[:12]
            spawn = (1, *_words(h))
            gseed = _seed_int(config.seed, (0, *_words(hg)))
            generated = "generator" in g
            gkey = canonical_json({"graph": g, "seed": gseed if generated else None,
                                   "base_dir": config.base_dir if "file" in g else None,
                                   "content": content})  # a replaced file is not the cached graph
            cols = {colnames[k]: v for k, v in combo.items()}
            cols["replicate"] = rep
            cols["cell_id"] = cid
            cells.append(Cell(id=cid, index=len(cells), graph=g, experiment=e, replicate=rep,
                              swept=dict(combo), columns=cols, seed=_seed_int(config.seed, spawn),
                              graph_seed=gseed, graph_key=gkey, config_seed=config.seed,
                              spawn_key=spawn))
    return cells


# ---------------------------------------------------------------------------- graphs
_GRAPH_CACHE: "collections.OrderedDict[str, object]" = collections.OrderedDict()


def build_graph(params: dict, seed: int = 0, base_dir=None, data_dir=None):
    """The graph of a resolved ``[graph]`` section (through :func:`simulate.sources.open_source`).

    ``data_dir`` is where dataset files are read from; ``base_dir`` anchors relative ``file`` paths.
    """
    from .sources import open_source

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

    from .io.atomic import atomic_path

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
        from . import __version__

        meta = {
            "version": __version__,
            "cell_id": cell.id,
            "cell": canonical_json(cell.params),
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
        if isinstance(exc.__cause__ or exc.__context__, (KeyboardInterrupt, _Terminated)):
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
            if not _pid_alive(parent_pid):
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


# ---------------------------------------------------------------------------- manifest
def clean_temporaries(out: Path) -> int:
    """Remove leftover ``.tmp-*`` files and directories of killed writers; returns how many.

    Only temporaries of this process or of writers that no longer run are removed (the
    writer's pid is in the name, see :mod:`simulate.io.atomic`); a live writer's are left.
    """
    import shutil

    from .io.atomic import temporary_owner

    removed = 0
    if not out.exists():
        return 0
    for p in sorted(out.rglob(".tmp-*"), key=lambda p: len(p.parts), reverse=True):
        owner = temporary_owner(p.name)
        if owner is not None and owner != os.getpid() and _pid_alive(owner):
            continue
        with contextlib.suppress(OSError):
            if p.is_dir():
                shutil.rmtree(p)
            else:
                p.unlink()
            removed += 1
    return removed


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def existing_cells(out: Path) -> dict:
    """Cell id -> path of every finished cell file below ``out/cells`` (``.tmp-*`` ignored)."""
    found = {}
    root = Path(out) / CELLS
    if not root.exists():
        return found
    for p in root.rglob("*.parquet"):
        if p.name.startswith(".") or any(part.startswith(".tmp-") for part in p.parts):
            continue
        found[p.stem] = p
    return found


def read_cell_metadata(path) -> dict:
    """The ``smallworld.*`` metadata of a cell file, JSON-decoded where possible."""
    import pyarrow.parquet as pq

    md = pq.read_schema(path).metadata or {}
    out = {}
    for k, v in md.items():
        k = k.decode()
        if not k.startswith("smallworld."):
            continue
        v = v.decode()
        try:
            out[k[len("smallworld."):]] = json.loads(v)
        except ValueError:
            out[k[len("smallworld."):]] = v
    return out


_BASE_FIELDS = ("cell_id", "index", "status", "replicate", "path", "seed", "graph_fingerprint",
                "graph_nodes", "graph_edges", "rows", "started", "finished", "seconds", "worker", "error")


def manifest_row(cell: Cell, status: str, result: dict | None = None) -> dict:
    """One manifest row: identity, parameter columns, status, timing, error, summary metrics.

    A summary metric whose name clashes with a parameter column or a manifest field is
    stored as ``summary_<name>``.
    """
    row = {"cell_id": cell.id, "index": cell.index, "status": status, "path": cell.relpath(),
           "seed": cell.seed}
    for k, v in cell.columns.items():
        row[k] = v
    for k in ("graph_fingerprint", "graph_nodes", "graph_edges", "rows", "started", "finished", "seconds",
              "worker", "error"):
        row[k] = (result or {}).get(k)
    for k, v in ((result or {}).get("summary") or {}).items():
        row[k if k not in row else f"summary_{k}"] = v
    return row


def write_manifest(out: Path, rows: list[dict], meta: dict | None = None):
    """Write ``out/manifest.parquet`` atomically (rows in cell order).

    ``meta`` goes into the file's key-value metadata as ``smallworld.<key>`` (JSON): the
    run writes ``params`` (parameter column names) and ``kind``.
    """
    import pyarrow.parquet as pq

    from .io.atomic import atomic_path

    rows = sorted(rows, key=lambda r: r["index"])
    keys = list(dict.fromkeys(k for r in rows for k in r))
    cols = {k: [r.get(k) for r in rows] for k in keys}
    series = []
    for k, vals in cols.items():
        try:
            s = pl.Series(k, vals, strict=False)
        except (TypeError, ValueError, OverflowError):
            s = pl.Series(k, [None if v is None else str(v) for v in vals])
        series.append(s)
    arrow = pl.DataFrame(series).to_arrow()
    md = {f"smallworld.{k}".encode(): json.dumps(v).encode() for k, v in (meta or {}).items()}
    arrow = arrow.replace_schema_metadata(md)
    with atomic_path(Path(out) / MANIFEST) as tmp:
        pq.write_table(arrow, tmp)


def manifest_metadata(out) -> dict:
    """The ``smallworld.*`` metadata of a manifest (``params``, ``kind``)."""
    import pyarrow.parquet as pq

    try:
        md = pq.read_schema(Path(out) / MANIFEST).metadata or {}
        return {k.decode()[len("smallworld."):]: json.loads(v) for k, v in md.items()
                if k.startswith(b"smallworld.")}
    except Exception:  # a damaged manifest: what the cell files say (see rebuild_manifest)
        metas = [md for f in existing_cells(Path(out)).values() if (md := _cell_metadata_or_none(f))]
        if not metas:
            return {}
        latest = max(metas, key=lambda md: str(md.get("finished")))
        swept = latest.get("swept") if isinstance(latest.get("swept"), dict) else {}
        kind = None
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            cfg = latest.get("config")
            cfg = json.loads(cfg) if isinstance(cfg, str) else cfg
            kind = cfg.get("experiment", {}).get("kind")
        return {"params": [k.partition(".")[2] or k for k in swept] + ["replicate"], "kind": kind}


def read_manifest(out) -> pl.DataFrame:
    """The manifest of a result directory, brought up to date with the cell files.

    Cells that finished after the manifest was last written (a killed run) are marked done
    from their own file's metadata.
    """
    from .errors import SmallworldError

    out = Path(out)
    path = out / MANIFEST
    if not path.exists():
        raise SmallworldError(f"{out}: no {MANIFEST} (not a sweep output directory?)")
    files = existing_cells(out)
    try:
        df = pl.read_parquet(path)
    except Exception:  # a damaged manifest: rebuild it from the cell files, which hold everything
        warnings.warn(f"{path}: unreadable manifest; rebuilt from the cell files", stacklevel=2)
        return rebuild_manifest(out, files)
    stale = [cid for cid, st in zip(df["cell_id"].to_list(), df["status"].to_list())
             if st != "done" and cid in files]
    if not stale:
        return df
    rows = df.to_dicts()
    has_done = "done" in df["status"].to_list()
    for r in rows:
        if r["cell_id"] in stale:
            md = read_cell_metadata(files[r["cell_id"]])
            r["status"] = "done"
            r["error"] = None
            r.update({k: md.get(k) for k in ("started", "finished", "seconds", "graph_fingerprint")})
            for k, v in (md.get("summary") or {}).items():
                # Same naming as manifest_row: a metric clashing with a parameter or field
                # is summary_<name>.
                if f"summary_{k}" in df.columns or (k in df.columns and not has_done) or k in _BASE_FIELDS:
                    r[f"summary_{k}"] = v
                else:
                    r[k] = v
    return pl.DataFrame(rows, infer_schema_length=None, strict=False)


def _cell_metadata_or_none(path):
    try:
        return read_cell_metadata(path)
    except Exception:  # truncated or overwritten file: arrow raises several types
        return None


def rebuild_manifest(out, files=None) -> pl.DataFrame:
    """A manifest of the readable cell files of ``out`` (used when ``manifest.parquet`` is damaged).

    The rows hold what each cell file records: id, status done, path, seed, graph facts,
    timing, the swept parameters and the summary metrics.
    """
    out = Path(out)
    files = existing_cells(out) if files is None else files
    metas = {cid: md for cid, f in sorted(files.items()) if (md := _cell_metadata_or_none(f)) is not None}
    if metas:
        # Only the cells of the config that ran last: never mix the results of two configs.
        latest = max(metas.values(), key=lambda md: str(md.get("finished")))
        metas = {cid: md for cid, md in metas.items() if md.get("config") == latest.get("config")}
    rows = []
    for cid, md in metas.items():
        f = files[cid]
        g = md.get("graph") or {}
        row = {"cell_id": cid, "index": None, "status": "done", "path": str(f.relative_to(out)),
               "seed": (md.get("seed") or {}).get("seed"), "graph_fingerprint": md.get("graph_fingerprint"),
               "graph_nodes": g.get("nodes"), "graph_edges": g.get("edges"), "started": md.get("started"),
               "finished": md.get("finished"), "seconds": md.get("seconds")}
        swept = md.get("swept") if isinstance(md.get("swept"), dict) else {}
        for k, v in swept.items():
            row[k.partition(".")[2] or k] = v
        with contextlib.suppress(ValueError, TypeError, KeyError):
            row["replicate"] = md["cell"]["replicate"]
        for k, v in (md.get("summary") or {}).items():
            row[k if k not in row else f"summary_{k}"] = v
        rows.append(row)
    return pl.DataFrame(rows, infer_schema_length=None, strict=False) if rows else pl.DataFrame()


def _refuse_changed_inputs(out: Path, cells: list, done_files: dict):
    """SmallworldError if ``out`` holds cells for the same parameters under other ids, i.e.
    computed from another graph content or another seed scheme (then resuming would mix them).

    Cells of parameters the config no longer has are left alone (a config may shrink or grow).
    """
    by_params = {canonical_json(c.params): c for c in cells}
    current = {c.id for c in cells}
    for cid, f in done_files.items():
        if cid in current:
            continue
        md = _cell_metadata_or_none(f)
        params = md.get("cell") if md is not None else None
        if not isinstance(params, dict):
            continue
        cell = by_params.get(canonical_json(params))
        if cell is None or cell.id == cid:
            continue
        seed = md.get("seed") or {}
        if seed.get("config_seed") != cell.config_seed:
            what = f"the config seed changed ({seed.get('config_seed')} -> {cell.config_seed})"
        elif seed.get("seed") != cell.seed or seed.get("graph_seed") != cell.graph_seed:
            what = "the seed scheme changed (same parameters, other seeds)"
        elif "file" in cell.graph:
            what = f"the content of graph file {cell.graph['file']!r} changed"
        elif "dataset" in cell.graph:
            what = f"the registered content of dataset {cell.graph['dataset']!r} changed"
        else:
            what = "the cell identity scheme changed"
        raise SmallworldError(f"{out}: holds results for the same parameters computed from other inputs: "
                              f"{what} (e.g. {f.relative_to(out)}); resuming would mix them. Use a new "
                              f"--out, or remove the old results first")


# ---------------------------------------------------------------------------- the sweep
@dataclass
class SweepReport:
    """What :func:`run_sweep` did.

    Attributes
    ----------
    out : Path
    cells : list of Cell
    status : dict
        Cell id -> "done", "failed" or "pending".
    ran, skipped, failed : int
        Cells run now, found done already, failed now.
    errors : dict
        Cell id -> error message of failed cells.
    seconds : float
    dry_run : bool
    corrupt : list of str
        Cells whose file was damaged and which were run again.
    """

    out: Path
    cells: list
    status: dict
    ran: int = 0
    skipped: int = 0
    failed: int = 0
    errors: dict = field(default_factory=dict)
    seconds: float = 0.0
    dry_run: bool = False
    corrupt: list = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(1 for s in self.status.values() if s == "done")

    @property
    def ok(self) -> bool:
        return self.failed == 0


class _Terminated(Exception):
    pass


@contextlib.contextmanager
def _sigterm_as_exception(graceful: bool):
    """Handle SIGTERM in the main thread so the manifest is written and the pool shut down
    before exiting (SIGKILL cannot be caught: resume covers it).

    With ``graceful`` (the serial executor, where the signal would land inside a running
    cell) the first SIGTERM only stops the sweep after the current cell; a second one
    stops at once. Otherwise the driver is only waiting on workers and stops at once.
    """
    state = {"stop": False}
    if threading.current_thread() is not threading.main_thread():
        yield state
        return

    def handler(signum, frame):
        if graceful and not state["stop"]:
            state["stop"] = True
            return
        raise _Terminated()

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield state
    finally:
        signal.signal(signal.SIGTERM, old)


def run_sweep(config, out=None, executor="serial", workers=1, scheduler=None, quick=False,
              progress=True, dry_run=False, data_dir=None) -> SweepReport:
    """Run (or resume) every cell of a config.

    Parameters
    ----------
    config : Config or str or Path
        A validated config, or a TOML file to load.
    out : str or Path, optional
        Output directory [default: the config's ``[output] directory``].
    executor : {"serial", "local", "dask"}
        Where cells run: this process; a local process pool (``workers`` processes,
        forkserver/spawn); or dask.distributed (a LocalCluster of ``workers`` processes, or
        the cluster at ``scheduler``; the output directory must then be shared).
    workers : int
    scheduler : str, optional
        ``tcp://host:port`` of a running dask scheduler.
    quick : bool
        Apply the config's ``[quick]`` overrides.
    progress : bool
        Show a progress bar on stderr.
    dry_run : bool
        Only list the cells and whether each is done.
    data_dir : str or Path, optional
        Directory holding dataset files [default: :func:`simulate.datasets.resolve_data_dir`, i.e.
        ``$SMALLWORLD_DATA`` or the checkout's ``../shared/data``]. Resolved here, once, and handed
        to every cell as an argument, so workers (local or Dask) read the same directory.

    Returns
    -------
    SweepReport

    Notes
    -----
    Cells whose file exists are skipped (resume); failed and missing ones are run. Each
    worker builds a graph once and reuses it for later cells with the same graph.
    """
    t_start = time.perf_counter()
    if not isinstance(config, Config):
        config = load_config(config, quick=quick)
    elif quick and not config.quick_applied:
        config = parse_config(dump_config(config), source=config.source, base_dir=config.base_dir,
                              quick=True)
    if executor not in EXECUTORS:
        raise ParameterError(f"executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    workers = int(workers)
    if workers < 1:
        raise ParameterError(f"workers must be >= 1, got {workers}")
    out = Path(out) if out is not None else config.output_directory()
    out = out.resolve()
    cells = expand_cells(config)
    done_files = existing_cells(out)
    status = {c.id: ("done" if c.id in done_files else "pending") for c in cells}
    report = SweepReport(out=out, cells=cells, status=status, dry_run=dry_run,
                         skipped=sum(1 for s in status.values() if s == "done"))
    _refuse_changed_inputs(out, cells, done_files)
    if dry_run:
        return report

    from .outlock import locked_output

    out.mkdir(parents=True, exist_ok=True)
    with locked_output(out):
        return _run_locked(config, out, cells, done_files, status, report, executor, workers, scheduler,
                           progress, data_dir, t_start)


def _run_locked(config, out, cells, done_files, status, report, executor, workers, scheduler, progress,
                data_dir, t_start):
    """The part of :func:`run_sweep` that writes, run while holding ``out``'s lock."""
    from .io.atomic import atomic_path

    clean_temporaries(out)
    with atomic_path(out / "config.toml") as tmp:
        tmp.write_text(dump_config(config), encoding="utf-8")
    mmeta = {"params": [k for k in (cells[0].columns if cells else {}) if k != "cell_id"],
             "kind": config.kind, "config": config.to_document()}
    rows = {}
    for c in cells:
        result = None
        md = _cell_metadata_or_none(done_files[c.id]) if c.id in done_files else None
        if c.id in done_files and md is None:
            # A damaged cell file: say which, and run the cell again (its new file replaces it).
            warnings.warn(f"{done_files.pop(c.id)}: corrupt cell file; running the cell again", stacklevel=2)
            status[c.id] = "pending"
            report.skipped -= 1
            report.corrupt.append(c.id)
        if c.id in done_files:
            g = md.get("graph") or {}
            result = {"graph_fingerprint": md.get("graph_fingerprint"), "graph_nodes": g.get("nodes"),
                      "graph_edges": g.get("edges"), "started": md.get("started"),
                      "finished": md.get("finished"), "seconds": md.get("seconds"),
                      "summary": md.get("summary") or {}}
        rows[c.id] = manifest_row(c, status[c.id], result)
    write_manifest(out, list(rows.values()), mmeta)

    todo = [c for c in cells if status[c.id] != "done"]
    # Cells sharing a graph run back to back, so each worker reuses its cached graph.
    first_of = {}
    for c in todo:
        first_of.setdefault(c.graph_key, c.index)
    todo.sort(key=lambda c: (first_of[c.graph_key], c.index))
    if executor == "serial":
        threads = None
    elif executor == "dask" and scheduler:
        threads = None
    else:
        threads = _default_threads(workers)
    config_json = config.to_json()
    from .datasets import resolve_data_dir

    data_dir = str(resolve_data_dir(data_dir).resolve())
    tasks = [{"cell": c, "out": str(out), "config_json": config_json, "base_dir": config.base_dir,
              "data_dir": data_dir, "threads": threads} for c in todo]
    by_id = {c.id: c for c in cells}

    from tqdm import tqdm

    bar = tqdm(total=len(cells), initial=report.skipped, unit="cell", desc="cells", file=sys.stderr,
               disable=not progress or not tasks, dynamic_ncols=True)
    last_write = time.monotonic()
    try:
        with _sigterm_as_exception(graceful=executor == "serial") as term:
            if tasks:
                for result in _EXECUTE[executor](tasks, workers, scheduler):
                    cid = result["cell_id"]
                    status[cid] = result["status"]
                    rows[cid] = manifest_row(by_id[cid], result["status"], result)
                    report.ran += 1
                    if result["status"] == "failed":
                        report.failed += 1
                        report.errors[cid] = result.get("error")
                        bar.set_postfix(failed=report.failed)
                    bar.update(1)
                    if time.monotonic() - last_write > 2.0:
                        write_manifest(out, list(rows.values()), mmeta)
                        last_write = time.monotonic()
                    if term["stop"]:
                        raise _Terminated()
    except _Terminated:
        write_manifest(out, list(rows.values()), mmeta)
        bar.close()
        raise KeyboardInterrupt("terminated") from None
    finally:
        bar.close()
    write_manifest(out, list(rows.values()), mmeta)
    report.seconds = time.perf_counter() - t_start
    return report


def cell_listing(report: SweepReport) -> list[dict]:
    """One dict per cell for ``--dry-run``: id, status, swept parameters, replicate."""
    return [{"cell_id": c.id, "status": report.status[c.id],
             **{k: v for k, v in c.columns.items() if k != "cell_id"}} for c in report.cells]


def read_cells(out) -> pl.DataFrame:
    """All finished cell tables of a result directory, concatenated (columns missing from
    some cells are null; ``.tmp-*`` files are never read)."""
    found = existing_cells(out)
    if (Path(out) / MANIFEST).exists():
        # Only the cells of the config the directory was last run with (an edited config may
        # leave other cells on disk; they are kept for a later resume, never mixed in).
        m = read_manifest(out)
        current = set(m.filter(pl.col("status") == "done")["cell_id"].to_list()) if m.height else set()
        found = {cid: f for cid, f in found.items() if cid in current}
    files = sorted(found.values())
    if not files:
        return pl.DataFrame()
    frames = [pl.scan_parquet(str(f), hive_partitioning=False) for f in files]
    return pl.concat(frames, how="diagonal_relaxed").collect()
