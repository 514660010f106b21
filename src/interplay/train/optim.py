"""Optimizers for next-token training: AdamW, or Muon on the hidden matrices with AdamW on the rest.

    optimizer = build_optimizer(model, config.train)        # train.optimizer = "adamw" | "muon"
    set_learning_rate(optimizer, lr_now / config.train.lr)  # the schedule scales every group alike

Muon (Keller Jordan's; `torch.optim.Muon`) orthogonalises the momentum of each 2-D hidden matrix
(attention and MLP projections) by a Newton-Schulz iteration; embeddings (tied to the output
layer), norms and biases stay on AdamW, as Muon's authors prescribe. With `adjust_lr_fn =
"match_rms_adamw"` the update has AdamW's RMS, so both share one learning rate and schedule.

torch runs the iteration in bf16. On a CPU without native bf16 that is emulated and costs ~1.8 s
a step at the cpu preset (measured on an AVX2-only EPYC), while fp32 costs nearly nothing at
these widths; `train.muon_ns_dtype` chooses, and "auto" takes bf16 only in a run whose (resolved)
dtype is bf16 on hardware that has it, so an fp32 run is fp32 throughout (DDP and resume stay exact).
"""

from __future__ import annotations

import torch
from torch import nn

from interplay.errors import UserError
from interplay.train.precision import bf16_supported


def newton_schulz(matrix: torch.Tensor, steps: int, coefficients: tuple[float, float, float], eps: float,
                  dtype: torch.dtype) -> torch.Tensor:
    """The quintic Newton-Schulz iteration of torch.optim.Muon, computed in `dtype`."""
    a, b, c = coefficients
    x = matrix.to(dtype)
    tall = matrix.size(0) > matrix.size(1)
    if tall:
        x = x.T
    x = x / x.norm().clamp(min=eps)  # spectral norm at most 1
    for _ in range(steps):
        gram = x @ x.T
        x = torch.addmm(x, torch.addmm(gram, gram, gram, beta=b, alpha=c), x, beta=a)
    return x.T if tall else x


def adjusted_lr(lr: float, adjust_lr_fn: str | None, shape: torch.Size) -> float:
    rows, columns = shape[:2]
    if adjust_lr_fn == "match_rms_adamw":
        return lr * 0.2 * max(rows, columns) ** 0.5
    return lr * max(1.0, rows / columns) ** 0.5


class Muon(torch.optim.Muon):
    """torch.optim.Muon with the Newton-Schulz iteration in a dtype of our choosing (same update otherwise)."""

    def __init__(self, params, ns_dtype: torch.dtype = torch.bfloat16, **options):
        super().__init__(params, **options)
        self.ns_dtype = ns_dtype

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, momentum = group["lr"], group["momentum"]
            for param in group["params"]:
                if param.grad is None:
                    continue
                state = self.state[param]
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = torch.zeros_like(param.grad, memory_format=torch.preserve_format)
                buffer = state["momentum_buffer"]
                buffer.lerp_(param.grad, 1 - momentum)
                update = param.grad.lerp(buffer, momentum) if group["nesterov"] else buffer
                update = newton_schulz(update, group["ns_steps"], group["ns_coefficients"], group["eps"], self.ns_dtype)
                param.mul_(1 - lr * group["weight_decay"])
                param.add_(update.to(param.dtype), alpha=-adjusted_lr(lr, group["adjust_lr_fn"], param.shape))
        return loss


class Optimizers:
    """Several optimizers stepped as one (Muon + AdamW), with one state dict."""

    def __init__(self, *optimizers: torch.optim.Optimizer):
        self.optimizers = optimizers

    @property
    def param_groups(self) -> list[dict]:
        return [group for optimizer in self.optimizers for group in optimizer.param_groups]

    def step(self) -> None:
        for optimizer in self.optimizers:
            optimizer.step()

    def zero_grad(self, set_to_none: bool = True) -> None:
        for optimizer in self.optimizers:
            optimizer.zero_grad(set_to_none=set_to_none)

    def state_dict(self) -> dict:
        return {"optimizers": [optimizer.state_dict() for optimizer in self.optimizers]}

    def load_state_dict(self, state: dict) -> None:
        saved = state.get("optimizers", [state])  # checkpoints before Muon held one AdamW state
        if len(saved) != len(self.optimizers):
            raise UserError("the checkpoint was trained with another train.optimizer; resume with the one it used")
        for optimizer, one in zip(self.optimizers, saved):
            optimizer.load_state_dict(one)


def hidden_matrices(model: nn.Module) -> list[nn.Parameter]:
    """The 2-D weights inside the transformer blocks: what Muon is for."""
    return [p for name, p in model.named_parameters() if p.dim() == 2 and ".layers." in f".{name}"]


def build_optimizer(model: nn.Module, config) -> Optimizers:
    """The optimizer `config.optimizer` names, every group tagged with its peak learning rate."""
    parameters = list(model.parameters())
    muon_params = hidden_matrices(model) if config.optimizer == "muon" else []
    in_muon = {id(p) for p in muon_params}
    decay = [p for p in parameters if p.dim() >= 2 and id(p) not in in_muon]
    no_decay = [p for p in parameters if p.dim() < 2]
    adamw = torch.optim.AdamW([{"params": decay, "weight_decay": config.weight_decay},
                               {"params": no_decay, "weight_decay": 0.0}],
                              lr=config.lr, betas=(config.beta1, config.beta2), fused=False)
    optimizers = [adamw]
    if muon_params:
        # "auto": bf16 only in a bf16 run on bf16 hardware; an fp32 run stays fp32 throughout.
        native = bf16_supported(next(model.parameters()).device)
        ns_bf16 = config.muon_ns_dtype == "bf16" or (config.muon_ns_dtype == "auto" and config.dtype == "bf16"
                                                     and native)
        ns_dtype = torch.bfloat16 if ns_bf16 else torch.float32
        optimizers.insert(0, Muon(muon_params, ns_dtype=ns_dtype, lr=config.lr, weight_decay=config.weight_decay,
                                  momentum=config.muon_momentum, adjust_lr_fn="match_rms_adamw"))
    combined = Optimizers(*optimizers)
    for group in combined.param_groups:
        group["peak_lr"] = group["lr"]
    return combined


def set_learning_rate(optimizer: Optimizers, scale: float) -> None:
    """Every group at `scale` times its peak learning rate (the schedule's value over train.lr)."""
    for group in optimizer.param_groups:
        group["lr"] = group["peak_lr"] * scale
