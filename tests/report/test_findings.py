"""The registry of findings: every shipped recipe's finding is registered, and stage names are the known ones."""

import tomllib
from pathlib import Path

import pytest

from interplay.errors import UserError
from interplay.report.findings import STAGE_NAMES, finding_names, get_finding, register_finding

RECIPES = Path(__file__).resolve().parents[2] / "recipes"


def test_every_shipped_recipe_names_a_registered_finding():
    named = {tomllib.loads(path.read_text())["recipe"]["finding"] for path in RECIPES.glob("[!_]*.toml")}
    assert named == set(finding_names()) == {"demo", "f1", "f2", "f3", "f4"}


def test_each_finding_reads_only_the_conventional_stage_names():
    for name in finding_names():
        finding = get_finding(name)
        assert finding.stages and set(finding.stages) <= set(STAGE_NAMES) and callable(finding.section)
    with pytest.raises(UserError, match="unknown finding 'f9'"):
        get_finding("f9")
    with pytest.raises(ValueError, match="unknown stage name"):
        register_finding("f9", stages=("pretrained",))
