"""Bootstrap intervals over problems and seeds, and paired differences."""

import numpy as np
import pytest

from interplay.bootstrap import difference, estimate


def test_interval_covers_the_mean_and_shrinks_with_more_problems():
    rng = np.random.default_rng(0)
    small = estimate(rng.binomial(1, 0.4, size=(1, 50)).astype(float))
    large = estimate(rng.binomial(1, 0.4, size=(1, 5000)).astype(float))
    assert small.low < small.value < small.high and large.low < 0.4 < large.high
    assert large.high - large.low < (small.high - small.low) / 5


def test_seed_noise_widens_the_interval():
    problems = np.linspace(0, 1, 200)
    agreeing = estimate(np.stack([problems, problems, problems]))
    disagreeing = estimate(np.stack([problems * 0.5, problems, np.minimum(problems * 1.5, 1)]))
    assert (disagreeing.high - disagreeing.low) > (agreeing.high - agreeing.low)
    assert agreeing.seeds == 3 and agreeing.problems == 200


def test_paired_difference_sees_a_small_shift_that_unpaired_noise_would_hide():
    rng = np.random.default_rng(1)
    base = rng.uniform(0, 1, size=(1, 400))
    shifted = np.minimum(base + 0.03, 1)
    d = difference(shifted, base)
    assert 0.02 < d.value < 0.04 and d.low > 0
    assert d.seeds == 1 and difference(np.repeat(shifted, 3, axis=0), base).seeds == 3  # a shared base vs 3 RL seeds
    same = difference(base, base)
    assert same.value == same.low == same.high == 0
    with pytest.raises(ValueError):
        difference(base, base[:, :10])


def test_the_one_seed_estimator_is_the_general_resampling_with_one_seed():
    from interplay.bootstrap import BOOTSTRAP_SAMPLES, _resampled_means, one_seed_estimator

    values = np.random.default_rng(3).uniform(size=60)
    rng = np.random.default_rng(7)
    draws = rng.integers(0, 60, size=(BOOTSTRAP_SAMPLES, 60))
    general = _resampled_means(values[None, :], draws, rng)
    shared = one_seed_estimator(60, seed=7)
    assert (shared(values).low, shared(values).high) == (np.percentile(general, 2.5), np.percentile(general, 97.5))
    assert shared(values) == estimate(values[None, :], seed=7)


def test_a_redraw_of_sparse_pass_at_64_falls_outside_the_paired_interval_about_one_time_in_twenty():
    # The hard sets' shape: most problems never solved, a tenth solved by about one sample in 64. Two evaluations of
    # one model differ by sampling alone; resampling problems already resamples that noise (each problem's value
    # carries it), so the paired interval of their difference should exclude 0 about 5% of the time, not more.
    rng = np.random.default_rng(0)
    rates = np.where(rng.uniform(size=340) < 0.1, rng.uniform(0.005, 0.05, size=340), 0.0)
    redraws = 200
    excluded = 0
    for seed in range(redraws):
        first, again = (rng.binomial(64, rates)[None] > 0 for _ in range(2))
        d = difference(again.astype(float), first.astype(float), seed=seed)
        excluded += not d.low <= 0 <= d.high
    assert 0.01 <= excluded / redraws <= 0.10
