"""The report's table of what each RL stage did while it trained, from its metrics."""

from interplay.report.training import rl_table


class _Run:
    """The two things rl_table reads of a RunData: the records, in order, and a stage's metrics."""

    def __init__(self, records: dict, metrics: dict):
        self.records, self._metrics = records, metrics

    def metrics(self, key: str) -> list[dict]:
        return self._metrics.get(key, [])


def _step(step: int, reward: float, updated: bool) -> dict:
    return {"step": step, "reward": reward, "strict": reward / 2, "updated": updated, "zero_variance_groups": 0.5,
            "sample_seconds": 4.0, "train_seconds": 2.0 if updated else 0.0}


def test_an_arm_that_never_updated_says_so_beside_one_that_learned():
    learned = [_step(i, 0.2 if i < 2 else 0.6 if i >= 18 else 0.4, True) for i in range(20)]  # a tenth: 2 steps
    never = [_step(i, 0.0, False) for i in range(20)]
    run = _Run({"base": {"kind": "pretrain"}, "rl[edge]": {"kind": "rl"}, "rl[hard]": {"kind": "rl"}},
               {"base": [{"step": 1, "loss": 2.0}], "rl[edge]": learned + [{"step": 20, "val_strict": 0.3}],
                "rl[hard]": never})
    caption, header, rows = rl_table(run)
    assert "updated" in header and "DAPO" in caption
    assert rows == [["rl[edge]", "20", "20", "0.200 -> 0.600", "0.100 -> 0.300", "0.50", "4.0 / 2.0"],
                    ["rl[hard]", "20", "0", "0.000 -> 0.000", "0.000 -> 0.000", "0.50", "4.0 / 0.0"]]


def test_a_run_without_a_finished_rl_stage_has_no_table():
    assert rl_table(_Run({"base": {"kind": "pretrain"}, "rl": {"kind": "rl"}}, {"base": [{"loss": 1.0}]})) is None
