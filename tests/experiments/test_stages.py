"""The registry of stage kinds: what each needs from a recipe, where it runs under torchrun, what it costs."""

import pytest

from interplay.errors import UserError
from interplay.experiments.stages import KINDS, estimate, gpu_memory, run_stage


def test_the_registry_holds_every_kind_a_recipe_can_name():
    assert set(KINDS) == {"generate", "pretrain", "midtrain", "rl", "probe", "eval"}
    assert {name for name, kind in KINDS.items() if kind.distributed} == {"pretrain", "midtrain", "rl"}
    assert KINDS["rl"].inputs == ("init",) and KINDS["eval"].inputs == ("models", "data")
    assert all(KINDS[name].cost and KINDS[name].memory for name in ("pretrain", "midtrain", "rl", "probe", "eval"))


def test_a_kind_without_a_model_costs_nothing_and_an_unknown_kind_is_an_error(tmp_path):
    assert estimate("generate", {}, {}, None, 100).flops == 0 and gpu_memory("generate", {}, {}, None).total == 0
    with pytest.raises(UserError, match="unknown stage kind 'bake'"):
        run_stage("bake", {}, {}, {}, tmp_path, 0)


def test_a_generate_stage_writes_its_problems(tmp_path):
    outputs = run_stage("generate", {"ops": "2-3", "n_per_op": 4}, {"format": "compact"}, {}, tmp_path, None)
    assert outputs["n"] == 8 and (tmp_path / "problems.jsonl").read_text().count("\n") == 8
