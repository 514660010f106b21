"""Finding 4 of the paper: process rewards against reward hacking. Claims and figure."""

from __future__ import annotations

from pathlib import Path

from interplay.report import figures
from interplay.report.claims import Check, Section, cell, compare, largest_k, measure
from interplay.report.findings import register_finding
from interplay.report.rundata import RunData


@register_finding("f4", stages=("probe", "rl"))
def finding_4(run: RunData, out: Path) -> Section:
    section = Section("Finding 4: process rewards against reward hacking",
                      "Outcome-only vs 0.2/0.8 and 0.5/0.5 mixes vs strict: every process-aware reward beats "
                      "outcome-only on OOD-hard pass@128 (23.2 -> 27.7 / 26.2 / 25.8) and reduces 'right answer, "
                      "wrong reasoning' samples.")
    regimes = run.regime_ops()
    k = largest_k(run, "rl")
    rewards = run.axis_values("rl", "reward")
    section.header = ["reward", "edge pass@1", "hard pass@1", f"hard pass@{k}", "right answer, wrong reasoning (edge+hard)"]
    beyond = regimes["edge"] + regimes["hard"]
    for reward in rewards:
        axes = {"reward": reward}
        section.rows.append([reward, cell(measure(run, "rl", axes, "pass", 1, regimes["edge"])),
                             cell(measure(run, "rl", axes, "pass", 1, regimes["hard"])),
                             cell(measure(run, "rl", axes, "pass", k, regimes["hard"])),
                             cell(measure(run, "rl", axes, "rawp", 1, beyond))])
    if "outcome" in rewards:
        outcome = ("rl", {"reward": "outcome"})
        for reward in rewards:
            if reward == "outcome":
                continue
            section.checks.append(Check(f"{reward} beats outcome-only on hard pass@{k}", "increase",
                                        compare(run, ("rl", {"reward": reward}), outcome, "pass", k, regimes["hard"])))
            section.checks.append(Check(f"{reward} has fewer right-answer-wrong-reasoning samples than outcome-only",
                                        "increase", compare(run, outcome, ("rl", {"reward": reward}), "rawp", 1, beyond), main=False))
    section.figures.append(reward_bars(run, rewards, regimes, k, out / "f4_rewards.png"))
    return section


def reward_bars(run: RunData, rewards: list[str], regimes: dict, k: int, path: Path) -> Path:
    figure, (left, right) = figures.plt.subplots(1, 2, figsize=(10, 3.6))
    series = {f"{name} pass@{kk}": [measure(run, "rl", {"reward": r}, "pass", kk, regimes[name]) for r in rewards]
              for name, kk in (("edge", 1), ("hard", 1), ("hard", k))}
    figures.bars(left, rewards, series, "strict pass@k")
    beyond = regimes["edge"] + regimes["hard"]
    rawp = [measure(run, "rl", {"reward": r}, "rawp", 1, beyond) for r in rewards]
    figures.bars(right, rewards, {"right answer, wrong reasoning": rawp}, "share of samples")
    right.set_ylim(0, max([0.1] + [e.high * 1.2 for e in rawp if e]))
    return figures.save(figure, path)
