"""Registry of the real graphs smallworld knows, and where their files live.

Data directory, first that applies: the ``data_dir`` argument (``--data-dir``), the
``SMALLWORLD_DATA`` environment variable, ``../shared/data`` next to the repository (when it
exists), else ``~/.cache/smallworld/data``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import DatasetError


@dataclass(frozen=True)
class Dataset:
    """One known real graph.

    Attributes
    ----------
    name : str
        Registry key used on the command line (``smallworld graph info ego-facebook``).
    file : str
        Path relative to the data directory.
    format : str
        Reader name in :data:`simulate.io.READERS`.
    directed : bool
        Default directedness when read.
    nodes, edges : int
        Expected counts after reading (undirected edges counted once, self-loops and
        duplicates dropped).
    sha256 : str
        Checksum of the file as distributed.
    """

    name: str
    description: str
    citation: str
    url: str
    file: str
    format: str
    directed: bool
    sha256: str
    nodes: int
    edges: int

    def local_path(self, data_dir=None) -> Path:
        return resolve_data_dir(data_dir) / self.file

    def is_present(self, data_dir=None) -> bool:
        return self.local_path(data_dir).exists()

    def read(self, path=None, directed=None, format=None):
        from .io import READERS

        path = self.local_path() if path is None else Path(path)
        fmt = format or self.format
        return READERS[fmt](path, self.directed if directed is None else directed)


_REPO_ROOT = Path(__file__).resolve().parent.parent

REGISTRY: dict[str, Dataset] = {}


def _register(*items):
    for d in items:
        REGISTRY[d.name] = d


_register(
    Dataset(
        name="ego-facebook",
        description="SNAP ego-Facebook: 10 ego networks combined (friend lists of survey participants)",
        citation="J. McAuley, J. Leskovec. Learning to Discover Social Circles in Ego Networks. NIPS 2012.",
        url="https://snap.stanford.edu/data/facebook_combined.txt.gz",
        file="snap/facebook_combined.txt.gz", format="snap", directed=False,
        sha256="7cc432d08910b3a940ce90f7da94c13aaf048b04724eafcdf3050b28acc49daf",
        nodes=4039, edges=88234,
    ),
)


def resolve_data_dir(data_dir=None) -> Path:
    """The data directory (see module docstring for the search order)."""
    if data_dir:
        return Path(data_dir)
    env = os.environ.get("SMALLWORLD_DATA")
    if env:
        return Path(env)
    shared = _REPO_ROOT.parent / "shared" / "data"
    if shared.exists():
        return shared
    return Path.home() / ".cache" / "smallworld" / "data"


def is_dataset(name: str) -> bool:
    return name in REGISTRY


def get(name: str) -> Dataset:
    """Registry entry by name (DatasetError with the known names if unknown)."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise DatasetError(f"unknown dataset {name!r}; known: {', '.join(sorted(REGISTRY))}") from None
