"""JSON for provenance metadata: configs, parameters and summaries written into Parquet files.

Every result file smallworld writes carries its provenance (config, seed, package version,
graph fingerprint) as JSON in the Parquet key-value metadata; numpy scalars and arrays
appear there constantly, so all writers share this one converter.
"""

from __future__ import annotations

import numpy as np


def json_default(o):
    """``default=`` hook for :func:`json.dumps`: numpy integers/floats/arrays to Python, else ``str``."""
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def write_parquet(table, path, provenance: dict, metadata=None):
    """Write a polars DataFrame (or pyarrow Table) to Parquet atomically, with provenance.

    The schema metadata key ``smallworld`` holds ``provenance`` as JSON; every key of ``metadata``
    (a dict) is stored as its own key with a JSON value. Returns ``path``.
    """
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    from .io.atomic import atomic_path

    if not isinstance(table, pa.Table):
        table = table.to_arrow()
    meta = dict(table.schema.metadata or {})
    meta[b"smallworld"] = json.dumps(provenance, default=json_default).encode()
    for k, v in (metadata or {}).items():
        meta[str(k).encode()] = json.dumps(v, default=json_default).encode()
    table = table.replace_schema_metadata(meta)
    with atomic_path(path) as tmp:
        pq.write_table(table, str(tmp))
    return path
