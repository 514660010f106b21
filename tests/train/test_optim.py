"""Optimizers: our Muon is torch's Muon with a choice of Newton-Schulz precision; who gets which optimizer."""

import copy
import subprocess
import sys

import pytest
import torch

from interplay.config import TrainSection
from interplay.lm.model import ModelConfig, Transformer
from interplay.train.optim import Muon, build_optimizer, hidden_matrices, newton_schulz, set_learning_rate


def _steps(optimizer, parameter, gradients):
    for gradient in gradients:
        parameter.grad = gradient.clone()
        optimizer.step()
    return parameter.detach().clone()


@pytest.mark.parametrize("adjust", [None, "match_rms_adamw"])
def test_with_bf16_newton_schulz_it_is_torchs_muon(adjust):
    torch.manual_seed(0)
    start = torch.randn(48, 32)
    gradients = [torch.randn(48, 32) for _ in range(4)]
    ours, theirs = torch.nn.Parameter(start.clone()), torch.nn.Parameter(start.clone())
    options = dict(lr=0.02, weight_decay=0.1, adjust_lr_fn=adjust)
    got = _steps(Muon([ours], ns_dtype=torch.bfloat16, **options), ours, gradients)
    expected = _steps(torch.optim.Muon([theirs], **options), theirs, gradients)
    assert torch.equal(got, expected)


def test_fp32_newton_schulz_orthogonalises_like_bf16():
    torch.manual_seed(1)
    matrix = torch.randn(64, 128)
    coefficients = (3.4445, -4.7750, 2.0315)
    fp32 = newton_schulz(matrix, 5, coefficients, 1e-7, torch.float32)
    bf16 = newton_schulz(matrix, 5, coefficients, 1e-7, torch.bfloat16).float()
    singular = torch.linalg.svdvals(fp32)
    assert singular.min() > 0.5 and singular.max() < 1.5  # Muon's approximate orthogonalisation
    assert (fp32 - bf16).norm() / fp32.norm() < 0.05


def test_muon_gets_the_hidden_matrices_and_adamw_the_rest():
    model = Transformer(ModelConfig.preset("tiny", vocab_size=100))
    optimizer = build_optimizer(model, TrainSection(optimizer="muon", muon_ns_dtype="fp32"))
    muon, adamw = optimizer.optimizers
    in_muon = {id(p) for g in muon.param_groups for p in g["params"]}
    in_adamw = {id(p) for g in adamw.param_groups for p in g["params"]}
    assert in_muon == {id(p) for p in hidden_matrices(model)}
    assert not in_muon & in_adamw and in_muon | in_adamw == {id(p) for p in model.parameters()}
    assert id(model.model.embed_tokens.weight) in in_adamw  # embeddings (tied to the output) stay on AdamW
    assert muon.ns_dtype == torch.float32


def test_the_schedule_scales_every_group_from_its_peak():
    model = Transformer(ModelConfig.preset("tiny", vocab_size=100))
    optimizer = build_optimizer(model, TrainSection(optimizer="muon", lr=2e-3))
    set_learning_rate(optimizer, 0.5)
    assert {g["lr"] for g in optimizer.param_groups} == {1e-3}


def test_state_dict_round_trip_continues_identically():
    torch.manual_seed(2)
    model = Transformer(ModelConfig.preset("tiny", vocab_size=50))
    ids = torch.randint(0, 50, (2, 12))

    def step(opt):
        model(ids).sum().backward()
        opt.step()
        opt.zero_grad()

    first = build_optimizer(model, TrainSection(optimizer="muon"))
    step(first)
    saved_model, saved_opt = {k: v.clone() for k, v in model.state_dict().items()}, copy.deepcopy(first.state_dict())
    step(first)
    expected = {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(saved_model)
    second = build_optimizer(model, TrainSection(optimizer="muon"))
    second.load_state_dict(saved_opt)
    step(second)
    assert all(torch.equal(model.state_dict()[k], expected[k]) for k in expected)


@pytest.mark.parametrize("key, value", [("train.optimizer", "sgd"), ("train.dtype", "fp8"),
                                        ("train.muon_ns_dtype", "f16"), ("train.packing", "bins")])
def test_a_bad_optimizer_or_dtype_name_is_one_line_naming_the_key(key, value):
    result = subprocess.run([sys.executable, "-m", "interplay.cli", "pretrain", "--set", f"{key}={value}"],
                            capture_output=True, text=True)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert key in result.stderr


@pytest.mark.parametrize("dtype, expected", [("fp32", torch.float32), ("auto", torch.float32)])
def test_an_fp32_run_orthogonalises_in_fp32_on_any_cpu(dtype, expected):
    model = Transformer(ModelConfig.preset("tiny", vocab_size=100))
    muon, _ = build_optimizer(model, TrainSection(optimizer="muon", dtype=dtype)).optimizers
    assert muon.ns_dtype == expected


def test_resuming_with_another_optimizer_is_one_clear_error():
    from interplay.errors import UserError

    model = Transformer(ModelConfig.preset("tiny", vocab_size=50))
    saved = build_optimizer(model, TrainSection(optimizer="adamw")).state_dict()
    with pytest.raises(UserError, match="train.optimizer"):
        build_optimizer(model, TrainSection(optimizer="muon")).load_state_dict(saved)
