"""Finding 3 of the paper: mid-training and RL under one compute budget. Claims and figure."""

from __future__ import annotations

from pathlib import Path

from interplay.report import figures
from interplay.report.claims import (Check, Section, by_op, cell, compare, floor_note, largest_k, measure, ops_text,
                                     reach_shares)
from interplay.report.findings import register_finding
from interplay.report.rundata import RunData
from interplay.report.spread import spread_note

CONTROL = "heavy_no_mid"  # the recipe's control split: heavy's RL share with no mid-training before it
PAPER_HARD_GAIN = 0.108  # the paper: mid-training + RL beats RL-only by ~10.8 points of pass@128 on ops 15-20


@register_finding("f3", stages=("probe", "mid", "rl"))
def finding_3(run: RunData, out: Path) -> Section:
    section = Section("Finding 3: mid-training and RL under one compute budget",
                      "Splits of one budget: all mid-training, light RL (20%), medium (50%), heavy (80%), all RL. "
                      "Edge ops: more mid-training + light RL is best at pass@1. Hard ops: heavy RL is best; "
                      "mid-training + RL beats RL-only by ~10.8 points pass@128 on ops 15-20.")
    regimes = run.regime_ops()
    k = largest_k(run, "base", "rl")
    splits = run.axis_values("rl", "split")
    arms = ([("base", "base", {})] if run.evals("base") else []) + [(s, "rl", {"split": s}) for s in splits]
    section.header = ["model", "FLOPs spent", "mid tokens + RL steps"] + [
        f"{name} ({ops_text(regimes[name])}) pass@{kk}" for name in ("edge", "hard") for kk in (1, k)]
    for label, stage, axes in arms:
        spent = ["-", "-"] if stage == "base" else _budget(run, axes["split"])
        section.rows.append([label, *spent] + [cell(measure(run, stage, axes, "pass", kk, regimes[name]))
                                              for name in ("edge", "hard") for kk in (1, k)])

    def beats(split: str, other: str, kk: int, regime: str):
        """`split` minus `other` in pass@kk on the regime's ops, paired by problem and seed."""
        return compare(run, ("rl", {"split": split}), ("rl", {"split": other}), "pass", kk, regimes[regime])

    if {"light", "all_rl", "heavy", "all_mid"} <= set(splits):
        section.checks = [
            Check("edge pass@1: mid-training + light RL beats all RL", "increase",
                  beats("light", "all_rl", 1, "edge")),
            Check(f"hard pass@{k}: mid-training + heavy RL beats all RL", "increase",
                  beats("heavy", "all_rl", k, "hard"), paper=PAPER_HARD_GAIN),
            Check(f"hard pass@{k}: heavy RL beats light RL", "increase",
                  beats("heavy", "light", k, "hard"), main=False),
            Check(f"hard pass@{k}: heavy RL beats all mid-training", "increase",
                  beats("heavy", "all_mid", k, "hard"), main=False),
        ]
    if {"heavy", CONTROL} <= set(splits):
        section.notes.append(f"{CONTROL} is a control, not a split of the budget: heavy's RL share run from the base "
                             "with no mid-training. Against heavy it measures what the mid-training before RL does "
                             "to the RL after it, at equal RL compute.")
        section.checks += [
            Check(f"hard pass@{k}: mid-training before heavy RL helps it (heavy beats {CONTROL})", "increase",
                  beats("heavy", CONTROL, k, "hard"), main=False),
            Check(f"edge pass@1: mid-training before heavy RL helps it (heavy beats {CONTROL})", "increase",
                  beats("heavy", CONTROL, 1, "edge"), main=False),
        ]
    section.notes.append(floor_note(run, arms, regimes["hard"], k))
    section.notes.append(reach(run, arms, regimes))
    section.notes.append(spread_note(run, arms, regimes["hard"], "hard", trades=True))
    section.tables.append(by_op(run, arms, k))
    section.figures.append(budget_bars(run, arms, regimes, k, out / "f3_budget.png"))
    return section


def reach(run: RunData, arms, regimes: dict) -> str:
    """What each model's samples get wrong on the edge and the hard ops: a model that mid-training or RL has
    taught longer chains misses fewer of the quantities an answer needs, which is what reaching a harder op takes
    before any of its problems is solved; "" where no model was evaluated with the counts."""
    parts = [f"{name.capitalize()} ops ({ops_text(regimes[name])}): {shares}." for name in ("edge", "hard")
             if regimes[name] and (shares := reach_shares(run, arms, regimes[name]))]
    return ("Reach, the share of samples that miss a quantity the answer needs / that define one it does not need, "
            f"mean over problems. {' '.join(parts)}") if parts else ""


def _budget(run: RunData, split: str) -> list[str]:
    """What a split spent, as two cells: the FLOPs of its mid-training and its RL (the mean over seeds), and the
    same in the units each stage counts, mid-training tokens + GRPO steps (a range where seeds differ: a step's
    FLOPs follow its samples' lengths, so a seed whose samples ran shorter fits one more step in the budget)."""
    mids, rls = (run.keys(stage, split=split) for stage in ("mid", "rl"))
    flops = sum(_mean([_last(run, key, "flops") for key in keys]) for keys in (mids, rls))
    tokens = _span([_last(run, key, "tokens") / 1e6 for key in mids], "{:.1f}M")
    steps = _span([_last(run, key, "step") for key in rls], "{:.0f}")
    return [f"{flops:.2e}", f"{tokens} + {steps}"]


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _span(values: list[float], form: str) -> str:
    """`values` as one number where the seeds agree at `form`'s precision, else as the range low-high."""
    low, high = (form.format(v) for v in (min(values, default=0.0), max(values, default=0.0)))
    return low if low == high else f"{low}-{high}"


def _last(run: RunData, key: str, name: str) -> float:
    """`name` in the last metrics row of the stage `key`; 0 for a stage its split skipped."""
    if run.records.get(key, {}).get("outputs", {}).get("skipped"):
        return 0.0
    rows = run.metrics(key)
    return float(rows[-1].get(name, 0.0)) if rows else 0.0


def budget_bars(run: RunData, arms, regimes: dict, k: int, path: Path) -> Path:
    """Edge and hard pass@1 / pass@k of the base (where evaluated) and every split, in the table's order."""
    figure, axis = figures.plt.subplots(figsize=(7, 3.6))
    series = {f"{name} pass@{kk}": [measure(run, stage, axes, "pass", kk, regimes[name]) for _, stage, axes in arms]
              for name in ("edge", "hard") for kk in (1, k)}
    figures.bars(axis, [label for label, _, _ in arms], series, "strict pass@k")
    return figures.save(figure, path)
