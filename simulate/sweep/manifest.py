"""The manifest (one row per cell: status, timing, error, summary metrics) and the cell files
it is kept consistent with: listing finished cells, reading their metadata, rebuilding a damaged
manifest, refusing to mix results of changed inputs, cleaning the ``.tmp-*`` leftovers of
killed writers.
"""

from __future__ import annotations

import contextlib
import json
import os
import warnings
from pathlib import Path

import polars as pl

from ..config import canonical_json
from ..errors import SmallworldError
from ..outlock import pid_alive
from .cells import CELLS, Cell, fingerprint_changes

MANIFEST = "manifest.parquet"


def clean_temporaries(out: Path) -> int:
    """Remove leftover ``.tmp-*`` files and directories of killed writers; returns how many.

    Only temporaries of this process or of writers that no longer run are removed (the
    writer's pid is in the name, see :mod:`simulate.io.atomic`); a live writer's are left.
    """
    import shutil

    from ..io.atomic import temporary_owner

    removed = 0
    if not out.exists():
        return 0
    for p in sorted(out.rglob(".tmp-*"), key=lambda p: len(p.parts), reverse=True):
        owner = temporary_owner(p.name)
        if owner is not None and owner != os.getpid() and pid_alive(owner):
            continue
        with contextlib.suppress(OSError):
            if p.is_dir():
                shutil.rmtree(p)
            else:
                p.unlink()
            removed += 1
    return removed


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

    from ..io.atomic import atomic_path

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
    from ..errors import SmallworldError

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
    # ("stale": a finished cell of an older model, still on disk until it is recomputed.)
    stale = [cid for cid, st in zip(df["cell_id"].to_list(), df["status"].to_list())
             if st not in ("done", "stale") and cid in files]
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


def stale_cells(cells: list, done_files: dict) -> tuple[dict, dict]:
    """Finished cells of ``cells`` whose recorded model fingerprint is not the current one.

    Returns ``(stale, noted)``: cell id -> list of ``"what: old -> new"`` for cells to recompute
    (a parameter's resolved value or default, the model's revision or the package version
    changed, or no fingerprint was recorded), and for cells kept but reported (only the model's
    code digest changed); see :func:`simulate.sweep.cells.fingerprint_changes`. Unreadable files
    are left to the caller (they are corrupt, and rerun).
    """
    stale, noted = {}, {}
    for c in cells:
        if c.id not in done_files:
            continue
        md = _cell_metadata_or_none(done_files[c.id])
        if md is None:
            continue
        changes, notes = fingerprint_changes(md.get("model"), c.model)
        if changes:
            stale[c.id] = changes
        elif notes:
            noted[c.id] = notes
    return stale, noted


def describe_stale(out: Path, cells: list, stale: dict, noted: dict) -> list[str]:
    """Warning lines for :func:`stale_cells`' result: how many cells, an example path, what changed."""
    by_id = {c.id: c for c in cells}
    lines = []
    for found, what in ((stale, "were computed under another model and are recomputed"),
                        (noted, "were computed by other code of their model (its code digest changed; "
                                "parameters and revision are the same) and are reused: bump the model's "
                                "revision in register_model if the change alters its graphs")):
        if not found:
            continue
        changes = list(dict.fromkeys(ch for chs in found.values() for ch in chs))
        first = next(iter(found))
        shown = "; ".join(changes[:6]) + (f"; and {len(changes) - 6} more" if len(changes) > 6 else "")
        lines.append(f"{out}: {len(found)} finished cell(s) {what} (e.g. cell {first}, "
                     f"{by_id[first].relpath()}): {shown}")
    return lines


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
