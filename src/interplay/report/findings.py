"""Each finding of the paper as a report section: the paper's claim and numbers, ours with 95%
intervals, and a verdict by a rule stated in the section.

The rule, for every finding: a finding is checked through a few *main* claims, each a difference
between two models on the same problems with a 95% bootstrap interval over problems and seeds.
An "increase" holds when the whole interval is above 0 and fails when it is at or below 0, except at the
floor: when both models score 0 on every problem the measurement has no power (the ops are out of reach
of both), which says nothing about which is better, so the claim stays undecided. A "no gain" holds when
the interval's upper end is below +0.05 and fails when its lower end is above +0.05.
Verdict: *reproduced* if every main claim holds, *not reproduced* if any main claim fails,
*inconclusive* otherwise (an interval too wide to decide). Secondary claims are reported, not voted.
Stage names the sections read: base (pre-training), probe, mid (mid-training), rl, eval.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from interplay.report.analysis import Estimate, arm_matrix, difference, estimate
from interplay.report.rundata import RunData

NO_GAIN_MARGIN = 0.05
RULE = (f"Each claim is a difference on the same problems with a 95% bootstrap interval over problems and seeds. "
        f"*increase* holds if the interval is above 0, fails if it is at or below 0, and stays undecided if both models score 0 "
        f"on every problem (the floor: no signal); *no gain* holds if its upper end is "
        f"below +{NO_GAIN_MARGIN}, fails if its lower end is above +{NO_GAIN_MARGIN}. Verdict: reproduced if every "
        f"main claim holds, not reproduced if any main claim fails, inconclusive otherwise.")


@dataclass
class Check:
    claim: str
    kind: str  # increase | no_gain
    estimate: Estimate | None
    main: bool = True

    def outcome(self) -> bool | None:
        e = self.estimate
        if e is None:
            return None
        if self.kind == "increase":
            return None if e.floor else True if e.low > 0 else False if e.high <= 0 else None
        return True if e.high < NO_GAIN_MARGIN else False if e.low > NO_GAIN_MARGIN else None

    def label(self) -> str:
        if self.kind == "increase" and self.estimate is not None and self.estimate.floor:
            return "undecided (both 0)"
        return {True: "holds", False: "fails", None: "undecided"}[self.outcome()]


@dataclass
class Section:
    title: str
    paper: str
    rows: list[list[str]] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    figures: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def verdict(self) -> str:
        outcomes = [c.outcome() for c in self.checks if c.main]
        if not outcomes:
            return "inconclusive"
        if all(o is True for o in outcomes):
            return "reproduced"
        if any(o is False for o in outcomes):
            return "not reproduced"
        return "inconclusive"


def _kmax(run: RunData, *stages: str) -> int:
    sizes = [int(t.samples.min()) for stage in stages for t in run.evals(stage)]
    return min(sizes) if sizes else 1


def _metric(run: RunData, stage: str, axes: dict, metric: str, k: int, ops=None, context=None) -> Estimate | None:
    tables = run.evals(stage, **axes)
    return estimate(arm_matrix(tables, metric, k, ops, context)) if tables else None


def _diff(run: RunData, a: tuple[str, dict], b: tuple[str, dict], metric: str, k: int, ops=None, context=None):
    ta, tb = run.evals(a[0], **a[1]), run.evals(b[0], **b[1])
    if not ta or not tb or not ops:
        return None
    return difference(arm_matrix(ta, metric, k, ops, context), arm_matrix(tb, metric, k, ops, context))


def _cell(e: Estimate | None) -> str:
    return "n/a" if e is None else e.text()


def _ops_text(ops: list[int]) -> str:
    from interplay.competence import op_ranges

    return op_ranges(ops) or "none"


def finding_1(run: RunData, out: Path) -> Section:
    from interplay.report.figures import passk_curves

    section = Section("Finding 1: RL helps at the edge of competence",
                      "RL on in-distribution data raises pass@1 but not pass@128; RL on OOD-edge data raises "
                      "pass@128 on edge and hard ops (edge pass@1 ~17 -> ~51, pass@128 ~43 -> ~86); RL on OOD-hard "
                      "data does about nothing (no reward signal).")
    regimes = run.regime_ops()
    k = _kmax(run, "base", "rl")
    arms = [("base", "base", {})] + [(f"RL on {v}", "rl", {"rl": v}) for v in run.axis_values("rl", "rl")]
    section.header = ["model"] + [f"{name} ({_ops_text(regimes[name])}) pass@{kk}" for name in ("id", "edge", "hard")
                                  for kk in (1, k)]
    for label, stage, axes in arms:
        section.rows.append([label] + [_cell(_metric(run, stage, axes, "pass", kk, regimes[name]))
                                       for name in ("id", "edge", "hard") for kk in (1, k)])
    base = ("base", {})
    section.checks = [
        Check(f"RL on ID does not raise ID pass@{k}", "no_gain", _diff(run, ("rl", {"rl": "id"}), base, "pass", k, regimes["id"])),
        Check(f"RL on edge raises edge pass@{k}", "increase", _diff(run, ("rl", {"rl": "edge"}), base, "pass", k, regimes["edge"])),
        Check(f"RL on hard does not raise hard pass@{k}", "no_gain", _diff(run, ("rl", {"rl": "hard"}), base, "pass", k, regimes["hard"])),
        Check("RL on ID raises ID pass@1", "increase", _diff(run, ("rl", {"rl": "id"}), base, "pass", 1, regimes["id"]), main=False),
        Check("RL on edge raises edge pass@1", "increase", _diff(run, ("rl", {"rl": "edge"}), base, "pass", 1, regimes["edge"]), main=False),
        Check(f"RL on edge raises hard pass@{k}", "increase", _diff(run, ("rl", {"rl": "edge"}), base, "pass", k, regimes["hard"]), main=False),
    ]
    section.figures.append(passk_curves(run, arms, regimes, out / "f1_pass_at_k.png"))
    return section


def finding_2(run: RunData, out: Path) -> Section:
    from interplay.report.figures import context_transfer

    section = Section("Finding 2: RL transfers to a context only if pre-training exposed it",
                      "Pre-train on context A (all ops) plus context B at op 2 only, with share 0%, 0.1%, 1%, 10%; "
                      "RL on 50/50 A/B over all ops. At 0% and 0.1% RL does not transfer to B beyond trivial ops; "
                      "at >= 1% B reaches pass@128 ~100 at low ops and ~60 at op 20.")
    shares = run.axis_values("base", "share")
    context = _context_b(run)
    k = _kmax(run, "base", "rl")
    tables = run.evals("rl")
    ops = sorted({int(op) for t in tables for op in t.ops}) if tables else []
    beyond = [op for op in ops if op > min(ops)] if ops else []
    section.header = ["share of B"] + [f"B op {op} pass@{k} base -> RL" for op in ops]
    for share in shares:
        cells = []
        for op in ops:
            before = _metric(run, "base", {"share": share}, "pass", k, [op], context)
            after = _metric(run, "rl", {"share": share}, "pass", k, [op], context)
            cells.append(f"{_cell(before)} -> {_cell(after)}")
        section.rows.append([share] + cells)
    if shares:
        lowest, highest = shares[0], shares[-1]
        section.checks = [
            Check(f"after RL, B pass@{k} beyond op {min(ops) if ops else '?'} is higher at share {highest} than at {lowest}",
                  "increase", _diff(run, ("rl", {"share": highest}), ("rl", {"share": lowest}), "pass", k, beyond, context)),
            Check(f"at share {lowest}, RL does not raise B pass@{k} beyond op {min(ops) if ops else '?'}", "no_gain",
                  _diff(run, ("rl", {"share": lowest}), ("base", {"share": lowest}), "pass", k, beyond, context)),
        ]
        if len(shares) > 2:
            middle = shares[len(shares) // 2]
            section.checks.append(Check(f"after RL, B pass@{k} beyond the lowest op is higher at share {middle} than at {lowest}",
                                        "increase", _diff(run, ("rl", {"share": middle}), ("rl", {"share": lowest}), "pass", k, beyond, context),
                                        main=False))
    section.notes.append(f"context B is '{context}'")
    section.figures.append(context_transfer(run, shares, ops, context, k, out / "f2_context_b.png"))
    return section


def _context_b(run: RunData) -> str | None:
    for instance in run.plan["instances"]:
        if instance["stage"] == "base":
            contexts = run.records.get(instance["key"], {}).get("settings", {}).get("data.contexts", "")
            names = [part.split("=")[0].split("@")[0] for part in contexts.split(",") if "@" in part]
            if names:
                return names[0]
    return None


def finding_3(run: RunData, out: Path) -> Section:
    from interplay.report.figures import budget_bars

    section = Section("Finding 3: mid-training and RL under one compute budget",
                      "Splits of one budget: all mid-training, light RL (20%), medium (50%), heavy (80%), all RL. "
                      "Edge ops: more mid-training + light RL is best at pass@1. Hard ops: heavy RL is best; "
                      "mid-training + RL beats RL-only by ~10.8 points pass@128 on ops 15-20.")
    regimes = run.regime_ops()
    k = _kmax(run, "rl")
    splits = run.axis_values("rl", "split")
    section.header = ["split", "FLOPs spent"] + [f"{name} ({_ops_text(regimes[name])}) pass@{kk}"
                                                 for name in ("edge", "hard") for kk in (1, k)]
    for split in splits:
        spent = sum(_flops(run, key) for stage in ("mid", "rl") for key in run.keys(stage, split=split)[:1])
        section.rows.append([split, f"{spent:.2e}"] + [_cell(_metric(run, "rl", {"split": split}, "pass", kk, regimes[name]))
                                                        for name in ("edge", "hard") for kk in (1, k)])
    if {"light", "all_rl", "heavy", "all_mid"} <= set(splits):
        section.checks = [
            Check("edge pass@1: mid-training + light RL beats all RL", "increase",
                  _diff(run, ("rl", {"split": "light"}), ("rl", {"split": "all_rl"}), "pass", 1, regimes["edge"])),
            Check(f"hard pass@{k}: mid-training + heavy RL beats all RL", "increase",
                  _diff(run, ("rl", {"split": "heavy"}), ("rl", {"split": "all_rl"}), "pass", k, regimes["hard"])),
            Check(f"hard pass@{k}: heavy RL beats light RL", "increase",
                  _diff(run, ("rl", {"split": "heavy"}), ("rl", {"split": "light"}), "pass", k, regimes["hard"]), main=False),
            Check(f"hard pass@{k}: heavy RL beats all mid-training", "increase",
                  _diff(run, ("rl", {"split": "heavy"}), ("rl", {"split": "all_mid"}), "pass", k, regimes["hard"]), main=False),
        ]
    section.figures.append(budget_bars(run, splits, regimes, k, out / "f3_budget.png"))
    return section


def _flops(run: RunData, key: str) -> float:
    if run.records.get(key, {}).get("outputs", {}).get("skipped"):
        return 0.0
    rows = run.metrics(key)
    return float(rows[-1].get("flops", 0.0)) if rows else 0.0


def finding_4(run: RunData, out: Path) -> Section:
    from interplay.report.figures import reward_bars

    section = Section("Finding 4: process rewards against reward hacking",
                      "Outcome-only vs 0.2/0.8 and 0.5/0.5 mixes vs strict: every process-aware reward beats "
                      "outcome-only on OOD-hard pass@128 (23.2 -> 27.7 / 26.2 / 25.8) and reduces 'right answer, "
                      "wrong reasoning' samples.")
    regimes = run.regime_ops()
    k = _kmax(run, "rl")
    rewards = run.axis_values("rl", "reward")
    section.header = ["reward", f"edge pass@1", f"hard pass@1", f"hard pass@{k}", "right answer, wrong reasoning (edge+hard)"]
    beyond = regimes["edge"] + regimes["hard"]
    for reward in rewards:
        axes = {"reward": reward}
        section.rows.append([reward, _cell(_metric(run, "rl", axes, "pass", 1, regimes["edge"])),
                             _cell(_metric(run, "rl", axes, "pass", 1, regimes["hard"])),
                             _cell(_metric(run, "rl", axes, "pass", k, regimes["hard"])),
                             _cell(_metric(run, "rl", axes, "rawp", 1, beyond))])
    if "outcome" in rewards:
        outcome = ("rl", {"reward": "outcome"})
        for reward in rewards:
            if reward == "outcome":
                continue
            section.checks.append(Check(f"{reward} beats outcome-only on hard pass@{k}", "increase",
                                        _diff(run, ("rl", {"reward": reward}), outcome, "pass", k, regimes["hard"])))
            section.checks.append(Check(f"{reward} has fewer right-answer-wrong-reasoning samples than outcome-only",
                                        "increase", _diff(run, outcome, ("rl", {"reward": reward}), "rawp", 1, beyond), main=False))
    section.figures.append(reward_bars(run, rewards, regimes, k, out / "f4_rewards.png"))
    return section


def demo(run: RunData, out: Path) -> Section:
    from interplay.report.figures import by_op

    section = Section("Demo: pre-training, then RL, on a small world",
                      "Not a finding of the paper: the pipeline end to end, with learning visible.")
    k = _kmax(run, "base", "rl")
    tables = run.evals("base")
    ops = sorted({int(op) for t in tables for op in t.ops}) if tables else []
    trained = [op for op in _trained_ops(run) if op in ops]
    section.header = ["model"] + [f"op {op} pass@1" for op in ops] + [f"op {op} pass@{k}" for op in ops]
    for label, stage in (("base", "base"), ("after RL", "rl")):
        section.rows.append([label] + [_cell(_metric(run, stage, {}, "pass", 1, [op])) for op in ops]
                            + [_cell(_metric(run, stage, {}, "pass", k, [op])) for op in ops])
    base_id = _metric(run, "base", {}, "pass", 1, trained)
    section.checks = [
        Check(f"the base model solves its training ops ({_ops_text(trained)}) at pass@1 above zero", "increase", base_id),
        Check("RL raises pass@1 over all evaluated ops", "increase", _diff(run, ("rl", {}), ("base", {}), "pass", 1, ops)),
    ]
    section.figures.append(by_op(run, [("base", "base"), ("after RL", "rl")], ops, k, out / "demo_by_op.png"))
    return section


def _trained_ops(run: RunData) -> list[int]:
    """The ops the base model was pre-trained on (its `data.ops`, weights ignored)."""
    from interplay.world.mixture import MixtureSpec

    for key in run.keys("base"):
        ops = run.records[key]["settings"].get("data.ops") or run.plan["world"].get("ops")
        if ops:
            return MixtureSpec.parse(ops=str(ops)).all_ops()
    return []


SECTIONS = {"f1": finding_1, "f2": finding_2, "f3": finding_3, "f4": finding_4, "demo": demo}
