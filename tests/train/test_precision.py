"""Precision: `auto` is fp32 on CPUs whatever their flags (measured: bf16 costs more per token than it saves)."""

import torch

from interplay.train.precision import autocast_context, resolve_dtype


def test_auto_is_fp32_on_any_cpu():
    assert resolve_dtype("auto", torch.device("cpu")) == "fp32"


def test_explicit_choices_are_kept():
    assert resolve_dtype("bf16", torch.device("cpu")) == "bf16"
    assert resolve_dtype("fp32", torch.device("cpu")) == "fp32"


def test_bf16_autocast_runs_matmuls_in_bf16_and_auto_does_not_on_cpu():
    a, b = torch.randn(4, 4), torch.randn(4, 4)
    with autocast_context("bf16", torch.device("cpu")):
        assert (a @ b).dtype == torch.bfloat16
    with autocast_context("auto", torch.device("cpu")):
        assert (a @ b).dtype == torch.float32
