"""The paper's own reading of a solution, re-implemented: the graph, verdict and rewards its code computes.

The paper scored its evaluations and its RL samples with a parser of its own (repository
Interplay-LM-Reasoning: utils/solution_dependency_graph.py, scripts/score_dependency_graphs.py,
verl/reward_fn.py). It reads text more leniently than our verifier (parse.py, compare.py), and its
RL learned from those readings, so the `-paper` rewards (rewards.py) reproduce them exactly,
leniencies included. How that code reads a solution:

- A step is "Define <name> as <one letter>;" ("... a <letter>;" too), up to the next step. Names are
  compared exactly (case kept); a quantity defined twice keeps its later definition.
- Every "<letter> = ..." up to the next "." or ";" is an assignment. The step's dependencies are the
  union, over the assignments to its own letter, of the quantities behind every letter written there
  (steps already read, or this step's intermediates); its own letter, unless an earlier step used it,
  stands for nothing ("Y = W = 1; so Y = Y = 1" depends on W's quantity only).
- Values are floats. An assignment is worth its last side ("a + b = 3 + 1 = 4" is worth 4: no
  arithmetic is checked) with letters replaced by their latest values, else the last number written
  in it; a step whose own letter is never assigned is worth the last number of the step
  ("Define K as K; so F = 3." is worth 3). No modulus.
- The answer is the first number in <answer>...</answer>, else after the first "Answer:". The RL
  outcome instead compares the text inside the answer tags with the gold answer as strings.

The evaluation criterion (`PaperComparison.perfect`): answer right, no missing node, no value or
dependency mismatch; extra nodes allowed. The RL penalty with N gold nodes: value mismatches +
dependency mismatches + missing nodes + min(extra nodes, N) + 1 for a wrong answer; process reward
max(0, 1 - penalty / N). Gold graphs for the rewards are read from the gold solution text.
Nothing here calls eval: expressions go through a small float evaluator of Python's grammar for
+ - * / // ** and parentheses, so the values are the ones Python's eval gives on the same text.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from interplay.verify.parse import MAX_TEXT_CHARS

_TAGS = re.compile(r"<[^>]+>")
_STEP_HEAD = re.compile(r"Define\s+(.*?)\s+(?:as|a)\s+(?:[A-Za-z]+\s+)*([A-Za-z]);", re.I | re.S)
_ASSIGNMENT = re.compile(r"([A-Za-z])\s*=\s*([^.;]+)")
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
_SINGLE_LETTER = re.compile(r"[A-Za-z]")
_ARITHMETIC_CHARS = re.compile(r"^[0-9+\-*/().\s]+$")
_ANSWER_TAG_NUMBER = re.compile(r"<answer>\s*([-+]?\d+(?:\.\d+)?)", re.I)
_ANSWER_TEXT_NUMBER = re.compile(r"Answer:\s*([-+]?\d+(?:\.\d+)?)")
_ANSWER_TAG_TEXT = re.compile(r"<answer>(.*?)</answer>", re.I | re.S)
_INNER_DEFINE = re.compile(r"\bDefine\s+", re.I)
VALUE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class PaperGraph:
    """Nodes as name -> (dependencies, value or None), and the answer, as the paper's code reads them."""

    nodes: dict[str, tuple[frozenset[str], float | None]]
    answer: float | None


@dataclass(frozen=True)
class PaperComparison:
    """What the paper's comparison of a gold graph with a predicted one counts."""

    gold_nodes: int
    missing: int
    extra: int
    value_mismatch: int
    dependency_mismatch: int
    answer_mismatch: bool

    @property
    def perfect(self) -> bool:
        """The paper's evaluation criterion: extra nodes allowed, nothing else wrong."""
        return not (self.missing or self.value_mismatch or self.dependency_mismatch or self.answer_mismatch)

    @property
    def penalty(self) -> int:
        """The RL reward's penalty, in which extra nodes count too (at most one per gold node)."""
        return (self.value_mismatch + self.dependency_mismatch + self.missing
                + min(self.extra, max(self.gold_nodes, 1)) + self.answer_mismatch)

    @property
    def process(self) -> float:
        return max(0.0, 1.0 - self.penalty / max(self.gold_nodes, 1))


# --- a float evaluator for the text Python's eval would accept here -------------------------------

_EXPRESSION_TOKEN = re.compile(r"\s*(\d+\.\d*|\.\d+|\d+|\*\*|//|[-+*/()])")


class _NotArithmetic(ValueError):
    pass


