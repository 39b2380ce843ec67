"""The model registry: every generator, its parameters, their types and allowed ranges.

Each model function is declared with :func:`register_model`, which wraps it so that every
call (direct, through :func:`simulate.generators.generate`, or from the CLI) validates its
parameters first: an unknown name raises :class:`~simulate.errors.ParameterError` with a
"did you mean", a wrong type or an out-of-range value one naming the parameter and the
allowed range.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import ParameterError


class _Required:
    def __repr__(self):
        return "REQUIRED"


REQUIRED = _Required()
"""Marker for a parameter without a default."""

_TYPES = {"int": int, "float": float, "bool": bool, "str": str}


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a model.

    Attributes
    ----------
    name : str
    type : type
        ``int``, ``float``, ``bool`` or ``str``.
    default : object
        Default value, :data:`REQUIRED`, or None (optional parameter, absent by default).
    low, high : number or None
        Inclusive bounds (None: unbounded).
    choices : tuple or None
        Allowed values for ``str`` parameters.
    doc : str
    objects_ok : bool
        Also accept non-scalar Python objects (a DataFrame of positions...) from the API.
    """

    name: str
    type: type
    default: object = REQUIRED
    low: float | None = None
    high: float | None = None
    choices: tuple | None = None
    doc: str = ""
    objects_ok: bool = False

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def allowed(self) -> str:
        """Human description of the allowed values, used in error messages and --list."""
        t = self.type.__name__
        if self.choices is not None:
            s = f"one of {', '.join(map(str, self.choices))}"
        elif self.type in (int, float) and (self.low is not None or self.high is not None):
            lo = "-inf" if self.low is None else _fmt(self.low)
            hi = "inf" if self.high is None else _fmt(self.high)
            s = f"{t} in [{lo}, {hi}]"
        else:
            s = t
        if self.default is None:
            s += " or none"
        return s

    def validate(self, value, model):
        """Return ``value`` converted to the parameter's type; ParameterError if not allowed."""
        where = f"parameter {self.name!r} of {model}"
        if value is None:
            if self.default is None:
                return None
            raise ParameterError(f"{where} must be {self.allowed()}, got none")
        if self.objects_ok and not isinstance(value, (str, bool, int, float, np.generic)):
            return value
        t = self.type
        if t is bool:
            if isinstance(value, (bool, np.bool_)):
                return bool(value)
            raise ParameterError(f"{where} must be true or false, got {value!r}")
        if t is int:
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer, float, np.floating)):
                raise ParameterError(f"{where} must be {self.allowed()}, got {value!r}")
            if isinstance(value, (float, np.floating)):
                if not math.isfinite(value) or not float(value).is_integer():
                    raise ParameterError(f"{where} must be {self.allowed()} (an integer), got {value!r}")
            value = int(value)
        elif t is float:
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer, float, np.floating)):
                raise ParameterError(f"{where} must be {self.allowed()}, got {value!r}")
            value = float(value)
            if math.isnan(value):
                raise ParameterError(f"{where} must be {self.allowed()}, got nan")
        elif t is str:
            if not isinstance(value, str):
                raise ParameterError(f"{where} must be {self.allowed()}, got {value!r}")
        if self.choices is not None and value not in self.choices:
            raise ParameterError(f"{where} must be {self.allowed()}, got {value!r}")
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            raise ParameterError(f"{where} must be {self.allowed()}, got {value!r}")
        return value

    def parse(self, text: str, model):
        """Convert command-line text to the parameter's type (then :meth:`validate`)."""
        s = text.strip()
        where = f"parameter {self.name!r} of {model}"
        if s.lower() in ("none", "null") and self.default is None:
            return None
        try:
            if self.type is bool:
                low = s.lower()
                if low in ("true", "yes", "1", "on"):
                    return True
                if low in ("false", "no", "0", "off"):
                    return False
                raise ValueError
            if self.type is int:
                f = float(s)
                if not f.is_integer():
                    raise ValueError
                return self.validate(int(s) if s.lstrip("+-").isdigit() else int(f), model)
            if self.type is float:
                return self.validate(float(s), model)
        except (ValueError, OverflowError):
            raise ParameterError(f"{where} must be {self.allowed()}, got {text!r}") from None
        return self.validate(s, model)


def _fmt(x):
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:g}" if isinstance(x, float) else str(x)


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
            if key not in self.params:
                close = difflib.get_close_matches(key, list(self.params), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise ParameterError(f"{self.name} has no parameter {key!r}{hint} "
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

    def describe(self) -> str:
        """Multi-line text for ``smallworld generate --list``."""
        lines = [f"{self.name}: {self.description}"]
        for ps in self.params.values():
            default = "required" if ps.required else f"default {ps.default!r}"
            lines.append(f"    {ps.name:<14} {ps.allowed()}; {default}. {ps.doc}")
        provided = self.node_attributes()
        if provided:
            lines.append(f"    node attributes: {'; '.join(provided)}")
        return "\n".join(lines)


MODELS: dict[str, ModelSpec] = {}
"""Every registered model by name."""


def register_model(name, description, *params, provides=()):
    """Declare a model: wrap ``impl(seed=..., **params)`` with validation and register it.

    ``provides``: the node attributes its graphs carry (see :class:`ModelSpec`); each requirement
    string is parsed here, so a malformed one fails at import.
    """
    from ..node_attributes import parse_requirement

    specs = {p.name: p for p in params}
    for entry in (provides(None) if callable(provides) else provides):
        parse_requirement(entry)

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
            _require_memory_for(name, values)
            return impl(seed=check_seed(seed), **values)

        MODELS[name] = ModelSpec(name, public, description, specs, provides)
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
    return n, int(2 * n * mean)


def _require_memory_for(name, values):
    """MemoryLimitError before a generator allocates more than the limit (see simulate.memory)."""
    from ..memory import graph_bytes, require_memory

    size = _expected_size(name, values)
    if size is not None:
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
