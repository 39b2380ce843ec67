"""Readers on the shared real data (counts from /work/shared/data/README.md), fuzzing of the
text parsers, and bad input through the API and the CLI."""

from __future__ import annotations

import bz2
import gzip
import io
import tarfile
from pathlib import Path

import networkx as nx
import numpy as np
import polars as pl
import pytest
import scipy.io
import scipy.sparse as sp
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulate import Graph, read_graph
from simulate.cli import main
from simulate.errors import FormatError
from simulate.io import guess_format
from simulate.io.delimited import read_csv
from simulate.io.gml import read_gml
from simulate.io.jlg import read_jlg
from simulate.io.konect import read_konect
from simulate.io.locations import attach_locations, read_locations, read_node_labels
from simulate.io.matlab import FB100_COLUMNS, read_mat
from simulate.io.snap_ego import read_ego_archive
from simulate.io.text import read_edgelist

from naive import foundation_edge_set, foundation_write_edge_text


def labelled_edges(g):
    s, d = g.edges()
    if g.node_ids is not None:
        s, d = g.node_ids[s], g.node_ids[d]
    return {(u, v) if g.directed or u < v else (v, u) for u, v in zip(s.tolist(), d.tolist())}


# ---------------------------------------------------------------------------- SNAP text
def test_ego_facebook_counts(data_file):
    g = read_edgelist(data_file("snap/facebook_combined.txt.gz"))
    assert (g.n, g.num_edges, g.directed) == (4039, 88234, False)
    assert g.report.self_loops_dropped == 0 and g.connected_components()[1] == 1


def test_email_eu_core_directed_with_self_loops(data_file):
    g = read_graph(data_file("snap/email-Eu-core.txt.gz"), directed=True)
    assert g.n == 1005
    assert g.report.input_edges == 25571 and g.report.self_loops_dropped == 642
    assert g.num_edges == 25571 - 642
    und = read_graph(data_file("snap/email-Eu-core.txt.gz"))
    assert und.num_edges == 16706 - 642  # README counts self-loops as edges once


@pytest.mark.parametrize("name, nodes, lines, und_with_loops, loops", [
    ("CA-GrQc.txt", 5242, 28980, 14496, 12),
    ("CA-HepTh.txt", 9877, 51971, 25998, 25),
    ("Wiki-Vote.txt", 7115, 103689, 100762, 0),
])
def test_snap_crlf_headers(data_file, name, nodes, lines, und_with_loops, loops):
    g = read_edgelist(data_file(f"snap/{name}"))
    assert g.n == nodes and g.report.input_edges == lines
    assert g.report.self_loops_dropped == loops and g.num_edges == und_with_loops - loops


def test_ego_archive_rebuilds_facebook_combined(data_file):
    g = read_graph(data_file("snap/facebook.tar.gz"))
    combined = read_edgelist(data_file("snap/facebook_combined.txt.gz"))
    assert (g.n, g.num_edges) == (4039, 88234)
    assert np.array_equal(g.node_ids, combined.node_ids) and g.fingerprint == combined.fingerprint
    egos = g.node_ids[g.node_attrs["is_ego"].to_numpy()]
    assert sorted(egos.tolist()) == [0, 107, 348, 414, 686, 698, 1684, 1912, 3437, 3980]


# ---------------------------------------------------------------------------- Twitter
def test_jlg_ego_twitter_undirected(data_file):
    g = read_graph(data_file("twitter/ego-twitter-undirected.jlg"))
    assert g.n == 81306 and not g.directed
    assert g.num_edges + g.report.self_loops_dropped == 1342310 and g.report.self_loops_dropped == 14
    assert g.node_ids[0] == 1 and g.node_ids[-1] == 81306


