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
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError
from ..kinds import experiment_kinds
from ..params import InvalidValue
from ..params import show as _show
from ..params import type_word as _type_word
from ..registry import did_you_mean as _did_you_mean
from .locator import Locator, key_lines
from .schema import (
    GRAPH_DATASET_KEYS,
    GRAPH_FILE_KEYS,
    GRAPH_GENERATOR_KEYS,
    GRAPH_IMPLICIT_KEYS,
    GRAPH_SOURCES,
    HASHED_DEFAULTS,
    OUTPUT_KEYS,
    SECTIONS,
    SWEEP_RESERVED,
    TOP_KEYS,
    _check_table,
    _spec_of,
    check_experiment,
    check_graph,
    coerce_value,
    experiment_keys,
    generator_keys,
    graph_keys_for,
    implicit_keys,
    kind_key,
    resolve_experiment,
    resolve_graph,
    run_parameters,
)
from .toml_writer import dump_toml

__all__ = ['Config', 'ConfigError', 'load_config', 'parse_config', 'dump_config', 'dump_toml',
           'canonical_json', 'combinations', 'count_cells', 'apply_combination', 'check_cells', 'key_lines',
           'Locator', 'GRAPH_DATASET_KEYS', 'GRAPH_FILE_KEYS', 'GRAPH_GENERATOR_KEYS', 'GRAPH_IMPLICIT_KEYS',
           'GRAPH_SOURCES', 'HASHED_DEFAULTS', 'OUTPUT_KEYS', 'SECTIONS', 'SWEEP_RESERVED', 'TOP_KEYS',
           'check_experiment', 'check_graph', 'coerce_value', 'experiment_keys', 'generator_keys',
           'graph_keys_for', 'implicit_keys', 'kind_key', 'resolve_experiment', 'resolve_graph',
           'run_parameters']


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
    from ..memory import require_memory

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
            except InvalidValue as e:
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
            except InvalidValue as e:
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
        loc = Locator(config.source, {})
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
                base = _flatten_sweep(base, Locator("", {}))
                value = _flatten_sweep(value, Locator("", {}))
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
        except InvalidValue as e:
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
                except InvalidValue as e:
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
    loc = Locator(source, lines)
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
    qconfig = _check_document(merged, Locator(source, lines, overlay=quick_table), base_dir,
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


def dump_config(config: Config) -> str:
    """TOML text that :func:`parse_config` reads back to an equal :class:`Config`."""
    return dump_toml(config.to_document())
