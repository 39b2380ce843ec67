"""Plain-text edge lists: SNAP, KONECT ``out.*``, headerless CSV/TSV (plain, .gz, .bz2).

Parsing goes through a Numba tokenizer (:mod:`simulate.io._parse`); error messages name the
file and the 1-based line.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
from pathlib import Path

import numpy as np

from ..errors import FormatError, MissingFileError
from ..graph import Graph
from . import _parse

_ERRORS = {
    _parse.ERR_NOT_INTEGER: "node id is not a non-negative integer",
    _parse.ERR_TOO_FEW_FIELDS: "expected at least two fields (source and target)",
    _parse.ERR_BAD_WEIGHT: "weight (third field) is not a number",
    _parse.ERR_TOO_LARGE: "node id too large for 64 bits",
}


def read_bytes(path) -> bytes:
    """Whole file contents, decompressing ``.gz``, ``.bz2`` and ``.xz`` by suffix (and magic)."""
    path = Path(path)
    if not path.exists():
        raise MissingFileError(f"{path}: no such file")
    if path.is_dir():
        raise FormatError(f"{path}: is a directory, not an edge-list file")
    with open(path, "rb") as fh:
        head = fh.read(6)
    try:
        if head[:2] == b"\x1f\x8b":
            with gzip.open(path, "rb") as fh:
                return fh.read()
        if head[:3] == b"BZh":
            with bz2.open(path, "rb") as fh:
                return fh.read()
        if head[:6] == b"\xfd7zXZ\x00":
            with lzma.open(path, "rb") as fh:
                return fh.read()
    except (OSError, EOFError, lzma.LZMAError) as exc:
        raise FormatError(f"{path}: corrupt compressed file ({exc})") from None
    return path.read_bytes()


def parse_error_message(data: bytes, name: str, err: int, line: int) -> str:
    """The one-line message for tokenizer error ``err`` at 1-based ``line`` of ``data``."""
    import re

    # Only the offending token is quoted, never the whole line: a file given by mistake (a
    # key, a document) must not be echoed into logs.
    text = data.split(b"\n")[line - 1][:4096].decode("utf-8", "replace").rstrip("\r").lstrip("\ufeff")
    fields = [f for f in re.split(r"[\s,;]+", text.strip()) if f]
    if err == _parse.ERR_TOO_FEW_FIELDS:
        return f"{name}, line {line}: {_ERRORS[err]}; found {len(fields)}"
    if err == _parse.ERR_BAD_WEIGHT:
        bad = fields[2] if len(fields) > 2 else ""
    else:
        bad = next((f for f in fields[:2] if not f.isdigit() or err == _parse.ERR_TOO_LARGE), fields[0] if fields else "")
    bad = bad if len(bad) <= 40 else bad[:40] + "..."
    return f"{name}, line {line}: {_ERRORS[err]}: {bad!r}"


def tokenize_edges(data: bytes, weighted=False, skip_lines=0):
    """Run the Numba tokenizer: ``(src, dst, weights, err, line)`` without raising."""
    buf = np.frombuffer(data, dtype=np.uint8)
    return _parse.parse_int_edges(buf, bool(weighted), int(skip_lines))


def parse_edge_bytes(data: bytes, name: str, weighted=False, skip_lines=0):
    """Parse integer edge-list bytes into ``(src, dst, weights)``; errors name ``name`` and the line."""
    src, dst, w, err, line = tokenize_edges(data, weighted, skip_lines)
    if err:
        raise FormatError(parse_error_message(data, name, err, line))
    return src, dst, (w if weighted else None)


def read_edgelist(path, directed=False, weighted=False, skip_lines=0) -> Graph:
    """Read a whitespace/tab/comma separated integer edge list.

    Parameters
    ----------
    path : str or Path
        Plain text or ``.gz``/``.bz2``/``.xz``; ``#`` and ``%`` lines are comments.
    directed : bool
    weighted : bool
        Read a third column as edge weight (tie strength).

    Returns
    -------
    Graph
        Node labels (the integers in the file) are kept in ``graph.node_ids``.
    """
    data = read_bytes(path)
    if not data.strip():
        raise FormatError(f"{path}: file is empty")
    src, dst, w = parse_edge_bytes(data, str(path), weighted, skip_lines)
    if src.shape[0] == 0:
        declared = _declared_edgeless_nodes(data)
        if declared is not None:
            # Written by smallworld from a graph without edges: keep its nodes (round trip).
            return Graph(np.zeros(declared + 1, dtype=np.int64), np.empty(0, np.int32), directed)
        raise FormatError(f"{path}: no edges found (only comments or blank lines)")
    return Graph.from_edges(src, dst, directed=directed, weights=w)


def _declared_edgeless_nodes(data: bytes):
    """n from a ``# Nodes: n Edges: 0`` header line (as :func:`write_edgelist` writes), else None."""
    import re

    m = re.search(rb"^#\s*Nodes:\s*(\d{1,10})\s+Edges:\s*0\s*$", data[:4096], re.MULTILINE)
    if m is None or int(m.group(1)) >= 2**31 - 1:
        return None
    return int(m.group(1))


def write_edgelist(graph: Graph, path, comment=True):
    """Write SNAP text (``u<TAB>v`` per line, original labels, ``#`` header). Atomic."""
    from .atomic import atomic_path

    src, dst = graph.edges()
    if graph.node_ids is not None:
        src, dst = graph.node_ids[src], graph.node_ids[dst]
    with atomic_path(path) as tmp:
        opener = gzip.open if str(path).endswith(".gz") else open
        with opener(tmp, "wt", encoding="utf-8", newline="\n") as fh:
            if comment:
                kind = "Directed" if graph.directed else "Undirected"
                fh.write(f"# {kind} graph written by smallworld\n")
                fh.write(f"# Nodes: {graph.n} Edges: {graph.num_edges}\n")
                fh.write("# FromNodeId\tToNodeId\n")
            chunk = 1 << 20
            for a in range(0, len(src), chunk):
                s = np.asarray(src[a:a + chunk]).astype(str)
                d = np.asarray(dst[a:a + chunk]).astype(str)
                fh.write("\n".join(np.char.add(np.char.add(s, "\t"), d).tolist()))
                fh.write("\n")
