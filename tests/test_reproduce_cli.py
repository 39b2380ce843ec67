"""`smallworld reproduce`: listing, unknown names, and a reproduction whose real data is missing."""

import pytest
from click.testing import CliRunner

from simulate import experiments
from simulate import datasets
from simulate.cli import main


def test_list_names_every_available_reproduction():
    known = experiments.studies()
    assert {"watts_strogatz", "kleinberg"} <= set(known)
    for args in (["reproduce", "--list"], ["reproduce"]):
        res = CliRunner().invoke(main, args)
        assert res.exit_code == 0, res.output
        lines = res.stdout.strip().splitlines()
        assert [ln.split()[0] for ln in lines] == list(known) == sorted(known)  # in reproduce-all order
        for ln, study in zip(lines, known.values()):
            assert ln.endswith(study.title)


def test_unknown_name_is_a_one_line_error(tmp_path):
    out = tmp_path / "nowhere"
    res = CliRunner().invoke(main, ["reproduce", "kleinbreg", "--quick", "--out", str(out)])
    assert res.exit_code == 2
    assert res.stderr.strip().splitlines() == [
        f"error: unknown reproduction 'kleinbreg'; did you mean 'kleinberg'? "
        f"(known: all, {', '.join(experiments.studies())})"]
    assert "Traceback" not in res.output
    assert not out.exists()  # nothing written


def test_missing_data_is_reported_and_the_rest_runs(tmp_path):
    # facebook compares the real ego-Facebook graph with a synthetic one: without the data
    # directory the real part is skipped and named, with the command that fetches it.
    assert "facebook" in experiments.studies()
    missing_dir = tmp_path / "nonexistent"
    out = tmp_path / "fb"
    res = CliRunner().invoke(main, ["reproduce", "facebook", "--quick", "--quiet", "--out", str(out),
                                    "--data-dir", str(missing_dir)])
    assert res.exit_code == 0, res.output
    assert "1 data file(s) missing" in res.stderr
    text = (out / "report.md").read_text()
    ds = datasets.get("ego-facebook")
    assert "## Data not present" in text
    assert f"`{ds.file}` (ego-facebook)" in text and "smallworld data fetch ego-facebook" in text
    assert str(missing_dir) in text
    # The synthetic part still produced comparisons and figures.
    table = text.split("| quantity |", 1)[1]
    assert table.count("\n|") >= 3
    assert list(out.glob("*.png"))


@pytest.mark.parametrize("name", ["ego-facebook"])
def test_context_dataset_records_missing_file(tmp_path, name, data_file):
    ctx = experiments.Context(name="x", out_dir=tmp_path, data_dir=str(tmp_path / "none"))
    assert ctx.dataset(name) is None
    assert len(ctx.missing) == 1 and f"smallworld data fetch {name}" in ctx.missing[0]
    # With the real data directory the same call reads the graph.
    real = data_file(name).parents[1]  # the data directory: <dir>/snap/facebook_combined.txt.gz
    ctx = experiments.Context(name="x", out_dir=tmp_path, data_dir=str(real))
    g = ctx.dataset(name)
    assert g is not None and g.n == 4039 and not ctx.missing
