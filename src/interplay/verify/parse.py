"""Free-form solution text -> predicted graph. Any text in, never an exception out.

    parsed = parse_solution(model_output)
    parsed.nodes["adult crow in mayer aquarium"].parents   # {"adult owl in south zoo", ...}
    parsed.answer                                           # 42, or None

A step is "Define <quantity> as <letter>; <clause>; ...; so <letter> = <expr> = ... = <value>."
Node identity is the normalised quantity name (lower case, single spaces). A clause
"X = <expr> = <expr> = <number>" defines letter X; its dependencies are the quantities behind every
letter its expressions use, followed through intermediate letters ("S = H = 2; so M = 1 + S"
makes M depend on H's quantity). A node's parents are the union over the clauses that assign its
own letter (two clauses that disagree make a dependency mismatch), its value the final number of
the last of them. Inside its own step a letter keeps its previous meaning until the step ends: a
letter reused from an earlier step stands for that step's quantity, and the step's own new letter
stands for nothing ("Y = W = 1; so Y = Y = 1" depends on W's quantity only, as the paper reads it).
A quantity defined again is kept as a redefinition: compare.py requires every definition to be
right. Every written equality that can be evaluated is checked with the safe evaluator (modulus
aware); one that does not hold ("2 + 3 = 6") is an arithmetic error. This reads the paper's format,
our compact format, the paper generator's own text, with or without tags, in any step order.

Reverse (equation) text: a step that assigns nothing and says it does not "know its value" makes
its letter the unknown x, and every later value is a linear form a*x + b, computed exactly
(arithmetic.Linear; where the paper's own parser falls back to the last number it sees). The
sentences from "We know" on are the equation: "We know L = 11, so 3*x + 2 = 11" is recorded as
(3*x + 2, 11, 11) for compare.py to check against the target's form and value; every later
equality ("Subtract 2 from both sides: 3*x = 9", "x = 3") must hold at the answer's x, or it is an
arithmetic error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from interplay.verify.arithmetic import ArithmeticParseError, Linear, evaluate, letters_in
from interplay.world.reverse import format_linear

MAX_TEXT_CHARS = 100_000
_STEP_SPLIT = re.compile(r"\bDefine\s+")
_HEAD = re.compile(r"(?P<name>.+?)\s+as\s+(?P<letter>[A-Za-z]\w*)\s*[;,.:]?", re.S)
_ANSWER_TAG = re.compile(r"<answer>\s*(-?\d+)\s*</answer>")
_ANSWER_TEXT = re.compile(r"Answer\s*:\s*(-?\d+)")
_LETTER = re.compile(r"[A-Za-z]\w*")
_UNRESOLVED = "?"  # prefix of a dependency on a letter the text never defined
_UNKNOWN_STEP = re.compile(r"know its value")
_KNOWN = re.compile(r"We know\s+(?P<letter>[A-Za-z]\w*)\s*=\s*(?P<given>-?\d+)\s*,\s*so\s+(?:we have\s+)?"
                    r"(?P<form>[^=.;]+?)\s*=\s*(?P<rhs>-?\d+)")
X = Linear(1, 0)


@dataclass
class PredictedNode:
    name: str
    letter: str
    parents: frozenset[str] = frozenset()
    value: int | Linear | None = None
    arithmetic_errors: int = 0


@dataclass(frozen=True)
class Equation:
    """A reverse solution's equation "We know L = given, so form = rhs" (form None if unreadable)."""

    form: int | Linear | None
    given: int
    rhs: int


@dataclass
class ParsedSolution:
    nodes: dict[str, PredictedNode] = field(default_factory=dict)
    answer: int | None = None
    arithmetic_errors: int = 0
    redefinitions: dict[str, list[PredictedNode]] = field(default_factory=dict)  # later definitions by name
    equation: Equation | None = None  # reverse text only

    @property
    def parseable(self) -> bool:
        return bool(self.nodes) or self.answer is not None

    def to_dict(self) -> list[dict]:
        return [{"name": n.name,
                 "value": format_linear(n.value.a, n.value.b) if isinstance(n.value, Linear) else n.value,
                 "parents": sorted(n.parents)} for n in self.nodes.values()]


def normalize_name(name: str) -> str:
    return " ".join(name.lower().split())


def values_equal(a: int, b: int, modulus: int | None) -> bool:
    """Equal as integers, or as residues when the world computes modulo `modulus`."""
    return a == b if modulus is None else (a - b) % modulus == 0


def _solution_region(text: str) -> str:
    start = text.find("<solution>")
    if start >= 0:
        text = text[start + len("<solution>"):]
    end = text.find("</solution>")
    return text if end < 0 else text[:end]


def extract_answer(text: str) -> int | None:
    """The tagged answer if there is one, else the last "Answer: N" of the text."""
    tagged = _ANSWER_TAG.search(text)
    if tagged:
        return int(tagged[1])
    written = _ANSWER_TEXT.findall(text)
    return int(written[-1]) if written else None


