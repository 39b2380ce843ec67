"""Packaging: a built wheel holds the package, the reproductions and their configs, and runs a
reproduction from another directory with no checkout beside it.

The wheel is built from a clean copy of this checkout (``pip wheel --no-deps``, build isolation fetches the
setuptools that ``pyproject.toml`` asks for) and installed with ``--no-deps --target`` into a
temporary folder put first on ``PYTHONPATH``: the installed files are the wheel's, the
dependencies those of the running environment. The fresh-venv check (``pip install .`` then
``cd /tmp && smallworld reproduce watts_strogatz --quick --out /tmp/x``) is the same layout with
the dependencies installed too; it takes minutes and is run by hand (see the README).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


#: Not part of a source distribution; build/ in particular may hold stale copies of deleted modules.
NOT_SOURCE = (".git", ".venv", "build", "dist", "*.egg-info", "results", "__pycache__", ".hypothesis",
              ".pytest_cache", ".benchmarks", "*.nbi", "*.nbc")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src") / "smallworld"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    dest = tmp_path_factory.mktemp("wheel")
    res = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(src), "-w", str(dest)],
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    (whl,) = dest.glob("smallworld-*.whl")
    return whl


def test_wheel_layout(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/", 1)[0] for n in names}
    assert "simulate" in tops and all(t == "simulate" or t.endswith(".dist-info") for t in tops)
    # The reproductions and configs live inside the package, and nothing is left out.
    for module in sorted((ROOT / "experiments").glob("*.py")):
        assert f"simulate/experiments/{module.name}" in names
    for config in sorted((ROOT / "configs").glob("*.toml")):
        assert f"simulate/configs/{config.name}" in names
    for package in sorted((ROOT / "simulate").rglob("__init__.py")):
        assert package.relative_to(ROOT).as_posix() in names
    assert not [n for n in names if n.startswith(("experiments/", "configs/", "tests/"))]


def test_installed_wheel_reproduces_from_another_directory(wheel, tmp_path):
    target = tmp_path / "site"
    res = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
                          str(wheel)], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "SMALLWORLD_DATA"}
    env["PYTHONPATH"] = str(target)
    out = tmp_path / "x"

    def run(*args):
        return subprocess.run([sys.executable, "-m", "simulate", *args], cwd=work, env=env, capture_output=True,
                              text=True, timeout=900)

    where = subprocess.run([sys.executable, "-c", "import simulate, simulate.experiments as e; "
                            "print(simulate.__file__); print(e.config_path('watts_strogatz'))"],
                           cwd=work, env=env, capture_output=True, text=True, timeout=120)
    assert where.returncode == 0, where.stderr
    assert all(line.startswith(str(target)) for line in where.stdout.split())
    res = run("reproduce", "watts_strogatz", "--quick", "--quiet", "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert (out / "report.md").is_file() and (out / "fig2.png").is_file()
    assert not (tmp_path / "figures").exists() and not (work / "results").exists()
    # No data directory beside an installed package: the error says how to set one.
    res = run("graph", "info", "ego-facebook", "--data-dir", str(tmp_path / "nodata"))
    assert res.returncode == 2 and "point --data-dir (or $SMALLWORLD_DATA)" in res.stderr
