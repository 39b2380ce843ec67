"""Exceptions smallworld raises for bad input.

Every error a user can cause (a missing file, a malformed line, a bad parameter) is a
:class:`SmallworldError`; the CLI prints its message on one line and exits with status 2,
without a traceback.
"""


class SmallworldError(Exception):
    """Base class for errors caused by input (files, parameters, configs)."""


class GraphError(SmallworldError, ValueError):
    """An invalid graph or graph operation."""


class FormatError(SmallworldError, ValueError):
    """A file that cannot be parsed; the message names the file and, where known, the line."""


class DatasetError(SmallworldError, LookupError):
    """An unknown dataset, a missing data file or a checksum mismatch."""


class ParameterError(SmallworldError, ValueError):
    """A parameter outside its allowed range; the message names the parameter and the range."""


class ConfigError(SmallworldError, ValueError):
    """An invalid experiment config; the message names the file, line, section and key."""


class MemoryLimitError(SmallworldError, MemoryError):
    """A request whose estimated memory exceeds the limit (see :mod:`simulate.memory`)."""


# One type per failure of opening a graph source, raised the same way by the CLI, sweeps and
# Python (:mod:`simulate.sources`). Each also derives from the broader type earlier code caught.
class MissingFileError(FormatError, DatasetError):
    """A file that is not there: a path given directly, or a dataset's file in the data directory.

    For a dataset the message names the expected path and how to get it (``smallworld data fetch``,
    ``--data-dir`` or ``$SMALLWORLD_DATA``).
    """


class UnknownFormatError(FormatError):
    """A graph format that has no reader (or that cannot be guessed from the file name)."""


class UnknownDatasetError(DatasetError):
    """A dataset name that is not registered; the message lists the known ones and the closest."""
