"""docs/configs.md's key reference is generated from the registries (simulate/config/docs.py) and current."""

from pathlib import Path

from simulate.config import docs
from simulate.generators import MODELS
from simulate.kinds import experiment_kinds

DOC = Path(__file__).resolve().parents[1] / "docs" / "configs.md"


def test_key_reference_is_current():
    text = DOC.read_text(encoding="utf-8")
    assert docs.updated(text) == text, "docs/configs.md is stale: run python -m simulate.config.docs"


def test_reference_names_every_kind_model_rule_and_key():
    ref = docs.render()
    for name, kind in experiment_kinds().items():
        assert f'### [experiment] kind = "{name}"' in ref
        for key in kind.params:
            assert f"| `{key}` |" in ref
        for rule in kind.rules:
            assert f"* {rule.text}" in ref
    for name, model in MODELS.items():
        assert f'#### generator = "{name}"' in ref
        for rule in model.rules:
            assert f"* {rule.text}" in ref


def test_a_stale_reference_is_rewritten():
    text = DOC.read_text(encoding="utf-8")
    stale = text.replace("| `registers` | int | 64 |", "| `registers` | int | 32 |")
    assert stale != text and docs.updated(stale) == text
