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
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from interplay.verify.arithmetic import ArithmeticParseError, evaluate, letters_in

MAX_TEXT_CHARS = 100_000
_STEP_SPLIT = re.compile(r"\bDefine\s+")
_HEAD = re.compile(r"(?P<name>.+?)\s+as\s+(?P<letter>[A-Za-z]\w*)\s*[;,.:]?", re.S)
_ANSWER_TAG = re.compile(r"<answer>\s*(-?\d+)\s*</answer>")
_ANSWER_TEXT = re.compile(r"Answer\s*:\s*(-?\d+)")
_LETTER = re.compile(r"[A-Za-z]\w*")
_UNRESOLVED = "?"  # prefix of a dependency on a letter the text never defined


@dataclass
class PredictedNode:
    name: str
    letter: str
    parents: frozenset[str] = frozenset()
    value: int | None = None
    arithmetic_errors: int = 0


@dataclass
class ParsedSolution:
    nodes: dict[str, PredictedNode] = field(default_factory=dict)
    answer: int | None = None
    arithmetic_errors: int = 0
    redefinitions: dict[str, list[PredictedNode]] = field(default_factory=dict)  # later definitions by name

    @property
    def parseable(self) -> bool:
        return bool(self.nodes) or self.answer is not None

    def to_dict(self) -> list[dict]:
        return [{"name": n.name, "value": n.value, "parents": sorted(n.parents)} for n in self.nodes.values()]


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
        self.values: dict[str, int] = {}
        self.deps: dict[str, frozenset[str]] = {}

    def dependencies(self, expression: str, own: str) -> set[str]:
        found: set[str] = set()
        for letter in letters_in(expression):
            if letter in self.deps:
                found |= self.deps[letter]
            elif letter != own:  # a step's own new letter stands for nothing inside its step
                found.add(_UNRESOLVED + letter)
        return found


def _check_chain(expressions: list[str], letters: _Letters, modulus: int | None) -> tuple[int | None, int]:
    """(final value, 0 or 1) for the clause "e1 = e2 = ... = v": every evaluable side must equal v.

    One wrong clause is one arithmetic error, however many of its sides disagree.
    """
    try:
        final = evaluate(expressions[-1])
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
    for chunk in _STEP_SPLIT.split(_solution_region(text))[1:]:
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
            for expression in expressions:
                dependencies |= letters.dependencies(expression, own)
            if left == own:
                node.parents |= dependencies
                node.value = value if value is not None else node.value
            else:
                letters.deps[left] = frozenset(dependencies)
            if value is not None:
                letters.values[left] = value
        letters.deps[own] = frozenset({name})
        if node.value is None:
            letters.values.pop(own, None)  # the letter's earlier value no longer holds
        parsed.arithmetic_errors += node.arithmetic_errors
        if name in parsed.nodes:
            parsed.redefinitions.setdefault(name, []).append(node)
        else:
            parsed.nodes[name] = node
    return parsed
