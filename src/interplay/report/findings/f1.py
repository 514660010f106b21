"""Finding 1 of the paper: RL helps at the edge of competence. Its claims and its figure."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from interplay.bootstrap import Estimate
from interplay.report import figures
from interplay.report.claims import (Check, Section, by_op, cell, compare, counted, floor_note, largest_k, measure,
                                     ops_text, reach_shares)
from interplay.report.findings import register_finding
from interplay.report.noise import noise_note
from interplay.report.pool import SeedSubset
from interplay.report.rundata import RunData
from interplay.report.spread import spread_note
from interplay.verify.passk import powers_of_two
from interplay.world.mixture import format_ops

# The paper's differences (its figure, edge ops): RL on the edge lifts pass@128 ~43 -> ~86 and pass@1 ~17 -> ~51.
PAPER_EDGE_PASS_AT_K, PAPER_EDGE_PASS_AT_1 = 0.43, 0.34


@register_finding("f1", stages=("base", "probe", "rl"))
def finding_1(run: RunData, out: Path) -> Section:
    section = Section("Finding 1: RL helps at the edge of competence",
                      "RL on in-distribution data raises pass@1 but not pass@128; RL on OOD-edge data raises "
                      "pass@128 on edge and hard ops (edge pass@1 ~17 -> ~51, pass@128 ~43 -> ~86); RL on OOD-hard "
                      "data does about nothing (no reward signal).")
    regimes = run.regime_ops()
    k = largest_k(run, "base", "rl")
    arms = [("base", "base", {})] + [(f"RL on {v}", "rl", {"rl": v}) for v in run.axis_values("rl", "rl")]
    section.header = ["model"] + [f"{name} ({ops_text(regimes[name])}) pass@{kk}" for name in ("id", "edge", "hard")
                                  for kk in (1, k)]
    for label, stage, axes in arms:
        section.rows.append([label] + [cell(measure(run, stage, axes, "pass", kk, regimes[name]))
                                       for name in ("id", "edge", "hard") for kk in (1, k)])

    def rl_minus_base(rl: str, at: int, regime: str):  # pass@at of RL on `rl` minus the base's, on a regime's ops
        return compare(run, ("rl", {"rl": rl}), ("base", {}), "pass", at, regimes[regime])

    section.checks = [
        Check(f"RL on ID does not raise ID pass@{k}", "no_gain", rl_minus_base("id", k, "id")),
        Check(f"RL on edge raises edge pass@{k}", "increase", rl_minus_base("edge", k, "edge"),
              paper=PAPER_EDGE_PASS_AT_K),
        Check(f"RL on hard does not raise hard pass@{k}", "no_gain", rl_minus_base("hard", k, "hard")),
        Check("RL on ID raises ID pass@1", "increase", rl_minus_base("id", 1, "id"), main=False),
        Check("RL on edge raises edge pass@1", "increase", rl_minus_base("edge", 1, "edge"), main=False,
              paper=PAPER_EDGE_PASS_AT_1),
        Check(f"RL on edge raises hard pass@{k}", "increase", rl_minus_base("edge", k, "hard"), main=False),
    ]
    section.notes.append(breadth(run, arms, regimes["edge"]))
    section.notes.append(reach(run, arms, regimes["edge"]))
    section.notes.append(noise_note(run, arms, regimes["edge"], k, "edge"))
    section.notes.append(spread_note(run, arms, regimes["edge"], "edge"))
    section.notes.append(floor_note(run, arms, regimes["hard"], k))
    points = headroom(run, k)
    section.notes.append(headroom_note(points, k))
    section.tables.append(by_op(run, arms, k))
    section.figures.append(passk_curves(run, arms, regimes, out / "f1_pass_at_k.png"))
    section.figures.append(headroom_figure(points, k, out / "f1_edge_rl_by_headroom.png"))
    return section


@dataclass(frozen=True)
class OpChange:
    seed: int | None  # None: the run's only seed
    op: int
    regime: str  # the op's label by its seed's own probe: edge or hard
    base: Estimate  # the base's pass@k at the op
    change: Estimate  # edge RL's pass@k there minus the base's


def headroom(run: RunData, k: int) -> list[OpChange]:
    """Edge RL's pass@k change at each edge and hard op beside the base's pass@k there, per seed (a seed's ops labelled
    by its own probe): the paper's base solved ~43% of its edge problems in 128 samples and RL doubled that, so
    whether RL widens may depend on how many problems the base still misses, which a range's mean over seeds hides."""
    seeds = [int(seed) for seed in run.plan.get("seeds", [])]
    views = [(seed, SeedSubset(run, [seed])) for seed in seeds] if len(seeds) > 1 else [(None, run)]
    points = []
    for seed, view in views:
        regimes = view.regime_ops()
        for regime in ("edge", "hard"):
            for op in regimes[regime]:
                base = measure(view, "base", {}, "pass", k, [op])
                change = compare(view, ("rl", {"rl": "edge"}), ("base", {}), "pass", k, [op])
                if base is not None and change is not None:
                    points.append(OpChange(seed, op, regime, base, change))
    return points


