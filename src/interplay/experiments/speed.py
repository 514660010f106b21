"""This machine's training and sampling speed for one model, timed on the spot for `--dry-run`.

    rates = measure_rates(model_config, "auto")   # a few seconds: 2 training steps, one sampling batch
    seconds = flops / rates.train_flops_per_s

2-core machines differ by 5x (the cpu preset trains at ~16.6k tokens/s in bf16 on a Zen 4 with
AVX512-BF16 and at ~3.1k in fp32 on an AVX2-only EPYC), so a plan times the stage's own model
and dtype here rather than quoting rates measured on another machine.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from interplay.lm.model import ModelConfig, Transformer
from interplay.lm.sampler import SamplingParams, sample
from interplay.train.compute import sampling_flops, training_flops
from interplay.train.precision import autocast_context, resolve_dtype

_TRAIN_ROWS, _SEQ_LEN = 8, 256
_SAMPLE_ROWS, _PROMPT_LEN, _NEW_TOKENS = 32, 96, 24


@dataclass(frozen=True)
class Rates:
    train_flops_per_s: float
    sample_flops_per_s: float
    dtype: str  # what training ran in ("bf16" or "fp32"); sampling for evaluation runs in fp32


def _seconds(work, repeats: int) -> float:
    work()  # warm-up: first calls allocate and pick kernels
    start = time.perf_counter()
    for _ in range(repeats):
        work()
    return (time.perf_counter() - start) / repeats


def measure_rates(config: ModelConfig, dtype: str = "auto", threads: int = 0) -> Rates:
    """FLOP/s of a training step and of sampling for `config` on this CPU (`threads` = 0: torch's default)."""
    previous_threads = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        device = torch.device("cpu")
        dtype = resolve_dtype(dtype, device, config.hidden_size)
        generator = torch.Generator().manual_seed(0)
        model = Transformer(config)
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)  # the update is small beside the passes
        batch = torch.randint(0, config.vocab_size, (_TRAIN_ROWS, _SEQ_LEN + 1), generator=generator)

        def train_step() -> None:
            with autocast_context(dtype, device):
                logits = model(batch[:, :-1])
            loss = F.cross_entropy(logits.float().flatten(0, 1), batch[:, 1:].flatten())
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)

        tokens = _TRAIN_ROWS * _SEQ_LEN
        train_rate = training_flops(config, tokens, tokens, _SEQ_LEN) / _seconds(train_step, 2)

        prompts = torch.randint(0, config.vocab_size, (_SAMPLE_ROWS, _PROMPT_LEN), generator=generator).tolist()
        params = SamplingParams(temperature=1.0, max_new_tokens=_NEW_TOKENS)
        model.eval()
        with torch.no_grad():
            seconds = _seconds(lambda: sample(model, prompts, 1, params, stop_ids=set(), seed=0), 1)
        new_tokens = _SAMPLE_ROWS * _NEW_TOKENS
        sample_rate = sampling_flops(config, new_tokens, _PROMPT_LEN + _NEW_TOKENS / 2) / seconds
        return Rates(train_rate, sample_rate, dtype)
    finally:
        torch.set_num_threads(previous_threads)
