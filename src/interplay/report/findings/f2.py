"""Finding 2 of the paper: RL transfers to a context only if pre-training exposed it. Claims and figure."""

from __future__ import annotations

from pathlib import Path

from interplay.report import figures
from interplay.report.claims import Check, Section, cell, compare, counted, largest_k, measure, ops_text
from interplay.report.findings import register_finding
from interplay.report.rundata import RunData

# The paper: at shares 0 and 0.1% RL does not carry to B beyond trivial ops; from 1% B reaches pass@128 ~1.0 at
# low ops and ~0.6 at op 20. Across that threshold the difference beyond the lowest op is at least ~0.6.
PAPER_THRESHOLD, PAPER_GAIN_ACROSS = 0.01, 0.6


@register_finding("f2", stages=("base", "rl"))
def finding_2(run: RunData, out: Path) -> Section:
    section = Section("Finding 2: RL transfers to a context only if pre-training exposed it",
                      "Pre-train on context A (all ops) plus context B at op 2 only, with share 0%, 0.1%, 1%, 10%; "
                      "RL on 50/50 A/B over all ops. At 0% and 0.1% RL does not transfer to B beyond trivial ops; "
                      "at >= 1% B reaches pass@128 ~100 at low ops and ~60 at op 20.")
    shares = run.axis_values("base", "share")
    context = _context_b(run)
    k = largest_k(run, "base", "rl")
    tables = run.evals("rl")
    ops = sorted({int(op) for t in tables for op in t.ops}) if tables else []
    beyond = [op for op in ops if op > min(ops)] if ops else []
    section.header = ["share of B"] + [f"B op {op} pass@{k} base -> RL" for op in ops]
    for share in shares:
        cells = []
        for op in ops:
            before = measure(run, "base", {"share": share}, "pass", k, [op], context)
            after = measure(run, "rl", {"share": share}, "pass", k, [op], context)
            cells.append(f"{cell(before)} -> {cell(after)}")
        section.rows.append([share] + cells)
    if shares:
        lowest = shares[0]
        lowest_op = min(ops) if ops else "?"

        def above_lowest(share: str):  # B beyond the lowest op after RL: this share minus the lowest
            return compare(run, ("rl", {"share": share}), ("rl", {"share": lowest}), "pass", k, beyond, context)

        section.checks = [
            Check(f"at share {lowest}, RL does not raise B pass@{k} beyond op {lowest_op}", "no_gain",
                  compare(run, ("rl", {"share": lowest}), ("base", {"share": lowest}), "pass", k, beyond, context))]
        for share, kind, main in share_claims(shares):
            higher = "higher" if kind == "increase" else "no higher"
            # _paper_gain gives a difference only across the paper's threshold, so never to a "no_gain" claim
            section.checks.append(Check(f"after RL, B pass@{k} beyond op {lowest_op} is {higher} at share {share} "
                                        f"than at {lowest}", kind, above_lowest(share), main=main,
                                        paper=_paper_gain(share, lowest)))
    section.notes.append(f"context B is '{context}'")
    section.notes.append(reach_on_b(run, shares, beyond, context))
    surface = surface_table(run, shares, ops, context, k)
    if surface:
        section.tables.append(surface)
    section.figures.append(context_transfer(run, shares, ops, context, k, out / "f2_context_b.png"))
    return section


