"""Drawing helpers of the run report (intervals as error bars, bars, saving) and the base model's
calibration figure; each finding's own figure lives with its claims in report/findings/."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on servers and CI
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from interplay.report.rundata import RunData  # noqa: E402


def save(figure, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path


def errorbar(axis, xs, estimates, **style):
    points = [(x, e) for x, e in zip(xs, estimates) if e is not None]
    if not points:
        return
    x = [p[0] for p in points]
    y = np.array([p[1].value for p in points])
    low = y - np.array([p[1].low for p in points])
    high = np.array([p[1].high for p in points]) - y
    axis.errorbar(x, y, yerr=[low, high], **{"capsize": 2, "marker": "o", "markersize": 3, **style})


def bars(axis, groups: list[str], series: dict[str, list], ylabel: str) -> None:
    width = 0.8 / max(1, len(series))
    for number, (label, estimates) in enumerate(series.items()):
        x = np.arange(len(groups)) + number * width
        values = [e.value if e else 0.0 for e in estimates]
        errors = [[e.value - e.low if e else 0 for e in estimates], [e.high - e.value if e else 0 for e in estimates]]
        axis.bar(x, values, width, yerr=errors, capsize=2, label=label)
    axis.set_xticks(np.arange(len(groups)) + width * (len(series) - 1) / 2, groups, fontsize=8)
    axis.set(ylabel=ylabel, ylim=(0, 1.02))
    axis.legend(fontsize=7)


def calibration(run: RunData, path: Path) -> Path | None:
    """The base model: training loss against tokens, and the probe's pass@1 / pass@k by op."""
    competence = run.competence
    base = run.keys("base")
    if competence is None and not base:
        return None
    # One panel per thing there is to show: a run without a probe draws no empty axes.
    panels = [name for name, present in (("loss", bool(base)), ("probe", bool(competence))) if present]
    figure, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 3.6), squeeze=False)
    left, right = (dict(zip(panels, axes[0])).get(name) for name in ("loss", "probe"))
    for key in base:
        rows = [r for r in run.metrics(key) if "loss" in r]
        if rows:
            left.plot([r["tokens"] for r in rows], [r["loss"] for r in rows], label=key)
            held = [r for r in rows if "held_out_loss" in r]  # markers: a short run may hold one point
            left.plot([r["tokens"] for r in held], [r["held_out_loss"] for r in held], linestyle="--", marker="o",
                      markersize=3, label=f"{key} held out")
    if left is not None:
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
                  ylim=(-0.02, 1.02), xticks=ops, title=(f"mean probe of {len(competence['probes'])} bases"
                                                         if "probes" in competence else "probe of the base model"))
        right.legend(fontsize=8)
    return save(figure, path)
