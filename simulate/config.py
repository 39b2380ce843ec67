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
import difflib
import importlib
import itertools
import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError

#: Sentinel default of a key that must be given.
REQUIRED = "<required>"

#: Sections a config may contain, in the order :func:`dump_config` writes them.
SECTIONS = ("graph", "experiment", "sweep", "output", "quick")

#: Keys of ``[graph]`` that choose where the graph comes from (exactly one must be given).
GRAPH_SOURCES = ("dataset", "file", "generator")

#: Experiment kinds and the module each needs.
EXPERIMENT_KINDS = ("graph", "distances", "chains", "profiles")


@dataclass(frozen=True)
class KeySpec:
    """What one config key accepts.

    Attributes
    ----------
    name : str
    type : str
        ``"int"``, ``"float"``, ``"bool"``, ``"str"``, ``"str_list"``, ``"int_list"``,
        ``"int_or_int_list"`` or ``"any"`` (any TOML value, checked by the callee).
    default : object
        Value when absent; :data:`REQUIRED` when the key must be given; ``None`` when optional.
    low, high : float, optional
        Inclusive bounds for numbers (for int lists: for each element).
    choices : tuple, optional
        Allowed values.
    doc : str
        One line for docs and messages.
    """

    name: str
    type: str
    default: Any = None
    low: float | None = None
    high: float | None = None
    choices: tuple | None = None
    doc: str = ""


# ---------------------------------------------------------------------------- schemas
TOP_KEYS = {
    "seed": KeySpec("seed", "int", 0, low=0, doc="root seed; every cell's seed derives from it"),
    "name": KeySpec("name", "str", None, doc="short name of the experiment"),
    "description": KeySpec("description", "str", None, doc="free text"),
}

OUTPUT_KEYS = {
    "directory": KeySpec("directory", "str", None,
                         doc="where results go, relative to the working directory "
                             "[default: results/<config file stem>]"),
}

SWEEP_RESERVED = {
    "replicates": KeySpec("replicates", "int", 1, low=1, high=1_000_000,
                          doc="independent repetitions of every parameter combination"),
    "zip": KeySpec("zip", "any", None, doc="groups of swept keys that advance together"),
}

_COMPONENT = KeySpec("component", "str", "all", choices=("all", "largest"),
                     doc="keep all nodes, or only the largest (weakly) connected component")
_DIRECTED = KeySpec("directed", "bool", None, doc="force directed/undirected [default: the source's own]")

GRAPH_DATASET_KEYS = {
    "dataset": KeySpec("dataset", "str", REQUIRED, doc="a dataset name (smallworld data list)"),
    "directed": _DIRECTED,
    "component": _COMPONENT,
}

GRAPH_FILE_KEYS = {
    "file": KeySpec("file", "str", REQUIRED, doc="graph file, relative to the config file's directory"),
    "format": KeySpec("format", "str", None, doc="reader name [default: from the file name]"),
    "directed": _DIRECTED,
    "component": _COMPONENT,
}

GRAPH_GENERATOR_KEYS = {
    "generator": KeySpec("generator", "str", REQUIRED, doc="a model name from simulate.generators.MODELS"),
    "component": _COMPONENT,
}

EXPERIMENT_GRAPH_KEYS = {
    "kind": KeySpec("kind", "str", REQUIRED, choices=EXPERIMENT_KINDS),
    "clustering": KeySpec("clustering", "bool", True,
                          doc="also compute average clustering and transitivity (triangle count)"),
}

