"""GRPO arithmetic against values computed by hand."""

import math

import pytest
import torch

from interplay.train.grpo_loss import aggregate, group_advantages, kl_penalty, policy_loss, zero_variance_groups

VALUES = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 0.0]])
MASK = torch.tensor([[1, 1, 1], [1, 1, 0]])


def test_group_advantages_by_hand():
    rewards = torch.tensor([[1.0, 0.0, 0.0, 1.0], [1.0, 1.0, 1.0, 1.0]])
    std = math.sqrt(1 / 3)  # unbiased std of (1, 0, 0, 1)
    expected = torch.tensor([[0.5 / std, -0.5 / std, -0.5 / std, 0.5 / std], [0.0, 0.0, 0.0, 0.0]])
    assert torch.allclose(group_advantages(rewards), expected, atol=1e-5)
    centred = torch.tensor([[0.5, -0.5, -0.5, 0.5], [0, 0, 0, 0.0]])
    assert torch.allclose(group_advantages(rewards, norm_by_std=False), centred)
    assert zero_variance_groups(rewards).tolist() == [False, True]
    assert group_advantages(torch.tensor([[0.7]])).item() == 0.0


@pytest.mark.parametrize("mode, expected", [
    ("token-mean", (1 + 2 + 3 + 4 + 5) / 5),
    ("seq-mean-token-sum", (6 + 9) / 2),
    ("seq-mean-token-mean", (6 / 3 + 9 / 2) / 2),
    ("seq-mean-token-sum-norm", (6 + 9) / 3),
])
def test_aggregation_modes(mode, expected):
    assert aggregate(VALUES, MASK, mode).item() == pytest.approx(expected)


@pytest.mark.parametrize("mode", ["token-mean", "seq-mean-token-sum", "seq-mean-token-mean", "seq-mean-token-sum-norm"])
def test_micro_batches_add_up_to_the_batch(mode):
    values = torch.rand(5, 4)
    mask = torch.tensor([[1, 1, 0, 0], [1, 1, 1, 1], [1, 0, 0, 0], [1, 1, 1, 0], [1, 1, 0, 0]])
    parts = [aggregate(values[i:i + 2], mask[i:i + 2], mode, total_rows=5, total_tokens=int(mask.sum()))
             for i in (0, 2, 4)]
    assert sum(parts).item() == pytest.approx(aggregate(values, mask, mode).item())


def test_unknown_names_fail():
    with pytest.raises(ValueError):
        aggregate(VALUES, MASK, "mean")
    with pytest.raises(ValueError):
        kl_penalty(VALUES, VALUES, "k4")


def test_kl_estimators_by_hand():
    logp, ref = torch.tensor([math.log(0.5)]), torch.tensor([math.log(0.25)])
    d = math.log(2)  # logp - ref
    assert kl_penalty(logp, ref, "k1").item() == pytest.approx(d)
    assert kl_penalty(logp, ref, "mse").item() == pytest.approx(0.5 * d * d)
    assert kl_penalty(logp, ref, "low_var_kl").item() == pytest.approx(0.5 - (-d) - 1)  # e^-d - (-d) - 1
    assert kl_penalty(ref, ref, "k3").item() == 0.0


def test_clipping_cases_by_hand():
    old = torch.zeros(1, 4)
    ratio = torch.tensor([[1.5, 0.5, 1.1, 0.7]])
    advantages = torch.tensor([[1.0, 1.0, -1.0, -1.0]])
    mask = torch.ones(1, 4)
    loss, stats = policy_loss(ratio.log(), old, advantages, mask, clip_low=0.2, clip_high=0.3)
    # A>0, r=1.5: clipped to 1.3 -> -1.3 | A>0, r=0.5: min keeps -0.5 (the unclipped loss is the larger:
    #                                                  max(-0.5, -0.8) = -0.5)
    # A<0, r=1.1: max(1.1, 1.1) = 1.1       | A<0, r=0.7: max(0.7, 0.8) = 0.8 (clipped at 1 - 0.2)
    assert loss.item() == pytest.approx((-1.3 - 0.5 + 1.1 + 0.8) / 4)
    assert stats["clip_fraction"] == pytest.approx(2 / 4)


def test_on_policy_gradient_is_the_advantage_weighted_score():
    logp = torch.tensor([[-1.0, -2.0]], requires_grad=True)
    loss, _ = policy_loss(logp, logp.detach(), torch.tensor([[2.0, 2.0]]), torch.ones(1, 2))
    loss.backward()
    assert torch.allclose(logp.grad, torch.tensor([[-1.0, -1.0]]))  # d(-A r)/dlogp = -A r / 2 tokens
