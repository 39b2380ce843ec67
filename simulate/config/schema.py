"""Config schema: the keys of every section and their checks, derived from the registries.

``[graph]`` keys come from the graph source (dataset, file) or the generator's own
:class:`~simulate.params.ParamSpec` s (:data:`simulate.generators.MODELS`); ``[experiment]`` keys from
the declared experiment kind (:mod:`simulate.kinds`). A table is checked key by key (type, range,
choices), then against the cross-parameter :class:`~simulate.params.Rule` s of its generator or kind
with every default filled in. Errors are placed at file, line, section and key by a
:class:`~simulate.config.locator.Locator`.

:func:`resolve_graph` / :func:`resolve_experiment` give what identifies a cell (and its seeds):
:data:`HASHED_DEFAULTS` says which defaults are part of that identity.
"""

from __future__ import annotations

import copy
from pathlib import Path

from ..errors import ConfigError
from ..generators import MODELS
from ..kinds import experiment_kinds, kind_names
from ..params import REQUIRED, InvalidValue, ParamSpec
from ..params import show as _show
from ..params import type_word as _type_word
from ..registry import did_you_mean as _did_you_mean

#: Sections a config may contain, in the order :func:`dump_config` writes them.
SECTIONS = ("graph", "experiment", "sweep", "output", "quick")

#: Keys of ``[graph]`` that choose where the graph comes from (exactly one must be given).
GRAPH_SOURCES = ("dataset", "file", "generator", "implicit")

# ---------------------------------------------------------------------------- schemas
TOP_KEYS = {
    "seed": ParamSpec("seed", int, 0, low=0, doc="root seed; every cell's seed derives from it"),
    "name": ParamSpec("name", str, None, doc="short name of the experiment"),
    "description": ParamSpec("description", str, None, doc="free text"),
}

OUTPUT_KEYS = {
    "directory": ParamSpec("directory", str, None,
                           doc="where results go, relative to the working directory "
                               "[default: results/<config file stem>]"),
}

SWEEP_RESERVED = {
    "replicates": ParamSpec("replicates", int, 1, low=1, high=1_000_000,
                            doc="independent repetitions of every parameter combination"),
    "zip": ParamSpec("zip", "any", None, doc="groups of swept keys that advance together"),
}

_COMPONENT = ParamSpec("component", str, "all", choices=("all", "largest"),
                       doc="keep all nodes, or only the largest (weakly) connected component")
_DIRECTED = ParamSpec("directed", bool, None, doc="force directed/undirected [default: the source's own]")

GRAPH_DATASET_KEYS = {
    "dataset": ParamSpec("dataset", str, REQUIRED, doc="a dataset name (smallworld data list)"),
    "directed": _DIRECTED,
    "component": _COMPONENT,
}

GRAPH_FILE_KEYS = {
    "file": ParamSpec("file", str, REQUIRED, doc="graph file, relative to the config file's directory"),
    "format": ParamSpec("format", str, None, doc="reader name [default: from the file name]"),
    "directed": _DIRECTED,
    "component": _COMPONENT,
}

GRAPH_GENERATOR_KEYS = {
    "generator": ParamSpec("generator", str, REQUIRED, doc="a model name from simulate.generators.MODELS"),
    "component": _COMPONENT,
}

GRAPH_IMPLICIT_KEYS = {
    "implicit": ParamSpec("implicit", str, REQUIRED,
                          doc="an implicit population model (simulate.implicit.IMPLICIT_MODELS): contacts computed "
                              "when a message reaches someone, never stored"),
    "mode": ParamSpec("mode", str, None, choices=("quenched", "annealed"),
                      doc="quenched: one fixed population keyed by (graph seed, person); annealed: contacts "
                          "redrawn at each visit [default: the model's own]"),
}


def implicit_keys(model: str) -> dict:
    """ParamSpecs of ``[graph]`` for ``implicit = model`` (the model's own, plus ``implicit``, ``mode``)."""
    from ..implicit import IMPLICIT_MODELS

    return {**GRAPH_IMPLICIT_KEYS, **IMPLICIT_MODELS.get(model).spec.params}


def kind_key() -> ParamSpec:
    """The ``[experiment] kind`` key: one of the declared experiment kinds."""
    return ParamSpec("kind", str, REQUIRED, choices=kind_names())


