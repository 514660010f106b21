"""F3's hard claims on both hard sets at once: the 480 distinct problems of this run and the one before.

The same models were evaluated on two hard sets at ops 11-12: the test set's 60 problems with 140 extras
(xeon_tail_7_10_seeds0_1) and with 280 fresh extras (this folder). Each report decides on its own set; this sums
them, every problem once, with the bootstrap the reports use. From the repository's root:

    python results/f3_midtrain_vs_rl/xeon_tail_7_10_hard340_seeds0_1/union_of_hard_sets.py
"""

import json
from pathlib import Path

import numpy as np

from interplay.bootstrap import difference

HERE = Path(__file__).parent
RUNS = [HERE.parent / "xeon_tail_7_10_seeds0_1" / "run.json", HERE / "run.json"]
HARD_OPS = {11, 12}


def solved(split: str, seed: int) -> dict[str, bool]:
    """Problem id -> solved by at least one strictly right sample, over the hard problems of both runs."""
    out: dict[str, bool] = {}
    for run in RUNS:
        evals = json.loads(run.read_text())["evals"]
        for stage in ("eval", "hard_eval"):
            table = evals[f"{stage}[model=rl,seed={seed},split={split}]"]
            for problem, op, right in zip(table["ids"], table["ops"], table["strict"]):
                if op in HARD_OPS:
                    out[problem] = right > 0
    return out


def matrix(split: str) -> np.ndarray:
    """(seeds, problems) of 0/1: pass@64 per problem, problems in one order for every split."""
    rows = [solved(split, seed) for seed in (0, 1)]
    ids = sorted(rows[0])
    return np.array([[float(row[i]) for i in ids] for row in rows])


for a, b in (("heavy", "all_rl"), ("heavy", "heavy_no_mid"), ("heavy", "light"), ("heavy", "all_mid")):
    left, right = matrix(a), matrix(b)
    gap = difference(left, right)
    print(f"hard pass@64 {a} - {b} on {left.shape[1]} problems: {gap.value:+.3f} [{gap.low:+.3f}, {gap.high:+.3f}]"
          f"; solved by seed {left.sum(1).astype(int).tolist()} against {right.sum(1).astype(int).tolist()}")
