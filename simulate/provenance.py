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
