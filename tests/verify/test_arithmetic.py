"""The safe evaluator: correct arithmetic, letters, and errors instead of exceptions of other kinds."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interplay.verify.arithmetic import ArithmeticParseError, evaluate, letters_in


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
