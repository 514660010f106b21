"""--dry-run's estimates: every kind that runs a model has a cost and a GPU memory, and an RL stage's cost
follows its steps and stops at its FLOP budget."""

import pytest

from interplay.experiments.estimates import COSTS, MEMORIES, estimate, gpu_memory, model_config_for
from interplay.experiments.stages import KINDS

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
    capped = estimate("rl", {"rl.steps": 20, "rl.max_flops": ten.flops / 2}, WORLD, tiny, 0)
    assert capped.flops == pytest.approx(ten.flops / 2)


def test_a_probe_costs_in_proportion_to_its_problems(tiny):
    settings = {"samples": 8, "max_new_tokens": 64}
    forty, twenty = (estimate("probe", settings, WORLD, tiny, problems).flops for problems in (40, 20))
    assert forty == pytest.approx(2 * twenty)
    assert gpu_memory("eval", settings, WORLD, tiny).total > 0
