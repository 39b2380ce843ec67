"""Architecture: no import cycles inside ``simulate`` (function-level imports included), and the
layering of graph sources (``io`` and ``datasets`` never import ``sources``).

The import graph is read from the source with :mod:`ast`, so an import inside a function counts as
much as one at the top: a cycle hidden in a function still means two modules that cannot be
understood (or tested) one without the other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: package name -> its folder: ``simulate`` and the reproductions installed as ``simulate.experiments``.
PACKAGES = {"simulate": ROOT / "simulate", "simulate.experiments": ROOT / "experiments"}


def module_files() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package (``__init__`` as the package)."""
    out = {}
    for pkg, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join([pkg, *parts])] = path
    return out


def imported_modules(name: str, path: Path, known: set[str]) -> set[str]:
    """Modules of ``known`` that ``name`` imports anywhere in its file (absolute or relative)."""
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()

    def add(target):
        # ``import a.b.c`` names a.b.c; keep the longest known prefix (a module, or its package).
        parts = target.split(".")
        for k in range(len(parts), 0, -1):
            cand = ".".join(parts[:k])
            if cand in known:
                found.add(cand)
                return

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            for alias in node.names:  # ``from . import datasets`` imports the submodule
                if f"{mod}.{alias.name}" in known:
                    add(f"{mod}.{alias.name}")
                else:
                    add(mod)
    found.discard(name)
    return found


def import_graph() -> dict[str, set[str]]:
    files = module_files()
    known = set(files)
    return {name: imported_modules(name, path, known) for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]):
    """One import cycle as a list of modules (first repeated at the end), or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_no_import_cycles():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_cycle_finder_finds_a_planted_cycle(tmp_path, monkeypatch):
    pkg = tmp_path / "simulate"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from .b import g\n")  # function-level import counts
    (pkg / "b.py").write_text("from simulate import c\n")
    (pkg / "c.py").write_text("import simulate.a\n")
    monkeypatch.setitem(PACKAGES, "simulate", pkg)
    monkeypatch.setitem(PACKAGES, "simulate.experiments", tmp_path / "none")
    assert find_cycle(import_graph()) == ["simulate.a", "simulate.b", "simulate.c", "simulate.a"]


@pytest.mark.parametrize("lower", ["simulate.io", "simulate.datasets", "simulate.graph", "simulate.errors",
                                   "simulate.registry"])
def test_sources_sit_above_io_and_datasets(lower):
    graph = import_graph()
    reach, todo = set(), [lower]
    while todo:
        for nxt in graph[todo.pop()]:
            if nxt not in reach:
                reach.add(nxt)
                todo.append(nxt)
    assert "simulate.sources" not in reach


def test_kernels_import_nothing_above_them():
    graph = import_graph()
    for name, deps in graph.items():
        if name.startswith("simulate.kernels"):
            assert all(d.startswith("simulate.kernels") for d in deps), (name, deps)
