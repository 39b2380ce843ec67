"""Routing policies of Milgram-style chains: one declaration each, in :data:`POLICIES`.

A policy decides, for the holder of a message, which neighbour to forward it to, from local
information only: its neighbours' ids, degrees and attributes and the target's attributes.
Each :class:`RoutingPolicy` declaration gives

- ``kernel``: the name of its branch code in :mod:`simulate.kernels.routing` (``POLICY_*``);
- ``needs``: the node attributes it needs from the graph (a requirement of
  :mod:`simulate.node_attributes`, e.g. ``"coord_*"``) and ``meta``: graph meta keys;
- ``features``: how it builds the kernel's feature arrays from the graph;
- ``distances``: the same distance to a target, vectorised over nodes (for starters drawn
  by distance band), or None for the hop distance;
- ``summary``, ``doc`` and ``reference``: its documentation.

The CLI choices and ``--help``, the config schema, the error messages and the reference router
of the tests all read :data:`POLICIES`. A policy that needs attributes the graph lacks fails
in :func:`check_graph` before any chain runs; one the configured generator does not provide
fails when the config loads (:func:`check_provided`).

Adding a policy
---------------
1. If no existing kernel branch scores neighbours the way it needs, add a ``POLICY_*`` code
   and its branch to ``_score`` in :mod:`simulate.kernels.routing` (lower score is better).
2. Declare it here with :func:`declare` (name, kernel, needs, features, distances, docs).
3. Test it: a reference scorer in ``tests/naive.py`` (``CHAINS_REFERENCE_SCORES``) and a small
   graph in ``tests/test_chains.py`` (``policy_graphs``); the kernel-vs-reference test then
   covers it with attrition, epsilon and backtracking.

``tests/test_policies.py::test_a_policy_is_one_declaration`` declares a toy policy this way.

Module import is cheap (no Numba, no polars): the CLI builds its choices from it at start-up.
"""

from __future__ import annotations

import importlib
import re
import sys
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from . import node_attributes
from .errors import ParameterError
from .registry import Registry

#: Default attribute columns for ``greedy_attributes`` (those present are used).
FACEBOOK100_ATTRIBUTES = ("dorm", "year", "major", "high_school")


@dataclass
class PolicyFeatures:
    """What the routing kernel reads for one policy on one graph (see ``route_chains``).

    Attributes
    ----------
    code : int
        Kernel branch (``simulate.kernels.routing.POLICY_*``).
    feat_i : int64 array (n, k)
        Integer features: lattice coordinates, identities or attribute codes.
    feat_f : float64 array (n, k)
        Float features: (lat_rad, lon_rad, cos_lat) or (x, y).
    side, periodic : lattice side and wrap-around.
    branching : identity-tree branching ratio.
    spherical : greedy_geo on lat/lon (haversine) rather than x/y (Euclidean).
    used : list of str
        The node attribute columns used (provenance).
    """

    code: int
    feat_i: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    feat_f: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float64))
    side: int = 0
    periodic: bool = False
    branching: int = 2
    spherical: bool = False
    used: list = field(default_factory=list)

    def kernel_arguments(self) -> tuple:
        """``(feat_i, feat_f, side, periodic, branching, spherical)`` in ``route_chains`` order."""
        return (np.ascontiguousarray(self.feat_i), np.ascontiguousarray(self.feat_f), int(self.side),
                bool(self.periodic), int(self.branching), bool(self.spherical))


