"""Shared pytest set-up: Hypothesis profiles and the real-data fixture.

Hypothesis profiles: under CI (``CI`` set, as `.ci/run` runs) examples are derandomized, so a red
CI run is reproducible bit for bit; locally they are random, so development keeps exploring new
cases. No per-example deadline anywhere: the first call of a Numba kernel compiles (or loads its
cache), which would trip Hypothesis' timing checks.

Real data: a test that needs a file of the shared data sets asks the ``data_file`` fixture for it
(a path under the data directory, or a registered dataset name). Without the file the test is
skipped with a reason naming the file; under ``CI=true`` a missing file is a failure instead, so
CI can never go green by skipping the data tests. The data directory is ``$SMALLWORLD_DATA``, else
``../shared/data`` beside the repository (the package's own default).
"""

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", derandomize=True, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

#: Where the real data sets are looked up.
DATA_DIR = (Path(os.environ["SMALLWORLD_DATA"]) if os.environ.get("SMALLWORLD_DATA")
            else Path(__file__).resolve().parents[1].parent / "shared" / "data")


def require_data(name) -> Path:
    """Path of a real data file: ``name`` is a path relative to :data:`DATA_DIR`
    ("snap/CA-GrQc.txt") or a registered dataset name ("ego-facebook").

    Missing: skips the calling test with a reason naming the file, or fails it under ``CI=true``.
    """
    name = str(name)
    if "/" in name or "." in name:
        path = DATA_DIR / name
    else:
        from simulate import datasets

        path = datasets.get(name).local_path(DATA_DIR)
    if not path.exists():
        msg = f"real data file missing: {path} (set SMALLWORLD_DATA or see the data README)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(msg + "; CI=true requires the data", pytrace=False)
        pytest.skip(msg)
    return path


@pytest.fixture(scope="session")
def data_file():
    """:func:`require_data` as a fixture: ``data_file("snap/CA-GrQc.txt")`` or ``data_file("ego-facebook")``."""
    return require_data


@pytest.fixture(scope="session")
def quick_reproduction(tmp_path_factory):
    """``run(name) -> (out_dir, report, seconds)`` of ``smallworld reproduce NAME --quick``, run at
    most once per session (the reproduction tests of one study share it)."""
    done = {}

    def run(name):
        if name not in done:
            from simulate.experiments import run_reproduction

            out = tmp_path_factory.mktemp(name)
            report, seconds = run_reproduction(name, out=out, quick=True, progress=False)
            done[name] = (out, report, seconds)
        return done[name]

    return run
