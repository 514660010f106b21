"""Comparison: gold solutions are strictly correct, and every corruption is caught as what it is."""

import re

from hypothesis import given
from hypothesis import strategies as st

from interplay.verify.compare import gold_from_record, gold_from_solution, verify
from interplay.world.mixture import MixtureSpec, problem_at

COMPACT = MixtureSpec.parse(ops="4-12", contexts="zoo,teachers", format="compact")


@given(seed=st.integers(0, 10**6), op=st.integers(1, 30), fmt=st.sampled_from(["paper", "compact"]),
       context=st.sampled_from(["zoo", "teachers", "movies", "bakery", "library"]), modulus=st.sampled_from([None, 23]))
def test_every_gold_solution_is_strictly_correct(seed, op, fmt, context, modulus):
    record = problem_at(MixtureSpec.parse(ops=str(op), contexts=context, format=fmt, modulus=modulus), seed, 0)
    result = verify(record["solution"], gold_from_record(record))
    assert result.strict_correct and result.process_accuracy == 1.0 and result.errors == []
    tagged = f"<solution> {record['solution']} </solution> <answer> {record['answer']} </answer>"
    assert verify(tagged, gold_from_solution(record["solution"], modulus=modulus)).strict_correct


def _steps(record):
    return record["solution"].split(" Define ")


def _record_with_intermediate(seed):
    """A compact record whose target has a parent that is not a constant leaf."""
    index = 0
    while True:
        record = problem_at(COMPACT, seed, index)
        if len(record["graph"]["nodes"]) >= 3:
            return record
        index += 1


def test_wrong_intermediate_value_with_right_answer_is_not_strict():
    for seed in range(20):
        record = _record_with_intermediate(seed)
        steps = _steps(record)
        first = steps[0]  # a leaf: "Define X as a; so a = 3."
        value = int(re.search(r"(\d+)\.$", first)[1])
        steps[0] = re.sub(r"\d+\.$", f"{value + 1}.", first)
        result = verify(" Define ".join(steps), gold_from_record(record))
        assert result.answer_correct and not result.strict_correct
        assert result.value_mismatch >= 1 and result.right_answer_wrong_process


def test_dropped_step_is_missing():
    record = _record_with_intermediate(0)
    steps = _steps(record)
    result = verify(" Define ".join(steps[:1] + steps[2:]), gold_from_record(record))
    assert result.missing == 1 and not result.strict_correct and result.process_accuracy < 1


def test_swapped_parent_is_a_dependency_mismatch():
    found = 0
    for index in range(200):
        record = problem_at(COMPACT, 1, index)
        nodes = record["graph"]["nodes"]
        letters = "abcdefghijklmnopqrstuvwxyz"
        for position, node in enumerate(nodes):
            parent_positions = [i for i, n in enumerate(nodes) if n["name"] in node["parents"]]
            others = [i for i in range(position) if i not in parent_positions]
            if parent_positions and others:
                steps = _steps(record)
                old, new = letters[parent_positions[0]], letters[others[0]]
                head, _, body = steps[position].partition("; so ")
                steps[position] = head + "; so " + re.sub(rf"\b{old}\b", new, body, count=2)
                result = verify(" Define ".join(steps), gold_from_record(record))
                assert result.dependency_mismatch >= 1 and not result.strict_correct
                found += 1
                break
    assert found >= 20


def test_wrong_answer_and_no_answer_and_garbage():
    record = problem_at(COMPACT, 0, 0)
    gold = gold_from_record(record)
    wrong = verify(record["solution"].replace(f"Answer: {record['answer']}.", f"Answer: {record['answer'] + 1}."), gold)
    assert not wrong.answer_correct and "wrong_answer" in wrong.errors and wrong.process_accuracy == 1.0
    cut = verify(record["solution"].split("Answer")[0], gold)
    assert cut.no_answer and not cut.strict_correct
    garbage = verify("the the the ;;; === 12", gold)
    assert garbage.unparseable and garbage.process_accuracy == 0 and garbage.missing == len(gold.nodes)


def test_extra_steps_are_counted_but_tolerated():
    record = problem_at(COMPACT, 0, 3)
    extra = "Define adult fox in Nowhere as z; so z = 3. " + record["solution"]
    result = verify(extra, gold_from_record(record))
    assert result.extra == 1 and result.strict_correct
