"""Stage hashes follow what built a stage: user lexicons by their contents (the code: test_code.py); seed 0
of a per-seed stage is the stage without a seed."""

import pytest

from interplay.errors import UserError
from interplay.experiments.recipe import Instance
from interplay.experiments.runner import _lexicon_contents, stage_hash


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


def test_seed_0_of_a_per_seed_stage_is_the_stage_without_a_seed():
    def base(*axes):
        return Instance(stage="base", kind="pretrain", axes=axes, settings={}, inputs={})

    shared = stage_hash(base(), {}, {}, {})
    assert stage_hash(base(("seed", "0")), {}, {}, {}) == shared
    assert stage_hash(base(("seed", "1")), {}, {}, {}) != shared
