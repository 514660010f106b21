"""metrics.jsonl and the trackers beside it: TensorBoard gets the same numbers, resume cuts both back."""

import json

import pytest

from interplay.config import TRACKERS, LMRunConfig, load_config
from interplay.errors import UserError
from interplay.train.metrics import TRACKER_KINDS, MetricsLog, scalars


def tensorboard_scalars(directory) -> dict[str, list[tuple[int, float]]]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(directory)).Reload()
    return {tag: [(e.step, e.value) for e in events.Scalars(tag)] for tag in events.Tags()["scalars"]}


def test_scalars_are_the_rows_numbers_by_flat_name():
    row = {"step": 4, "loss": 1.5, "solution_nll_by_op": {"2": 0.25, "3": 0.5}, "note": "x", "stopped": True}
    assert scalars(row) == {"loss": 1.5, "solution_nll_by_op/2": 0.25, "solution_nll_by_op/3": 0.5}


def test_every_tracker_the_config_accepts_has_a_writer():
    assert set(TRACKERS) == set(TRACKER_KINDS)


def test_an_unknown_tracker_is_a_config_error():
    with pytest.raises(UserError, match="train.log_to: unknown tracker 'tensorbored'"):
        load_config(LMRunConfig, overrides=["train.log_to=tensorbored"]).train.validate()


def test_resume_cuts_metrics_and_tensorboard_back_to_the_checkpoint(tmp_path):
    pytest.importorskip("tensorboard")
    first = MetricsLog(tmp_path, ["tensorboard"])
    for step in range(1, 6):
        first.write({"step": step, "loss": float(step)})
    first.close()
    resumed = MetricsLog(tmp_path, ["tensorboard"], step=3)  # the checkpoint was at step 3
    for step in (4, 5):
        resumed.write({"step": step, "loss": 10.0 * step})
    resumed.close()
    expected = [(1, 1.0), (2, 2.0), (3, 3.0), (4, 40.0), (5, 50.0)]
    rows = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [(row["step"], row["loss"]) for row in rows] == expected
    assert tensorboard_scalars(tmp_path / "tensorboard")["loss"] == expected
