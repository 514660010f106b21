"""GRPO post-training: sample G completions per prompt, verify them, push towards the better ones.

    interplay rl --init runs/cpu/pretrain/final --config configs/rl_cpu.toml --set rl.reward=mixed-gated:0.2,0.8
    torchrun --nproc_per_node 2 -m interplay.cli rl --init CKPT --config FILE     # rollouts split across ranks

One step: prompts from the [data] mixture (or `rl.problems`, or the adaptive curriculum) -> rollouts
through the KV-cache sampler -> rewards from the process verifier -> group advantages -> `ppo_epochs`
clipped-surrogate updates with an optional KL term to the frozen initial model. Everything a step
draws is seeded by (seed, step), so a resumed run repeats exactly what the killed one would have done.

Under torchrun each rank samples and trains a contiguous share of the step's prompts; the step's
outcomes are gathered, so rewards, advantages, filtered groups, the curriculum and the logged
metrics are the whole step's on every rank; losses are normalised by whole-step counts and
gradients summed over ranks once per update. The run is then the one a single process would make
(tests/train/test_grpo_ddp.py: equal weights), filtered groups included, at any number of processes.
"""

from __future__ import annotations

import random
import time
from contextlib import ExitStack
from pathlib import Path

import torch
import torch.nn.functional as F

from interplay.config import RLRunConfig, to_toml
from interplay.errors import UserError
from interplay.jsonl import atomic_write_text, read_jsonl, write_jsonl
from interplay.lm.hf import load_pretrained
from interplay.lm.sampler import SamplingParams, sample
from interplay.lm.tokenizer import load_tokenizer, stop_ids
from interplay.memory import release_free_memory, usage_mb
from interplay.train import dist
from interplay.train.checkpoint import finish_run, latest_checkpoint, load_checkpoint, save_checkpoint
from interplay.train.compute import forward_flops, rl_update_passes, sampling_flops
from interplay.train.curriculum import Curriculum
from interplay.train.grpo_loss import aggregate, group_advantages, kl_penalty, policy_loss, zero_variance_groups
from interplay.train.lm import HELD_OUT_SEED_OFFSET
from interplay.train.metrics import MetricsLog
from interplay.train.precision import autocast_context, resolve_dtype
from interplay.train.preemption import GracefulStop
from interplay.verify.compare import gold_from_record, verify
from interplay.verify.rewards import get_reward
from interplay.world.mixture import MixtureSpec, problem_at
from interplay.world.render import prompt_text

# An update's rows and widths are padded to multiples of these, so that its batch shapes repeat from step
# to step. bf16 autocast on CPU runs matmuls through oneDNN, which builds and keeps a kernel for every new
# shape: with shapes that never repeat, as GRPO's are, resident memory grew ~13 MB a step without end
# (20 steps of 8 prompts x 8 at the cpu preset: bf16 +240 MB, fp32 flat; with buckets +120 MB and levelling).
UPDATE_ROW_BUCKET = 8
UPDATE_WIDTH_BUCKET = 16
# The C heap's free pages go back to the system every this many steps (see interplay.memory): often
# enough to bound what a stage holds, rarely enough that faulting them in again (~0.5 s for the 2-3 GB
# of a cpu-scale step, measured) costs little.
RELEASE_EVERY = 8


