"""Next-token training: pre-training and mid-training are this one loop with different configs.

    interplay pretrain --config recipes/pretrain.toml --set train.tokens=2000000
    interplay midtrain --init runs/pretrain/final --config recipes/midtrain.toml
    torchrun --nproc_per_node 2 -m interplay.cli pretrain --config recipes/pretrain.toml

Mid-training starts from a checkpoint's weights and tokenizer with a fresh optimizer and its own
schedule and mixture (e.g. `data.ops = "2-10:0.2,11-14:0.8"`: 20% replay + 80% target ops).
Run the same command again after a crash, even a SIGKILL: it resumes from the last checkpoint and,
on CPU, ends with the same weights as an uninterrupted run. SIGTERM or Ctrl-C checkpoints the step it
arrives in first (train/preemption.py), so nothing is lost.
"""

from __future__ import annotations

import math
import time
from contextlib import ExitStack, nullcontext
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

from interplay.config import LMRunConfig, to_toml
from interplay.errors import UserError
from interplay.jsonl import atomic_write_text
from interplay.lm.hf import load_pretrained
from interplay.lm.model import ModelConfig, Transformer
from interplay.lm.tokenizer import build_tokenizer, load_tokenizer
from interplay.train import dist
from interplay.train.checkpoint import finish_run, latest_checkpoint, load_checkpoint, save_checkpoint
from interplay.train.compute import training_flops
from interplay.train.metrics import MetricsLog
from interplay.train.heldout import HeldOutProblems
from interplay.train.optim import build_optimizer, set_learning_rate
from interplay.train.packing import PackedBatch, make_packer
from interplay.train.precision import autocast_context, resolve_dtype
from interplay.train.preemption import GracefulStop

HELD_OUT_SEED_OFFSET = 1_000_003  # the held-out stream: same mixture, a seed no training stream uses
TRAIN_SEED_STRIDE = 100_003  # train.seed k reads the stream data.seed + k * stride (no multiple is the held-out's)


def training_stream_seed(data_seed: int, train_seed: int) -> int:
    """The seed of the training stream. train.seed orders the data as well as the initial weights (as
    Hugging Face's `data_seed` follows `seed`): a run that starts from a checkpoint, as mid-training does, has
    no random init, so otherwise its seeds would all be one run. Seed 0 reads `data.seed`'s own stream."""
    return data_seed + TRAIN_SEED_STRIDE * train_seed


def learning_rate(step: int, total: int, config) -> float:
    """Linear warmup, then cosine from lr down to min_lr."""
    warmup = max(1, round(config.warmup * total))
    if step < warmup:
        return config.lr * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return config.min_lr + 0.5 * (config.lr - config.min_lr) * (1 + math.cos(math.pi * progress))


LOSS_ROWS_BUCKET = 256


def masked_loss_sum(model, batch: PackedBatch, document_mask: bool = False) -> torch.Tensor:
    """Sum of token cross-entropies where the loss mask is set; the output projection runs only there.

    The selected positions are padded (with position 0, left out of the sum) to a multiple of
    LOSS_ROWS_BUCKET, so the logits take one of a few sizes. With an exact count every step asked
    the allocator for a size it had never seen, and glibc's heap fragmented: a cpu-preset run grew
    ~11 MB of resident memory per second of training (5.5 GB after the 27M-token base).
    """
    attention = batch.attention_mask() if document_mask else None
    hidden = model(batch.inputs, mask=attention, return_hidden=True)
    core = getattr(model, "_orig_mod", model)  # torch.compile's wrapper, then DDP's
    core = core.module if isinstance(core, DistributedDataParallel) else core
    positions = batch.loss_mask.flatten().nonzero().squeeze(1)
    count = len(positions)
    padding = -count % LOSS_ROWS_BUCKET
    rows = torch.cat([positions, positions.new_zeros(padding)])
    logits = core.lm_head(hidden.flatten(0, 1)[rows])
    losses = F.cross_entropy(logits.float(), batch.targets.flatten()[rows], reduction="none")
    return losses[:count].sum()


