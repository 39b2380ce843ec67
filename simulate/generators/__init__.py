"""Synthetic small-world graph generators (the model zoo), all seeded and Numba-backed.

Every model is a public function taking its parameters and ``seed`` and returning a
:class:`simulate.Graph`; :data:`MODELS` describes them (for configs, sweeps and
``smallworld generate --list``) and :func:`generate` calls one by name::

    from simulate.generators import generate, kleinberg_lattice
    g = generate("watts_strogatz", seed=1, n=1000, k=10, p=0.1)
    h = kleinberg_lattice(side=100, r=2.0, seed=1)

Parameters are validated on every call: an unknown name, a wrong type or an out-of-range
value raises :class:`simulate.errors.ParameterError` naming the parameter and its range.
"""

from __future__ import annotations

from .random_graphs import erdos_renyi  # noqa: I001  (import order = order of MODELS)
from .watts_strogatz import watts_strogatz
from .preferential import barabasi_albert
from .power_law import power_law
from .kleinberg import kleinberg_lattice
from .hierarchical import hierarchical_identity
from .geographic import rank_geographic
from .follower import directed_follower
from .networking import networking_population
from .facebook import facebook_like
from .bter_fit import BterTargets, bter, bter_from_graph, bter_targets, facebook_like_bter
from .registry import MODELS, REQUIRED, ModelSpec, ParamSpec
from ..errors import ParameterError
from ..registry import did_you_mean
from ..kernels.generators.hierarchical import social_distance, tree_distance


def generate(model, /, seed=0, **params):
    """Generate a graph from the model named ``model`` with ``params`` (validated) and ``seed``.

    Raises
    ------
    ParameterError
        Unknown model or parameter (with a "did you mean"), a missing required parameter, a
        wrong type or a value outside the allowed range.
    """
    return model_spec(model).function(seed=seed, **params)


def model_spec(model) -> ModelSpec:
    """The :class:`ModelSpec` of ``model``; ParameterError naming the known models if unknown."""
    if model not in MODELS:
        raise ParameterError(f"unknown model {model!r}{did_you_mean(model, MODELS)} (models: {', '.join(MODELS)})")
    return MODELS[model]


def parse_params(model, pairs) -> dict:
    """Turn ``["NAME=VALUE", ...]`` (command-line text) into typed parameters of ``model``."""
    return parse_spec_params(model_spec(model), pairs)


def parse_spec_params(spec: ModelSpec, pairs) -> dict:
    """:func:`parse_params` for a given :class:`ModelSpec` (also implicit population models)."""
    model = spec.name
    out = {}
    for item in pairs:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParameterError(f"parameter {item!r} must look like NAME=VALUE")
        if name not in spec.params:
            spec.validate({name: None})  # raises the "did you mean" error
        out[name] = spec.params[name].parse(text, model)
    return out


def describe_models() -> str:
    """Text listing every model and its parameters (name, type, range, default, doc)."""
    return "\n\n".join(spec.describe() for spec in MODELS.values())


__all__ = ["MODELS", "REQUIRED", "ModelSpec", "ParamSpec", "generate", "model_spec", "parse_params",
           "describe_models", "erdos_renyi", "watts_strogatz", "barabasi_albert", "power_law",
           "kleinberg_lattice", "hierarchical_identity", "rank_geographic", "directed_follower", "facebook_like",
           "BterTargets", "bter", "bter_from_graph", "bter_targets", "facebook_like_bter", "tree_distance", "social_distance"]
