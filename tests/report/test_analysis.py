"""Report statistics: per-problem pass@k from samples, bootstrap intervals, paired differences, verdicts."""

import json

import numpy as np
import pytest

from interplay.report.analysis import EvalTable, arm_matrix, difference, estimate
from interplay.report.findings import NO_GAIN_MARGIN, Check, Section


def write_samples(path, successes: list[list[bool]], ops: list[int], answers=None):
    lines = []
    for index, (row, op) in enumerate(zip(successes, ops)):
        for sample, ok in enumerate(row):
            answer = ok if answers is None else answers[index][sample]
            lines.append(json.dumps({"problem_index": index, "op": op, "context": "zoo", "sample": sample,
                                     "strict_correct": ok, "answer_correct": answer}))
    path.write_text("\n".join(lines) + "\n")
    return EvalTable.load(path)


def test_table_gives_unbiased_pass_at_k_per_problem(tmp_path):
    table = write_samples(tmp_path / "s.jsonl", [[True, False, False, False], [False] * 4, [True] * 4], [2, 3, 3],
                          answers=[[True, True, False, False], [True, False, False, False], [True] * 4])
    assert table.values("pass", 1).tolist() == pytest.approx([0.25, 0.0, 1.0])
    assert table.values("pass", 2).tolist() == pytest.approx([0.5, 0.0, 1.0])  # 1 - C(3,2)/C(4,2)
    assert table.values("rawp").tolist() == [0.25, 0.25, 0.0]
    assert arm_matrix([table], "pass", 1, ops=[3]).tolist() == [[0.0, 1.0]]


def test_interval_covers_the_mean_and_shrinks_with_more_problems():
    rng = np.random.default_rng(0)
    small = estimate(rng.binomial(1, 0.4, size=(1, 50)).astype(float))
    large = estimate(rng.binomial(1, 0.4, size=(1, 5000)).astype(float))
    assert small.low < small.value < small.high and large.low < 0.4 < large.high
    assert large.high - large.low < (small.high - small.low) / 5


def test_seed_noise_widens_the_interval():
    problems = np.linspace(0, 1, 200)
    agreeing = estimate(np.stack([problems, problems, problems]))
    disagreeing = estimate(np.stack([problems * 0.5, problems, np.minimum(problems * 1.5, 1)]))
    assert (disagreeing.high - disagreeing.low) > (agreeing.high - agreeing.low)
    assert agreeing.seeds == 3 and agreeing.problems == 200


def test_paired_difference_sees_a_small_shift_that_unpaired_noise_would_hide():
    rng = np.random.default_rng(1)
    base = rng.uniform(0, 1, size=(1, 400))
    shifted = np.minimum(base + 0.03, 1)
    d = difference(shifted, base)
    assert 0.02 < d.value < 0.04 and d.low > 0
    assert d.seeds == 1 and difference(np.repeat(shifted, 3, axis=0), base).seeds == 3  # a shared base vs 3 RL seeds
    same = difference(base, base)
    assert same.value == same.low == same.high == 0
    with pytest.raises(ValueError):
        difference(base, base[:, :10])


@pytest.mark.parametrize("kind, low, high, outcome", [
    ("increase", 0.01, 0.2, True), ("increase", -0.1, 0.2, None), ("increase", -0.2, -0.01, False),
    ("increase", 0.0, 0.0, False),
    ("no_gain", -0.1, NO_GAIN_MARGIN - 0.01, True), ("no_gain", 0.0, 0.2, None), ("no_gain", NO_GAIN_MARGIN + 0.01, 0.3, False),
])
def test_check_outcomes_follow_the_written_rule(kind, low, high, outcome):
    from interplay.report.analysis import Estimate

    assert Check("c", kind, Estimate((low + high) / 2, low, high, 10, 1)).outcome() is outcome


def test_verdict_votes_main_claims_only():
    from interplay.report.analysis import Estimate

    holds, fails, unsure = (Estimate(0.1, 0.05, 0.2, 9, 1), Estimate(-0.1, -0.2, -0.05, 9, 1), Estimate(0, -0.1, 0.1, 9, 1))
    assert Section("s", "p", checks=[Check("a", "increase", holds), Check("b", "increase", fails, main=False)]).verdict() == "reproduced"
    assert Section("s", "p", checks=[Check("a", "increase", holds), Check("b", "increase", fails)]).verdict() == "not reproduced"
    assert Section("s", "p", checks=[Check("a", "increase", holds), Check("b", "increase", unsure)]).verdict() == "inconclusive"
    assert Section("s", "p", checks=[Check("a", "increase", None)]).verdict() == "inconclusive"


def test_two_arms_at_zero_are_no_evidence_against_an_increase():
    zeros, tiny = np.zeros((1, 50)), np.zeros((1, 50))
    tiny[0, 3] = 0.5  # one problem solved once: a real, if weak, measurement
    floor, above = difference(zeros, zeros), difference(zeros, tiny)
    assert floor.floor and not above.floor
    assert Check("c", "increase", floor).outcome() is None and "both 0" in Check("c", "increase", floor).label()
    assert Check("c", "increase", above).outcome() is False  # the interval ends at or below 0: it fails
    assert Check("c", "no_gain", floor).outcome() is True  # "RL does not help here" is what a floor shows
