"""Seconds of a GRPO update (reference forward, policy forward and backward) with each prompt run once for its
group's rows (as shipped: `grpo.shared_prompt_logprobs`) against every row run whole, prompt + response (TRL's and
verl's layout, and ours until 2026-12-04), on the same kept rollouts and micro-batches, measured in one run.

    python benchmarks/rl_update.py [--ops 2-6,7-9] [--steps 3] [--micro-batch-rows 64] [--dtype auto]

Rollouts are a cpu-scale step's shape: 64 problems of the cpu world x 8 completions, the gold solution as every
completion (a sampled one's length is near it), 40% of the groups kept whole (DAPO's filter kept 31-38% of groups
in the runs of finding 1). The vocabulary is the cpu base's (numbers to 1000). Weights are random: the time does not
depend on them. `--dtype auto` is what an RL stage picks on this CPU. The last line is
`ratio=<rows-whole seconds / shipped seconds at the first op range>`.
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
from interplay.train.precision import cpu_description, resolve_dtype
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
    kept_groups = torch.tensor([random.Random(g).random() < KEPT for g in range(PROMPTS)])
    return prompts, completions, kept_groups.repeat_interleave(GROUP)


def rows_whole_logprobs(model, prompts, responses, owners, length, temperature=1.0):
    """`shared_prompt_logprobs`'s numbers with every row run as its own prompt + response, right-padded."""
    sequences = [prompts[owner] + response for owner, response in zip(owners, responses)]
    padded = grpo._round_up(len(sequences), grpo.UPDATE_ROW_BUCKET)
    width = grpo._round_up(max(map(len, sequences)), grpo.UPDATE_WIDTH_BUCKET)
    ids, targets = torch.zeros(padded, width, dtype=torch.long), torch.zeros(padded, length, dtype=torch.long)
    for row, (sequence, response) in enumerate(zip(sequences, responses)):
        ids[row, : len(sequence)], targets[row, : len(response)] = torch.tensor(sequence), torch.tensor(response)
    starts = torch.tensor([len(prompts[owner]) for owner in owners] + [1] * (padded - len(sequences)))
    logp, entropy = grpo.response_logprobs(model, ids, starts, targets, temperature)
    inside = torch.arange(length)[None, :] < torch.tensor([len(response) for response in responses])[:, None]
    return logp[: len(sequences)] * inside, entropy[: len(sequences)] * inside


def rows_whole(model, reference, optimizer, prompt_ids, completions, advantages, keep, rl, device):
    """The update with every row run whole."""
    shipped = grpo.shared_prompt_logprobs
    grpo.shared_prompt_logprobs = rows_whole_logprobs
    try:
        return grpo._update(model, reference, optimizer, prompt_ids, completions, advantages, keep, rl, device)
    finally:
        grpo.shared_prompt_logprobs = shipped


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
    parser.add_argument("--dtype", default="auto", help="auto (what an RL stage picks here), fp32 or bf16")
    args = parser.parse_args()
    torch.manual_seed(0)
    tokenizer = build_tokenizer()
    model = Transformer(ModelConfig.preset("cpu", tokenizer.get_vocab_size()))
    reference = Transformer(ModelConfig.preset("cpu", tokenizer.get_vocab_size())).eval()
    dtype = resolve_dtype(args.dtype, torch.device("cpu"), model.config.hidden_size)
    print(f"{cpu_description()}, {torch.get_num_threads()} threads, {dtype}")
    rl = RLSection(group_size=GROUP, dtype=dtype, kl_loss_coef=0.001, kl_loss_type="low_var_kl",
                   micro_batch_rows=args.micro_batch_rows)
    first = None
    for ops in args.ops.split(","):
        rollout = rollouts(tokenizer, ops)
        # Alternating, best of two each: a process's first measurement pays for the allocator's warm-up.
        shipped, whole = float("inf"), float("inf")
        for _ in range(2):
            shipped = min(shipped, timed(grpo._update, model, reference, rollout, rl, args.steps))
            whole = min(whole, timed(rows_whole, model, reference, rollout, rl, args.steps))
        rows = int(rollout[2].sum())
        print(f"ops {ops}: {rows} kept rows, micro-batches of {rl.micro_batch_rows}: shipped (prompts shared) "
              f"{shipped:.2f} s a step, rows whole {whole:.2f} s, ratio {whole / shipped:.2f}")
        first = first if first is not None else whole / shipped
    print(f"ratio={first:.2f}")


if __name__ == "__main__":
    main()
