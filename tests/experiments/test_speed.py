"""On-the-spot speed for --dry-run: real timings of the stage's own model, in the dtype it would train in."""

import math

from interplay.experiments.speed import measure_rates
from interplay.lm.model import ModelConfig


def test_rates_are_measured_for_the_model_and_dtype_given():
    config = ModelConfig.preset("tiny", vocab_size=300)
    rates = measure_rates(config, "auto", threads=1)
    assert rates.dtype == "fp32"  # width 64 trains in fp32 on every CPU (precision.BF16_MIN_WIDTH)
    assert math.isfinite(rates.train_flops_per_s) and rates.train_flops_per_s > 0
    assert math.isfinite(rates.sample_flops_per_s) and rates.sample_flops_per_s > 0
    assert measure_rates(config, "fp32", threads=1).dtype == "fp32"