#: Parameters whose default is part of every cell's seed hash even when the config leaves them out:
#: every parameter declared before issue 10. A parameter declared after that enters the hash only
#: when a config sets it to a value other than its default, so declaring one never changes the
#: ids and seeds of existing cells (tests/test_golden.py, tests/test_config.py). Never add to this.
#: (Generators: their own parameters; ``generator`` and ``component`` are always hashed.)
HASHED_DEFAULTS = {
    "graph:dataset": frozenset({"dataset", "directed", "component"}),
    "graph:file": frozenset({"file", "format", "directed", "component"}),
    "generator:erdos_renyi": frozenset({"n", "m", "p"}),
    "generator:watts_strogatz": frozenset({"n", "k", "p"}),
    "generator:barabasi_albert": frozenset({"n", "m"}),
    "generator:power_law": frozenset({"n", "gamma", "mean_degree", "max_degree", "model", "communities",
                                      "within"}),
    "generator:kleinberg_lattice": frozenset({"side", "dim", "r", "q", "p", "periodic", "undirected"}),
    "generator:hierarchical_identity": frozenset({"n", "branching", "depth", "group_size", "dimensions",
                                                  "alpha", "mean_degree"}),
    "generator:rank_geographic": frozenset({"positions", "n", "alpha", "mean_degree", "geo_fraction", "layout",
                                            "clusters", "cluster_spread", "undirected"}),
    "generator:directed_follower": frozenset({"n", "gamma_out", "gamma_in", "mean_degree", "mutual_pair_share",
                                              "max_degree"}),
    "experiment:graph": frozenset({"kind", "clustering"}),
    "experiment:distances": frozenset({"kind", "method", "sources", "registers", "runs", "component", "direction",
                                       "groups"}),
    "experiment:chains": frozenset({"kind", "policy", "attrition", "chains", "targets", "chains_per_target",
                                    "epsilon", "backtrack", "max_steps", "attributes", "min_strength",
                                    "attrition_by_strength", "node_attrition_mean",
                                    "node_attrition_concentration", "compute_distances", "record_paths"}),
    "experiment:profiles": frozenset({"kind", "sources", "group", "target_weight", "component", "direction"}),
}


# ---------------------------------------------------------------------------- value checks
def coerce_value(value, spec: ParamSpec):
    """``value`` converted to ``spec``'s type and checked; raises :class:`InvalidValue` with a reason."""
    return spec.coerce(value)


def generator_keys(model: str) -> dict:
    """ParamSpecs of ``[graph]`` for ``generator = model`` (the model's own, plus ``generator``, ``component``)."""
    return {**GRAPH_GENERATOR_KEYS, **MODELS[model].params}


def experiment_keys(kind: str) -> dict:
    """ParamSpecs of ``[experiment]`` for ``kind`` (``kind`` itself first)."""
    return {"kind": kind_key(), **experiment_kinds().get(kind).params}


# ---------------------------------------------------------------------------- section checks
def _check_table(table, keys, section, loc, kind_word):
    out = {}
    for key, value in table.items():
        spec = keys.get(key)
        if spec is None:
            raise loc.error(section, key, f"unknown key{kind_word}{_did_you_mean(key, keys)}")
        try:
            out[key] = coerce_value(value, spec)
        except InvalidValue as e:
            raise loc.error(section, key, str(e)) from None
    for key, spec in keys.items():
        if spec.default == REQUIRED and key not in out:
            raise loc.error(section, None, f"missing key '{key}'")
    return out


def graph_keys_for(table, section, loc) -> dict:
    """The ParamSpecs that apply to a ``[graph]`` table (after its source key is known)."""
    given = [k for k in GRAPH_SOURCES if k in table]
    if len(given) != 1:
        which = "none" if not given else " and ".join(repr(g) for g in given)
        raise loc.error(section, given[1] if len(given) > 1 else None,
                        f"give exactly one of {', '.join(repr(k) for k in GRAPH_SOURCES)} (got {which})")
    src = given[0]
    if not isinstance(table[src], str):
        raise loc.error(section, src, f"expected a string, got {_type_word(table[src])} {_show(table[src])}")
    if src == "dataset":
        from .. import datasets

        if table["dataset"] not in datasets.REGISTRY:
            raise loc.error(section, "dataset", f"unknown dataset {table['dataset']!r}"
                            f"{_did_you_mean(table['dataset'], datasets.REGISTRY)} "
                            f"(known: {', '.join(sorted(datasets.REGISTRY))})")
        return GRAPH_DATASET_KEYS
    if src == "file":
        return GRAPH_FILE_KEYS
    if src == "implicit":
        from ..implicit import IMPLICIT_MODELS

        if table["implicit"] not in IMPLICIT_MODELS:
            raise loc.error(section, "implicit", f"unknown implicit model {table['implicit']!r}"
                            f"{_did_you_mean(table['implicit'], IMPLICIT_MODELS.names())} "
                            f"(known: {', '.join(IMPLICIT_MODELS.names())})")
        return implicit_keys(table["implicit"])
    if table["generator"] not in MODELS:
        raise loc.error(section, "generator", f"unknown model {table['generator']!r}"
                        f"{_did_you_mean(table['generator'], MODELS)} (known: {', '.join(sorted(MODELS))})")
    return generator_keys(table["generator"])


def _check_rules(rules, table, keys, loc, section):
    """ConfigError at the blamed key for the first cross-parameter rule the default-filled table breaks."""
    full = {k: table.get(k, None if spec.required else spec.default) for k, spec in keys.items()}
    for rule in rules:
        message = rule.broken(full)
        if message is not None:
            raise loc.error(section, rule.key, rule.message(full) if rule.message else message)


