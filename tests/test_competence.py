"""The probe's labels: in-distribution, edge (some sample right) and hard (none right), and older probes' own rule."""

from hypothesis import given, strategies as st

from interplay.competence import THRESHOLDS, label, regimes, rule


def test_an_op_with_one_right_sample_is_edge_and_one_with_none_is_hard():
    """An op the probe solved once has a reward for RL to find (op 9 at cpu scale: pass@32 0.042), so it is edge."""
    assert label(0.3, 0.9) == "in-distribution"
    assert label(0.29, 1.0) == "edge"
    assert label(0.0013, 0.042) == "edge"
    assert label(0.0, 0.0) == "hard" and label(0.0, 0.0, THRESHOLDS) == "hard"


def test_a_probe_written_before_keeps_its_own_threshold():
    """Archived probes say `edge_passk`; pooling their mean labels by it, so their reports read as they did."""
    before = {"in_distribution_pass1": 0.3, "edge_passk": 0.1}
    assert label(0.0013, 0.042, before) == "hard"
    assert label(0.05, 0.1, before) == "edge"
    assert label(0.5, 0.0, before) == "in-distribution"
    assert rule(before, 32) == "ID: pass@1 >= 0.3, edge: pass@32 >= 0.1, else hard"
    assert rule(THRESHOLDS, 32) == "ID: pass@1 >= 0.3, edge: pass@32 > 0.0, else hard"


@given(st.floats(0, 1), st.floats(0, 1))
def test_the_labels_order_by_pass_rates(pass1, passk):
    """More right samples never move an op toward hard: the labels are monotone in pass@1 and pass@k."""
    order = ["hard", "edge", "in-distribution"]
    rank = order.index(label(pass1, passk))
    assert rank <= order.index(label(min(1.0, pass1 + 0.1), passk))
    assert rank <= order.index(label(pass1, min(1.0, passk + 0.1)))


def test_regimes_give_each_label_its_op_range():
    rates = [(2, 0.7, 0.9), (3, 0.4, 0.9), (4, 0.1, 0.5), (5, 0.001, 0.04), (6, 0, 0), (7, 0, 0)]
    report = {"ops": {str(op): {"label": label(p1, pk)} for op, p1, pk in rates}}
    assert regimes(report) == {"id": "2-3", "edge": "4-5", "hard": "6-7"}