class _Letters:
    """What each letter stands for: its value (if known) and the quantities behind it."""

    def __init__(self):
        self.values: dict[str, int | Linear] = {}
        self.deps: dict[str, frozenset[str]] = {}
        self.unknowns: dict[str, Linear] = {}  # reverse text: the letter of x, which a final side may use

    def dependencies(self, expression: str, own: str, values_only: bool = False) -> set[str]:
        """The quantities behind the letters of `expression`; with `values_only` (a side after the
        first, which writes values) the unknown's letter is part of a form in x, not a parent."""
        found: set[str] = set()
        for letter in letters_in(expression):
            if values_only and letter in self.unknowns:
                continue
            if letter in self.deps:
                found |= self.deps[letter]
            elif letter != own:  # a step's own new letter stands for nothing inside its step
                found.add(_UNRESOLVED + letter)
        return found


def _check_chain(expressions: list[str], letters: _Letters, modulus: int | None) -> tuple[int | Linear | None, int]:
    """(final value, 0 or 1) for the clause "e1 = e2 = ... = v": every evaluable side must equal v.

    One wrong clause is one arithmetic error, however many of its sides disagree.
    """
    try:
        final = evaluate(expressions[-1], letters.unknowns)
    except ArithmeticParseError:
        final = None
    if final is None:
        return None, 1 if len(expressions) > 1 else 0
    if modulus is not None:
        final %= modulus
    errors = 0
    for expression in expressions[:-1]:
        try:
            value = evaluate(expression, letters.values)
        except ArithmeticParseError:
            if not any(letter not in letters.values for letter in letters_in(expression)):
                errors += 1  # not an expression at all: garbage between the '=' signs
            continue  # a letter the text never gave a value cannot be checked
        if not values_equal(value, final, modulus):
            errors += 1
    return final, min(errors, 1)


def parse_solution(text: str, modulus: int | None = None) -> ParsedSolution:
    """Parse model or gold solution text into a predicted graph; garbage gives an empty one."""
    if not isinstance(text, str):
        return ParsedSolution()
    text = text[:MAX_TEXT_CHARS]
    parsed = ParsedSolution(answer=extract_answer(text))
    letters = _Letters()
    region = _solution_region(text)
    region, known, equation_text = region.partition("We know")
    for chunk in _STEP_SPLIT.split(region)[1:]:
        head = _HEAD.match(chunk)
        if not head:
            continue
        name, own = normalize_name(head["name"]), head["letter"]
        node = PredictedNode(name, own)
        body = chunk[head.end():].split("Answer", 1)[0]
        for clause in body.split(";"):
            clause = clause.strip().rstrip(".").strip()
            if clause.startswith("so "):
                clause = clause[3:]
            sides = [side.strip() for side in clause.split("=")]
            if len(sides) < 2 or not _LETTER.fullmatch(sides[0]):
                continue
            left, expressions = sides[0], sides[1:]
            value, errors = _check_chain(expressions, letters, modulus)
            node.arithmetic_errors += errors
            dependencies: set[str] = set()
            for position, expression in enumerate(expressions):
                dependencies |= letters.dependencies(expression, own, values_only=position > 0)
            if left == own:
                node.parents |= dependencies
                node.value = value if value is not None else node.value
            else:
                letters.deps[left] = frozenset(dependencies)
            if value is not None:
                letters.values[left] = value
        if node.value is None and _UNKNOWN_STEP.search(body):
            node.value = letters.values[own] = letters.unknowns[own] = X
        letters.deps[own] = frozenset({name})
        if node.value is None:
            letters.values.pop(own, None)  # the letter's earlier value no longer holds
        parsed.arithmetic_errors += node.arithmetic_errors
        if name in parsed.nodes:
            parsed.redefinitions.setdefault(name, []).append(node)
        else:
            parsed.nodes[name] = node
    if known:
        _read_equation(known + equation_text, parsed, letters, modulus)
    return parsed


def _read_equation(text: str, parsed: ParsedSolution, letters: _Letters, modulus: int | None) -> None:
    """The equation of a reverse solution, and its solving steps checked at the answer's x."""
    text = text.split("Answer", 1)[0]
    equation = _KNOWN.match(text)
    if equation:
        try:
            form = evaluate(equation["form"], letters.values)
            form = form % modulus if modulus is not None else form
        except ArithmeticParseError:
            form = None
        parsed.equation = Equation(form, int(equation["given"]), int(equation["rhs"]))
    if parsed.answer is None:
        return
    at_answer = {letter: parsed.answer for letter in letters.unknowns} | {"x": parsed.answer}
    for sentence in text.split(". ")[1:]:  # the first holds the equation itself
        sides = sentence.rpartition(":")[2].strip().rstrip(".").split("=")
        if len(sides) < 2:
            continue
        values = []
        for side in sides:
            try:
                value = evaluate(side, at_answer)
            except ArithmeticParseError:
                continue  # "x = 9 / 3": not our arithmetic, not checked
            values.append(value % modulus if modulus is not None else value)
        if len(set(values)) > 1:
            parsed.arithmetic_errors += 1
