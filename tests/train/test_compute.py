"""FLOP accounting: parameter counts of the real model, passes per phase, one formula for RL."""

from interplay.lm.model import ModelConfig, Transformer
from interplay.train.compute import body_parameters, forward_flops, rl_update_passes, sampling_flops, training_flops


def test_body_parameters_are_the_models_weights_without_its_tied_embedding():
    config = ModelConfig.preset("cpu", vocab_size=301)
    model = Transformer(config)
    everything = sum(p.numel() for p in model.parameters())
    assert body_parameters(config) == everything - config.vocab_size * config.hidden_size


def test_a_forward_pass_is_two_flops_per_weight_and_token_plus_head_and_attention():
    config = ModelConfig.preset("tiny", vocab_size=100)
    assert forward_flops(config, 10, 0, 0) == 2 * body_parameters(config) * 10
    assert forward_flops(config, 10, 4, 0) - forward_flops(config, 10, 0, 0) == 2 * config.hidden_size * 100 * 4
    attention = 4 * config.num_layers * config.hidden_size * 8 * 10
    assert forward_flops(config, 10, 0, 8) - forward_flops(config, 10, 0, 0) == attention


def test_training_is_three_forward_passes_and_sampling_one_per_token():
    config = ModelConfig.preset("tiny", vocab_size=100)
    assert training_flops(config, 512, 200, 64) == 3 * forward_flops(config, 512, 200, 32)
    assert sampling_flops(config, 7, 50.0) == forward_flops(config, 7, 7, 50.0)


def test_an_rl_update_counts_old_log_probabilities_and_the_reference_only_when_they_run():
    assert rl_update_passes(1, reference=False) == 3
    assert rl_update_passes(1, reference=True) == 4
    assert rl_update_passes(2, reference=True) == 3 * 2 + 1 + 1
