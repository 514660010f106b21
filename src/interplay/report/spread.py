"""Where a model's right samples fall among the problems: the part of a pass@k gap that pass@1 does not show.

pass@1 counts right samples; pass@k counts the problems with at least one. Training that sharpens a model puts
more of its right samples on the problems it already solves (pass@1 up, pass@k flat); training that widens it
spreads them over more problems. For each model a report gives, on the selected ops, its right samples, the share
of them on its few most-solved problems and the problems it solves at all, and, where asked, which problems it
gained and lost against the base: the measured reason a pass@k claim at the hard ops goes one way or the other.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from interplay.report.analysis import EvalTable
from interplay.report.claims import ops_text
from interplay.report.noise import against_base, solved_apart
from interplay.report.rundata import RunData

TOP = 5  # a model's "most-solved problems": few enough that sharpening onto them shows at 200 hard problems


class Spread(NamedTuple):
    right: int  # strictly right samples on the selected problems
    on_top: float  # the share of them on the TOP problems with the most (0 when none is right)
    solved: int  # problems with at least one


def spread(table: EvalTable, ops) -> Spread:
    """One evaluation's right samples on the problems at `ops`, and how they spread over those problems."""
    counts = np.sort(table.strict[table.select(ops)])[::-1]
    right = int(counts.sum())
    return Spread(right, float(counts[:TOP].sum() / right) if right else 0.0, int((counts > 0).sum()))


def spread_note(run: RunData, arms: list[tuple[str, str, dict]], ops: list[int], regime: str,
                trades: bool = False) -> str:
    """Each arm's `spread` on `ops`, by seed, and with `trades` the problems solved by the base only / by the arm
    only (report/noise.py's count, for a recipe with no redraw to set it beside); "" if no arm was evaluated."""
    if not ops:
        return ""
    bases = dict(zip(run.eval_seeds("base"), run.evals("base"))) if trades else {}
    parts, several = [], False
    for label, stage, axes in arms:
        tables = run.evals(stage, **axes)
        if not tables:
            continue
        several |= len(tables) > 1
        text = " / ".join(f"{s.right}, {s.on_top:.2f}, {s.solved}" for s in (spread(t, ops) for t in tables))
        if bases and stage != "base":
            base_tables, arm_tables = against_base(run, bases, stage, axes)
            if base_tables:
                lost, gained = solved_apart(base_tables, arm_tables, ops)
                text += f" (base only {lost} / model only {gained})"
        parts.append(f"{label} {text}")
    if not parts:
        return ""
    summed = " (summed over seeds)" if several else ""
    traded = f", and the problems solved by the base only / the model only{summed}" if bases else ""
    return (f"Where the right samples fall on the {regime} ops ({ops_text(ops)}){' (by seed)' if several else ''}: "
            f"strictly right samples, the share of them on the model's {TOP} most-solved problems, problems solved at "
            f"all{traded}. {'; '.join(parts)}. A model that sharpens puts more right samples on fewer problems, which "
            "pass@1 counts and pass@k does not; one that widens spreads them over more.")