def test_konect_ego_twitter_directed(data_file):
    g = read_graph(data_file("twitter/konect-ego-twitter/out.ego-twitter"), directed=True)
    assert (g.n, g.num_edges) == (23370, 33101)
    labels, k = g.connected_components()
    assert k == 72 and np.bincount(labels).max() == 22322
    assert g.largest_component(strong=True).n == 38
    assert g.out_degree().max() == 238 and g.in_degree().max() == 57


def test_timme_follow_graph(data_file):
    g = read_graph(data_file("twitter/timme-P_20_50/friend_list.csv"), directed=True)
    assert (g.n, g.num_edges, g.directed) == (12098, 158746, True)
    assert g.report.self_loops_dropped == 0 and g.report.duplicates_dropped == 0
    assert g.node_ids.dtype == np.int64 and 842072478834909184 in set(g.node_ids.tolist())
    # Reciprocated pairs: 19,286 (README); arcs u->v whose reverse exists.
    s, d = g.edges()
    key = set(zip(s.tolist(), d.tolist()))
    assert sum((v, u) in key for u, v in key) // 2 == 19286
    pol = read_node_labels(data_file("twitter/timme-P_20_50/dict.csv"), id_column="twitter_id")
    assert pol.height == 585 and set(pol["party"].unique().to_list()) == {"D", "R", "I"}
    assert int(np.isin(pol["node_id"].to_numpy(), g.node_ids).sum()) == 582


# ---------------------------------------------------------------------------- Facebook100
def test_reed98_mat_counts_and_attrs(data_file):
    g = read_mat(data_file("facebook100/Reed98.mat"))
    assert (g.n, g.num_edges) == (962, 18812)
    assert tuple(g.node_attrs.columns) == FB100_COLUMNS
    raw = scipy.io.loadmat(str(data_file("facebook100/Reed98.mat")))
    assert np.array_equal(g.node_attrs.to_numpy(), raw["local_info"].astype(np.int64))
    G = nx.from_scipy_sparse_array(sp.csr_matrix(raw["A"]))
    assert labelled_edges(Graph.from_networkx(G)) == {(u + 0, v + 0) for u, v in labelled_edges(g)}


@pytest.mark.slow
def test_cornell5_mat(data_file):
    g = read_graph(data_file("facebook100/Cornell5.mat"))
    assert (g.n, g.num_edges) == (18660, 790777)
    assert g.node_attrs.height == 18660


def test_caltech36_gml_matches_networkx(data_file):
    path = data_file("facebook100/gml/Caltech36.gml")
    g = read_gml(path)
    assert (g.n, g.num_edges) == (769, 16656)
    labels, k = g.connected_components()
    assert k == 4 and np.bincount(labels).max() == 762
    G = nx.read_gml(path, label="id")
    assert labelled_edges(g) == {(min(u, v), max(u, v)) for u, v in G.edges()}
    assert tuple(g.node_attrs.columns) == FB100_COLUMNS
    for gml_key, col in [("student_fac", "status"), ("gender", "gender"), ("major_index", "major"),
                         ("year", "year"), ("high_school", "high_school"), ("dorm", "dorm")]:
        assert g.node_attrs[col].to_list() == [G.nodes[int(u)][gml_key] for u in g.node_ids]


@pytest.mark.parametrize("school, nodes, edges", [
    ("Haverford76", 1446, 59589), ("Swarthmore42", 1659, 61050), ("Simmons81", 1518, 32988),
    ("Bowdoin47", 2252, 84387), ("USFCA72", 2682, 65252)])
def test_fb100_gml_counts_and_attribute_ranges(data_file, school, nodes, edges):
    g = read_graph(data_file(f"facebook100/gml/{school}.gml"))
    assert (g.n, g.num_edges) == (nodes, edges)
    a = g.node_attrs
    assert tuple(a.columns) == FB100_COLUMNS
    assert all(a[c].dtype == pl.Int64 and a[c].min() >= 0 for c in FB100_COLUMNS)
    assert set(a["gender"].unique().to_list()) <= {0, 1, 2}
    assert a["status"].max() <= 6
    years = a["year"].filter(a["year"] > 0)
    assert years.min() >= 1900 and years.max() <= 2011


