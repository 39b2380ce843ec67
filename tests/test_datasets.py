"""Dataset registry: every shared data file registered, counts as read, checksums, fetch."""

from __future__ import annotations

import hashlib
import http.server
import re
import threading
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from simulate import datasets
from simulate.cli import main
from simulate.errors import DatasetError

# Large files are read by tests/test_io.py once each; here only the small ones are read again.
BIG = {"fb100-cornell5", "loc-gowalla", "ego-twitter-undirected", "email-enron"}


def test_every_shared_data_file_is_registered(data_file):
    readme_path = data_file("README.md")
    data_dir = readme_path.parent
    readme = readme_path.read_text()
    registered = {d.file for d in datasets.REGISTRY.values()}
    files = {str(p.relative_to(data_dir)) for p in data_dir.rglob("*") if p.is_file() and p.name != "README.md"}
    docs = {f for f in files if re.search(r"(^|/)(README|readme|meta)\.", Path(f).name)}
    assert files - docs - registered == set()
    # And every registered file is one the README documents (by file name).
    for f in registered:
        assert Path(f).name in readme, f


def test_registry_fields():
    for name, ds in datasets.REGISTRY.items():
        assert name == name.lower() and " " not in name
        assert ds.kind in datasets.KINDS
        assert re.fullmatch(r"[0-9a-f]{64}", ds.sha256)
        assert ds.description and ds.citation and ds.page.startswith("http")
        assert ds.url == "" or ds.url.startswith("http")
        assert ds.nodes > 0 and (ds.edges > 0) == (ds.kind == "graph")


@pytest.mark.parametrize("name", sorted(set(datasets.REGISTRY) - BIG))
def test_dataset_counts_and_checksum(name, data_file):
    ds = datasets.get(name)
    data_file(name)
    assert datasets.verify(name)
    obj = ds.load()
    if ds.kind == "graph":
        assert (obj.n, obj.num_edges, obj.directed) == (ds.nodes, ds.edges, ds.directed)
    else:
        assert obj.height == ds.nodes and obj.columns[0] == "node_id"


@pytest.mark.parametrize("name", sorted(BIG))
def test_big_dataset_checksums(name, data_file):
    data_file(name)
    assert datasets.verify(name)


def test_unknown_dataset_and_graph_kind():
    with pytest.raises(DatasetError, match="unknown dataset 'nope'"):
        datasets.get("nope")
    with pytest.raises(DatasetError, match="locations table, not a graph"):
        datasets.get("gowalla-locations").read()


def test_verify_detects_mismatch(tmp_path, data_file):
    ds = datasets.get("email-eu-core-departments")
    target = tmp_path / ds.file
    target.parent.mkdir(parents=True)
    target.write_bytes(data_file(ds.name).read_bytes() + b"\n")
    with pytest.raises(DatasetError, match="checksum mismatch"):
        datasets.verify(ds.name, data_dir=tmp_path)


# ---------------------------------------------------------------------------- fetch
@pytest.fixture
def server(tmp_path):
    """A local HTTP server on 127.0.0.1 serving tmp_path/www (no internet needed)."""
    www = tmp_path / "www"
    www.mkdir()
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = partial(Quiet, directory=str(www))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield www, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def tiny_dataset(monkeypatch):
    body = b"# tiny\n0\t1\n1\t2\n"
    ds = replace(datasets.get("ego-facebook"), name="tiny-test", file="snap/tiny.txt",
                 sha256=hashlib.sha256(body).hexdigest(), nodes=3, edges=2, url="")
    monkeypatch.setitem(datasets.REGISTRY, "tiny-test", ds)
    return ds, body


