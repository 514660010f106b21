"""What a stage would cost on a GPU, for `interplay run --dry-run` before renting one: time on one
H100 at a stated MFU, and memory on that GPU.

    cost = Cost(train_flops=6e18, sample_flops=2e16)
    hours = h100_seconds(cost) / 3600
    gigabytes = memory("pretrain", model_config, rows=16, seq_len=2048).total / 2**30

Both are rough on purpose: a plan, not a benchmark. Time divides FLOPs by H100 SXM's dense bf16
peak at two stated utilisations: training (large matmuls) at 40%, sampling at 5% (decoding a small
model one token at a time is bound by memory traffic and kernel launches, not by FLOPs). Memory
counts what a stage holds at its peak, on one GPU: fp32 weights, gradients and optimizer state
(AdamW's two moments; Muon's single momentum needs less), bf16 activations of one micro-batch
(~34 bytes per token, layer and hidden unit, Korthikanti et al. 2022, with fused attention so no
seq^2 term), the fp32 logits of the positions with a loss, and the KV cache of a sampling batch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the model module imports torch; a plan's arithmetic does not need it
    from interplay.lm.model import ModelConfig

H100_BF16_FLOPS = 989e12  # dense bf16, SXM
TRAIN_MFU = 0.40
SAMPLE_MFU = 0.05
ACTIVATION_BYTES = 34  # per token, layer and hidden unit, bf16, no recomputation
H100_MEMORY = 80 * 2**30


@dataclass(frozen=True)
class Cost:
    """A stage's FLOPs, split by kind of work (they run at very different speeds)."""

    train_flops: float = 0.0
    sample_flops: float = 0.0

    @property
    def flops(self) -> float:
        return self.train_flops + self.sample_flops


def h100_seconds(cost: Cost) -> float:
    return cost.train_flops / (H100_BF16_FLOPS * TRAIN_MFU) + cost.sample_flops / (H100_BF16_FLOPS * SAMPLE_MFU)


def parameters(config: ModelConfig) -> int:
    """Every weight, the (tied) embedding included."""
    from interplay.train.compute import body_parameters

    return body_parameters(config) + config.vocab_size * config.hidden_size


def kv_cache_bytes(config: ModelConfig, rows: int, length: int, bytes_per_value: int = 4) -> int:
    return 2 * config.num_layers * rows * length * config.num_kv_heads * config.head_dim * bytes_per_value


@dataclass(frozen=True)
class Memory:
    """Peak bytes of a stage on one GPU: what it holds whatever the batch, and one micro-batch's share."""

    fixed: float = 0.0  # weights, gradients, optimizer state, a reference copy, a sampling KV cache
    batch: float = 0.0  # activations and logits of one micro-batch

    @property
    def total(self) -> float:
        return self.fixed + self.batch

    def splits_to_fit(self, capacity: float = H100_MEMORY) -> int:
        """Into how many micro-batches (gradient accumulation steps, or GPUs) the batch must be cut to
        fit `capacity`; 0 if even the fixed part does not fit."""
        room = capacity - self.fixed
        return 0 if room <= 0 else max(1, math.ceil(self.batch / room))


def memory(kind: str, config: ModelConfig, rows: int, seq_len: int, loss_positions: float = 1.0,
           sample_rows: int = 0, sample_length: int = 0, reference: bool = False) -> Memory:
    """Peak memory on one GPU for a stage of `kind` whose largest pass is `rows` x `seq_len` tokens
    (`loss_positions`: the share of them with a loss); RL and evaluation also hold a KV cache of
    `sample_rows` x `sample_length`, RL with a KL term a frozen reference copy of the weights."""
    weights = 4 * parameters(config)
    kv = kv_cache_bytes(config, sample_rows, sample_length)
    if kind in ("probe", "eval"):
        return Memory(fixed=weights + kv)
    training_state = 3 * weights  # gradients and AdamW's two moments, fp32
    tokens = rows * seq_len
    activations = ACTIVATION_BYTES * tokens * config.num_layers * config.hidden_size
    logits = 2 * 4 * tokens * loss_positions * config.vocab_size  # fp32 logits and their gradient
    extra = kv + weights * reference if kind == "rl" else 0
    return Memory(fixed=weights + training_state + extra, batch=activations + logits)
