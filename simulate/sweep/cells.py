"""Sweep cells and their seeds: one parameter combination and replicate each.

The id and seeds of a cell derive from the config seed and a hash of its resolved sections
(:func:`simulate.config.resolve_graph` / :func:`~simulate.config.resolve_experiment`); see
:mod:`simulate.sweep` for the documented contract. :data:`SCHEME` versions the derivation.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
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
        Identifies the graph (resolved graph section, plus ``graph_seed`` for generators).
    config_seed : int
    spawn_key : tuple of int
        Spawn key of the experiment seed, for provenance.
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


def expand_cells(config: Config) -> list[Cell]:
    """All cells of a config, in a fixed order (combinations, then replicates)."""
    colnames = param_columns(config)
    cells = []
    for combo in combinations(config.sweep, config.zip):
        g_raw, e_raw = apply_combination(config, combo)
        g = resolve_graph(g_raw)
        e = resolve_experiment(e_raw)
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
                                   "content": content})  # a replaced file is not the cached graph
            cols = {colnames[k]: v for k, v in combo.items()}
            cols["replicate"] = rep
            cols["cell_id"] = cid
            cells.append(Cell(id=cid, index=len(cells), graph=g, experiment=e, replicate=rep,
                              swept=dict(combo), columns=cols, seed=_seed_int(config.seed, spawn),
                              graph_seed=gseed, graph_key=gkey, config_seed=config.seed,
                              spawn_key=spawn))
    return cells