def _float_value(expression: str) -> float | None:
    """What `float(eval(expression))` gives for digits, + - * / // ** and parentheses, or None."""
    tokens, position, text = [], 0, expression.rstrip()
    while position < len(text):
        match = _EXPRESSION_TOKEN.match(text, position)
        if not match:
            return None
        tokens.append(match[1])
        position = match.end()
    if len(tokens) > 400:
        return None
    index = 0

    def peek() -> str | None:
        return tokens[index] if index < len(tokens) else None

    def take() -> str:
        nonlocal index
        index += 1
        return tokens[index - 1]

    def atom(depth: int) -> float:
        token = take() if peek() is not None else None
        if token == "(" and depth < 32:
            value = total(depth + 1)
            if peek() != ")":
                raise _NotArithmetic
            take()
            return value
        if token is None or not (token[0].isdigit() or token[0] == "."):
            raise _NotArithmetic
        if "." not in token and len(token) > 1 and token[0] == "0" and token.strip("0"):
            raise _NotArithmetic  # "07" is a SyntaxError in Python 3
        if peek() == "(":
            raise _NotArithmetic  # "2(3)": a number is not callable
        return float(token)

    def power(depth: int) -> float:
        base = atom(depth)
        if peek() == "**":
            take()
            return base ** unary(depth)
        return base

    def unary(depth: int) -> float:
        if peek() in ("-", "+"):
            sign = -1.0 if take() == "-" else 1.0
            return sign * unary(depth)
        return power(depth)

    def product(depth: int) -> float:
        value = unary(depth)
        while peek() in ("*", "/", "//"):
            operator, right = take(), unary(depth)
            value = value * right if operator == "*" else value / right if operator == "/" else value // right
        return value

    def total(depth: int) -> float:
        value = product(depth)
        while peek() in ("+", "-"):
            operator, right = take(), product(depth)
            value = value + right if operator == "+" else value - right
        return value

    try:
        value = total(0)
        if index != len(tokens):
            return None
        return float(value) if isinstance(value, float) else None
    except (_NotArithmetic, ZeroDivisionError, OverflowError, TypeError):
        return None


def _evaluate(expression: str, values: dict[str, float]) -> float | None:
    """An assignment's value: letters replaced textually by their latest values, as the paper's code does."""
    bare = expression.strip()
    if bare.isascii() and bare.isdigit():  # most last sides: a plain number ("07" is Python's SyntaxError)
        return None if len(bare) > 1 and bare[0] == "0" and bare.strip("0") else float(bare)
    for letter in set(_SINGLE_LETTER.findall(expression)):
        if letter not in values:
            return None
        expression = re.sub(rf"\b{letter}\b", str(values[letter]), expression)
    expression = expression.strip()
    if not expression or not _ARITHMETIC_CHARS.match(expression):
        return None
    return _float_value(expression)


def _last_number(text: str) -> float | None:
    numbers = _NUMBER.findall(text)
    return float(numbers[-1]) if numbers else None


def paper_answer(text: str) -> float | None:
    tagged = _ANSWER_TAG_NUMBER.search(text) or _ANSWER_TEXT_NUMBER.search(text)
    return float(tagged[1]) if tagged else None


def _clean_name(name: str) -> str:
    name = " ".join(name.split()).replace("\ufffd", "").strip(" .;")
    inner = list(_INNER_DEFINE.finditer(name))
    return (name[inner[-1].end():] if inner else name).strip(" .;")


@dataclass
class _Step:
    name: str
    letter: str
    dependencies: set[str]
    value: float | None
    own_sides: list[str]


def _read_step(name: str, letter: str, body: str, letter_owner: dict[str, str], values: dict[str, float]) -> _Step:
    step = _Step(name, letter, set(), None, [])
    intermediate: dict[str, set[str]] = {}
    for assignment in _ASSIGNMENT.finditer(body):
        target, expression = assignment[1], assignment[2].strip()
        last_side = expression.split("=")[-1].strip()
        sources: set[str] = set()
        for used in _SINGLE_LETTER.findall(expression):
            if used in letter_owner:
                sources.add(letter_owner[used])
            sources |= intermediate.get(used, set())
        if target == letter:
            step.dependencies |= sources
            if last_side:
                step.own_sides.append(last_side)
        else:
            intermediate.setdefault(target, set()).update(sources)
        value = _evaluate(last_side, values)
        if value is None:
            value = _last_number(assignment[0])
        if value is not None:
            values[target] = value
            if target == letter:
                step.value = value
    if step.value is None:
        step.value = _last_number(body)
        if step.value is not None:
            values[letter] = step.value
    letter_owner[letter] = name
    return step


