"""The experiment-kind registry: what one sweep cell can run.

Each kind is declared once, next to its code, with :func:`declare_kind`:

- its parameters (:class:`~simulate.params.ParamSpec`, the ``[experiment]`` keys besides ``kind``);
- its cross-parameter :class:`~simulate.params.Rule` s, checked for every cell when a config loads;
- a ``run(graph, params, seed) -> (table, summary)`` adapter over the public function;
- its main metrics (the default columns of ``smallworld results summarize``).

The config schema, ``simulate.sweep.run_experiment``, ``smallworld results summarize`` and the
generated ``docs/configs.md`` all read :data:`KINDS`. Declared today: ``graph``
(:mod:`simulate.graph_statistics`), ``distances`` (:mod:`simulate.distances`), ``chains``
(:mod:`simulate.chains`), ``profiles`` (:mod:`simulate.reach`), ``percolation`` (:mod:`simulate.ties`),
``networking`` (:mod:`simulate.networking`); :func:`experiment_kinds`
imports the modules that declare kinds (:data:`KIND_MODULES`).

Adding a kind: declare it at the end of its module and name the module in :data:`KIND_MODULES`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable

from .errors import ParameterError
from .params import ParamSpec, Rule, check_rules
from .registry import Registry

#: Modules that declare experiment kinds, imported by :func:`experiment_kinds` (kept as names so
#: that this module stays below them: they import :func:`declare_kind` from here).
KIND_MODULES = ("simulate.graph_statistics", "simulate.distances", "simulate.chains", "simulate.reach",
                "simulate.ties", "simulate.networking")

KINDS: Registry = Registry("experiment kind", ParameterError)
"""Every declared experiment kind by name (see :func:`experiment_kinds` to have them all loaded)."""


@dataclass(frozen=True)
class SourceRule:
    """A rule between the ``[graph]`` source and a kind's parameters, checked for every cell at load
    (e.g. a routing policy needs node attributes the configured generator does not provide).

    Attributes
    ----------
    key : str
        The ``[experiment]`` parameter an error is reported at (config line).
    problem : callable
        ``problem(graph, params) -> str | None``: the message when the rule is broken, else None;
        ``graph`` is the validated ``[graph]`` table (its source key and parameters as given),
        ``params`` the kind's resolved (default-filled) parameters.
    """

    key: str
    problem: Callable[[dict, dict], str | None]


@dataclass(frozen=True)
class ExperimentKind:
    """A declared experiment kind.

    Attributes
    ----------
    name : str
        The ``[experiment] kind`` value.
    description : str
        One paragraph for docs.
    params : dict of str -> ParamSpec
        The ``[experiment]`` keys besides ``kind``, in declaration order.
    run : callable
        ``run(graph, params, seed) -> (polars.DataFrame, dict)``: the per-row table and the
        summary of one cell; ``params`` are the resolved (default-filled) keys without ``kind``.
    metrics : tuple of str
        Main summary metrics, shown by default by ``smallworld results summarize``.
    rules : tuple of Rule
        Cross-parameter rules, checked on the resolved parameters of every cell at load.
    table : str
        What one row of the cell table is (docs).
    source_rules : tuple of SourceRule
        Rules between the graph source and the parameters, checked for every cell at load.
    """

    name: str
    description: str
    params: dict
    run: Callable
    metrics: tuple = ()
    rules: tuple = ()
    table: str = ""
    module: str = field(default="?", compare=False)
    source_rules: tuple = ()

    def check(self, params: dict) -> None:
        """ParameterError for the first rule the resolved ``params`` break."""
        check_rules(self.rules, params, f"experiment kind {self.name!r}")


def declare_kind(name, description, params, run, metrics=(), rules=(), table="", source_rules=()) -> ExperimentKind:
    """Declare (register) an experiment kind; a name declared from two modules is a TypeError.

    ``params`` is a sequence of :class:`ParamSpec`; every rule may only name declared parameters.
    """
    specs = {}
    for p in params:
        if not isinstance(p, ParamSpec):
            raise TypeError(f"kind {name!r}: parameters must be ParamSpecs, got {p!r}")
        if p.name in specs or p.name == "kind":
            raise TypeError(f"kind {name!r}: parameter {p.name!r} declared twice (or named 'kind')")
        specs[p.name] = p
    rules = tuple(rules)
    for rule in rules:
        if not isinstance(rule, Rule) or set(rule.keys) - set(specs):
            raise TypeError(f"kind {name!r}: rule {rule!r} must be a Rule over declared parameters")
    source_rules = tuple(source_rules)
    for rule in source_rules:
        if not isinstance(rule, SourceRule) or rule.key not in specs:
            raise TypeError(f"kind {name!r}: source rule {rule!r} must be a SourceRule at a declared parameter")
    module = getattr(run, "__module__", None) or "?"
    kind = ExperimentKind(name, description, specs, run, tuple(metrics), rules, table, module,
                          source_rules=source_rules)
    return KINDS.register(name, kind, module=module)


def experiment_kinds() -> Registry:
    """:data:`KINDS` with every kind of :data:`KIND_MODULES` declared."""
    for module in KIND_MODULES:
        importlib.import_module(module)
    return KINDS


def kind_names() -> tuple:
    """Names of every declared kind, in :data:`KIND_MODULES` order (stable whatever was imported first)."""
    kinds = experiment_kinds()
    order = {m: i for i, m in enumerate(KIND_MODULES)}
    return tuple(sorted(kinds.names(), key=lambda n: order.get(kinds.module_of(n), len(order))))


def experiment_kind(name) -> ExperimentKind:
    """The declared kind ``name``; ParameterError naming the known kinds (and the closest) if none."""
    return experiment_kinds().get(name)
