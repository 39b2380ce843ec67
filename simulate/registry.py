"""Named registries: one declaration per extensible concept, one lookup, one "did you mean".

Experiment kinds, routing policies, graph sources, generators and reproductions are each a
:class:`Registry`. An entry is declared once, next to its code, with :meth:`Registry.register`;
everything that lists or validates names (CLI choices, config schemas, docs, error messages) reads
the registry instead of keeping a copy.

A name registered from two different modules is an error (two declarations of one concept would
silently shadow each other); registering it again from the same module (a reload) replaces it.
"""

from __future__ import annotations

import difflib
from typing import Generic, Iterator, TypeVar

from .errors import ParameterError

T = TypeVar("T")


def did_you_mean(word, options) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``options`` to ``word``, or ``""``.

    The one suggestion rule of the package (difflib ratio >= 0.6), used by every error message
    that rejects a name: config keys, parameters, models, datasets, policies, kinds.
    """
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


class Registry(Generic[T]):
    """An ordered name -> entry mapping that refuses conflicting declarations.

    Parameters
    ----------
    what : str
        What the entries are, for messages ("experiment kind", "routing policy").
    error : type
        Exception raised by :meth:`get` for an unknown name (a :class:`SmallworldError`).

    Examples
    --------
    >>> kinds = Registry("experiment kind")
    >>> kinds.register("graph", object())
    >>> "graph" in kinds, kinds.names()
    (True, ('graph',))
    """

    def __init__(self, what: str, error: type = ParameterError):
        self.what = what
        self.error = error
        self._entries: dict[str, T] = {}
        self._modules: dict[str, str] = {}

    def register(self, name: str, entry: T, module: str | None = None) -> T:
        """Add ``entry`` under ``name``; TypeError if another module already declared it.

        ``module`` defaults to ``entry.__module__`` (or the entry's ``function``'s) where there is one.
        """
        if not isinstance(name, str) or not name:
            raise TypeError(f"{self.what} names must be non-empty strings, got {name!r}")
        if module is None:
            module = getattr(entry, "__module__", None) or getattr(getattr(entry, "function", None),
                                                                    "__module__", None) or "?"
        old = self._modules.get(name)
        if old is not None and old != module:
            raise TypeError(f"{self.what} {name!r} is declared twice: in {old} and in {module}")
        self._entries[name] = entry
        self._modules[name] = module
        return entry

    def get(self, name: str) -> T:
        """The entry named ``name``; ``self.error`` naming the known names (and the closest) if none."""
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            names = ", ".join(self._entries) or "none"
            raise self.error(f"unknown {self.what} {name!r}{did_you_mean(name, self._entries)} "
                             f"(known: {names})") from None

    def module_of(self, name: str) -> str:
        """The module that declared ``name``."""
        self.get(name)
        return self._modules[name]

    def names(self) -> tuple[str, ...]:
        """Registered names, in declaration order."""
        return tuple(self._entries)

    def items(self):
        return self._entries.items()

    def values(self):
        return self._entries.values()

    def __contains__(self, name) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.what!r}, {list(self._entries)})"
