"""Numbers a report stands on: per-problem pass@k from eval samples, as arms for bootstrap.py.

An *arm* is one model variant evaluated once per seed: a matrix of per-problem values with one row
per seed (`arm_matrix`), on the problems every seed was evaluated on; interplay/bootstrap.py turns arms
into intervals and paired differences. Seeds with a base of their own can differ in their problems
(extra problems at the ops their own probe called hard), so rows are matched by problem id.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from interplay.verify.passk import pass_at_k


FIELDS = ("ids", "ops", "contexts", "samples", "strict", "answer", "right_answer_wrong_process", "distinct",
          "distinct_right", "short", "beside")


@dataclass
class EvalTable:
    """One evaluation: per problem (in problem order) its id, op, context, sample count and successes."""

    ids: np.ndarray
    ops: np.ndarray
    contexts: np.ndarray
    samples: np.ndarray
    strict: np.ndarray
    answer: np.ndarray
    right_answer_wrong_process: np.ndarray
    distinct: np.ndarray  # different completions among its samples: how spread the model's sampling is
    distinct_right: np.ndarray  # of them, strictly right ones (NaN in archives written before it was kept)
    # Where samples go astray (NaN in archives written before they were kept): `short`, the samples that never define
    # a quantity the answer needs (a link skipped or replaced: reach), `beside`, those that define one it does not
    # need (a distractor or an invented quantity: relevance; strict allows such a step, so a right sample can too).
    short: np.ndarray
    beside: np.ndarray

    @classmethod
    def load(cls, path: str | Path) -> "EvalTable":
        rows: dict[int, list[dict]] = defaultdict(list)
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                rows[row["problem_index"]].append(row)
        indices = sorted(rows)
        problems = [rows[i] for i in indices]
        return cls(
            ids=np.array([p[0].get("id") or f"problem {i}" for i, p in zip(indices, problems)]),
            ops=np.array([p[0]["op"] for p in problems]),
            contexts=np.array([p[0]["context"] for p in problems]),
            samples=np.array([len(p) for p in problems]),
            strict=np.array([sum(s["strict_correct"] for s in p) for p in problems]),
            answer=np.array([sum(s["answer_correct"] for s in p) for p in problems]),
            right_answer_wrong_process=np.array([sum(s["answer_correct"] and not s["strict_correct"] for s in p)
                                                 for p in problems]),
            distinct=np.array([len({s.get("completion") for s in p}) for p in problems]),
            distinct_right=np.array([len({s.get("completion") for s in p if s["strict_correct"]}) for p in problems]),
            short=np.array([sum("missing_node" in s["errors"] for s in p) for p in problems]),
            beside=np.array([sum("extra_node" in s["errors"] for s in p) for p in problems]),
        )

    @classmethod
    def concat(cls, tables: list["EvalTable"]) -> "EvalTable":
        """One model's evaluations on several problem sets as one table, their problems in the given order."""
        if len(tables) == 1:
            return tables[0]
        return cls(**{name: np.concatenate([getattr(t, name) for t in tables]) for name in FIELDS})

    def to_dict(self) -> dict:
        """Plain lists by field, for a JSON file (report/archive.py); `from_dict` reads them back. A field that is
        NaN throughout (read from an archive that predates it) is left out as it was: JSON has no NaN."""
        return {name: values.tolist() for name in FIELDS
                if not ((values := getattr(self, name)).dtype.kind == "f" and values.size and np.isnan(values).all())}

    @classmethod
    def from_dict(cls, data: dict) -> "EvalTable":
        """A table from `to_dict`'s form; a field an older archive lacks is NaN for every problem."""
        missing = np.full(len(data["ids"]), np.nan)
        return cls(**{name: np.array(data[name]) if name in data else missing for name in FIELDS})

    def select(self, ops=None, context: str | None = None) -> np.ndarray:
        keep = np.ones(len(self.ops), dtype=bool)
        if ops is not None:
            keep &= np.isin(self.ops, list(ops))
        if context is not None:
            keep &= self.contexts == context
        return keep

    def values(self, metric: str, k: int = 1) -> np.ndarray:
        """Per-problem values: 'pass' (strict pass@k), 'answer' (answer-only pass@k), 'rawp' (share of
        samples with the right answer and wrong reasoning), 'distinct' (different completions per sample:
        1 when no two of the n are equal, 1/n when all n are the same), or 'distinct_right' and
        'distinct_wrong' (how many different strictly right, and wrong, completions a problem has), or 'short'
        and 'beside' (the share of samples that miss a quantity the answer needs, and that define one it does not
        need)."""
        if metric == "pass":
            return pass_at_k(self.samples, self.strict, min(k, int(self.samples.min())))
        if metric == "answer":
            return pass_at_k(self.samples, self.answer, min(k, int(self.samples.min())))
        if metric == "rawp":
            return self.right_answer_wrong_process / self.samples
        if metric == "distinct":
            return self.distinct / self.samples
        if metric == "distinct_right":
            return self.distinct_right
        if metric == "distinct_wrong":
            return self.distinct - self.distinct_right
        if metric in ("short", "beside"):
            return getattr(self, metric) / self.samples
        raise ValueError(metric)


def shared_columns(tables: list[EvalTable]) -> list[np.ndarray]:
    """For each table the positions of the problems that every table has, in the first table's order."""
    first = tables[0].ids
    if all(np.array_equal(t.ids, first) for t in tables[1:]):
        return [np.arange(len(first))] * len(tables)
    common = set(first.tolist()).intersection(*(t.ids.tolist() for t in tables[1:]))
    order = [problem for problem in first.tolist() if problem in common]
    positions = [{problem: n for n, problem in enumerate(t.ids.tolist())} for t in tables]
    return [np.array([where[problem] for problem in order], dtype=int) for where in positions]


def arm_matrix(tables: list[EvalTable], metric: str, k: int, ops=None, context: str | None = None,
               columns: list[np.ndarray] | None = None) -> np.ndarray:
    """(seeds, problems) matrix of per-problem values of one arm on the selected problems that every table
    has (`columns`: each table's positions of them, as `shared_columns` gives; by default this arm's own)."""
    columns = shared_columns(tables) if columns is None else columns
    return np.stack([t.values(metric, k)[c][t.select(ops, context)[c]] for t, c in zip(tables, columns)])
