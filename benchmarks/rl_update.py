"""Seconds of a GRPO update (reference forward, policy forward and backward) with micro-batches at their own width,
rows ordered by length (as shipped), against the step's widest row for every micro-batch (TRL's and verl's
layout without remove-padding), on the same kept rollouts, measured in one run.

    python benchmarks/rl_update.py [--ops 2-6,7-9] [--steps 3] [--micro-batch-rows 64]

Rollouts are a cpu-scale step's shape: 64 problems of the cpu world x 8 completions, the gold solution as every
completion (a sampled one's length is near it), 40% of the rows kept (DAPO's filter kept 31-38% of groups in the
runs of finding 1). Weights are random: the time does not depend on them. The last line is
`ratio=<step-wide seconds / shipped seconds at the first op range>`.
"""

from __future__ import annotations

import argparse
import random
import time

import torch

from interplay.config import RLSection
from interplay.lm.model import ModelConfig, Transformer
from interplay.lm.tokenizer import build_tokenizer
from interplay.train import grpo
from interplay.train.precision import cpu_description
from interplay.world.mixture import MixtureSpec, problem_at
from interplay.world.render import prompt_text

CPU_WORLD = dict(format="compact", order="topological", solution_order="text", question_form="name", modulus=23,
                 n_locations=3, n_items=4, distractors=(1, 3))
PROMPTS, GROUP, KEPT = 64, 8, 0.4


def rollouts(tokenizer, ops: str):
    """Prompts, one completion per row (gold solution tokens) and the kept rows of a step on `ops`."""
    spec = MixtureSpec.parse(ops=ops, **CPU_WORLD)
    records = [problem_at(spec, 0, i) for i in range(PROMPTS)]
    prompts = [tokenizer.encode(prompt_text(r), add_special_tokens=False).ids for r in records]
    completions = [tokenizer.encode(r["solution"], add_special_tokens=False).ids for r in records for _ in range(GROUP)]
    keep = torch.tensor([random.Random(i).random() < KEPT for i in range(len(completions))])
    return prompts, completions, keep


def step_wide(model, reference, optimizer, prompt_ids, completions, advantages, keep, rl, device):
    """The update with every micro-batch as wide as the step's widest row."""
    rows = [i for i in range(len(completions)) if keep[i]]
    width = grpo.micro_batch_width([len(prompt_ids[i // rl.group_size]) + len(completions[i]) for i in rows])
    shipped = grpo.micro_batch_width
    grpo.micro_batch_width = lambda lengths: width
    try:
        return grpo._update(model, reference, optimizer, prompt_ids, completions, advantages, keep, rl, device)
    finally:
        grpo.micro_batch_width = shipped


def timed(update, model, reference, rollout, rl, steps: int) -> float:
    prompts, completions, keep = rollout
    advantages = torch.randn(len(completions))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-6)
    update(model, reference, optimizer, prompts, completions, advantages, keep, rl, torch.device("cpu"))  # warm-up
    start = time.perf_counter()
    for _ in range(steps):
        update(model, reference, optimizer, prompts, completions, advantages, keep, rl, torch.device("cpu"))
    return (time.perf_counter() - start) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", default="2-6,7-9", help="op ranges, one measurement each (finding 1's ID and edge)")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--micro-batch-rows", type=int, default=RLSection.micro_batch_rows)
    args = parser.parse_args()
    print(cpu_description())
    torch.manual_seed(0)
    tokenizer = build_tokenizer(max_number=22)
    model = Transformer(ModelConfig.preset("cpu", tokenizer.get_vocab_size()))
    reference = Transformer(ModelConfig.preset("cpu", tokenizer.get_vocab_size())).eval()
    rl = RLSection(group_size=GROUP, dtype="fp32", kl_loss_coef=0.001, kl_loss_type="low_var_kl",
                   micro_batch_rows=args.micro_batch_rows)
    first = None
    for ops in args.ops.split(","):
        rollout = rollouts(tokenizer, ops)
        shipped = timed(grpo._update, model, reference, rollout, rl, args.steps)
        wide = timed(step_wide, model, reference, rollout, rl, args.steps)
        rows = int(rollout[2].sum())
        print(f"ops {ops}: {rows} kept rows, micro-batches of {rl.micro_batch_rows}: shipped {shipped:.2f} s a step, "
              f"step-wide width {wide:.2f} s, ratio {wide / shipped:.2f}")
        first = first if first is not None else wide / shipped
    print(f"ratio={first:.2f}")


if __name__ == "__main__":
    main()
