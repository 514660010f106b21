"""What each RL stage of a run did while it trained, from its metrics: a table for the report.

    caption, header, rows = rl_table(run)    # None for a run without a finished RL stage

A claim about what RL changed needs what RL saw: an arm whose groups all had one reward (no right sample
on hard ops, say) never updated the model, and its evaluations are the base's, which says more than an
interval at 0. Rewards are the mean of the first and last tenth of the steps (at least one step each).
"""

from __future__ import annotations

from statistics import fmean

CAPTION = ("From each RL stage's train/metrics.jsonl: the steps that updated the model (DAPO's filter drops a step "
           "whose groups all had one reward), the training reward and the strict reward over the first and last tenth "
           "of the steps, the share of groups with one reward, and the seconds a step spent sampling and updating.")


def rl_table(run) -> tuple[str, list[str], list[list[str]]] | None:
    """The table of every finished RL stage of `run` (a RunData, or runs pooled), in the run's order."""
    rows = []
    for key, record in run.records.items():
        steps = [row for row in run.metrics(key) if "reward" in row] if record.get("kind") == "rl" else []
        if not steps:
            continue
        tenth = max(1, len(steps) // 10)
        first, last = steps[:tenth], steps[-tenth:]
        rows.append([key, str(len(steps)), str(sum(bool(row.get("updated", True)) for row in steps)),
                     f"{_mean(first, 'reward'):.3f} -> {_mean(last, 'reward'):.3f}",
                     f"{_mean(first, 'strict'):.3f} -> {_mean(last, 'strict'):.3f}",
                     f"{_mean(steps, 'zero_variance_groups'):.2f}",
                     f"{_mean(steps, 'sample_seconds'):.1f} / {_mean(steps, 'train_seconds'):.1f}"])
    if not rows:
        return None
    header = ["stage", "steps", "updated", "reward", "strict", "one-reward groups", "s a step (sample / update)"]
    return CAPTION, header, rows


def _mean(steps: list[dict], name: str) -> float:
    return fmean(row.get(name, 0.0) for row in steps)
