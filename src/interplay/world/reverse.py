"""What reverse (equation) mode writes: linear forms, the unknown's and the given value's sentences,
and the solving of the final equation.

A reverse problem (world/graph.py, "Reverse mode") hides one leaf constant ("The number of adult
wolf in Bundle Ranch exists, and its number is greater than 0."), gives the target's value instead
("The total number of adult animals in Bundle Ranch equals 11.") and asks for the leaf. Its gold
solution names the unknown x, carries every step as a linear form in x, and solves the last one:

    Define adult wolf in Bundle Ranch as x; we do not know its value yet but will find it out later.
    Define adult bear in Bundle Ranch as b; so b = 2 * x = 2*x. ...
    We know e = 11, so 3*x + 2 = 11. Subtract 2 from both sides: 3*x = 9. Divide both sides by 3: x = 3.
    Answer: 3.

The paper's generator writes the same steps with sympy's printing and a longer solving recipe
("Simplifying the equation: ... Move all terms to one side: ..."); the verifier reads both.
"""

from __future__ import annotations

UNKNOWN_LETTER = "x"
UNKNOWN_CLAUSE = "we do not know its value yet but will find it out later"
PAPER_PREAMBLE = "The question is difficult, so we use equations to solve it."


def format_linear(a: int, b: int) -> str:
    """a*x + b as a solution writes it: '2*x + 1', 'x', '-x + 5', '3*x - 4', '7'."""
    if a == 0:
        return str(b)
    term = {1: "x", -1: "-x"}.get(a, f"{a}*x")
    if b == 0:
        return term
    return f"{term} + {b}" if b > 0 else f"{term} - {-b}"


def operand(a: int, b: int) -> str:
    """A form as one operand of a larger expression: parenthesised unless it is one term."""
    text = format_linear(a, b)
    return text if (a == 0 and b >= 0) or (b == 0 and a > 0) else f"({text})"


def unknown_sentence(reference: str) -> str:
    """The problem's sentence for the hidden leaf (`reference`: "the number of ...")."""
    return f"{reference[0].upper()}{reference[1:]} exists, and its number is greater than 0."


def given_sentence(reference: str, value: int) -> str:
    """The problem's sentence giving the target's value."""
    return f"{reference[0].upper()}{reference[1:]} equals {value}."


def solving_steps(letter: str, form: tuple[int, int], value: int, modulus: int | None) -> str:
    """From the target's letter and value to x: the equation, then one step per operation."""
    a, b = form
    steps = [f"We know {letter} = {value}, so {format_linear(a, b)} = {value}."]
    rest = (value - b) % modulus if modulus else value - b
    if b:
        move = f"Subtract {b} from both sides" if b > 0 else f"Add {-b} to both sides"
        steps.append(f"{move}: {format_linear(a, 0)} = {rest}.")
    if a != 1:
        x = rest * pow(a, -1, modulus) % modulus if modulus else rest // a
        where = f" modulo {modulus}" if modulus else ""
        steps.append(f"Divide both sides by {a}{where}: {UNKNOWN_LETTER} = {x}.")
    return " ".join(steps)
