"""Finding 2's claims (the paper's difference between two shares of context B, placed only across its 1% threshold)
and its table of each base on context A beside context B."""

import json

import pytest

from interplay.report.archive import FORMAT, ArchivedRun
from interplay.report.findings.f2 import PAPER_GAIN_ACROSS, _paper_gain, reach_on_b, share_claims, surface_table


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


def two_share_run(tmp_path, samples: int = 4) -> ArchivedRun:
    """A run.json with bases at shares 0 and 0.01, each probed on context A at ops 2-3 and evaluated on context B
    at ops 2-3 (two problems an op): share 0 solves no B problem, share 0.01 one problem at op 2 in half its samples
    (every sample that is not right misses a needed quantity)."""
    instances, records, evals, probes = [], {}, {}, {}
    for share, solved_b, passk_a in (("0", [0, 0, 0, 0], {"2": 0.9, "3": 0.8}),
                                     ("0.01", [2, 0, 0, 0], {"2": 1.0, "3": 0.7})):
        base, probe, evaluation = f"base[share={share}]", f"probe[share={share}]", f"eval[model=base,share={share}]"
        axes = {"share": share}
        instances += [{"key": base, "stage": "base", "kind": "pretrain", "axes": axes, "inputs": {}},
                      {"key": probe, "stage": "probe", "kind": "probe", "axes": axes, "inputs": {"model": base}},
                      {"key": evaluation, "stage": "eval", "kind": "eval", "axes": {**axes, "model": "base"},
                       "inputs": {"model": base}}]
        records |= {base: {"kind": "pretrain", "outputs": {}}, probe: {"kind": "probe", "outputs": {}},
                    evaluation: {"kind": "eval", "outputs": {}}}
        probes[probe] = {"samples": 32, "thresholds": {}, "ops": {op: {"pass_at_1": 0.5, "pass_at_32": value,
                                                                       "label": "in-distribution"}
                                                                  for op, value in passk_a.items()}}
        evals[evaluation] = {"ids": ["p0", "p1", "p2", "p3"], "ops": [2, 2, 3, 3], "contexts": ["teachers"] * 4,
                             "samples": [samples] * 4, "strict": solved_b, "answer": solved_b,
                             "right_answer_wrong_process": [0] * 4, "short": [samples - hits for hits in solved_b],
                             "beside": [0] * 4}
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"format": FORMAT, "plan": {"finding": "f2", "seeds": [0], "instances": instances},
                                "records": records, "probes": probes, "evals": evals, "metrics": {}}))
    return ArchivedRun(path)


def test_the_surface_table_puts_each_base_on_a_beside_b(tmp_path):
    run = two_share_run(tmp_path)
    caption, header, rows = surface_table(run, ["0", "0.01"], [2, 3], "teachers", 4)
    assert header == ["share of B", "op 2 A / B", "op 3 A / B"]
    assert "probe, pass@32" in caption and "test set, pass@4" in caption
    assert rows == [["0", "0.900 / 0.000", "0.800 / 0.000"],
                    ["0.01", "1.000 / 0.500", "0.700 / 0.000"]]  # problem p0 solved at pass@4: one of two at op 2
    assert surface_table(run, ["0.1"], [2, 3], "teachers", 4) is None  # no probe of that share: no table


def test_reach_on_b_says_how_often_samples_miss_a_needed_quantity_beyond_the_lowest_op(tmp_path):
    run = two_share_run(tmp_path)  # every unsolved sample misses a quantity; at op 3 no sample is right
    assert reach_on_b(run, ["0", "0.01"], [3], "teachers") == (
        "Reach on B beyond the lowest op (3): the share of samples that miss a quantity the answer needs, mean over "
        "problems: share 0: base 1.00; share 0.01: base 1.00.")  # no RL stage in this run: the base alone
    assert reach_on_b(run, ["0.1"], [3], "teachers") == ""
