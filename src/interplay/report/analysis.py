"""Numbers a report stands on: per-problem pass@k from eval samples, as arms for bootstrap.py.

An *arm* is one model variant evaluated once per seed on the same problem set: a matrix of
per-problem values with one row per seed (`arm_matrix`); interplay/bootstrap.py turns arms into
intervals and paired differences.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from interplay.verify.passk import pass_at_k


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

    @classmethod
    def concat(cls, tables: list["EvalTable"]) -> "EvalTable":
        """One model's evaluations on several problem sets as one table, their problems in the given order."""
        if len(tables) == 1:
            return tables[0]
        fields = ("ops", "contexts", "samples", "strict", "answer", "right_answer_wrong_process")
        return cls(**{name: np.concatenate([getattr(t, name) for t in tables]) for name in fields})

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


def arm_matrix(tables: list[EvalTable], metric: str, k: int, ops=None, context: str | None = None) -> np.ndarray:
    """(seeds, problems) matrix of per-problem values of one arm on the selected problems."""
    return np.stack([t.values(metric, k)[t.select(ops, context)] for t in tables])
