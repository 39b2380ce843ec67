"""Memory bounded before allocation (simulate/memory.py and the places that call it)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulate.cli import main
from simulate.errors import MemoryLimitError, ParameterError
from simulate.memory import LIMIT_ENV, memory_limit, parse_size, physical_memory, require_memory

ROOT = Path(__file__).resolve().parents[1]


def child_peak_rss_mb(code, env_extra):
    """Run ``code`` in a fresh interpreter; return (its output, its own peak RSS in MiB)."""
    script = ("import resource, sys\n" + code +
              "\nprint('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **env_extra}, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.strip().splitlines()
    return lines[:-1], int(lines[-1].split()[1])


def test_parse_size_and_default_limit(monkeypatch):
    assert parse_size("16G") == 16 * 2**30
    assert parse_size("512m") == 512 * 2**20
    assert parse_size("1.5GiB") == int(1.5 * 2**30)
    assert parse_size("2000") == 2000
    with pytest.raises(ParameterError):
        parse_size("lots")
    monkeypatch.delenv(LIMIT_ENV, raising=False)
    assert memory_limit() == int(0.8 * physical_memory())
    monkeypatch.setenv(LIMIT_ENV, "1K")
    with pytest.raises(MemoryLimitError, match="above the memory limit"):
        require_memory(2048, "a test request")
    monkeypatch.setenv(LIMIT_ENV, "0")
    require_memory(10**18, "anything")  # 0 disables the check


def test_konect_header_declaring_2e9_nodes_is_refused_with_small_peak_rss(tmp_path):
    f = tmp_path / "out.huge"
    f.write_text("% sym unweighted\n% 2 2000000000 2000000000\n1 2\n2 3\n")
    assert f.stat().st_size < 64
    code = ("from simulate import read_graph\nfrom simulate.errors import MemoryLimitError\n"
            f"try:\n    read_graph({str(f)!r})\nexcept MemoryLimitError as e:\n    print('REFUSED', e)\n")
    # Baseline: the same reader on a small honest file in a fresh interpreter. It runs first, so Numba
    # compiles (and caches) there: a cold cache in a fresh clone must not count against the refused read.
    small = tmp_path / "out.small"
    small.write_text("% sym unweighted\n% 2 3 3\n1 2\n2 3\n")
    _, base = child_peak_rss_mb(f"from simulate import read_graph\nread_graph({str(small)!r})\n", {})
    out, peak = child_peak_rss_mb(code, {LIMIT_ENV: "8G"})
    assert out and out[0].startswith("REFUSED") and "2,000,000,000 nodes" in out[0], out
    # Nothing of the declared size (14.9 GiB) was allocated: at most the baseline plus a small margin.
    assert peak < base + 300, (peak, base)


def test_jlg_header_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv(LIMIT_ENV, "8G")
    f = tmp_path / "huge.jlg"
    f.write_text("2000000000,2,u,x\n1,2\n2,3\n")
    r = CliRunner().invoke(main, ["graph", "info", str(f)])
    assert r.exit_code == 2 and "memory limit" in r.output and "Traceback" not in r.output


@pytest.mark.parametrize("args", [["erdos_renyi", "-p", "n=2147483647", "-p", "m=10"],
                                  ["kleinberg_lattice", "-p", "side=1000", "-p", "q=10000"]])
def test_huge_generator_request_is_refused(args):
    r = CliRunner().invoke(main, ["--max-memory", "8G", "generate", *args])
    assert r.exit_code == 2 and r.output.startswith("error: ") and "memory limit" in r.output


def test_hyperball_registers_are_bounded(monkeypatch):
    from simulate.distances import distance_distribution
    from simulate.generators import erdos_renyi

    g = erdos_renyi(2000, m=6000, seed=1)
    monkeypatch.setenv(LIMIT_ENV, "1M")
    with pytest.raises(MemoryLimitError, match="HyperBall with 4096 registers"):
        distance_distribution(g, method="hyperball", registers=4096, runs=1)


def test_chain_buffers_do_not_grow_with_max_steps():
    code = ("from simulate.generators import kleinberg_lattice\nfrom simulate.chains import run_chains\n"
            "g = kleinberg_lattice(side=30, r=2.0, seed=1)\n"
            "res = run_chains(g, policy='random_walk', n_chains=100, n_targets=5, max_steps=1_000_000_000, seed=1)\n"
            "print(res.table.height)\n")
    # Baseline with a small max_steps first (it also compiles and caches the kernels, see above).
    _, base = child_peak_rss_mb(code.replace("1_000_000_000", "1_000"), {})
    out, peak = child_peak_rss_mb(code, {})
    assert out == ["100"]
    # Per-task buffers sized by min(max_steps, n), not max_steps (1e9 steps would be GBs per task).
    assert peak < base + 300, (peak, base)


def test_max_steps_beyond_int32_is_a_parameter_error():
    from simulate.chains import run_chains
    from simulate.generators import kleinberg_lattice

    g = kleinberg_lattice(side=5, seed=1)
    with pytest.raises(ParameterError, match="max_steps"):
        run_chains(g, policy="greedy_lattice", n_chains=4, max_steps=2**31, seed=1)


def test_recorded_paths_are_bounded_by_the_graph_not_max_steps():
    from simulate.chains import run_chains
    from simulate.generators import kleinberg_lattice

    g = kleinberg_lattice(side=6, r=2.0, seed=3)
    res = run_chains(g, policy="random_walk", n_chains=50, n_targets=3, max_steps=2_000_000_000, seed=2,
                     backtrack=True, record_paths=True)
    lengths = res.table["path"].list.len().to_numpy()
    assert (lengths == res.table["steps"].to_numpy() + 1).all()
    assert lengths.max() <= 2 * (g.n - 1) + 1


def test_power_law_size_estimate_counts_each_edge_once_per_direction():
    """``mean_degree`` of power_law is the mean undirected degree: n * mean_degree arcs (it was
    counted twice, so a 10M-node graph of mean degree 195 was estimated at 3.9G arcs, not 1.95G)."""
    from simulate.generators import generate
    from simulate.generators.registry import _expected_size

    n, arcs = _expected_size("power_law", {"n": 10_000_000, "mean_degree": 195.0})
    assert (n, arcs) == (10_000_000, 1_950_000_000)
    g = generate("power_law", n=4000, gamma=2.5, mean_degree=12.0, seed=3)
    assert abs(g.indices.shape[0] - _expected_size("power_law", {"n": 4000, "mean_degree": 12.0})[1]) < 0.1 * 48_000


def test_power_law_guard_uses_the_two_pass_estimate(monkeypatch):
    """power_law's Chung-Lu build holds no edge list: its declared peak (int32 CSR + O(n)) admits
    the facebook reproduction's 10^7-node / mean-degree-195 graph under the default limit of a
    24 GiB machine (the edge-list estimate, 24 bytes per arc, asked ~44 GiB), and still refuses
    what does not fit; the configuration model keeps the edge-list estimate."""
    import simulate.memory as memory
    from simulate.errors import MemoryLimitError
    from simulate.generators import MODELS, power_law
    from simulate.generators.power_law import power_law_build_bytes
    from simulate.generators.registry import _require_memory_for

    params = {"n": 10_000_000, "gamma": 2.35, "mean_degree": 195.0, "max_degree": 5000.0, "communities": 20,
              "within": 0.84}
    values = MODELS["power_law"].validate(params)
    est = power_law_build_bytes(10_000_000, 195.0, "chung_lu", 20, threads=2)
    csr = 4 * 1_950_000_000 + 8 * 10_000_000
    assert csr < est < csr + 250 * 10_000_000  # the CSR plus O(n), measured ~207 bytes per node at 10^7
    assert memory.graph_bytes(10_000_000, 1_950_000_000) > 40 * 2**30 > 19 * 2**30 > est
    monkeypatch.delenv("SMALLWORLD_MAX_MEMORY", raising=False)
    monkeypatch.setattr(memory, "physical_memory", lambda: 24 * 2**30)  # this machine: limit 80% = 19.2 GiB
    _require_memory_for("power_law", values)
    monkeypatch.setattr(memory, "physical_memory", lambda: 8 * 2**30)
    with pytest.raises(MemoryLimitError, match="power_law with 10,000,000 nodes"):
        _require_memory_for("power_law", values)
    with pytest.raises(MemoryLimitError):
        power_law(**params)  # refused before anything is allocated
    monkeypatch.setattr(memory, "physical_memory", lambda: 24 * 2**30)
    with pytest.raises(MemoryLimitError):  # configuration model: an int64 edge list, 24 bytes per arc
        _require_memory_for("power_law", MODELS["power_law"].validate({**params, "model": "configuration"}))
