"""Named node-attribute requirements: what a graph source provides, what an experiment needs.

A *requirement* is a short string over node-attribute column names:

- ``"country"``: the column ``country``;
- ``"lat,lon"``: both columns ``lat`` and ``lon``;
- ``"coord_*"``: columns ``coord_0, coord_1, ...`` (at least ``coord_0``);
- ``"lat,lon|x,y"``: one of the alternatives (``lat`` and ``lon``, or ``x`` and ``y``).

Routing policies declare what they need (:mod:`simulate.policies`); generators declare what
they provide (``register_model(..., provides=...)``), so a sweep that routes on a graph lacking
the attributes fails when its config loads, and a stored graph fails before any chain runs.
A provided entry with alternatives (``"lat,lon|x,y"``: one of them, depending on the input)
satisfies a need only if every alternative does.

Pure string logic (no numpy, no graph import): the CLI and the config loader use it at start-up.
"""

from __future__ import annotations

import itertools
import re

_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\*)?")


def parse_requirement(text: str) -> tuple[frozenset, ...]:
    """The alternatives of a requirement, each a frozenset of column tokens.

    ``"lat,lon|x,y"`` -> ``(frozenset({"lat", "lon"}), frozenset({"x", "y"}))``. A token is a
    column name, or a prefix ending in ``_*`` for numbered columns. ValueError if malformed.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"a node-attribute requirement must be a non-empty string, got {text!r}")
    alternatives = []
    for alt in text.split("|"):
        tokens = [t.strip() for t in alt.split(",")]
        for t in tokens:
            m = _TOKEN.fullmatch(t)
            if m is None or (m.group(1) and not t.endswith("_*")):
                raise ValueError(f"bad node-attribute requirement {text!r}: {t!r} is not a column name "
                                 "or a numbered prefix like coord_*")
        alternatives.append(frozenset(tokens))
    return tuple(alternatives)


def describe(text: str) -> str:
    """Words for messages: ``"lat,lon|x,y"`` -> ``"lat,lon or x,y"``."""
    return " or ".join(",".join(sorted(alt)) for alt in parse_requirement(text))


def _has(columns, token) -> bool:
    if token.endswith("_*"):
        return f"{token[:-1]}0" in columns
    return token in columns


def missing_columns(columns, text: str) -> list:
    """Tokens of ``text`` absent from ``columns`` (the alternative missing the fewest; [] if met)."""
    columns = set(columns)
    best = None
    for alt in parse_requirement(text):
        gone = sorted(t for t in alt if not _has(columns, t))
        if not gone:
            return []
        if best is None or len(gone) < len(best):
            best = gone
    return best


def satisfied_by(provided, text: str) -> bool:
    """Whether a source providing the requirements ``provided`` meets the requirement ``text``.

    Every combination of the provided alternatives must contain one alternative of ``text``.
    """
    need = parse_requirement(text)
    options = [frozenset()]
    for entry in provided:
        options = [o | a for o, a in itertools.product(options, parse_requirement(entry))]
    return all(any(alt <= o for alt in need) for o in options)
