"""Base speedrun: tokens and CPU-minutes until a pre-training config reaches strict pass@1 >= 0.8, by op.

    python benchmarks/base_speedrun.py                                   # configs/pretrain_cpu.toml
    python benchmarks/base_speedrun.py --set train.optimizer=adamw --set train.packing=stream \\
        --set train.document_mask=false --cap 5000000 --out runs/speedrun-baseline

Trains the config (any `--set section.key=value` override) up to `--cap` tokens, measuring every
`--eval-tokens` tokens, on held-out problems each alone, the strict pass@1 at temperature 1
(`--problems` per op x `--samples`), the greedy strict accuracy and the per-token NLL of gold
solutions. Stops early once every target op is at the target. The header names the machine and
the dtype; the table has one row per evaluation; the last line is

    tokens_to_target=<op 2>,<op 3>,<op 4>      (a token count, or ">cap" where it was not reached)

Minutes are the wall time of training steps (evaluations excluded) on this machine's threads.
The cosine schedule is set for the cap, so a run stopped early has not annealed: tokens-to-target
is an upper bound for a schedule sized to it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from interplay.config import LMRunConfig, load_config
from interplay.errors import UserError
from interplay.train.lm import train_lm
from interplay.train.precision import cpu_description


def tokens_to_target(rows: list[dict], ops: list[str], target: float) -> dict[str, dict | None]:
    """For each op, the first evaluation at which strict pass@1 >= target (tokens, seconds), or None."""
    reached = {}
    for op in ops:
        first = next((r for r in rows if r.get("strict_pass1_by_op", {}).get(op, 0.0) >= target), None)
        reached[op] = None if first is None else {"tokens": first["tokens"], "seconds": first["seconds"]}
    return reached


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", default="configs/pretrain_cpu.toml")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE")
    parser.add_argument("--cap", type=int, default=0,
                        help="token cap, the schedule's length (0: the config's train.tokens)")
    parser.add_argument("--eval-tokens", type=int, default=1_000_000, help="tokens between evaluations")
    parser.add_argument("--problems", type=int, default=32, help="held-out problems per op")
    parser.add_argument("--samples", type=int, default=4, help="samples per problem at temperature 1")
    parser.add_argument("--target", type=float, default=0.8)
    parser.add_argument("--target-ops", default="2,3,4")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--out", default="runs/speedrun")
    args = parser.parse_args(argv)
    try:
        config = load_config(LMRunConfig, args.config, args.set)
        return _speedrun(config, args)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _speedrun(config: LMRunConfig, args: argparse.Namespace) -> int:
    run = config.train
    args.cap = args.cap or run.tokens
    run.out, run.tokens, run.threads = args.out, args.cap, args.threads
    run.eval_problems, run.eval_samples = args.problems, args.samples
    run.eval_every = max(1, args.eval_tokens // (run.batch_size * run.seq_len))
    run.checkpoint_every = run.eval_every
    metrics = Path(args.out) / "metrics.jsonl"
    ops = [op.strip() for op in args.target_ops.split(",")]
    print(f"# base speedrun on {cpu_description()}, {args.threads or torch.get_num_threads()} threads")
    print(f"# config {args.config} {' '.join(args.set)}; cap {args.cap:,} tokens; "
          f"{args.problems} problems x {args.samples} samples per op at T=1; "
          f"target {args.target} at ops {args.target_ops}")
    train_lm(config, stop_when=lambda row: all(row.get("strict_pass1_by_op", {}).get(op, 0.0) >= args.target
                                               for op in ops))
    rows = [json.loads(line) for line in metrics.read_text().splitlines() if "strict_pass1_by_op" in line]
    print(f"# dtype {_resolved_dtype(Path(args.out))}")
    print("tokens\tminutes\t" + "\t".join(f"pass1@op{op}" for op in rows[-1]["strict_pass1_by_op"])
          + "\t" + "\t".join(f"nll@op{op}" for op in rows[-1]["solution_nll_by_op"]))
    for row in rows:
        print(f"{row['tokens']}\t{row['seconds'] / 60:.1f}\t"
              + "\t".join(f"{v:.3f}" for v in row["strict_pass1_by_op"].values())
              + "\t" + "\t".join(f"{v:.3f}" for v in row["solution_nll_by_op"].values()))
    reached = tokens_to_target(rows, ops, args.target)
    for op, first in reached.items():
        where = ("not reached" if first is None
                 else f"{first['tokens']:,} tokens, {first['seconds'] / 60:.1f} minutes of training")
        print(f"# op {op}: {where}")
    print("tokens_to_target=" + ",".join(str(first["tokens"]) if first else f">{args.cap}"
                                         for first in reached.values()))
    return 0


def _resolved_dtype(out: Path) -> str:
    import tomllib

    return tomllib.loads((out / "config.toml").read_text())["train"]["dtype"]


if __name__ == "__main__":
    sys.exit(main())
