"""TOML text of a config document, written with tomli-w (a maintained writer, not by hand).

Scalars first, then one table per section; ``nan``/``inf`` floats, quoted dotted keys
(``"graph.r"``) and arrays of tables (``source_groups``) round-trip through :mod:`tomllib`.
"""

from __future__ import annotations

import tomli_w


def dump_toml(doc: dict) -> str:
    """TOML text for a config-shaped dict (scalars first, then one table per section)."""
    scalars = {k: v for k, v in doc.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in doc.items() if isinstance(v, dict)}
    return tomli_w.dumps({**scalars, **tables})