EXPERIMENT_DISTANCES_KEYS = {
    "kind": KeySpec("kind", "str", REQUIRED, choices=EXPERIMENT_KINDS),
    "method": KeySpec("method", "str", "exact", choices=("exact", "sample", "hyperball"),
                      doc="exact all-pairs BFS, BFS from sampled sources, or HyperBall sketches"),
    "sources": KeySpec("sources", "int_or_int_list", 1024, low=0,
                       doc="number of sampled BFS sources (method sample), or a list of node ids"),
    "registers": KeySpec("registers", "int", 64, low=16, high=4096,
                         doc="HyperLogLog registers per node (method hyperball), a power of two"),
    "runs": KeySpec("runs", "int", 8, low=1, high=1024, doc="independent HyperBall runs averaged"),
    "component": KeySpec("component", "str", "largest", choices=("largest", "all"),
                         doc="restrict to the largest (strongly) connected component"),
    "direction": KeySpec("direction", "str", "out", choices=("out", "in"),
                         doc="follow arcs forward or backward (directed graphs)"),
    "groups": KeySpec("groups", "int", 32, low=2, high=100_000,
                      doc="jackknife groups of sources for sample standard errors"),
}

EXPERIMENT_CHAINS_KEYS = {
    "kind": KeySpec("kind", "str", REQUIRED, choices=EXPERIMENT_KINDS),
    "policy": KeySpec("policy", "str", "greedy_lattice", doc="forwarding rule (see simulate.chains.POLICIES)"),
    "attrition": KeySpec("attrition", "float", 0.0, low=0.0, high=1.0,
                         doc="probability that a holder drops the message at each step"),
    "chains": KeySpec("chains", "int", 1000, low=1, high=1_000_000_000, doc="chains started"),
    "targets": KeySpec("targets", "int", 10, low=1, high=1_000_000_000, doc="random targets, uniform with replacement (may repeat)"),
    "chains_per_target": KeySpec("chains_per_target", "int", None, low=1,
                                 doc="chains per target (overrides chains)"),
    "epsilon": KeySpec("epsilon", "float", 0.0, low=0.0, high=1.0,
                       doc="probability of a uniformly random forward instead of the policy's"),
    "backtrack": KeySpec("backtrack", "bool", False, doc="return the message to the sender at dead ends"),
    "max_steps": KeySpec("max_steps", "int", None, low=1, doc="give up after this many steps "
                         "[default: 10 sqrt(n) + 100]"),
    "attributes": KeySpec("attributes", "str_list", None,
                          doc="node attribute columns for greedy_attributes"),
    "min_strength": KeySpec("min_strength", "int", None, low=1, high=5,
                            doc="forward only along ties of at least this strength level"),
    "attrition_by_strength": KeySpec("attrition_by_strength", "any", None,
                                     doc="5 probabilities: message lost along a tie of level 1..5"),
    "node_attrition_mean": KeySpec("node_attrition_mean", "float", None, low=0.0, high=1.0,
                                   doc="per-node attrition drawn from a Beta with this mean "
                                       "(replaces attrition; simulate.chains.beta_attrition)"),
    "node_attrition_concentration": KeySpec("node_attrition_concentration", "float", 10.0,
                                            low=1e-6, high=1e9, doc="Beta concentration a + b"),
    "compute_distances": KeySpec("compute_distances", "bool", True,
                                 doc="add each chain's shortest-path distance (one BFS per target)"),
    "record_paths": KeySpec("record_paths", "bool", False, doc="store every chain's path"),
    "source_groups": KeySpec("source_groups", "any", None,
                             doc="starters by distance band to each target: an array of tables "
                                 "{name, chains, quantiles = [lo, hi]} (replaces chains; "
                                 "simulate.chains.group_sources)"),
}

#: Optional keys left out of a resolved section when absent (instead of being filled with
#: their None default), so that adding them kept the ids and seeds of existing cells.
OMITTED_WHEN_ABSENT = frozenset({"source_groups"})

