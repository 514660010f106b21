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

import os
from contextlib import nullcontext
from pathlib import Path

import torch

BF16_MIN_WIDTH = 128  # narrower models lose more per token in bf16 than its speed returns (measured at 64)


def _cpuinfo_field(name: str) -> str:
    """The first `name : value` of /proc/cpuinfo ("" where there is none, e.g. off Linux)."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return ""
    return next((line.split(":", 1)[1].strip() for line in lines if line.split(":", 1)[0].strip() == name), "")


def cpu_description() -> str:
    """The CPU model and the flags that decide training speed, for every figure's header."""
    flags = _cpuinfo_field("flags").split()
    wanted = [f for f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16") if f in flags]
    return f"{_cpuinfo_field('model name') or 'unknown CPU'} [{' '.join(wanted) or 'no avx2'}]"


def bf16_supported(device: torch.device) -> bool:
    """Native bf16 arithmetic (CUDA with bf16, or a CPU with AVX512-BF16 or AMX); not emulation.

    With INTERPLAY_CPU_BF16=0 a CPU counts as one without it: `auto` then takes the path of an
    AVX2-only machine (fp32, Muon's Newton-Schulz in fp32), to reproduce a run made on one or to
    check that nothing else depends on it (`make test-no-bf16`).
    """
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        if os.environ.get("INTERPLAY_CPU_BF16") == "0":
            return False
        flags = _cpuinfo_field("flags").split()
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
