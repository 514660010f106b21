"""The parts of a gold forward solution, character by character: what each token of it asks a model to do.

    labels = solution_parts("Define adult owl in Pine Ridge as b; so b = 2 * a = 2 * 4 = 8. Answer: 8.")
    labels[7]   # "name": which quantity the step defines (planning, and copying its words)

A step "Define NAME as L; [X = ... ;] so L = e1 = e2 = ... ." (compact and paper formats alike) has:
- `name`    the quantity the step defines: which node comes next, and its words copied from the problem;
- `letter`  the letter a clause defines (compact: the next of a, b, c; paper: a fresh random one);
- `deps`    an expression of letters (with its operators and constant): which quantities it uses, the binding;
- `values`  an expression of numbers, or a constant stated in the problem: the values read back;
- `result`  a clause's last number after others: the arithmetic (mod the world's modulus);
- `go_on`   the Define after a step's period: not done yet, another step follows;
- `stop`    the Answer after the last step's period: the asked quantity is defined, the solution is done;
- `answer`  the number after "Answer:";
- `syntax`  the rest (the first Define, as, so, =, ;, ., spaces), which a model gets right from the first steps.
A model's loss on the gold text split this way says whether it fails at choosing the next quantity, at binding
its parents, at reading their values, at the arithmetic or at knowing when it is done (`interplay gold-loss`).
Reverse-mode text (an unknown and an equation) is not split: its steps have other parts, and the bases trained here
are forward only.
"""

from __future__ import annotations

import re

PARTS = ("name", "letter", "deps", "values", "result", "go_on", "stop", "answer", "syntax")
_STEP = re.compile(r"(?P<define>Define) (?P<name>.+?) as (?P<letter>\w+); (?P<body>[^.]*)\.")
_ANSWER = re.compile(r"(?P<stop>Answer): (?P<answer>-?\d+)\.")
_HAS_LETTER = re.compile(r"[A-Za-z]")


def solution_parts(text: str) -> list[str]:
    """One part (of PARTS) per character of `text`, a gold forward solution; what no step covers is syntax."""
    labels = ["syntax"] * len(text)

    def mark(start: int, end: int, part: str) -> None:
        labels[start:end] = [part] * (end - start)

    for index, step in enumerate(_STEP.finditer(text)):
        if index:  # the first Define is forced; every later one is the choice not to stop yet
            mark(*step.span("define"), "go_on")
        mark(*step.span("name"), "name")
        mark(*step.span("letter"), "letter")
        offset = step.start("body")
        for clause in step.group("body").split("; "):
            start = offset + (3 if clause.startswith("so ") else 0)
            elements = clause[start - offset:].split(" = ")
            for index, element in enumerate(elements):
                part = ("letter" if index == 0 else "deps" if _HAS_LETTER.search(element)
                        else "result" if index == len(elements) - 1 and index > 1 else "values")
                mark(start, start + len(element), part)
                start += len(element) + len(" = ")
            offset += len(clause) + len("; ")
    for answer in _ANSWER.finditer(text):
        mark(*answer.span("stop"), "stop")
        mark(*answer.span("answer"), "answer")
    return labels
