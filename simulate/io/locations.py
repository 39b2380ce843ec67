"""Per-node tables: user locations (lat/lon) and node labels, and attaching them to graphs.

Location files: ``user lat lon`` tab/space separated without header (Brightkite
``Brightkite_userLocations.txt``) or CSV with a header such as ``UserID,Latitude,Longitude``
(``gowalla_checkins_average.csv``). Label files: ``node label`` per line
(``email-Eu-core-department-labels.txt``).
"""

from __future__ import annotations

import io as _io
from pathlib import Path

import numpy as np
import polars as pl

from ..errors import FormatError, GraphError
from ..graph import Graph
from .delimited import _first_data_line, _following_lines, detect_header, sniff_delimiter
from .text import read_bytes


def _read_table(path, what):
    path = Path(path)
    data = read_bytes(path)
    if not data.strip(b"\xef\xbb\xbf \t\r\n"):
        raise FormatError(f"{path}: file is empty")
    lineno, first = _first_data_line(data)
    delim = sniff_delimiter(first, path)
    header = detect_header(first, delim, _following_lines(data, lineno))
    text = data.decode("utf-8", "replace").lstrip("\ufeff").replace("\r\n", "\n")
    lines = [ln for ln in text.split("\n") if ln.strip() and not ln.lstrip().startswith(("#", "%"))]
    if delim == " ":
        lines = ["\t".join(ln.split()) for ln in lines]
        delim = "\t"
    try:
        df = pl.read_csv(_io.BytesIO("\n".join(lines).encode()), separator=delim, has_header=header,
                         infer_schema=False, truncate_ragged_lines=True)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        raise FormatError(f"{path}: cannot parse {what} table ({str(exc).splitlines()[0]})") from None
    return path, df, int(header)


def _numeric(path, col: pl.Series, dtype, what, header_rows):
    out = col.str.strip_chars().cast(dtype, strict=False)
    bad = out.is_null() & col.is_not_null()
    if bad.any() or col.is_null().any():
        row = int(np.flatnonzero((bad | col.is_null()).to_numpy())[0])
        raise FormatError(f"{path}, data row {row + 1 + header_rows}: {what} is not a number: "
                          f"{col[row]!r}")
    return out


def read_locations(path, unknown_zero=True) -> pl.DataFrame:
    """Read a node location table.

    Parameters
    ----------
    path : str or Path
        Three columns: node id, latitude, longitude (degrees); tab, space or comma separated,
        with or without a header line (detected).
    unknown_zero : bool, default True
        Treat rows at exactly (0, 0) as unknown locations (lat and lon set to NaN): the
        Brightkite file marks users without a location that way.

    Returns
    -------
    polars.DataFrame
        Columns ``node_id`` (int64, or str when ids are not integers), ``lat``, ``lon``
        (float64 degrees), in file order.

    Notes
    -----
    O(rows). Brightkite locations: E. Malmi, A. Solin, A. Gionis, The Blind Leading the
    Blind: Network-Based Location Estimation under Uncertainty, ECML PKDD 2015.
    """
    path, df, hdr = _read_table(path, "location")
    if df.width < 3:
        raise FormatError(f"{path}: a location table needs 3 columns (node, lat, lon), found {df.width}")
    ids = df[:, 0].str.strip_chars()
    ids_int = ids.cast(pl.Int64, strict=False)
    if not ids_int.is_null().any():
        ids = ids_int
    lat = _numeric(path, df[:, 1], pl.Float64, "latitude", hdr)
    lon = _numeric(path, df[:, 2], pl.Float64, "longitude", hdr)
    out = pl.DataFrame({"node_id": ids, "lat": lat, "lon": lon})
    if ((out["lat"].abs() > 90) | (out["lon"].abs() > 180)).any():
        row = int(np.flatnonzero(((out["lat"].abs() > 90) | (out["lon"].abs() > 180)).to_numpy())[0])
        raise FormatError(f"{path}, data row {row + 1 + hdr}: latitude/longitude out of range "
                          f"(lat in [-90, 90], lon in [-180, 180])")
    if unknown_zero:
        zero = (out["lat"] == 0.0) & (out["lon"] == 0.0)
        out = out.with_columns(pl.when(zero).then(float("nan")).otherwise(pl.col("lat")).alias("lat"),
                               pl.when(zero).then(float("nan")).otherwise(pl.col("lon")).alias("lon"))
    return out


