"""What each implicit population model's router supports: one declaration per model.

An implicit population (:mod:`simulate.implicit`) routes chains with its own kernels, which
implement some of the routing policies of :data:`simulate.policies.POLICIES` and some of the
chain options of :func:`simulate.chains.run_chains`, in one or both modes (*quenched*: one fixed
population; *annealed*: contacts redrawn at each visit). :data:`IMPLICIT_ROUTING` declares, per
model, the policies and options with the modes where each applies, and the model's defaults.
Everything else reads it:

- :func:`check_routing`: the error a user gets ("policy 'greedy_geo' is not available on implicit
  model kleinberg_lattice; available: greedy_lattice, random_walk (quenched only)"), before any
  chain runs, from ``run_chains`` and when a config loads;
- ``smallworld chains --help`` (defaults per model) and ``--list-models``;
- the ``[graph] implicit`` sections of ``docs/configs.md``;
- :func:`simulate.implicit.register_implicit`, which refuses a model without a declaration here
  (and a declaration without a model is a test failure).

Module import is cheap (no Numba, no polars): the CLI builds its help from it at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import ParameterError
from .registry import Registry

MODES = ("quenched", "annealed")

#: Chain options an implicit router may support, by :func:`simulate.chains.run_chains` keyword
#: (``node_attrition`` and ``attrition_by_strength`` are the :class:`~simulate.chains.Attrition`
#: fields ``per_node`` and ``by_strength``; ``source_groups`` the :class:`~simulate.chains.Starters`
#: field), with what each means, for messages and docs.
ROUTING_OPTIONS = {
    "attrition": "constant attrition per holder",
    "node_attrition": "per-person attrition, Attrition.per_node",
    "attrition_by_strength": "transit loss by tie strength, Attrition.by_strength",
    "epsilon": "epsilon-greedy mixing",
    "backtrack": "backtracking at dead ends",
    "min_strength": "minimum tie strength",
    "attributes": "attribute columns",
    "record_paths": "recorded paths",
    "source_groups": "starters by distance band (by identity heights on hierarchical_identity), "
                     "Starters.source_groups",
}


@dataclass(frozen=True)
class ImplicitRouting:
    """What one implicit model's router can do.

    Attributes
    ----------
    model : str
        The implicit model's name (:data:`simulate.implicit.IMPLICIT_MODELS`).
    policies : dict of str -> tuple of str
        Routing policy (a name of :data:`simulate.policies.POLICIES`) -> the modes where the
        model's router implements it.
    options : dict of str -> tuple of str
        Chain option (a key of :data:`ROUTING_OPTIONS`) -> the modes where it applies; an
        option not listed applies in no mode.
    default_mode, default_policy : str
        Used when none is given.
    max_steps_default : str
        The default step cap, in words (``--help``).
    why_not : dict of str -> str
        Optional reasons an option or policy is not available (appended to the error).
    """

    model: str
    policies: dict
    options: dict = field(default_factory=dict)
    default_mode: str = "quenched"
    default_policy: str = ""
    max_steps_default: str = ""
    why_not: dict = field(default_factory=dict)

    def __post_init__(self):
        from . import policies as _policies

        for name, modes in {**self.policies, **self.options}.items():
            if not modes or any(m not in MODES for m in modes):
                raise TypeError(f"implicit routing of {self.model}: modes of {name!r} must be a non-empty subset of "
                                f"{MODES}, got {modes!r}")
        for name in self.policies:
            if name not in _policies.POLICIES:
                raise TypeError(f"implicit routing of {self.model} declares unknown policy {name!r} "
                                f"(known: {', '.join(_policies.names())})")
        for name in self.options:
            if name not in ROUTING_OPTIONS:
                raise TypeError(f"implicit routing of {self.model} declares unknown option {name!r} "
                                f"(known: {', '.join(ROUTING_OPTIONS)})")
        if self.default_policy not in self.policy_names(self.default_mode):
            raise TypeError(f"implicit routing of {self.model}: default policy {self.default_policy!r} does not "
                            f"route in the default mode {self.default_mode!r}")

    def modes(self) -> tuple:
        """Modes where at least one policy routes, in :data:`MODES` order."""
        return tuple(m for m in MODES if any(m in ms for ms in self.policies.values()))

    def policy_names(self, mode=None) -> tuple:
        """Declared policies (those routing in ``mode`` when given)."""
        return tuple(p for p, ms in self.policies.items() if mode is None or mode in ms)

    @staticmethod
    def _where(modes) -> str:
        return "" if tuple(modes) == MODES else f" ({', '.join(modes)} only)"

    def describe_policies(self) -> str:
        """``"greedy_lattice, random_walk (quenched only)"``."""
        return ", ".join(p + self._where(ms) for p, ms in self.policies.items())

    def describe_options(self) -> str:
        """``"attrition, epsilon, backtrack (quenched only)"`` or ``"none"``."""
        return ", ".join(o + self._where(ms) for o, ms in self.options.items()) or "none"


IMPLICIT_ROUTING: Registry[ImplicitRouting] = Registry("implicit population model", ParameterError)
"""The routing declaration of every implicit model, by model name."""


def declare_routing(routing: ImplicitRouting) -> ImplicitRouting:
    """Register ``routing`` under its model's name (one declaration per model)."""
    return IMPLICIT_ROUTING.register(routing.model, routing, module=__name__)


