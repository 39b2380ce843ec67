"""Benchmark session hooks: machine load at start, and a closing markdown table of peer ratios.

``make bench`` ends with one table, ready to paste into the README: for every comparison of
ours against a peer measured in the same run, the ratio, both times, peak memory, an
accuracy figure and the load average when the benchmark started.

How a benchmark feeds the table (in ``benchmark.extra_info``):

* preferred: ``ratio_rows``, a list of dicts with keys ``case`` (what was measured, e.g.
  "256 sources, 1M nodes"), ``peer`` (e.g. "igraph distances, 1 thread"), ``ratio`` (peer
  time / our time: > 1 means ours is faster; a memory or rate ratio says so in ``case``),
  and optionally ``ours_s``, ``peer_s``, ``accuracy`` (short text, e.g. "histograms equal")
  and ``peak_rss_gb`` (else the benchmark's ``peak_rss_gb`` / ``peak_rss_mib``);
* otherwise every numeric key containing ``ratio`` becomes a row named by the key, with the
  accuracy taken from boolean keys naming an equality (``*equal*``, ``*agree*``, ``same*``) or
  numeric keys naming an error (``*error*``), and the peak from ``peak_rss_gb`` /
  ``peak_rss_mib`` / ``tracemalloc_peak_mib`` keys.

Where a benchmark records no peak, the column shows the process's ``ru_maxrss`` so far,
marked ``(process)``: it includes earlier benchmarks of the session. ``load`` is
``os.getloadavg()[0]`` when the benchmark started (2 cores: above 2 the machine is shared).
``SMALLWORLD_BENCH_TABLE=path`` also writes the table to that file.
"""

from __future__ import annotations

import datetime
import os
import re
import resource

import pytest

_SESSION = {"load_at_start": None, "started": None}
_ROWS = []


def pytest_sessionstart(session):
    _SESSION["load_at_start"] = os.getloadavg()
    _SESSION["started"] = datetime.datetime.now(datetime.timezone.utc)


def _peak_gb(info):
    for key, scale in (("peak_rss_gb", 1.0), ("peak_rss_mib", 1024 ** 2 / 1e9),
                       ("tracemalloc_peak_mib", 1024 ** 2 / 1e9)):
        value = info.get(key)
        if isinstance(value, (int, float)):
            return f"{value * scale:.2f}"
    return f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} (process)"


_RATIO_KEY = re.compile(r"(^|_)ratio(_|$)")


def _accuracy(info):
    parts = []
    for key, value in info.items():
        low = key.lower()
        if isinstance(value, bool) and any(w in low for w in ("equal", "agree", "same")):
            parts.append(f"{key}={'yes' if value else 'NO'}")
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and "error" in low:
            parts.append(f"{key}={value:.3g}")
    # All of them: a benchmark comparing several settings (HyperBall at m = 16..128) records an
    # error per setting, and cutting the list hid the ones the ratios are judged at.
    return "; ".join(parts)


def _fmt_s(x):
    return "" if not isinstance(x, (int, float)) else (f"{x:.3g}" if x < 100 else f"{x:.0f}")


def rows_of(name, info, load):
    """Table rows (dicts) that one benchmark's ``extra_info`` yields (see the module docstring)."""
    peak = _peak_gb(info)
    rows = []
    if isinstance(info.get("ratio_rows"), list):
        for r in info["ratio_rows"]:
            if not isinstance(r.get("ratio"), (int, float)):
                continue
            rows.append({"benchmark": name, "case": str(r.get("case", "")), "peer": str(r.get("peer", "")),
                         "ours_s": _fmt_s(r.get("ours_s")), "peer_s": _fmt_s(r.get("peer_s")),
                         "ratio": float(r["ratio"]),
                         "peak": f"{r['peak_rss_gb']:.2f}" if isinstance(r.get("peak_rss_gb"), (int, float)) else peak,
                         "accuracy": str(r.get("accuracy", "")), "load": load})
        return rows
    acc = _accuracy(info)
    for key, value in info.items():
        # "ratio" as a word of the key (``peer_ratio``, ``ratio_vs_igraph``), not inside another
        # word: "iterations" contains it and is a count, not a ratio.
        if _RATIO_KEY.search(key) and isinstance(value, (int, float)) and not isinstance(value, bool):
            rows.append({"benchmark": name, "case": key, "peer": "", "ours_s": "", "peer_s": "",
                         "ratio": float(value), "peak": peak, "accuracy": acc, "load": load})
    return rows


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
    _ROWS.extend(rows_of(request.node.name, info, load))


def markdown_table(rows, load_at_start, started=None):
    """The closing table as markdown lines."""
    when = (started or datetime.datetime.now(datetime.timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"Benchmarks of {when} on {os.cpu_count()} cores; load average at start (1/5/15 min): "
             + " / ".join(f"{x:.2f}" for x in load_at_start) + ". Ratio = peer time / our time "
             "(> 1: ours faster), peers in the same run.", "",
             "| benchmark | case | peer | ours (s) | peer (s) | ratio | peak RSS (GB) | accuracy | load |",
             "|---|---|---|---:|---:|---:|---:|---|---:|"]
    for r in rows:
        cell = {k: str(v).replace("|", "/") for k, v in r.items()}
        lines.append(f"| {cell['benchmark']} | {cell['case']} | {cell['peer']} | {cell['ours_s']} | "
                     f"{cell['peer_s']} | {r['ratio']:.2f} | {cell['peak']} | {cell['accuracy']} | "
                     f"{r['load']:.2f} |")
    return lines


@pytest.hookimpl(trylast=True)  # after pytest-benchmark's raw timings: the table ends the output
def pytest_terminal_summary(terminalreporter):
    if not _ROWS:
        return
    tr = terminalreporter
    tr.write_sep("=", "ratios: ours vs peer in the same run (> 1: ours faster)")
    lines = markdown_table(_ROWS, _SESSION["load_at_start"] or os.getloadavg(), _SESSION["started"])
    for line in lines:
        tr.write_line(line)
    path = os.environ.get("SMALLWORLD_BENCH_TABLE")
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