@dataclass(frozen=True)
class RoutingPolicy:
    """One routing policy (see the module docstring for the fields)."""

    name: str
    kernel: str
    summary: str
    needs: str | Callable | None = None
    meta: tuple = ()
    features: Callable | None = None
    distances: Callable | None = None
    doc: str = ""
    reference: str = ""
    kernel_variants: tuple = ()
    provided_by_hint: str = ""

    @property
    def code(self) -> int:
        """The kernel branch code (``simulate.kernels.routing.<kernel>``; imports the kernels)."""
        return int(getattr(importlib.import_module("simulate.kernels.routing"), self.kernel))

    def requirement(self, attributes=None) -> str | None:
        """The node-attribute requirement for this call (None: needs nothing)."""
        if callable(self.needs):
            return self.needs(attributes_list(attributes))
        return self.needs

    def needs_words(self, attributes=None) -> str:
        """``"coord_* node attributes"``, ``"... and graph meta 'branching'"``, or ``"nothing"``."""
        req = self.requirement(attributes)
        parts = [f"{node_attributes.describe(req)} node attributes"] if req else []
        parts += [f"graph meta {k!r}" for k in self.meta]
        return " and ".join(parts) or "nothing from the graph"


POLICIES: Registry[RoutingPolicy] = Registry("routing policy", ParameterError)
"""Every routing policy by name, in declaration order."""


def declare(policy: RoutingPolicy, registry: Registry | None = None) -> RoutingPolicy:
    """Register ``policy`` under its name in ``registry`` (default :data:`POLICIES`).

    The declaring module is the caller's, so one name declared from two modules is a TypeError.
    """
    module = sys._getframe(1).f_globals.get("__name__", "?")
    (POLICIES if registry is None else registry).register(policy.name, policy, module=module)
    return policy


def get(name) -> RoutingPolicy:
    """The policy named ``name``; ParameterError with "did you mean" and the known names if none."""
    return POLICIES.get(name)


def names() -> tuple:
    """Registered policy names, in declaration order (CLI choices, config choices)."""
    return POLICIES.names()


def help_text() -> str:
    """Two lines per policy (name and summary; what it needs), for ``--help`` texts and docs."""
    width = max((len(n) for n in POLICIES.names()), default=0) + 2
    return "\n".join(f"{p.name:<{width}}{p.summary}\n{'':<{width}}needs {p.needs_words()}"
                     for p in POLICIES.values())


def attributes_list(attributes):
    """``attributes`` as a list of column names (a comma-separated string is split), or None."""
    if attributes is None:
        return None
    if isinstance(attributes, str):
        return [a.strip() for a in attributes.split(",") if a.strip()]
    return [str(a) for a in attributes]


# ------------------------------------------------------------------ requirement checks
def _providers(requirement) -> list:
    """Generators whose declared attributes meet ``requirement`` under their defaults (for hints)."""
    from .generators import MODELS

    out = []
    for name, spec in MODELS.items():
        try:
            provided = spec.node_attributes()
        except Exception:  # a model whose attributes depend on a required parameter
            continue
        if node_attributes.satisfied_by(provided, requirement):
            out.append(name)
    return out


def check_graph(policy, graph, attributes=None) -> RoutingPolicy:
    """The policy, after checking that ``graph`` carries what it needs.

    Raises ParameterError ``"policy P needs coord_* node attributes (...)"`` naming what is
    missing, the columns the graph has and the generators that provide them. Deeper checks
    (values, dimensions) happen when the features are built, still before any chain runs.
    """
    p = get(policy) if isinstance(policy, str) else policy
    req = p.requirement(attributes)
    cols = [] if graph.node_attrs is None else list(graph.node_attrs.columns)
    if req:
        gone = node_attributes.missing_columns(cols, req)
        if gone:
            providers = _providers(req)
            alts = node_attributes.parse_requirement(req)
            partial = len(alts) == 1 and len(gone) < len(alts[0])
            hint = f"missing {', '.join(repr(g) for g in gone)}; " if partial else ""
            hint += f"the graph has columns {', '.join(cols)}" if cols else "the graph has no node attributes"
            if providers:
                hint += f"; generators that provide them: {', '.join(providers)}"
            raise ParameterError(f"policy {p.name} needs {p.needs_words(attributes)} ({hint})")
    for key in p.meta:
        if key not in graph.meta:
            raise ParameterError(f"policy {p.name} needs {p.needs_words(attributes)} "
                                 f"(graph meta has no {key!r}; generators that provide it: "
                                 f"{', '.join(_providers(req)) if req else 'none'})")
    return p


