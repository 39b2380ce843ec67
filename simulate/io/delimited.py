"""CSV / TSV edge tables, with or without a header line, numeric or string node ids.

Numeric ids go through the Numba tokenizer (:mod:`simulate.io._parse`, > 5M edges/s);
anything else (string ids, quoted fields, named columns) goes through polars and is relabelled
to ``0..n-1`` with the original labels kept in ``graph.node_ids``.

The TIMME Twitter follow graph (``friend_list.csv``: tab-separated, header
``follower followee count``) is read by this module.
"""

from __future__ import annotations

import io as _io
from pathlib import Path

import numpy as np
import polars as pl

from ..errors import FormatError
from ..graph import Graph
from . import _parse
from .text import parse_error_message, read_bytes, tokenize_edges

_DELIMS = {"tab": "\t", "comma": ",", "semicolon": ";", "space": " "}


def _first_data_line(data: bytes):
    """(1-based line number, text) of the first line that is neither blank nor a comment."""
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    lineno = 0
    pos = start
    while pos < len(data):
        end = data.find(b"\n", pos)
        if end < 0:
            end = len(data)
        lineno += 1
        line = data[pos:end].rstrip(b"\r")
        stripped = line.strip()
        if stripped and not stripped.startswith((b"#", b"%")):
            return lineno, line.decode("utf-8", "replace")
        pos = end + 1
    return 0, ""


def sniff_delimiter(line: str, path=None) -> str:
    """Field separator: ``\\t`` for ``.tsv``, else the most frequent of tab, comma, semicolon
    in ``line``; a single space when none occurs (whitespace-separated)."""
    name = Path(path).name.lower() if path is not None else ""
    for c in (".gz", ".bz2", ".xz"):
        if name.endswith(c):
            name = name[: -len(c)]
    if name.endswith(".tsv"):
        return "\t"
    counts = {d: line.count(d) for d in ("\t", ",", ";")}
    best = max(counts, key=counts.get)
    return best if counts[best] else " "


def _split(line: str, delim: str):
    return line.split() if delim == " " else [f.strip() for f in line.split(delim)]


def _is_int(field: str) -> bool:
    return field.isdigit()


def _is_number(field: str) -> bool:
    try:
        float(field)
    except ValueError:
        return False
    return True


def detect_header(line: str, delim: str, following=()) -> bool:
    """Whether ``line`` (the first data line) is a header.

    Not when its first two fields are numbers. Otherwise yes when some ``following`` line
    starts with two numbers (a named header over numeric ids); for string ids, yes when
    neither of its first two fields occurs among the first two fields of the ``following``
    lines (a node id would normally recur). A file of one line is data.
    """
    fields = _split(line.strip("\ufeff"), delim)
    if len(fields) >= 2 and _is_number(fields[0]) and _is_number(fields[1]):
        return False
    rows = [_split(ln, delim)[:2] for ln in following]
    rows = [r for r in rows if len(r) == 2]
    if not rows:
        return False
    if any(_is_number(a) and _is_number(b) for a, b in rows):
        return True
    seen = {x.strip('"') for r in rows for x in r}
    return not ({f.strip('"') for f in fields[:2]} & seen)


#: First-line fields taken for column names even when no data row follows to confirm it.
COLUMN_NAMES = frozenset({"source", "target", "src", "dst", "from", "to", "u", "v", "node1", "node2",
                          "node_1", "node_2", "id1", "id2", "sender", "receiver", "follower", "followee",
                          "start", "end", "head", "tail", "weight"})


def _looks_like_column_names(line, delim, src, dst) -> bool:
    fields = [f.strip().strip('"').lower() for f in _split(line.strip("\ufeff"), delim)[:2]]
    named = {str(c).lower() for c in (src, dst) if isinstance(c, str)}
    return len(fields) == 2 and all(f in COLUMN_NAMES or f in named for f in fields)


def _following_lines(data: bytes, after_line: int, count=2000):
    """Up to ``count`` non-comment lines after 1-based line ``after_line`` (for sniffing)."""
    lines = data[:1 << 20].split(b"\n")[after_line:after_line + count]
    out = []
    for ln in lines:
        t = ln.decode("utf-8", "replace").strip()
        if t and not t.startswith(("#", "%")):
            out.append(t)
    return out


def _column_index(spec, names, what, path):
    if isinstance(spec, int):
        if not 0 <= spec < max(len(names), 1) and names:
            raise FormatError(f"{path}: {what} column {spec} out of range (file has {len(names)} columns)")
        return spec
    if spec in names:
        return names.index(spec)
    raise FormatError(f"{path}: no {what} column {spec!r} (columns: {names})")


