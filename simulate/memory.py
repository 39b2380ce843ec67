"""Memory bounds checked before allocation.

A small request can ask for a huge allocation (a 40-byte KONECT file whose header declares
2e9 nodes, ``erdos_renyi n=2147483647``, HyperBall on a big graph with many registers). Each
such place estimates the bytes it is about to allocate and calls :func:`require_memory`, which
raises :class:`~simulate.errors.MemoryLimitError` (one clear line, nothing allocated) above
the limit instead of letting the process swap, get OOM-killed, or fail deep inside a kernel.

The limit: the environment variable ``SMALLWORLD_MAX_MEMORY`` (bytes, or with a suffix K, M,
G, T: ``16G``; ``0`` disables the check), settable with ``smallworld --max-memory``; default
80% of physical memory, so a 12 GB graph still fits on a 16 GB machine.
"""

from __future__ import annotations

import os

from .errors import MemoryLimitError, ParameterError

#: Environment variable holding the limit.
LIMIT_ENV = "SMALLWORLD_MAX_MEMORY"

#: Default limit as a fraction of physical memory.
DEFAULT_FRACTION = 0.8

_UNITS = {"": 1, "B": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def physical_memory() -> int:
    """Physical memory of this machine in bytes (0 if unknown)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 0


def parse_size(text) -> int:
    """Bytes from ``"16G"``, ``"512M"``, ``"1.5T"`` or a plain integer (ParameterError if not)."""
    s = str(text).strip().upper().removesuffix("IB").removesuffix("B")
    unit = s[-1:] if s[-1:] in _UNITS else ""
    try:
        value = float(s[: len(s) - len(unit)] if unit else s)
    except ValueError:
        raise ParameterError(f"memory limit {text!r} is not a size such as 16G, 512M or 2000000000") from None
    if value < 0 or value != value:
        raise ParameterError(f"memory limit must be >= 0, got {text!r}")
    return int(value * _UNITS[unit])


def memory_limit() -> int:
    """The limit in bytes (0: no limit); see the module docstring."""
    text = os.environ.get(LIMIT_ENV, "").strip()
    if text:
        return parse_size(text)
    return int(DEFAULT_FRACTION * physical_memory())


def format_bytes(nbytes) -> str:
    """``1.5 GiB``-style text."""
    x = float(nbytes)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(x) < 1024 or unit == "PiB":
            return f"{x:.0f} {unit}" if unit == "B" else f"{x:.1f} {unit}"
        x /= 1024
    return f"{x:.1f} PiB"


def require_memory(nbytes, what: str) -> None:
    """Raise MemoryLimitError if ``nbytes`` (an estimate for ``what``) exceeds the limit.

    Parameters
    ----------
    nbytes : int or float
        Estimated peak bytes of the request.
    what : str
        The request, as the user would recognise it (``"erdos_renyi with n = 2,147,483,647"``).
    """
    limit = memory_limit()
    if limit and nbytes > limit:
        raise MemoryLimitError(f"{what} needs about {format_bytes(nbytes)}, above the memory limit of "
                               f"{format_bytes(limit)} (set it with --max-memory or ${LIMIT_ENV})")


def graph_bytes(n, arcs) -> int:
    """Peak bytes to build a graph of ``n`` nodes and ``arcs`` arcs from an edge list.

    The final CSR takes 8 (n + 1) + 4 arcs bytes; building it holds the int64 endpoint arrays
    (16 bytes per arc) and per-node counters as well, so the estimate is 16 n + 24 arcs.
    """
    return 16 * int(n) + 24 * int(arcs)
