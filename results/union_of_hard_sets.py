"""Hard-op claims on two hard sets at once: one run's models evaluated on two sets of extra hard problems.

F3 and F4 on the crossed base were evaluated on a first hard set (the test set's 60 problems at ops 11-12 with
140 extras) and on a second (the same 60 with 280 fresh extras, `--set hard_extra_per_op=140 --set
hard_seed=161803`). Each report decides on its own set; this sums both, every problem once (by id), and gives
each difference of hard pass@64 with the bootstrap the reports use. Arms are named by one axis, as in run.json
(model=base for the base), and pairs separated by commas:

    python results/union_of_hard_sets.py results/f3_midtrain_vs_rl/xeon_tail_7_10_seeds0_1/run.json \\
        results/f3_midtrain_vs_rl/xeon_tail_7_10_hard340_seeds0_1/run.json split=heavy:split=all_rl
    python results/union_of_hard_sets.py results/f4_process_rewards/xeon_tail_7_10_three_rewards/run.json \\
        results/f4_process_rewards/xeon_tail_7_10_hard340/run.json reward=strict:reward=outcome
"""

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from interplay.bootstrap import difference

HARD_OPS = {11, 12}
KEY = re.compile(r"(?:hard_)?eval\[(?P<axes>model=(?:rl|base)(?:,.*)?)\]")


def solved(runs: list[Path], axis: str) -> dict[str, dict[str, bool]]:
    """seed -> problem id -> solved by a strictly right sample, over the hard problems of every run."""
    out: dict[str, dict[str, bool]] = defaultdict(dict)
    for run in runs:
        for key, table in json.loads(run.read_text())["evals"].items():
            match = KEY.fullmatch(key)
            axes = dict(part.split("=") for part in match["axes"].split(",")) if match else {}
            if axis in {f"{name}={value}" for name, value in axes.items()}:
                for problem, op, right in zip(table["ids"], table["ops"], table["strict"]):
                    if op in HARD_OPS:
                        out[axes.get("seed", "-")][problem] = right > 0
    if not out:
        sys.exit(f"error: no evaluation of {axis} in {', '.join(map(str, runs))}")
    return out


def matrix(runs: list[Path], axis: str) -> tuple[list[str], np.ndarray]:
    """The problem ids and (seeds, problems) of 0/1: pass@64 per problem, problems sorted by id."""
    by_seed = solved(runs, axis)
    ids = sorted(next(iter(by_seed.values())))
    return ids, np.array([[float(by_seed[seed][problem]) for problem in ids] for seed in sorted(by_seed)])


runs = [Path(path) for path in sys.argv[1:-1]]
for pair in sys.argv[-1].split(","):
    a, b = pair.split(":")
    (ids, left), (other_ids, right) = matrix(runs, a), matrix(runs, b)
    if ids != other_ids:
        sys.exit(f"error: {a} and {b} were not evaluated on the same problems")
    gap = difference(left, right)
    print(f"hard pass@64 {a} - {b} on {left.shape[1]} problems: {gap.value:+.3f} [{gap.low:+.3f}, {gap.high:+.3f}]"
          f"; solved by seed {left.sum(1).astype(int).tolist()} against {right.sum(1).astype(int).tolist()}")