EXPERIMENT_PROFILES_KEYS = {
    "kind": KeySpec("kind", "str", REQUIRED, choices=EXPERIMENT_KINDS),
    "sources": KeySpec("sources", "int", 256, low=1, high=100_000_000,
                       doc="BFS sources drawn uniformly without replacement (simulate.reach.distance_profiles)"),
    "group": KeySpec("group", "str", None, doc="node attribute defining groups (e.g. country) for "
                                               "same-group vs other-group distances"),
    "target_weight": KeySpec("target_weight", "str", "uniform", choices=("uniform", "follower"),
                             doc="follower: also weight targets as a random follower of a random user"),
    "component": KeySpec("component", "str", "largest", choices=("largest", "all"),
                         doc="draw sources from the largest (strongly) connected component or all nodes"),
    "direction": KeySpec("direction", "str", "out", choices=("out", "in"),
                         doc="follow arcs forward or backward (directed graphs)"),
}

#: Config key -> keyword of :func:`simulate.chains.run_chains`, where they differ
#: (``node_attrition_*`` are turned into a ``node_attrition`` array per cell).
CHAINS_ARGUMENT_NAMES = {"chains": "n_chains", "targets": "n_targets"}


# ---------------------------------------------------------------------------- config object
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
            d = f"results/{self.name or stem}"
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
class _Invalid(Exception):
    pass


def _show(v) -> str:
    if isinstance(v, str):
        s = repr(v)
    elif isinstance(v, bool):
        s = "true" if v else "false"
    elif isinstance(v, dict):
        s = "a table"
    else:
        s = repr(v)
    return s if len(s) <= 60 else s[:57] + "..."


def _type_word(v) -> str:
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "table"
    return type(v).__name__


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _check_range(v, spec):
    if isinstance(v, float) and math.isnan(v):
        raise _Invalid("must be a number, not nan")
    lo, hi = spec.low, spec.high
    if lo is not None and hi is not None and not (lo <= v <= hi):
        raise _Invalid(f"must be between {_num(lo)} and {_num(hi)} (got {_show(v)})")
    if lo is not None and v < lo:
        raise _Invalid(f"must be >= {_num(lo)} (got {_show(v)})")
    if hi is not None and v > hi:
        raise _Invalid(f"must be <= {_num(hi)} (got {_show(v)})")


def _num(x):
    return int(x) if isinstance(x, float) and x.is_integer() and abs(x) < 1e15 else x


def coerce_value(value, spec: KeySpec):
    """``value`` converted to ``spec``'s type and checked; raises ``_Invalid`` with a reason."""
    t = spec.type
    if t == "int":
        if not _is_int(value):
            raise _Invalid(f"expected an integer, got {_type_word(value)} {_show(value)}")
        _check_range(value, spec)
    elif t == "float":
        if not (_is_int(value) or isinstance(value, float)):
            raise _Invalid(f"expected a number, got {_type_word(value)} {_show(value)}")
        value = float(value)
        _check_range(value, spec)
    elif t == "bool":
        if not isinstance(value, bool):
            raise _Invalid(f"expected true or false, got {_type_word(value)} {_show(value)}")
    elif t == "str":
        if not isinstance(value, str):
            raise _Invalid(f"expected a string, got {_type_word(value)} {_show(value)}")
    elif t in ("str_list", "int_list"):
        want = str if t == "str_list" else int
        if not isinstance(value, list) or not all(
                isinstance(x, want) and not isinstance(x, bool) for x in value):
            word = "strings" if want is str else "integers"
            raise _Invalid(f"expected an array of {word}, got {_type_word(value)} {_show(value)}")
        if want is int:
            for x in value:
                _check_range(x, spec)
        value = list(value)
    elif t == "int_or_int_list":
        if _is_int(value):
            _check_range(value, spec)
        elif isinstance(value, list) and all(_is_int(x) for x in value):
            if not value:
                raise _Invalid("needs at least one node id")
            for x in value:
                _check_range(x, spec)
            value = list(value)
        else:
            raise _Invalid(f"expected an integer or an array of integers, got {_type_word(value)} {_show(value)}")
    elif t == "any":
        pass
    else:  # pragma: no cover - schema bug
        raise _Invalid(f"unsupported key type {t!r}")
    if spec.choices is not None and not isinstance(value, list) and value not in spec.choices:
        shown = ", ".join(_show(c) for c in spec.choices)
        hint = _did_you_mean(value, spec.choices) if isinstance(value, str) else ""
        raise _Invalid(f"must be one of {shown} (got {_show(value)}){hint}")
    return value


