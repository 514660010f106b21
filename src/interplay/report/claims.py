"""What a report section is made of: claims checked by a written rule, and the verdict they give.

The rule, for every finding: a finding is checked through a few *main* claims, each a difference
between two models on the same problems with a 95% bootstrap interval over problems and seeds (paired
on seeds where both models have them: RL of seed s against the base of seed s).
An "increase" holds when the whole interval is above 0 and fails when it is at or below 0, except at the
floor: when both models score 0 on every problem the measurement has no power (the ops are out of reach
of both), which says nothing about which is better, so the claim stays undecided. Where the paper gives the
size of the difference, an increase also fails when the interval, reaching above 0 or not, ends below half
of it: the run then rules out an effect even half the paper's, which is what "not reproduced" means for a
claim about an effect the paper measured (an equivalence bound, as replications set the smallest effect of
interest from the original; with a true difference near 0 an interval straddles 0 at every sample size, so
without it such a claim could never be decided). A "no gain" holds when the interval's upper end is below
+0.05 and fails when its lower end is above +0.05.
Verdict: *reproduced* if every main claim holds, *not reproduced* if any main claim fails,
*inconclusive* otherwise (an interval too wide to decide). Secondary claims are reported, not voted.
An increase can hold and still rule out half the paper's difference (the interval above 0, its upper end below
half of it): the direction is reproduced, the size is not. The outcome stays "holds" (the rule asks for a
direction), and the report says "smaller than the paper's" beside it and in the verdict's line, as replication
studies report a significant effect inconsistent with the original's size (LeBel et al., 2019, "signal -
inconsistent, smaller"), so a reader never takes a tenth of the paper's effect for the paper's finding.
The helpers read a run by stage name (see report/findings/__init__.py for the names a finding needs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path

from interplay.bootstrap import Estimate, difference, estimate
from interplay.report.analysis import EvalTable, arm_matrix, shared_columns
from interplay.report.rundata import RunData
from interplay.world.mixture import format_ops

NO_GAIN_MARGIN = 0.05
PAPER_SHARE = 0.5  # an increase fails when its interval ends below this share of the paper's difference
RULE = (f"Each claim is a difference on the same problems with a 95% bootstrap interval over problems and seeds "
        f"(a seed's models resampled together where both arms have the same seeds). "
        f"*increase* holds if the interval is above 0, fails if it is at or below 0 or, where the paper gives the "
        f"difference (at its own k, 128, where a pass@k claim here has a smaller k), reaches 0 and ends below "
        f"{PAPER_SHARE:.0%} of it (the run rules out an effect that large), and stays undecided if both models score 0 "
        f"on every problem (the floor: no signal); an increase that holds with an interval ending below "
        f"{PAPER_SHARE:.0%} of the paper's difference is marked smaller than the paper's (the direction reproduced, "
        f"not the size); *no gain* holds if its upper end is below +{NO_GAIN_MARGIN}, fails if its lower end is above "
        f"+{NO_GAIN_MARGIN}. Verdict: reproduced if every main claim holds, not reproduced if any main claim fails, "
        f"inconclusive otherwise.")


@dataclass
class Check:
    claim: str
    kind: str  # increase | no_gain
    estimate: Estimate | None
    main: bool = True
    paper: float | None = None  # the paper's difference for this claim (an increase), where it gives one

    def outcome(self) -> bool | None:
        e = self.estimate
        if e is None:
            return None
        if self.kind == "increase":
            if e.floor:
                return None
            if e.low > 0:
                return True
            ruled_out = self.paper is not None and e.high < PAPER_SHARE * self.paper
            return False if e.high <= 0 or ruled_out else None
        return True if e.high < NO_GAIN_MARGIN else False if e.low > NO_GAIN_MARGIN else None

    def smaller_than_paper(self) -> bool:
        """An increase that holds (its interval above 0) and yet rules out half of the paper's difference."""
        return (self.kind == "increase" and self.paper is not None and self.outcome() is True
                and self.estimate.high < PAPER_SHARE * self.paper)

    def label(self) -> str:
        if self.kind == "increase" and self.estimate is not None and self.estimate.floor:
            return "undecided (both 0)"
        return {True: "holds", False: "fails", None: "undecided"}[self.outcome()]

    def outcome_text(self) -> str:
        """The label, and where the direction holds but not the size, that it is smaller than the paper's."""
        return self.label() + (", smaller than the paper's" if self.smaller_than_paper() else "")


