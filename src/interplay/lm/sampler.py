"""Batched sampling with a preallocated KV cache: the hot path of evaluation and RL.

    params = SamplingParams(temperature=1.0, max_new_tokens=256)
    completions = sample(model, prompts, n=64, params=params, stop_ids={eos, end_of_answer}, seed=0)
    # completions[i * 64 + j] is sample j of prompt i: a list of new token ids, stop token included

Prompts of different lengths are left-padded into one batch; each prompt is prefilled once and its
keys and values are shared by its n samples, stored once and read once a step for all of them
(prefix_cache.py); then every row decodes one token per step. Rows that stopped are dropped from
the batch (their cache rows too) once they are half of it, so long tails do not pay for finished rows.

Randomness is drawn per completion, not per batch: at each decoding step the generator draws one
uniform number for every completion of the whole batch (`total_prompts` x n), and completion i
samples its token by inverting its distribution's CDF at number i. So a completion depends only on
the seed and its place in the batch, not on which other rows share the pass: under torchrun each
rank samples its slice of a step's prompts (`first_prompt`) and together they draw exactly what one
process would (up to float rounding of differently shaped matmuls).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from interplay.lm.model import Transformer
from interplay.lm.prefix_cache import SharedPrefixCache


@dataclass(frozen=True)
class SamplingParams:
    temperature: float = 1.0  # 0: greedy
    top_p: float = 1.0
    top_k: int = 0  # 0: no limit
    max_new_tokens: int = 256


def _filter_logits(logits: torch.Tensor, params: SamplingParams) -> torch.Tensor:
    if params.top_k and params.top_k < logits.shape[-1]:
        kth = torch.topk(logits, params.top_k, dim=-1).values[..., -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if params.top_p < 1.0:
        ordered, order = torch.sort(logits, descending=True, dim=-1)
        cumulative = torch.softmax(ordered, dim=-1).cumsum(-1)
        drop = cumulative - torch.softmax(ordered, dim=-1) > params.top_p  # keep the token that crosses p
        logits = logits.masked_fill(drop.scatter(-1, order, drop), float("-inf"))
    return logits


def _next_tokens(logits: torch.Tensor, params: SamplingParams, uniforms: torch.Tensor | None) -> torch.Tensor:
    """Greedy, or the token at each row's uniform number on its cumulative distribution."""
    if params.temperature == 0:
        return logits.argmax(-1)
    probabilities = torch.softmax(_filter_logits(logits.float() / params.temperature, params), dim=-1)
    cumulative = probabilities.cumsum(-1)
    # The first token whose cumulative probability exceeds u * total: filtered tokens (zero width) are never hit.
    points = (uniforms * cumulative[:, -1]).unsqueeze(-1)
    return torch.searchsorted(cumulative, points, right=True).squeeze(-1).clamp(max=logits.shape[-1] - 1)


def prefill(model: Transformer, prompts: list[list[int]], n: int, max_new: int,
            pad_id: int = 0) -> tuple[torch.Tensor, SharedPrefixCache]:
    """Each prompt's last logits (prompts, vocab) and a cache for n rows of each to continue it by up to max_new."""
    device = model.lm_head.weight.device
    lengths = torch.tensor([len(p) for p in prompts], device=device)
    width = int(lengths.max())
    offsets = width - lengths  # left padding of each prompt
    ids = torch.full((len(prompts), width), pad_id, dtype=torch.long, device=device)
    for row, prompt in enumerate(prompts):
        ids[row, width - len(prompt):] = torch.tensor(prompt, device=device)
    columns = torch.arange(width, device=device)
    real = columns[None, :] >= offsets[:, None]  # (prompts, width): not padding
    causal = torch.ones(width, width, dtype=torch.bool, device=device).tril()
    # Padding queries attend to themselves only, so no row of the mask is empty (that would be NaN).
    mask = (causal[None] & real[:, None, :]) | torch.eye(width, dtype=torch.bool, device=device)[None]
    positions = (columns[None, :] - offsets[:, None]).clamp(min=0)
    prompt_cache = model.new_cache(len(prompts), width)
    logits = model(ids, cache=prompt_cache, mask=mask[:, None], positions=positions)[:, -1]
    return logits, SharedPrefixCache.after_prefill(prompt_cache, real, n, max_new)


@torch.no_grad()
def sample(model: Transformer, prompts: list[list[int]], n: int, params: SamplingParams, stop_ids: set[int],
           seed: int = 0, pad_id: int = 0, first_prompt: int = 0, total_prompts: int | None = None) -> list[list[int]]:
    """n completions for each prompt (prompt-major order), each ending at a stop token or the limit.

    `prompts` may be a slice of a larger batch of `total_prompts` prompts starting at `first_prompt`:
    its completions are then those the whole batch would give its rows (see the module docstring).
    """
    total_prompts = len(prompts) if total_prompts is None else total_prompts
    if not prompts:
        return []
    if first_prompt < 0 or first_prompt + len(prompts) > total_prompts:
        raise ValueError(f"prompts {first_prompt}..{first_prompt + len(prompts)} "
                         f"are not inside a batch of {total_prompts}")
    device = model.lm_head.weight.device
    model.eval()
    generator = torch.Generator(device=device).manual_seed(seed)
    logits, cache = prefill(model, prompts, n, params.max_new_tokens, pad_id)
    expand = cache.prompt_of_row
    lengths = torch.tensor([len(p) for p in prompts], device=device)[expand]
    logits = logits[expand]
    rows = torch.arange(len(expand), device=device)  # which completion each live row is
    finished = torch.zeros(len(expand), dtype=torch.bool, device=device)
    outputs: list[list[int]] = [[] for _ in range(len(expand))]
    stop = torch.tensor(sorted(stop_ids), dtype=torch.long, device=device)
    for step in range(params.max_new_tokens):
        uniforms = (torch.rand(total_prompts * n, generator=generator, device=device)[first_prompt * n + rows]
                    if params.temperature else None)
        tokens = _next_tokens(logits, params, uniforms)
        for row, token, done in zip(rows.tolist(), tokens.tolist(), finished.tolist()):
            if not done:
                outputs[row].append(token)
        finished |= torch.isin(tokens, stop)
        if step == params.max_new_tokens - 1 or bool(finished.all()):
            break
        if 2 * int(finished.sum()) >= len(rows):  # compact: finished rows stop costing compute
            keep = (~finished).nonzero().squeeze(-1)
            cache.select_rows(keep)
            rows, tokens, lengths, finished = rows[keep], tokens[keep], lengths[keep], finished[keep]
        logits = model(tokens[:, None], cache=cache, positions=(lengths + step)[:, None])[:, -1]
    return outputs