def _given(value) -> bool:
    if value is None or value is False:
        return False
    if isinstance(value, (str, list, tuple, dict, np.ndarray)) or not isinstance(value, (int, float, np.number)):
        return True
    return value != 0


def check_routing(model, mode, policy, **options) -> ImplicitRouting:
    """The model's declaration, after checking that its router runs ``policy`` with ``options``
    in ``mode``; ParameterError otherwise.

    ``options``: :data:`ROUTING_OPTIONS` keywords with the values given; None, False and 0
    count as not given. Messages name the policy or option, the model and the mode, and what is
    available.
    """
    from . import policies as _policies

    routing = IMPLICIT_ROUTING.get(model)
    if mode not in MODES or mode not in routing.modes():
        raise ParameterError(f"mode {mode!r} is not available on implicit model {model} "
                             f"(available: {', '.join(routing.modes())})")
    if policy not in routing.policies:
        _policies.get(policy)  # an unknown name: "did you mean" and the known names
        why = routing.why_not.get(policy)
        raise ParameterError(f"policy {policy!r} is not available on implicit model {model}"
                             f"{' (' + why + ')' if why else ''}; available: {routing.describe_policies()}")
    if mode not in routing.policies[policy]:
        raise ParameterError(f"policy {policy!r} is not available on implicit model {model} in mode {mode!r} "
                             f"(only {', '.join(routing.policies[policy])}); available in mode {mode!r}: "
                             f"{', '.join(routing.policy_names(mode))}")
    for name, value in options.items():
        if name not in ROUTING_OPTIONS:
            raise TypeError(f"unknown routing option {name!r} (known: {', '.join(ROUTING_OPTIONS)})")
        if not _given(value):
            continue
        modes = routing.options.get(name, ())
        if mode not in modes:
            where = (f"in mode {mode!r} (only {', '.join(modes)})" if modes else "in any mode")
            why = routing.why_not.get(name)
            raise ParameterError(f"{name} ({ROUTING_OPTIONS[name]}) is not available on implicit model {model} "
                                 f"{where}{': ' + why if why else ''}")
    return routing


def help_defaults() -> str:
    """``"kleinberg_lattice: quenched, greedy_lattice; ..."``: each model's default mode and policy."""
    return "; ".join(f"{r.model}: {r.default_mode}, {r.default_policy}" for r in IMPLICIT_ROUTING.values())


# ------------------------------------------------------------------ declarations
_BOTH = MODES

declare_routing(ImplicitRouting(
    model="kleinberg_lattice",
    policies={"greedy_lattice": _BOTH, "random_walk": ("quenched",)},
    options={"attrition": _BOTH, "node_attrition": _BOTH, "epsilon": _BOTH, "backtrack": ("quenched",),
             "record_paths": _BOTH},
    why_not={"backtrack": "annealed contacts are redrawn when the message comes back; use mode quenched",
             **{k: "tie levels come from common neighbours, which a population that is never stored cannot "
                   "count" for k in ("attrition_by_strength", "min_strength")},
             "source_groups": "ranking everyone by distance to the target visits the whole population"},
    default_mode="quenched",
    default_policy="greedy_lattice",
    max_steps_default="dim x side (greedy with p >= 1 always arrives within it)",
))

declare_routing(ImplicitRouting(
    model="hierarchical_identity",
    policies={"greedy_hierarchy": _BOTH, "random_walk": ("quenched",)},
    options={"attrition": _BOTH, "node_attrition": _BOTH, "epsilon": _BOTH, "backtrack": ("quenched",),
             "record_paths": ("quenched",), "source_groups": _BOTH},
    why_not={"backtrack": "annealed contacts are redrawn when the message comes back; use mode quenched",
             "record_paths": "annealed chains record no paths; use mode quenched",
             **{k: "tie levels come from common neighbours, which a population that is never stored cannot "
                   "count" for k in ("attrition_by_strength", "min_strength")}},
    default_mode="annealed",
    default_policy="greedy_hierarchy",
    max_steps_default="1000",
))
