"""Training precision: which dtype `auto` means on this device, and the autocast context for it.

    dtype = resolve_dtype("auto", device, width=128)   # "bf16" or "fp32", written into the run's config
    with autocast_context(dtype, device): loss = ...

Weights, gradients and optimizer state are always fp32; "bf16" runs the matmuls under bf16
autocast. `auto` is bf16 where the device computes bf16 natively (a GPU with bf16, a CPU with
AVX512-BF16 or AMX) and the model is at least BF16_MIN_WIDTH wide, else fp32. Measured
(results/calibration.md, "Precision"): at width 128 bf16 autocast learned as much per token as fp32
and ran 1.2-1.3x faster on a CPU with AMX; at width 64 it cut op-3 strict pass@1 by half at equal
tokens, more than its speed buys back; without native bf16 it is emulated and slow.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import torch

DTYPES = ("auto", "bf16", "fp32")
BF16_MIN_WIDTH = 128  # narrower models lose more per token in bf16 than its speed returns (measured at 64)


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


def resolve_dtype(name: str, device: torch.device, width: int) -> str:
    """`auto` made concrete for a model `width` wide on `device`: "bf16" or "fp32"."""
    if name != "auto":
        return name
    return "bf16" if bf16_supported(device) and width >= BF16_MIN_WIDTH else "fp32"


def autocast_context(dtype: str, device: torch.device):
    """bf16 autocast for "bf16"; nothing for "fp32" (resolve "auto" first)."""
    if dtype == "auto":
        raise ValueError("resolve_dtype() first: 'auto' depends on the model's width")
    return torch.autocast(device.type, dtype=torch.bfloat16) if dtype == "bf16" else nullcontext()
