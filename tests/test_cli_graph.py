"""`smallworld graph info|convert` and `python -m simulate`."""

from __future__ import annotations

import json
import subprocess
import sys

import networkx as nx
import numpy as np
import pytest
from click.testing import CliRunner

from simulate import read_graph
from simulate.cli import main


def test_graph_info_json_ego_facebook(data_file):
    fb_path = data_file("ego-facebook")
    res = CliRunner().invoke(main, ["graph", "info", "ego-facebook", "--json"])
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)
    assert set(info) == {"nodes", "edges", "directed", "components", "largest_component_nodes",
                         "self_loops_dropped", "duplicates_dropped", "degree"}
    assert set(info["degree"]) == {"min", "median", "mean", "max"}
    # Oracle: networkx on the same file.
    G = nx.read_edgelist(fb_path, nodetype=int)
    deg = np.array([d for _, d in G.degree()])
    assert info["nodes"] == G.number_of_nodes() == 4039
    assert info["edges"] == G.number_of_edges() == 88234
    assert info["directed"] is False
    assert info["components"] == nx.number_connected_components(G)
    assert info["largest_component_nodes"] == max(len(c) for c in nx.connected_components(G))
    assert info["degree"] == {"min": int(deg.min()), "median": float(np.median(deg)),
                              "mean": pytest.approx(float(deg.mean())), "max": int(deg.max())}


def test_graph_info_table_directed(data_file):
    data_file("email-eu-core")
    res = CliRunner().invoke(main, ["graph", "info", "email-eu-core"])
    assert res.exit_code == 0
    assert "1,005" in res.stdout and "directed" in res.stdout and "642 self-loops" in res.stdout


@pytest.mark.parametrize("out_name", ["fb.swg", "fb.parquet", "fb.txt.gz"])
def test_graph_convert_round_trip(tmp_path, out_name, data_file):
    data_file("fb100-caltech36")
    out = tmp_path / out_name
    res = CliRunner().invoke(main, ["graph", "convert", "fb100-caltech36", str(out)])
    assert res.exit_code == 0, res.output
    assert out.exists() and [p.name for p in tmp_path.iterdir()] == [out_name]
    orig = read_graph("fb100-caltech36")
    back = read_graph(out)
    assert back.fingerprint == orig.fingerprint
    assert np.array_equal(back.node_ids, orig.node_ids)
    if not out_name.endswith(".txt.gz"):
        assert back.node_attrs.equals(orig.node_attrs)  # text keeps structure only
    res = CliRunner().invoke(main, ["graph", "info", str(out), "--json"])
    assert json.loads(res.stdout)["edges"] == 16656


def test_graph_convert_directed_override(tmp_path, data_file):
    data_file("konect-ego-twitter")
    res = CliRunner().invoke(main, ["graph", "convert", "konect-ego-twitter", "--undirected", str(tmp_path / "u.swg")])
    assert res.exit_code == 0
    g = read_graph(tmp_path / "u.swg")
    assert not g.directed and g.num_edges == 33101 - 270  # README: 540 reciprocated arcs = 270 pairs merge


def test_python_m_simulate_help():
    out = subprocess.run([sys.executable, "-m", "simulate", "--help"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0
    assert "graph" in out.stdout and "data" in out.stdout
    out = subprocess.run([sys.executable, "-m", "simulate", "graph", "info", "/nonexistent/x.txt"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and out.stderr.startswith("error:") and "Traceback" not in out.stderr


def test_graph_convert_unknown_output_name_names_the_choices(tmp_path, data_file):
    data_file("fb100-reed98")
    out = tmp_path / "graph.weird"
    res = CliRunner().invoke(main, ["graph", "convert", "fb100-reed98", str(out)])
    assert res.exit_code == 2
    assert "output format" in res.output and "--to" in res.output
    assert "Traceback" not in res.output
    assert not out.exists() and not list(tmp_path.iterdir())
    res = CliRunner().invoke(main, ["graph", "convert", "fb100-reed98", str(out), "--to", "native"])
    assert res.exit_code == 0, res.output
    assert read_graph(out, format="native").num_edges == read_graph("fb100-reed98").num_edges
