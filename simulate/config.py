"""Experiment configs: a TOML file in, a validated :class:`Config` out, before any work starts.

A config names one graph (``[graph]``), one experiment (``[experiment]``), an optional
parameter grid (``[sweep]``), a root ``seed``, an output directory (``[output]``) and
optional small-size overrides for quick runs (``[quick]``). The full reference with every
key is ``docs/configs.md``; a minimal file::

    seed = 1

    [graph]
    generator = "watts_strogatz"
    n = 1000
    k = 10
    p = 0.1

    [experiment]
    kind = "graph"

    [sweep]
    "graph.p" = [0.0, 0.01, 0.1, 1.0]
    replicates = 5

Every problem is reported as a :class:`~simulate.errors.ConfigError` naming the file, the
line, the section and the key (tomllib does not report line numbers, so they are found by
scanning the raw text), e.g.
``configs/x.toml, line 7, [graph] key 'sid': unknown key; did you mean 'side'?``.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError
from .generators import MODELS
from .kinds import experiment_kinds, kind_names
from .params import REQUIRED, InvalidValue, ParamSpec
from .params import show as _show
from .params import type_word as _type_word
from .registry import did_you_mean as _did_you_mean

#: Sections a config may contain, in the order :func:`dump_config` writes them.
SECTIONS = ("graph", "experiment", "sweep", "output", "quick")

#: Keys of ``[graph]`` that choose where the graph comes from (exactly one must be given).
GRAPH_SOURCES = ("dataset", "file", "generator", "implicit")

#: The parameter type of config keys is the one of generators and experiment kinds.
KeySpec = ParamSpec


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
    "mode": ParamSpec("mode", str, "quenched", choices=("quenched", "annealed"),
                      doc="quenched: one fixed population keyed by (graph seed, person); annealed: contacts "
                          "redrawn at each visit"),
}


def implicit_keys(model: str) -> dict:
    """ParamSpecs of ``[graph]`` for ``implicit = model`` (the model's own, plus ``implicit``, ``mode``)."""
    from .implicit import IMPLICIT_MODELS

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
    "generator:directed_follower": frozenset({"n", "gamma_out", "gamma_in", "mean_degree", "reciprocity",
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


# ---------------------------------------------------------------------------- config object
def _plain_name(name) -> str:
    """``name`` as one path component (characters other than letters, digits, ``.+-_`` become
    ``_``; ``.``/``..`` become empty): a config's ``name`` must not write outside ``results/``."""
    if name is None:
        return ""
    safe = re.sub(r"[^\w.+-]", "_", str(name))
    return "" if safe.strip(".") == "" else safe


@dataclass
class Config:
    """A validated experiment config.

    Sections are stored as given (values converted to their declared types, defaults not
    filled in); :func:`resolve_graph` / :func:`resolve_experiment` fill defaults per cell.

    Attributes
    ----------
    graph, experiment : dict
    sweep : dict
        Swept key (``"graph.r"``) -> tuple of values, in file order.
    zip : tuple of tuple of str
        Groups of swept keys that advance together.
    replicates : int
    seed : int
    output : dict
    quick : dict
        The ``[quick]`` overrides as written (applied already when ``quick_applied``).
    name, description : str or None
    source : str
        The file name used in messages.
    base_dir : str or None
        Directory relative ``[graph] file`` paths are resolved against.
    quick_applied : bool
    """

    graph: dict
    experiment: dict
    sweep: dict = field(default_factory=dict)
    zip: tuple = ()
    replicates: int = 1
    seed: int = 0
    output: dict = field(default_factory=dict)
    quick: dict = field(default_factory=dict)
    name: str | None = None
    description: str | None = None
    source: str = "<config>"
    base_dir: str | None = None
    quick_applied: bool = False

    @property
    def kind(self) -> str:
        return self.experiment.get("kind")

    def output_directory(self) -> Path:
        """Where results go: ``[output] directory``, else ``results/<config stem>``
        (``-quick`` appended for quick runs without their own directory)."""
        d = self.output.get("directory")
        if d is None:
            stem = Path(self.source).stem if self.source and not self.source.startswith("<") else "sweep"
            d = f"results/{_plain_name(self.name) or stem}"
            if self.quick_applied:
                d += "-quick"
        elif self.quick_applied and "directory" not in self.quick.get("output", {}):
            d = d.rstrip("/") + "-quick"
        return Path(d)

    def to_document(self) -> dict:
        """The config as a TOML-shaped dict (what :func:`dump_config` writes)."""
        doc: dict = {"seed": self.seed}
        if self.name is not None:
            doc["name"] = self.name
        if self.description is not None:
            doc["description"] = self.description
        doc["graph"] = copy.deepcopy(self.graph)
        doc["experiment"] = copy.deepcopy(self.experiment)
        if self.sweep or self.zip or self.replicates != 1:
            sw = {k: list(v) for k, v in self.sweep.items()}
            if self.zip:
                sw["zip"] = [list(g) for g in self.zip]
            sw["replicates"] = self.replicates
            doc["sweep"] = sw
        if self.output:
            doc["output"] = dict(self.output)
        if self.quick and not self.quick_applied:
            doc["quick"] = copy.deepcopy(self.quick)
        return doc

    def to_json(self) -> str:
        """Canonical JSON of :meth:`to_document` (stored in every result file)."""
        return canonical_json(self.to_document())


def canonical_json(obj) -> str:
    """JSON with sorted keys and no whitespace: equal params give equal text (and hashes)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=True, default=str)


# ---------------------------------------------------------------------------- line numbers
_PART = r'(?:"(?:[^"\\]|\\.)*"|\'[^\']*\'|[A-Za-z0-9_-]+)'
_DOTTED = rf"{_PART}(?:\s*\.\s*{_PART})*"
_HEADER_RE = re.compile(rf"^\s*\[\s*({_DOTTED})\s*\]\s*(?:#.*)?$")
_KEY_RE = re.compile(rf"^\s*({_DOTTED})\s*=")
_PART_RE = re.compile(_PART)


def _split_dotted(text: str) -> list[str]:
    parts = []
    for p in _PART_RE.findall(text):
        if p.startswith('"'):
            try:
                p = json.loads(p)
            except ValueError:
                p = p[1:-1]
        elif p.startswith("'"):
            p = p[1:-1]
        parts.append(p)
    return parts


def key_lines(text: str) -> dict:
    """Map ``(section, key)`` -> 1-based line number by scanning the raw TOML text.

    Every split of a dotted path is recorded, so ``[sweep]`` + ``graph.r = ...``,
    ``[sweep]`` + ``"graph.r" = ...`` and ``[sweep.graph]`` + ``r = ...`` all answer
    ``("sweep", "graph.r")``. Section headers are recorded as ``(section, None)``.
    """
    lines: dict = {}
    header: list[str] = []
    in_multiline = None
    for no, line in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if line.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        m = _HEADER_RE.match(line)
        if m:
            header = _split_dotted(m.group(1))
            lines.setdefault((".".join(header), None), no)
            continue
        m = _KEY_RE.match(line)
        if not m:
            continue
        path = header + _split_dotted(m.group(1))
        for i in range(len(path)):
            lines.setdefault((".".join(path[:i]), ".".join(path[i:])), no)
        rest = line[m.end():]
        for q in ('"""', "'''"):
            if rest.count(q) % 2 == 1:
                in_multiline = q
    return lines


class _Locator:
    """Builds ConfigErrors that name file, line, section and key.

    ``overlay`` is the ``[quick]`` table when validating the quick-merged document: keys it
    sets are reported in ``[quick.<section>]``. ``swept`` holds ``"graph.r"``-style keys whose
    values come from ``[sweep]``: problems with them are reported at the sweep key.
    """

    def __init__(self, source, lines, overlay=None):
        self.source = source
        self.lines = lines
        self.overlay = overlay or {}
        self.swept: set = set()

    def _place(self, section, key):
        if section in ("graph", "experiment") and key is not None and f"{section}.{key}" in self.swept:
            return self._place("sweep", f"{section}.{key}")
        ov = self.overlay
        if section == "":
            in_overlay = key in ov
        else:
            sec = ov.get(section)
            in_overlay = isinstance(sec, dict) and (key is None or key in sec or _sweep_has(sec, key))
        shown = section
        if in_overlay and ov:
            shown = f"quick.{section}" if section else "quick"
        line = self.lines.get((shown, key)) if key is not None else None
        if line is None and key is not None and shown != section:
            line = self.lines.get((section, key))
        if line is None:
            line = self.lines.get((shown, None))
        return shown, key, line

    def error(self, section, key, message) -> ConfigError:
        shown, key, line = self._place(section, key)
        where = self.source
        if line is not None:
            where += f", line {line}"
        if key is None:
            return ConfigError(f"{where}, [{shown}]: {message}")
        if shown == "":
            return ConfigError(f"{where}, key '{key}': {message}")
        return ConfigError(f"{where}, [{shown}] key '{key}': {message}")


def _sweep_has(sec, key):
    if key in sec:
        return True
    head, _, rest = key.partition(".")
    return bool(rest) and isinstance(sec.get(head), dict) and rest in sec[head]


# ---------------------------------------------------------------------------- value checks
_Invalid = InvalidValue


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
        except _Invalid as e:
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
        from . import datasets

        if table["dataset"] not in datasets.REGISTRY:
            raise loc.error(section, "dataset", f"unknown dataset {table['dataset']!r}"
                            f"{_did_you_mean(table['dataset'], datasets.REGISTRY)} "
                            f"(known: {', '.join(sorted(datasets.REGISTRY))})")
        return GRAPH_DATASET_KEYS
    if src == "file":
        return GRAPH_FILE_KEYS
    if src == "implicit":
        from .implicit import IMPLICIT_MODELS

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
        from .io import READERS

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
    except _Invalid as e:
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


# ---------------------------------------------------------------------------- sweep
def _flatten_sweep(table, loc, section="sweep"):
    flat = {}
    for key, value in table.items():
        if key in SWEEP_RESERVED:
            flat[key] = value
        elif isinstance(value, dict) and key in ("graph", "experiment"):
            for sub, v in value.items():
                if isinstance(v, dict):
                    raise loc.error(section, f"{key}.{sub}", "expected an array of values, got a table")
                flat[f"{key}.{sub}"] = v
        else:
            flat[key] = value
    return flat


#: Bytes held per cell while a sweep is expanded, listed or run (Cell object, manifest row).
BYTES_PER_CELL = 4096


def count_cells(sweep: dict, zip_groups, replicates: int) -> int:
    """Number of cells of a sweep, without expanding it: the product of the axis lengths (a
    zip group is one axis) times the replicates."""
    grouped = {k for g in zip_groups for k in g}
    n = 1
    for g in zip_groups:
        n *= len(sweep[next(iter(g))])
    for k, values in sweep.items():
        if k not in grouped:
            n *= len(values)
    return n * int(replicates)


def _require_memory_for_cells(n_cells: int, source):
    from .memory import require_memory

    require_memory(n_cells * BYTES_PER_CELL, f"{source}: a sweep of {n_cells:,} cells")


def combinations(sweep: dict, zip_groups) -> list[dict]:
    """All parameter combinations of a sweep, in a fixed order.

    Axes are the swept keys in file order; a zip group is one axis placed where its first
    key appears. The last axis varies fastest. Returns dicts ``{"graph.r": 2.0, ...}``.
    """
    group_of = {}
    for g in zip_groups:
        for k in g:
            group_of[k] = tuple(g)
    axes = []
    seen = set()
    for key in sweep:
        g = group_of.get(key, (key,))
        if g in seen:
            continue
        seen.add(g)
        n = len(sweep[g[0]])
        axes.append([{k: sweep[k][i] for k in g} for i in range(n)])
    out = []
    for combo in itertools.product(*axes):
        d = {}
        for part in combo:
            d.update(part)
        out.append(d)
    return out


def _check_sweep(raw, loc, graph, experiment, base_dir):
    """Validated (sweep dict, zip tuple, replicates) and the coerced, expanded cell tables."""
    flat = _flatten_sweep(raw, loc)
    replicates = 1
    zips = ()
    sweep = {}
    for key, value in flat.items():
        if key == "replicates":
            try:
                replicates = coerce_value(value, SWEEP_RESERVED["replicates"])
            except _Invalid as e:
                raise loc.error("sweep", key, str(e)) from None
            continue
        if key == "zip":
            continue
        section, dot, name = key.partition(".")
        if section not in ("graph", "experiment") or not dot or not name:
            raise loc.error("sweep", key, "sweep keys name a parameter as 'graph.<key>' or "
                                          f"'experiment.<key>'{_did_you_mean(key, ['replicates', 'zip'])}")
        if not isinstance(value, list):
            raise loc.error("sweep", key, f"expected an array of values, got {_type_word(value)} {_show(value)}")
        if not value:
            raise loc.error("sweep", key, "needs at least one value")
        sweep[key] = value
    if "zip" in flat:
        groups = flat["zip"]
        if not isinstance(groups, list) or not all(
                isinstance(g, list) and g and all(isinstance(k, str) for k in g) for g in groups):
            raise loc.error("sweep", "zip", "expected an array of arrays of swept keys, "
                                            'e.g. zip = [["graph.side", "experiment.chains"]]')
        used = set()
        for g in groups:
            for k in g:
                if k not in sweep:
                    raise loc.error("sweep", "zip", f"{k!r} is not a swept key{_did_you_mean(k, sweep)}")
                if k in used:
                    raise loc.error("sweep", "zip", f"{k!r} appears in more than one group")
                used.add(k)
            lengths = {k: len(sweep[k]) for k in g}
            if len(set(lengths.values())) > 1:
                shown = ", ".join(f"{k} has {n}" for k, n in lengths.items())
                raise loc.error("sweep", "zip", f"zipped keys need equal numbers of values ({shown})")
        zips = tuple(tuple(g) for g in groups)
    loc.swept = set(sweep)
    # Coerce each swept value with the spec that applies in the first combination's context.
    first = {k: v[0] for k, v in sweep.items()}
    contexts = {
        "graph": {**graph, **{k[6:]: v for k, v in first.items() if k.startswith("graph.")}},
        "experiment": {**experiment, **{k[11:]: v for k, v in first.items() if k.startswith("experiment.")}},
    }
    coerced = {}
    for key, values in sweep.items():
        section, _, name = key.partition(".")
        spec = _spec_of(section, name, contexts[section], loc)
        out = []
        for v in values:
            try:
                out.append(coerce_value(v, spec) if spec.type != "any" else v)
            except _Invalid as e:
                raise loc.error("sweep", key, str(e)) from None
        texts = [canonical_json(v) for v in out]
        for i, t in enumerate(texts):
            if t in texts[:i]:
                raise loc.error("sweep", key, f"value {_show(out[i])} is listed twice")
        coerced[key] = tuple(out)
    return coerced, zips, replicates


def check_cells(config: Config, loc=None):
    """Validate every distinct graph and experiment table the sweep produces."""
    if loc is None:
        loc = _Locator(config.source, {})
        loc.swept = set(config.sweep)
    seen_g, seen_e, seen_pairs = {}, {}, set()
    for combo in combinations(config.sweep, config.zip):
        g, e = apply_combination(config, combo)
        tg, te = canonical_json(g), canonical_json(e)
        if tg not in seen_g:
            seen_g[tg] = check_graph(g, loc, config.base_dir)
        if te not in seen_e:
            seen_e[te] = check_experiment(e, loc)
        if (tg, te) not in seen_pairs:
            seen_pairs.add((tg, te))
            _check_source_rules(seen_g[tg], seen_e[te], loc)


def _check_source_rules(graph: dict, experiment: dict, loc, section="experiment"):
    """ConfigError at the blamed ``[experiment]`` key for the first source rule of the kind that
    the graph source breaks (:class:`simulate.kinds.SourceRule`)."""
    kind = experiment_kinds().get(experiment["kind"])
    if not kind.source_rules:
        return
    params = run_parameters(experiment)
    for rule in kind.source_rules:
        message = rule.problem(graph, params)
        if message:
            raise loc.error(section, rule.key, message)


def apply_combination(config: Config, combo: dict):
    """The graph and experiment tables of one combination (not yet default-filled)."""
    g = dict(config.graph)
    e = dict(config.experiment)
    for key, value in combo.items():
        section, _, name = key.partition(".")
        (g if section == "graph" else e)[name] = value
    # A swept source key replaces the base one ("graph.dataset" = [...] with file = ... in [graph]).
    swept_src = [k[6:] for k in combo if k[6:] in GRAPH_SOURCES and k.startswith("graph.")]
    if swept_src:
        for s in GRAPH_SOURCES:
            if s not in swept_src:
                g.pop(s, None)
    return g, e


# ---------------------------------------------------------------------------- documents
def _merge_quick(doc, quick):
    merged = copy.deepcopy({k: v for k, v in doc.items() if k != "quick"})
    for key, value in quick.items():
        if key in ("graph", "experiment", "output", "sweep") and isinstance(value, dict):
            base = merged.get(key)
            base = dict(base) if isinstance(base, dict) else {}
            if key == "graph" and any(s in value for s in GRAPH_SOURCES):
                base = {}  # a quick graph source replaces the whole [graph]
            if key == "experiment" and "kind" in value:
                base = {}
            if key == "sweep":
                base = _flatten_sweep(base, _Locator("", {}))
                value = _flatten_sweep(value, _Locator("", {}))
            base.update(copy.deepcopy(value))
            merged[key] = base
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _check_document(doc, loc, base_dir, source, quick_table):
    top = {}
    for key, value in doc.items():
        if key in SECTIONS:
            if not isinstance(value, dict):
                raise loc.error("", key, f"expected a table [{key}], got {_type_word(value)} {_show(value)}")
            continue
        spec = TOP_KEYS.get(key)
        if spec is None:
            raise loc.error("", key, "unknown top-level key"
                            f"{_did_you_mean(key, list(TOP_KEYS) + list(SECTIONS))}")
        try:
            top[key] = coerce_value(value, spec)
        except _Invalid as e:
            raise loc.error("", key, str(e)) from None
    for sec in ("graph", "experiment"):
        if sec not in doc:
            raise ConfigError(f"{source}: missing [{sec}] section")
    output = _check_table(doc.get("output", {}), OUTPUT_KEYS, "output", loc, "")
    graph_raw, exp_raw = doc["graph"], doc["experiment"]
    for sec, table in (("graph", graph_raw), ("experiment", exp_raw)):
        for k, v in table.items():
            if isinstance(v, dict):
                raise loc.error(sec, k, "expected a value, got a table")
    sweep, zips, replicates = _check_sweep(doc.get("sweep", {}), loc, graph_raw, exp_raw, base_dir)
    _require_memory_for_cells(count_cells(sweep, zips, replicates), source)
    # Base tables are checked as part of every combination; convert their values once here.
    config = Config(graph=dict(graph_raw), experiment=dict(exp_raw), sweep=sweep, zip=zips,
                    replicates=replicates, seed=top.get("seed", 0), output=output,
                    quick=quick_table, name=top.get("name"), description=top.get("description"),
                    source=source, base_dir=None if base_dir is None else str(base_dir))
    check_cells(config, loc)
    # Store the base tables with coerced values (keys not swept, or swept-over).
    combo0 = combinations(sweep, zips)[0]
    g0, e0 = apply_combination(config, combo0)
    loc_swept, loc.swept = loc.swept, set()
    g_ok = check_graph(g0, loc, base_dir)
    e_ok = check_experiment(e0, loc)
    loc.swept = loc_swept
    config.graph = {k: g_ok[k] for k in graph_raw if k in g_ok} | {
        k: v for k, v in graph_raw.items() if k not in g_ok}
    config.experiment = {k: e_ok[k] for k in exp_raw if k in e_ok} | {
        k: v for k, v in exp_raw.items() if k not in e_ok}
    # Swept-over base values were not checked through g0/e0 (the swept value won): check alone.
    for sec, raw, ok in (("graph", graph_raw, config.graph), ("experiment", exp_raw, config.experiment)):
        for k in raw:
            if f"{sec}.{k}" in sweep and k not in GRAPH_SOURCES and k != "kind":
                ctx = dict(ok)
                try:
                    spec = _spec_of(sec, k, ctx, loc)
                    ok[k] = coerce_value(raw[k], spec) if spec.type != "any" else raw[k]
                except _Invalid as e:
                    raise loc.error(sec, k, str(e)) from None
    return config


def parse_config(text: str, source: str = "<config>", base_dir=None, quick: bool = False) -> Config:
    """Parse and validate config text.

    Parameters
    ----------
    text : str
        TOML document.
    source : str
        Name used in error messages (the file path).
    base_dir : str or Path, optional
        Directory that relative ``[graph] file`` paths are relative to.
    quick : bool
        Apply the ``[quick]`` overrides (the ``--quick`` run). The overrides are validated
        either way.

    Raises
    ------
    ConfigError
        For invalid TOML or any invalid key or value, naming file, line, section and key.
    """
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{source}: invalid TOML: {e}") from None
    lines = key_lines(text)
    quick_table = doc.get("quick", {})
    loc = _Locator(source, lines)
    if not isinstance(quick_table, dict):
        raise loc.error("", "quick", f"expected a table [quick], got {_type_word(quick_table)}")
    for key, value in quick_table.items():
        if key not in ("graph", "experiment", "sweep", "output") and key not in TOP_KEYS:
            raise loc.error("quick", key, "unknown key"
                            f"{_did_you_mean(key, ['graph', 'experiment', 'sweep', 'output', *TOP_KEYS])}")
        if key in ("graph", "experiment", "sweep", "output") and not isinstance(value, dict):
            raise loc.error("quick", key, f"expected a table [quick.{key}], got {_type_word(value)}")
    base = _check_document(doc, loc, base_dir, source, copy.deepcopy(quick_table))
    if not quick_table:
        return base
    merged = _merge_quick(doc, quick_table)
    qconfig = _check_document(merged, _Locator(source, lines, overlay=quick_table), base_dir,
                              source, copy.deepcopy(quick_table))
    if quick:
        qconfig.quick_applied = True
        return qconfig
    return base


def load_config(path, quick: bool = False) -> Config:
    """Read and validate a config file (see :func:`parse_config`).

    Relative ``[graph] file`` paths are resolved against the config file's directory.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    except OSError as e:
        raise ConfigError(f"{path}: cannot read ({e.strerror})") from None
    return parse_config(text, source=str(path), base_dir=path.parent, quick=quick)


# ---------------------------------------------------------------------------- TOML output
def _toml_str(s: str) -> str:
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\u{o:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(k: str) -> str:
    return k if _BARE.match(k) else _toml_str(k)


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        r = repr(v)
        return r if any(c in r for c in ".en") else r + ".0"
    if isinstance(v, str):
        return _toml_str(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def dump_toml(doc: dict) -> str:
    """TOML text for a config-shaped dict (scalars first, then one table per section)."""
    lines = []
    for k, v in doc.items():
        if not isinstance(v, dict):
            lines.append(f"{_toml_key(k)} = {_toml_value(v)}")

    def table(prefix, t):
        scalars = {k: v for k, v in t.items() if not isinstance(v, dict)}
        subs = {k: v for k, v in t.items() if isinstance(v, dict)}
        lines.append("")
        lines.append(f"[{prefix}]")
        for k, v in scalars.items():
            lines.append(f"{_toml_key(k)} = {_toml_value(v)}")
        for k, v in subs.items():
            table(f"{prefix}.{_toml_key(k)}", v)

    for k, v in doc.items():
        if isinstance(v, dict):
            table(_toml_key(k), v)
    return "\n".join(lines).lstrip("\n") + "\n"


def dump_config(config: Config) -> str:
    """TOML text that :func:`parse_config` reads back to an equal :class:`Config`."""
    return dump_toml(config.to_document())
