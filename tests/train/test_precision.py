"""Precision: `auto` is bf16 only where bf16 is native and the model is wide enough to lose nothing by it."""

import pytest
import torch

from interplay.train import precision
from interplay.train.precision import BF16_MIN_WIDTH, autocast_context, resolve_dtype

CPU = torch.device("cpu")


@pytest.mark.parametrize("native, width, expected", [
    (True, BF16_MIN_WIDTH, "bf16"), (True, 768, "bf16"), (True, 64, "fp32"), (False, 128, "fp32"), (False, 768, "fp32"),
])
def test_auto_takes_bf16_only_where_native_and_wide(monkeypatch, native, width, expected):
    monkeypatch.setattr(precision, "bf16_supported", lambda device: native)
    assert resolve_dtype("auto", CPU, width) == expected


def test_a_cpu_can_be_told_it_has_no_bf16(monkeypatch):
    monkeypatch.setattr(precision, "_cpuinfo_field", lambda name: "fpu avx2 avx512f avx512_bf16 amx_bf16")
    assert precision.bf16_supported(CPU)
    monkeypatch.setenv("INTERPLAY_CPU_BF16", "0")
    assert not precision.bf16_supported(CPU) and resolve_dtype("auto", CPU, 768) == "fp32"


def test_explicit_choices_are_kept():
    assert resolve_dtype("bf16", CPU, 64) == "bf16"
    assert resolve_dtype("fp32", CPU, 768) == "fp32"


def test_bf16_autocast_runs_matmuls_in_bf16_and_fp32_does_not():
    a, b = torch.randn(4, 4), torch.randn(4, 4)
    with autocast_context("bf16", CPU):
        assert (a @ b).dtype == torch.bfloat16
    with autocast_context("fp32", CPU):
        assert (a @ b).dtype == torch.float32


def test_auto_must_be_resolved_before_autocast():
    with pytest.raises(ValueError, match="resolve_dtype"):
        autocast_context("auto", CPU)
