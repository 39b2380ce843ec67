"""The native on-disk graph format (``.swg`` directory) and Parquet edge tables.

Native format, version 1: a directory named ``*.swg`` holding

* ``meta.json``: ``{"format": "smallworld-graph", "version": 1, "n", "directed", "arcs",
  "fingerprint", "meta", "report"}``
* ``indptr.npy`` (int64, n + 1) and ``indices.npy`` (int32, arcs): the CSR, loaded
  memory-mapped, so a 100M-edge graph opens in milliseconds and pages in on use;
* ``weights.npy`` (float64, arcs), when the graph has tie strengths;
* ``nodes.parquet``, when the graph has node labels or attributes: column ``node_id`` (the
  original label) and one column per attribute, one row per node in internal order.

Parquet edge table (``*.parquet``): columns ``src``, ``dst`` (original labels) and
optionally ``weight``; the key-value metadata holds ``smallworld.graph`` (JSON: directed, n,
meta) and ``smallworld.nodes`` (the node table as an Arrow IPC stream, base64), so node
attributes and isolated nodes survive a round trip while any Parquet reader sees a plain
edge list.
"""

from __future__ import annotations

import base64
import io as _io
import json
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import FormatError, GraphError
from ..graph import BuildReport, Graph
from ..kernels import csr as _csr
from .atomic import atomic_path

FORMAT_VERSION = 1


def _nodes_table(graph: Graph):
    if graph.node_ids is None and graph.node_attrs is None:
        return None
    cols = {}
    ids = graph.node_ids if graph.node_ids is not None else np.arange(graph.n, dtype=np.int64)
    cols["node_id"] = pl.Series("node_id", ids)
    df = pl.DataFrame(cols)
    if graph.node_attrs is not None:
        df = pl.concat([df, graph.node_attrs.drop("node_id", strict=False)], how="horizontal")
    return df


def _split_nodes(df):
    if df is None:
        return None, None
    ids = df["node_id"].to_numpy() if "node_id" in df.columns else None
    attrs = df.drop("node_id", strict=False)
    return ids, (attrs if attrs.width else None)


def write_native(graph: Graph, path):
    """Write ``graph`` as a ``.swg`` directory (atomically)."""
    path = Path(path)
    with atomic_path(path, directory=True) as tmp:
        np.save(tmp / "indptr.npy", np.asarray(graph.indptr))
        np.save(tmp / "indices.npy", np.asarray(graph.indices))
        if graph.weights is not None:
            np.save(tmp / "weights.npy", np.asarray(graph.weights))
        nodes = _nodes_table(graph)
        if nodes is not None:
            nodes.write_parquet(tmp / "nodes.parquet")
        info = {"format": "smallworld-graph", "version": FORMAT_VERSION, "n": graph.n,
                "directed": graph.directed, "arcs": graph.num_arcs, "fingerprint": graph.fingerprint,
                "meta": graph.meta, "report": vars(graph.report)}
        (tmp / "meta.json").write_text(json.dumps(info, indent=1, default=str))


_REPORT_KEYS = frozenset(BuildReport.__dataclass_fields__)

#: Messages for the codes of :func:`simulate.kernels.csr.check_csr`.
_CSR_PROBLEMS = {
    _csr.CSR_INDPTR_START: "indptr does not start at 0",
    _csr.CSR_INDPTR_END: "indptr does not end at the number of arcs",
    _csr.CSR_INDPTR_DECREASING: "indptr decreases after row {pos}",
    _csr.CSR_INDEX_OUT_OF_RANGE: "neighbour index out of range at arc {pos}",
    _csr.CSR_ROW_NOT_INCREASING: "a row is not strictly increasing at arc {pos} (unsorted or repeated)",
    _csr.CSR_SELF_LOOP: "self-loop at arc {pos}",
    _csr.CSR_ASYMMETRIC: "undirected graph whose arc {pos} has no reverse arc",
}

#: Environment variable that skips the O(m) checks of :func:`read_native` (trusted files).
TRUST_ENV = "SMALLWORLD_TRUST_NATIVE"


def _load_array(file, mode, dtype, length, what):
    """One ``.npy`` of the native format, checked for dtype, rank and length (O(1))."""
    if not file.is_file():
        raise FormatError(f"{file}: missing ({what} of a native graph)")
    try:
        # Always map first: a damaged header may declare any shape, and mapping checks it
        # against the file size before anything is allocated.
        a = np.load(file, mmap_mode="r", allow_pickle=False)
    except Exception as exc:  # numpy's header parser raises ValueError, SyntaxError, TokenError...
        raise FormatError(f"{file}: not a readable .npy array ({type(exc).__name__})") from None
    if not isinstance(a, np.ndarray) or a.ndim != 1 or a.dtype != np.dtype(dtype):
        raise FormatError(f"{file}: expected a 1-d {np.dtype(dtype).name} array, found "
                          f"{getattr(a, 'ndim', '?')}-d {getattr(a, 'dtype', type(a).__name__)}")
    if a.shape[0] != length:
        raise FormatError(f"{file}: {a.shape[0]:,} entries where meta.json implies {length:,}")
    return a if mode else np.array(a)