def test_gml_and_mat_agree_on_same_graph(data_file, tmp_path):
    """Write Reed98.mat as GML with Facebook100's GML attribute names; both readers agree."""
    g = read_mat(data_file("facebook100/Reed98.mat"))
    names = {"status": "student_fac", "major": "major_index"}
    lines = ["graph [", "  directed 0"]
    rows = g.node_attrs.to_numpy()
    for i in range(g.n):
        lines.append("  node [")
        lines.append(f"    id {i}")
        lines.append(f'    label "{i}"')
        lines += [f"    {names.get(c, c)} {rows[i, j]}" for j, c in enumerate(FB100_COLUMNS)]
        lines.append("  ]")
    s, d = g.edges()
    lines += [f"  edge [\n    source {u}\n    target {v}\n  ]" for u, v in zip(s.tolist(), d.tolist())]
    lines.append("]")
    (tmp_path / "reed.gml").write_text("\n".join(lines))
    h = read_graph(tmp_path / "reed.gml")
    assert h.fingerprint == g.fingerprint and h.node_attrs.equals(g.node_attrs)


def test_gml_general_blocks(tmp_path):
    text = """Creator "x"
graph [
  directed 1
  name "demo"
  node [ id "a" label "A" size 2.5 graphics [ x 1 y 2 ] ]
  node [ id "b" ]
  node [ id "c" ]
  edge [ target "a" source "b" weight 3 ]
  edge [ source "a" target "c" weight 1.5 ]
]"""
    (tmp_path / "d.gml").write_text(text)
    g = read_gml(tmp_path / "d.gml")
    G = nx.read_gml(tmp_path / "d.gml", label="id")
    assert g.directed and g.meta["name"] == "demo"
    assert labelled_edges(g) == set(G.edges())
    assert dict(zip(g.node_ids.tolist(), g.node_attrs["size"].to_list()))["a"] == 2.5
    assert sorted(g.edge_weights().tolist()) == [1.5, 3.0]


# ---------------------------------------------------------------------------- geo
def test_loc_brightkite_konect_archive(data_file):
    g = read_graph(data_file("geo/download.tsv.loc-brightkite_edges.tar.bz2"))
    assert (g.n, g.num_edges, g.directed) == (58228, 214078, False)
    labels, k = g.connected_components()
    assert k == 547
    lcc = g.largest_component()
    assert (lcc.n, lcc.num_edges) == (56739, 212945)
    assert g.out_degree().max() == 1134


@pytest.mark.slow
def test_loc_gowalla_konect_archive(data_file):
    g = read_graph(data_file("geo/download.tsv.loc-gowalla_edges.tar.bz2"))
    assert (g.n, g.num_edges) == (196591, 950327)
    assert g.connected_components()[1] == 1 and g.out_degree().max() == 14730


def test_gowalla_partial_bom_crlf_and_locations(data_file):
    g = read_graph(data_file("geo/Gowalla_edges.csv"))
    assert g.report.input_edges == 335882
    sub = g.subgraph(g.node_ids < 4515)
    assert (sub.n, sub.num_edges, sub.connected_components()[1]) == (4515, 53246, 1)
    loc = read_locations(data_file("geo/gowalla_checkins_average.csv"))
    assert loc.height == 54546 and loc.columns == ["node_id", "lat", "lon"]
    assert 24.75 <= loc["lat"].min() and loc["lat"].max() <= 49.35  # README: 24.8..49.3 (rounded)
    with_loc = attach_locations(sub, loc)
    assert int((~np.isnan(with_loc.node_attrs["lat"].to_numpy())).sum()) == 3351
    assert with_loc.fingerprint == sub.fingerprint