@dataclass
class Section:
    title: str
    paper: str
    rows: list[list[str]] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    figures: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tables: list[tuple[str, list[str], list[list[str]]]] = field(default_factory=list)  # (caption, header, rows)
    of_paper: bool = True  # `paper` says what the paper found (else: what the section shows, e.g. the demo)

    def verdict(self) -> str:
        outcomes = [c.outcome() for c in self.checks if c.main]
        if not outcomes:
            return "inconclusive"
        if all(o is True for o in outcomes):
            return "reproduced"
        if any(o is False for o in outcomes):
            return "not reproduced"
        return "inconclusive"

    def size_note(self) -> str:
        """Where every main claim holds but some by less than half the paper's difference: that the size was not
        reproduced, with those claims' intervals; else ""."""
        smaller = [c for c in self.checks if c.main and c.smaller_than_paper()]
        if self.verdict() != "reproduced" or not smaller:
            return ""
        mains = sum(c.main for c in self.checks)
        return (f"in direction, not in size: {len(smaller)} of {mains} main claims by less than half the paper's "
                f"difference ({'; '.join(f'{c.estimate.text()} against {c.paper:+.3f}' for c in smaller)})")


def largest_k(run: RunData, *stages: str) -> int:
    """The largest k every evaluation of these stages has samples for."""
    sizes = [int(t.samples.min()) for stage in stages for t in run.evals(stage)]
    return min(sizes) if sizes else 1


def measure(run: RunData, stage: str, axes: dict, metric: str, k: int, ops=None, context=None) -> Estimate | None:
    """One arm's mean `metric` at k on the selected problems, with its interval; None if not evaluated."""
    tables = run.evals(stage, **axes)
    return estimate(arm_matrix(tables, metric, k, ops, context)) if tables else None


def counted(run: RunData, stage: str, axes: dict, metric: str, ops, context=None) -> float | None:
    """One arm's mean of a count the evaluations gained later (`short`, `beside`, `distinct_right`, ...) on the
    selected problems; None if not evaluated, or if a seed's archive predates the count (it holds NaN there)."""
    e = measure(run, stage, axes, metric, 1, ops, context)
    return None if e is None or math.isnan(e.value) else e.value


def reach_shares(run: RunData, arms, ops: list[int]) -> str:
    """Each arm's share of samples that miss a quantity the answer needs / that define one it does not need, on
    the selected ops ("label 0.69 / 0.39; ..."); "" where no arm was evaluated with the counts."""
    shares = []
    for label, stage, axes in arms:
        short, beside = (counted(run, stage, axes, metric, ops) for metric in ("short", "beside"))
        if short is not None:
            shares.append(f"{label} {short:.2f} / {beside:.2f}")
    return "; ".join(shares)


def solved(run: RunData, stage: str, axes: dict, ops) -> tuple[list[int], int, int] | None:
    """How many of the selected problems an arm strictly solved in at least one of its samples, per seed, of how
    many, and how many in every seed: near the floor a pass@k difference stands on these few problems, and where
    the seeds reach different ones, which problems is chance; None if not evaluated."""
    tables = run.evals(stage, **axes)
    if not tables or not ops:
        return None
    reached = arm_matrix(tables, "pass", int(min(t.samples.min() for t in tables)), ops) > 0
    return reached.sum(axis=1).tolist(), reached.shape[1], int(reached.all(axis=0).sum())


