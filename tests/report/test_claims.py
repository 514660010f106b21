"""Claims and verdicts by the report's written rule, floors included (and the note that counts what a floor stands
on); arms of the same seeds paired on them."""

import json

import numpy as np
import pytest

from interplay.bootstrap import Estimate, difference
from interplay.report.analysis import arm_matrix
from interplay.report.claims import NO_GAIN_MARGIN, PAPER_SHARE, Check, Section, compare, floor_note
from interplay.report.rundata import RunData


@pytest.mark.parametrize("kind, low, high, outcome", [
    ("increase", 0.01, 0.2, True), ("increase", -0.1, 0.2, None), ("increase", -0.2, -0.01, False),
    ("increase", 0.0, 0.0, False),
    ("no_gain", -0.1, NO_GAIN_MARGIN - 0.01, True), ("no_gain", 0.0, 0.2, None),
    ("no_gain", NO_GAIN_MARGIN + 0.01, 0.3, False),
])
def test_check_outcomes_follow_the_written_rule(kind, low, high, outcome):
    assert Check("c", kind, Estimate((low + high) / 2, low, high, 10, 1)).outcome() is outcome


@pytest.mark.parametrize("low, high, with_paper, without", [
    (-0.09, 0.05, False, None),  # rules out even half the paper's +0.4: not reproduced, though the interval holds 0
    (-0.05, 0.3, None, None),  # an increase of half the paper's or more is still inside the interval
    (0.01, 0.1, True, True),  # an increase smaller than the paper's: the claim (a direction) holds
    (-0.2, -0.01, False, False),
])
def test_an_increase_fails_where_it_rules_out_half_the_papers_difference(low, high, with_paper, without):
    interval = Estimate((low + high) / 2, low, high, 10, 1)
    assert PAPER_SHARE == 0.5
    assert Check("c", "increase", interval, paper=0.4).outcome() is with_paper
    assert Check("c", "increase", interval).outcome() is without


def test_an_increase_below_half_the_papers_holds_and_is_marked_smaller():
    tenth, half = Estimate(0.07, 0.03, 0.11, 10, 1), Estimate(0.3, 0.1, 0.5, 10, 1)
    smaller, sized = Check("c", "increase", tenth, paper=0.6), Check("d", "increase", half, paper=0.6)
    assert smaller.outcome() is True and smaller.smaller_than_paper()
    assert sized.outcome() is True and not sized.smaller_than_paper()  # reaches half the paper's: size not ruled out
    assert not Check("e", "increase", tenth).smaller_than_paper()  # no paper number: nothing to compare
    assert not Check("f", "no_gain", tenth, paper=0.6).smaller_than_paper()
    assert not Check("g", "increase", Estimate(0, -0.1, 0.1, 10, 1), paper=0.6).smaller_than_paper()  # not holding
    assert Section("s", "p", checks=[sized]).size_note() == ""
    note = Section("s", "p", checks=[smaller, sized]).size_note()
    assert note.startswith("in direction, not in size: 1 of 2 main claims") and "against +0.600" in note
    assert Section("s", "p", checks=[smaller, Check("h", "increase", tenth, main=False)]).verdict() == "reproduced"
    failing = Check("i", "increase", Estimate(-0.1, -0.2, -0.05, 9, 1))
    assert Section("s", "p", checks=[smaller, failing]).size_note() == ""  # not reproduced says it already


def test_a_floor_stays_undecided_whatever_the_paper_found():
    floor = difference(np.zeros((1, 20)), np.zeros((1, 20)))
    assert Check("c", "increase", floor, paper=0.4).outcome() is None


def test_verdict_votes_main_claims_only():
    holds, fails = Estimate(0.1, 0.05, 0.2, 9, 1), Estimate(-0.1, -0.2, -0.05, 9, 1)
    unsure = Estimate(0, -0.1, 0.1, 9, 1)
    main = Check("a", "increase", holds)
    assert Section("s", "p", checks=[main, Check("b", "increase", fails, main=False)]).verdict() == "reproduced"
    assert Section("s", "p", checks=[main, Check("b", "increase", fails)]).verdict() == "not reproduced"
    assert Section("s", "p", checks=[main, Check("b", "increase", unsure)]).verdict() == "inconclusive"
    assert Section("s", "p", checks=[Check("a", "increase", None)]).verdict() == "inconclusive"


def test_two_arms_at_zero_are_no_evidence_against_an_increase():
    zeros, tiny = np.zeros((1, 50)), np.zeros((1, 50))
    tiny[0, 3] = 0.5  # one problem solved once: a real, if weak, measurement
    floor, above = difference(zeros, zeros), difference(zeros, tiny)
    assert floor.floor and not above.floor
    assert Check("c", "increase", floor).outcome() is None and "both 0" in Check("c", "increase", floor).label()
    assert Check("c", "increase", above).outcome() is False  # the interval ends at or below 0: it fails
    assert Check("c", "no_gain", floor).outcome() is True  # "RL does not help here" is what a floor shows