def test_brightkite_locations_unknowns(data_file):
    loc = read_locations(data_file("geo/Brightkite_userLocations.txt"))
    assert loc.height == 51406 and loc["node_id"].max() == 58227
    assert int(loc["lat"].is_nan().sum()) == 896
    raw = read_locations(data_file("geo/Brightkite_userLocations.txt"), unknown_zero=False)
    assert int(((raw["lat"] == 0) & (raw["lon"] == 0)).sum()) == 896


def test_attach_locations_matches_labels_and_zero_is_unknown():
    g = Graph.from_edges(np.array([5, 7, 9]), np.array([7, 9, 11]))
    loc = pl.DataFrame({"node_id": [9, 5, 100, 11, 5], "lat": [1.0, 2.0, 3.0, 0.0, 8.0], "lon": [4.0, 5.0, 6.0, 0.0, 9.0]})
    h = attach_locations(g, loc)
    lat = h.node_attrs["lat"].to_numpy()
    assert lat[0] == 2.0 and np.isnan(lat[1]) and lat[2] == 1.0 and np.isnan(lat[3])


def test_email_departments(data_file):
    lab = read_node_labels(data_file("snap/email-Eu-core-department-labels.txt"))
    assert lab.height == 1005 and lab["label"].n_unique() == 42


# ---------------------------------------------------------------------------- format guessing
@pytest.mark.parametrize("name, fmt", [
    ("a.txt", "snap"), ("a.txt.gz", "snap"), ("a.edges", "snap"), ("a.csv", "csv"), ("a.tsv.bz2", "csv"),
    ("a.gml", "gml"), ("a.gml.gz", "gml"), ("a.mat", "mat"), ("a.jlg", "jlg"), ("out.ego-twitter", "konect"),
    ("x.tar.bz2", "archive"), ("facebook.tar.gz", "archive"), ("g.swg", "native"), ("g.parquet", "parquet")])
def test_guess_format(name, fmt):
    assert guess_format(name) == fmt


# ---------------------------------------------------------------------------- fuzzing
SEPS = st.sampled_from(["\t", " ", "  ", ",", ";", " \t"])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 2**40), st.integers(0, 2**40)), min_size=1, max_size=30),
       SEPS, st.sampled_from(["\n", "\r\n"]), st.lists(st.sampled_from(["# c", "% k", "#", ""]), max_size=3),
       st.booleans(), st.sampled_from(["", ".gz", ".bz2"]), st.booleans(), st.booleans())
def test_fuzz_snap_text_parses_back_exactly(edges, sep, newline, comments, directed, comp, bom, trailing):
    text = foundation_write_edge_text(edges, sep=sep, newline=newline, comments=comments)
    if trailing:
        text = text.replace(newline, " " + newline)
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode()
    if comp == ".gz":
        data = gzip.compress(data)
    elif comp == ".bz2":
        data = bz2.compress(data)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"e.txt{comp}"
        path.write_bytes(data)
        g = read_graph(path, directed=directed)
    src, dst = zip(*edges)
    assert labelled_edges(g) == foundation_edge_set(src, dst, directed)
    assert g.report.input_edges == len(edges)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.text("abcXYZ_-1", min_size=1, max_size=5), st.text("abcXYZ_-1", min_size=1, max_size=5)),
                min_size=1, max_size=25),
       st.sampled_from([",", "\t", ";"]), st.booleans(), st.booleans())
def test_fuzz_csv_string_ids(edges, sep, header, directed):
    text = foundation_write_edge_text(edges, sep=sep, header=f"from{sep}to" if header else None)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "e.csv"
        path.write_text(text)
        g = read_csv(path, directed=directed, header=header)
        auto = read_csv(path, directed=directed)
    src, dst = zip(*edges)
    # Ids made only of digits come back as integers (a numeric id column).
    if all(x.isdigit() for x in src + dst):
        src, dst = tuple(int(x) for x in src), tuple(int(x) for x in dst)
    assert labelled_edges(g) == foundation_edge_set(src, dst, directed)
    # Detection is decidable when the header names are not node ids; then it must agree.
    if header and not {"from", "to"} & set(src + dst):
        assert labelled_edges(auto) == labelled_edges(g)


