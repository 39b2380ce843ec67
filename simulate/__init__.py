"""smallworld: six degrees of separation science.

Distances (exact, sampled, HyperBall), small-world graph generators and Milgram-style
decentralized search, over a compact CSR graph with Numba kernels.

The public names below are imported on first use (module ``__getattr__``), so that
``import simulate`` and ``smallworld --help`` do not load Numba, polars or the kernels.
"""

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
