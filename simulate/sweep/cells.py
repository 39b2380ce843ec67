"""Sweep cells and their seeds: one parameter combination and replicate each.

The id and seeds of a cell derive from the config seed and a hash of its resolved sections
(:func:`simulate.config.resolve_graph` / :func:`~simulate.config.resolve_experiment`); see
:mod:`simulate.sweep` for the documented contract. :data:`SCHEME` versions the derivation.

A cell's id deliberately leaves out what the config does not say (defaults declared after
issue 10, the model's code), so that ids and seeds stay stable; :func:`model_fingerprint` records
that part (every parameter with its default filled in, the model's code revision, the package
version) in each cell file, and a resume recomputes a cell whose fingerprint differs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import numpy as np

from ..config import Config, apply_combination, canonical_json, combinations, resolve_experiment, resolve_graph

#: Bump when the cell id or seed derivation changes (old results are then not reused).
SCHEME = 1

#: Directory of the cell files below an output directory.
CELLS = "cells"


def _words(digest: bytes) -> tuple:
    return tuple(int.from_bytes(digest[4 * i: 4 * i + 4], "little") for i in range(4))


def _seed_int(config_seed: int, spawn_key: tuple) -> int:
    ss = np.random.SeedSequence(config_seed, spawn_key=spawn_key)
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


@dataclass(frozen=True)
class Cell:
    """One parameter combination and replicate of a sweep.

    Attributes
    ----------
    id : str
        12 hex digits of ``sha256({"params", "seed", "scheme"})``.
    index : int
        Position in the expansion order.
    graph, experiment : dict
        Resolved (default-filled) sections.
    replicate : int
    swept : dict
        The swept values (``{"graph.r": 2.0, ...}``).
    columns : dict
        Parameter columns added to result tables (``{"r": 2.0, ..., "replicate": 0}``).
    seed : int
        Seed given to the experiment.
    graph_seed : int
        Seed given to the generator (unused for files and datasets).
    graph_key : str
        Identifies the graph (resolved graph section, plus ``graph_seed`` for generators, and
        the graph part of ``model``: a worker's cached graph of other defaults is not reused).
    config_seed : int
    spawn_key : tuple of int
        Spawn key of the experiment seed, for provenance.
    model : dict
        :func:`model_fingerprint` of the cell: what determines its result beyond its id.
    """

    id: str
    index: int
    graph: dict
    experiment: dict
    replicate: int
    swept: dict
    columns: dict
    seed: int
    graph_seed: int
    graph_key: str
    config_seed: int
    spawn_key: tuple
    model: dict = field(default_factory=dict)

    @property
    def params(self) -> dict:
        return {"graph": self.graph, "experiment": self.experiment, "replicate": self.replicate}

    def relpath(self) -> str:
        """Path of the cell's file below the output directory (hive-style partitions)."""
        parts = [CELLS]
        for name, value in self.columns.items():
            if name == "cell_id":
                continue
            parts.append(f"{name}={_path_value(value)}")
        parts.append(f"{self.id}.parquet")
        return "/".join(parts)


def _path_value(v) -> str:
    if isinstance(v, bool):
        s = "true" if v else "false"
    elif isinstance(v, (int, float, str)):
        s = str(v) if not isinstance(v, float) else repr(v)
    else:
        s = canonical_json(v)
    s = quote(s, safe="-._+")
    if len(s) > 60 or s.startswith("."):
        s = "h" + hashlib.sha256(s.encode()).hexdigest()[:12]
    return s


def param_columns(config: Config) -> dict:
    """Swept key -> column name: the key's last part (``graph.r`` -> ``r``), or
    ``graph_n`` / ``experiment_n`` where two sections sweep the same name."""
    names = {}
    short = [k.partition(".")[2] for k in config.sweep]
    for key in config.sweep:
        sec, _, name = key.partition(".")
        col = name if short.count(name) == 1 and name not in ("replicate", "cell_id") else f"{sec}_{name}"
        names[key] = col
    return names


def _source_content(graph: dict, base_dir) -> str | None:
    """Content fingerprint of a file or dataset graph source (None for generators, whose
    parameters and seed already identify the graph).

    A file: sha256 of its bytes (of a native directory's files), cached by file identity
    (:func:`simulate.io.stamps.content_digest`); ``"missing"`` if absent (the cell then fails
    naming the file). A dataset: its registered sha256 (checked against the file on use).
    """
    if "file" in graph:
        from ..io.stamps import content_digest

        path = Path(graph["file"])
        if not path.is_absolute() and base_dir is not None:
            path = Path(base_dir) / path
        return content_digest(path) or "missing"
    if "dataset" in graph:
        from .. import datasets

        try:
            return datasets.get(graph["dataset"]).sha256
        except Exception:  # an unknown name fails the cell with its own message
            return None
    return None


#: Code digests by module name (computed once per process).
_CODE_DIGESTS: dict = {}


def _code_digest(module_name: str) -> str | None:
    """sha256 (12 hex digits) of a model's module source and of the kernel and generator modules
    it uses directly (imported modules, or functions taken from them; one level, and not the
    generator registry); None if a source is unreadable."""
    if module_name in _CODE_DIGESTS:
        return _CODE_DIGESTS[module_name]
    import importlib
    import inspect
    import types

    try:
        module = importlib.import_module(module_name)
        names = {module_name}
        for value in vars(module).values():
            used = value.__name__ if isinstance(value, types.ModuleType) else getattr(value, "__module__", None)
            if isinstance(used, str) and used.startswith(("simulate.kernels.", "simulate.generators.")) \
                    and used != "simulate.generators.registry":
                names.add(used)
        h = hashlib.sha256()
        for name in sorted(names):
            h.update(name.encode())
            h.update(Path(inspect.getsourcefile(importlib.import_module(name))).read_bytes())
        digest = h.hexdigest()[:12]
    except (ImportError, OSError, TypeError):
        digest = None
    _CODE_DIGESTS[module_name] = digest
    return digest


def model_fingerprint(graph: dict, experiment: dict) -> dict:
    """What determines a cell's result beyond its id: recorded in its file, checked on resume.

    Parameters
    ----------
    graph, experiment : dict
        The cell's resolved sections.

    Returns
    -------
    dict
        ``graph``: every key of the graph source or generator with its default filled in (a
        default declared after issue 10 is not in the id, so changing it leaves the id as it
        was); ``experiment``: every parameter of the kind, defaults filled
        (:func:`simulate.config.run_parameters`); ``model``: the generator's or implicit
        model's name, declared code revision (:attr:`simulate.generators.registry.ModelSpec.revision`)
        and ``code`` digest (its module and the kernel modules it uses); ``version``: the
        package version. A resume recomputes a cell whose recorded ``graph``, ``experiment``,
        model revision or ``version`` differ (:func:`fingerprint_changes`); a changed ``code``
        digest alone is reported, not recomputed (comments and unrelated edits change it too).
    """
    from .. import __version__
    from ..config import run_parameters
    from ..config.schema import _graph_schema

    keys, _ = _graph_schema(graph)
    full = {k: graph[k] if k in graph else spec.default for k, spec in keys.items()
            if k in graph or not spec.required}
    full.update({k: v for k, v in graph.items() if k not in keys})
    model = None
    if "generator" in graph:
        from ..generators import MODELS

        spec = MODELS[graph["generator"]]
        function = getattr(spec.function, "__wrapped__", spec.function)
        model = {"name": spec.name, "revision": spec.revision, "code": _code_digest(function.__module__)}
    elif "implicit" in graph:
        from ..implicit import IMPLICIT_MODELS

        entry = IMPLICIT_MODELS.get(graph["implicit"])
        model = {"name": entry.spec.name, "revision": entry.spec.revision, "code": _code_digest(entry.cls.__module__)}
    # Through JSON, so the recorded copy read back from a file compares equal (tuples -> lists).
    return json.loads(canonical_json({"graph": full, "experiment": run_parameters(experiment), "model": model,
                                      "version": __version__}))


_ABSENT = object()


def _show_value(v) -> str:
    return "(absent)" if v is _ABSENT else canonical_json(v)


def fingerprint_changes(recorded, current: dict) -> tuple[list, list]:
    """(changes that make a finished cell stale, changes only reported) between a cell file's
    recorded :func:`model_fingerprint` and the current one, as ``"what: old -> new"`` strings.

    A file without a fingerprint (written before fingerprints were recorded) is stale: what
    its defaults were cannot be known.
    """
    if not isinstance(recorded, dict):
        return ["no model fingerprint recorded (written before fingerprints were recorded, so its "
                "defaults and model code are unknown)"], []
    stale, noted = [], []
    for section in ("graph", "experiment"):
        old, new = recorded.get(section) or {}, current.get(section) or {}
        for key in sorted(set(old) | set(new)):
            a, b = old.get(key, _ABSENT), new.get(key, _ABSENT)
            if a is _ABSENT or b is _ABSENT or canonical_json(a) != canonical_json(b):
                stale.append(f"{section}.{key}: {_show_value(a)} -> {_show_value(b)}")
    old_m, new_m = recorded.get("model") or {}, current.get("model") or {}
    if old_m.get("name") != new_m.get("name") or old_m.get("revision") != new_m.get("revision"):
        stale.append(f"model {new_m.get('name') or old_m.get('name')} revision {old_m.get('revision')} -> "
                     f"{new_m.get('revision')}")
    elif old_m.get("code") != new_m.get("code"):
        noted.append(f"model {new_m.get('name')} code {old_m.get('code')} -> {new_m.get('code')}")
    if recorded.get("version") != current.get("version"):
        stale.append(f"package version {recorded.get('version')} -> {current.get('version')}")
    return stale, noted


def expand_cells(config: Config) -> list[Cell]:
    """All cells of a config, in a fixed order (combinations, then replicates)."""
    colnames = param_columns(config)
    cells = []
    for combo in combinations(config.sweep, config.zip):
        g_raw, e_raw = apply_combination(config, combo)
        g = resolve_graph(g_raw)
        e = resolve_experiment(e_raw)
        fingerprint = model_fingerprint(g, e)
        for rep in range(config.replicates):
            params = {"graph": g, "experiment": e, "replicate": rep}
            h = hashlib.sha256(canonical_json(params).encode()).digest()
            hg = hashlib.sha256(canonical_json({"graph": g, "replicate": rep}).encode()).digest()
            ident = {"params": params, "seed": config.seed, "scheme": SCHEME}
            content = _source_content(g, config.base_dir)
            if content is not None:
                # The graph file's / dataset's content, so a replaced file is a new cell (never
                # the seed: seeds stay what they were).
                ident["source_content"] = content
            cid = hashlib.sha256(canonical_json(ident).encode()).hexdigest()[:12]
            spawn = (1, *_words(h))
            gseed = _seed_int(config.seed, (0, *_words(hg)))
            generated = "generator" in g
            gkey = canonical_json({"graph": g, "seed": gseed if generated else None,
                                   "base_dir": config.base_dir if "file" in g else None,
                                   "content": content,  # a replaced file is not the cached graph
                                   # nor is a graph of other defaults or model code
                                   "model": {k: fingerprint[k] for k in ("graph", "model")}})
            cols = {colnames[k]: v for k, v in combo.items()}
            cols["replicate"] = rep
            cols["cell_id"] = cid
            cells.append(Cell(id=cid, index=len(cells), graph=g, experiment=e, replicate=rep,
                              swept=dict(combo), columns=cols, seed=_seed_int(config.seed, spawn),
                              graph_seed=gseed, graph_key=gkey, config_seed=config.seed,
                              spawn_key=spawn, model=fingerprint))
    return cells
