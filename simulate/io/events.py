"""Temporal event lists (``u v [time ...]`` per line) read as graphs with counted weights.

A message log such as SNAP CollegeMsg (``SRC DST UNIXTS``) becomes a graph whose weight on
each edge is the number of events between its ends: the *interaction intensity* tie strength
(Onnela et al., PNAS 104, 7332 (2007), doi:10.1073/pnas.0610245104). Undirected graphs sum the
events of both directions; directed graphs count each direction separately. Columns after the
second (times) are ignored. One optional header line (a first line whose first field is not an
integer, such as ``source target weight``) is skipped.
"""

from __future__ import annotations

import numpy as np

from ..errors import FormatError
from ..graph import BuildReport, Graph
from . import text


def _header_lines(data: bytes) -> int:
    """1 when the first non-comment line is a header (its first field is not an integer), else 0."""
    for raw in data[:4096].split(b"\n"):
        line = raw.strip().lstrip(b"\xef\xbb\xbf")
        if not line or line[:1] in (b"#", b"%"):
            continue
        first = line.replace(b"\t", b" ").replace(b",", b" ").split()[0]
        return 0 if first.isdigit() else 1
    return 0


def count_events(src, dst, directed=False):
    """Distinct pairs and their event counts: ``(src, dst, count)`` int64 arrays, self-loops dropped.

    Undirected pairs are keyed (min, max), so both directions add to one count. O(m log m) (one sort).
    """
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    if not directed:
        src, dst = np.minimum(src, dst), np.maximum(src, dst)
    if src.shape[0] == 0:
        return src, dst, np.empty(0, dtype=np.int64)
    pairs = np.unique(np.stack([src, dst], axis=1), axis=0, return_counts=True)
    (uv, counts) = pairs
    return uv[:, 0].copy(), uv[:, 1].copy(), counts.astype(np.int64)


def read_event_counts(path, directed=None) -> Graph:
    """Read an event list as a graph whose edge weight = number of events per pair.

    Parameters
    ----------
    path : str or Path
        Whitespace/tab/comma separated integers, ``#``/``%`` comments, optional header line,
        plain or compressed.
    directed : bool, optional
        Default False: both directions summed into one undirected tie.

    Returns
    -------
    Graph
        Weighted (float64 counts); ``report.input_edges`` = number of events,
        ``report.duplicates_dropped`` = events beyond the first per pair; ``meta["weights"] = "count"``.
    """
    directed = bool(directed)
    data = text.read_bytes(path)
    if not data.strip():
        raise FormatError(f"{path}: file is empty")
    src, dst, _ = text.parse_edge_bytes(data, str(path), False, _header_lines(data))
    if src.shape[0] == 0:
        raise FormatError(f"{path}: no events found (only comments or blank lines)")
    events = int(src.shape[0])
    loops = int((src == dst).sum())
    # relabel over all event endpoints first, so nodes seen only in self-loops are kept
    both = np.concatenate([src, dst])
    ids, inv = np.unique(both, return_inverse=True)
    inv = inv.ravel().astype(np.int64)
    s, d, c = count_events(inv[:events], inv[events:], directed)
    g = Graph.from_edges(s, d, directed=directed, n=int(ids.shape[0]), weights=c.astype(np.float64),
                         node_ids=ids.astype(np.int64), relabel=False,
                         meta={"weights": "count", "events": events})
    g.report = BuildReport(input_edges=events, self_loops_dropped=loops,
                           duplicates_dropped=events - loops - int(s.shape[0]))
    return g
