"""Graph sources: one resolver from a dataset name, a file or a generator spec to a graph.

Every place that needs a graph (the CLI's ``PATH|NAME`` argument, a config's ``[graph]`` section
in a sweep cell, :func:`simulate.read_graph` from Python) goes through :func:`open_source`, so a
failure is the same error everywhere:

=====================  ===========================================================================
failure                error
=====================  ===========================================================================
missing file           :class:`~simulate.errors.MissingFileError` (a path, or a dataset's file in
                       the data directory; the message says how to fetch it or set the directory)
unknown format         :class:`~simulate.errors.UnknownFormatError` (with "did you mean")
unknown dataset        :class:`~simulate.errors.UnknownDatasetError` (with "did you mean")
unknown generator      :class:`~simulate.errors.ParameterError` (from :mod:`simulate.generators`)
=====================  ===========================================================================

Sources are a :class:`~simulate.registry.Registry` (:data:`SOURCES`): ``file``, ``dataset`` and
``generator``, each selected by the ``[graph]`` key of the same name. A new kind of source (for
example an implicit population that is never built as a CSR graph) is one :func:`register_source`
call; its ``open`` may return something other than a :class:`~simulate.Graph`, which it states in
``returns``.

The data directory travels as an argument (``data_dir``), from ``--data-dir`` down to every sweep
cell and Dask worker; :func:`simulate.datasets.resolve_data_dir` turns ``None`` into the default
(``$SMALLWORLD_DATA``, then the checkout's ``../shared/data``) once, in the calling process.

Layering: this module sits above :mod:`simulate.io` (files) and :mod:`simulate.datasets` (names);
neither imports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .errors import ParameterError, SmallworldError, UnknownDatasetError
from .registry import Registry

__all__ = ["SOURCES", "GraphSource", "SourceContext", "register_source", "open_source", "read_graph",
           "source_spec"]


@dataclass(frozen=True)
class SourceContext:
    """What opening a source may need besides its own spec.

    Attributes
    ----------
    data_dir : Path or None
        Directory holding dataset files; None means :func:`simulate.datasets.resolve_data_dir`'s default.
    base_dir : Path or None
        Directory that relative ``file`` paths are relative to (a config file's directory).
    seed : int
        Seed for random sources (generators); ignored by files and datasets.
    """

    data_dir: Path | None = None
    base_dir: Path | None = None
    seed: int = 0


@dataclass(frozen=True)
class GraphSource:
    """One kind of graph source.

    Attributes
    ----------
    name : str
        Registry name, and the ``[graph]`` key that selects this source (``file = "g.txt"``).
    open : callable
        ``open(spec: dict, ctx: SourceContext) -> object``: the graph (or population) of a resolved
        ``[graph]`` spec, which holds ``spec[name]`` and this source's options.
    options : tuple of str
        Further ``[graph]`` keys this source reads (documentation; configs validate them).
    returns : str
        What ``open`` returns: ``"Graph"`` or, for sources that never build a CSR graph, a name
        for their object (for example ``"population"``).
    description : str
    """

    name: str
    open: Callable[[dict, SourceContext], Any]
    options: tuple = ()
    returns: str = "Graph"
    description: str = ""
    module: str = field(default="", compare=False)


#: Every graph source, by the ``[graph]`` key that selects it.
SOURCES: Registry = Registry("graph source", error=ParameterError)


def register_source(name, open, options=(), returns="Graph", description="", module=None) -> GraphSource:
    """Declare a graph source (see :class:`GraphSource`); a name declared from two modules is an error."""
    module = module or getattr(open, "__module__", None) or "?"
    entry = GraphSource(name=name, open=open, options=tuple(options), returns=returns,
                        description=description, module=module)
    return SOURCES.register(name, entry, module=module)


# ---------------------------------------------------------------------------- the three built-in sources
def _open_file(spec: dict, ctx: SourceContext):
    from .io import read_file

    path = Path(spec["file"])
    if not path.is_absolute() and ctx.base_dir is not None:
        path = Path(ctx.base_dir) / path
    return read_file(path, directed=spec.get("directed"), format=spec.get("format"))


def _open_dataset(spec: dict, ctx: SourceContext):
    from . import datasets

    ds = datasets.get(spec["dataset"])
    path = ds.require(ctx.data_dir)
    return ds.read(path, directed=spec.get("directed"), format=spec.get("format"), data_dir=ctx.data_dir)


def _open_generator(spec: dict, ctx: SourceContext):
    from .generators import generate

    # Every other key of the section is a model parameter (None = the model's default).
    kwargs = {k: v for k, v in spec.items() if k not in ("generator", "component") and v is not None}
    return generate(spec["generator"], seed=ctx.seed, **kwargs)


def _open_implicit(spec: dict, ctx: SourceContext):
    from .implicit import implicit_population

    kwargs = {k: v for k, v in spec.items() if k not in ("implicit", "mode") and v is not None}
    return implicit_population(spec["implicit"], seed=ctx.seed, mode=spec.get("mode"), **kwargs)


register_source("file", _open_file, options=("directed", "format"),
                description="a graph file (format from the name, or format = ...); relative to the config")
register_source("dataset", _open_dataset, options=("directed", "format"),
                description="a registered real data set (smallworld data list), read from the data directory")
register_source("generator", _open_generator, options=("<model parameters>",),
                description="a synthetic model (smallworld generate --list), built from the cell's graph seed")
register_source("implicit", _open_implicit, options=("mode", "<model parameters>"), returns="population",
                description="an implicit population (simulate.implicit): contacts computed on demand from the "
                            "cell's graph seed, never stored; chain experiments only")


# ---------------------------------------------------------------------------- resolving
def source_spec(source, directed=None, format=None) -> dict:
    """The ``[graph]``-style spec of a command-line ``PATH|NAME``.

    An existing path is a file; otherwise a registered dataset name is a dataset; otherwise the
    word is reported as what it most looks like: a path (has a ``/`` or a suffix) is a missing
    file (:class:`MissingFileError`, when opened), a bare word an unknown dataset
    (:class:`UnknownDatasetError`, now).
    """
    from . import datasets
    from .registry import did_you_mean

    if isinstance(source, dict):
        return dict(source)
    text = str(source)
    extra = {k: v for k, v in (("directed", directed), ("format", format)) if v is not None}
    if Path(text).exists() or isinstance(source, Path) or "/" in text or "." in text:
        return {"file": text, **extra}
    if datasets.is_dataset(text):
        return {"dataset": text, **extra}
    raise UnknownDatasetError(f"{text}: no such file, and not a known dataset name"
                              f"{did_you_mean(text, datasets.names())} (see 'smallworld data list')")


def _context(data_dir=None, base_dir=None, seed=0) -> SourceContext:
    return SourceContext(data_dir=Path(data_dir) if data_dir else None,
                         base_dir=Path(base_dir) if base_dir else None, seed=int(seed))


def open_source(spec, data_dir=None, base_dir=None, seed=0):
    """Open a graph source: a ``[graph]`` spec (dict) or a command-line ``PATH|NAME``.

    Parameters
    ----------
    spec : dict or str or Path
        A resolved ``[graph]`` section with exactly one source key (``file``, ``dataset``,
        ``generator`` or another registered one) plus its options and optionally
        ``component = "largest"``; or a path / dataset name (see :func:`source_spec`).
    data_dir : str or Path, optional
        Directory holding dataset files [default: :func:`simulate.datasets.resolve_data_dir`].
    base_dir : str or Path, optional
        Directory relative ``file`` paths are taken from.
    seed : int
        Seed of random sources.

    Returns
    -------
    Graph, or what the source's ``returns`` names.

    Raises
    ------
    MissingFileError, UnknownFormatError, UnknownDatasetError, ParameterError
        See the module docstring.
    """
    spec = source_spec(spec)
    keys = [k for k in SOURCES if k in spec]
    if len(keys) != 1:
        raise ParameterError(f"a graph source needs exactly one of {', '.join(SOURCES)}; got "
                             f"{', '.join(keys) if keys else 'none'} (keys: {', '.join(map(str, spec))})")
    graph = SOURCES.get(keys[0]).open(spec, _context(data_dir, base_dir, seed))
    if spec.get("component") == "largest":
        graph = graph.largest_component()
    return graph


def read_graph(source, directed=None, format=None, data_dir=None):
    """Read a graph from a file or a known dataset name (this is ``simulate.read_graph``).

    Parameters
    ----------
    source : str or Path
        A file path, or a dataset name from :mod:`simulate.datasets` (e.g. ``"ego-facebook"``).
    directed : bool, optional
        Force directed/undirected. Default: the dataset registry's value for known datasets,
        the file's own (native, Parquet), else undirected.
    format : str, optional
        Reader name (see :data:`simulate.io.READERS`); default guessed from the file name.
    data_dir : str or Path, optional
        Where dataset files live (see :func:`simulate.datasets.resolve_data_dir`).

    Returns
    -------
    Graph

    Raises
    ------
    MissingFileError
        No such file, or the dataset's file is not in the data directory.
    UnknownFormatError
        ``format`` unknown, or not guessable from the file name.
    UnknownDatasetError
        A bare name that is neither a file nor a registered dataset.
    """
    from .graph import Graph

    graph = open_source(source_spec(source, directed, format), data_dir=data_dir)
    if not isinstance(graph, Graph):  # pragma: no cover - no such source is registered yet
        raise SmallworldError(f"{source}: the source gives a {type(graph).__name__}, not a graph")
    return graph
