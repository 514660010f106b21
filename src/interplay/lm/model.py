"""A Qwen2-style decoder in one file: RMSNorm, RoPE, grouped-query attention, SwiGLU, tied embeddings.

    model = Transformer(ModelConfig.preset("cpu", vocab_size=3558))
    logits = model(input_ids)                                  # (batch, time, vocab)
    hidden = model(input_ids, return_hidden=True)              # for a loss on some positions only
    cache = model.new_cache(batch_size=64, max_len=512)
    logits = model(prompt_ids, cache=cache)                    # prefill, then one token at a time

Parameter names are those of `transformers.Qwen2ForCausalLM`, so a checkpoint is a Qwen2 checkpoint
(see hf.py); the arithmetic follows it too (float32 RMSNorm, half-rotation RoPE, q/k/v biases).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from interplay.errors import UserError

# (hidden, layers, heads, kv heads, mlp): `cpu` is the size that trains usefully on 2 cores in an
# hour; `small` (~5M non-embedding) is the benchmark's second point; `paper` is the paper's model.
PRESETS = {
    "tiny": (64, 2, 4, 2, 192),
    "cpu": (128, 6, 4, 2, 512),
    "small": (256, 6, 8, 2, 1024),
    "paper": (768, 12, 12, 2, 3072),
}


@dataclass
class ModelConfig:
    vocab_size: int
    hidden_size: int = 128
    num_layers: int = 6
    num_heads: int = 4
    num_kv_heads: int = 2
    intermediate_size: int = 512
    rope_theta: float = 1e6
    max_position_embeddings: int = 2048
    rms_norm_eps: float = 1e-6

    @classmethod
    def preset(cls, name: str, vocab_size: int, **overrides) -> "ModelConfig":
        if name not in PRESETS:
            raise UserError(f"unknown model preset '{name}' (known: {', '.join(PRESETS)})")
        hidden, layers, heads, kv_heads, mlp = PRESETS[name]
        config = cls(vocab_size, hidden, layers, heads, kv_heads, mlp)
        for key, value in overrides.items():
            setattr(config, key, value)
        config.validate()
        return config

    def validate(self) -> None:
        if self.hidden_size % self.num_heads or self.num_heads % self.num_kv_heads:
            raise UserError("hidden_size must divide by num_heads, and num_heads by num_kv_heads")
        if (self.hidden_size // self.num_heads) % 2:
            raise UserError("the head dimension must be even for RoPE")

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_heads

    def to_dict(self) -> dict:
        return asdict(self)


class RMSNorm(nn.Module):
    def __init__(self, size: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dtype = x.dtype
        x = x.float()
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x.to(dtype)


def rope_tables(config: ModelConfig, length: int, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin of shape (length, head_dim), halves repeated as in Qwen2's rotate_half."""
    inverse = 1.0 / (config.rope_theta
                     ** (torch.arange(0, config.head_dim, 2, dtype=torch.float32, device=device) / config.head_dim))
    angles = torch.outer(torch.arange(length, dtype=torch.float32, device=device), inverse)
    angles = torch.cat([angles, angles], dim=-1)
    return angles.cos(), angles.sin()


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
    return x * cos + rotated * sin


class KVCache:
    """Preallocated keys and values for every layer; `length` tokens of them are filled."""

    def __init__(self, config: ModelConfig, batch_size: int, max_len: int, device=None, dtype=torch.float32):
        shape = (batch_size, config.num_kv_heads, max_len, config.head_dim)
        self.keys = [torch.zeros(shape, device=device, dtype=dtype) for _ in range(config.num_layers)]
        self.values = [torch.zeros(shape, device=device, dtype=dtype) for _ in range(config.num_layers)]
        self.length = 0
        self.max_len = max_len

    def attend(self, layer: int, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
               mask: torch.Tensor | None) -> torch.Tensor:
        """Store the new tokens' keys and values after the cached ones; attend to all of them."""
        start, end = self.length, self.length + k.shape[2]
        self.keys[layer][:, :, start:end] = k
        self.values[layer][:, :, start:end] = v
        return _attention(q, self.keys[layer][:, :, :end], self.values[layer][:, :, :end], mask)


def _attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    if mask is None:
        return F.scaled_dot_product_attention(q, k, v, is_causal=q.shape[2] > 1, enable_gqa=True)
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=True)


