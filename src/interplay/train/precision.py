"""Training precision: which dtype `auto` means on this device, and the autocast context for it.

    dtype = resolve_dtype("auto", device)          # "bf16" or "fp32", written into the run's config
    with autocast_context(dtype, device): loss = ...

Weights, gradients and optimizer state are always fp32; "bf16" runs the matmuls under bf16
autocast. On GPUs `auto` is bf16 where supported. On CPUs `auto` is fp32: at the widths that train
on a CPU (64-128) bf16 autocast costs more per token than it saves per second (results/calibration.md,
"Precision"), so the faster bf16 step is a loss in competence per CPU-second.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import torch

DTYPES = ("auto", "bf16", "fp32")


def bf16_supported(device: torch.device) -> bool:
    """Native bf16 arithmetic (CUDA with bf16, or a CPU with AVX512-BF16 or AMX); not emulation."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        try:
            flags = Path("/proc/cpuinfo").read_text()
        except OSError:
            return False
        return "avx512_bf16" in flags or "amx_bf16" in flags
    return False


def resolve_dtype(name: str, device: torch.device) -> str:
    """`auto` made concrete for `device`: "bf16" or "fp32"."""
    if name != "auto":
        return name
    return "bf16" if device.type == "cuda" and bf16_supported(device) else "fp32"


def autocast_context(dtype: str, device: torch.device):
    """bf16 autocast for "bf16" (and for "auto" where resolve_dtype picks it); else nothing."""
    if resolve_dtype(dtype, device) == "bf16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return nullcontext()