def _did_you_mean(word, options) -> str:
    options = [str(o) for o in options]
    close = difflib.get_close_matches(str(word), options, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


# ---------------------------------------------------------------------------- external specs
def _type_from_param(t) -> str:
    names = {int: "int", float: "float", bool: "bool", str: "str", list: "any", tuple: "any"}
    if t in names:
        return names[t]
    s = str(getattr(t, "__name__", t)).lower().replace(" ", "")
    for key, name in (("bool", "bool"), ("float", "float"), ("int", "int"), ("str", "str")):
        if s == key or s.startswith(key):
            return name
    if s.startswith(("list[str]", "tuple[str")):
        return "str_list"
    return "any"


def _models():
    try:
        gen = importlib.import_module("simulate.generators")
        return gen.MODELS
    except (ImportError, AttributeError):
        return None


def generator_keys(model: str) -> dict:
    """KeySpecs of ``[graph]`` for ``generator = model`` (from the model's ParamSpecs)."""
    models = _models()
    spec = models[model]
    keys = dict(GRAPH_GENERATOR_KEYS)
    required = getattr(importlib.import_module("simulate.generators"), "REQUIRED", REQUIRED)
    for name, p in spec.params.items():
        default = getattr(p, "default", None)
        keys[name] = KeySpec(
            name=name,
            type=_type_from_param(getattr(p, "type", "any")),
            default=REQUIRED if default is required or getattr(p, "required", False) else default,
            low=getattr(p, "low", None),
            high=getattr(p, "high", None),
            choices=tuple(p.choices) if getattr(p, "choices", None) else None,
            doc=getattr(p, "doc", "") or "",
        )
    return keys


def experiment_function(kind: str):
    """The callable running an experiment kind (None for the built-in ``graph`` kind)."""
    if kind == "distances":
        return importlib.import_module("simulate.distances").distance_distribution
    if kind == "chains":
        return importlib.import_module("simulate.chains").run_chains
    if kind == "profiles":
        return importlib.import_module("simulate.reach").distance_profiles
    return None


def experiment_keys(kind: str) -> dict:
    """KeySpecs of ``[experiment]`` for ``kind`` (ImportError when its module is missing)."""
    if kind == "graph":
        return dict(EXPERIMENT_GRAPH_KEYS)
    experiment_function(kind)
    if kind == "distances":
        return dict(EXPERIMENT_DISTANCES_KEYS)
    if kind == "profiles":
        return dict(EXPERIMENT_PROFILES_KEYS)
    keys = dict(EXPERIMENT_CHAINS_KEYS)
    policies = getattr(importlib.import_module("simulate.chains"), "POLICIES", None)
    if policies:
        keys["policy"] = KeySpec("policy", "str", keys["policy"].default, choices=tuple(policies),
                                 doc=keys["policy"].doc)
    return keys


def _jsonable(v):
    try:
        json.dumps(v)
        return True
    except (TypeError, ValueError):
        return False


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
    """The KeySpecs that apply to a ``[graph]`` table (after its source key is known)."""
    given = [k for k in GRAPH_SOURCES if k in table]
    if len(given) != 1:
        which = "none" if not given else " and ".join(repr(g) for g in given)
        raise loc.error(section, given[1] if len(given) > 1 else None,
                        f"give exactly one of 'dataset', 'file', 'generator' (got {which})")
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
    models = _models()
    if models is None:
        raise loc.error(section, "generator", "generators are not available (simulate.generators.MODELS missing)")
    if table["generator"] not in models:
        raise loc.error(section, "generator", f"unknown model {table['generator']!r}"
                        f"{_did_you_mean(table['generator'], models)} (known: {', '.join(sorted(models))})")
    return generator_keys(table["generator"])


def check_graph(table, loc, base_dir=None, section="graph") -> dict:
    """Validated copy of a ``[graph]`` table."""
    keys = graph_keys_for(table, section, loc)
    word = ""
    if "generator" in table:
        word = f" for generator {table['generator']!r}"
    out = _check_table(table, keys, section, loc, word)
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
    """Validated copy of an ``[experiment]`` table."""
    if "kind" not in table:
        raise loc.error(section, None, f"missing key 'kind' (one of {', '.join(EXPERIMENT_KINDS)})")
    kind = table["kind"]
    try:
        coerce_value(kind, EXPERIMENT_GRAPH_KEYS["kind"])
    except _Invalid as e:
        raise loc.error(section, "kind", f"unknown experiment kind: {e}") from None
    try:
        keys = experiment_keys(kind)
    except (ImportError, AttributeError):
        raise loc.error(section, "kind", f"experiment kind {kind!r} needs simulate.{kind}, "
                                         "which is not available in this installation") from None
    out = _check_table(table, keys, section, loc, f" for kind {kind!r}")
    if kind == "chains" and out.get("source_groups") is not None:
        from .errors import ParameterError

        try:
            importlib.import_module("simulate.chains").check_source_groups(out["source_groups"])
        except ParameterError as e:
            raise loc.error(section, "source_groups", str(e)) from None
    if kind == "distances" and "registers" in out:
        r = out["registers"]
        if r & (r - 1):
            raise loc.error(section, "registers", f"must be a power of two (got {r})")
    return out


def _spec_of(section, key, context, loc):
    """KeySpec of ``section.key`` given a context table (for checking swept values)."""
    try:
        if section == "graph":
            keys = graph_keys_for(context, section, loc) if any(k in context for k in GRAPH_SOURCES) else {}
            if key in GRAPH_SOURCES:
                return KeySpec(key, "str", REQUIRED)
        else:
            kind = context.get("kind")
            if key == "kind":
                return EXPERIMENT_GRAPH_KEYS["kind"]
            keys = experiment_keys(kind) if kind in EXPERIMENT_KINDS else {}
    except (ImportError, AttributeError, ConfigError):
        keys = {}
    if key not in keys:
        if keys:
            raise loc.error("sweep", f"{section}.{key}",
                            f"[{section}] has no key '{key}'{_did_you_mean(key, keys)}")
        return KeySpec(key, "any")
    return keys[key]


def resolve_graph(table) -> dict:
    """A validated ``[graph]`` table with every default filled in (what identifies a graph)."""
    if "generator" in table:
        keys = generator_keys(table["generator"])
    elif "dataset" in table:
        keys = GRAPH_DATASET_KEYS
    else:
        keys = GRAPH_FILE_KEYS
    return _with_defaults(table, keys)


def resolve_experiment(table) -> dict:
    """A validated ``[experiment]`` table with every default filled in."""
    return _with_defaults(table, experiment_keys(table["kind"]))


def _with_defaults(table, keys):
    out = {}
    for k, spec in keys.items():
        if k in table:
            out[k] = table[k]
        elif spec.default != REQUIRED and not (spec.default is None and k in OMITTED_WHEN_ABSENT):
            out[k] = copy.deepcopy(spec.default)
    for k in table:
        out.setdefault(k, table[k])
    return out


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
    seen_g, seen_e = set(), set()
    for combo in combinations(config.sweep, config.zip):
        g, e = apply_combination(config, combo)
        tg, te = canonical_json(g), canonical_json(e)
        if tg not in seen_g:
            seen_g.add(tg)
            check_graph(g, loc, config.base_dir)
        if te not in seen_e:
            seen_e.add(te)
            check_experiment(e, loc)


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
