"""Rewards for RL, by name, in one registry, plus adapters for verl and TRL.

A reward is a function of a completion's verification, its problem record and its text; it is
registered under a name, with its parameters (if any) spelled after a colon:

    @register_reward("mixed", params="A,B", usual=PAPER_WEIGHTS)
    def mixed(result, record, text, a: float, b: float) -> float: ...

    reward = get_reward("mixed-gated:0.2,0.8")
    reward(verify(text, gold), record, text)                 # -> float

Names: `outcome` (answer right: 1, else 0), `process` (process accuracy), `strict` (1 only if the
answer and every step are right), `mixed:A,B` = A*outcome + B*process (the paper's formula as
written), `mixed-gated:A,B` = the same but 0 when the answer is wrong (what the authors' code does).
The `-paper` rewards are the paper code's own formulas on its own reading of the text (paper.py):
`process-paper` = max(0, 1 - penalty / N) with extra steps in the penalty, `mixed-paper:A,B` its
gated blend (the paper's RL used 0.2,0.8 and 0.5,0.5), `strict-paper` 1 only if the answer is right
and the penalty 0. They read the gold from the record's solution text and answer, as that code does.
A new reward is one decorated function here; `rl.reward`, `interplay verify --reward`, the verl
and TRL adapters and the recipes' reward axes all find it by name.

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
from interplay.verify.paper import paper_outcome, paper_process, paper_reward

Reward = Callable[[Verification, dict, str], float]  # (verification, problem record, completion text) -> reward
_REWARDS: dict[str, tuple[Callable[..., float], tuple[str, ...]]] = {}
_USUAL: dict[str, str] = {}  # name -> its usual parameters ("0.2,0.8"), for the table `interplay verify` writes
PAPER_WEIGHTS = "0.2,0.8"  # answer and process weights of the paper's mixed reward


def register_reward(name: str, params: str = "", usual: str = ""):
    """Register `function(result, record, text, *params) -> float` under `name`; `params` spells its
    float parameters as they follow the name ("A,B" for "mixed:0.2,0.8"), `usual` their usual values."""
    def decorator(function):
        _REWARDS[name] = (function, tuple(params.split(",")) if params else ())
        _USUAL[name] = usual
        return function

    return decorator


def reward_names() -> list[str]:
    """Every registered reward as it is written: 'outcome', 'mixed:A,B', ..."""
    return [name + (":" + ",".join(params) if params else "") for name, (_, params) in _REWARDS.items()]


def usual_rewards() -> list[str]:
    """Every registered reward with its usual parameters: 'outcome', 'mixed:0.2,0.8', ..."""
    return [name + (":" + _USUAL[name] if params else "") for name, (_, params) in _REWARDS.items()]


def get_reward(name: str) -> Reward:
    """The reward `name` names, its parameters bound; a bad name is a UserError."""
    kind, colon, values = name.partition(":")
    if kind not in _REWARDS:
        raise UserError(f"unknown reward '{name}' (known: {', '.join(reward_names())})")
    function, params = _REWARDS[kind]
    try:
        numbers = [float(v) for v in values.split(",")] if colon else []
    except ValueError:
        numbers = []
    if len(numbers) != len(params):
        example = f"{kind}:" + ",".join(["0.5"] * len(params)) if params else kind
        raise UserError(f"reward '{name}' takes {len(params)} number(s), e.g. {example}")
    if not params:
        return function

    def bound(result: Verification, record: dict, text: str) -> float:
        return function(result, record, text, *numbers)

    return bound


@register_reward("outcome")
def outcome(result: Verification, record: dict, text: str) -> float:
    return float(result.answer_correct)


@register_reward("process")
def process(result: Verification, record: dict, text: str) -> float:
    return float(result.process_accuracy)


@register_reward("strict")
def strict(result: Verification, record: dict, text: str) -> float:
    return float(result.strict_correct)


@register_reward("mixed", params="A,B", usual=PAPER_WEIGHTS)
def mixed(result: Verification, record: dict, text: str, a: float, b: float) -> float:
    return a * result.answer_correct + b * result.process_accuracy


@register_reward("mixed-gated", params="A,B", usual=PAPER_WEIGHTS)
def mixed_gated(result: Verification, record: dict, text: str, a: float, b: float) -> float:
    return mixed(result, record, text, a, b) if result.answer_correct else 0.0


def _paper_gold(record: dict) -> tuple[str | None, object]:
    """The gold solution text and answer of a record (or of a verify line's gold_solution/gold_answer)."""
    return record.get("solution", record.get("gold_solution")), record.get("answer", record.get("gold_answer"))


@register_reward("process-paper")
def process_paper(result: Verification, record: dict, text: str) -> float:
    solution, answer = _paper_gold(record)
    return paper_process(text, solution, paper_outcome(text, answer))[0]


@register_reward("mixed-paper", params="A,B", usual=PAPER_WEIGHTS)
def mixed_paper(result: Verification, record: dict, text: str, a: float, b: float) -> float:
    return paper_reward(text, *_paper_gold(record), a, b)


@register_reward("strict-paper")
def strict_paper(result: Verification, record: dict, text: str) -> float:
    return paper_reward(text, *_paper_gold(record), 0.2, 0.8, strict=True)


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
    record = _record(ground_truth)
    result = verify(solution_str, gold_from_record(record))
    return {"score": get_reward(name)(result, record, solution_str), "acc": float(result.answer_correct),
            "process_accuracy": result.process_accuracy, "strict": float(result.strict_correct)}


def trl_reward(name: str = "outcome") -> Callable[..., list[float]]:
    """A TRL reward function: (completions, gold, **columns) -> one float per completion."""
    reward = get_reward(name)

    def reward_function(completions, gold, **_columns) -> list[float]:
        texts = [c if isinstance(c, str) else c[-1]["content"] for c in completions]
        records = [_record(g) for g in gold]
        return [reward(verify(text, gold_from_record(record)), record, text) for text, record in zip(texts, records)]

    reward_function.__name__ = f"interplay_{name.replace(':', '_').replace(',', '_').replace('-', '_')}"
    return reward_function
