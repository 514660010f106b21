"""`--dry-run`'s evaluation estimate against what finished eval stages took: the seconds
experiments/estimates.py predicts at this machine's timed sampling rate beside each stage's recorded seconds.

    python benchmarks/eval_estimate.py --cache runs/stages

For every eval stage in the cache that ran on this machine's CPU (its stage.json names it): its problems and
their ops (from its samples.jsonl), its settings, the world and architecture of the model it sampled from, and
the FLOPs estimates.py gives them at the rate experiments/speed.py times here, with estimates.py's
EVAL_SAMPLE_SPEEDUP, against the seconds its record keeps. A ratio of 1 is an exact estimate. Run it with nothing
else running. The last line is `ratio=<estimated / recorded seconds>` over all of them, and the speedup that would
make it 1.
"""

from __future__ import annotations

import argparse
import json
import tomllib
from collections import Counter
from pathlib import Path

from interplay.experiments import estimates
from interplay.experiments.runner import machine
from interplay.experiments.speed import measure_rates
from interplay.lm.hf import config_from_qwen2
from interplay.report.analysis import EvalTable
from interplay.world.mixture import format_ops


def evaluated(samples: Path) -> tuple[int, str, dict[int, int]]:
    """(problems, their ops as a range text, problems per op) of one evaluation's samples.jsonl."""
    per_op = Counter(int(op) for op in EvalTable.load(samples).ops)
    return sum(per_op.values()), format_ops(sorted(per_op)), dict(per_op)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, required=True, help="a runner's cache (--cache of interplay run)")
    args = parser.parse_args()
    here = machine()
    records = [json.loads(p.read_text()) for p in sorted(args.cache.glob("*/stage.json"))]
    stages = [r for r in records if r.get("kind") == "eval" and r.get("machine") == here and "seconds" in r
              and Path(r["outputs"].get("samples", "")).is_file()]
    if not stages:
        raise SystemExit(f"no finished eval stage run on {here} in {args.cache}")
    print(f"this machine: {here}; estimates.py: EVAL_SAMPLE_SPEEDUP={estimates.EVAL_SAMPLE_SPEEDUP}")
    rates: dict[str, object] = {}  # by architecture: its model config and this machine's rates for it
    estimated_total = recorded_total = 0.0
    for record in stages:
        model = Path(record["outputs"]["model"])
        architecture = (model / "config.json").read_text()
        if architecture not in rates:
            config = config_from_qwen2(json.loads(architecture))
            rates[architecture] = config, measure_rates(config)
        model_config, rate = rates[architecture]
        world = tomllib.loads((model.parent / "config.toml").read_text())["data"]
        problems, ops, per_op = evaluated(Path(record["outputs"]["samples"]))
        if len(set(per_op.values())) > 1:  # sized as evenly spread over its ops, as a generated set is
            print(f"{record['key']}: uneven problems per op {per_op}; its estimate assumes an even spread")
        cost = estimates.estimate("eval", record["settings"], world, model_config, problems, ops)
        seconds = estimates.cpu_seconds("eval", cost, rate)
        estimated_total += seconds
        recorded_total += record["seconds"]
        print(f"{record['key']}: {problems} problems at ops {ops}, {cost.sample_flops:.3g} FLOPs; {seconds:.0f} s "
              f"estimated / {record['seconds']:.0f} s recorded = {seconds / record['seconds']:.2f}")
    ratio = estimated_total / recorded_total
    fitted = estimates.EVAL_SAMPLE_SPEEDUP * ratio
    print(f"ratio={ratio:.2f} (over {len(stages)} stages; EVAL_SAMPLE_SPEEDUP={fitted:.2f} would make it 1)")


if __name__ == "__main__":
    main()