def read_csv(path, directed=False, src=0, dst=1, weight=None, header=None, delimiter=None) -> Graph:
    """Read a delimited edge table (CSV, TSV, ``.gz``/``.bz2``/``.xz``).

    Parameters
    ----------
    path : str or Path
    directed : bool, default False
        Rows are ``source, target``; undirected graphs symmetrise them.
    src, dst : int or str, default 0 and 1
        Endpoint columns, by position or header name.
    weight : int, str or bool, optional
        Tie-strength column (``True`` = the third column). Default: unweighted.
    header : bool, optional
        Whether the first data line is a header; default: detected (see
        :func:`detect_header`; pass it explicitly for string ids, where a first edge and a
        header can look alike).
    delimiter : str, optional
        Field separator; default ``\\t`` for ``.tsv``, else sniffed from the first line
        (most frequent of tab, comma, semicolon; whitespace when none).

    Returns
    -------
    Graph
        Node labels (integers, or strings when any id is not an integer) in ``node_ids``.

    Notes
    -----
    Integer ids in the first two columns take the Numba tokenizer (one pass over the bytes,
    O(file size)); otherwise polars parses the table and ids are relabelled by sorting
    (O(m log m)). ``#``/``%`` comment lines are skipped on the numeric path.
    """
    path = Path(path)
    data = read_bytes(path)
    if not data.strip(b"\xef\xbb\xbf \t\r\n"):
        raise FormatError(f"{path}: file is empty")
    first_line_no, first = _first_data_line(data)
    if first_line_no == 0:
        raise FormatError(f"{path}: no edges found (only comments or blank lines)")
    delim = delimiter or sniff_delimiter(first, path)
    following = _following_lines(data, first_line_no)
    if header is None:
        header = detect_header(first, delim, following)
    if not following and (header or _looks_like_column_names(first, delim, src, dst)):
        # A header and no rows: an empty graph, not the edge "source - target".
        import warnings

        warnings.warn(f"{path}: a header and no data rows; read as a graph with no nodes", stacklevel=2)
        return Graph.from_edges(np.empty(0, np.int64), np.empty(0, np.int64), directed=directed, n=0)
    names = [f.strip('"') for f in _split(first.lstrip('\ufeff'), delim)] if header else []
    si = _column_index(src, names, "source", path)
    di = _column_index(dst, names, "target", path)
    wi = None
    if weight is True:
        wi = 2
    elif weight is not None and weight is not False:
        wi = _column_index(weight, names, "weight", path)
    fast = si == 0 and di == 1 and wi in (None, 2)
    if fast:
        skip = first_line_no if header else 0
        s, d, w, err, line = tokenize_edges(data, wi is not None, skip)
        # Non-integer ids (strings, quoted numbers) fall through to polars; any other defect
        # (too few fields, a bad weight) is reported with its line.
        if err and err != _parse.ERR_NOT_INTEGER:
            raise FormatError(parse_error_message(data, str(path), err, line))
        if not err:
            if s.shape[0] == 0:
                raise FormatError(f"{path}: no edges found (only comments or blank lines)")
            return Graph.from_edges(s, d, directed=directed, weights=w if wi is not None else None)
    return _read_with_polars(path, data, directed, si, di, wi, header, delim)


def _read_with_polars(path, data, directed, si, di, wi, header, delim):
    """String-id path: polars reads every column as text; ids become labels."""
    text = data.decode("utf-8", "replace").lstrip("\ufeff").replace("\r\n", "\n")
    lines = [ln for ln in text.split("\n") if ln.strip() and not ln.lstrip().startswith(("#", "%"))]
    if delim == " ":
        # Whitespace-separated: normalise runs of blanks to one tab for polars.
        lines = ["\t".join(ln.split()) for ln in lines]
        delim = "\t"
    body = "\n".join(lines).encode()
    try:
        df = pl.read_csv(_io.BytesIO(body), separator=delim, has_header=bool(header),
                         infer_schema=False, truncate_ragged_lines=True, quote_char='"')
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        raise FormatError(f"{path}: cannot parse as a delimited table ({str(exc).splitlines()[0]})") from None
    need = max(si, di, wi if wi is not None else 0)
    if df.width <= need:
        raise FormatError(f"{path}: expected at least {need + 1} columns, found {df.width}")
    s = df[:, si]
    d = df[:, di]
    bad = s.is_null() | d.is_null() | (s.str.strip_chars() == "") | (d.str.strip_chars() == "")
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise FormatError(f"{path}, data row {row + 1}: missing source or target")
    s = s.str.strip_chars()
    d = d.str.strip_chars()
    w = None
    if wi is not None:
        wcol = df[:, wi].str.strip_chars().cast(pl.Float64, strict=False)
        if wcol.is_null().any():
            row = int(np.flatnonzero(wcol.is_null().to_numpy())[0])
            raise FormatError(f"{path}, data row {row + 1}: weight is not a number")
        w = wcol.to_numpy()
    # Quoted or padded integers are still integers: keep them numeric when every id casts.
    si64 = s.cast(pl.Int64, strict=False)
    di64 = d.cast(pl.Int64, strict=False)
    if not (si64.is_null().any() or di64.is_null().any()):
        sa, da = si64.to_numpy(), di64.to_numpy()
    else:
        sa, da = s.to_numpy().astype(str), d.to_numpy().astype(str)
    if sa.shape[0] == 0:
        raise FormatError(f"{path}: no edges found")
    return Graph.from_edges(sa, da, directed=directed, weights=w, relabel=True)


def read_csv_format(path, directed):
    """Reader entry for :data:`simulate.io.READERS` (``csv``)."""
    return read_csv(path, directed=bool(directed))

