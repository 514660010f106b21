"""The base's trainer with `train.compile = true` against eager, the real command in both: tokens/s after
compilation, and what compiling costs up front.

    python benchmarks/compile_speed.py [--config configs/pretrain_cpu.toml] [--steps 60] [--rounds 2]

Each mode runs `interplay pretrain` in a process of its own on the config (the cpu base: documents
with a mask, Muon, dtype auto), `--steps` steps, no evaluation or checkpoint on the way; rounds
alternate eager and compiled, since a 2-core machine's speed drifts. Steady tokens/s is from the
steps after the first log row (compilation and warm-up before it), and the compile cost is the
first row's extra seconds over the steady rate. The last line is `ratio=<compiled / eager steady
tokens/s, best round of each>`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from interplay.config import LMRunConfig, load_config
from interplay.train.precision import cpu_description


def seconds_at(row: dict) -> float:
    """Training seconds to a log row: its tokens over its running mean speed (both from step 0)."""
    return row["tokens"] / row["tokens_per_s"]


def run(config: Path, steps: int, compiled: bool, work: Path) -> tuple[float, float, str]:
    """(steady tokens/s, seconds the first 10 steps took beyond the steady rate, dtype) of one run."""
    out = work / ("compiled" if compiled else "eager")
    overrides = {"train.out": out, "train.tokens": steps * 16 * 512, "train.batch_size": 16, "train.seq_len": 512,
                 "train.log_every": 10, "train.eval_every": 10 * steps, "train.checkpoint_every": 10 * steps,
                 "train.eval_problems": 0, "train.compile": str(compiled).lower()}
    command = [sys.executable, "-m", "interplay.cli", "pretrain", "--config", str(config)]
    for key, value in overrides.items():
        command += ["--set", f"{key}={value}"]
    subprocess.run(command, check=True, capture_output=True, text=True)
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines() if '"tokens_per_s"' in line]
    first, last = rows[0], rows[-1]
    steady = (last["tokens"] - first["tokens"]) / (seconds_at(last) - seconds_at(first))
    dtype = load_config(LMRunConfig, out / "config.toml").train.dtype  # what `auto` resolved to
    return steady, seconds_at(first) - first["tokens"] / steady, dtype


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=Path("configs/pretrain_cpu.toml"))
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    best = {False: 0.0, True: 0.0}
    with tempfile.TemporaryDirectory() as work:
        for round_ in range(args.rounds):
            for compiled in (False, True):
                rate, startup, dtype = run(args.config, args.steps, compiled, Path(work) / str(round_))
                best[compiled] = max(best[compiled], rate)
                print(f"round {round_ + 1} {'compiled' if compiled else 'eager':>8} ({dtype}): {rate:7.0f} tokens/s "
                      f"after the first 10 steps; those took {startup:5.1f} s beyond that rate", flush=True)
    print(f"on {cpu_description()}: {args.config}, {args.steps} steps of 16 x 512 per run")
    print(f"ratio={best[True] / best[False]:.2f}")


if __name__ == "__main__":
    main()
