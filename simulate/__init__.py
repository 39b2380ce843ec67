"""smallworld: six degrees of separation science.

Distances (exact, sampled, HyperBall), small-world graph generators and Milgram-style
decentralized search, over a compact CSR graph with Numba kernels.

The public names below are imported on first use (module ``__getattr__``), so that
``import simulate`` and ``smallworld --help`` do not load Numba, polars or the kernels.
"""

import os as _os
import sys as _sys

# First: the OpenMP wait policy must be in the environment before Numba loads its threads
# (only os is imported, so start-up stays light).
from . import thread_policy as _thread_policy  # noqa: F401  (isort: skip)

from importlib import import_module as _import_module

from .errors import SmallworldError

#: public name -> (module, attribute), imported on first access.
_LAZY = {
    "Graph": ("simulate.graph", "Graph"),
    "read_graph": ("simulate.sources", "read_graph"),
    "write_graph": ("simulate.io", "write_graph"),
    "distance_distribution": ("simulate.distances", "distance_distribution"),
    "DistanceDistribution": ("simulate.distances", "DistanceDistribution"),
}

__all__ = ["Graph", "read_graph", "write_graph", "distance_distribution", "DistanceDistribution",
           "SmallworldError", "__version__"]


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("smallworld")
    except PackageNotFoundError:  # running from a source tree without installation
        return "0.0.0+local"


def __getattr__(name):
    if name == "__version__":
        value = _package_version()
    elif name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(_import_module(module), attr)
    else:
        raise AttributeError(f"module 'simulate' has no attribute {name!r}")
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | {"__version__"})


# ---------------------------------------------------------------------------- source checkouts
#: Package names that a wheel installs from top-level folders of the repository (pyproject.toml's
#: ``package-dir``): the reproductions and their configs.
CHECKOUT_FOLDERS = {"simulate.experiments": "experiments", "simulate.configs": "configs"}


class CheckoutFolderFinder:
    """Import ``simulate.experiments`` / ``simulate.configs`` from this checkout's top-level folders.

    A wheel puts them inside the package; in a source checkout they are ``experiments/`` and
    ``configs/`` beside ``simulate/``. An editable install's finder maps those names to the checkout
    it was installed from, which is the wrong one when another checkout (a git worktree, a clone on
    ``PYTHONPATH``) provides ``simulate``; this finder, first on ``sys.meta_path``, maps them to the
    folders beside the ``simulate`` actually imported. Installed only in a checkout.
    """

    def __init__(self, folders: dict):
        self.folders = folders

    def find_spec(self, fullname, path=None, target=None):
        folder = self.folders.get(fullname)
        if folder is None:
            return None
        from importlib.util import spec_from_file_location

        return spec_from_file_location(fullname, _os.path.join(folder, "__init__.py"),
                                       submodule_search_locations=[folder])


def _install_checkout_finder():
    here = _os.path.dirname(_os.path.abspath(__file__))
    root = _os.path.dirname(here)
    if not _os.path.isfile(_os.path.join(root, "pyproject.toml")):
        return  # an installed wheel: the folders are subpackages already
    folders = {name: _os.path.join(root, folder) for name, folder in CHECKOUT_FOLDERS.items()
               if _os.path.isfile(_os.path.join(root, folder, "__init__.py"))
               and not _os.path.isdir(_os.path.join(here, name.rsplit(".", 1)[1]))}
    if folders and not any(isinstance(f, CheckoutFolderFinder) for f in _sys.meta_path):
        _sys.meta_path.insert(0, CheckoutFolderFinder(folders))


_install_checkout_finder()
