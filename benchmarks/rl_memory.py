"""Resident memory of several GRPO stages in one process, as the runner runs them: as shipped (the C heap
trimmed every few steps, an update's shapes padded to buckets) against neither.

    python benchmarks/rl_memory.py                                   # a tiny base, trained here first
    python benchmarks/rl_memory.py --init runs/stages/base-*/train/final --config runs/stages/rl-*/train/config.toml

The effects need a real model: at the tiny preset they are a few MB. `--config` is an RL config such
as the one each runner stage writes (its world must be the base's); `rl.out`, `rl.seed`, `rl.steps`
and `rl.prompts_per_step` are set here. Each mode runs in a process of its own (the heap is per
process) and prints its resident memory after every stage, the peak and the mean step time. The last
line is `resident_ratio=<untreated / shipped resident MB after the last stage>`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TINY_WORLD = ["data.ops=2-3", "data.format=compact", "data.order=topological", "data.modulus=23",
              "data.n_locations=3", "data.n_items=4", "data.distractors=0-1"]
MODES = ("shipped", "untreated")


def run_mode(args) -> None:
    """One mode in this process: `args.stages` GRPO stages, a JSON line after each."""
    from interplay.config import RLRunConfig, load_config
    from interplay.memory import usage_mb
    from interplay.train import grpo

    if args.mode == "untreated":
        grpo.release_free_memory = lambda: False
        grpo.UPDATE_ROW_BUCKET = grpo.UPDATE_WIDTH_BUCKET = 1
    for stage in range(args.stages):
        out = Path(args.work) / f"{args.mode}-{stage}"
        overrides = [*args.set, f"rl.out={out}", f"rl.seed={stage}", f"rl.steps={args.steps}",
                     f"rl.prompts_per_step={args.prompts}", "rl.checkpoint_every=100000", "rl.val_every=100000"]
        config = load_config(RLRunConfig, args.config, overrides)
        grpo.train_rl(config, args.init)
        rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
        seconds = sum(r["sample_seconds"] + r["train_seconds"] for r in rows) / len(rows)
        print(json.dumps({"mode": args.mode, "stage": stage, "step_seconds": round(seconds, 2),
                          "dtype": config.rl.dtype, **usage_mb()}), flush=True)


def tiny_base(work: Path) -> str:
    out = work / "base"
    sets = [*TINY_WORLD, "model.preset=tiny", "train.seq_len=128", "train.batch_size=8", "train.tokens=20480",
            "train.dtype=fp32", f"train.out={out}"]
    subprocess.run([sys.executable, "-m", "interplay.cli", "pretrain", *[a for s in sets for a in ("--set", s)]],
                   check=True, capture_output=True)
    return str(out / "final")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--init", help="base checkpoint (default: a tiny base trained here)")
    parser.add_argument("--config", help="RL config TOML whose world is the base's (default: the tiny world)")
    parser.add_argument("--stages", type=int, default=3)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--prompts", type=int, default=8)
    parser.add_argument("--set", action="append", default=[], help="further KEY=VALUE settings, e.g. rl.dtype=bf16")
    parser.add_argument("--mode", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:
        return run_mode(args)
    if bool(args.init) != bool(args.config):
        parser.error("--init and --config go together (the config's world must be the base's)")
    from interplay.train.precision import cpu_description

    print(f"# on {cpu_description()}")
    with tempfile.TemporaryDirectory() as work:
        init = args.init or tiny_base(Path(work))
        world = [] if args.config else [f"--set={s}" for s in TINY_WORLD]
        config = ["--config", args.config] if args.config else []
        final = {}
        for mode in MODES:
            started = time.perf_counter()
            command = [sys.executable, __file__, "--mode", mode, "--work", work, "--init", init, *config, *world,
                       "--stages", str(args.stages), "--steps", str(args.steps), "--prompts", str(args.prompts),
                       *[f"--set={s}" for s in args.set]]
            result = subprocess.run(command, capture_output=True, text=True)
            if result.returncode:
                sys.exit(result.stderr[-2000:])
            for line in result.stdout.splitlines():
                row = json.loads(line)
                print(f"{mode:>9}  stage {row['stage']}  resident {row['resident']:8.1f} MB  "
                      f"peak {row['peak']:8.1f} MB  {row['step_seconds']:6.2f} s/step  ({row['dtype']})")
                final[mode] = row["resident"]
            print(f"{mode:>9}  {time.perf_counter() - started:.0f} s in all")
    print(f"resident_ratio={final['untreated'] / final['shipped']:.2f}")


if __name__ == "__main__":
    main()