def check_provided(policy, provided, source: str, attributes=None) -> None:
    """ParameterError unless a graph source providing ``provided`` meets ``policy``'s needs.

    ``provided`` are requirement strings (a generator's ``ModelSpec.node_attributes(params)``);
    ``source`` names the source in the message (``"generator watts_strogatz"``).
    """
    p = get(policy) if isinstance(policy, str) else policy
    req = p.requirement(attributes)
    if req and not node_attributes.satisfied_by(provided, req):
        have = ", ".join(node_attributes.describe(e) for e in provided) or "no node attributes"
        providers = _providers(req)
        tail = f"; generators that do: {', '.join(providers)}" if providers else ""
        raise ParameterError(f"policy {p.name} needs {p.needs_words(attributes)}, which {source} "
                             f"does not provide (it provides {have}{tail})")


def check_generator(policy, model: str, params: dict | None = None, attributes=None) -> None:
    """:func:`check_provided` for generator ``model`` with ``params`` (defaults filled in)."""
    from .generators import model_spec

    check_provided(policy, model_spec(model).node_attributes(params or {}), f"generator {model}",
                   attributes)


def build_features(policy, graph, attributes=None) -> PolicyFeatures:
    """Check ``graph`` against ``policy`` and build its kernel features (no chain runs before this)."""
    p = check_graph(policy, graph, attributes)
    if p.features is None:
        return PolicyFeatures(p.code)
    return p.features(graph, p, attributes_list(attributes))


def distances_to(policy, graph, feats: PolicyFeatures, t: int):
    """The policy's distance from every node to internal id ``t`` (float64, lower = closer),
    or None when the policy has no geometry (callers use the hop distance)."""
    p = get(policy) if isinstance(policy, str) else policy
    return None if p.distances is None else p.distances(graph, feats, int(t))


# ------------------------------------------------------------------ feature helpers
def int_column(df, col) -> np.ndarray:
    """int64 codes of a node attribute column: integers as is (null -> 0), booleans 0/1, other
    values coded 1.. per distinct value with null and "" -> 0 (missing, never matches)."""
    import polars as pl

    s = df[col]
    if s.dtype.is_integer():
        return s.fill_null(0).to_numpy().astype(np.int64)
    if s.dtype == pl.Boolean:
        return s.cast(pl.Int64).fill_null(0).to_numpy()
    s = s.cast(pl.String)
    codes = s.rank("dense").fill_null(0).to_numpy().astype(np.int64)
    codes[(s == "").fill_null(False).to_numpy()] = 0
    return codes


def _numbered(cols, prefix):
    return sorted((c for c in cols if re.fullmatch(rf"{prefix}_\d+", c)), key=lambda c: int(c[len(prefix) + 1:]))