def write_run(tmp_path, arms: dict[str, dict[str | None, list[int]]], samples: int = 4) -> RunData:
    """A run whose models are evaluated on the same problems at op 5: arms[stage][seed] = how many of `samples`
    samples solve each problem (seed None: one model that every seed shares)."""
    instances = []
    for stage, by_seed in arms.items():
        for seed, solved in by_seed.items():
            model = stage if seed is None else f"{stage}[seed={seed}]"
            axes = {} if seed is None else {"seed": seed}
            (tmp_path / f"{model}.json").write_text(json.dumps({"kind": "rl", "outputs": {}}))
            instances.append({"key": model, "stage": stage, "kind": "rl", "axes": axes, "inputs": {},
                              "record": str(tmp_path / f"{model}.json")})
            lines = [json.dumps({"problem_index": i, "op": 5, "context": "zoo", "sample": s,
                                 "strict_correct": s < hits, "answer_correct": s < hits,
                                 "errors": [] if s < hits else ["wrong_answer"]})
                     for i, hits in enumerate(solved) for s in range(samples)]
            samples_path = tmp_path / f"eval {model}.jsonl"
            samples_path.write_text("\n".join(lines) + "\n")
            record = tmp_path / f"eval {model}.json"
            record.write_text(json.dumps({"kind": "eval", "outputs": {"samples": str(samples_path)}}))
            instances.append({"key": f"eval[{model}]", "stage": "eval", "kind": "eval", "axes": axes,
                              "inputs": {"model": model}, "record": str(record)})
    (tmp_path / "plan.json").write_text(json.dumps({"finding": "f1", "instances": instances}))
    return RunData(tmp_path)


def test_rl_is_compared_with_the_base_of_its_own_seed(tmp_path):
    """Seed 1's base solves far more than seed 0's; RL adds one right sample in four on every other problem of
    either seed. Resampling the seeds of the two arms apart would pit RL of seed 0 against the base of seed 1
    and bury the gain in how far apart the bases lie; paired on seeds, the gain holds."""
    weak, strong = [0] * 40, [3] * 40
    gain = [i % 2 for i in range(40)]
    rl_weak, rl_strong = [w + g for w, g in zip(weak, gain)], [s + g for s, g in zip(strong, gain)]
    run = write_run(tmp_path, {"base": {"0": weak, "1": strong}, "rl": {"0": rl_weak, "1": rl_strong}})
    paired = compare(run, ("rl", {}), ("base", {}), "pass", 1, [5])
    assert paired.value == pytest.approx(0.125) and 0 < paired.low < paired.high < 0.25 and paired.seeds == 2
    apart = difference(arm_matrix(run.evals("rl"), "pass", 1, [5]), arm_matrix(run.evals("base"), "pass", 1, [5]))
    assert apart.value == pytest.approx(0.125) and apart.low < 0 < apart.high  # the interval before the pairing
    assert Check("c", "increase", paired).outcome() is True and Check("c", "increase", apart).outcome() is None


def test_a_shared_base_is_resampled_apart_from_the_rl_seeds(tmp_path):
    solved = [i % 4 for i in range(40)]
    run = write_run(tmp_path, {"base": {None: solved}, "rl": {"0": [min(4, s + 1) for s in solved], "1": solved}})
    assert run.eval_seeds("base") == [None] and run.eval_seeds("rl") == ["0", "1"]
    rl, base = arm_matrix(run.evals("rl"), "pass", 1, [5]), arm_matrix(run.evals("base"), "pass", 1, [5])
    assert compare(run, ("rl", {}), ("base", {}), "pass", 1, [5]) == difference(rl, base)


def test_two_arms_at_zero_stay_at_the_floor_when_paired_on_seeds(tmp_path):
    run = write_run(tmp_path, {"base": {"0": [0] * 10, "1": [0] * 10}, "rl": {"0": [0] * 10, "1": [0] * 10}})
    assert compare(run, ("rl", {}), ("base", {}), "pass", 1, [5]).floor


ARMS = [("base", "base", {}), ("RL", "rl", {})]


def test_the_floor_note_counts_the_hard_problems_each_model_solved_at_all(tmp_path):
    run = write_run(tmp_path, {"base": {None: [0, 0, 1, 0]}, "rl": {"0": [3, 0, 1, 1]}})
    assert floor_note(run, ARMS, [5, 6], 4) == (
        "Hard ops (5-6): problems strictly solved in at least one sample, of 4: base 1; RL 3. "
        "Each problem weighs 0.250 in hard pass@4: a claim on it stands on these few.")
    assert floor_note(run, ARMS, [], 4) == ""  # no hard ops: nothing to say


def test_the_floor_note_gives_each_seed_its_count_and_the_problems_every_seed_solved(tmp_path):
    run = write_run(tmp_path, {"base": {None: [0, 1, 0]}, "rl": {"0": [1, 1, 0], "1": [2, 0, 4]}})
    assert floor_note(run, ARMS, [5], 4) == (
        "Hard ops (5): problems strictly solved in at least one sample, of 3 (by seed): base 1; RL 2 / 2 (1 in every "
        "seed). Each problem weighs 0.333 in hard pass@4: a claim on it stands on these few.")
    run = write_run(tmp_path, {"base": {None: [0, 1, 0]}, "rl": {"0": [0, 0, 0], "1": [2, 0, 4]}})
    assert "RL 0 / 2. " in floor_note(run, ARMS, [5], 4)  # a seed that solved none: "0 in every seed" says nothing


def test_the_floor_note_says_of_how_many_where_the_arms_have_different_problems(tmp_path):
    run = write_run(tmp_path, {"base": {None: [0, 1]}, "rl": {"0": [0, 0, 1]}})
    assert floor_note(run, ARMS, [5], 4) == (
        "Hard ops (5): problems strictly solved in at least one sample: base 1 of 2; RL 1 of 3. "
        "Each problem weighs at most 0.500 in hard pass@4: a claim on it stands on these few.")
