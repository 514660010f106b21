"""A small safe evaluator for the arithmetic of solution text: integers, letters, + - * and parentheses.

Model output is data: nothing here calls eval or exec. Letters evaluate through a mapping the
caller gives; an unknown letter, a stray character or an expression too long to be a solution
step raises ArithmeticParseError.

    evaluate("2 * (a + 3)", {"a": 4})  # -> 14
    letters_in("S + o - 4")            # -> ["S", "o"]
    evaluate("2*x + 3 - x", {"x": Linear(1, 0)})  # -> Linear(1, 3): reverse problems' steps

A letter may stand for a linear form a*x + b (`Linear`): the value of a step of a reverse problem,
which depends on the unknown x. Forms add, subtract and scale exactly; x times x is not linear and
raises ArithmeticParseError. A form whose x cancels becomes a plain int again, so text without an
unknown never meets the class.
"""

from __future__ import annotations

import re

MAX_EXPRESSION_CHARS = 400
MAX_NESTING = 32  # deeper parentheses are not a solution step, and would exhaust the recursion
_TOKEN = re.compile(r"\s*(?:(\d+)|([A-Za-z]\w*)|([-+*()]))")
_WELL_FORMED = re.compile(r"(?:\s*+(?:\d++|[A-Za-z]\w*+|[-+*()]))*+\s*+")  # possessive: no backtracking
_LETTER = re.compile(r"[A-Za-z]\w*")
# "k*L + c" in any of its written shapes ("x", "-x + 5", "3*x - 4"): a linear form, read without the parser.
_SCALED_LETTER = re.compile(r"\s*(-)?(?:(\d+)\s*\*\s*)?([A-Za-z]\w*)\s*(?:([-+])\s*(\d+))?\s*")


class ArithmeticParseError(ValueError):
    """The text is not an expression of integers, letters, + - * and parentheses."""


class Linear:
    """a*x + b with a != 0 (build with `Linear.of`, which gives an int when a == 0)."""

    __slots__ = ("a", "b")

    def __init__(self, a: int, b: int):
        self.a, self.b = a, b

    @staticmethod
    def of(a: int, b: int) -> "Linear | int":
        return Linear(a, b) if a else b

    def __add__(self, other):
        if isinstance(other, Linear):
            return Linear.of(self.a + other.a, self.b + other.b)
        return Linear(self.a, self.b + other)

    __radd__ = __add__

    def __neg__(self):
        return Linear(-self.a, -self.b)

    def __sub__(self, other):
        return self + -other

    def __rsub__(self, other):
        return -self + other

    def __mul__(self, other):
        if isinstance(other, Linear):
            raise ArithmeticParseError("x times x is not linear")
        return Linear.of(self.a * other, self.b * other)

    __rmul__ = __mul__

    def __mod__(self, modulus: int):
        return Linear.of(self.a % modulus, self.b % modulus)

    def __eq__(self, other) -> bool:
        return isinstance(other, Linear) and self.a == other.a and self.b == other.b

    def __hash__(self) -> int:
        return hash((self.a, self.b))

    def at(self, x: int) -> int:
        return self.a * x + self.b

    def __repr__(self) -> str:
        return f"Linear({self.a}, {self.b})"


def letters_in(expression: str) -> list[str]:
    return _LETTER.findall(expression)


def _tokens(expression: str) -> list[str | int]:
    # One C-level pass to validate and one to split, instead of a Python loop over matches.
    if not _WELL_FORMED.fullmatch(expression):
        raise ArithmeticParseError("unexpected character")
    tokens: list[str | int] = [
        int(number) if number else (letter or symbol) for number, letter, symbol in _TOKEN.findall(expression)
    ]
    if not tokens:
        raise ArithmeticParseError("empty expression")
    if tokens.count("(") > MAX_NESTING:
        raise ArithmeticParseError("too many parentheses")
    return tokens


def evaluate(expression: str, letters: dict[str, int | Linear] | None = None) -> int | Linear:
    """The value of `expression`; letters are looked up in `letters`."""
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise ArithmeticParseError("expression too long")
    letters = letters or {}
    bare = expression.strip()
    # Most sides of a solution's chains are a lone number or letter ("= 5", "S = H"): skip the parser.
    if bare.isascii() and bare.isdigit():
        return int(bare)
    if bare in letters:
        return letters[bare]
    scaled = _SCALED_LETTER.fullmatch(bare)
    if scaled and scaled[3] in letters:
        value = letters[scaled[3]] * (int(scaled[2]) if scaled[2] else 1)
        value = -value if scaled[1] else value
        if scaled[5]:
            value = value + int(scaled[5]) if scaled[4] == "+" else value - int(scaled[5])
        return value
    tokens = _tokens(expression)
    position = 0

    def peek():
        return tokens[position] if position < len(tokens) else None

    def take():
        nonlocal position
        position += 1
        return tokens[position - 1]

    def atom() -> int:
        token = take() if position < len(tokens) else None
        if isinstance(token, int):
            return token
        if token == "(":
            value = total()
            closing = take() if position < len(tokens) else None
            if closing != ")":
                raise ArithmeticParseError("unbalanced parenthesis")
            return value
        if token == "-":
            return -atom()
        if isinstance(token, str) and token[0].isalpha():
            if token not in letters:
                raise ArithmeticParseError(f"unknown letter {token}")
            return letters[token]
        raise ArithmeticParseError(f"unexpected {token!r}")

    def product() -> int:
        value = atom()
        while peek() == "*":
            take()
            value *= atom()
        return value

    def total() -> int:
        value = product()
        while peek() in ("+", "-"):
            value = value + product() if take() == "+" else value - product()
        return value

    value = total()
    if position != len(tokens):
        raise ArithmeticParseError(f"trailing {tokens[position]!r}")
    return value