def floor_note(run: RunData, arms: list[tuple[str, str, dict]], ops: list[int], k: int) -> str:
    """The measurement under the hard-op claims: how many hard problems each arm solved at all. Near the floor
    hard pass@k is little more than the share of these, so a difference of a few problems is all it can show."""
    counts = [(label, solved(run, stage, axes, ops)) for label, stage, axes in arms]
    counts = [(label, found) for label, found in counts if found is not None]
    if not counts:
        return ""
    sizes = {problems for _, (_, problems, _) in counts}
    alike = len(sizes) == 1  # else (seeds with hard problems of their own) each arm says of how many
    by_arm = "; ".join(f"{label} {' / '.join(map(str, per_seed))}" + ("" if alike else f" of {problems}")
                       + (f" ({everywhere} in every seed)" if len(per_seed) > 1 and min(per_seed) > 0 else "")
                       for label, (per_seed, problems, everywhere) in counts)
    several = any(len(per_seed) > 1 for _, (per_seed, _, _) in counts)
    fewest = min(sizes)
    return (f"Hard ops ({ops_text(ops)}): problems strictly solved in at least one sample"
            f"{f', of {fewest}' if alike else ''}{' (by seed)' if several else ''}: {by_arm}. Each problem weighs "
            f"{'' if alike else 'at most '}{1 / fewest:.3f} in hard pass@{k}: a claim on it stands on these few.")


def compare(run: RunData, a: tuple[str, dict], b: tuple[str, dict], metric: str, k: int, ops=None,
            context=None) -> Estimate | None:
    """Arm a minus arm b, (stage, axes) each, paired on the problems both have in every seed; None if either
    is missing. Arms of the same seeds are paired on seeds too: RL of seed s is compared with the base of
    seed s (or another arm of seed s), so a resampled seed brings both of its models, and how far apart the
    seeds' bases lie stays out of the interval; a shared base against RL seeds is resampled apart."""
    ta, tb = run.evals(a[0], **a[1]), run.evals(b[0], **b[1])
    if not ta or not tb or not ops:
        return None
    same_seeds = run.eval_seeds(a[0], **a[1]) == run.eval_seeds(b[0], **b[1])
    return contrast(ta, tb, metric, k, ops, context, paired=same_seeds)


def contrast(ta: list[EvalTable], tb: list[EvalTable], metric: str, k: int, ops, context=None,
             paired: bool = True) -> Estimate:
    """Tables a minus tables b (one per seed each) on the problems all of them have: row s of a against row
    s of b if `paired` (the seeds resampled together), else the two resampled apart."""
    columns = shared_columns(ta + tb)
    ma = arm_matrix(ta, metric, k, ops, context, columns[:len(ta)])
    mb = arm_matrix(tb, metric, k, ops, context, columns[len(ta):])
    if not paired:
        return difference(ma, mb)
    together = estimate(ma - mb)  # the per-seed, per-problem differences, their seeds and problems resampled
    return together and replace(together, floor=not ma.any() and not mb.any())


def by_op(run: RunData, arms, k: int) -> tuple[str, list[str], list[list[str]]]:
    """Every model's pass@1 and pass@k at each op: a range's mean can hide gains at some of its ops and losses
    at others (RL at the edge does both where the base's pass@k is near 1 at some ops and has room at others)."""
    regime = {op: name for name, ops in run.regime_ops().items() for op in ops}
    rows = []
    for op in sorted(regime):
        cells, problems = [], 0
        for _, stage, axes in arms:
            p1, pk = (measure(run, stage, axes, "pass", kk, [op]) for kk in (1, k))
            cells.append("n/a" if p1 is None else f"{p1.value:.3f} / {pk.value:.3f}")
            problems = max(problems, p1.problems if p1 else 0)
        rows.append([str(op), regime[op], str(problems)] + cells)
    caption = (f"By op, strict pass@1 / pass@{k}, mean over problems and seeds (intervals by range above; a problem "
               f"moves pass@{k} at one op by 1 / its problems):")
    return caption, ["op", "regime", "problems"] + [label for label, _, _ in arms], rows


def cell(e: Estimate | None) -> str:
    return "n/a" if e is None else e.text()


def ops_text(ops: list[int]) -> str:
    return format_ops(ops) or "none"
