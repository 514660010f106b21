"""Numbers a report stands on: per-problem pass@k from eval samples, and bootstrap intervals over
problems and seeds, for one model or for the paired difference of two on the same problems.

An *arm* is one model variant evaluated once per seed on the same problem set: a matrix of
per-problem values with one row per seed. A 95% interval resamples problems and, independently,
seeds (with one seed only problems vary), so it covers both sources of noise the paper's
single-seed curves leave out.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from interplay.verify.passk import pass_at_k

BOOTSTRAP_SAMPLES = 2000


@dataclass
class EvalTable:
    """One evaluation: per problem (in problem order) its op, context, sample count and successes."""

    ops: np.ndarray
    contexts: np.ndarray
    samples: np.ndarray
    strict: np.ndarray
    answer: np.ndarray
    right_answer_wrong_process: np.ndarray

    @classmethod
    def load(cls, path: str | Path) -> "EvalTable":
        rows: dict[int, list[dict]] = defaultdict(list)
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                rows[row["problem_index"]].append(row)
        problems = [rows[i] for i in sorted(rows)]
        return cls(
            ops=np.array([p[0]["op"] for p in problems]),
            contexts=np.array([p[0]["context"] for p in problems]),
            samples=np.array([len(p) for p in problems]),
            strict=np.array([sum(s["strict_correct"] for s in p) for p in problems]),
            answer=np.array([sum(s["answer_correct"] for s in p) for p in problems]),
            right_answer_wrong_process=np.array([sum(s["answer_correct"] and not s["strict_correct"] for s in p)
                                                 for p in problems]),
        )

    def select(self, ops=None, context: str | None = None) -> np.ndarray:
        keep = np.ones(len(self.ops), dtype=bool)
        if ops is not None:
            keep &= np.isin(self.ops, list(ops))
        if context is not None:
            keep &= self.contexts == context
        return keep

    def values(self, metric: str, k: int = 1) -> np.ndarray:
        """Per-problem values: 'pass' (strict pass@k), 'answer' (answer-only pass@k) or 'rawp'
        (share of samples with the right answer and wrong reasoning)."""
        if metric == "pass":
            return pass_at_k(self.samples, self.strict, min(k, int(self.samples.min())))
        if metric == "answer":
            return pass_at_k(self.samples, self.answer, min(k, int(self.samples.min())))
        if metric == "rawp":
            return self.right_answer_wrong_process / self.samples
        raise ValueError(metric)


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


def arm_matrix(tables: list[EvalTable], metric: str, k: int, ops=None, context: str | None = None) -> np.ndarray:
    """(seeds, problems) matrix of per-problem values of one arm on the selected problems."""
    return np.stack([t.values(metric, k)[t.select(ops, context)] for t in tables])


def _resampled_means(matrix: np.ndarray, problem_draws: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    seeds = matrix.shape[0]
    seed_draws = rng.integers(0, seeds, size=(len(problem_draws), seeds))
    per_problem = matrix[seed_draws].mean(axis=1)  # (draws, problems): mean over resampled seeds
    return np.take_along_axis(per_problem, problem_draws, axis=1).mean(axis=1)


def estimate(matrix: np.ndarray, seed: int = 0) -> Estimate | None:
    """Mean over seeds and problems with a 95% bootstrap interval; None if no problem is selected."""
    if matrix.size == 0:
        return None
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, matrix.shape[1], size=(BOOTSTRAP_SAMPLES, matrix.shape[1]))
    means = _resampled_means(matrix, draws, rng)
    return Estimate(float(matrix.mean()), float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5)),
                    matrix.shape[1], matrix.shape[0])


def difference(a: np.ndarray, b: np.ndarray, seed: int = 0) -> Estimate | None:
    """a - b on the same problems (paired over problems; seeds resampled within each arm)."""
    if a.size == 0 or b.size == 0:
        return None
    if a.shape[1] != b.shape[1]:
        raise ValueError("a difference needs both arms evaluated on the same problems")
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, a.shape[1], size=(BOOTSTRAP_SAMPLES, a.shape[1]))
    means = _resampled_means(a, draws, rng) - _resampled_means(b, draws, rng)
    return Estimate(float(a.mean() - b.mean()), float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5)),
                    a.shape[1], max(a.shape[0], b.shape[0]), floor=not a.any() and not b.any())
