"""The model registry: every generator, its parameters, their types and allowed ranges.

Each model function is declared with :func:`register_model`, which wraps it so that every
call (direct, through :func:`simulate.generators.generate`, or from the CLI) validates its
parameters first: an unknown name raises :class:`~simulate.errors.ParameterError` with a
"did you mean", a wrong type or an out-of-range value one naming the parameter and the
allowed range.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, field

import numpy as np

from ..errors import ParameterError
# The parameter type lives in simulate.params (shared with experiment kinds and configs).
from ..params import REQUIRED, ParamSpec, Rule, check_rules  # noqa: F401
from ..registry import did_you_mean


@dataclass(frozen=True)
class ModelSpec:
    """A registered generator: its name, public function, description, parameters and the
    node attributes its graphs carry.

    ``provides`` is a tuple of node-attribute requirements (:mod:`simulate.node_attributes`,
    e.g. ``("coord_*",)``), or a callable ``provides(params)`` returning one for the given
    parameters (defaults filled in), and, called with None, what some parameters provide.
    """

    name: str
    function: object
    description: str
    params: dict = field(default_factory=dict)
    provides: tuple | object = ()
    rules: tuple = ()
    retired: dict = field(default_factory=dict)
    build_bytes: object = None
    """Former parameter names -> why they went and what replaces them (a clean error, never ignored)."""
    revision: int = 1
    """Code revision of the model: bump it when a code change alters the graphs of the same
    parameters and seed (a changed default needs no bump: sweeps compare every resolved
    parameter). Sweep cells record it and are recomputed on resume when it differs
    (:func:`simulate.sweep.cells.model_fingerprint`)."""

    def node_attributes(self, params: dict | None = None) -> tuple:
        """The node attributes a graph of this model carries with ``params`` (requirement strings).

        ``params`` None: what the model can provide with some parameters (for hints and docs).
        Absent parameters take their defaults; values are not validated here.
        """
        if not callable(self.provides):
            return tuple(self.provides)
        if params is None:
            return tuple(self.provides(None))
        full = {k: ps.default for k, ps in self.params.items() if not ps.required}
        full.update(params)
        return tuple(self.provides(full))

    def validate(self, given: dict) -> dict:
        """Checked, converted keyword arguments with defaults filled in."""
        for key in given:
            if key in self.retired:
                raise ParameterError(f"parameter {key!r} of {self.name} was retired: {self.retired[key]}")
            if key not in self.params:
                raise ParameterError(f"{self.name} has no parameter {key!r}{did_you_mean(key, self.params)} "
                                     f"(parameters: {', '.join(self.params)})")
        out = {}
        for name, ps in self.params.items():
            if name in given:
                out[name] = ps.validate(given[name], self.name)
            elif ps.required:
                raise ParameterError(f"parameter {name!r} of {self.name} is required ({ps.allowed()})")
            else:
                out[name] = ps.default
        return out

    def check(self, values: dict) -> None:
        """ParameterError for the first cross-parameter :class:`Rule` that ``values``
        (validated, defaults filled) break."""
        check_rules(self.rules, values, self.name)

    def describe(self) -> str:
        """Multi-line text for ``smallworld generate --list``."""
        lines = [f"{self.name}: {self.description}"]
        for ps in self.params.values():
            default = "required" if ps.required else f"default {ps.default!r}"
            lines.append(f"    {ps.name:<14} {ps.allowed()}; {default}. {ps.doc}")
        for rule in self.rules:
            lines.append(f"    rule: {rule.text}")
        provided = self.node_attributes()
        if provided:
            from ..node_attributes import describe

            lines.append(f"    node attributes: {'; '.join(describe(e) for e in provided)}")
        return "\n".join(lines)


MODELS: dict[str, ModelSpec] = {}
"""Every registered model by name."""


def register_model(name, description, *params, provides=(), rules=(), retired=None, build_bytes=None,
                   revision=1):
    """Declare a model: wrap ``impl(seed=..., **params)`` with validation and register it.

    ``provides``: the node attributes its graphs carry (see :class:`ModelSpec`); each requirement
    string is parsed here, so a malformed one fails at import. ``rules`` are the model's
    cross-parameter :class:`Rule` s (``k`` even...), checked on every call after the single
    parameters, and by configs at load for every cell. ``retired`` maps former parameter names
    to the reason they went (what to write instead): giving one is a ParameterError/ConfigError
    with that reason, so an old config never runs with a silently changed meaning.
    ``build_bytes(values)``: the model's own peak-memory estimate for validated parameters, for
    builds that hold no edge list (default: :func:`simulate.memory.graph_bytes` of the expected
    size, which assumes one). ``revision``: the model's code revision (:attr:`ModelSpec.revision`).
    """
    from ..node_attributes import parse_requirement

    specs = {p.name: p for p in params}
    for entry in (provides(None) if callable(provides) else provides):
        parse_requirement(entry)
    rules = tuple(rules)
    for rule in rules:
        unknown = set(rule.keys) - set(specs)
        if unknown:
            raise TypeError(f"{name}: rule {rule.text!r} names unknown parameters {sorted(unknown)}")

    def decorate(impl):
        order = [p for p in inspect.signature(impl).parameters if p != "seed"]
        missing = set(order) ^ set(specs)
        if missing:
            raise TypeError(f"{name}: signature and ParamSpecs differ on {sorted(missing)}")

        @functools.wraps(impl)
        def public(*args, seed=0, **kwargs):
            if len(args) > len(order):
                raise ParameterError(f"{name} takes at most {len(order)} positional parameters")
            for key, val in zip(order, args):
                if key in kwargs:
                    raise ParameterError(f"parameter {key!r} of {name} given twice")
                kwargs[key] = val
            values = MODELS[name].validate(kwargs)
            MODELS[name].check(values)
            _require_memory_for(name, values)
            return impl(seed=check_seed(seed), **values)

        MODELS[name] = ModelSpec(name, public, description, specs, provides, rules, dict(retired or {}),
                                 build_bytes, int(revision))
        return public

    return decorate


def _expected_size(name, v):
    """(nodes, arcs) a model's parameters ask for, an upper-end estimate; None if unknown."""
    mean = float(v.get("mean_degree") or 0.0)
    if name == "kleinberg_lattice":
        n = int(v["side"]) ** int(v["dim"])
        return n, n * (2 * int(v["q"]) + (2 * int(v["p"]) + 1) ** int(v["dim"]))
    if name == "hierarchical_identity":
        n = v["n"] if v["n"] is not None else int(v["group_size"]) * int(v["branching"]) ** int(v["depth"])
        return n, int(n * mean) * 2
    n = v.get("n")
    if n is None:
        return None
    n = int(n)
    if name == "erdos_renyi":
        m = v["m"] if v.get("m") is not None else (v.get("p") or 0.0) * n * (n - 1) / 2
        return n, int(2 * m)
    if name == "watts_strogatz":
        return n, n * int(v["k"])
    if name == "barabasi_albert":
        return n, 2 * n * int(v["m"])
    if name in ("directed_follower", "power_law"):
        # directed_follower: mean_degree counts out-arcs per node; power_law: it is the mean of the
        # undirected degree, and each edge is two arcs, so arcs = n * mean_degree in both.
        return n, int(n * mean)
    return n, int(2 * n * mean)