def headroom_note(points: list[OpChange], k: int) -> str:
    if not points:
        return ""
    by_seed: dict[int | None, list[str]] = {}
    for p in points:
        by_seed.setdefault(p.seed, []).append(f"{p.op}{'' if p.regime == 'edge' else ' (hard)'} {p.base.value:.2f} "
                                              f"{p.change.text()}")
    listed = "; ".join(("" if seed is None else f"seed {seed}: ") + ", ".join(ops) for seed, ops in by_seed.items())
    return (f"Edge RL by op: the base's pass@{k} at each edge and hard op and edge RL's change there (op, base, change "
            f"with its interval over the op's problems): {listed}. The change and the base's value share the base's "
            f"samples, so an op the base was drawn low at gains a little by chance alone (the redraw above measures "
            f"that noise).")


def headroom_figure(points: list[OpChange], k: int, path: Path) -> Path | None:
    """Edge RL's pass@k change against the base's pass@k, one point per op and seed (hollow: a hard op)."""
    if not points:
        return None
    figure, axis = figures.plt.subplots(figsize=(6, 3.8))
    for number, seed in enumerate(dict.fromkeys(p.seed for p in points)):
        for regime, fill in (("edge", None), ("hard", "none")):
            chosen = [p for p in points if p.seed == seed and p.regime == regime]
            if chosen:
                figures.errorbar(axis, [p.base.value for p in chosen], [p.change for p in chosen], linestyle="none",
                                 color=f"C{number}", markerfacecolor=fill, markersize=5,
                                 label=f"{'' if seed is None else f'seed {seed}, '}{regime} ops")
        for p in (p for p in points if p.seed == seed):
            axis.annotate(str(p.op), (p.base.value, p.change.value), fontsize=7, xytext=(3, 3),
                          textcoords="offset points")
    axis.axhline(0, color="gray", linewidth=0.8)
    axis.set(xlabel=f"base pass@{k} at the op", ylabel=f"edge RL - base, pass@{k}", xlim=(-0.02, 1.02),
             title="edge RL by op, against what the base already solves")
    axis.legend(fontsize=7)
    return figures.save(figure, path)


def breadth(run: RunData, arms, ops: list[int]) -> str:
    """How spread each model's samples are on the edge ops: pass@k at large k needs different tries, so RL
    that makes the samples alike can lower it while raising pass@1. Split into right and wrong completions,
    because fewer different wrong tries costs pass@k nothing, fewer different right ones does."""
    spreads = [(label, measure(run, stage, axes, "distinct", 1, ops)) for label, stage, axes in arms]
    spreads = [f"{label} {e.text(2)}" for label, e in spreads if e is not None]
    if not spreads:
        return ""
    edge = compare(run, ("rl", {"rl": "edge"}), ("base", {}), "distinct", 1, ops)
    text = (f"Breadth on the edge ops ({ops_text(ops)}): different completions per sample (1 = no two alike), "
            f"mean over problems: {'; '.join(spreads)}"
            + (f". RL on edge minus the base: {edge.text()}." if edge else "."))
    return text + right_and_wrong(run, arms, ops)


def right_and_wrong(run: RunData, arms, ops: list[int]) -> str:
    """The different completions of a problem counted apart as strictly right and wrong, per model; a model
    with any seed from an archive that predates the count (NaN) is left out."""
    parts = []
    for label, stage, axes in arms:
        right, wrong = (counted(run, stage, axes, metric, ops) for metric in ("distinct_right", "distinct_wrong"))
        if right is not None:
            parts.append(f"{label} {right:.2f} / {wrong:.1f}")
    return (" Different right / wrong completions per problem, mean: " + "; ".join(parts) + ".") if parts else ""


def reach(run: RunData, arms, ops: list[int]) -> str:
    """What the samples on the edge ops get wrong, per model: the share that miss a quantity the answer needs
    (reach: the edge is where chains grow longer than the base can follow) and the share that define one it
    does not need (relevance). RL that extends reach lowers the first; the note gives edge RL's difference.
    A model not evaluated, or with a seed from an archive that predates the counts (NaN), is left out."""
    shares = reach_shares(run, arms, ops)
    if not shares:
        return ""
    edge = compare(run, ("rl", {"rl": "edge"}), ("base", {}), "short", 1, ops)
    if edge is not None and math.isnan(edge.value):
        edge = None
    return (f"Reach on the edge ops ({ops_text(ops)}): the share of samples that miss a quantity the answer needs / "
            f"that define one it does not need, mean over problems: {shares}"
            + (f". RL on edge minus the base, missing: {edge.text()}." if edge else "."))


def passk_curves(run: RunData, arms, regimes: dict, path: Path) -> Path:
    """Strict pass@k against k, one panel per regime, one line per model (95% intervals)."""
    figure, axes = figures.plt.subplots(1, 3, figsize=(12, 3.6), sharey=True)
    for axis, name in zip(axes, ("id", "edge", "hard")):
        for label, stage, arm_axes in arms:
            tables = run.evals(stage, **arm_axes)
            if not tables:
                continue
            ks = powers_of_two(int(min(t.samples.min() for t in tables)))
            estimates = [measure(run, stage, arm_axes, "pass", k, regimes[name]) for k in ks]
            figures.errorbar(axis, ks, estimates, label=label)
        axis.set(xscale="log", xlabel="k", title=f"{name} ops {format_ops(regimes[name]) or '-'}", ylim=(-0.02, 1.02))
        axis.set_xscale("log", base=2)
    axes[0].set_ylabel("strict pass@k")
    if axes[0].get_legend_handles_labels()[0]:
        axes[0].legend(fontsize=8)
    return figures.save(figure, path)