def _round_up(value: int, multiple: int) -> int:
    return -(-value // multiple) * multiple


def micro_batch_width(lengths: list[int]) -> int:
    """A micro-batch's sequence width in an update: its longest row (prompt + response), bucketed; 0 for no
    rows (a rank whose rows were all dropped still joins the step's collectives)."""
    return _round_up(max(lengths, default=0), UPDATE_WIDTH_BUCKET)


def response_logprobs(model, sequences: torch.Tensor, starts: torch.Tensor, targets: torch.Tensor,
                      temperature: float = 1.0):
    """Log-probabilities and entropies of response tokens; the output projection runs only there.

    `sequences` (rows, length) hold prompt + response, right-padded; response token j of row i sits
    at `starts[i] + j` and is predicted from position `starts[i] + j - 1`. Log-probabilities are
    those of the sampling distribution (logits / temperature), as in verl, so that the importance
    ratio compares the policy that sampled with the one being trained.
    """
    hidden = model(sequences, return_hidden=True)
    # The output projection runs on a bucketed number of positions (see UPDATE_WIDTH_BUCKET).
    steps = torch.arange(_round_up(targets.shape[1], UPDATE_WIDTH_BUCKET), device=sequences.device)
    where = (starts[:, None] - 1 + steps[None, :]).clamp(max=sequences.shape[1] - 1)
    picked = hidden.gather(1, where[..., None].expand(-1, -1, hidden.shape[-1]))
    logits = model.lm_head(picked)[:, : targets.shape[1]]
    log_probs = F.log_softmax(logits.float() / temperature, dim=-1)
    logp = log_probs.gather(-1, targets[..., None]).squeeze(-1)
    entropy = -(log_probs.exp() * log_probs).sum(-1)
    return logp, entropy


class _Prompts:
    """Which problems step s trains on: the mixture stream, a problem file, or the curriculum."""

    def __init__(self, config: RLRunConfig, spec: MixtureSpec, curriculum: Curriculum | None):
        self.spec, self.seed, self.per_step = spec, config.data.seed, config.rl.prompts_per_step
        self.curriculum = curriculum
        self.pool = read_jsonl(config.rl.problems) if config.rl.problems else None
        if self.pool is not None and not self.pool:
            raise UserError(f"{config.rl.problems}: no problems")
        if self.pool is not None:
            random.Random(config.rl.seed).shuffle(self.pool)

    def at(self, step: int) -> list[dict]:
        first = step * self.per_step
        if self.pool is not None:
            return [self.pool[(first + j) % len(self.pool)] for j in range(self.per_step)]
        if self.curriculum is not None:
            ops = self.curriculum.draw(self.per_step, random.Random(f"{self.seed}/curriculum/{step}"))
            return [problem_at(self.spec.single_op(op), self.seed, first + j) for j, op in enumerate(ops)]
        return [problem_at(self.spec, self.seed, first + j) for j in range(self.per_step)]


def _validation_set(config: RLRunConfig, spec: MixtureSpec) -> list[dict]:
    seed = config.data.seed + HELD_OUT_SEED_OFFSET
    return [problem_at(spec.single_op(op), seed, i) for op in spec.all_ops() for i in range(config.rl.val_problems_per_op)]


def train_rl(config: RLRunConfig, init: str) -> Path:
    """Run (or resume) GRPO from checkpoint `init`; returns the final checkpoint directory."""
    rl = config.rl
    rl.validate()
    info, device = dist.setup(rl.device)
    if rl.threads:
        torch.set_num_threads(rl.threads)
    if rl.prompts_per_step < info.world_size:
        raise UserError(f"rl.prompts_per_step ({rl.prompts_per_step}) must be at least the number of processes "
                        f"({info.world_size})")
    init_dir, out = Path(init), Path(rl.out)
    if not (init_dir / "tokenizer.json").exists():
        raise UserError(f"--init {init}: not an interplay checkpoint (no tokenizer.json)")
    tokenizer = load_tokenizer(init_dir / "tokenizer.json")
    tokenizer_path = out / "tokenizer.json"
    if info.is_main:
        out.mkdir(parents=True, exist_ok=True)
        tokenizer.save(str(tokenizer_path))
    dist.barrier(info)
    stop = stop_ids(tokenizer)
    reward_of = get_reward(rl.reward)
    reference = load_pretrained(init_dir, device).eval() if rl.kl_loss_coef > 0 else None
    resume = latest_checkpoint(out)
    model, state = load_checkpoint(resume, device) if resume else (load_pretrained(init_dir, device), None)
    rl.dtype = resolve_dtype(rl.dtype, device, model.config.hidden_size)
    if info.is_main:
        atomic_write_text(out / "config.toml", to_toml(config))  # with the dtype that runs, not "auto"
    optimizer = torch.optim.AdamW(model.parameters(), lr=rl.lr, weight_decay=rl.weight_decay)
    spec = config.data.spec()
    curriculum = Curriculum.for_spec(spec) if rl.curriculum else None
    step, flops = 0, 0.0
    if state is not None:
        optimizer.load_state_dict(state["optimizer"])
        step, flops = state["step"], state["flops"]
        if curriculum is not None:
            curriculum.load_state_dict(state["curriculum"])
    metrics = MetricsLog(out, rl.log_to, step, to_toml(config)) if info.is_main else None
    prompts = _Prompts(config, spec, curriculum)
    validation = _validation_set(config, spec)
    params = SamplingParams(rl.temperature, rl.top_p, 0, rl.max_new_tokens)
    from tqdm.auto import tqdm

    progress = tqdm(total=rl.steps, initial=step, disable=not info.is_main, unit="step", dynamic_ncols=True, mininterval=1.0)
    def done() -> bool:
        return step >= rl.steps or (rl.max_flops > 0 and flops >= rl.max_flops)

    with ExitStack() as cleanup:  # also on an exception: the bar and the trackers closed
        preemption = cleanup.enter_context(GracefulStop())
        cleanup.callback(progress.close)
        if metrics is not None:
            cleanup.callback(metrics.close)
        while not done():
            for group in optimizer.param_groups:
                group["lr"] = rl.lr * min(1.0, (step + 1) / max(1, rl.lr_warmup_steps))
            step_records = prompts.at(step)
            mine = dist.share(len(step_records), info)
            records = step_records[mine.start:mine.stop]
            started = time.perf_counter()
            prompt_ids = [tokenizer.encode(prompt_text(r), add_special_tokens=False).ids for r in records]
            completions = sample(model, prompt_ids, rl.group_size, params, stop,
                                 seed=(rl.seed * 1_000_003 + step) * 1024, first_prompt=mine.start,
                                 total_prompts=len(step_records))
            sampled_at = time.perf_counter()
            texts = [tokenizer.decode(c, skip_special_tokens=False) for c in completions]
            owners = [records[i // rl.group_size] for i in range(len(completions))]
            results = [verify(text, gold_from_record(record)) for text, record in zip(texts, owners)]
            # The whole step's outcomes on every rank: (reward, strict, answer, length) per completion.
            outcomes = dist.gather(info, [(reward_of(r, record, text), r.strict_correct, r.answer_correct, len(c))
                                          for r, record, text, c in zip(results, owners, texts, completions)])
            rewards = torch.tensor([o[0] for o in outcomes]).view(len(step_records), rl.group_size)
            zero_variance = zero_variance_groups(rewards)
            keep = ~zero_variance if rl.filter_groups else torch.ones_like(zero_variance)
            keep = keep.repeat_interleave(rl.group_size)
            mine_rows = slice(mine.start * rl.group_size, mine.stop * rl.group_size)
            advantages = group_advantages(rewards, rl.norm_adv_by_std_in_grpo).flatten()[mine_rows]
            row = {"step": step + 1, "reward": rewards.mean().item(),
                   "strict": sum(o[1] for o in outcomes) / len(outcomes),
                   "answer": sum(o[2] for o in outcomes) / len(outcomes),
                   "zero_variance_groups": zero_variance.float().mean().item(),
                   "response_length": sum(o[3] for o in outcomes) / len(outcomes)}
            if curriculum is not None:
                curriculum.update([r["op"] for r in step_records for _ in range(rl.group_size)],
                                  [o[1] for o in outcomes])
                row["curriculum"] = curriculum.weights()
            update_stats = _update(model, reference, optimizer, prompt_ids, completions, advantages, keep[mine_rows],
                                   rl, device, info)
            row.update(update_stats)
            if (step + 1) % RELEASE_EVERY == 0:
                release_free_memory()
            finished = time.perf_counter()
            new_tokens = sum(map(len, completions))
            context = sum(map(len, prompt_ids)) / len(prompt_ids) + rl.max_new_tokens / 2
            prompt_of_each = [p for p in prompt_ids for _ in range(rl.group_size)]
            trained_tokens = sum(len(p) + len(c) for p, c in zip(prompt_of_each, completions))
            passes = rl_update_passes(rl.ppo_epochs, reference is not None)
            flops += dist.all_ranks_sum(info, sampling_flops(model.config, new_tokens, context)
                                        + passes * forward_flops(model.config, trained_tokens, new_tokens, context))
            step += 1
            row.update({"sample_seconds": sampled_at - started, "train_seconds": finished - sampled_at,
                        "tokens_per_s": (new_tokens + trained_tokens) / (finished - started), "flops": flops,
                        "lr": optimizer.param_groups[0]["lr"], "resident_mb": usage_mb().get("resident")})
            if step % rl.val_every == 0 or done():
                row["val_strict_pass1"] = _validate(model, tokenizer, validation, rl, stop, info, out, step)
            if info.is_main:
                metrics.write(row)
                progress.update(1)
                progress.set_postfix(reward=f"{row['reward']:.3f}", strict=f"{row['strict']:.3f}", refresh=False)
            preempted = preemption.requested(info)
            if step % rl.checkpoint_every == 0 or done() or preempted:
                state = {"step": step, "flops": flops, "optimizer": optimizer.state_dict(),
                         "curriculum": curriculum.state_dict() if curriculum else None}
                if info.is_main:
                    save_checkpoint(out, step, model, state, tokenizer_path, rl.keep_checkpoints)
                dist.barrier(info)
            if preempted and not done():
                raise preemption.stopped(f"stopped at step {step} of {rl.steps} with a checkpoint in {out}; "
                                         "the same command resumes")
    return finish_run(out, info)


def _update(model, reference, optimizer, prompt_ids, completions, advantages, keep, rl, device,
            info: dist.DistInfo = dist.DistInfo()) -> dict:
    """`ppo_epochs` passes of clipped-surrogate updates (+ KL) over the kept rollouts of this rank;
    losses are normalised by the counts of the whole step (all ranks), gradients summed over ranks."""
    rows = [i for i in range(len(completions)) if keep[i] and completions[i]]
    local_tokens = sum(len(completions[i]) for i in rows)
    total_rows, total_tokens = (int(n) for n in dist.all_ranks_sums(info, [len(rows), local_tokens]))
    if not total_rows:
        return {"kl": 0.0, "entropy": 0.0, "clip_fraction": 0.0, "loss": 0.0, "updated": False}
    # Shortest rows first, so that each micro-batch runs at the width of its own longest row, not the step's
    # (the loss is a sum over rows and does not depend on their order).
    rows.sort(key=lambda i: len(prompt_ids[i // rl.group_size]) + len(completions[i]))
    prompts = [prompt_ids[i // rl.group_size] for i in rows]
    responses = [completions[i] for i in rows]
    # Rows and width padded to buckets (see UPDATE_ROW_BUCKET); padding rows have no response tokens
    # and add nothing to the loss; no micro-batch is padding only.
    padded_rows = _round_up(len(rows), min(UPDATE_ROW_BUCKET, rl.micro_batch_rows))
    lengths = [len(p) + len(c) for p, c in zip(prompts, responses)] + [1] * (padded_rows - len(rows))
    width = micro_batch_width(lengths)
    # The whole step's longest response: "seq-mean-token-sum-norm" divides by it, on every rank alike.
    length = max(dist.gather(info, [max(map(len, responses), default=0)]))
    sequences = torch.zeros(padded_rows, width, dtype=torch.long)
    targets = torch.zeros(padded_rows, length, dtype=torch.long)
    mask = torch.zeros(padded_rows, length)
    advantages = torch.cat([advantages[rows], advantages.new_zeros(padded_rows - len(rows))])
    for k, (p, c) in enumerate(zip(prompts, responses)):
        sequences[k, : len(p) + len(c)] = torch.tensor(p + c)
        targets[k, : len(c)] = torch.tensor(c)
        mask[k, : len(c)] = 1
    starts = torch.tensor([len(p) for p in prompts] + [1] * (padded_rows - len(rows)))
    token_advantages = advantages[:, None].expand(-1, length)
    sequences, targets, mask, starts, token_advantages = (t.to(device) for t in (sequences, targets, mask, starts, token_advantages))
    chunks = [slice(i, i + rl.micro_batch_rows) for i in range(0, padded_rows, rl.micro_batch_rows)]
    # Each micro-batch's sequences cut to its own width: the padding a step-wide width adds to its shorter
    # rows is forward and backward work for nothing (benchmarks/rl_update.py).
    chunk_sequences = [sequences[c, : micro_batch_width(lengths[c])] for c in chunks]
    with torch.no_grad(), autocast_context(rl.dtype, device):
        old = ([response_logprobs(model, chunk_sequences[n], starts[c], targets[c], rl.temperature)[0]
                for n, c in enumerate(chunks)] if rl.ppo_epochs > 1 else None)
        ref = ([response_logprobs(reference, chunk_sequences[n], starts[c], targets[c], rl.temperature)[0]
                for n, c in enumerate(chunks)] if reference is not None else None)
    stats = {"kl": 0.0, "entropy": 0.0, "clip_fraction": 0.0, "loss": 0.0}
    for epoch in range(rl.ppo_epochs):
        for n, c in enumerate(chunks):
            with autocast_context(rl.dtype, device):
                logp, entropy = response_logprobs(model, chunk_sequences[n], starts[c], targets[c], rl.temperature)
            old_logp = old[n] if old is not None else logp.detach()
            loss, clip = policy_loss(logp, old_logp, token_advantages[c], mask[c], rl.clip_ratio_low, rl.clip_ratio_high,
                                     rl.loss_agg_mode, total_rows, total_tokens)
            if ref is not None:
                kl = kl_penalty(logp, ref[n], rl.kl_loss_type)
                loss = loss + rl.kl_loss_coef * aggregate(kl, mask[c], rl.loss_agg_mode, total_rows, total_tokens)
                if epoch == 0:
                    stats["kl"] += aggregate(kl.detach(), mask[c], "token-mean", total_tokens=total_tokens).item()
            loss.backward()
            if epoch == 0:
                stats["loss"] += loss.item()
                stats["entropy"] += aggregate(entropy.detach(), mask[c], "token-mean", total_tokens=total_tokens).item()
            stats["clip_fraction"] += clip["clip_fraction"] * int(mask[c].sum()) / total_tokens / rl.ppo_epochs
        dist.sum_gradients(model, info)
        torch.nn.utils.clip_grad_norm_(model.parameters(), rl.grad_clip)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    return {**dict(zip(stats, dist.all_ranks_sums(info, list(stats.values())))), "updated": True}


def _validate(model, tokenizer, problems, rl, stop, info: dist.DistInfo, out: Path, step: int) -> dict:
    """Strict pass@1 by op on the fixed validation set (mean over `val_samples` samples each), each
    rank sampling its share; rank 0 keeps the first sample of the first 8 problems in `out`/samples."""
    params = SamplingParams(rl.temperature, rl.top_p, 0, rl.max_new_tokens)
    mine = dist.share(len(problems), info)
    ids = [tokenizer.encode(prompt_text(r), add_special_tokens=False).ids for r in problems[mine.start:mine.stop]]
    completions = sample(model, ids, rl.val_samples, params, stop, seed=rl.seed + step, first_prompt=mine.start,
                         total_prompts=len(problems))
    verdicts = []  # (op, strict, the saved sample or None)
    for i, completion in enumerate(completions):
        index = mine.start + i // rl.val_samples
        record = problems[index]
        text = tokenizer.decode(completion, skip_special_tokens=False)
        result = verify(text, gold_from_record(record))
        saved = None
        if i % rl.val_samples == 0 and index < 8:
            saved = {"op": record["op"], "completion": text, "gold": record["solution"],
                     **{k: v for k, v in result.to_dict().items() if k != "nodes"}}
        verdicts.append((str(record["op"]), result.strict_correct, saved))
    verdicts = dist.gather(info, verdicts)
    if info.is_main:
        write_jsonl(out / "samples" / f"step_{step:06d}.jsonl", [v[2] for v in verdicts if v[2] is not None])
    by_op: dict[str, list[bool]] = {}
    for op, strict, _ in verdicts:
        by_op.setdefault(op, []).append(strict)
    return {op: sum(v) / len(v) for op, v in by_op.items()}