def test_fetch_downloads_verifies_and_reads(server, tiny_dataset, tmp_path):
    www, base = server
    ds, body = tiny_dataset
    (www / "tiny.txt").write_bytes(body)
    dest_root = tmp_path / "data"
    path = datasets.fetch("tiny-test", data_dir=dest_root, url=f"{base}/tiny.txt")
    assert path == dest_root / "snap" / "tiny.txt" and path.read_bytes() == body
    assert datasets.verify("tiny-test", data_dir=dest_root)
    g = datasets.get("tiny-test").read(path)
    assert (g.n, g.num_edges) == (3, 2)
    # Already there and verified: no second download (the server file may even be gone).
    (www / "tiny.txt").unlink()
    assert datasets.fetch("tiny-test", data_dir=dest_root, url=f"{base}/tiny.txt") == path


def test_fetch_checksum_mismatch_leaves_nothing(server, tiny_dataset, tmp_path):
    www, base = server
    ds, body = tiny_dataset
    (www / "tiny.txt").write_bytes(body + b"2\t3\n")
    dest_root = tmp_path / "data"
    with pytest.raises(DatasetError, match="checksum mismatch"):
        datasets.fetch("tiny-test", data_dir=dest_root, url=f"{base}/tiny.txt")
    assert not (dest_root / "snap").exists() or not any((dest_root / "snap").iterdir())
    res = CliRunner().invoke(main, ["data", "fetch", "tiny-test", "--data-dir", str(dest_root),
                                    "--url", f"{base}/tiny.txt"])
    assert res.exit_code == 2
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and "checksum mismatch" in lines[0]
    assert not any((dest_root / "snap").iterdir())


def test_fetch_errors(server, tiny_dataset, tmp_path):
    www, base = server
    with pytest.raises(DatasetError, match="404"):
        datasets.fetch("tiny-test", data_dir=tmp_path / "d", url=f"{base}/absent.txt")
    with pytest.raises(DatasetError, match="no known download address"):
        datasets.fetch("tiny-test", data_dir=tmp_path / "d")
    assert not list((tmp_path / "d").rglob("*.txt*"))


