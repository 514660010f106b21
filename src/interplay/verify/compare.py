"""Gold graph vs predicted graph: the per-node report, process accuracy, strict correctness, errors.

    gold = gold_from_record(record)                 # or gold_from_solution(text, answer)
    report = verify(model_output, gold)
    report.strict_correct, report.process_accuracy, report.to_dict()

s(v) = 1 for a gold node v iff the prediction defines v, with exactly v's parents, and v's value.
Process accuracy is the mean of s(v) over gold nodes (the paper's ProcessAcc); strictly correct
means every s(v) = 1 and the final answer right. Extra (unneeded) steps are counted, not punished.
A quantity defined more than once must be right every time: a wrong statement is a wrong step
whether or not the text states the quantity again (the paper's code keeps the last definition
only; docs/DESIGN.md, "The strict verdict", counts where the two readings part).
A reverse problem's gold values are linear forms in its unknown x, and its strict verdict also
needs the equation: the form the text solves and the value it is given must be the target's.
"""

from __future__ import annotations

from dataclasses import dataclass

from interplay.verify.arithmetic import Linear
from interplay.verify.parse import ParsedSolution, normalize_name, parse_solution, values_equal


@dataclass(frozen=True)
class GoldGraph:
    """Gold nodes as name -> (parents, value), plus the answer and the arithmetic's modulus; in
    reverse mode values are linear forms and `equation` is (the target's form, its given value)."""

    nodes: dict[str, tuple[frozenset[str], int | Linear]]
    answer: int
    modulus: int | None = None
    equation: tuple[int | Linear, int] | None = None


def gold_from_record(record: dict) -> GoldGraph:
    graph = record["graph"]
    nodes = {
        normalize_name(n["name"]): (frozenset(normalize_name(p) for p in n["parents"]),
                                    Linear.of(*n["form"]) if "form" in n else int(n["value"]))
        for n in graph["nodes"]
    }
    equation = None
    if "given" in graph:
        equation = (nodes[normalize_name(graph["target"])][1], int(graph["given"]))
    return GoldGraph(nodes, int(record["answer"]), graph.get("modulus"), equation)


def gold_from_solution(solution: str, answer: int | None = None, modulus: int | None = None) -> GoldGraph:
    """A gold graph read from a gold solution text (ours or the paper generator's)."""
    parsed = parse_solution(solution, modulus)
    answer = parsed.answer if answer is None else answer
    if answer is None:
        raise ValueError("the gold solution has no answer")
    equation = (parsed.equation.form, parsed.equation.given) if parsed.equation else None
    return GoldGraph({n.name: (n.parents, n.value) for n in parsed.nodes.values()}, int(answer), modulus, equation)


@dataclass
class Verification:
    answer_correct: bool
    process_accuracy: float
    strict_correct: bool
    missing: int
    extra: int
    dependency_mismatch: int
    value_mismatch: int
    arithmetic_errors: int
    no_answer: bool
    unparseable: bool
    parsed: ParsedSolution
    equation_mismatch: bool = False  # reverse problems: the solved equation is not the target's

    @property
    def right_answer_wrong_process(self) -> bool:
        return self.answer_correct and not self.strict_correct

    @property
    def errors(self) -> list[str]:
        """The error taxonomy of this sample: each kind it shows, in a fixed order."""
        kinds = {
            "unparseable": self.unparseable, "no_answer": self.no_answer,
            "wrong_answer": not self.answer_correct and not self.no_answer,
            "missing_node": self.missing > 0, "extra_node": self.extra > 0,
            "dependency_mismatch": self.dependency_mismatch > 0, "value_mismatch": self.value_mismatch > 0,
            "arithmetic_error": self.arithmetic_errors > 0, "equation_mismatch": self.equation_mismatch,
        }
        return [kind for kind, present in kinds.items() if present]

    def to_dict(self) -> dict:
        return {
            "answer_correct": self.answer_correct, "process_accuracy": self.process_accuracy,
            "strict_correct": self.strict_correct, "missing": self.missing, "extra": self.extra,
            "value_mismatch": self.value_mismatch, "dependency_mismatch": self.dependency_mismatch,
            "arithmetic_errors": self.arithmetic_errors, "equation_mismatch": self.equation_mismatch,
            "no_answer": self.no_answer,
            "unparseable": self.unparseable, "errors": self.errors, "answer": self.parsed.answer,
            "nodes": self.parsed.to_dict(),
        }


def compare(parsed: ParsedSolution, gold: GoldGraph) -> Verification:
    missing = dependency = value = correct = 0
    for name, (parents, gold_value) in gold.nodes.items():
        node = parsed.nodes.get(name)
        if node is None:
            missing += 1
            continue
        definitions = [node, *parsed.redefinitions.get(name, ())]
        parents_ok = all(d.parents == parents for d in definitions)
        value_ok = all(d.value is not None and values_equal(d.value, gold_value, gold.modulus) for d in definitions)
        dependency += not parents_ok
        value += not value_ok
        correct += parents_ok and value_ok
    answer_correct = parsed.answer is not None and values_equal(parsed.answer, gold.answer, gold.modulus)
    process_accuracy = correct / len(gold.nodes) if gold.nodes else float(answer_correct)
    equation_mismatch = gold.equation is not None and not _equation_matches(parsed, gold)
    return Verification(
        answer_correct=answer_correct,
        process_accuracy=process_accuracy,
        strict_correct=answer_correct and correct == len(gold.nodes) and not equation_mismatch,
        missing=missing,
        extra=sum(name not in gold.nodes for name in parsed.nodes),
        dependency_mismatch=dependency,
        value_mismatch=value,
        arithmetic_errors=parsed.arithmetic_errors,
        no_answer=parsed.answer is None,
        unparseable=not parsed.parseable,
        parsed=parsed,
        equation_mismatch=equation_mismatch,
    )


def _equation_matches(parsed: ParsedSolution, gold: GoldGraph) -> bool:
    written, (form, given) = parsed.equation, gold.equation
    return (written is not None and written.form is not None and values_equal(written.form, form, gold.modulus)
            and values_equal(written.given, given, gold.modulus) and values_equal(written.rhs, given, gold.modulus))


def verify(text: str, gold: GoldGraph) -> Verification:
    """Parse `text` and compare it with `gold`; never raises on any text."""
    return compare(parse_solution(text, gold.modulus), gold)
