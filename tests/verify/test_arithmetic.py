"""The safe evaluator: correct arithmetic, letters, and errors instead of exceptions of other kinds."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interplay.verify.arithmetic import ArithmeticParseError, Linear, evaluate, letters_in


@pytest.mark.parametrize("expression, value", [
    ("2 + 3", 5), ("2 * (4 + 3)", 14), ("10 - 4 - 3", 3), ("2 + 3 * 4", 14), ("(((7)))", 7), ("-3 + 5", 2),
    ("a + B2", 13), ("2 * (a - 1)", 6),
])
def test_values(expression, value):
    assert evaluate(expression, {"a": 4, "B2": 9}) == value


@pytest.mark.parametrize("expression", ["", "2 +", "(2 + 3", "2 + 3)", "2 / 3", "2 ** 3", "x + 1", "__import__('os')",
                                        "(" * 40 + "1" + ")" * 40, "1 + " * 200 + "1"])
def test_rejects_what_is_not_arithmetic(expression):
    with pytest.raises(ArithmeticParseError):
        evaluate(expression, {})


@given(st.text(alphabet="0123456789+-*() abxyZ;=.", max_size=60))
def test_never_raises_anything_else(text):
    try:
        evaluate(text, {"a": 1, "b": 2})
    except ArithmeticParseError:
        pass


def test_letters_in():
    assert letters_in("S + o - 4 * A0") == ["S", "o", "A0"]


@given(minus=st.booleans(), k=st.one_of(st.none(), st.integers(0, 99)), letter=st.sampled_from(["x", "a", "B2"]),
       tail=st.one_of(st.none(), st.tuples(st.sampled_from("+-"), st.integers(0, 99))),
       value=st.one_of(st.integers(-50, 50), st.builds(Linear, st.integers(1, 9), st.integers(-9, 9))))
def test_linear_shapes_read_without_the_parser_equal_the_parser(minus, k, letter, tail, value):
    text = ("-" if minus else "") + (f"{k}*" if k is not None else "") + letter
    text += f" {tail[0]} {tail[1]}" if tail else ""
    assert evaluate(text, {letter: value}) == evaluate(f"({text})", {letter: value})  # parentheses: the parser


def test_linear_forms_add_scale_and_cancel():
    x = Linear(1, 0)
    assert evaluate("2 * (x + 3) - x", {"x": x}) == Linear(1, 6)
    assert evaluate("(x + 1) - x", {"x": x}) == 1 and isinstance(evaluate("x - x", {"x": x}), int)
    assert (Linear(24, 5) % 23) == Linear(1, 5) and Linear(23, 5) % 23 == 5
    with pytest.raises(ArithmeticParseError):
        evaluate("x * x", {"x": x})