# ------------------------------------------------------------------ greedy_lattice
def _lattice_features(graph, policy, attributes):
    attrs = graph.node_attrs
    cols = list(attrs.columns)
    n = graph.n
    dim = int(graph.meta.get("dim", len(_numbered(cols, "coord"))))
    want = [f"coord_{j}" for j in range(max(dim, 1))]
    missing = [c for c in want if c not in cols]
    if missing:
        raise ParameterError(f"policy {policy.name} needs {policy.needs_words()} "
                             f"(meta dim = {dim}, missing {missing[0]})")
    feat_i = np.column_stack([int_column(attrs, c) for c in want])
    periodic = bool(graph.meta.get("periodic", False))
    side = int(graph.meta.get("side", int(feat_i.max()) + 1 if n else 1))
    if periodic and side <= 0:
        raise ParameterError("a periodic lattice needs meta['side'] >= 1")
    code = policy.code
    ids = np.arange(n, dtype=np.int64)
    if side >= 1 and n == side ** len(want) and all(
            np.array_equal(feat_i[:, j], (ids // side ** j) % side) for j in range(len(want))):
        # Row-major layout: the kernel computes coordinates from ids (same distances, one cache
        # miss less per neighbour); feat_i then only carries the dimension (its number of columns).
        from .kernels import routing

        code = routing.POLICY_GREEDY_LATTICE_ROW_MAJOR
        feat_i = np.zeros((1, len(want)), dtype=np.int64)
    return PolicyFeatures(code, feat_i=feat_i, side=side, periodic=periodic, used=want)


def _lattice_distances(graph, feats, t):
    feat_i = feats.feat_i
    side = feats.side
    if feat_i.shape[0] != graph.n:  # row-major variant: coordinates from ids
        ids = np.arange(graph.n, dtype=np.int64)
        feat_i = np.column_stack([(ids // side ** j) % side for j in range(feat_i.shape[1])])
    x = np.abs(feat_i - feat_i[t])
    if feats.periodic:
        x = np.minimum(x, side - x)
    return x.sum(axis=1).astype(np.float64)


# ------------------------------------------------------------------ greedy_geo
def _geo_features(graph, policy, attributes):
    import polars as pl

    attrs = graph.node_attrs
    cols = attrs.columns
    if "lat" in cols and "lon" in cols:
        lat = np.radians(attrs["lat"].cast(pl.Float64).to_numpy())
        lon = np.radians(attrs["lon"].cast(pl.Float64).to_numpy())
        feats = PolicyFeatures(policy.code, feat_f=np.column_stack([lat, lon, np.cos(lat)]), spherical=True,
                               used=["lat", "lon"])
    else:
        feats = PolicyFeatures(policy.code, feat_f=np.column_stack([attrs["x"].cast(pl.Float64).to_numpy(),
                                                                    attrs["y"].cast(pl.Float64).to_numpy()]),
                               used=["x", "y"])
    if not np.all(np.isfinite(feats.feat_f)):
        raise ParameterError(f"policy {policy.name}: node attributes {feats.used} contain missing or non-finite values")
    return feats


def _geo_distances(graph, feats, t):
    f = feats.feat_f
    if feats.spherical:
        s1 = np.sin(0.5 * (f[:, 0] - f[t, 0]))
        s2 = np.sin(0.5 * (f[:, 1] - f[t, 1]))
        return s1 * s1 + f[:, 2] * f[t, 2] * s2 * s2
    return ((f - f[t]) ** 2).sum(axis=1)


# ------------------------------------------------------------------ greedy_hierarchy
def _hierarchy_features(graph, policy, attributes):
    idents = _numbered(graph.node_attrs.columns, "identity")
    branching = int(graph.meta["branching"])
    if branching < 2:
        raise ParameterError(f"meta branching must be >= 2, got {branching}")
    feat_i = np.column_stack([int_column(graph.node_attrs, c) for c in idents])
    if feat_i.min(initial=0) < 0:
        raise ParameterError("identity attributes must be >= 0 (leaf indices)")
    return PolicyFeatures(policy.code, feat_i=feat_i, branching=branching, used=idents)


def _hierarchy_distances(graph, feats, t):
    feat_i, b = feats.feat_i, feats.branching
    best = np.full(graph.n, np.inf)
    for j in range(feat_i.shape[1]):  # H dimensions, vectorised over nodes
        a = feat_i[:, j].copy()
        c = int(feat_i[t, j])
        h = np.zeros(graph.n, dtype=np.float64)
        differ = a != c
        while differ.any():  # at most depth rounds
            h += differ
            a //= b
            c //= b
            differ = a != c
        best = np.minimum(best, h)
    return best


# ------------------------------------------------------------------ greedy_attributes
def _attributes_needed(attributes):
    return "|".join(FACEBOOK100_ATTRIBUTES) if attributes is None else ",".join(attributes)


def _attributes_features(graph, policy, attributes):
    if attributes is None:
        attributes = [c for c in FACEBOOK100_ATTRIBUTES if c in graph.node_attrs.columns]
    if not attributes:
        raise ParameterError(f"policy {policy.name} needs at least one attribute column")
    feat_i = np.column_stack([int_column(graph.node_attrs, c) for c in attributes])
    return PolicyFeatures(policy.code, feat_i=feat_i, used=list(attributes))


def _attributes_distances(graph, feats, t):
    ft = feats.feat_i[t]
    return -((feats.feat_i == ft) & (ft != 0)).sum(axis=1).astype(np.float64)


# ------------------------------------------------------------------ declarations
declare(RoutingPolicy(
    name="random_walk",
    kernel="POLICY_RANDOM_WALK",
    summary="a uniformly random eligible neighbour (self-avoiding)",
    doc="Every eligible neighbour ties; the chain's stream picks one. The blind-search baseline.",
))

declare(RoutingPolicy(
    name="greedy_lattice",
    kernel="POLICY_GREEDY_LATTICE",
    kernel_variants=("POLICY_GREEDY_LATTICE_ROW_MAJOR",),
    summary="the neighbour nearest the target in lattice (Manhattan) distance",
    needs="coord_*",
    features=_lattice_features,
    distances=_lattice_distances,
    doc="Manhattan distance on node attributes coord_0 .. coord_{dim-1}, periodic-aware with graph "
        "meta 'side' and 'periodic' (default: side = largest coordinate + 1, not periodic). On a "
        "row-major lattice (coord_i = (id // side^i) % side, as kleinberg_lattice builds it) the "
        "kernel computes coordinates from ids (branch POLICY_GREEDY_LATTICE_ROW_MAJOR; same choices).",
    reference="Kleinberg, Nature 406, 845 (2000), doi:10.1038/35022643",
))

declare(RoutingPolicy(
    name="greedy_geo",
    kernel="POLICY_GREEDY_GEO",
    summary="the neighbour nearest the target geographically",
    needs="lat,lon|x,y",
    features=_geo_features,
    distances=_geo_distances,
    doc="Great-circle (haversine) distance on lat/lon in degrees, else Euclidean on x/y.",
    reference="Liben-Nowell et al., PNAS 102, 11623 (2005), doi:10.1073/pnas.0503018102",
))

declare(RoutingPolicy(
    name="greedy_hierarchy",
    kernel="POLICY_GREEDY_HIERARCHY",
    summary="the neighbour socially closest to the target over identity hierarchies",
    needs="identity_*",
    meta=("branching",),
    features=_hierarchy_features,
    distances=_hierarchy_distances,
    doc="Social distance min_h x_h over dimensions identity_0 ..; x_h is the height of the lowest "
        "common ancestor of the two leaf indices in a tree of branching meta['branching'].",
    reference="Watts, Dodds, Newman, Science 296, 1302 (2002), doi:10.1126/science.1070120",
))

declare(RoutingPolicy(
    name="greedy_attributes",
    kernel="POLICY_GREEDY_ATTRIBUTES",
    summary="the neighbour sharing the most attributes with the target",
    needs=_attributes_needed,
    features=_attributes_features,
    distances=_attributes_distances,
    doc="Number of attribute columns equal to the target's (0, null and empty = missing, never "
        f"matches); columns from 'attributes', default those of {', '.join(FACEBOOK100_ATTRIBUTES)} "
        "present (Facebook100).",
    reference="Traud, Mucha, Porter, Physica A 391, 4165 (2012), doi:10.1016/j.physa.2011.12.021 (data)",
))

declare(RoutingPolicy(
    name="max_degree",
    kernel="POLICY_MAX_DEGREE",
    summary="the highest out-degree neighbour (hub seeking)",
    doc="Needs nothing but the graph; distance bands for starters use the hop distance.",
    reference="Adamic et al., Phys. Rev. E 64, 046135 (2001), doi:10.1103/PhysRevE.64.046135",
))
