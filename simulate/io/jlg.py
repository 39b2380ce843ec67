"""JuliaGraphs ``.jlg`` (LightGraphs/Graphs.jl "LG" format), usually gzip-compressed.

Layout: a header line ``n,m,d,name[,...]`` where ``d`` is ``u`` (undirected) or ``d``
(directed), then ``m`` lines ``u,v`` with 1-based node numbers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import FormatError
from ..graph import Graph
from .text import parse_edge_bytes, read_bytes


def read_jlg(path, directed=None) -> Graph:
    """Read a single-graph ``.jlg`` file (plain or gzip).

    Parameters
    ----------
    path : str or Path
    directed : bool, optional
        Default: from the header (``u`` undirected, ``d`` directed).

    Returns
    -------
    Graph
        ``n`` nodes from the header (isolated ones kept); ``node_ids`` are the file's
        1-based numbers ``1..n``.

    Notes
    -----
    O(file size) with the Numba tokenizer. The edge count is checked against the header.
    """
    path = Path(path)
    data = read_bytes(path)
    if not data.strip():
        raise FormatError(f"{path}: file is empty")
    nl = data.find(b"\n")
    head = (data if nl < 0 else data[:nl]).decode("utf-8", "replace").strip()
    parts = [p.strip() for p in head.split(",")]
    if len(parts) < 3 or not parts[0].isdigit() or not parts[1].isdigit() or parts[2] not in ("u", "d"):
        raise FormatError(f"{path}, line 1: expected a JuliaGraphs header 'n,m,u|d,name', found {head[:80]!r}")
    n, m = int(parts[0]), int(parts[1])
    from ..memory import graph_bytes, require_memory

    require_memory(graph_bytes(n, 2 * m), f"{path}: a graph of {n:,} nodes and {m:,} edges (as its header declares)")
    if directed is None:
        directed = parts[2] == "d"
    try:
        src, dst, _ = parse_edge_bytes(data, str(path), skip_lines=1)
    except FormatError as exc:
        if ",u," in str(exc) or ",d," in str(exc):
            raise FormatError(f"{path}: holds more than one graph; only single-graph .jlg files "
                              f"are supported ({exc})") from None
        raise
    if src.shape[0] != m:
        raise FormatError(f"{path}: header announces {m} edges, file has {src.shape[0]}")
    if m and (min(src.min(), dst.min()) < 1 or max(src.max(), dst.max()) > n):
        raise FormatError(f"{path}: node numbers must lie in 1..{n} (header n)")
    return Graph.from_edges(src - 1, dst - 1, directed=directed, n=n,
                            node_ids=np.arange(1, n + 1, dtype=np.int64), relabel=False)
