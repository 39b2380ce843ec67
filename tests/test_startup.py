"""Start-up: ``smallworld --help`` loads only click and the package's light modules.

Checked in a fresh interpreter (``sys.modules`` after the command), not by timing: which modules
load is deterministic, wall-clock time on a shared machine is not. The heavy ones listed here cost
about 1.3 s together on the development machine; ``README.md`` reports the measured times.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Modules (and their submodules) that a help screen must not load.
HEAVY = ("numba", "scipy", "matplotlib", "dask", "distributed", "polars", "pyarrow", "networkx",
         "simulate.kernels", "simulate.graph", "simulate.experiments", "experiments")

SCRIPT = """
import json, sys
from simulate.cli import main
try:
    main({args!r}, prog_name="smallworld")
except SystemExit:
    pass
sys.stdout.flush()
print("\\nMODULES" + json.dumps(sorted(sys.modules)))
"""


def loaded_modules(args) -> list[str]:
    out = subprocess.run([sys.executable, "-c", SCRIPT.format(args=list(args))], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "Usage:" in out.stdout
    return json.loads(out.stdout.rsplit("MODULES", 1)[1])


def heavy_in(modules) -> list[str]:
    return [m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)]


def _commands():
    from simulate.cli import main

    return sorted(main.commands)


@pytest.mark.parametrize("args", [["--help"], ["graph", "info", "--help"]] + [[c, "--help"] for c in _commands()])
def test_help_loads_no_heavy_module(args):
    mods = loaded_modules(args)
    assert "click" in mods and "simulate.cli" in mods  # the check looked at the right process
    assert heavy_in(mods) == []


def test_the_check_sees_a_heavy_import():
    # The same inspection flags a process that did load a kernel module.
    assert heavy_in(["click", "simulate.kernels.bfs", "numba.core"]) == ["simulate.kernels.bfs", "numba.core"]


def test_import_simulate_is_lazy_but_complete():
    code = ("import sys, simulate; light = 'simulate.graph' not in sys.modules and 'numba' not in sys.modules; "
            "g = simulate.Graph.from_edges([0, 1], [1, 2], n=3); "
            "print(light, g.n, callable(simulate.read_graph), callable(simulate.distance_distribution), "
            "simulate.__version__ != '', sorted(set(simulate.__all__) - set(dir(simulate))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "3", "True", "True", "True", "[]"]
