"""A small safe evaluator for the arithmetic of solution text: integers, letters, + - * and parentheses.

Model output is data: nothing here calls eval or exec. Letters evaluate through a mapping the
caller gives; an unknown letter, a stray character or an expression too long to be a solution
step raises ArithmeticParseError.

    evaluate("2 * (a + 3)", {"a": 4})  # -> 14
    letters_in("S + o - 4")            # -> ["S", "o"]
"""

from __future__ import annotations

import re

MAX_EXPRESSION_CHARS = 400
MAX_NESTING = 32  # deeper parentheses are not a solution step, and would exhaust the recursion
_TOKEN = re.compile(r"\s*(?:(\d+)|([A-Za-z]\w*)|([-+*()]))")
_WELL_FORMED = re.compile(r"(?:\s*+(?:\d++|[A-Za-z]\w*+|[-+*()]))*+\s*+")  # possessive: no backtracking
_LETTER = re.compile(r"[A-Za-z]\w*")


class ArithmeticParseError(ValueError):
    """The text is not an expression of integers, letters, + - * and parentheses."""


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


def evaluate(expression: str, letters: dict[str, int] | None = None) -> int:
    """The integer value of `expression`; letters are looked up in `letters`."""
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise ArithmeticParseError("expression too long")
    letters = letters or {}
    bare = expression.strip()
    # Most sides of a solution's chains are a lone number or letter ("= 5", "S = H"): skip the parser.
    if bare.isascii() and bare.isdigit():
        return int(bare)
    if bare in letters:
        return letters[bare]
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
