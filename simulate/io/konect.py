"""KONECT ``out.*`` edge files, plain or inside KONECT's ``.tar.bz2`` download archives.

An ``out.NAME`` file starts with ``%`` comment lines: the first says the structure and
weights (``% sym unweighted``, ``% asym positive``, ``% bip unweighted``), the second, when
present, the size (``% m n1 n2``). Data lines are ``u v [weight [time]]`` with 1-based ids.
``sym`` = undirected, ``asym`` = directed, ``bip`` = bipartite (undirected; the right-hand
ids are shifted past the left-hand ones).
"""

from __future__ import annotations

import re
import tarfile
from pathlib import Path

import numpy as np

from ..errors import FormatError, MissingFileError
from ..graph import Graph
from .text import parse_edge_bytes, read_bytes

_WEIGHTED = ("positive", "posweighted", "signed", "weighted", "multiweighted")


def parse_konect_header(data: bytes) -> dict:
    """``{"structure": sym|asym|bip|None, "weights": str|None, "m", "n1", "n2"}`` from the
    leading ``%`` lines (missing values are None)."""
    out = {"structure": None, "weights": None, "m": None, "n1": None, "n2": None}
    comments = []
    pos = 0
    while pos < len(data) and len(comments) < 2:
        end = data.find(b"\n", pos)
        end = len(data) if end < 0 else end
        line = data[pos:end].strip()
        pos = end + 1
        if not line:
            continue
        if not line.startswith(b"%"):
            break
        comments.append(line[1:].decode("utf-8", "replace").split())
    if comments and comments[0] and comments[0][0] in ("sym", "asym", "bip"):
        out["structure"] = comments[0][0]
        out["weights"] = comments[0][1] if len(comments[0]) > 1 else None
    if len(comments) > 1 and len(comments[1]) >= 3 and all(re.fullmatch(r"\d+", x) for x in comments[1][:3]):
        out["m"], out["n1"], out["n2"] = (int(x) for x in comments[1][:3])
    return out


def konect_member(path):
    """Name of the ``out.*`` member of a KONECT tar archive (FormatError if none)."""
    try:
        with tarfile.open(path, "r:*") as tar:
            names = [m.name for m in tar.getmembers() if m.isfile()]
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise FormatError(f"{path}: not a readable tar archive ({exc})") from None
    outs = [nm for nm in names if Path(nm).name.startswith("out.")]
    if not outs:
        raise FormatError(f"{path}: archive has no KONECT out.* member (members: {names[:6]})")
    return outs[0]


def _archive_bytes(path):
    member = konect_member(path)
    with tarfile.open(path, "r:*") as tar:
        fh = tar.extractfile(member)
        return fh.read(), member


def is_tar(path) -> bool:
    name = Path(path).name.lower()
    return name.endswith((".tar", ".tar.bz2", ".tbz2", ".tar.gz", ".tgz", ".tar.xz"))


def read_konect(path, directed=None, weighted=False) -> Graph:
    """Read a KONECT ``out.*`` file or the ``out.*`` member of a KONECT tar archive.

    Parameters
    ----------
    path : str or Path
        ``out.NAME`` (plain or compressed) or a ``.tar.bz2``/``.tar.gz`` archive.
    directed : bool, optional
        Default from the header: ``asym`` directed, ``sym``/``bip`` undirected; undirected
        when the file has no header.
    weighted : bool, default False
        Read the third column as tie strength.

    Returns
    -------
    Graph
        When the header gives the node count, nodes are ``0..n-1`` for KONECT ids ``1..n``
        (isolated nodes kept; ``node_ids`` = ``1..n``); otherwise ids are relabelled.

    Notes
    -----
    O(file size) with the Numba tokenizer. J. Kunegis, KONECT - The Koblenz Network
    Collection, WWW Companion 2013, doi:10.1145/2487788.2488173.
    """
    path = Path(path)
    if is_tar(path):
        if not path.exists():
            raise MissingFileError(f"{path}: no such file")
        data, member = _archive_bytes(path)
        name = f"{path}:{member}"
    else:
        data = read_bytes(path)
        name = str(path)
    if not data.strip():
        raise FormatError(f"{name}: file is empty")
    head = parse_konect_header(data)
    if head["n1"] is not None:
        from ..memory import graph_bytes, require_memory

        declared = head["n1"] + (head["n2"] if head["structure"] == "bip" else 0)
        require_memory(graph_bytes(declared, 2 * (head["m"] or 0)),
                       f"{name}: a graph of {declared:,} nodes and {head['m'] or 0:,} edges (as its header declares)")
    if directed is None:
        directed = head["structure"] == "asym"
    src, dst, w = parse_edge_bytes(data, name, weighted=weighted)
    if src.shape[0] == 0:
        raise FormatError(f"{name}: no edges found")
    if head["n1"] is not None and src.min() >= 1 and dst.min() >= 1:
        n1, n2 = head["n1"], head["n2"]
        if head["structure"] == "bip":
            if src.max() <= n1 and dst.max() <= n2:
                n = n1 + n2
                return Graph.from_edges(src - 1, dst - 1 + n1, directed=directed, n=n, weights=w,
                                        node_ids=np.arange(1, n + 1, dtype=np.int64), relabel=False)
        elif n1 == n2 and max(src.max(), dst.max()) <= n1:
            return Graph.from_edges(src - 1, dst - 1, directed=directed, n=n1, weights=w,
                                    node_ids=np.arange(1, n1 + 1, dtype=np.int64), relabel=False)
    return Graph.from_edges(src, dst, directed=directed, weights=w)
