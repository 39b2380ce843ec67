"""Package layout (everything else is in pyproject.toml).

The reproductions (top-level ``experiments/``) and their configs (``configs/``) install inside the
package, as ``simulate.experiments`` and ``simulate.configs`` (package data ``*.toml``), so an
installed smallworld has no generic top-level ``experiments`` module and finds its configs with
``importlib.resources``. The ``simulate`` subpackages are discovered, so a new one needs no edit
here; ``tests/test_packaging.py`` checks what a wheel holds.
"""

from setuptools import find_packages, setup

#: installed package name -> repository folder
MAPPED = {"simulate.experiments": "experiments", "simulate.configs": "configs"}

setup(
    packages=sorted(find_packages(include=["simulate", "simulate.*"]) + list(MAPPED)),
    package_dir=MAPPED,
    package_data={"simulate.configs": ["*.toml"]},
)
