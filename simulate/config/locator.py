"""Line numbers for config errors: tomllib reports none, so the raw TOML text is scanned.

:func:`key_lines` maps ``(section, key)`` to the line that sets it (every dotted form:
``[sweep]`` + ``"graph.r" = ...``, ``graph.r = ...``, ``[sweep.graph]`` + ``r = ...``);
:class:`Locator` turns a problem into a :class:`~simulate.errors.ConfigError` naming file, line,
section and key, e.g. ``x.toml, line 7, [graph] key 'sid': unknown key; did you mean 'side'?``.
"""

from __future__ import annotations

import json
import re

from ..errors import ConfigError

_PART = r'(?:"(?:[^"\\]|\\.)*"|\'[^\']*\'|[A-Za-z0-9_-]+)'
_DOTTED = rf"{_PART}(?:\s*\.\s*{_PART})*"
# A table header [a.b], or an array-of-tables header [[a.b]] (tomli-w writes source_groups so).
_HEADER_RE = re.compile(rf"^\s*\[\[?\s*({_DOTTED})\s*\]\]?\s*(?:#.*)?$")
_KEY_RE = re.compile(rf"^\s*({_DOTTED})\s*=")
_PART_RE = re.compile(_PART)


def _split_dotted(text: str) -> list[str]:
    parts = []
    for p in _PART_RE.findall(text):
        if p.startswith('"'):
            try:
                p = json.loads(p)
            except ValueError:
                p = p[1:-1]
        elif p.startswith("'"):
            p = p[1:-1]
        parts.append(p)
    return parts


def key_lines(text: str) -> dict:
    """Map ``(section, key)`` -> 1-based line number by scanning the raw TOML text.

    Every split of a dotted path is recorded, so ``[sweep]`` + ``graph.r = ...``,
    ``[sweep]`` + ``"graph.r" = ...`` and ``[sweep.graph]`` + ``r = ...`` all answer
    ``("sweep", "graph.r")``. Section headers are recorded as ``(section, None)``.
    """
    lines: dict = {}
    header: list[str] = []
    in_multiline = None
    for no, line in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if line.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        m = _HEADER_RE.match(line)
        if m:
            header = _split_dotted(m.group(1))
            lines.setdefault((".".join(header), None), no)
            continue
        m = _KEY_RE.match(line)
        if not m:
            continue
        path = header + _split_dotted(m.group(1))
        for i in range(len(path)):
            lines.setdefault((".".join(path[:i]), ".".join(path[i:])), no)
        rest = line[m.end():]
        for q in ('"""', "'''"):
            if rest.count(q) % 2 == 1:
                in_multiline = q
    return lines


class Locator:
    """Builds ConfigErrors that name file, line, section and key.

    ``overlay`` is the ``[quick]`` table when validating the quick-merged document: keys it
    sets are reported in ``[quick.<section>]``. ``swept`` holds ``"graph.r"``-style keys whose
    values come from ``[sweep]``: problems with them are reported at the sweep key.
    """

    def __init__(self, source, lines, overlay=None):
        self.source = source
        self.lines = lines
        self.overlay = overlay or {}
        self.swept: set = set()

    def _place(self, section, key):
        if section in ("graph", "experiment") and key is not None and f"{section}.{key}" in self.swept:
            return self._place("sweep", f"{section}.{key}")
        ov = self.overlay
        if section == "":
            in_overlay = key in ov
        else:
            sec = ov.get(section)
            in_overlay = isinstance(sec, dict) and (key is None or key in sec or _sweep_has(sec, key))
        shown = section
        if in_overlay and ov:
            shown = f"quick.{section}" if section else "quick"
        line = self.lines.get((shown, key)) if key is not None else None
        if line is None and key is not None and shown != section:
            line = self.lines.get((section, key))
        if line is None:
            line = self.lines.get((shown, None))
        return shown, key, line

    def error(self, section, key, message) -> ConfigError:
        shown, key, line = self._place(section, key)
        where = self.source
        if line is not None:
            where += f", line {line}"
        if key is None:
            return ConfigError(f"{where}, [{shown}]: {message}")
        if shown == "":
            return ConfigError(f"{where}, key '{key}': {message}")
        return ConfigError(f"{where}, [{shown}] key '{key}': {message}")


def _sweep_has(sec, key):
    if key in sec:
        return True
    head, _, rest = key.partition(".")
    return bool(rest) and isinstance(sec.get(head), dict) and rest in sec[head]