def _read_meta(meta_file):
    try:
        info = json.loads(meta_file.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FormatError(f"{meta_file}: invalid JSON ({type(exc).__name__})") from None
    except OSError as exc:
        raise FormatError(f"{meta_file}: cannot be read ({exc.strerror})") from None
    if not isinstance(info, dict):
        raise FormatError(f"{meta_file}: expected a JSON object")
    if info.get("format") != "smallworld-graph" or info.get("version") != FORMAT_VERSION:
        raise FormatError(f"{meta_file}: unsupported format/version {info.get('format')!r}/{info.get('version')!r}")

    def count(key):
        v = info.get(key)
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise FormatError(f"{meta_file}: {key!r} must be a non-negative integer, found {v!r}")
        return v

    count("n"), count("arcs")
    if info["n"] >= 2**31 - 1:
        raise FormatError(f"{meta_file}: n = {info['n']:,} exceeds the int32 node index range")
    if not isinstance(info.get("directed"), bool):
        raise FormatError(f"{meta_file}: 'directed' must be true or false, found {info.get('directed')!r}")
    if not isinstance(info.get("meta", {}), (dict, type(None))):
        raise FormatError(f"{meta_file}: 'meta' must be an object")
    report = info.get("report", {})
    if (not isinstance(report, dict) or not set(report) <= _REPORT_KEYS
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in report.values())):
        raise FormatError(f"{meta_file}: 'report' must map {sorted(_REPORT_KEYS)} to integers")
    fp = info.get("fingerprint")
    if fp is not None and not isinstance(fp, str):
        raise FormatError(f"{meta_file}: 'fingerprint' must be a string")
    return info


def read_native(path, mmap=True, trusted=None) -> Graph:
    """Open a ``.swg`` directory, validated; arrays are memory-mapped unless ``mmap=False``.

    Parameters
    ----------
    path : str or Path
        The ``.swg`` directory.
    mmap : bool, default True
        Memory-map ``indptr``/``indices``/``weights`` (pages load on use).
    trusted : bool, optional
        Skip the O(m) checks below (shapes, dtypes and meta.json are still checked). Default:
        true when the environment variable ``SMALLWORLD_TRUST_NATIVE=1`` is set, else false.

    Raises
    ------
    FormatError
        Naming the file and the first problem: unreadable or malformed ``meta.json``, a
        truncated or wrongly typed ``.npy`` array, lengths that disagree with ``meta.json``,
        ``indptr`` not starting at 0, decreasing or not ending at the arc count, a neighbour
        index outside ``0..n-1``, an unsorted or repeated row, a self-loop, an undirected graph
        whose arcs are not symmetric, a node table of the wrong height, or a structure whose
        fingerprint differs from the one recorded.

    Notes
    -----
    The structural checks (:func:`simulate.kernels.csr.check_csr`) and the fingerprint cost
    O(n + m log d_max) once; a passed check is remembered by the files' (path, size, mtime,
    inode) (:mod:`simulate.io.stamps`), so reopening an unchanged graph costs O(1). Without
    them an out-of-range index would make the kernels read outside the arrays (a crash, not an
    error).
    """
    import os

    from . import stamps

    path = Path(path)
    meta_file = path / "meta.json"
    if not path.is_dir() or not meta_file.is_file():
        raise FormatError(f"{path}: not a smallworld graph directory (no meta.json)")
    info = _read_meta(meta_file)
    n, arcs = info["n"], info["arcs"]
    mode = "r" if mmap else None
    indptr = _load_array(path / "indptr.npy", mode, np.int64, n + 1, "row offsets")
    indices = _load_array(path / "indices.npy", mode, np.int32, arcs, "neighbour indices")
    weights = None
    if (path / "weights.npy").exists():
        weights = _load_array(path / "weights.npy", mode, np.float64, arcs, "tie strengths")
    nodes = None
    if (path / "nodes.parquet").exists():
        try:
            nodes = pl.read_parquet(path / "nodes.parquet")
        except Exception as exc:  # polars/arrow raise many types for a damaged file
            raise FormatError(f"{path / 'nodes.parquet'}: not a readable Parquet node table "
                              f"({type(exc).__name__})") from None
        if nodes.height != n:
            raise FormatError(f"{path / 'nodes.parquet'}: {nodes.height:,} rows for {n:,} nodes")
    if trusted is None:
        trusted = os.environ.get(TRUST_ENV, "") not in ("", "0")
    files = [p for p in (meta_file, path / "indptr.npy", path / "indices.npy", path / "weights.npy",
                         path / "nodes.parquet") if p.exists()]
    check = f"native-v{FORMAT_VERSION}"
    if not trusted and not stamps.already_checked(check, files):
        code, pos = _csr.check_csr(indptr, indices, not info["directed"])
        if code != _csr.CSR_OK:
            raise FormatError(f"{path}: corrupt native graph: {_CSR_PROBLEMS[int(code)].format(pos=int(pos))}")
    ids, attrs = _split_nodes(nodes)
    try:
        g = Graph(indptr, indices, info["directed"], node_ids=ids, node_attrs=attrs, weights=weights,
                  meta=info.get("meta"), report=BuildReport(**info.get("report", {})))
    except (GraphError, ValueError, TypeError) as exc:
        raise FormatError(f"{path}: corrupt native graph ({exc})") from None
    if not trusted and not stamps.already_checked(check, files):
        fp = info.get("fingerprint")
        if fp is not None and fp != g.fingerprint:
            raise FormatError(f"{path}: corrupt native graph: its structure does not match the fingerprint "
                              f"recorded in meta.json (modified after it was written?)")
        stamps.remember_checked(check, files)
    return g


