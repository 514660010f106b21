"""Finding 2's claims: the paper's difference between two shares of context B, placed only across its 1% threshold."""

import pytest

from interplay.report.findings.f2 import PAPER_GAIN_ACROSS, _paper_gain, share_claims


@pytest.mark.parametrize("higher, lower, paper", [
    ("0.1", "0", PAPER_GAIN_ACROSS), ("0.01", "0.001", PAPER_GAIN_ACROSS),  # across 1%: B transfers above only
    ("0.001", "0", None), ("0.1", "0.01", None),  # one side of the threshold: the paper gives no difference
    ("most", "none", None),  # shares not named by their fraction
])
def test_the_papers_difference_is_placed_only_across_its_threshold(higher, lower, paper):
    assert _paper_gain(higher, lower) == paper


@pytest.mark.parametrize("shares, claims", [
    (["0", "0.001", "0.01", "0.1"],  # the paper's: no transfer below 1%, a transfer from it
     [("0.001", "no_gain", True), ("0.01", "increase", True), ("0.1", "increase", True)]),
    (["0", "0.1"], [("0.1", "increase", True)]),
    (["none", "some", "most"], [("most", "increase", True), ("some", "increase", False)]),  # the order alone
    (["0.01", "0.05", "0.1"], [("0.1", "increase", True), ("0.05", "increase", False)]),  # all above the threshold
    (["0"], []),
])
def test_each_share_is_claimed_as_the_paper_places_it(shares, claims):
    assert share_claims(shares) == claims