class Attention(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        q_size, kv_size = config.num_heads * config.head_dim, config.num_kv_heads * config.head_dim
        self.q_proj = nn.Linear(config.hidden_size, q_size, bias=True)
        self.k_proj = nn.Linear(config.hidden_size, kv_size, bias=True)
        self.v_proj = nn.Linear(config.hidden_size, kv_size, bias=True)
        self.o_proj = nn.Linear(q_size, config.hidden_size, bias=False)

    def forward(self, x, cos, sin, cache, layer: int, mask: torch.Tensor | None) -> torch.Tensor:
        """`cache`: None, a KVCache, or any cache with the same `attend` (the sampler's SharedPrefixCache)."""
        batch, time, _ = x.shape
        c = self.config
        q = self.q_proj(x).view(batch, time, c.num_heads, c.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(batch, time, c.num_kv_heads, c.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(batch, time, c.num_kv_heads, c.head_dim).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        out = _attention(q, k, v, mask) if cache is None else cache.attend(layer, q, k, v, mask)
        return self.o_proj(out.transpose(1, 2).reshape(batch, time, -1))


class MLP(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.gate_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=False)
        self.up_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=False)
        self.down_proj = nn.Linear(config.intermediate_size, config.hidden_size, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.input_layernorm = RMSNorm(config.hidden_size, config.rms_norm_eps)
        self.self_attn = Attention(config)
        self.post_attention_layernorm = RMSNorm(config.hidden_size, config.rms_norm_eps)
        self.mlp = MLP(config)

    def forward(self, x, cos, sin, cache, layer, mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, cache, layer, mask)
        return x + self.mlp(self.post_attention_layernorm(x))


class Decoder(nn.Module):
    """The `model.` part of Qwen2ForCausalLM: embeddings, blocks, final norm."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size)
        self.layers = nn.ModuleList(Block(config) for _ in range(config.num_layers))
        self.norm = RMSNorm(config.hidden_size, config.rms_norm_eps)


class Transformer(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        config.validate()
        self.config = config
        self.model = Decoder(config)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        self.lm_head.weight = self.model.embed_tokens.weight  # tied, as in the paper's model
        self._rope_cache: tuple[torch.Tensor, torch.Tensor] | None = None
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)
            if getattr(module, "bias", None) is not None:
                nn.init.zeros_(module.bias)

    def _rope(self, start: int, length: int, device) -> tuple[torch.Tensor, torch.Tensor]:
        needed = start + length
        if self._rope_cache is None or self._rope_cache[0].shape[0] < needed or self._rope_cache[0].device != device:
            self._rope_cache = rope_tables(self.config, max(needed, 256), device)
        cos, sin = self._rope_cache
        return cos[start:needed], sin[start:needed]

    def new_cache(self, batch_size: int, max_len: int, dtype=torch.float32) -> KVCache:
        return KVCache(self.config, batch_size, max_len, self.lm_head.weight.device, dtype)

    def forward(self, input_ids: torch.Tensor, cache: KVCache | None = None, mask: torch.Tensor | None = None,
                positions: torch.Tensor | None = None, return_hidden: bool = False) -> torch.Tensor:
        """Logits (or final hidden states) for `input_ids` (batch, time).

        With a cache, the tokens continue the cached ones and the cache grows by `time`. `mask`
        (boolean, True = may attend, broadcastable to (batch, heads, time, cache length)) and
        per-row `positions` (batch, time) let a sampler batch prompts of different lengths.
        """
        start = cache.length if cache is not None else 0
        time = input_ids.shape[1]
        if positions is None:
            cos, sin = self._rope(start, time, input_ids.device)
        else:
            cos_all, sin_all = self._rope(0, int(positions.max()) + 1, input_ids.device)
            cos, sin = cos_all[positions].unsqueeze(1), sin_all[positions].unsqueeze(1)
        if mask is None and start > 0 and time > 1:  # a chunk after cached tokens: causal, offset by start
            mask = torch.ones(time, start + time, dtype=torch.bool, device=input_ids.device).tril(start)
        x = self.model.embed_tokens(input_ids)
        for layer, block in enumerate(self.model.layers):
            x = block(x, cos, sin, cache, layer, mask)
        if cache is not None:
            cache.length += time
        x = self.model.norm(x)
        return x if return_hidden else self.lm_head(x)

    def num_parameters(self, non_embedding: bool = True) -> int:
        total = sum(p.numel() for p in self.parameters())
        return total - self.model.embed_tokens.weight.numel() if non_embedding else total
