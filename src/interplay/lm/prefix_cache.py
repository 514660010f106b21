"""A KV cache for many samples of few prompts: each prompt's keys once, each sample's own after them.

    cache = SharedPrefixCache.after_prefill(prompt_cache, prompt_mask, samples_per_prompt=64, max_new=256)
    logits = model(tokens[:, None], cache=cache, positions=...)  # one new token for every row
    cache.select_rows(alive)                                        # drop rows that finished

The n samples of a prompt share its keys and values. A plain cache copies them into each of the n
rows, and every decoding step reads every copy: at evaluation's shape (4 prompts x 64 samples,
prompts of ~250 tokens) that read was 65% of the sampler's time (torch.profiler on a 2-core Xeon).
Here a prompt's keys are stored once; a step scores all of its rows' queries against them in one
matrix product (cascade attention, as FlashInfer and vLLM call it), scores each row's own
continuation apart, and takes one softmax over both parts: the attention a plain cache computes,
up to float rounding.
"""

from __future__ import annotations

import torch


class SharedPrefixCache:
    """Prompt keys and values (prompts, kv_heads, width, dim) and each row's own (rows, kv_heads, max_new, dim).

    Rows are prompt-major (all rows of prompt 0, then of prompt 1, ...) and stay so when some are
    dropped; `length` counts the tokens each row has added after its prompt.
    """

    def __init__(self, prefix_keys: list[torch.Tensor], prefix_values: list[torch.Tensor], prefix_mask: torch.Tensor,
                 prompt_of_row: torch.Tensor, max_new: int):
        self.prefix_keys, self.prefix_values = prefix_keys, prefix_values
        self.prefix_mask = prefix_mask  # (prompts, width): True where a prompt has a token, False on its padding
        rows = len(prompt_of_row)
        _, kv_heads, _, dim = prefix_keys[0].shape
        like = prefix_keys[0]
        self.keys = [like.new_zeros(rows, kv_heads, max_new, dim) for _ in prefix_keys]
        self.values = [like.new_zeros(rows, kv_heads, max_new, dim) for _ in prefix_keys]
        self.length = 0
        self._set_rows(prompt_of_row)

    @classmethod
    def after_prefill(cls, prompt_cache, prompt_mask: torch.Tensor, samples_per_prompt: int,
                      max_new: int) -> "SharedPrefixCache":
        """The cache for `samples_per_prompt` rows of each prompt whose keys `prompt_cache` (a KVCache) holds."""
        width = prompt_cache.length
        prompts = prompt_mask.shape[0]
        prompt_of_row = torch.arange(prompts, device=prompt_mask.device).repeat_interleave(samples_per_prompt)
        return cls([k[:, :, :width] for k in prompt_cache.keys], [v[:, :, :width] for v in prompt_cache.values],
                   prompt_mask, prompt_of_row, max_new)

    def _set_rows(self, prompt_of_row: torch.Tensor) -> None:
        self.prompt_of_row = prompt_of_row
        counts = torch.bincount(prompt_of_row, minlength=self.prefix_mask.shape[0])
        first_row = counts.cumsum(0) - counts
        # Each row's place on a (prompts, slots) grid: a prompt's rows side by side, padded to the most rows any has.
        slot = torch.arange(len(prompt_of_row), device=counts.device) - first_row[prompt_of_row]
        self._grid_index = (prompt_of_row, slot)
        self._slots = int(counts.max())
        self._full = bool((counts == self._slots).all())  # every prompt has as many rows: the grid is a view
        self._hidden = ~self.prefix_mask[prompt_of_row][:, None, None, :]  # (rows, 1, 1, width)

    def select_rows(self, rows: torch.Tensor) -> None:
        """Keep these rows (indices in increasing order, so rows stay prompt-major); forget prompts left without any."""
        self.keys = [k.index_select(0, rows) for k in self.keys]
        self.values = [v.index_select(0, rows) for v in self.values]
        prompts, prompt_of_row = torch.unique(self.prompt_of_row[rows], return_inverse=True)
        self.prefix_keys = [k.index_select(0, prompts) for k in self.prefix_keys]
        self.prefix_values = [v.index_select(0, prompts) for v in self.prefix_values]
        self.prefix_mask = self.prefix_mask.index_select(0, prompts)
        self._set_rows(prompt_of_row)

    def _by_prompt(self, x: torch.Tensor) -> torch.Tensor:
        """(rows, kv_heads, group, n) -> (prompts, kv_heads, slots x group, n): each prompt's rows as one matrix."""
        rows, kv_heads, group, n = x.shape
        prompts = self.prefix_mask.shape[0]
        if self._full:
            grid = x.view(prompts, self._slots, kv_heads, group, n)
        else:
            grid = x.new_zeros(prompts, self._slots, kv_heads, group, n)
            grid[self._grid_index] = x
        return grid.transpose(1, 2).reshape(prompts, kv_heads, self._slots * group, n)

    def _by_row(self, x: torch.Tensor, group: int) -> torch.Tensor:
        """The inverse of _by_prompt."""
        prompts, kv_heads, _, n = x.shape
        grid = x.view(prompts, kv_heads, self._slots, group, n).transpose(1, 2)
        return grid.reshape(prompts * self._slots, kv_heads, group, n) if self._full else grid[self._grid_index]

    def attend(self, layer: int, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
               mask: torch.Tensor | None) -> torch.Tensor:
        """Store one new token per row; attend to its prompt and to its own tokens so far (q: rows, heads, 1, dim)."""
        rows, heads, time, dim = q.shape
        if time != 1 or mask is not None:
            raise ValueError("a SharedPrefixCache decodes one token per row, masked by the cache itself")
        end = self.length + 1
        self.keys[layer][:, :, self.length:end] = k
        self.values[layer][:, :, self.length:end] = v
        own_keys, own_values = self.keys[layer][:, :, :end], self.values[layer][:, :, :end]
        prefix_keys, prefix_values = self.prefix_keys[layer], self.prefix_values[layer]
        kv_heads, width = prefix_keys.shape[1], prefix_keys.shape[2]
        group = heads // kv_heads  # query head h reads kv head h // group, as scaled_dot_product_attention's GQA
        q = q.reshape(rows, kv_heads, group, dim) * dim ** -0.5
        prefix_scores = self._by_row(self._by_prompt(q) @ prefix_keys.transpose(-1, -2), group)
        prefix_scores.masked_fill_(self._hidden, float("-inf"))
        scores = torch.cat([prefix_scores, q @ own_keys.transpose(-1, -2)], dim=-1)
        weights = torch.softmax(scores.float(), dim=-1).to(q.dtype)
        out = weights[..., width:] @ own_values + self._by_row(self._by_prompt(weights[..., :width]) @ prefix_values,
                                                               group)
        return out.reshape(rows, heads, 1, dim)