#: Parquet writer options for edge tables. Dictionary encoding is off: node ids are nearly
#: all distinct, so pyarrow builds a dictionary per column chunk only to fall back to plain
#: encoding (3x slower and 30 % larger on a 1M-node Watts-Strogatz graph, 5M edges).
#: Snappy compression, row groups of 2**20 rows (pyarrow's default size).
EDGE_PARQUET_OPTIONS = {"use_dictionary": False, "compression": "snappy", "row_group_size": 1 << 20}


def write_parquet_edges(graph: Graph, path):
    """Write the edge table (``src``, ``dst``[, ``weight``]) with graph metadata. Atomic."""
    src, dst = graph.edges()
    if graph.node_ids is not None:
        src, dst = graph.node_ids[src], graph.node_ids[dst]
    cols = {"src": pa.array(src), "dst": pa.array(dst)}
    w = graph.edge_weights()
    if w is not None:
        cols["weight"] = pa.array(w)
    table = pa.table(cols)
    md = {b"smallworld.graph": json.dumps({"directed": graph.directed, "n": graph.n, "meta": graph.meta,
                                           "report": vars(graph.report)}, default=str).encode()}
    nodes = _nodes_table(graph)
    if nodes is not None or graph.n > 0:
        if nodes is None:
            nodes = pl.DataFrame({"node_id": np.arange(graph.n, dtype=np.int64)})
        sink = _io.BytesIO()
        nodes.write_ipc_stream(sink)
        md[b"smallworld.nodes"] = base64.b64encode(sink.getvalue())
    table = table.replace_schema_metadata(md)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, **EDGE_PARQUET_OPTIONS)


def _label_index(ids, labels, directed):
    """Internal ids of ``labels`` given the node table's ``ids`` (GraphError if unknown).

    Dense non-negative integer labels use a lookup table (one gather, O(n + m)); anything
    else goes through :meth:`Graph.index_of` (sort + binary search).
    """
    labels = np.asarray(labels)
    if labels.shape[0] == 0:
        return labels.astype(np.int64)
    if ids.dtype.kind in "iu" and labels.dtype.kind in "iu" and ids.shape[0]:
        lo = min(int(ids.min()), int(labels.min()))
        hi = max(int(ids.max()), int(labels.max()))
        if lo >= 0 and hi < 4 * (ids.shape[0] + labels.shape[0]) + (1 << 20):
            table = np.full(hi + 1, -1, dtype=np.int64)
            table[ids] = np.arange(ids.shape[0], dtype=np.int64)
            out = table[labels]
            if (out < 0).any():
                from ..errors import GraphError

                raise GraphError(f"node {labels[out < 0][0]!r} is not in the graph")
            return out
    shell = Graph(np.zeros(len(ids) + 1, dtype=np.int64), np.empty(0, np.int32), directed, node_ids=ids)
    return shell.index_of(labels)


def read_parquet_edges(path, directed=None) -> Graph:
    """Read a Parquet edge table (``src``, ``dst``, optional ``weight``)."""
    path = Path(path)
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise FormatError(f"{path}: not a readable Parquet file ({exc})") from None
    md = table.schema.metadata or {}
    for col in ("src", "dst"):
        if col not in table.column_names:
            raise FormatError(f"{path}: Parquet edge table needs columns 'src' and 'dst' "
                              f"(found {table.column_names})")
    info = json.loads(md[b"smallworld.graph"]) if b"smallworld.graph" in md else {}
    if directed is None:
        directed = bool(info.get("directed", False))
    w = table.column("weight").to_numpy() if "weight" in table.column_names else None
    src = table.column("src").to_numpy()
    dst = table.column("dst").to_numpy()
    report = BuildReport(**info["report"]) if "report" in info else None
    if b"smallworld.nodes" in md:
        nodes = pl.read_ipc_stream(_io.BytesIO(base64.b64decode(md[b"smallworld.nodes"])))
        ids, attrs = _split_nodes(nodes)
        s, d = _label_index(ids, src, directed), _label_index(ids, dst, directed)
        g = Graph.from_edges(s, d, directed=directed, n=len(ids), weights=w, node_ids=ids,
                             node_attrs=attrs, meta=info.get("meta"), relabel=False)
        if report is not None and g.report.self_loops_dropped == 0 and g.report.duplicates_dropped == 0:
            g.report = report
        return g
    return Graph.from_edges(src, dst, directed=directed, weights=w, meta=info.get("meta"))