def test_csv_header_detection(tmp_path):
    (tmp_path / "a.csv").write_text("source,target\nalice,bob\nbob,carol\n")
    assert labelled_edges(read_csv(tmp_path / "a.csv")) == {("alice", "bob"), ("bob", "carol")}
    (tmp_path / "b.csv").write_text("alice,bob\nbob,alice\ncarol,bob\n")
    assert read_csv(tmp_path / "b.csv").n == 3  # first line's ids recur: data, not a header
    (tmp_path / "c.csv").write_text("u,v\n1,2\n2,3\n")
    assert labelled_edges(read_csv(tmp_path / "c.csv")) == {(1, 2), (2, 3)}


def test_csv_header_names_weights_and_quotes(tmp_path):
    (tmp_path / "w.csv").write_text('a,b,strength\n"x","y",2.5\n"y","z",1\n')
    g = read_csv(tmp_path / "w.csv", weight="strength", directed=True)
    assert labelled_edges(g) == {("x", "y"), ("y", "z")}
    assert g.edge_weights().tolist() == [2.5, 1.0]
    (tmp_path / "n.tsv").write_text("follower\tfollowee\tcount\n10\t20\t1\n20\t30\t4\n")
    g = read_graph(tmp_path / "n.tsv", directed=True)
    assert labelled_edges(g) == {(10, 20), (20, 30)} and g.node_ids.dtype == np.int64
    g = read_csv(tmp_path / "n.tsv", src="followee", dst="follower", weight="count", directed=True)
    assert labelled_edges(g) == {(20, 10), (30, 20)} and sorted(g.edge_weights().tolist()) == [1.0, 4.0]


def test_jlg_directed_header_and_konect_header(tmp_path):
    with gzip.open(tmp_path / "d.jlg", "wt") as fh:
        fh.write("4,3,d,graph\n1,2\n2,3\n3,1\n")
    g = read_jlg(tmp_path / "d.jlg")
    assert g.directed and g.n == 4 and labelled_edges(g) == {(1, 2), (2, 3), (3, 1)}
    (tmp_path / "out.x").write_text("% asym unweighted\n% 3 5 5\n1 2\n2 3\n4 1\n")
    k = read_graph(tmp_path / "out.x")
    assert k.directed and k.n == 5 and labelled_edges(k) == {(1, 2), (2, 3), (4, 1)}
    (tmp_path / "out.bip").write_text("% bip unweighted\n% 2 2 3\n1 1\n2 3\n")
    b = read_konect(tmp_path / "out.bip")
    assert not b.directed and b.n == 5 and labelled_edges(b) == {(1, 3), (2, 5)}
    buf = io.BytesIO((tmp_path / "out.x").read_bytes())
    with tarfile.open(tmp_path / "x.tar.bz2", "w:bz2") as tar:
        info = tarfile.TarInfo("x/out.x")
        info.size = len(buf.getvalue())
        tar.addfile(info, buf)
    assert read_graph(tmp_path / "x.tar.bz2").fingerprint == k.fingerprint


def test_ego_archive_synthetic(tmp_path):
    files = {"e/5.edges": b"1 2\n2 3\n", "e/5.feat": b"1 0 1\n2 1 0\n3 0 0\n4 1 1\n"}
    with tarfile.open(tmp_path / "ego.tar.gz", "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    g = read_ego_archive(tmp_path / "ego.tar.gz")
    assert labelled_edges(g) == {(1, 2), (2, 3), (1, 5), (2, 5), (3, 5), (4, 5)}


# ---------------------------------------------------------------------------- bad input
def _cli(args):
    return CliRunner().invoke(main, args)


def _assert_clean_error(result, *fragments):
    assert result.exit_code == 2, result.output
    err = result.stderr if hasattr(result, "stderr") else result.output
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), err
    assert "Traceback" not in result.output
    for frag in fragments:
        assert frag in lines[0], lines[0]