def check_graph(table, loc, base_dir=None, section="graph") -> dict:
    """Validated copy of a ``[graph]`` table (single keys, then the generator's rules)."""
    keys = graph_keys_for(table, section, loc)
    word = ""
    if "generator" in table:
        word = f" for generator {table['generator']!r}"
    elif "implicit" in table:
        word = f" for implicit model {table['implicit']!r}"
    if "generator" in table:
        for key in table:
            if key in MODELS[table["generator"]].retired:
                raise loc.error(section, key, f"parameter {key!r} was retired: "
                                              f"{MODELS[table['generator']].retired[key]}")
    out = _check_table(table, keys, section, loc, word)
    if "generator" in out:
        _check_rules(MODELS[out["generator"]].rules, out, keys, loc, section)
    if "file" in out:
        path = Path(out["file"])
        if not path.is_absolute() and base_dir is not None:
            path = Path(base_dir) / path
        if not path.exists():
            raise loc.error(section, "file", f"no such file: {path}")
    if out.get("format") is not None:
        from ..io import READERS

        if out["format"] not in READERS:
            raise loc.error(section, "format", f"unknown format {out['format']!r}"
                            f"{_did_you_mean(out['format'], READERS)} (known: {', '.join(sorted(READERS))})")
    return out


def check_experiment(table, loc, section="experiment") -> dict:
    """Validated copy of an ``[experiment]`` table (single keys, then the kind's rules)."""
    kinds = experiment_kinds()
    if "kind" not in table:
        raise loc.error(section, None, f"missing key 'kind' (one of {', '.join(kind_names())})")
    kind = table["kind"]
    try:
        coerce_value(kind, kind_key())
    except InvalidValue as e:
        raise loc.error(section, "kind", f"unknown experiment kind: {e}") from None
    keys = experiment_keys(kind)
    out = _check_table(table, keys, section, loc, f" for kind {kind!r}")
    _check_rules(kinds.get(kind).rules, out, keys, loc, section)
    return out


def _spec_of(section, key, context, loc):
    """ParamSpec of ``section.key`` given a context table (for checking swept values)."""
    try:
        if section == "graph":
            keys = graph_keys_for(context, section, loc) if any(k in context for k in GRAPH_SOURCES) else {}
            if key in GRAPH_SOURCES:
                return ParamSpec(key, str, REQUIRED)
        else:
            kind = context.get("kind")
            if key == "kind":
                return kind_key()
            keys = experiment_keys(kind) if kind in experiment_kinds() else {}
    except ConfigError:
        keys = {}
    if key not in keys:
        if section == "graph" and context.get("generator") in MODELS and key in MODELS[context["generator"]].retired:
            raise loc.error("sweep", f"{section}.{key}",
                            f"parameter {key!r} was retired: {MODELS[context['generator']].retired[key]}")
        if keys:
            raise loc.error("sweep", f"{section}.{key}",
                            f"[{section}] has no key '{key}'{_did_you_mean(key, keys)}")
        return ParamSpec(key, "any", None)
    return keys[key]


def _graph_schema(table):
    """(ParamSpecs, HASHED_DEFAULTS key) of a validated ``[graph]`` table."""
    if "generator" in table:
        return generator_keys(table["generator"]), f"generator:{table['generator']}"
    if "implicit" in table:
        return implicit_keys(table["implicit"]), f"implicit:{table['implicit']}"
    if "dataset" in table:
        return GRAPH_DATASET_KEYS, "graph:dataset"
    return GRAPH_FILE_KEYS, "graph:file"


def resolve_graph(table) -> dict:
    """A validated ``[graph]`` table with its defaults filled in: what identifies a graph (and
    its seed). See :func:`resolve_experiment` for which defaults are filled."""
    keys, schema = _graph_schema(table)
    return _with_defaults(table, keys, schema)


def resolve_experiment(table) -> dict:
    """A validated ``[experiment]`` table with its defaults filled in: what identifies a cell.

    Parameters of :data:`HASHED_DEFAULTS` are filled with their defaults; a parameter declared
    later appears only when set to a value other than its default (so declaring it kept every
    existing cell's id and seed). :func:`run_parameters` fills in the rest for running.
    """
    return _with_defaults(table, experiment_keys(table["kind"]), f"experiment:{table['kind']}")


def _with_defaults(table, keys, schema):
    legacy = HASHED_DEFAULTS.get(schema, frozenset())
    if schema.startswith("generator:"):
        legacy = legacy | GRAPH_GENERATOR_KEYS.keys()
    out = {}
    for k, spec in keys.items():
        if k in legacy:
            if k in table:
                out[k] = table[k]
            elif not spec.required:
                out[k] = copy.deepcopy(spec.default)
        elif k in table and (spec.required or table[k] != spec.default):
            out[k] = table[k]
    for k in table:
        if k not in keys:
            out.setdefault(k, table[k])
    return out


def run_parameters(experiment) -> dict:
    """Every parameter of a resolved ``[experiment]`` table, defaults filled, without ``kind``:
    what the kind's ``run`` adapter receives."""
    kind = experiment_kinds().get(experiment["kind"])
    return {k: copy.deepcopy(experiment[k]) if k in experiment else copy.deepcopy(spec.default)
            for k, spec in kind.params.items()}
