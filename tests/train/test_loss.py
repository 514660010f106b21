"""The training loss: padding the selected positions to a bucket changes neither the loss nor its gradient."""

import torch
import torch.nn.functional as F

from interplay.lm.model import ModelConfig, Transformer
from interplay.train.lm import LOSS_ROWS_BUCKET, masked_loss_sum
from interplay.train.packing import PackedBatch


def test_bucketed_loss_equals_the_loss_on_exactly_the_masked_positions():
    torch.manual_seed(0)
    model = Transformer(ModelConfig.preset("tiny", vocab_size=50))
    inputs = torch.randint(0, 50, (3, 40))
    targets = torch.randint(0, 50, (3, 40))
    loss_mask = torch.rand(3, 40) < 0.3
    assert int(loss_mask.sum()) % LOSS_ROWS_BUCKET  # the selection really is padded
    ours = masked_loss_sum(model, PackedBatch(inputs, targets, loss_mask))
    ours.backward()
    ours_grad = model.lm_head.weight.grad.clone()
    model.zero_grad()
    hidden = model(inputs, return_hidden=True)
    plain = F.cross_entropy(model.lm_head(hidden[loss_mask]).float(), targets[loss_mask], reduction="sum")
    plain.backward()
    assert torch.allclose(ours, plain, rtol=1e-5)
    assert torch.allclose(ours_grad, model.lm_head.weight.grad, rtol=1e-4, atol=1e-6)
