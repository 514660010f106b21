"""Bootstrap 95% intervals over problems and seeds: one implementation for evaluation tables and reports.

    estimate(per_problem[None, :])          # one model, one seed: problems resampled
    interval = one_seed_estimator(problems, seed)   # the same, resamples drawn once for many metrics
    estimate(matrix)                        # (seeds, problems): problems and seeds resampled
    difference(rl_matrix, base_matrix)      # paired over the same problems

A 95% interval resamples problems and, independently, seeds (with one seed only problems vary),
so it covers both sources of noise the paper's single-seed curves leave out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

BOOTSTRAP_SAMPLES = 2000


@dataclass
class Estimate:
    value: float
    low: float
    high: float
    problems: int
    seeds: int  # the most seeds behind either arm: a shared base is one model, its RL variants are several
    floor: bool = False  # a difference of two arms that are both 0 on every problem: no signal either way

    def text(self, digits: int = 3) -> str:
        return f"{self.value:.{digits}f} [{self.low:.{digits}f}, {self.high:.{digits}f}]"

    def to_dict(self) -> dict:
        return {"value": self.value, "ci95": [self.low, self.high], "problems": self.problems, "seeds": self.seeds,
                "floor": self.floor}


def _resampled_means(matrix: np.ndarray, problem_draws: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    seeds = matrix.shape[0]
    seed_draws = rng.integers(0, seeds, size=(len(problem_draws), seeds))
    per_problem = matrix[seed_draws].mean(axis=1)  # (draws, problems): mean over resampled seeds
    return np.take_along_axis(per_problem, problem_draws, axis=1).mean(axis=1)


def _from_resamples(value: float, means: np.ndarray, problems: int, seeds: int, floor: bool = False) -> Estimate:
    return Estimate(value, float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5)), problems, seeds, floor)


def one_seed_estimator(problems: int, seed: int = 0) -> Callable[[np.ndarray], Estimate]:
    """`estimate` for one-seed arms of `problems` problems, its resamples drawn once and shared by every
    metric it is called on: one_seed_estimator(p, s)(values) == estimate(values[None, :], s)."""
    draws = np.random.default_rng(seed).integers(0, problems, size=(BOOTSTRAP_SAMPLES, problems))

    def estimator(values: np.ndarray) -> Estimate:
        return _from_resamples(float(values.mean()), values[draws].mean(axis=1), problems, 1)

    return estimator


def estimate(matrix: np.ndarray, seed: int = 0) -> Estimate | None:
    """Mean over seeds and problems with a 95% bootstrap interval; None if no problem is selected."""
    if matrix.size == 0:
        return None
    if matrix.shape[0] == 1:  # only problems vary
        return one_seed_estimator(matrix.shape[1], seed)(matrix[0])
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, matrix.shape[1], size=(BOOTSTRAP_SAMPLES, matrix.shape[1]))
    return _from_resamples(float(matrix.mean()), _resampled_means(matrix, draws, rng), matrix.shape[1], matrix.shape[0])


def difference(a: np.ndarray, b: np.ndarray, seed: int = 0) -> Estimate | None:
    """a - b on the same problems (paired over problems; seeds resampled within each arm)."""
    if a.size == 0 or b.size == 0:
        return None
    if a.shape[1] != b.shape[1]:
        raise ValueError("a difference needs both arms evaluated on the same problems")
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, a.shape[1], size=(BOOTSTRAP_SAMPLES, a.shape[1]))
    means = _resampled_means(a, draws, rng) - _resampled_means(b, draws, rng)
    return _from_resamples(float(a.mean() - b.mean()), means, a.shape[1], max(a.shape[0], b.shape[0]),
                           floor=not a.any() and not b.any())
