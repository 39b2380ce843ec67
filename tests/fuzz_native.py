"""Hypothesis fuzz of the native ``.swg`` reader, run as a separate process by
``tests/test_native.py::test_mutated_swg_never_crashes`` (a segmentation fault would otherwise
kill pytest itself).

Every mutation of a valid ``.swg`` directory (bytes flipped, files truncated, emptied or
removed, array entries overwritten with nearby or wild values, meta.json fields changed) must
either raise a :class:`SmallworldError` or open as a graph on which ``graph info``'s summary
and an exact BFS distance distribution run.

Usage: ``python tests/fuzz_native.py EXAMPLES``.
"""

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulate.cli import graph_summary  # noqa: E402
from simulate.distances import distance_distribution  # noqa: E402
from simulate.errors import SmallworldError  # noqa: E402
from simulate.graph import Graph  # noqa: E402
from simulate.io.native import read_native, write_native  # noqa: E402

FILES = ["meta.json", "indptr.npy", "indices.npy", "weights.npy"]


def _base_graphs(root):
    rng = np.random.default_rng(5)
    out = []
    for directed in (False, True):
        src, dst = rng.integers(0, 12, 40), rng.integers(0, 12, 40)
        g = Graph.from_edges(src, dst, directed=directed, n=12,
                             weights=rng.random(40) if directed else None)
        p = root / f"g{int(directed)}.swg"
        write_native(g, p)
        out.append(p)
    return out


mutation = st.one_of(
    st.tuples(st.just("flip"), st.sampled_from(FILES), st.integers(0, 400), st.integers(1, 255)),
    st.tuples(st.just("truncate"), st.sampled_from(FILES), st.integers(0, 400), st.just(0)),
    st.tuples(st.just("remove"), st.sampled_from(FILES), st.just(0), st.just(0)),
    st.tuples(st.just("entry"), st.sampled_from(["indptr.npy", "indices.npy"]), st.integers(0, 100),
              st.one_of(st.integers(-3, 15), st.integers(-2**31, 2**31 - 1))),
    st.tuples(st.just("meta"), st.sampled_from(["n", "arcs", "directed", "fingerprint", "report", "version"]),
              st.integers(-1, 2**40), st.integers(0, 3)),
)


def apply(swg, kind, name, pos, value):
    f = swg / name
    if kind == "flip" and f.exists():
        b = bytearray(f.read_bytes())
        if b:
            b[pos % len(b)] ^= value
            f.write_bytes(bytes(b))
    elif kind == "truncate" and f.exists():
        b = f.read_bytes()
        f.write_bytes(b[: pos % (len(b) + 1)])
    elif kind == "remove" and f.exists():
        f.unlink()
    elif kind == "entry" and f.exists():
        try:
            a = np.load(f)
        except Exception:
            return  # an earlier mutation already broke the file
        if a.ndim == 1 and a.shape[0]:
            a[pos % a.shape[0]] = value
            np.save(f, a)
    elif kind == "meta":
        try:
            info = json.loads((swg / "meta.json").read_text())
        except Exception:
            return  # an earlier mutation already broke meta.json
        info[name] = [pos, True, "x" * (pos % 7), {"input_edges": "x"}][value] if name != "fingerprint" else \
            [None, "0" * 32][value % 2]
        (swg / "meta.json").write_text(json.dumps(info))


def run(examples):
    root = Path(tempfile.mkdtemp(prefix="fuzz-swg-"))
    os.environ["SMALLWORLD_CACHE"] = str(root / "cache")
    bases = _base_graphs(root)
    outcome = {"error": 0, "valid": 0}

    @settings(max_examples=examples, deadline=None, derandomize=bool(os.environ.get("CI")),
              suppress_health_check=list(HealthCheck), database=None)
    @given(base=st.sampled_from(bases), muts=st.lists(mutation, min_size=1, max_size=3))
    def fuzz(base, muts):
        work = root / "work.swg"
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(base, work)
        for m in muts:
            apply(work, *m)
        try:
            g = read_native(work)
        except SmallworldError:
            outcome["error"] += 1
            return
        graph_summary(g)
        distance_distribution(g, method="exact", component="all")
        outcome["valid"] += 1

    fuzz()
    shutil.rmtree(root, ignore_errors=True)
    print(json.dumps(outcome))


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
