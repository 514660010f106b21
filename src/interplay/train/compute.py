"""FLOP accounting, so that recipes can give mid-training and RL the same compute budget.

Per token, a forward pass costs 2 FLOPs per weight it multiplies plus attention over the context;
training costs three forward passes' worth (forward, and twice that backward). The output
projection is counted only where it runs (with `loss_on = "solution"` it runs on loss positions
only), attention as 2 * 2 * layers * width * context (scores and weighted sum).
"""

from __future__ import annotations

from interplay.lm.model import ModelConfig


def body_parameters(config: ModelConfig) -> int:
    """Weights multiplied for every token: the blocks, without embeddings or output projection."""
    c = config
    kv = c.num_kv_heads * c.head_dim
    attention = 2 * c.hidden_size * c.hidden_size + 2 * c.hidden_size * kv + 2 * kv + c.hidden_size
    mlp = 3 * c.hidden_size * c.intermediate_size
    return c.num_layers * (attention + mlp + 2 * c.hidden_size) + c.hidden_size


def forward_flops(config: ModelConfig, tokens: int, head_tokens: int, context: float) -> float:
    """FLOPs of one forward pass over `tokens` tokens with mean attention context `context`."""
    attention = 4 * config.num_layers * config.hidden_size * context * tokens
    return 2 * body_parameters(config) * tokens + 2 * config.hidden_size * config.vocab_size * head_tokens + attention


def training_flops(config: ModelConfig, tokens: int, head_tokens: int, seq_len: int) -> float:
    """Forward and backward over packed sequences of `seq_len` (causal: mean context seq_len / 2)."""
    return 3 * forward_flops(config, tokens, head_tokens, seq_len / 2)


def sampling_flops(config: ModelConfig, new_tokens: int, mean_context: float) -> float:
    """One forward pass per sampled token, attending over the cache."""
    return forward_flops(config, new_tokens, new_tokens, mean_context)


def rl_update_passes(ppo_epochs: int, reference: bool) -> int:
    """Forward-pass equivalents of one GRPO update over a batch: a forward and backward (3) per
    epoch, a forward for the old log-probabilities when there is more than one epoch, and one
    through the reference model when there is a KL term."""
    return 3 * ppo_epochs + (ppo_epochs > 1) + reference
