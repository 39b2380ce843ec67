"""SNAP ego-network archives (``facebook.tar.gz``): per-ego ``.edges`` files plus ego links.

SNAP's ego-Facebook archive holds, for each ego ``E``, ``E.edges`` (alter-alter friendships,
one ``a b`` per line, the ego itself absent), ``E.feat`` (one row per alter: its id, then
features), ``E.circles``, ``E.egofeat`` and ``E.featnames``. The combined graph is the union
of every ``E.edges`` plus an edge from each ego to each of its alters (``E.feat`` rows); for
ego-Facebook this reproduces ``facebook_combined.txt`` exactly (4,039 nodes, 88,234 edges).
"""

from __future__ import annotations

import tarfile
from pathlib import Path

import numpy as np
import polars as pl

from ..errors import FormatError, MissingFileError
from ..graph import Graph
from .text import parse_edge_bytes


def read_ego_archive(path, directed=None) -> Graph:
    """Rebuild the combined graph from a SNAP ego-network ``.tar.gz``.

    Parameters
    ----------
    path : str or Path
    directed : bool, optional
        Default False (ego-Facebook is undirected). For directed archives (ego-Twitter,
        ego-Gplus) pass True: ``.edges`` lines are arcs and ego links point ego -> alter.

    Returns
    -------
    Graph
        ``node_ids`` are the SNAP ids; ``node_attrs`` has a boolean column ``is_ego``.

    Notes
    -----
    O(archive size). J. McAuley, J. Leskovec, Learning to Discover Social Circles in Ego
    Networks, NIPS 2012.
    """
    path = Path(path)
    if not path.exists():
        raise MissingFileError(f"{path}: no such file")
    srcs, dsts, egos = [], [], []
    try:
        with tarfile.open(path, "r:*") as tar:
            members = {Path(m.name).name: m for m in tar.getmembers() if m.isfile()}
            ego_names = sorted(nm[: -len(".edges")] for nm in members if nm.endswith(".edges"))
            if not ego_names:
                raise FormatError(f"{path}: no SNAP ego-network .edges members in the archive")
            for ego in ego_names:
                if not ego.isdigit():
                    raise FormatError(f"{path}: ego name {ego!r} is not an integer id")
                e = int(ego)
                egos.append(e)
                data = tar.extractfile(members[f"{ego}.edges"]).read()
                s, d, _ = parse_edge_bytes(data, f"{path}:{ego}.edges")
                srcs.append(s)
                dsts.append(d)
                feat = members.get(f"{ego}.feat")
                if feat is not None:
                    # The first field of every .feat row is an alter id.
                    fdata = tar.extractfile(feat).read()
                    alters = np.array([ln.split(None, 1)[0] for ln in fdata.splitlines() if ln.strip()],
                                      dtype=np.bytes_).astype(np.int64)
                    srcs.append(np.full(alters.shape[0], e, dtype=np.int64))
                    dsts.append(alters)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise FormatError(f"{path}: not a readable tar archive ({exc})") from None
    except ValueError as exc:
        raise FormatError(f"{path}: a .feat row does not start with an integer id ({exc})") from None
    src = np.concatenate(srcs)
    dst = np.concatenate(dsts)
    g = Graph.from_edges(src, dst, directed=bool(directed))
    is_ego = np.isin(g.node_ids, np.asarray(egos, dtype=np.int64))
    return Graph(g.indptr, g.indices, g.directed, node_ids=g.node_ids,
                 node_attrs=pl.DataFrame({"is_ego": is_ego}), report=g.report)
