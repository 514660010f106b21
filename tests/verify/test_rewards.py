"""Rewards by name, and the verl and TRL calling conventions."""

import json

import pytest

from interplay.errors import UserError
from interplay.verify.compare import gold_from_record, verify
from interplay.verify.rewards import _REWARDS, compute_score, get_reward, register_reward, reward_names, trl_reward
from interplay.world.mixture import MixtureSpec, problem_at

RECORD = next(r for i in range(100)
              if len((r := problem_at(MixtureSpec.parse(ops="6", format="compact"), 0, i))["graph"]["nodes"]) >= 3)
GOLD = gold_from_record(RECORD)
RIGHT = verify(RECORD["solution"], GOLD)
# Right answer, first step's value wrong: process accuracy < 1.
steps = RECORD["solution"].split(" Define ")
steps[0] = steps[0][:-2] + str(int(steps[0][-2]) % 4 + 1) + "."
HACKED = verify(" Define ".join(steps), GOLD)
WRONG = verify(RECORD["solution"].replace(f"Answer: {RECORD['answer']}.", "Answer: 99999."), GOLD)


def score(name: str, result) -> float:
    return get_reward(name)(result, RECORD, "")


def test_simple_rewards():
    assert HACKED.answer_correct and 0 < HACKED.process_accuracy < 1
    for name, right, hacked in [("outcome", 1, 1), ("strict", 1, 0), ("process", 1, HACKED.process_accuracy)]:
        assert score(name, RIGHT) == right and score(name, HACKED) == hacked


def test_mixed_additive_and_gated():
    p = HACKED.process_accuracy
    assert score("mixed:0.2,0.8", HACKED) == pytest.approx(0.2 + 0.8 * p)
    assert score("mixed-gated:0.5,0.5", HACKED) == pytest.approx(0.5 + 0.5 * p)
    assert WRONG.process_accuracy == 1.0
    assert score("mixed:0.2,0.8", WRONG) == pytest.approx(0.8)
    assert score("mixed-gated:0.2,0.8", WRONG) == 0.0


@pytest.mark.parametrize("name", ["bogus", "mixed:0.2", "mixed-gated:a,b", "outcome:1", "mixed"])
def test_bad_names(name):
    with pytest.raises(UserError):
        get_reward(name)


def test_verl_compute_score():
    assert compute_score("interplay", RECORD["solution"], json.dumps(RECORD)) == {
        "score": 1.0, "acc": 1.0, "process_accuracy": 1.0, "strict": 1.0}
    assert compute_score("interplay", RECORD["solution"], RECORD, {"reward": "strict"})["score"] == 1.0
    assert compute_score("interplay", "nonsense", RECORD, {"reward": "process"})["score"] == 0.0
    # verl passes custom_reward_function.reward_kwargs as keywords; they win over extra_info
    wrong_answer = RECORD["solution"].replace(f"Answer: {RECORD['answer']}.", f"Answer: {RECORD['answer'] + 1}.")
    scored = compute_score("interplay", wrong_answer, RECORD, {"reward": "outcome"}, reward="process", unknown_kwarg=1)
    assert scored["score"] == 1.0 and scored["acc"] == 0.0 and scored["strict"] == 0.0


def test_trl_reward_function():
    reward = trl_reward("strict")
    completions = [RECORD["solution"], [{"role": "assistant", "content": "garbage"}]]
    assert reward(completions=completions, gold=[RECORD, json.dumps(RECORD)], prompts=["p", "p"]) == [1.0, 0.0]
    assert reward.__name__ == "interplay_strict"


def test_a_registered_reward_is_found_by_name_with_its_parameters(monkeypatch):
    monkeypatch.setattr("interplay.verify.rewards._REWARDS", dict(_REWARDS))  # registering stays inside this test

    @register_reward("shorter", params="WORDS")
    def shorter(result, record, text, words: float) -> float:  # a reward that reads the text
        return float(result.strict_correct) - (len(text.split()) > words)

    assert "shorter:WORDS" in reward_names()
    assert get_reward("shorter:3")(RIGHT, RECORD, RECORD["solution"]) == 0.0
    assert get_reward("shorter:1000")(RIGHT, RECORD, RECORD["solution"]) == 1.0
