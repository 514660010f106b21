"""The figures of a run report, each drawn from the run's files (eval samples, metrics, probe)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on servers and CI
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from interplay.competence import op_ranges  # noqa: E402
from interplay.report.analysis import arm_matrix, estimate  # noqa: E402
from interplay.report.rundata import RunData  # noqa: E402
from interplay.verify.passk import powers_of_two  # noqa: E402


def _save(figure, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path


def _point(run: RunData, stage: str, axes: dict, k: int, ops, context=None):
    tables = run.evals(stage, **axes)
    if not tables or ops is not None and not len(ops):
        return None
    return estimate(arm_matrix(tables, "pass", k, ops, context))


def _errorbar(axis, xs, estimates, **style):
    points = [(x, e) for x, e in zip(xs, estimates) if e is not None]
    if not points:
        return
    x = [p[0] for p in points]
    y = np.array([p[1].value for p in points])
    low = y - np.array([p[1].low for p in points])
    high = np.array([p[1].high for p in points]) - y
    axis.errorbar(x, y, yerr=[low, high], capsize=2, marker="o", markersize=3, **style)


def passk_curves(run: RunData, arms, regimes: dict, path: Path) -> Path:
    """Strict pass@k against k, one panel per regime, one line per model (95% intervals)."""
    figure, axes = plt.subplots(1, 3, figsize=(12, 3.6), sharey=True)
    for axis, name in zip(axes, ("id", "edge", "hard")):
        for label, stage, arm_axes in arms:
            tables = run.evals(stage, **arm_axes)
            if not tables:
                continue
            ks = powers_of_two(int(min(t.samples.min() for t in tables)))
            _errorbar(axis, ks, [_point(run, stage, arm_axes, k, regimes[name]) for k in ks], label=label)
        axis.set(xscale="log", xlabel="k", title=f"{name} ops {op_ranges(regimes[name]) or '-'}", ylim=(-0.02, 1.02))
        axis.set_xscale("log", base=2)
    axes[0].set_ylabel("strict pass@k")
    if axes[0].get_legend_handles_labels()[0]:
        axes[0].legend(fontsize=8)
    return _save(figure, path)


def by_op(run: RunData, arms, ops: list[int], k: int, path: Path) -> Path:
    figure, axis = plt.subplots(figsize=(6, 3.6))
    for label, stage in arms:
        for kk, style in ((1, "-"), (k, "--")):
            _errorbar(axis, ops, [_point(run, stage, {}, kk, [op]) for op in ops], label=f"{label} pass@{kk}", linestyle=style)
    axis.set(xlabel="op", ylabel="strict pass@k", ylim=(-0.02, 1.02))
    axis.legend(fontsize=8)
    return _save(figure, path)


def context_transfer(run: RunData, shares: list[str], ops: list[int], context, k: int, path: Path) -> Path:
    figure, axis = plt.subplots(figsize=(6.5, 3.8))
    for number, share in enumerate(shares):
        color = f"C{number}"
        _errorbar(axis, ops, [_point(run, "rl", {"share": share}, k, [op], context) for op in ops],
                  label=f"B share {share}, after RL", color=color)
        _errorbar(axis, ops, [_point(run, "base", {"share": share}, k, [op], context) for op in ops],
                  label=f"B share {share}, base", color=color, linestyle=":", alpha=0.6)
    axis.set(xlabel="op", ylabel=f"strict pass@{k} on context B", ylim=(-0.02, 1.02), xticks=ops)
    axis.legend(fontsize=7, ncol=2)
    return _save(figure, path)


def _bars(axis, groups: list[str], series: dict[str, list], ylabel: str) -> None:
    width = 0.8 / max(1, len(series))
    for number, (label, estimates) in enumerate(series.items()):
        x = np.arange(len(groups)) + number * width
        values = [e.value if e else 0.0 for e in estimates]
        errors = [[e.value - e.low if e else 0 for e in estimates], [e.high - e.value if e else 0 for e in estimates]]
        axis.bar(x, values, width, yerr=errors, capsize=2, label=label)
    axis.set_xticks(np.arange(len(groups)) + width * (len(series) - 1) / 2, groups, fontsize=8)
    axis.set(ylabel=ylabel, ylim=(0, 1.02))
    axis.legend(fontsize=7)


def budget_bars(run: RunData, splits: list[str], regimes: dict, k: int, path: Path) -> Path:
    figure, axis = plt.subplots(figsize=(7, 3.6))
    series = {f"{name} pass@{kk}": [_point(run, "rl", {"split": s}, kk, regimes[name]) for s in splits]
              for name in ("edge", "hard") for kk in (1, k)}
    _bars(axis, splits, series, "strict pass@k")
    return _save(figure, path)


def reward_bars(run: RunData, rewards: list[str], regimes: dict, k: int, path: Path) -> Path:
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    series = {f"{name} pass@{kk}": [_point(run, "rl", {"reward": r}, kk, regimes[name]) for r in rewards]
              for name, kk in (("edge", 1), ("hard", 1), ("hard", k))}
    _bars(left, rewards, series, "strict pass@k")
    beyond = regimes["edge"] + regimes["hard"]
    rawp = [estimate(arm_matrix(run.evals("rl", reward=r), "rawp", 1, beyond)) if run.evals("rl", reward=r) and beyond
            else None for r in rewards]
    _bars(right, rewards, {"right answer, wrong reasoning": rawp}, "share of samples")
    right.set_ylim(0, max([0.1] + [e.high * 1.2 for e in rawp if e]))
    return _save(figure, path)


def calibration(run: RunData, path: Path) -> Path | None:
    """The base model: training loss against tokens, and the probe's pass@1 / pass@k by op."""
    competence = run.competence
    base = run.keys("base")
    if competence is None and not base:
        return None
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
    for key in base:
        rows = [r for r in run.metrics(key) if "loss" in r]
        if rows:
            left.plot([r["tokens"] for r in rows], [r["loss"] for r in rows], label=key)
            held = [r for r in rows if "held_out_loss" in r]
            left.plot([r["tokens"] for r in held], [r["held_out_loss"] for r in held], linestyle="--", label=f"{key} held out")
    left.set(xlabel="training tokens", ylabel="loss (nats/token)", yscale="log", title="pre-training")
    left.legend(fontsize=7)
    if competence:
        ops = sorted(int(op) for op in competence["ops"])
        k = competence["samples"]
        rows = [competence["ops"][str(op)] for op in ops]
        right.plot(ops, [r["pass_at_1"] for r in rows], marker="o", label="pass@1")
        right.plot(ops, [r[f"pass_at_{k}"] for r in rows], marker="o", label=f"pass@{k}")
        colors = {"in-distribution": "C2", "edge": "C1", "hard": "C3"}
        for op, row in zip(ops, rows):
            right.axvspan(op - 0.5, op + 0.5, color=colors[row["label"]], alpha=0.12, linewidth=0)
        right.set(xlabel="op (green: in-distribution, orange: edge, red: hard)", ylabel="strict pass@k",
                  ylim=(-0.02, 1.02), title="probe of the base model")
        right.legend(fontsize=8)
    return _save(figure, path)
