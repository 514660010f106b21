"""Rewards for RL from a verification, by name, plus adapters for verl and TRL.

Names: `outcome` (answer right: 1, else 0), `process` (process accuracy), `strict` (1 only if the
answer and every step are right), `mixed:A,B` = A*outcome + B*process (the paper's formula as
written), `mixed-gated:A,B` = the same but 0 when the answer is wrong (what the authors' code does).

    reward = get_reward("mixed-gated:0.2,0.8")
    reward(verify(text, gold))                               # -> float

verl (custom reward function, `custom_reward_function.path=.../rewards.py`, `name=compute_score`,
optionally `+custom_reward_function.reward_kwargs.reward=strict`):

    compute_score("interplay", solution_str, ground_truth=json.dumps(record), reward="strict")
    # -> {"score": 1.0, "acc": 1.0, "process_accuracy": 1.0, "strict": 1.0}

TRL (GRPOTrainer passes the dataset's columns as keyword arguments; give it a `gold` column
holding each problem record, or its JSON):

    trainer = GRPOTrainer(..., reward_funcs=[trl_reward("mixed-gated:0.5,0.5")])
"""

from __future__ import annotations

import json
from collections.abc import Callable

from interplay.errors import UserError
from interplay.verify.compare import Verification, gold_from_record, verify

Reward = Callable[[Verification], float]


def outcome_reward(result: Verification) -> float:
    return float(result.answer_correct)


def process_reward(result: Verification) -> float:
    return float(result.process_accuracy)


def strict_reward(result: Verification) -> float:
    return float(result.strict_correct)


def mixed_reward(outcome_weight: float, process_weight: float, gated: bool) -> Reward:
    def reward(result: Verification) -> float:
        if gated and not result.answer_correct:
            return 0.0
        return outcome_weight * result.answer_correct + process_weight * result.process_accuracy

    return reward


REWARD_NAMES = ("outcome", "process", "strict", "mixed:A,B", "mixed-gated:A,B")


def get_reward(name: str) -> Reward:
    """A reward function by name (see the module docstring); a bad name is a UserError."""
    simple = {"outcome": outcome_reward, "process": process_reward, "strict": strict_reward}
    if name in simple:
        return simple[name]
    kind, _, weights = name.partition(":")
    if kind in ("mixed", "mixed-gated"):
        try:
            a, b = (float(w) for w in weights.split(","))
        except ValueError:
            raise UserError(f"reward '{name}' needs two weights, e.g. {kind}:0.2,0.8") from None
        return mixed_reward(a, b, gated=kind == "mixed-gated")
    raise UserError(f"unknown reward '{name}' (known: {', '.join(REWARD_NAMES)})")


def _record(gold) -> dict:
    return json.loads(gold) if isinstance(gold, str) else gold


def compute_score(data_source, solution_str: str, ground_truth, extra_info: dict | None = None,
                  reward: str | None = None, **_kwargs) -> dict:
    """verl's custom reward function: the reward named by `reward` (verl passes
    `custom_reward_function.reward_kwargs` as keywords) or by `extra_info["reward"]`, else outcome.

    `ground_truth` is a problem record (dict or JSON string). Returns verl's dict form: `score` is the
    reward; the other keys (answer, process and strict correctness) land in verl's logged metrics.
    """
    name = reward or (extra_info or {}).get("reward", "outcome")
    result = verify(solution_str, gold_from_record(_record(ground_truth)))
    return {"score": get_reward(name)(result), "acc": float(result.answer_correct),
            "process_accuracy": result.process_accuracy, "strict": float(result.strict_correct)}


def trl_reward(name: str = "outcome") -> Callable[..., list[float]]:
    """A TRL reward function: (completions, gold, **columns) -> one float per completion."""
    reward = get_reward(name)

    def reward_function(completions, gold, **_columns) -> list[float]:
        texts = [c if isinstance(c, str) else c[-1]["content"] for c in completions]
        return [reward(verify(text, gold_from_record(_record(g)))) for text, g in zip(texts, gold)]

    reward_function.__name__ = f"interplay_{name.replace(':', '_').replace(',', '_').replace('-', '_')}"
    return reward_function