def share_claims(shares: list[str]) -> list[tuple[str, str, bool]]:
    """(share, kind, main) of the claim on each share above the lowest, against it. Shares named by their fractions,
    the lowest below the paper's 1% threshold: the paper's claim on each, no transfer below the threshold ("no_gain")
    and a transfer from it ("increase"). Otherwise the order alone: the highest transfers (main), and the middle one
    (not main)."""
    try:
        placed = float(shares[0]) < PAPER_THRESHOLD
        fractions = [float(share) for share in shares[1:]]
    except ValueError:
        placed = False
    if placed:
        return [(share, "increase" if fraction >= PAPER_THRESHOLD else "no_gain", True)
                for share, fraction in zip(shares[1:], fractions)]
    if len(shares) < 2:
        return []
    middle = [(shares[len(shares) // 2], "increase", False)] if len(shares) > 2 else []
    return [(shares[-1], "increase", True)] + middle


def reach_on_b(run: RunData, shares: list[str], beyond: list[int], context) -> str:
    """How B's samples beyond the lowest op go wrong, per share, base and after RL: the share that miss a quantity
    the answer needs. A base that learned B only at the lowest op may keep that op's short chains on B (F1's reach,
    report/findings/f1.py); "" where no model was evaluated with the counts."""
    parts = []
    for share in shares:
        arms = [(name, counted(run, stage, {"share": share}, "short", beyond, context))
                for name, stage in (("base", "base"), ("after RL", "rl"))]
        found = [f"{name} {short:.2f}" for name, short in arms if short is not None]
        if found:
            parts.append(f"share {share}: {', '.join(found)}")
    if not parts:
        return ""
    return (f"Reach on B beyond the lowest op ({ops_text(beyond)}): the share of samples that miss a quantity the "
            f"answer needs, mean over problems: {'; '.join(parts)}.")


def surface_table(run: RunData, shares: list[str], ops: list[int], context, k: int):
    """Each base on context A (its probe: the world's own context) beside context B (the test set) at the same ops,
    before RL: where a base solves A and not B at one op, its reasoning is bound to the surface it learned it on,
    which no transfer by RL can exceed. None without probes (a run of other stages)."""
    rows = []
    for share in shares:
        probes = [run.probes[key] for key in run.keys("probe", share=share)]  # read once, with the calibration
        if not probes:
            continue
        probe_k = probes[0]["samples"]
        cells = []
        for op in ops:
            found = [probe["ops"][str(op)] for probe in probes if str(op) in probe["ops"]]
            a = f"{sum(row[f'pass_at_{probe_k}'] for row in found) / len(found):.3f}" if found else "-"
            b = measure(run, "base", {"share": share}, "pass", k, [op], context)
            cells.append(f"{a} / {'-' if b is None else f'{b.value:.3f}'}")
        rows.append([share] + cells)
    if not rows:
        return None
    caption = (f"The base before RL on context A (its probe, pass@{probe_k}) / on context B (the test set, "
               f"pass@{k}), by op: a base that solves A at an op where it does not solve B has its reasoning bound to "
               f"A's surface, and RL on both contexts starts B from there.")
    return caption, ["share of B"] + [f"op {op} A / B" for op in ops], rows


def _paper_gain(higher: str, lower: str) -> float | None:
    """The paper's difference between two shares of B: ~0.6 across its 1% threshold, none given on one side of it."""
    try:
        across = float(lower) < PAPER_THRESHOLD <= float(higher)
    except ValueError:  # a share named otherwise than by its fraction: the paper's number cannot be placed
        return None
    return PAPER_GAIN_ACROSS if across else None


def _context_b(run: RunData) -> str | None:
    for instance in run.plan["instances"]:
        if instance["stage"] == "base":
            contexts = run.records.get(instance["key"], {}).get("settings", {}).get("data.contexts", "")
            names = [part.split("=")[0].split("@")[0] for part in contexts.split(",") if "@" in part]
            if names:
                return names[0]
    return None


def context_transfer(run: RunData, shares: list[str], ops: list[int], context, k: int, path: Path) -> Path:
    figure, axis = figures.plt.subplots(figsize=(6.5, 3.8))
    for number, share in enumerate(shares):
        color = f"C{number}"
        figures.errorbar(axis, ops, [measure(run, "rl", {"share": share}, "pass", k, [op], context) for op in ops],
                  label=f"B share {share}, after RL", color=color)
        figures.errorbar(axis, ops, [measure(run, "base", {"share": share}, "pass", k, [op], context) for op in ops],
                  label=f"B share {share}, base", color=color, linestyle=":", alpha=0.6)
    axis.set(xlabel="op", ylabel=f"strict pass@{k} on context B", ylim=(-0.02, 1.02), xticks=ops)
    axis.legend(fontsize=7, ncol=2)
    return figures.save(figure, path)
