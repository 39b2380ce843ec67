"""Rank-based geographic friendship (Liben-Nowell et al. 2005)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl

from ..errors import ParameterError
from ..graph import Graph
from ..kernels.generators import geographic as _k
from ..kernels.generators.alias import alias_build
from ..kernels.random import stream_states
from .registry import MAX_NODES, ParamSpec, Rule, numpy_rng, register_model, seed_meta

#: First spawn-key entry of this model's random streams (one distinct tag per model).
STREAM_TAG = 7
_NODE_BLOCK = 512
EXACT_RINGS = 6
"""Ranks whose neighbour lies within this many grid rings are resolved exactly."""
MAX_EXACT = 4096
"""Largest candidate set for an exact rank query (denser spots use the ring approximation)."""


@register_model(
    "rank_geographic",
    "Liben-Nowell et al. 2005 rank-based friendship: P(u->v) ~ rank_u(v)^-alpha, plus a share of uniform links.",
    ParamSpec("positions", str, default=None, objects_ok=True,
              doc="Locations: a file (parquet/csv with lat,lon or x,y) or, from Python, a DataFrame or (n,2) array; none: generated."),
    ParamSpec("n", int, default=None, low=0, high=MAX_NODES, doc="Nodes to place when positions is none."),
    ParamSpec("alpha", float, default=1.0, low=0.0, high=20.0, doc="Rank exponent (paper: ~1)."),
    ParamSpec("mean_degree", float, default=10.0, low=0.0, high=1e6, doc="Mean out-links per node."),
    ParamSpec("geo_fraction", float, default=2.0 / 3.0, low=0.0, high=1.0,
              doc="Share of links that are rank-based; the rest are uniform (paper: about 1/3 uniform)."),
    ParamSpec("layout", str, default="uniform", choices=("uniform", "clustered"),
              doc="Generated positions: uniform or Gaussian clusters in the unit square."),
    ParamSpec("clusters", int, default=20, low=1, high=MAX_NODES, doc="Cluster count for layout=clustered."),
    ParamSpec("cluster_spread", float, default=0.03, low=0.0, high=10.0, doc="Cluster standard deviation (unit square)."),
    ParamSpec("undirected", bool, default=False, doc="Symmetrise links (default: directed u -> v)."),
    # generated points: x, y; given positions: their lat, lon or x, y
    provides=lambda p: ("x,y",) if p is not None and p.get("positions") is None else ("lat,lon|x,y",),
    rules=[Rule(("n", "positions"), "give exactly one of 'positions' and 'n'",
                lambda v: (v["positions"] is None) != (v["n"] is None),
                lambda v: ("rank_geographic: give 'positions' or 'n', not both" if v["n"] is not None else
                           "rank_geographic needs 'positions' or 'n' (number of generated points)"))],
)
def rank_geographic(positions=None, n=None, alpha=1.0, mean_degree=10.0, geo_fraction=2.0 / 3.0,
                    layout="uniform", clusters=20, cluster_spread=0.03, undirected=False, *, seed=0) -> Graph:
    """Rank-based friendship network over real or generated locations.

    Parameters
    ----------
    positions : str, Path, polars.DataFrame or ndarray, optional
        Node locations: a DataFrame (or parquet/CSV file) with columns ``lat``, ``lon``
        (degrees) or ``x``, ``y``; or an (n, 2) array of x, y. None: ``n`` generated points.
    n : int, optional
        Number of generated points (only without ``positions``).
    alpha : float
        Exponent: P(u -> v) ~ rank_u(v)^-alpha, rank_u(v) = number of nodes closer to u than
        v is (1 for the nearest). The paper finds alpha ~ 1 for LiveJournal.
    mean_degree : float
        Mean number of out-links per node (each node makes floor(z) or ceil(z) links).
    geo_fraction : float
        Probability that a link is rank-based; otherwise its target is uniform over all
        other nodes (Liben-Nowell et al.: about a third of LiveJournal friendships are
        independent of geography, hence the default 2/3).
    layout : {"uniform", "clustered"}
        Generated points: uniform in the unit square, or ``clusters`` Gaussian clusters with
        standard deviation ``cluster_spread`` around uniform centres (clipped to the square).
    undirected : bool
        Symmetrise (default: a directed graph, as LiveJournal's friend lists).
    seed : int or numpy.random.SeedSequence

    Returns
    -------
    Graph
        Node attributes ``lat``, ``lon`` (when given) or ``x``, ``y``; ``meta``: model
        "rank_geographic", n, alpha, mean_degree, geo_fraction, layout, seed.

    Notes
    -----
    D. Liben-Nowell, J. Novak, R. Kumar, P. Raghavan, A. Tomkins, "Geographic routing in
    social networks", PNAS 102, 11623 (2005), doi:10.1073/pnas.0503018102.

    Sampling in O(log n) per link. A rank rho in 1..n-1 is drawn with P(rho) ~ rho^-alpha
    (alias table), then u's rho-th nearest neighbour is located on a uniform grid of about
    2 points per cell with a summed-area table of cell counts: binary search for the
    smallest square of t rings of cells around u's cell holding rho other points. If
    t <= 6 (ranks up to a few hundred) the neighbour is found *exactly* (all points within
    the square's circumradius, quickselect). Beyond, a point is drawn uniformly from ring t
    (the approximation: its true rank lies between the counts inside rings t-1 and t, a
    factor ((2t+1)/(2t-1))^2 <= 1.2 apart, smoothing P(rho) inside that range); the same
    fallback is used where more than 4096 points share the neighbourhood (duplicate
    locations). tests/test_generators.py compares the realised ranks with brute force.
    Lat/lon are ranked in the equirectangular plane (x = lon cos(mean lat), y = lat), which
    preserves rank order locally. Repeated picks collapse (``graph.report``).
    """
    px, py, attrs, source = _positions(positions, n, layout, clusters, cluster_spread, seed)
    n = px.shape[0]
    rng = numpy_rng(seed, STREAM_TAG)
    k = math.floor(mean_degree)
    links = np.full(n, k, dtype=np.int64) + (rng.random(n) < mean_degree - k)
    if n <= 1:
        links[:] = 0
    link_ptr = np.concatenate([[0], np.cumsum(links)]).astype(np.int64)
    meta = {"model": "rank_geographic", "n": n, "alpha": alpha, "mean_degree": mean_degree,
            "geo_fraction": geo_fraction, "layout": source, "undirected": undirected,
            "seed": seed_meta(seed)}
    if link_ptr[-1] == 0:
        e = np.empty(0, dtype=np.int64)
        return Graph.from_edges(e, e, directed=not undirected, n=n, relabel=False, node_attrs=attrs, meta=meta)
    dst = rank_links(px, py, link_ptr, alpha, geo_fraction, seed)
    src = np.repeat(np.arange(n, dtype=np.int64), links)
    return Graph.from_edges(src, dst, directed=not undirected, n=n, relabel=False, node_attrs=attrs, meta=meta)


def rank_links(px, py, link_ptr, alpha, geo_fraction, seed):
    """Raw targets of the rank-based links (repeats kept), as in :func:`rank_geographic`.

    Node u's ``link_ptr[u+1] - link_ptr[u]`` targets are ``out[link_ptr[u]:link_ptr[u+1]]``.
    """
    n = px.shape[0]
    g = max(1, int(math.ceil(math.sqrt(n / 2.0))))
    x0, y0 = float(px.min()), float(py.min())
    cw = (float(px.max()) - x0) / g or 1.0
    ch = (float(py.max()) - y0) / g or 1.0
    cx = np.minimum((px - x0) / cw, g - 1).astype(np.int64)
    cy = np.minimum((py - y0) / ch, g - 1).astype(np.int64)
    cell = cy * g + cx
    order = np.argsort(cell, kind="stable").astype(np.int64)
    counts = np.bincount(cell, minlength=g * g)
    cell_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    sat = np.zeros((g + 1, g + 1), dtype=np.int64)
    sat[1:, 1:] = counts.reshape(g, g).cumsum(0).cumsum(1)
    ranks = np.arange(1, n, dtype=np.float64)
    rank_prob, rank_alias = alias_build(np.exp(-alpha * np.log(ranks)))
    nb = (n + _NODE_BLOCK - 1) // _NODE_BLOCK
    return _k.rank_geographic_links(np.ascontiguousarray(px, dtype=np.float64), np.ascontiguousarray(py, dtype=np.float64),
                                    cy, cx, order, sat.ravel(), np.int64(g), cell_ptr, cw, ch,
                                    np.asarray(link_ptr, dtype=np.int64), float(geo_fraction), rank_prob, rank_alias,
                                    np.int64(EXACT_RINGS), np.int64(MAX_EXACT), _NODE_BLOCK,
                                    stream_states(seed, nb, (STREAM_TAG,)))


def _positions(positions, n, layout, clusters, spread, seed):
    """Plane coordinates (float64 x, y), the node attribute table and a layout label."""
    if positions is None:  # exactly one of positions and n (a declared rule)
        rng = numpy_rng(seed, STREAM_TAG + 100)
        if layout == "uniform":
            xy = rng.random((n, 2))
        else:
            centres = rng.random((clusters, 2))
            xy = np.clip(centres[rng.integers(0, clusters, size=n)] + rng.normal(0.0, spread, (n, 2)), 0.0, 1.0)
        return xy[:, 0].copy(), xy[:, 1].copy(), pl.DataFrame({"x": xy[:, 0], "y": xy[:, 1]}), layout
    if isinstance(positions, (str, Path)):
        positions = _read_positions(positions)
    if isinstance(positions, np.ndarray):
        arr = np.asarray(positions, dtype=np.float64)
        if arr.ndim != 2 or arr.shape[1] != 2:
            raise ParameterError(f"parameter 'positions' of rank_geographic must be an (n, 2) array, got shape {arr.shape}")
        positions = pl.DataFrame({"x": arr[:, 0], "y": arr[:, 1]})
    if not isinstance(positions, pl.DataFrame):
        raise ParameterError(f"parameter 'positions' of rank_geographic must be a path, polars DataFrame or array, got {type(positions).__name__}")
    cols = set(positions.columns)
    if {"lat", "lon"} <= cols:
        lat = positions["lat"].cast(pl.Float64).to_numpy()
        lon = positions["lon"].cast(pl.Float64).to_numpy()
        if not (np.isfinite(lat).all() and np.isfinite(lon).all()):
            raise ParameterError("parameter 'positions' of rank_geographic: lat/lon must be finite (drop missing locations first)")
        scale = math.cos(math.radians(float(lat.mean()))) if lat.shape[0] else 1.0
        return lon * scale, lat.copy(), pl.DataFrame({"lat": lat, "lon": lon}), "given"
    if {"x", "y"} <= cols:
        x = positions["x"].cast(pl.Float64).to_numpy()
        y = positions["y"].cast(pl.Float64).to_numpy()
        if not (np.isfinite(x).all() and np.isfinite(y).all()):
            raise ParameterError("parameter 'positions' of rank_geographic: x/y must be finite")
        return x.copy(), y.copy(), pl.DataFrame({"x": x, "y": y}), "given"
    raise ParameterError(f"parameter 'positions' of rank_geographic needs columns lat, lon or x, y; got {positions.columns}")


def _read_positions(path):
    from ..io.locations import read_locations

    df = read_locations(path)
    return df if isinstance(df, pl.DataFrame) else pl.DataFrame(df)
