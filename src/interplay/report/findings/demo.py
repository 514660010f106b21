"""The demo recipe's section: pre-training then RL on a small world, learning made visible (not a finding of the
paper)."""

from __future__ import annotations

from pathlib import Path

from interplay.report import figures
from interplay.report.claims import Check, Section, cell, compare, largest_k, measure, ops_text
from interplay.report.findings import register_finding
from interplay.report.rundata import RunData
from interplay.world.mixture import MixtureSpec


@register_finding("demo", stages=("base", "rl"))
def demo(run: RunData, out: Path) -> Section:
    section = Section("Demo: pre-training, then RL, on a small world",
                      "The pipeline end to end, with learning visible; not a finding of the paper.", of_paper=False)
    k = largest_k(run, "base", "rl")
    tables = run.evals("base")
    ops = sorted({int(op) for t in tables for op in t.ops}) if tables else []
    trained = [op for op in _trained_ops(run) if op in ops]
    section.header = ["model"] + [f"op {op} pass@1" for op in ops] + [f"op {op} pass@{k}" for op in ops]
    for label, stage in (("base", "base"), ("after RL", "rl")):
        section.rows.append([label] + [cell(measure(run, stage, {}, "pass", 1, [op])) for op in ops]
                            + [cell(measure(run, stage, {}, "pass", k, [op])) for op in ops])
    base_id = measure(run, "base", {}, "pass", 1, trained)
    section.checks = [
        Check(f"the base model solves its training ops ({ops_text(trained)}) at pass@1 above zero", "increase",
              base_id),
        Check("RL raises pass@1 over all evaluated ops", "increase",
              compare(run, ("rl", {}), ("base", {}), "pass", 1, ops)),
    ]
    section.figures.append(by_op(run, [("base", "base"), ("after RL", "rl")], ops, k, out / "demo_by_op.png"))
    return section


def _trained_ops(run: RunData) -> list[int]:
    """The ops the base model was pre-trained on (its `data.ops`, weights ignored)."""
    for key in run.keys("base"):
        ops = run.records[key]["settings"].get("data.ops") or run.plan["world"].get("ops")
        if ops:
            return MixtureSpec.parse(ops=str(ops)).all_ops()
    return []


def by_op(run: RunData, arms, ops: list[int], k: int, path: Path) -> Path:
    figure, axis = figures.plt.subplots(figsize=(6, 3.6))
    for label, stage in arms:
        for kk, style in ((1, "-"), (k, "--")):
            estimates = [measure(run, stage, {}, "pass", kk, [op]) for op in ops]
            figures.errorbar(axis, ops, estimates, label=f"{label} pass@{kk}", linestyle=style)
    axis.set(xlabel="op", ylabel="strict pass@k", ylim=(-0.02, 1.02), xticks=ops)
    axis.legend(fontsize=8)
    return figures.save(figure, path)