def _require_memory_for(name, values):
    """MemoryLimitError before a generator allocates more than the limit (see simulate.memory)."""
    from ..memory import graph_bytes, require_memory

    size = _expected_size(name, values)
    estimate = MODELS[name].build_bytes
    if estimate is not None and size is not None:
        n, arcs = size
        require_memory(int(estimate(values)), f"{name} with {n:,} nodes and about {arcs:,} arcs")
    elif size is not None:
        n, arcs = size
        require_memory(graph_bytes(n, arcs), f"{name} with {n:,} nodes and about {arcs:,} arcs")


def check_seed(seed):
    """A non-negative int or a SeedSequence, else ParameterError."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed must be a non-negative integer or a numpy SeedSequence, got {seed!r}")
    return int(seed)


def numpy_rng(seed, key):
    """numpy Generator for vectorised draws outside kernels, separated from kernel streams by ``key``."""
    if isinstance(seed, np.random.SeedSequence):
        ss = np.random.SeedSequence(seed.entropy, spawn_key=tuple(seed.spawn_key) + (0xA0, key))
    else:
        ss = np.random.SeedSequence(seed, spawn_key=(0xA0, key))
    return np.random.Generator(np.random.PCG64(ss))


def seed_meta(seed):
    """JSON-able record of a seed for ``graph.meta``."""
    if isinstance(seed, np.random.SeedSequence):
        return {"entropy": str(seed.entropy), "spawn_key": list(seed.spawn_key)}
    return seed


MAX_NODES = 2**31 - 1
"""Largest node count (CSR indices are int32)."""


def graph_from_unique_edges(src, dst, n, directed=False, meta=None, node_attrs=None):
    """:class:`~simulate.Graph` from edges the generator guarantees unique and loop-free.

    Skips :meth:`Graph.from_edges`' symmetrising copy, per-row sort and dedupe
    (:func:`simulate.kernels.csr.csr_from_unique_edges`); the build report records the input
    edge count and nothing dropped. A broken guarantee raises ValueError, never a wrong graph.
    """
    from ..graph import BuildReport, Graph
    from ..kernels.csr import csr_from_unique_edges

    indptr, indices = csr_from_unique_edges(src, dst, int(n), not directed)
    return Graph(indptr, indices, directed, node_attrs=node_attrs, meta=meta,
                 report=BuildReport(input_edges=int(np.asarray(src).shape[0])))
