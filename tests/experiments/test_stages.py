"""The registry of stage kinds: what each needs from a recipe, where it runs under torchrun, what it writes."""

import pytest

from interplay.errors import UserError
from interplay.experiments.stages import KINDS, run_stage


def test_the_registry_holds_every_kind_a_recipe_can_name():
    assert set(KINDS) == {"generate", "pretrain", "midtrain", "rl", "probe", "eval"}
    assert {name for name, kind in KINDS.items() if kind.distributed} == {"pretrain", "midtrain", "rl"}
    assert KINDS["rl"].inputs == ("init",) and KINDS["eval"].inputs == ("models", "data")


def test_an_unknown_kind_is_an_error(tmp_path):
    with pytest.raises(UserError, match="unknown stage kind 'bake'"):
        run_stage("bake", {}, {}, {}, tmp_path, 0)


def test_a_generate_stage_writes_its_problems(tmp_path):
    outputs = run_stage("generate", {"ops": "2-3", "n_per_op": 4}, {"format": "compact"}, {}, tmp_path, None)
    assert outputs["n"] == 8 and (tmp_path / "problems.jsonl").read_text().count("\n") == 8
