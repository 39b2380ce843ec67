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
skips cells whose file exists and was computed under the same model.

Stale cells
-----------
A cell's id comes from its resolved sections, which leave out defaults declared after issue 10
and the model's code (so that ids and seeds stay stable). Each cell file therefore records its
:func:`~simulate.sweep.cells.model_fingerprint`: every graph and experiment parameter with its
default filled in, the generator's (or implicit model's) declared code revision and the package
version. On resume a finished cell whose fingerprint differs (a changed default such as
``facebook_like``'s ``band_share``, a bumped revision, another version; or a file written before
fingerprints were recorded) is *stale*: it is recomputed, with a warning naming the cells and the
changed keys, and its old file is replaced atomically when the new one is written; until then the
manifest lists it as ``stale`` and its old rows are not read. A parameter declared after a cell
was computed makes it stale too (its default may change the model, as ``band_share``'s did). A
changed code digest of the model's modules alone is reported and the cell reused (comments and
unrelated edits change it too): bump the model's ``revision`` when a code change alters its graphs.

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

import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ..config import Config, dump_config, load_config, parse_config
from ..errors import ParameterError
from ..graph_statistics import graph_statistics
from ..progress import progress_bar
from .cells import CELLS, SCHEME, Cell, expand_cells, fingerprint_changes, model_fingerprint, param_columns
from .executors import (
    _EXECUTE,
    GRAPH_CACHE_SIZE,
    _default_threads,
    build_graph,
    cached_graph,
    exit_with_parent,
    flatten_summary,
    run_cell,
    run_experiment,
    write_cell,
)
from .manifest import (
    MANIFEST,
    describe_stale,
    stale_cells,
    _cell_metadata_or_none,
    _refuse_changed_inputs,
    clean_temporaries,
    existing_cells,
    manifest_metadata,
    manifest_row,
    read_cell_metadata,
    read_manifest,
    rebuild_manifest,
    write_manifest,
)
from .signals import Terminated, sigterm_as_exception

EXECUTORS = ("serial", "local", "dask")

__all__ = ["EXECUTORS", "SCHEME", "MANIFEST", "CELLS", "GRAPH_CACHE_SIZE", "Cell", "SweepReport", "expand_cells",
           "param_columns", "model_fingerprint", "fingerprint_changes", "stale_cells", "build_graph", "cached_graph",
           "run_experiment", "run_cell", "flatten_summary", "write_cell", "exit_with_parent", "clean_temporaries", "existing_cells", "read_cell_metadata",
           "manifest_row", "write_manifest", "manifest_metadata", "read_manifest", "rebuild_manifest",
           "run_sweep", "cell_listing", "read_cells", "graph_statistics"]


# ---------------------------------------------------------------------------- the sweep
@dataclass
class SweepReport:
    """What :func:`run_sweep` did.

    Attributes
    ----------
    out : Path
    cells : list of Cell
    status : dict
        Cell id -> "done", "failed", "pending" or "stale" (finished under another model, to be
        recomputed; only seen by ``dry_run``).
    ran, skipped, failed : int
        Cells run now, found done already (and current), failed now.
    errors : dict
        Cell id -> error message of failed cells.
    seconds : float
    dry_run : bool
    corrupt : list of str
        Cells whose file was damaged and which were run again.
    stale : dict
        Cell id -> what changed, for finished cells computed under another model (recomputed).
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
    stale: dict = field(default_factory=dict)

    @property
    def done(self) -> int:
        return sum(1 for s in self.status.values() if s == "done")

    @property
    def ok(self) -> bool:
        return self.failed == 0


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
    Cells whose file exists are skipped (resume) unless they are stale (computed under another
    model: module docstring; a warning names them and what changed); failed, missing and stale
    ones are run. Each worker builds a graph once and reuses it for later cells with the same
    graph.
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
    _refuse_changed_inputs(out, cells, done_files)
    stale, noted = stale_cells(cells, done_files)
    status = {c.id: ("stale" if c.id in stale else "done" if c.id in done_files else "pending") for c in cells}
    report = SweepReport(out=out, cells=cells, status=status, dry_run=dry_run,
                         skipped=sum(1 for s in status.values() if s == "done"), stale=stale)
    for line in describe_stale(out, cells, stale, noted):
        warnings.warn(line, stacklevel=2)
    if dry_run:
        return report

    from ..outlock import locked_output

    out.mkdir(parents=True, exist_ok=True)
    with locked_output(out):
        return _run_locked(config, out, cells, done_files, status, report, executor, workers, scheduler,
                           progress, data_dir, t_start)


def _run_locked(config, out, cells, done_files, status, report, executor, workers, scheduler, progress,
                data_dir, t_start):
    """The part of :func:`run_sweep` that writes, run while holding ``out``'s lock."""
    from ..io.atomic import atomic_path

    clean_temporaries(out)
    with atomic_path(out / "config.toml") as tmp:
        tmp.write_text(dump_config(config), encoding="utf-8")
    mmeta = {"params": [k for k in (cells[0].columns if cells else {}) if k != "cell_id"],
             "kind": config.kind, "config": config.to_document()}
    rows = {}
    for c in cells:
        result = None
        if status[c.id] == "stale":
            # Not a finished cell any more: its old file stays until the new one replaces it.
            done_files.pop(c.id, None)
            rows[c.id] = manifest_row(c, "stale", None)
            continue
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
    from ..datasets import resolve_data_dir

    data_dir = str(resolve_data_dir(data_dir).resolve())
    tasks = [{"cell": c, "out": str(out), "config_json": config_json, "base_dir": config.base_dir,
              "data_dir": data_dir, "threads": threads} for c in todo]
    by_id = {c.id: c for c in cells}

    bar = progress_bar(progress and bool(tasks), len(cells), "cells", "cell", initial=report.skipped)
    last_write = time.monotonic()
    try:
        with sigterm_as_exception(graceful=executor == "serial") as term:
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
                        raise Terminated()
    except Terminated:
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
