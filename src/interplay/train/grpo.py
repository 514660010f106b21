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


def response_logprobs(model, sequences: torch.Tensor, starts: torch.Tensor, targets: torch.Tensor,
                      temperature: float = 1.0):
    """Log-probabilities and entropies of response tokens, each row run whole; the output projection runs only there.
    The update gets these numbers from `shared_prompt_logprobs`, which runs each prompt once for its group.

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


def shared_prompt_logprobs(model, prompts: list[list[int]], responses: list[list[int]], owners: list[int],
                           length: int, temperature: float = 1.0):
    """`response_logprobs` of each row `prompts[owners[r]] + responses[r]`, each prompt run once for all its rows.

    The prompts run left-padded in one pass (as the sampler's prefill does), so every prompt ends at the last
    column, where its first response token is predicted; each row then runs its response alone on its prompt's
    keys and values, which carry the gradient back into the prompt's pass. The numbers are those of each row run
    whole (tests/train/test_grpo.py); the work is not: at cpu scale a prompt is ~60% of a row and a group of 8
    rows shares one (benchmarks/rl_update.py). Rows and prompts are padded to UPDATE_ROW_BUCKET, widths to
    UPDATE_WIDTH_BUCKET, so shapes repeat. Returns (rows, `length`) log-probabilities and entropies, 0 past a response.
    """
    device = model.lm_head.weight.device
    rows, n_prompts = len(responses), len(prompts)
    padded_prompts = _round_up(n_prompts, UPDATE_ROW_BUCKET)
    padded_rows = _round_up(rows, UPDATE_ROW_BUCKET)
    prompt_width = _round_up(max(map(len, prompts)), UPDATE_WIDTH_BUCKET)
    response_width = _round_up(max(max(map(len, responses)), 1), UPDATE_WIDTH_BUCKET)
    prompt_lengths = torch.ones(padded_prompts, dtype=torch.long)  # a padding prompt is one token
    ids = torch.zeros(padded_prompts, prompt_width, dtype=torch.long)
    for i, prompt in enumerate(prompts):
        prompt_lengths[i] = len(prompt)
        ids[i, prompt_width - len(prompt):] = torch.tensor(prompt)
    columns = torch.arange(prompt_width)
    real = columns[None, :] >= (prompt_width - prompt_lengths)[:, None]
    causal = torch.ones(prompt_width, prompt_width, dtype=torch.bool).tril()
    # A padding query attends to itself only, so that no row of the mask is empty (that would be NaN).
    mask = (causal[None] & real[:, None, :]) | torch.eye(prompt_width, dtype=torch.bool)[None]
    positions = (columns[None, :] - (prompt_width - prompt_lengths)[:, None]).clamp(min=0)
    cache = model.new_cache(padded_prompts, prompt_width + response_width)
    prompt_hidden = model(ids.to(device), cache=cache, mask=mask[:, None].to(device), positions=positions.to(device),
                          return_hidden=True)

    owner = torch.tensor(list(owners) + [0] * (padded_rows - rows), dtype=torch.long)  # padding rows: empty
    cache.keys = [k.index_select(0, owner.to(device)) for k in cache.keys]
    cache.values = [v.index_select(0, owner.to(device)) for v in cache.values]
    tokens = torch.zeros(padded_rows, response_width, dtype=torch.long)
    for r, response in enumerate(responses):
        tokens[r, : len(response)] = torch.tensor(response)
    response_causal = torch.ones(response_width, response_width, dtype=torch.bool).tril()
    visible = torch.cat([real[owner][:, None, :].expand(-1, response_width, -1),
                         response_causal[None].expand(padded_rows, -1, -1)], dim=2)
    response_positions = prompt_lengths[owner][:, None] + torch.arange(response_width)[None, :]
    response_hidden = model(tokens.to(device), cache=cache, mask=visible[:, None].to(device),
                            positions=response_positions.to(device), return_hidden=True)
    # Response token j is predicted from the position before it: the prompt's last for j = 0.
    picked = torch.cat([prompt_hidden[owner.to(device), -1:], response_hidden[:, : response_width - 1]], dim=1)
    scored = min(length, response_width)
    logits = model.lm_head(picked)[:rows, :scored]  # the projection at the bucketed shape, as every matmul here
    log_probs = F.log_softmax(logits.float() / temperature, dim=-1)
    logp = log_probs.gather(-1, tokens[:rows, :scored, None].to(device)).squeeze(-1)
    entropy = -(log_probs.exp() * log_probs).sum(-1)
    # Zero past each response (its padding was scored too) and as wide as `length`.
    inside = (torch.arange(scored)[None, :] < torch.tensor([len(r) for r in responses])[:, None]).to(device)
    return F.pad(logp * inside, (0, length - scored)), F.pad(entropy * inside, (0, length - scored))


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
    return [problem_at(spec.single_op(op), seed, i)
            for op in spec.all_ops() for i in range(config.rl.val_problems_per_op)]


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

    # A budget in FLOPs ends a fixed-budget stage (rl.steps is then only a cap far off): its bar counts the budget.
    budget = rl.max_flops > 0
    progress = tqdm(total=rl.max_flops if budget else rl.steps, initial=flops if budget else step,
                    unit="FLOP" if budget else "step", unit_scale=budget, disable=not info.is_main,
                    dynamic_ncols=True, mininterval=1.0)
    def done() -> bool:
        return step >= rl.steps or (budget and flops >= rl.max_flops)

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
            # Counted as each row run whole (verl's layout), not as the shared prompts' smaller work: a budget in
            # FLOPs (finding 3's rl.max_flops) buys the same RL steps whichever layout runs them.
            trained_tokens = sum(len(p) + len(c) for p, c in zip(prompt_of_each, completions))
            passes = rl_update_passes(rl.ppo_epochs, reference is not None)
            step_flops = dist.all_ranks_sum(info, sampling_flops(model.config, new_tokens, context)
                                            + passes * forward_flops(model.config, trained_tokens, new_tokens, context))
            flops += step_flops
            step += 1
            row.update({"sample_seconds": sampled_at - started, "train_seconds": finished - sampled_at,
                        "tokens_per_s": (new_tokens + trained_tokens) / (finished - started), "flops": flops,
                        "lr": optimizer.param_groups[0]["lr"], "resident_mb": usage_mb().get("resident")})
            if step % rl.val_every == 0 or done():
                row["val_strict_pass1"] = _validate(model, tokenizer, validation, rl, stop, info, out, step)
            if info.is_main:
                metrics.write(row)
                progress.update(step_flops if budget else 1)
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


def micro_batches(rows: list[int], prompt_ids: list[list[int]], completions: list[list[int]], group_size: int,
                  size: int) -> list[list[int]]:
    """The kept `rows` cut into micro-batches of at most `size` rows, a group's rows together where they fit (they
    share their prompt's forward pass), groups ordered by their longest row so that each micro-batch runs at its own
    width, not the step's (the loss is a sum over rows and does not depend on their order)."""
    groups: dict[int, list[int]] = {}
    for row in rows:
        groups.setdefault(row // group_size, []).append(row)
    pieces = [members[i:i + size] for members in groups.values() for i in range(0, len(members), size)]
    pieces.sort(key=lambda piece: (max(len(completions[r]) for r in piece), len(prompt_ids[piece[0] // group_size])))
    batches: list[list[int]] = []
    for piece in pieces:
        if batches and len(batches[-1]) + len(piece) <= size:
            batches[-1] += piece
        else:
            batches.append(list(piece))
    return batches


class _MicroBatch:
    """One micro-batch of an update: its prompts, each row's response and prompt, and its loss inputs."""

    def __init__(self, rows: list[int], prompt_ids, completions, advantages: torch.Tensor, group_size: int,
                 length: int, device):
        groups = list(dict.fromkeys(row // group_size for row in rows))
        self.prompts = [prompt_ids[g] for g in groups]
        self.owners = [groups.index(row // group_size) for row in rows]
        self.responses = [completions[row] for row in rows]
        self.mask = torch.zeros(len(rows), length)
        for k, response in enumerate(self.responses):
            self.mask[k, : len(response)] = 1
        self.mask = self.mask.to(device)
        self.advantages = advantages[rows][:, None].expand(-1, length).to(device)


def _update(model, reference, optimizer, prompt_ids, completions, advantages, keep, rl, device,
            info: dist.DistInfo = dist.DistInfo()) -> dict:
    """`ppo_epochs` passes of clipped-surrogate updates (+ KL) over the kept rollouts of this rank;
    losses are normalised by the counts of the whole step (all ranks), gradients summed over ranks."""
    rows = [i for i in range(len(completions)) if keep[i] and completions[i]]
    local_tokens = sum(len(completions[i]) for i in rows)
    total_rows, total_tokens = (int(n) for n in dist.all_ranks_sums(info, [len(rows), local_tokens]))
    if not total_rows:
        return {"kl": 0.0, "entropy": 0.0, "clip_fraction": 0.0, "loss": 0.0, "updated": False}
    # The whole step's longest response: "seq-mean-token-sum-norm" divides by it, on every rank alike.
    length = max(dist.gather(info, [max((len(completions[i]) for i in rows), default=0)]))
    batches = [_MicroBatch(members, prompt_ids, completions, advantages, rl.group_size, length, device)
               for members in micro_batches(rows, prompt_ids, completions, rl.group_size, rl.micro_batch_rows)]

    def logprobs(policy, batch: _MicroBatch):
        return shared_prompt_logprobs(policy, batch.prompts, batch.responses, batch.owners, length, rl.temperature)

    with torch.no_grad(), autocast_context(rl.dtype, device):
        old = [logprobs(model, batch)[0] for batch in batches] if rl.ppo_epochs > 1 else None
        ref = [logprobs(reference, batch)[0] for batch in batches] if reference is not None else None
    stats = {"kl": 0.0, "entropy": 0.0, "clip_fraction": 0.0, "loss": 0.0}
    for epoch in range(rl.ppo_epochs):
        for n, batch in enumerate(batches):
            with autocast_context(rl.dtype, device):
                logp, entropy = logprobs(model, batch)
            old_logp = old[n] if old is not None else logp.detach()
            loss, clip = policy_loss(logp, old_logp, batch.advantages, batch.mask, rl.clip_ratio_low,
                                     rl.clip_ratio_high, rl.loss_agg_mode, total_rows, total_tokens)
            if ref is not None:
                kl = kl_penalty(logp, ref[n], rl.kl_loss_type)
                loss = loss + rl.kl_loss_coef * aggregate(kl, batch.mask, rl.loss_agg_mode, total_rows, total_tokens)
                if epoch == 0:
                    stats["kl"] += aggregate(kl.detach(), batch.mask, "token-mean", total_tokens=total_tokens).item()
            loss.backward()
            if epoch == 0:
                stats["loss"] += loss.item()
                mean_entropy = aggregate(entropy.detach(), batch.mask, "token-mean", total_tokens=total_tokens)
                stats["entropy"] += mean_entropy.item()
            stats["clip_fraction"] += clip["clip_fraction"] * int(batch.mask.sum()) / total_tokens / rl.ppo_epochs
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
