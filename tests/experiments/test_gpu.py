"""The GPU plan of --dry-run: H100 time from FLOPs, parameter and KV-cache counts, memory and how to fit it."""

import pytest
import torch

from interplay.experiments.gpu import (ACTIVATION_BYTES, H100_BF16_FLOPS, H100_MEMORY, SAMPLE_MFU, TRAIN_MFU, Cost,
                                       Memory, h100_seconds, kv_cache_bytes, memory, parameters)
from interplay.lm.model import ModelConfig, Transformer


def test_h100_time_divides_each_kind_of_work_by_its_own_utilisation():
    assert h100_seconds(Cost(train_flops=H100_BF16_FLOPS * TRAIN_MFU * 10)) == pytest.approx(10)
    assert h100_seconds(Cost(sample_flops=H100_BF16_FLOPS * SAMPLE_MFU * 3)) == pytest.approx(3)
    both = Cost(train_flops=4e15, sample_flops=1e15)
    assert h100_seconds(both) == pytest.approx(h100_seconds(Cost(4e15)) + h100_seconds(Cost(0, 1e15)))
    assert both.flops == 5e15


def test_parameters_are_those_of_the_real_model():
    config = ModelConfig.preset("cpu", vocab_size=301)
    model = Transformer(config)
    assert parameters(config) == sum(p.numel() for p in model.parameters())  # tied embedding counted once


def test_kv_cache_bytes_match_the_keys_and_values_a_sampler_holds():
    config = ModelConfig.preset("tiny", vocab_size=50)
    rows, length = 3, 17
    one_layer = torch.zeros(rows, config.num_kv_heads, length, config.head_dim)
    held = 2 * config.num_layers * one_layer.numel() * one_layer.element_size()
    assert kv_cache_bytes(config, rows, length) == held


def test_training_memory_counts_state_activations_and_logits_by_hand():
    config = ModelConfig.preset("tiny", vocab_size=1000)
    weights = 4 * parameters(config)
    plan = memory("pretrain", config, rows=2, seq_len=64, loss_positions=0.5)
    assert plan.fixed == 4 * weights  # weights, gradients, two AdamW moments
    tokens = 2 * 64
    activations = ACTIVATION_BYTES * tokens * config.num_layers * config.hidden_size
    assert plan.batch == activations + 2 * 4 * tokens * 0.5 * 1000
    assert plan.total == plan.fixed + plan.batch


def test_rl_memory_adds_a_reference_copy_and_the_sampling_cache():
    config = ModelConfig.preset("tiny", vocab_size=1000)
    without = memory("rl", config, rows=4, seq_len=32, sample_rows=8, sample_length=32)
    with_reference = memory("rl", config, rows=4, seq_len=32, sample_rows=8, sample_length=32, reference=True)
    assert without.fixed == 4 * 4 * parameters(config) + kv_cache_bytes(config, 8, 32)
    assert with_reference.fixed - without.fixed == 4 * parameters(config)
    assert memory("eval", config, 0, 0, sample_rows=8, sample_length=32).batch == 0


def test_splits_to_fit_cuts_the_batch_until_a_share_fits_beside_the_fixed_part():
    assert Memory(fixed=10, batch=5).splits_to_fit(capacity=100) == 1
    assert Memory(fixed=60, batch=100).splits_to_fit(capacity=100) == 3  # 100 / 40 of room
    assert Memory(fixed=100, batch=1).splits_to_fit(capacity=100) == 0  # nothing fits whatever the split
    assert Memory(fixed=1, batch=1).splits_to_fit() == 1 and H100_MEMORY == 80 * 2**30
