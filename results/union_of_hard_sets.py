"""Hard-op claims on two hard sets at once: one run's models evaluated on two sets of extra hard problems.

F1, F3 and F4 on the crossed base were evaluated on a first hard set (the test set's 60 problems at ops 11-12
with 140 extras) and on a second (the same 60 with 280 fresh extras, `--set hard_extra_per_op=140 --set
hard_seed=161803`). Each report decides on its own set; this sums both, every problem once (by id), and gives
each difference of hard pass@64 with the bootstrap the reports use. An arm is a model stage and the axes that pick
it, as the report reads them ("rl,split=heavy", "base"); after the run.json files, each argument is a pair "a:b":

    python results/union_of_hard_sets.py results/f3_midtrain_vs_rl/xeon_tail_7_10_seeds0_1/run.json \\
        results/f3_midtrain_vs_rl/xeon_tail_7_10_hard340_seeds0_1/run.json rl,split=heavy:rl,split=all_rl
    python results/union_of_hard_sets.py results/f4_process_rewards/xeon_tail_7_10_three_rewards/run.json \\
        results/f4_process_rewards/xeon_tail_7_10_hard340/run.json rl,reward=strict:rl,reward=outcome
"""

import sys

import numpy as np

from interplay.bootstrap import difference
from interplay.report.analysis import FIELDS, EvalTable, arm_matrix, shared_columns
from interplay.report.archive import ArchivedRun


def union(tables: list[EvalTable]) -> EvalTable:
    """One model's tables from several runs as one, each problem once (its first evaluation), sorted by id."""
    joined = EvalTable.concat(tables)
    _, first = np.unique(joined.ids, return_index=True)
    return EvalTable(**{name: getattr(joined, name)[first] for name in FIELDS})


def arm(runs: list[ArchivedRun], name: str) -> list[EvalTable]:
    """The arm's table per seed, over every run ("rl,split=heavy": stage rl, axis split = heavy)."""
    stage, *axes = name.split(",")
    per_run = [run.evals(stage, **dict(axis.split("=") for axis in axes)) for run in runs]
    if not all(per_run) or len({len(tables) for tables in per_run}) > 1:
        sys.exit(f"error: {name} is not evaluated with the same seeds in every run")
    return [union(list(seed)) for seed in zip(*per_run)]


paths = [argument for argument in sys.argv[1:] if argument.endswith(".json")]
runs = [ArchivedRun(path) for path in paths]
hard = runs[0].regime_ops()["hard"]
for pair in sys.argv[1 + len(paths):]:
    names = pair.split(":")
    left, right = arm(runs, names[0]), arm(runs, names[1])
    columns = shared_columns(left + right)
    a, b = (arm_matrix(tables, "pass", 64, ops=hard, columns=c)
            for tables, c in ((left, columns[:len(left)]), (right, columns[len(left):])))
    gap = difference(a, b)
    print(f"hard pass@64 {names[0]} - {names[1]} on {a.shape[1]} problems: {gap.value:+.3f} [{gap.low:+.3f}, "
          f"{gap.high:+.3f}]; solved by seed {a.sum(1).astype(int).tolist()} against {b.sum(1).astype(int).tolist()}")
