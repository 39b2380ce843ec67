"""Native ``.swg`` directories are validated on open (simulate/io/native.py, kernels/csr.check_csr)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from simulate.errors import FormatError
from simulate.graph import Graph
from simulate.io import native
from simulate.kernels import csr as _csr


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SMALLWORLD_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv(native.TRUST_ENV, raising=False)
    native_stamps_seen().clear()


def native_stamps_seen():
    from simulate.io import stamps

    return stamps._SEEN


def small_swg(tmp_path, directed=False, fingerprint=True):
    g = Graph.from_edges([0, 1, 2, 3, 0], [1, 2, 3, 4, 4], directed=directed, n=6)
    p = tmp_path / "g.swg"
    native.write_native(g, p)
    if not fingerprint:
        info = json.loads((p / "meta.json").read_text())
        del info["fingerprint"]
        (p / "meta.json").write_text(json.dumps(info))
    return g, p


def set_entry(file, pos, value):
    a = np.load(file)
    a[pos] = value
    np.save(file, a)


def test_valid_graph_opens_and_matches(tmp_path):
    g, p = small_swg(tmp_path)
    h = native.read_native(p)
    assert h.fingerprint == g.fingerprint
    assert np.array_equal(h.indices, g.indices)


@pytest.mark.parametrize("damage, words", [
    (lambda p: set_entry(p / "indices.npy", 0, 10**6), "out of range"),
    (lambda p: set_entry(p / "indices.npy", 0, -1), "out of range"),
    (lambda p: set_entry(p / "indptr.npy", 2, 0), "indptr decreases"),
    (lambda p: set_entry(p / "indptr.npy", 0, 1), "start at 0"),
    (lambda p: set_entry(p / "indices.npy", 1, 0), "strictly increasing"),
    (lambda p: set_entry(p / "indices.npy", 0, 0), "self-loop"),
    (lambda p: set_entry(p / "indices.npy", 1, 5), "no reverse arc"),
    (lambda p: (p / "indices.npy").write_bytes((p / "indices.npy").read_bytes()[:-6]), "indices.npy"),
    (lambda p: (p / "indices.npy").write_bytes(b""), "indices.npy"),
    (lambda p: np.save(p / "indices.npy", np.load(p / "indices.npy").astype(np.int64)), "int32"),
    (lambda p: (p / "indptr.npy").unlink(), "missing"),
    (lambda p: (p / "meta.json").write_text("{"), "invalid JSON"),
    (lambda p: (p / "meta.json").write_text('{"format": "smallworld-graph", "version": 1, "n": -2}'), "'n'"),
    (lambda p: (p / "nodes.parquet").write_bytes(b"PAR1 garbage"), "nodes.parquet"),
])
def test_corrupt_native_is_a_clean_error(tmp_path, damage, words):
    _, p = small_swg(tmp_path, fingerprint=False)
    damage(p)
    with pytest.raises(FormatError, match=words):
        native.read_native(p)


def test_fingerprint_mismatch_is_detected(tmp_path):
    _, p = small_swg(tmp_path)
    # A consistent, valid CSR of another graph under the first graph's meta.json.
    other = Graph.from_edges([0, 1, 2, 3, 0], [1, 2, 3, 5, 4], n=6)
    np.save(p / "indptr.npy", other.indptr)
    np.save(p / "indices.npy", other.indices)
    with pytest.raises(FormatError, match="fingerprint"):
        native.read_native(p)


def test_check_is_cached_by_file_identity(tmp_path, monkeypatch):
    _, p = small_swg(tmp_path)
    native.read_native(p)
    calls = []
    real = _csr.check_csr
    monkeypatch.setattr(_csr, "check_csr", lambda *a: calls.append(1) or real(*a))
    native_stamps_seen().clear()  # a new process: only the on-disk marker remains
    native.read_native(p)
    assert calls == []
    set_entry(p / "indices.npy", 0, 10**6)  # new size/mtime: checked again
    with pytest.raises(FormatError, match="out of range"):
        native.read_native(p)
    assert calls == [1]


def test_trusted_skips_the_structural_check(tmp_path, monkeypatch):
    _, p = small_swg(tmp_path, fingerprint=False)
    set_entry(p / "indices.npy", 1, 0)  # unsorted row: harmless to read, caught only by the check
    native.read_native(p, trusted=True)
    monkeypatch.setenv(native.TRUST_ENV, "1")
    native.read_native(p)
    monkeypatch.delenv(native.TRUST_ENV)
    with pytest.raises(FormatError):
        native.read_native(p)


def test_mutated_swg_never_crashes():
    # Separate process: a segmentation fault must fail this test, not kill pytest.
    script = Path(__file__).with_name("fuzz_native.py")
    proc = subprocess.run([sys.executable, str(script), "150"], capture_output=True, text=True,
                          timeout=900, env={**os.environ, "SMALLWORLD_TRUST_NATIVE": ""})
    assert proc.returncode == 0, proc.stderr[-3000:]
    outcome = json.loads(proc.stdout.strip().splitlines()[-1])
    assert outcome["error"] > 0 and outcome["valid"] > 0
