"""`--dry-run`'s GRPO estimate against what finished RL stages took: the seconds experiments/estimates.py
predicts at this machine's timed rates beside the sampling and update seconds each stage logged.

    python benchmarks/rl_estimate.py --cache runs/stages

For every rl stage in the cache (its train/config.toml, train/metrics.jsonl and final model): the FLOPs
of the steps it logged, at the rates experiments/speed.py times here for its model and dtype, with the
sampling speedup and the share of groups DAPO's filter keeps that estimates.py assumes, against the seconds
logged; also the share of groups its updates really kept and, for a stage with a FLOP budget (rl.max_flops), the
steps the budget buys by the estimate against the steps it ran. A ratio of 1 is an exact estimate. Run it
on the machine the stages ran on, with nothing else running (each stage's CPU is printed). The last
line is `sample_ratio=<estimate / logged> update_ratio=<estimate / logged>` over all stages.
"""

from __future__ import annotations

import argparse
import json
import tomllib
from pathlib import Path

from interplay.experiments import estimates
from interplay.experiments.gpu import Cost
from interplay.experiments.runner import machine
from interplay.experiments.speed import measure_rates
from interplay.experiments.stages import rl_config
from interplay.lm.hf import config_from_qwen2


def logged(train: Path) -> tuple[float, float, int, float]:
    """(sampling seconds, update seconds, steps, share of groups kept for the update) of one stage."""
    rows = [json.loads(line) for line in (train / "metrics.jsonl").read_text().splitlines()]
    kept = 1 - sum(r["zero_variance_groups"] for r in rows) / len(rows)
    return sum(r["sample_seconds"] for r in rows), sum(r["train_seconds"] for r in rows), len(rows), kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, required=True, help="a runner's cache (--cache of interplay run)")
    args = parser.parse_args()
    stages = sorted(p.parent.parent for p in args.cache.glob("rl-*/train/metrics.jsonl")
                    if (p.parent / "final" / "config.json").is_file())
    if not stages:
        raise SystemExit(f"no finished rl stage in {args.cache}")
    print(f"this machine: {machine()}; estimates.py: RL_SAMPLE_SPEEDUP={estimates.RL_SAMPLE_SPEEDUP}, "
          f"FILTERED_GROUPS_KEPT={estimates.FILTERED_GROUPS_KEPT}")
    rates = {}
    totals = {"sample": [0.0, 0.0], "update": [0.0, 0.0]}  # [estimated seconds, logged seconds]
    for stage in stages:
        config = tomllib.loads((stage / "train" / "config.toml").read_text())
        settings = {f"rl.{k}": v for k, v in config["rl"].items() if k not in ("out", "log_to", "problems")}
        architecture = (stage / "train" / "final" / "config.json").read_text()
        model_config = config_from_qwen2(json.loads(architecture))
        key = (architecture, config["rl"]["dtype"])
        if key not in rates:
            rates[key] = measure_rates(model_config, config["rl"]["dtype"])
        rate = rates[key]
        sample_s, update_s, steps, kept = logged(stage / "train")
        if settings.get("rl.max_flops"):  # the steps its FLOP budget buys by estimates.py, against the steps it ran
            run = rl_config(settings, config["data"], Path("."))
            budgeted = estimates.rl_steps(run.rl, estimates.rl_step(run, model_config))
            print(f"{stage.name}: its budget of {run.rl.max_flops:.3g} FLOPs buys {budgeted} steps by the estimate; "
                  f"it ran {steps}")
        settings.pop("rl.max_flops", None)
        # the seconds of the steps it logged (a stopped or budgeted stage ran fewer than its rl.steps)
        cost = estimates.estimate("rl", {**settings, "rl.steps": steps}, config["data"], model_config, 0)
        estimated = (estimates.cpu_seconds("rl", Cost(sample_flops=cost.sample_flops), rate),
                     estimates.cpu_seconds("rl", Cost(train_flops=cost.train_flops), rate))
        for name, estimate, seconds in (("sample", estimated[0], sample_s), ("update", estimated[1], update_s)):
            totals[name][0] += estimate
            totals[name][1] += seconds
        record = stage / "stage.json"
        ran_on = json.loads(record.read_text()).get("machine", "?") if record.is_file() else "?"
        print(f"{stage.name}: {steps} steps, {rate.dtype}; sampling {estimated[0]:.0f} s estimated / {sample_s:.0f} s "
              f"logged = {estimated[0] / sample_s:.2f}; updates {estimated[1]:.0f} / {update_s:.0f} s = "
              f"{estimated[1] / update_s:.2f}, on {kept:.0%} of groups (ran on {ran_on})")
    ratios = {name: estimate / seconds for name, (estimate, seconds) in totals.items()}
    print(f"sample_ratio={ratios['sample']:.2f} update_ratio={ratios['update']:.2f}")


if __name__ == "__main__":
    main()
