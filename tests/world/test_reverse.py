"""Reverse (equation) mode: the paper's "forwardreverse" problems, generated and verified."""

from hypothesis import given, settings
from hypothesis import strategies as st

from interplay.verify.compare import gold_from_record, gold_from_solution, verify
from interplay.world.mixture import MixtureSpec, problem_at
from interplay.world.reverse import format_linear, operand, solving_steps

WORLDS = st.sampled_from([("paper", None), ("paper", 23), ("compact", None), ("compact", 23)])


def _reverse(op: int, world: tuple, index: int) -> dict:
    fmt, modulus = world
    return problem_at(MixtureSpec.parse(ops=str(op), format=fmt, modulus=modulus, mode="reverse"), 0, index)


@settings(max_examples=60, deadline=None)
@given(op=st.integers(2, 14), world=WORLDS, index=st.integers(0, 10**6))
def test_reverse_record_is_exact_and_its_gold_verifies(op, world, index):
    record = _reverse(op, world, index)
    graph = record["graph"]
    assert record["mode"] == "reverse" and record["op"] == op
    assert op == sum(len(n["parents"]) + (n["constant"] is not None) for n in graph["nodes"])
    nodes = {n["name"]: n for n in graph["nodes"]}
    unknown, target = nodes[graph["unknown"]], nodes[graph["target"]]
    # The answer is the hidden leaf's constant, a positive integer, and the question asks for it.
    assert unknown["operation"] == "const" and record["answer"] == unknown["constant"] >= 1
    assert unknown["form"] == [1, 0] and graph["given"] == target["value"]
    assert unknown["name"].split(" in ")[1] in record["question"]
    assert "exists, and its number is greater than 0" in record["problem"]
    assert f"equals {graph['given']}." in record["problem"]
    modulus = graph["modulus"]
    for node in graph["nodes"]:  # every form gives the node's value at x = answer
        a, b = node["form"]
        value = a * record["answer"] + b
        assert (value % modulus if modulus else value) == node["value"]
    a = target["form"][0]
    assert (a % modulus and pow(a, -1, modulus)) if modulus else a != 0  # x is fixed uniquely
    assert "Answer: {}.".format(record["answer"]) in record["solution"]
    result = verify(record["solution"], gold_from_record(record))
    assert result.strict_correct and result.arithmetic_errors == 0, result.to_dict()
    assert verify(record["solution"], gold_from_solution(record["solution"], modulus=modulus)).strict_correct


@settings(max_examples=40, deadline=None)
@given(op=st.integers(3, 12), world=WORLDS, index=st.integers(0, 10**6))
def test_a_corrupted_coefficient_is_caught(op, world, index):
    record = _reverse(op, world, index)
    solution = record["solution"]
    steps = solution.split(" Define ")
    for position, step in enumerate(steps):
        head, _, last = step.rpartition(" = ")
        if "x" in last and "know its value" not in step and "We know" not in last:
            form = last.rstrip(".")
            steps[position] = f"{head} = {form} + 1."  # the step's form off by one
            break
    else:
        return  # no step with a form in x before the equation (the unknown feeds the target directly)
    result = verify(" Define ".join(steps), gold_from_record(record))
    assert not result.strict_correct and (result.value_mismatch or result.arithmetic_errors)


def test_wrong_equation_or_solving_step_is_caught():
    record = _reverse(6, ("compact", None), 3)
    gold = gold_from_record(record)
    head, _, tail = record["solution"].partition("We know")
    letter, _, rest = tail.strip().partition(" = ")
    given = rest.split(",")[0]
    wrong_given = record["solution"].replace(f"We know {letter} = {given},", f"We know {letter} = {int(given) + 1},")
    assert verify(wrong_given, gold).equation_mismatch
    assert not verify(wrong_given, gold).strict_correct
    x = record["answer"]
    wrong_step = record["solution"].replace(f": x = {x}.", f": x = {x + 1}.")
    if wrong_step != record["solution"]:
        assert verify(wrong_step, gold).arithmetic_errors == 1


def test_the_paper_generators_reverse_text_is_read():
    """Text in the shape the paper's own generator writes (sympy printing, its solving recipe)."""
    solution = (
        "The question is difficult, so we use equations to solve it. Define adult wolf in Bundle Ranch as x; we "
        "don't know its value yet but will find it out later. Define adult bear in Bundle Ranch as P; so P = 1. "
        "Define adult fox in Bundle Ranch as H; R = x = x; so H = R + P = x + 1 = x + 1. Define total number of "
        "adult animals in Bundle Ranch as L; T = x + H = (x) + (x + 1) = 2*x + 1; so L = T + P = 2*x + 1 + 1 = "
        "2*x + 2. We know L = 8, so we have 2*x + 2 = 8 and we solve it through the following steps: Simplifying "
        "the equation: 2*x + 2 = 8. Move all terms to one side: 2*x - 6 = 0. Isolate the term with x: 2*x = 6. "
        "Divide both sides by 2: x = 6 / 2. Solution: x = 3. Answer: 3.")
    gold = gold_from_solution(solution)
    assert gold.equation is not None and gold.answer == 3
    result = verify(solution, gold)
    assert result.strict_correct and result.arithmetic_errors == 0
    assert result.parsed.nodes["adult fox in bundle ranch"].parents == {"adult wolf in bundle ranch",
                                                                       "adult bear in bundle ranch"}


def test_a_mix_of_modes_draws_both_and_forward_streams_are_unchanged():
    mixed = MixtureSpec.parse(ops="3-6", mode="forward=0.5,reverse=0.5")
    modes = [problem_at(mixed, 0, i)["mode"] for i in range(200)]
    assert 60 < modes.count("reverse") < 140
    forward = MixtureSpec.parse(ops="3-6", mode="forward")
    assert problem_at(forward, 0, 7) == problem_at(MixtureSpec.parse(ops="3-6"), 0, 7)


def test_forms_are_written_so_the_verifier_reads_them_back():
    forms = [(0, 7), (1, 0), (-1, 5), (3, -4), (2, 1)]
    assert [format_linear(*f) for f in forms] == ["7", "x", "-x + 5", "3*x - 4", "2*x + 1"]
    assert [operand(*f) for f in [(0, 7), (2, 0), (-1, 0), (1, 1), (0, -3)]] == ["7", "2*x", "(-x)", "(x + 1)", "(-3)"]
    assert solving_steps("L", (22, 5), 2, 23) == ("We know L = 2, so 22*x + 5 = 2. Subtract 5 from both sides: "
                                                 "22*x = 20. Divide both sides by 22 modulo 23: x = 3.")
    assert solving_steps("L", (-1, 9), 4, None).endswith("Divide both sides by -1: x = 5.")

