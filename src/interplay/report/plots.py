"""Plots of an evaluation, made from results.json (never from memory): pass@k curves and pass@k by op."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on servers and CI
import matplotlib.pyplot as plt  # noqa: E402


def plot_eval(results: dict, out: str | Path) -> list[Path]:
    out = Path(out)
    written = []
    figure, axis = plt.subplots(figsize=(6, 4))
    for op, summary in results["by_op"].items():
        ks = [int(k) for k in summary["pass_at_k"]]
        axis.plot(ks, [summary["pass_at_k"][str(k)]["value"] for k in ks], marker="o", label=f"op {op}")
    axis.set(xscale="log", xlabel="k", ylabel="strict pass@k", ylim=(0, 1.02), title="pass@k by op (strict)")
    axis.set_xscale("log", base=2)
    axis.legend(fontsize=7, ncol=2)
    figure.tight_layout()
    written.append(out / "pass_at_k.png")
    figure.savefig(written[-1], dpi=110)
    plt.close(figure)

    figure, axis = plt.subplots(figsize=(6, 4))
    ops = [int(op) for op in results["by_op"]]
    n = results["overall"]["samples_per_problem"]
    for k in sorted({1, n}):
        summaries = [results["by_op"][str(op)]["pass_at_k"][str(k)] for op in ops]
        values = [s["value"] for s in summaries]
        low = [s["value"] - s["ci95"][0] for s in summaries]
        high = [s["ci95"][1] - s["value"] for s in summaries]
        axis.errorbar(ops, values, yerr=[low, high], marker="o", capsize=3, label=f"pass@{k}")
    axis.set(xlabel="op", ylabel="strict pass@k", ylim=(0, 1.02), title="pass@k against op (95% CI)", xticks=ops)
    axis.legend()
    figure.tight_layout()
    written.append(out / "pass_at_k_by_op.png")
    figure.savefig(written[-1], dpi=110)
    plt.close(figure)
    return written