@torch.no_grad()
def held_out_loss(model: Transformer, batch: PackedBatch, dtype: str, device, document_mask: bool) -> float:
    """Loss per trained token of a packed held-out batch (same layout as training)."""
    model.eval()
    batch = batch.to(device)
    with autocast_context(dtype, device):
        loss = masked_loss_sum(model, batch, document_mask)
    model.train()
    return loss.item() / max(1, int(batch.loss_mask.sum()))


def train_lm(config: LMRunConfig, init: str | None = None, stop_when=None) -> Path:
    """Run (or resume) one pre-/mid-training phase; returns the final checkpoint directory.

    `stop_when(row)`, if given, sees every evaluation's metrics row; True ends the run there
    (benchmarks/base_speedrun.py stops at its target). Single-process runs only.
    """
    run = config.train
    run.validate()
    spec = config.data.spec()
    info, device = dist.setup(run.device)
    if run.threads:
        torch.set_num_threads(run.threads)
    if run.batch_size % (run.grad_accum * info.world_size):
        raise UserError("train.batch_size must be a multiple of grad_accum x the number of processes")
    out = Path(run.out)
    tokenizer_path = out / "tokenizer.json"
    if init is not None and not (Path(init) / "tokenizer.json").exists():
        raise UserError(f"--init {init}: no tokenizer.json there (not an interplay checkpoint)")
    if init:
        tokenizer = load_tokenizer(Path(init) / "tokenizer.json")
    else:
        tokenizer = build_tokenizer(max_number=config.data.max_number(), reverse=config.data.has_reverse())
    if info.is_main:
        out.mkdir(parents=True, exist_ok=True)
        tokenizer.save(str(tokenizer_path))
    dist.barrier(info)

    torch.manual_seed(run.seed)
    packer = make_packer(run.packing, spec, training_stream_seed(config.data.seed, run.seed), tokenizer, run.seq_len,
                         run.loss_on)
    resume = latest_checkpoint(out)
    if resume is not None:
        model, state = load_checkpoint(resume, device)
    elif init is not None:
        model, state = load_pretrained(init, device), None
    else:
        model_config = ModelConfig.preset(config.model.preset, tokenizer.get_vocab_size(), **config.model.overrides())
        model, state = Transformer(model_config).to(device), None
    if model.config.vocab_size != tokenizer.get_vocab_size():
        raise UserError(f"the model's vocabulary ({model.config.vocab_size}) does not match the tokenizer's")
    run.dtype = resolve_dtype(run.dtype, device, model.config.hidden_size)
    if info.is_main:
        atomic_write_text(out / "config.toml", to_toml(config))  # with the dtype that runs, not "auto"
    optimizer = build_optimizer(model, run)
    step, tokens_seen, flops, train_seconds = 0, 0, 0.0, 0.0
    if state is not None:
        optimizer.load_state_dict(state["optimizer"])
        packer.load_state_dict(state["data"])
        torch.set_rng_state(state["rng"])
        step, tokens_seen, flops = state["step"], state["tokens"], state["flops"]
        train_seconds = state.get("seconds", 0.0)
    metrics = MetricsLog(out, run.log_to, step, to_toml(config)) if info.is_main else None
    trained = DistributedDataParallel(model) if info.enabled else model
    if run.compile:  # the same weights: checkpoints, held-out losses and sampling use the eager `model`
        trained = torch.compile(trained)

    held_out_seed = config.data.seed + HELD_OUT_SEED_OFFSET
    held_out = make_packer(run.packing, spec, held_out_seed, tokenizer, run.seq_len,
                           run.loss_on).batch(run.eval_sequences)
    problems = HeldOutProblems.build(spec, held_out_seed, tokenizer, run.eval_problems) if run.eval_problems else None
    total_steps = max(1, run.tokens // (run.batch_size * run.seq_len))
    micro = run.batch_size // run.grad_accum
    progress = _progress(info, total_steps, step)
    seconds_at_start, tokens_at_start = train_seconds, tokens_seen
    with ExitStack() as cleanup:  # also on an exception: the bar and the trackers closed
        preemption = cleanup.enter_context(GracefulStop())
        cleanup.callback(progress.close)
        if metrics is not None:
            cleanup.callback(metrics.close)
        while step < total_steps:
            step_started = time.perf_counter()
            lr = learning_rate(step, total_steps, run)
            set_learning_rate(optimizer, lr / run.lr)
            batches = [packer.batch(micro) for _ in range(run.grad_accum)]
            loss_tokens = sum(int(b.loss_mask.sum()) for b in batches)  # the whole step's, over all ranks
            total_loss = 0.0
            for number, batch in enumerate(batches):
                batch = batch.rows(slice(info.rank, None, info.world_size)).to(device)
                # Gradients are reduced over ranks once, after the step's last micro-batch.
                last = number == len(batches) - 1
                with nullcontext() if last or not info.enabled else trained.no_sync():
                    with autocast_context(run.dtype, device):
                        # DDP averages gradients over ranks; scaling by world size makes the result the
                        # gradient of the mean over every loss token of the global batch.
                        loss = masked_loss_sum(trained, batch, run.document_mask)
                        loss = loss * info.world_size / max(1, loss_tokens)
                    loss.backward()
                total_loss += loss.item() / info.world_size
            total_loss = dist.all_ranks_sum(info, total_loss)
            grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), run.grad_clip).item()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            train_seconds += time.perf_counter() - step_started  # training only: evals and checkpoints excluded
            tokens_seen += run.batch_size * run.seq_len
            flops += training_flops(model.config, run.batch_size * run.seq_len, loss_tokens, run.seq_len)
            speed = (tokens_seen - tokens_at_start) / max(train_seconds - seconds_at_start, 1e-9)
            row = None
            if info.is_main:
                progress.update(1)
                progress.set_postfix(loss=f"{total_loss:.3f}", tok_s=f"{speed:,.0f}", refresh=False)
                if step % run.log_every == 0 or step == total_steps:
                    row = {"step": step, "tokens": tokens_seen, "loss": total_loss, "lr": lr, "grad_norm": grad_norm,
                           "tokens_per_s": speed, "flops": flops}
                if step % run.eval_every == 0 or step == total_steps:
                    row = {**(row or {"step": step, "tokens": tokens_seen, "flops": flops}),
                           "held_out_loss": held_out_loss(model, held_out, run.dtype, device, run.document_mask),
                           "seconds": train_seconds}
                    if problems is not None:
                        row["solution_nll_by_op"] = problems.solution_nll(model)
                        row["greedy_strict_by_op"] = problems.greedy_strict(model)
                        if run.eval_samples:
                            row["strict_pass1_by_op"] = problems.strict_pass1(model, run.eval_samples, temperature=1.0,
                                                                              seed=step)
                    if hasattr(packer, "padding_fraction"):
                        row["padding_fraction"] = packer.padding_fraction()
                if row:
                    metrics.write(row)
            stop = stop_when is not None and row is not None and "held_out_loss" in row and stop_when(row)
            if stop_when is not None:  # rank 0 decides; every rank must stop with it
                stop = dist.all_ranks_sum(info, float(stop)) > 0
            preempted = preemption.requested(info)
            if step % run.checkpoint_every == 0 or step == total_steps or stop or preempted:
                state = {"step": step, "tokens": tokens_seen, "flops": flops, "seconds": train_seconds,
                         "optimizer": optimizer.state_dict(), "data": packer.state_dict(), "rng": torch.get_rng_state()}
                if info.is_main:
                    save_checkpoint(out, step, model, state, tokenizer_path, run.keep_checkpoints)
                dist.barrier(info)
            if stop:
                break
            if preempted and step < total_steps:  # the last step's checkpoint is the run's end anyway
                raise preemption.stopped(f"stopped at step {step} of {total_steps} with a checkpoint in {out}; "
                                         "the same command resumes")
    return finish_run(out, info)


def _progress(info: dist.DistInfo, total: int, initial: int):
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, disable=not info.is_main, unit="step", dynamic_ncols=True,
                mininterval=1.0)
