"""Stage hashes follow what built a stage: the source code (report/ aside) and user lexicon contents."""

from pathlib import Path

import pytest

from interplay.errors import UserError
from interplay.experiments.recipe import Instance
from interplay.experiments.runner import _lexicon_contents, source_digest, stage_hash


def _package(root: Path) -> Path:
    for relative in ("train/lm.py", "world/graph.py", "report/figures.py"):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(f"# {relative}\n")
    return root


def test_any_stage_building_module_changes_the_digest(tmp_path):
    package = _package(tmp_path)
    before = source_digest(package)
    (package / "train/lm.py").write_text("# trained differently\n")
    assert source_digest(package) != before


def test_a_report_module_does_not(tmp_path):
    package = _package(tmp_path)
    before = source_digest(package)
    (package / "report/figures.py").write_text("# drawn differently\n")
    assert source_digest(package) == before


def test_a_lexicon_file_enters_by_its_content(tmp_path):
    lexicon = tmp_path / "bakery.toml"
    instance = Instance(stage="base", kind="pretrain", axes=(), settings={}, inputs={})
    world = {"lexicons": [str(lexicon)]}
    lexicon.write_text("entities = ['A']\n")
    first = stage_hash(instance, {}, world, {})
    lexicon.write_text("entities = ['B']\n")
    assert stage_hash(instance, {}, world, {}) != first
    lexicon.unlink()
    with pytest.raises(UserError, match="world.lexicons"):
        _lexicon_contents(world)
