"""How far two evaluations of one model lie apart by sampling alone: the noise floor under pass@k claims.

pass@k with k = n counts a problem as solved on one right sample of n, so a problem a model solves rarely
is solved in one evaluation and missed in the next. The recipes evaluate the base a second time with a
sampling seed of its own (the `redraw` stages of recipes f1 and f4); a report sets the problems RL gained
and lost against the base beside the problems the base gains and loses against itself. A model that
trades no more problems than the redraw has not measurably changed which problems it solves.
"""

from __future__ import annotations

import numpy as np

from interplay.report.analysis import EvalTable, shared_columns
from interplay.report.claims import contrast, ops_text
from interplay.report.rundata import RunData


def solved_apart(first: list[EvalTable], second: list[EvalTable], ops,
                 within: set[str] | None = None) -> tuple[int, int]:
    """Of the selected problems (at `ops`, and among the ids `within` if given), how many `first` strictly solves in
    at least one sample and `second` does not, and the reverse; tables paired by position (a seed each), on the
    problems both have, summed."""
    only_first = only_second = 0
    for a, b in zip(first, second):
        in_a, in_b = shared_columns([a, b])
        keep = a.select(ops)[in_a]
        if within is not None:
            keep &= np.isin(a.ids[in_a], list(within))
        solved_a, solved_b = a.strict[in_a][keep] > 0, b.strict[in_b][keep] > 0
        only_first += int((solved_a & ~solved_b).sum())
        only_second += int((solved_b & ~solved_a).sum())
    return only_first, only_second


def against_base(run: RunData, base: dict, stage: str, axes: dict) -> tuple[list[EvalTable], list[EvalTable]]:
    """The base's evaluations (`base`, by seed) and an arm's, paired by seed: a base all seeds share stands against
    each; an arm's seed without a base there is left out."""
    pairs = [(base.get(seed, base.get(None)), table)
             for seed, table in zip(run.eval_seeds(stage, **axes), run.evals(stage, **axes))]
    pairs = [(b, table) for b, table in pairs if b is not None]
    return [b for b, _ in pairs], [table for _, table in pairs]


def noise_note(run: RunData, arms: list[tuple[str, str, dict]], ops: list[int], k: int, regime: str) -> str:
    """The base against its redraw on `ops` (pass@k difference, problems solved by one evaluation only),
    then every other arm's problems lost and gained against the base, on the same problems and seeds; ""
    without a finished redraw."""
    redrawn = run.redrawn("base")
    first, again = [pair[0] for pair in redrawn.values()], [pair[1] for pair in redrawn.values()]
    problems = {problem for table in again for problem, op in zip(table.ids.tolist(), table.ops.tolist()) if op in ops}
    if not problems:
        return ""
    drift = contrast(again, first, "pass", k, ops)
    lost, gained = solved_apart(first, again, ops)
    bases = {seed: pair[0] for seed, pair in redrawn.items()}
    trades = []
    for label, stage, axes in arms:
        if stage != "base":
            base, arm = against_base(run, bases, stage, axes)
            if base:
                seeds_apart = f" ({len(arm)} seeds)" if len(arm) != len(first) else ""  # RL seeds on a shared base
                trades.append("{} {} / {}{}".format(label, *solved_apart(base, arm, ops, problems), seeds_apart))
    seeds = f", summed over {len(first)} seeds" if len(first) > 1 else ""
    text = (f"Sampling noise on the {regime} ops ({ops_text(ops)}, {drift.problems} problems{seeds}): the base "
            f"evaluated again with another sampling seed, minus its first evaluation: pass@{k} {drift.text()}; "
            f"problems strictly solved in one of the two only: {lost} first / {gained} again.")
    if trades:
        text += (" Against the base's first evaluation, on the same problems, solved by the base only / by the model "
                 "only: " + "; ".join(trades) + ". A model that trades no more than the redraw has not measurably "
                 "changed which problems it solves.")
    return text