def test_fetch_cli_success_and_force(server, tiny_dataset, tmp_path):
    www, base = server
    ds, body = tiny_dataset
    (www / "tiny.txt").write_bytes(body)
    args = ["data", "fetch", "tiny-test", "--data-dir", str(tmp_path / "d"), "--url", f"{base}/tiny.txt"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == str(tmp_path / "d" / "snap" / "tiny.txt")
    (www / "tiny.txt").unlink()
    res = CliRunner().invoke(main, args + ["--force"])
    assert res.exit_code == 2 and "404" in res.stderr
    assert (tmp_path / "d" / "snap" / "tiny.txt").read_bytes() == body  # old copy untouched


# ---------------------------------------------------------------------------- CLI list / path
def test_data_list_and_path(data_file):
    wiki_vote = data_file("wiki-vote")
    data_file("ego-facebook")
    data_file("fb100-reed98")
    runner = CliRunner()
    res = runner.invoke(main, ["data", "list", "--json"])
    assert res.exit_code == 0
    import json

    rows = [json.loads(ln) for ln in res.stdout.splitlines()]
    assert {r["name"] for r in rows} == set(datasets.REGISTRY)
    fb = next(r for r in rows if r["name"] == "ego-facebook")
    assert fb["present"] and fb["nodes"] == 4039 and fb["edges"] == 88234 and fb["kind"] == "graph"
    res = runner.invoke(main, ["data", "list", "--data-dir", "/nonexistent"])
    assert res.exit_code == 0 and "ego-facebook" in res.stdout and not res.stdout.startswith("*")
    res = runner.invoke(main, ["data", "path", "wiki-vote"])
    assert res.exit_code == 0 and Path(res.stdout.strip()) == wiki_vote
    res = runner.invoke(main, ["data", "path", "nope"])
    assert res.exit_code == 2 and res.stderr.startswith("error: unknown dataset 'nope'")
    res = runner.invoke(main, ["data", "verify", "reed98"])
    assert res.exit_code == 2
    res = runner.invoke(main, ["data", "verify", "fb100-reed98"])
    assert res.exit_code == 0 and "ok" in res.stdout


def test_modified_dataset_file_is_refused_then_cached_when_right(tmp_path, monkeypatch):
    # First use hashes the file against the registry; a match is remembered by (path, size,
    # mtime, inode), so the second use does not hash again; a modified file is an error.
    from simulate import datasets as ds_mod
    from simulate.errors import DatasetError

    monkeypatch.setenv("SMALLWORLD_CACHE", str(tmp_path / "cache"))
    ds = ds_mod.get("email-enron")
    f = tmp_path / "data" / ds.file
    f.parent.mkdir(parents=True)
    f.write_text("0 1\n1 2\n")
    with pytest.raises(DatasetError, match="data verify email-enron"):
        ds.require(tmp_path / "data")
    good = ds_mod.Dataset(**{**vars(ds), "sha256": ds_mod.sha256_file(f)})
    calls = []
    real = ds_mod.sha256_file
    monkeypatch.setattr(ds_mod, "sha256_file", lambda p: calls.append(p) or real(p))
    good.require(tmp_path / "data")
    good.require(tmp_path / "data")
    assert len(calls) == 1
    f.write_text("0 1\n1 3\n")  # same size, new mtime: hashed again, and refused
    with pytest.raises(DatasetError, match="was modified"):
        good.require(tmp_path / "data")
    assert len(calls) == 2


# ---------------------------------------------------------------------------- the data_file fixture
@pytest.mark.parametrize("ci", ["", "true"])
def test_a_missing_data_file_skips_naming_it_and_fails_under_ci(tmp_path, ci):
    import os
    import subprocess
    import sys

    env = {**os.environ, "SMALLWORLD_DATA": str(tmp_path / "none"), "CI": ci}
    test = Path(__file__).with_name("test_io.py")
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                          f"{test}::test_ego_facebook_counts"], capture_output=True, text=True, env=env,
                         cwd=Path(__file__).resolve().parents[1], timeout=300)
    missing = str(tmp_path / "none" / "snap" / "facebook_combined.txt.gz")
    assert missing in res.stdout
    if ci:
        assert res.returncode == 1 and "1 failed" in res.stdout and "CI=true" in res.stdout
    else:
        assert res.returncode == 0 and "1 skipped" in res.stdout


def test_gowalla_geo_is_the_located_users_of_the_data_readme(data_file):
    """Data README, section 4: joined with gowalla_checkins_average.csv, the SNAP-id friendships give
    30,679 located US users with 195,741 friendships; their largest component has 29,375 users."""
    data_file("gowalla-snapids")
    data_file("gowalla-locations")
    g = datasets.load("gowalla-geo")
    assert (g.n, g.num_edges, g.directed) == (30679, 195741, False)
    lat, lon = g.node_attrs["lat"].to_numpy(), g.node_attrs["lon"].to_numpy()
    assert np.isfinite(lat).all() and np.isfinite(lon).all()
    assert lat.min() > 24 and lat.max() < 50 and lon.max() < -60  # US users only
    assert g.largest_component().n == 29375
    # Every kept user is one of the located ones, with its own row's position.
    table = datasets.load("gowalla-locations")
    pos = dict(zip(table["node_id"].to_list(), zip(table["lat"].to_list(), table["lon"].to_list())))
    for i in (0, g.n // 2, g.n - 1):
        assert pos[int(g.node_ids[i])] == (lat[i], lon[i])


def test_gowalla_geo_without_its_locations_file_names_it(tmp_path, data_file):
    """Both files are needed: with the edge file alone, the error names the locations dataset."""
    edges = data_file("gowalla-snapids")
    (tmp_path / "geo").mkdir()
    (tmp_path / "geo" / edges.name).symlink_to(edges)
    ds = datasets.get("gowalla-geo")
    assert not ds.is_present(tmp_path)
    assert [d.name for d, _ in ds.missing_files(tmp_path)] == ["gowalla-locations"]
    with pytest.raises(DatasetError, match="gowalla-locations"):
        ds.require(tmp_path)