def read_node_labels(path, id_column=0, name="label") -> pl.DataFrame:
    """Read a per-node table such as ``node label`` (email-Eu-core departments) or the TIMME
    politician list (``name, twitter_id, twitter_name, party``).

    Parameters
    ----------
    path : str or Path
        Tab, space or comma separated; header detected.
    id_column : int or str, default 0
        Column holding the node label (position, or header name).
    name : str, default "label"
        Name for the value column when the file has no header (further columns: ``name_2``...).

    Returns
    -------
    polars.DataFrame
        ``node_id`` first, then the other columns in file order; each column is int64 when
        every value is an integer, else str.
    """
    path, df, hdr = _read_table(path, "label")
    if df.width < 2:
        raise FormatError(f"{path}: a node table needs at least 2 columns (node, value), found {df.width}")
    if isinstance(id_column, str):
        if not hdr or id_column not in df.columns:
            raise FormatError(f"{path}: no column {id_column!r} (columns: {df.columns if hdr else 'no header'})")
        id_column = df.columns.index(id_column)
    if not 0 <= id_column < df.width:
        raise FormatError(f"{path}: id column {id_column} out of range (file has {df.width} columns)")
    others = [j for j in range(df.width) if j != id_column]
    names = ["node_id"] + ([df.columns[j] for j in others] if hdr else
                           [name if k == 0 else f"{name}_{k + 1}" for k in range(len(others))])
    cols = {}
    for key, j in zip(names, [id_column] + others):
        col = df[:, j].str.strip_chars()
        as_int = col.cast(pl.Int64, strict=False)
        cols[key] = as_int if not as_int.is_null().any() else col
    return pl.DataFrame(cols)


def attach_node_table(graph: Graph, table: pl.DataFrame, on="node_id", fill=None) -> Graph:
    """New graph whose ``node_attrs`` gain the columns of ``table`` matched by node label.

    Parameters
    ----------
    graph : Graph
    table : polars.DataFrame
        Has column ``on`` with node labels (compared with ``graph.node_ids``, or with
        ``0..n-1`` when the graph has no labels); rows for labels not in the graph are
        ignored; a label listed twice keeps its first row.
    fill : dict, optional
        Value per column for nodes without a row (default null; NaN for float columns).

    Returns
    -------
    Graph
        Same structure (shares the CSR arrays), extended ``node_attrs``.
    """
    if on not in table.columns:
        raise GraphError(f"node table has no column {on!r} (columns: {table.columns})")
    ids = graph.node_ids if graph.node_ids is not None else np.arange(graph.n, dtype=np.int64)
    key = pl.Series(on, ids)
    right = table.unique(subset=[on], keep="first", maintain_order=True)
    if right[on].dtype != key.dtype:
        try:
            right = right.with_columns(pl.col(on).cast(key.dtype, strict=True))
        except pl.exceptions.InvalidOperationError:
            raise GraphError(f"node table labels ({right[on].dtype}) do not match the graph's "
                             f"labels ({key.dtype})") from None
    joined = pl.DataFrame([key]).join(right, on=on, how="left", maintain_order="left")
    new = joined.drop(on)
    fill = dict(fill or {})
    for c in new.columns:
        if new[c].dtype.is_float():
            fill.setdefault(c, float("nan"))
    if fill:
        new = new.with_columns([pl.col(c).fill_null(v) for c, v in fill.items() if c in new.columns])
    attrs = new if graph.node_attrs is None else pl.concat(
        [graph.node_attrs.drop([c for c in new.columns if c in graph.node_attrs.columns]), new],
        how="horizontal")
    return Graph(graph.indptr, graph.indices, graph.directed, node_ids=graph.node_ids,
                 node_attrs=attrs, weights=graph.weights, meta=graph.meta, report=graph.report)


def attach_locations(graph: Graph, locations: pl.DataFrame) -> Graph:
    """New graph with ``lat``/``lon`` node attributes (NaN where unknown).

    Parameters
    ----------
    graph : Graph
    locations : polars.DataFrame
        From :func:`read_locations` (``node_id``, ``lat``, ``lon``); ids are matched with
        the graph's labels; rows at (0, 0) count as unknown.

    Returns
    -------
    Graph
    """
    for c in ("node_id", "lat", "lon"):
        if c not in locations.columns:
            raise GraphError(f"locations table needs columns node_id, lat, lon (has {locations.columns})")
    loc = locations.select("node_id", pl.col("lat").cast(pl.Float64), pl.col("lon").cast(pl.Float64))
    zero = (pl.col("lat") == 0.0) & (pl.col("lon") == 0.0)
    loc = loc.with_columns(pl.when(zero).then(float("nan")).otherwise(pl.col("lat")).alias("lat"),
                           pl.when(zero).then(float("nan")).otherwise(pl.col("lon")).alias("lon"))
    return attach_node_table(graph, loc, on="node_id")