@functools.lru_cache(maxsize=1024)  # a group's samples share their gold, and several rewards read one text
def read_paper(text: str) -> PaperGraph:
    """The graph the paper's code reads from `text` (any text; never raises). Do not mutate the result."""
    if not isinstance(text, str):
        return PaperGraph({}, None)
    text = text[:MAX_TEXT_CHARS]
    answer = paper_answer(text)
    cleaned = _TAGS.sub("", text).strip()
    heads = list(_STEP_HEAD.finditer(cleaned))
    letter_owner: dict[str, str] = {}
    values: dict[str, float] = {}
    steps = []
    for index, head in enumerate(heads):
        end = heads[index + 1].start() if index + 1 < len(heads) else len(cleaned)
        body = cleaned[head.end():end].strip()
        answer_at = body.find("Answer:")
        body = (body[:answer_at] if answer_at >= 0 else body).strip()
        steps.append(_read_step(_clean_name(head[1]), head[2].strip(), body, letter_owner, values))
    for step in steps:  # a step with no number at all may still be worth its letters' final values
        if step.value is None:
            step.value = next((v for side in reversed(step.own_sides) if (v := _evaluate(side, values)) is not None),
                              values.get(step.letter))
        if step.value is not None:
            values[step.letter] = step.value
    return PaperGraph({s.name: (frozenset(s.dependencies), s.value) for s in steps}, answer)


def paper_gold_from_record(record: dict) -> PaperGraph:
    """The gold graph the paper's evaluation reads from a problem record's graph (names as written)."""
    nodes = {n["name"]: (frozenset(n["parents"]), float(n["value"])) for n in record["graph"]["nodes"]}
    return PaperGraph(nodes, float(record["answer"]))


def _differ(gold: float | None, predicted: float | None) -> bool:
    if gold is None or predicted is None:
        return (gold is None) != (predicted is None)
    return abs(gold - predicted) > VALUE_TOLERANCE


def paper_compare(gold: PaperGraph, predicted: PaperGraph) -> PaperComparison:
    shared = gold.nodes.keys() & predicted.nodes.keys()
    return PaperComparison(
        gold_nodes=len(gold.nodes),
        missing=len(gold.nodes.keys() - predicted.nodes.keys()),
        extra=len(predicted.nodes.keys() - gold.nodes.keys()),
        value_mismatch=sum(_differ(gold.nodes[n][1], predicted.nodes[n][1]) for n in shared),
        dependency_mismatch=sum(gold.nodes[n][0] != predicted.nodes[n][0] for n in shared),
        answer_mismatch=_differ(gold.answer, predicted.answer),
    )


def paper_outcome(text: str, gold_answer) -> bool:
    """The RL outcome of the paper's code: the text inside the answer tags equals the gold answer."""
    tagged = _ANSWER_TAG_TEXT.search(text)
    if tagged:
        written = tagged[1]
    else:
        opened = text.lower().rfind("<answer>")
        written = re.match(r"[^<\n]*", text[opened + len("<answer>"):])[0] if opened >= 0 else ""
    gold = "" if gold_answer is None else str(gold_answer).strip().rstrip(".")
    return bool(gold) and written.strip().rstrip(".") == gold


def paper_process(text: str, gold_solution: str | None, outcome: bool) -> tuple[float, bool]:
    """(process reward, any mismatch) as the paper's RL computes them; without a gold solution the
    process reward falls back to the outcome, as there."""
    if not gold_solution or not gold_solution.strip():
        return float(outcome), False
    report = paper_compare(read_paper(gold_solution), read_paper(text))
    return report.process, report.penalty > 0


def paper_reward(text: str, gold_solution: str | None, gold_answer, answer_weight: float, step_weight: float,
                 strict: bool = False) -> float:
    """The paper's blended RL reward: 0 unless the answer is right; with `strict`, 0 on any mismatch."""
    outcome = paper_outcome(text, gold_answer)
    process, mismatch = paper_process(text, gold_solution, outcome)
    total = answer_weight + step_weight
    if total <= 0:  # as there: equal weights
        answer_weight, step_weight, total = 0.5, 0.5, 1.0
    if not outcome or (strict and mismatch):
        return 0.0
    return max(0.0, min(1.0, (answer_weight * outcome + step_weight * process) / total))
