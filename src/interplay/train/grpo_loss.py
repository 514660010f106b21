"""The arithmetic of GRPO, with verl's names and semantics, on plain tensors.

    advantages = group_advantages(rewards, norm_by_std=True)            # (groups, samples)
    loss, stats = policy_loss(logp, old_logp, token_advantages, mask, clip_low=0.2, clip_high=0.2)
    kl = kl_penalty(logp, ref_logp, "k3")

Token tensors are (rows, response length) with a 0/1 `mask` of real response tokens.
"""

from __future__ import annotations

import torch

from interplay.config import KL_ESTIMATORS, LOSS_AGG_MODES


def group_advantages(rewards: torch.Tensor, norm_by_std: bool = True, eps: float = 1e-6) -> torch.Tensor:
    """Reward minus its group's mean, divided by the group's (unbiased) std if asked, as verl's GRPO.

    `rewards` is (groups, samples per group). A group of one sample has std 1 by convention.
    """
    centred = rewards - rewards.mean(dim=1, keepdim=True)
    if not norm_by_std:
        return centred
    std = rewards.std(dim=1, keepdim=True) if rewards.shape[1] > 1 else torch.ones_like(rewards[:, :1])
    return centred / (std + eps)


def zero_variance_groups(rewards: torch.Tensor) -> torch.Tensor:
    """Boolean (groups,): every sample of the group got the same reward (no learning signal)."""
    return (rewards == rewards[:, :1]).all(dim=1)


def aggregate(values: torch.Tensor, mask: torch.Tensor, mode: str = "token-mean",
              total_rows: int | None = None, total_tokens: int | None = None) -> torch.Tensor:
    """verl's agg_loss: how token losses of a batch become one number.

    For a micro-batch of a larger batch, pass the whole batch's row and token counts: the
    micro-batch results then add up to exactly the whole batch's value.
    """
    mask = mask.to(values.dtype)
    rows = values.shape[0] if total_rows is None else total_rows
    if mode == "token-mean":
        tokens = mask.sum().clamp(min=1) if total_tokens is None else max(total_tokens, 1)
        return (values * mask).sum() / tokens
    sequence_sums = (values * mask).sum(dim=-1)
    if mode == "seq-mean-token-sum":
        return sequence_sums.sum() / rows
    if mode == "seq-mean-token-mean":
        return (sequence_sums / mask.sum(dim=-1).clamp(min=1)).sum() / rows
    if mode == "seq-mean-token-sum-norm":  # Dr. GRPO: a constant divisor, the padded response length
        return sequence_sums.sum() / mask.shape[-1]
    raise ValueError(f"unknown loss aggregation '{mode}' (known: {', '.join(LOSS_AGG_MODES)})")


def kl_penalty(logp: torch.Tensor, ref_logp: torch.Tensor, estimator: str = "k3") -> torch.Tensor:
    """Per-token estimate of KL(policy || reference) from log-probabilities of the sampled tokens."""
    kind = KL_ESTIMATORS.get(estimator)
    log_ratio = logp - ref_logp
    if kind == "k1":
        return log_ratio
    if kind == "k2":
        return 0.5 * log_ratio.square()
    if kind == "k3":  # exp(ref - logp) - (ref - logp) - 1 >= 0, clamped as verl does
        reverse = (-log_ratio).clamp(-20, 20)
        return (reverse.exp() - reverse - 1).clamp(-10, 10)
    raise ValueError(f"unknown KL estimator '{estimator}' (known: {', '.join(KL_ESTIMATORS)})")


def policy_loss(logp: torch.Tensor, old_logp: torch.Tensor, advantages: torch.Tensor, mask: torch.Tensor,
                clip_low: float = 0.2, clip_high: float = 0.2, mode: str = "token-mean",
                total_rows: int | None = None, total_tokens: int | None = None) -> tuple[torch.Tensor, dict]:
    """The clipped surrogate -min(r A, clip(r, 1 - low, 1 + high) A), aggregated; and its clip fraction."""
    ratio = torch.exp(logp - old_logp)
    unclipped = -advantages * ratio
    clipped = -advantages * ratio.clamp(1 - clip_low, 1 + clip_high)
    losses = torch.maximum(unclipped, clipped)
    clip_fraction = aggregate((clipped > unclipped).float(), mask, "token-mean")
    return aggregate(losses, mask, mode, total_rows, total_tokens), {"clip_fraction": clip_fraction.item()}
