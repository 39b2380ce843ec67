"""The closing ratio table of ``make bench`` (benchmarks/conftest.py): rows from each
benchmark's ``extra_info`` and the markdown they print."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def table():
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "conftest.py"
    spec = importlib.util.spec_from_file_location("bench_conftest_under_test", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_explicit_ratio_rows_keep_case_peer_times_and_accuracy(table):
    info = {"peak_rss_gb": 1.5, "ratio_rows": [
        {"case": "256 sources, 1M", "peer": "igraph", "ratio": 251.0, "ours_s": 0.6, "peer_s": 150.6,
         "accuracy": "histograms equal"},
        {"case": "no ratio", "peer": "x"}]}
    rows = table.rows_of("test_x", info, 3.2)
    assert len(rows) == 1
    r = rows[0]
    assert (r["case"], r["peer"], r["ratio"], r["peak"], r["accuracy"], r["load"]) == \
        ("256 sources, 1M", "igraph", 251.0, "1.50", "histograms equal", 3.2)
    assert r["ours_s"] == "0.6" and r["peer_s"] == "151"


def test_legacy_keys_become_rows_with_accuracy_and_peak(table):
    info = {"ratio_vs_scipy": 3.0, "time_ratio": 0.5, "same_structure_as_scipy": True,
            "relative_error": 0.0123, "peak_rss_mib": 1024.0, "ratio_flag": True, "other": 7}
    rows = table.rows_of("test_y", info, 1.0)
    assert [r["case"] for r in rows] == ["ratio_vs_scipy", "time_ratio"]
    assert rows[0]["peak"] == f"{1024.0 * 1024 ** 2 / 1e9:.2f}"
    assert "same_structure_as_scipy=yes" in rows[0]["accuracy"] and "relative_error=0.0123" in rows[0]["accuracy"]


def test_process_peak_is_marked_when_a_benchmark_records_none(table):
    rows = table.rows_of("test_z", {"ratio": 2.0}, 0.5)
    assert rows[0]["peak"].endswith("(process)")


def test_markdown_table_has_one_line_per_row_and_escapes_pipes(table):
    rows = table.rows_of("test_x", {"ratio_rows": [{"case": "a|b", "peer": "p", "ratio": 2.0}]}, 1.25)
    lines = table.markdown_table(rows, (1.0, 2.0, 3.0))
    assert "load average at start (1/5/15 min): 1.00 / 2.00 / 3.00" in lines[0]
    header, rule, row = lines[2], lines[3], lines[4]
    assert header.count("|") == rule.count("|") == row.count("|") == 10
    assert "a/b" in row and "| 2.00 |" in row and row.endswith("| 1.25 |")


def test_a_key_with_ratio_inside_another_word_is_not_a_ratio(table):
    # "iterations" contains the letters "ratio" but is a count (bench_hyperball records it).
    info = {"iterations": 6.0, "configurations": 3, "peer_ratio": 9.1, "ratio": 2.0}
    rows = table.rows_of("test_w", info, 1.0)
    assert [r["case"] for r in rows] == ["peer_ratio", "ratio"]
