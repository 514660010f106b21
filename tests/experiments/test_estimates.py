"""--dry-run's estimates: every kind that runs a model has a cost and a GPU memory, and an RL stage's cost
follows its steps and stops at its FLOP budget as the trainer counts it."""

import math
from pathlib import Path

import pytest

from interplay.experiments.estimates import (COSTS, MEMORIES, estimate, gpu_memory, model_config_for, rl_step,
                                             rl_steps)
from interplay.experiments.stages import KINDS, rl_config

WORLD = {"ops": "2-4", "format": "compact"}


@pytest.fixture(scope="module")
def tiny():
    return model_config_for("pretrain", {"model.preset": "tiny"}, WORLD, None)


def test_every_kind_that_runs_a_model_has_an_estimate():
    assert set(COSTS) == set(MEMORIES) == set(KINDS) - {"generate"}


def test_a_kind_without_a_model_costs_nothing(tiny):
    assert estimate("generate", {}, WORLD, None, 100).flops == 0 and gpu_memory("generate", {}, WORLD, None).total == 0
    assert estimate("rl", {}, WORLD, None, 100).flops == 0  # no model known yet: nothing to count


def test_rl_cost_follows_its_steps_and_stops_at_its_budget(tiny):
    ten, twenty = (estimate("rl", {"rl.steps": steps}, WORLD, tiny, 0) for steps in (10, 20))
    assert ten.train_flops > 0 and ten.sample_flops > 0
    assert twenty.flops == pytest.approx(2 * ten.flops)
    capped = estimate("rl", {"rl.steps": 20, "rl.max_flops": 0.999 * ten.flops / 2}, WORLD, tiny, 0)
    assert capped.flops == pytest.approx(ten.flops / 2)  # the step that crosses the budget runs whole


def test_a_budget_buys_the_steps_the_trainer_counts_whatever_the_filter_drops(tiny):
    """train/grpo.py counts every row's update toward rl.max_flops, trained or filtered out: a filtered run
    buys the same steps with its budget and runs fewer FLOPs in them."""
    settings = {"rl.steps": 1000, "rl.max_flops": 1e10}
    whole, filtered = (rl_config({**settings, "rl.filter_groups": f}, WORLD, Path(".")) for f in (False, True))
    steps = [rl_steps(run.rl, rl_step(run, tiny)) for run in (whole, filtered)]
    assert steps[0] == steps[1] < 1000
    step = rl_step(whole, tiny)
    assert steps[0] == math.ceil(1e10 / (step.sample + step.counted_update))
    costs = [estimate("rl", {**settings, "rl.filter_groups": f}, WORLD, tiny, 0) for f in (False, True)]
    assert costs[1].sample_flops == costs[0].sample_flops and costs[1].train_flops < costs[0].train_flops


def test_longer_problems_make_longer_rl_steps(tiny):
    short, long = (rl_step(rl_config({"rl.steps": 1}, {**WORLD, "ops": ops}, Path(".")), tiny) for ops in ("2", "8"))
    assert long.sample > short.sample and long.counted_update > short.counted_update


def test_a_probe_costs_in_proportion_to_its_problems(tiny):
    settings = {"samples": 8, "max_new_tokens": 64}
    forty, twenty = (estimate("probe", settings, WORLD, tiny, problems).flops for problems in (40, 20))
    assert forty == pytest.approx(2 * twenty)
    assert gpu_memory("eval", settings, WORLD, tiny).total > 0


def test_an_eval_costs_more_a_problem_where_its_ops_have_longer_solutions(tiny):
    settings = {"samples": 8, "max_new_tokens": 64}
    short, long = (estimate("eval", settings, WORLD, tiny, 20, ops) for ops in ("2", "8"))
    assert long.sample_flops > 1.3 * short.sample_flops
    unknown = estimate("eval", settings, WORLD, tiny, 20)  # ops a stage not run yet decides: a typical length
    assert unknown.sample_flops > 0
