"""Claims and verdicts by the report's written rule, floors included."""

import numpy as np
import pytest

from interplay.bootstrap import Estimate, difference
from interplay.report.claims import NO_GAIN_MARGIN, Check, Section


@pytest.mark.parametrize("kind, low, high, outcome", [
    ("increase", 0.01, 0.2, True), ("increase", -0.1, 0.2, None), ("increase", -0.2, -0.01, False),
    ("increase", 0.0, 0.0, False),
    ("no_gain", -0.1, NO_GAIN_MARGIN - 0.01, True), ("no_gain", 0.0, 0.2, None), ("no_gain", NO_GAIN_MARGIN + 0.01, 0.3, False),
])
def test_check_outcomes_follow_the_written_rule(kind, low, high, outcome):
    assert Check("c", kind, Estimate((low + high) / 2, low, high, 10, 1)).outcome() is outcome


def test_verdict_votes_main_claims_only():
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
