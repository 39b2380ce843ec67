"""Benchmark session hooks: machine load at start, and a closing table of peer ratios.

Every benchmark records its comparisons in ``benchmark.extra_info``; keys containing
``ratio`` (ours against a peer, measured in the same run) are gathered here and printed as
one table after pytest-benchmark's raw timings, with ``os.getloadavg()`` at the start of the
session and of each benchmark, and the peak memory the benchmark recorded, if any.
"""

from __future__ import annotations

import os
import resource

import pytest

_SESSION = {"load_at_start": None}
_ROWS = []


def pytest_sessionstart(session):
    _SESSION["load_at_start"] = os.getloadavg()


@pytest.fixture(autouse=True)
def _record_load(request):
    # Load average when each benchmark starts: on a shared machine it explains the spread.
    load = os.getloadavg()[0]
    yield
    bench = request.node.funcargs.get("benchmark") if hasattr(request.node, "funcargs") else None
    info = getattr(bench, "extra_info", None)
    if info is None:
        return
    info.setdefault("load_average_at_start", round(load, 2))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    for key, value in info.items():
        if "ratio" in key and isinstance(value, (int, float)):
            _ROWS.append((request.node.name, key, float(value), load, peak))


def pytest_terminal_summary(terminalreporter):
    if not _ROWS:
        return
    tr = terminalreporter
    load = _SESSION["load_at_start"]
    tr.write_sep("=", "ratios: ours vs peer in the same run (> 1: ours faster)")
    if load is not None:
        tr.write_line(f"load average at session start (1/5/15 min): {load[0]:.2f} / {load[1]:.2f} / "
                      f"{load[2]:.2f} on {os.cpu_count()} cores")
    width = max(len(f"{name} {key}") for name, key, *_ in _ROWS)
    tr.write_line(f"{'benchmark / ratio':<{width}}  {'ratio':>9}  {'load':>5}  {'peak RSS GB':>11}")
    for name, key, value, row_load, peak in _ROWS:
        tr.write_line(f"{name + ' ' + key:<{width}}  {value:>9.2f}  {row_load:>5.2f}  {peak:>11.2f}")
