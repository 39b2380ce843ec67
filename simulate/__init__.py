"""smallworld: six degrees of separation science.

Distances (exact, sampled, HyperBall), small-world graph generators and Milgram-style
decentralized search, over a compact CSR graph with Numba kernels.
"""

from importlib.metadata import PackageNotFoundError, version as _version

from .errors import SmallworldError
from .graph import Graph
from .distances import DistanceDistribution, distance_distribution
from .io import read_graph, write_graph

try:
    __version__ = _version("smallworld")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+local"

__all__ = ["Graph", "read_graph", "write_graph", "distance_distribution", "DistanceDistribution",
           "SmallworldError", "__version__"]