@pytest.fixture
def bad_files(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "comments.txt").write_text("# only\n% comments\n")
    (tmp_path / "malformed.txt").write_text("1 2\n3 4\n5\n6 7\n")
    (tmp_path / "letters.txt").write_text("1 2\n3 x\n")
    (tmp_path / "huge.txt").write_text("1 99999999999999999999\n")
    (tmp_path / "g.weird").write_text("1 2\n")
    scipy.io.savemat(tmp_path / "noA.mat", {"B": np.eye(3)})
    (tmp_path / "bad.gml").write_text("graph [ node [ id 1 ] edge [ source 1 target 2 ] ]")
    (tmp_path / "unbalanced.gml").write_text("graph [ node [ id 1 ]")
    (tmp_path / "bad.jlg").write_text("3,5,u,graph\n1,2\n")
    (tmp_path / "badloc.txt").write_text("1\t40.0\t-100.0\n2\tnorth\t3.0\n")
    (tmp_path / "corrupt.txt.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    return tmp_path


@pytest.mark.parametrize("name, fragments", [
    ("missing.txt", ["missing.txt", "no such file"]),
    ("empty.txt", ["empty.txt", "empty"]),
    ("comments.txt", ["no edges"]),
    ("malformed.txt", ["malformed.txt, line 3", "two fields"]),
    ("letters.txt", ["letters.txt, line 2", "not a non-negative integer"]),
    ("huge.txt", ["line 1", "too large"]),
    ("g.weird", ["g.weird", "cannot tell the format"]),
    ("noA.mat", ["noA.mat", "no adjacency matrix 'A'"]),
    ("bad.gml", ["bad.gml", "not a node id"]),
    ("unbalanced.gml", ["unbalanced"]),
    ("bad.jlg", ["bad.jlg", "announces 5 edges"]),
    ("corrupt.txt.gz", ["corrupt"]),
])
def test_bad_input_api_and_cli(bad_files, name, fragments):
    path = bad_files / name
    with pytest.raises(FormatError) as exc:
        read_graph(path)
    for frag in fragments:
        assert frag in str(exc.value)
    out = bad_files / "out.swg"
    _assert_clean_error(_cli(["graph", "convert", str(path), str(out)]), *fragments)
    assert not out.exists()
    assert not [p for p in bad_files.iterdir() if p.name.startswith(".tmp-")]


def test_bad_input_other_readers(bad_files):
    with pytest.raises(FormatError, match=r"badloc.txt, data row 2: latitude"):
        read_locations(bad_files / "badloc.txt")
    _assert_clean_error(_cli(["graph", "info", str(bad_files / "empty.txt"), "--format", "nope"]),
                        "unknown format 'nope'")
    _assert_clean_error(_cli(["graph", "info", "no-such-dataset"]), "not a known dataset")


def test_a_locations_dataset_is_not_a_graph(data_file):
    data_file("brightkite-locations")
    _assert_clean_error(_cli(["graph", "info", "brightkite-locations"]), "locations table")


def test_parquet_edge_table_is_plain_encoded_snappy_and_round_trips(tmp_path):
    """Edge tables skip dictionary encoding (ids are nearly distinct) and keep the graph."""
    import pyarrow.parquet as pq

    from simulate.generators import watts_strogatz
    from simulate.io import write_graph

    g = watts_strogatz(n=3000, k=6, p=0.2, seed=4)
    path = tmp_path / "ws.parquet"
    write_graph(g, path)
    meta = pq.ParquetFile(path).metadata
    for rg in range(meta.num_row_groups):
        for c in range(meta.num_columns):
            col = meta.row_group(rg).column(c)
            assert col.compression == "SNAPPY"
            assert not any("DICTIONARY" in e for e in col.encodings), col.encodings
    h = read_graph(path)
    assert np.array_equal(h.indptr, g.indptr) and np.array_equal(h.indices, g.indices)
