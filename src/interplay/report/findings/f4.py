"""Finding 4 of the paper: process rewards against reward hacking. Claims and figure."""

from __future__ import annotations

from pathlib import Path

from interplay.report import figures
from interplay.report.claims import Check, Section, by_op, cell, compare, floor_note, largest_k, measure
from interplay.report.findings import register_finding
from interplay.report.noise import noise_note
from interplay.report.rundata import RunData
from interplay.report.spread import spread_note

# The paper's hard pass@128 over outcome-only (23.2 -> 27.7 / 26.2 / 25.8), by reward; the paper code's own
# rewards (`paper_...`) are what its figure measured, ours the same rewards as the paper's text writes them.
PAPER_HARD_GAIN = {"mix_0.2_0.8": 0.045, "mix_0.5_0.5": 0.030, "strict": 0.026}


@register_finding("f4", stages=("probe", "rl"))
def finding_4(run: RunData, out: Path) -> Section:
    section = Section("Finding 4: process rewards against reward hacking",
                      "Outcome-only vs 0.2/0.8 and 0.5/0.5 mixes vs strict: every process-aware reward beats "
                      "outcome-only on OOD-hard pass@128 (23.2 -> 27.7 / 26.2 / 25.8) and reduces 'right answer, "
                      "wrong reasoning' samples.")
    regimes = run.regime_ops()
    k = largest_k(run, "base", "rl")
    rewards = run.axis_values("rl", "reward")
    # The base before RL, where the recipe evaluates it: what each reward added, and whether
    # outcome-only RL taught the reward hacking the process-aware rewards are meant to prevent.
    base_evaluated = bool(run.evals("base"))
    arms = ([("base (no RL)", "base", {})] if base_evaluated else []) + \
        [(reward, "rl", {"reward": reward}) for reward in rewards]
    # Edge pass@k beside the claims' hard pass@k: where every model sits at the hard floor, the edge (the ops RL
    # trained on) is where the rewards can differ at all, so the table shows it without voting on it.
    section.header = ["reward", "edge pass@1", f"edge pass@{k}", "hard pass@1", f"hard pass@{k}",
                      "right answer, wrong reasoning (edge+hard)"]
    beyond = regimes["edge"] + regimes["hard"]
    for label, stage, axes in arms:
        section.rows.append([label, cell(measure(run, stage, axes, "pass", 1, regimes["edge"])),
                             cell(measure(run, stage, axes, "pass", k, regimes["edge"])),
                             cell(measure(run, stage, axes, "pass", 1, regimes["hard"])),
                             cell(measure(run, stage, axes, "pass", k, regimes["hard"])),
                             cell(measure(run, stage, axes, "rawp", 1, beyond))])
    if "outcome" in rewards:
        outcome = ("rl", {"reward": "outcome"})
        for reward in rewards:
            if reward == "outcome":
                continue
            section.checks.append(Check(f"{reward} beats outcome-only on hard pass@{k}", "increase",
                                        compare(run, ("rl", {"reward": reward}), outcome, "pass", k, regimes["hard"]),
                                        paper=PAPER_HARD_GAIN.get(reward.removeprefix("paper_"))))
            section.checks.append(Check(f"{reward} has fewer right-answer-wrong-reasoning samples than outcome-only",
                                        "increase",
                                        compare(run, outcome, ("rl", {"reward": reward}), "rawp", 1, beyond),
                                        main=False))
        if base_evaluated:
            section.checks.append(Check("outcome-only RL raises right-answer-wrong-reasoning samples over the base",
                                        "increase", compare(run, outcome, ("base", {}), "rawp", 1, beyond), main=False))
    section.notes.append(floor_note(run, arms, regimes["hard"], k))
    section.notes.append(noise_note(run, arms, regimes["hard"], k, "hard"))
    section.notes.append(spread_note(run, arms, regimes["hard"], "hard"))
    section.tables.append(by_op(run, arms, k))
    section.figures.append(reward_bars(run, arms, regimes, k, out / "f4_rewards.png"))
    return section


def reward_bars(run: RunData, arms: list[tuple[str, str, dict]], regimes: dict, k: int, path: Path) -> Path:
    figure, (left, right) = figures.plt.subplots(1, 2, figsize=(10, 3.6))
    labels = [label for label, _, _ in arms]
    series = {f"{name} pass@{kk}": [measure(run, stage, axes, "pass", kk, regimes[name]) for _, stage, axes in arms]
              for name, kk in (("edge", 1), ("hard", 1), ("hard", k))}
    figures.bars(left, labels, series, "strict pass@k")
    beyond = regimes["edge"] + regimes["hard"]
    rawp = [measure(run, stage, axes, "rawp", 1, beyond) for _, stage, axes in arms]
    figures.bars(right, labels, {"right answer, wrong reasoning": rawp}, "share of samples")
    right.set_ylim(0, max([0.1] + [e.high * 1.2 for e in rawp if e]))
    return figures.save(figure, path)
