"""Preferential attachment (Barabasi-Albert)."""

from __future__ import annotations

import numpy as np

from ..graph import BuildReport, Graph
from ..kernels.generators import preferential as _k
from ..kernels.random import stream_states
from .registry import MAX_NODES, ParamSpec, Rule, register_model, seed_meta

#: First spawn-key entry of this model's random streams (one distinct tag per model).
STREAM_TAG = 3


@register_model(
    "barabasi_albert",
    "Barabasi-Albert 1999 linear preferential attachment: each new node links to m existing nodes chosen proportionally to degree.",
    ParamSpec("n", int, low=2, high=MAX_NODES, doc="Number of nodes (> m)."),
    ParamSpec("m", int, low=1, high=MAX_NODES - 1, doc="Edges added per new node (< n)."),
    provides=(),
    rules=[Rule(("m", "n"), "m < n", lambda v: v["m"] < v["n"],
                lambda v: f"parameter 'm' of barabasi_albert must be an int in [1, n - 1 = {v['n'] - 1}], got {v['m']}")],
)
def barabasi_albert(n, m, *, seed=0) -> Graph:
    """Barabasi-Albert preferential-attachment graph, undirected.

    Parameters
    ----------
    n : int
        Number of nodes, n > m.
    m : int
        Edges each new node brings, m >= 1.
    seed : int or numpy.random.SeedSequence

    Returns
    -------
    Graph
        Undirected with m + (n - m - 1) m edges. ``meta``: model, n, m, seed, and
        ``"initial": "star"``.

    Notes
    -----
    As networkx's ``barabasi_albert_graph``: the process starts from a *star* on m + 1
    nodes (node 0 joined to 1..m); node s = m+1, ..., n-1 then draws m distinct targets
    uniformly from the list of all edge endpoints so far (each node appears once per unit
    of degree: the "repeated nodes" trick of Batagelj & Brandes 2005,
    doi:10.1103/PhysRevE.71.036113), i.e. with probability proportional to degree.
    Degree distribution P(k) ~ 2 m^2 k^-3 (Barabasi & Albert, Science 286, 509 (1999),
    doi:10.1126/science.286.5439.509). O(n m) expected, serial (each step depends on the
    previous ones).
    """
    # CSR written straight from the process (rows sorted by construction; the same graph as
    # graph_from_unique_edges on barabasi_albert_edges, tested).
    indptr, indices = _k.barabasi_albert_csr(np.int64(n), np.int64(m), stream_states(seed, 1, (STREAM_TAG,))[0])
    meta = {"model": "barabasi_albert", "n": n, "m": m, "initial": "star", "seed": seed_meta(seed)}
    return Graph(indptr, indices, False, meta=meta, report=BuildReport(input_edges=int(indices.shape[0] // 2)))
