"""Shared pytest set-up.

Hypothesis profiles: under CI (``CI`` set, as `.ci/run` runs) examples are derandomized, so a red
CI run is reproducible bit for bit; locally they are random, so development keeps exploring new
cases. No per-example deadline anywhere: the first call of a Numba kernel compiles (or loads its
cache), which would trip Hypothesis' timing checks.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", derandomize=True, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
