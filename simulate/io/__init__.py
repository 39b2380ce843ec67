"""Graph readers and writers, and the single entry points :func:`read_file` / :func:`write_graph`.

Files only: dataset names and generator specs are resolved one layer up, in
:mod:`simulate.sources` (``simulate.read_graph``), so this package never imports
:mod:`simulate.datasets`.

Formats (name: file names it is guessed from)

==========  ==========================================================================
native      ``*.swg`` directory: memory-mapped CSR (see :mod:`simulate.io.native`)
parquet     ``*.parquet``: edge table ``src``, ``dst``[, ``weight``]
snap        ``*.txt``, ``*.edges``, ``*.edgelist``, ``*.el``, ``*.dat`` (+ ``.gz``/``.bz2``/``.xz``):
            whitespace or tab separated integers, ``#``/``%`` comments
csv         ``*.csv``, ``*.tsv`` (+ compression): delimited table, header detected, string ids
            allowed (:mod:`simulate.io.delimited`)
gml         ``*.gml``: GML with node attributes (:mod:`simulate.io.gml`)
mat         ``*.mat``: MATLAB adjacency ``A`` + Facebook100 ``local_info`` (:mod:`simulate.io.matlab`)
jlg         ``*.jlg``: JuliaGraphs LG text, usually gzip (:mod:`simulate.io.jlg`)
konect      ``out.*`` files and KONECT ``.tar.bz2`` archives (:mod:`simulate.io.konect`)
snap-ego    SNAP ego-network archives such as ``facebook.tar.gz`` (:mod:`simulate.io.snap_ego`)
events      temporal event lists ``u v time``: weight = events per pair (:mod:`simulate.io.events`;
            never guessed from a name: ``--format events`` or ``--weights count``)
archive     ``*.tar.bz2``/``*.tar.gz``/``*.tgz``: KONECT if it has an ``out.*`` member, else
            a SNAP ego-network archive
==========  ==========================================================================

Further readers register themselves in :data:`READERS` (see the other modules of this package).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import FormatError, MissingFileError, UnknownFormatError
from ..graph import Graph
from ..registry import Registry
from . import delimited, events, gml, jlg, konect, matlab, native, snap_ego, text
from .locations import attach_locations, attach_node_table, read_locations, read_node_labels

__all__ = ["READERS", "WRITERS", "SUFFIXES", "guess_format", "read_file", "write_graph", "read_archive",
           "read_locations", "attach_locations", "read_node_labels", "attach_node_table"]

#: format name -> reader(path, directed) returning a Graph. ``directed`` may be None ("file default").
READERS: Registry = Registry("format", error=UnknownFormatError)
for _name, _reader in (
    ("native", lambda path, directed: native.read_native(path)),
    ("parquet", lambda path, directed: native.read_parquet_edges(path, directed)),
    ("snap", lambda path, directed: text.read_edgelist(path, directed=bool(directed))),
    ("csv", delimited.read_csv_format),
    ("gml", gml.read_gml),
    ("mat", matlab.read_mat),
    ("jlg", jlg.read_jlg),
    ("konect", konect.read_konect),
    ("snap-ego", snap_ego.read_ego_archive),
    ("events", events.read_event_counts),
    ("archive", lambda path, directed: read_archive(path, directed)),
):
    READERS.register(_name, _reader, module=__name__)
del _name, _reader


def read_archive(path, directed=None) -> Graph:
    """Read a tar archive: KONECT (has an ``out.*`` member) or a SNAP ego-network archive."""
    import tarfile

    path = Path(path)
    if not path.exists():
        raise MissingFileError(f"{path}: no such file")
    try:
        with tarfile.open(path, "r:*") as tar:
            names = [Path(m.name).name for m in tar.getmembers() if m.isfile()]
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise FormatError(f"{path}: not a readable tar archive ({exc})") from None
    if any(nm.startswith("out.") for nm in names):
        return konect.read_konect(path, directed)
    if any(nm.endswith(".edges") for nm in names):
        return snap_ego.read_ego_archive(path, directed)
    raise FormatError(f"{path}: archive holds neither a KONECT out.* file nor SNAP .edges files "
                      f"(members: {names[:6]})")


#: format name -> writer(graph, path)
WRITERS = {
    "native": native.write_native,
    "parquet": native.write_parquet_edges,
    "snap": text.write_edgelist,
}

#: (suffix, format), checked in order against the lower-cased file name.
SUFFIXES = [
    (".swg", "native"),
    (".parquet", "parquet"),
    (".pq", "parquet"),
    (".gml", "gml"),
    (".mat", "mat"),
    (".jlg", "jlg"),
    (".tar.bz2", "archive"),
    (".tar.gz", "archive"),
    (".tgz", "archive"),
    (".tbz2", "archive"),
    (".tar.xz", "archive"),
    (".tar", "archive"),
]

_COMPRESSION = (".gz", ".bz2", ".xz")
_TEXT_SUFFIXES = (".txt", ".edges", ".edgelist", ".el", ".dat")
_CSV_SUFFIXES = (".csv", ".tsv")


def guess_format(path) -> str:
    """Format name from a file name (raises FormatError if it cannot be guessed)."""
    name = Path(path).name.lower()
    for suffix, fmt in SUFFIXES:
        if name.endswith(suffix):
            return fmt
    base = name
    for c in _COMPRESSION:
        if base.endswith(c):
            base = base[: -len(c)]
    for suffix, fmt in SUFFIXES:
        if base.endswith(suffix):
            return fmt  # e.g. graph.gml.gz
    if base.endswith(_CSV_SUFFIXES):
        return "csv"
    if base.startswith("out."):
        return "konect"
    if base.endswith(_TEXT_SUFFIXES):
        return "snap"
    raise UnknownFormatError(f"{path}: cannot tell the format from the file name; pass format= "
                      f"(--format) one of: {', '.join(sorted(READERS))}")


def read_file(path, directed=None, format=None) -> Graph:
    """Read a graph file.

    Parameters
    ----------
    path : str or Path
        The file (or ``.swg`` directory).
    directed : bool, optional
        Force directed/undirected. Default: the file's own (native, Parquet), else undirected.
    format : str, optional
        Reader name (see :data:`READERS`); default guessed from the file name.

    Returns
    -------
    Graph

    Raises
    ------
    MissingFileError
        ``path`` does not exist.
    UnknownFormatError
        ``format`` has no reader, or none is given and the file name does not tell it.

    Notes
    -----
    Dataset names are resolved one layer up, by :func:`simulate.sources.read_graph` (which is
    ``simulate.read_graph``); this package knows only files.
    """
    path = Path(path)
    if not path.exists():
        raise MissingFileError(f"{path}: no such file")
    return READERS.get(format or guess_format(path))(path, directed)


def write_graph(graph: Graph, path, format=None):
    """Write ``graph`` to ``path`` (native ``.swg``, ``.parquet`` edges, or SNAP text). Atomic."""
    if format is None:
        try:
            format = guess_format(path)
        except FormatError:
            raise FormatError(f"{path}: cannot tell the output format from the file name; name it *.swg, "
                              f"*.parquet or *.txt[.gz], or choose one (--to native|parquet|snap)") from None
    fmt = format
    if fmt not in WRITERS:
        raise UnknownFormatError(f"cannot write format {fmt!r}; writable formats: {', '.join(sorted(WRITERS))}")
    WRITERS[fmt](graph, path)
