"""Graph + context -> problem, question, gold solution and the problem record.

Two solution formats share one graph, one op and one set of steps:

- `paper`: the GSM-Infinite text of the paper, letter for letter. Every quantity gets a fresh random
  letter; every parent reference first gets a fresh letter of its own ("S = H = 2;"); n-ary sums
  are chained pairwise through fresh letters; a constant prefix comes last ("so P = 2 * v = ...").
      Define regional medical school in Hawkesbury as M; S = H = 2; so M = 1 + S = 1 + 2 = 3.
- `compact`: the same steps with the binding burden removed, for small models: letters a, b, c, ...
  in order of definition, no intermediate letters, one expression per quantity.
      Define adult blue jay in Mayer Aquarium as b; so b = 2 * a = 2 * 4 = 8.

Sentence order is `shuffled` (the paper) or `topological` (each sentence after the ones it uses).
The steps follow the graph's solution `path` (the paper: depth-first from the target, so the first step
already asks which leaf the target's first parent chain ends in) or the `text`: each step the quantity
whose sentence comes first among those ready, so that writing the next step is reading on, not planning.
The question comes `after` the problem text (the paper) or `before` it, so that a model reads the
problem knowing what it must find (Physics of LMs 2.2 saw no gain from it on iGSM; here it is a dial).
A reverse-mode graph (one leaf unknown, the target given) is written by the same two formats with
every value a linear form in x, and the solving of the last equation (world/reverse.py).
"""

from __future__ import annotations

import hashlib
import json
import random
import string
from dataclasses import dataclass, replace

from interplay.errors import UserError
from interplay.world.contexts import Context
from interplay.world.graph import Graph, Quantity, combine_forms, linear_forms
from interplay.world.reverse import (PAPER_PREAMBLE, UNKNOWN_CLAUSE, UNKNOWN_LETTER, format_linear, given_sentence,
                                     operand, solving_steps, unknown_sentence)

FORMATS = ("paper", "compact")
ORDERS = ("shuffled", "topological")
SOLUTION_ORDERS = ("path", "text")
QUESTION_PLACES = ("after", "before")
QUESTION_FORMS = ("context", "name")
SINGLE_LETTERS = tuple(string.ascii_uppercase + string.ascii_lowercase)
# Past 52 letters (paper format above op ~25) fresh names continue as A0..z9.
EXTRA_LETTERS = tuple(f"{letter}{digit}" for digit in range(10) for letter in SINGLE_LETTERS)
COMPACT_LETTERS = tuple(string.ascii_lowercase + string.ascii_uppercase) + EXTRA_LETTERS
_SYMBOL = {"sum": "+", "diff": "-", "copy": "+"}
# Every fixed word the renderer writes (the tokenizer's vocabulary is built from these).
TEMPLATE_PHRASES = (
    "The number of {name} equals the sum of {a}, {b} and {c}.",
    "the difference of {a} and {b}", "{k} plus {x}", "{k} times {x}", "the number of {x}", "the {x} in {y}",
    "Define {name} as {x}; so {x} = {y}.", "Answer: {n}.", "What is {x}?",
)
# The words reverse mode adds (world/reverse.py): in a tokenizer's vocabulary only when its world has
# reverse problems, so a forward world's vocabulary, and the models trained on it, stay as they were.
REVERSE_PHRASES = (
    PAPER_PREAMBLE, UNKNOWN_CLAUSE, "The number of {x} exists, and its number is greater than 0.",
    "We know {x} = {n}, so {f} = {n}.", "Subtract {n} from both sides: {f} = {n}.", "Add {n} to both sides",
    "Divide both sides by {n} modulo {m}: x = {n}.",
)
_PREFIX_SYMBOL = {"plus": "+", "times": "*"}


class Lexicon:
    """The names one problem uses: location index -> entity name, item index -> item name."""

    def __init__(self, context: Context, n_locations: int, n_items: int, rng: random.Random):
        self.context = context
        self.entities = _draw(context.entities, n_locations, rng)
        self.items = _draw(context.items, n_items, rng)

    def name(self, quantity: Quantity) -> str:
        entity = self.entities[quantity.location]
        if quantity.is_aggregate:
            return f"{self.context.aggregate} in {entity}"
        return f"{self.items[quantity.key[2]]} in {entity}"

    def reference(self, quantity: Quantity) -> str:
        return f"the {self.name(quantity)}" if quantity.is_aggregate else f"the number of {self.name(quantity)}"

    def question(self, quantity: Quantity, form: str = "context") -> str:
        if form == "name":  # the quantity named word for word as its sentence and its step name it
            return f"What is {self.reference(quantity)}?"
        entity = self.entities[quantity.location]
        if quantity.is_aggregate:
            return self.context.question_aggregate.format(aggregate=self.context.aggregate, entity=entity)
        return self.context.question_instance.format(item=self.items[quantity.key[2]], entity=entity)


def _draw(groups: tuple[tuple[str, ...], ...], count: int, rng: random.Random) -> list[str]:
    """`count` names from one random sub-list, or from their union when no sub-list is long enough."""
    group = rng.choice(groups)
    if len(group) < count:
        group = tuple(sorted({name for g in groups for name in g}))
    return rng.sample(group, count)


def problem_sentences(graph: Graph, lexicon: Lexicon, order: str, rng: random.Random) -> tuple[list[str], list[int]]:
    """One sentence per instance quantity (aggregates are defined by the world, not by a sentence);
    in reverse mode the unknown's sentence hides its value and one more sentence gives the target's.
    Also the quantities in the order of their sentences."""
    indices = [i for i in graph.path + graph.distractors if not graph.quantities[i].is_aggregate]
    if order == "shuffled":
        rng.shuffle(indices)
    else:
        indices = _random_topological_order(graph, indices, rng)
    sentences = [unknown_sentence(lexicon.reference(graph.quantities[i])) if i == graph.unknown
                 else _sentence(graph.quantities[i], graph, lexicon) for i in indices]
    if graph.unknown is not None:
        given = given_sentence(lexicon.reference(graph.target), graph.target.value)
        sentences.insert(rng.randint(0, len(sentences)) if order == "shuffled" else len(sentences), given)
    return sentences, indices


def text_ordered_path(graph: Graph, sentence_order: list[int]) -> list[int]:
    """The solution path reordered as the text reads: each step the ready quantity (its parents defined) whose
    sentence comes first; an aggregate, which has no sentence, as soon as its parts are defined. Still a
    topological order, so the target (every other step's descendant) stays last."""
    position = {index: place for place, index in enumerate(sentence_order)}
    pending, done, path = set(graph.path), set(), []
    while pending:
        ready = [i for i in pending if all(p in done for p in graph.quantities[i].parents)]
        step = min(ready, key=lambda i: (not graph.quantities[i].is_aggregate, position.get(i, -1), i))
        pending.discard(step)
        done.add(step)
        path.append(step)
    return path


def _random_topological_order(graph: Graph, indices: list[int], rng: random.Random) -> list[int]:
    """A uniformly drawn ready quantity at each step: every sentence after all the ones it uses."""
    pending = set(indices)
    order: list[int] = []
    done: set[int] = set()

    def ready(i: int) -> bool:  # aggregates have no sentence: they are ready once their parts are
        return all(p in done
                   or (graph.quantities[p].is_aggregate and all(c in done for c in graph.quantities[p].parents))
                   for p in graph.quantities[i].parents)

    while pending:
        choice = rng.choice(sorted(i for i in pending if ready(i)))
        pending.discard(choice)
        done.add(choice)
        order.append(choice)
    return order


def _sentence(quantity: Quantity, graph: Graph, lexicon: Lexicon) -> str:
    head = f"The number of {lexicon.name(quantity)} equals"
    if quantity.operation == "const":
        return f"{head} {quantity.constant}."
    refs = [lexicon.reference(graph.quantities[p]) for p in quantity.parents]
    if quantity.operation == "copy":
        inner = refs[0]
    elif quantity.operation == "diff":
        inner = f"the difference of {refs[0]} and {refs[1]}"
    else:
        inner = f"the sum of {', '.join(refs[:-1])} and {refs[-1]}"
    if quantity.prefix:
        inner = f"{quantity.constant} {quantity.prefix} {inner}"
    return f"{head} {inner}."


def _equation(left: str, letters: str, numbers: str, value: str) -> str:
    """'x = a + b = 2 + 3 = 5', dropping repeats ('so H = 2', not 'so H = 2 = 2 = 2')."""
    parts = [left]
    for part in (letters, numbers, value):
        if part != parts[-1]:
            parts.append(part)
    return " = ".join(parts)


def _fresh_letters(rng: random.Random, reserved: str = ""):
    """Distinct random letters, single letters first, then A0..z9: a lazy Fisher-Yates draw.

    A solution uses a handful of letters; shuffling all 572 per problem was a third of the
    generator's time (issue 12), so each letter costs one random draw instead. `reserved` letters
    (the unknown's x in reverse mode) are never drawn.
    """
    for pool in (list(SINGLE_LETTERS), list(EXTRA_LETTERS)):
        if reserved:
            pool = [letter for letter in pool if letter != reserved]
        for end in range(len(pool), 0, -1):
            pick = rng.randrange(end)
            pool[pick], pool[end - 1] = pool[end - 1], pool[pick]
            yield pool[end - 1]


Form = tuple[int, int]  # a value as a*x + b: (0, v) in forward mode, a linear form in reverse mode


def value_forms(graph: Graph) -> dict[int, Form]:
    """Every path quantity's value as a form: plain numbers, or linear in the unknown (reverse)."""
    if graph.unknown is None:
        return {i: (0, graph.quantities[i].value) for i in graph.path}
    return linear_forms(graph, graph.unknown)


def _shown(form: Form) -> str:
    return format_linear(*form)


def _unknown_step(graph: Graph, lexicon: Lexicon, index: int) -> str:
    return f"Define {lexicon.name(graph.quantities[index])} as {UNKNOWN_LETTER}; {UNKNOWN_CLAUSE}."


def _ending(graph: Graph, letter_of: dict[int, str], forms: dict[int, Form]) -> list[str]:
    """The answer, after the solving of the final equation in reverse mode."""
    if graph.unknown is None:
        return [f"Answer: {graph.target.value}."]
    target = graph.path[-1]
    return [solving_steps(letter_of[target], forms[target], graph.target.value, graph.modulus),
            f"Answer: {graph.quantities[graph.unknown].value}."]


def paper_solution(graph: Graph, lexicon: Lexicon, rng: random.Random, forms: dict[int, Form]) -> str:
    reverse = graph.unknown is not None
    fresh = _fresh_letters(rng, UNKNOWN_LETTER if reverse else "").__next__
    modulus = graph.modulus
    letter_of: dict[int, str] = {}
    steps = [PAPER_PREAMBLE] if reverse else []
    for index in graph.path:
        quantity = graph.quantities[index]
        if index == graph.unknown:
            letter_of[index] = UNKNOWN_LETTER
            steps.append(_unknown_step(graph, lexicon, index))
            continue
        own = letter_of[index] = fresh()
        parts = []
        if quantity.operation == "const":
            parts.append(f"so {own} = {quantity.constant}")
        else:
            terms = []
            for parent in quantity.parents:
                form = forms[parent]
                if quantity.is_aggregate:
                    terms.append((letter_of[parent], form))
                else:
                    ref = fresh()
                    parts.append(f"{ref} = {letter_of[parent]} = {_shown(form)}")
                    terms.append((ref, form))
            symbol = _SYMBOL[quantity.operation]
            while len(terms) > 2:  # chain n-ary sums pairwise through fresh letters
                (a, fa), (b, fb) = terms[0], terms[1]
                partial = combine_forms([fa, fb], symbol == "-", modulus)
                link = fresh()
                parts.append(_equation(link, f"{a} {symbol} {b}", f"{operand(*fa)} {symbol} {operand(*fb)}",
                                       _shown(partial)))
                terms[:2] = [(link, partial)]
            core_form = combine_forms([t[1] for t in terms], symbol == "-", modulus)
            core_letters = f" {symbol} ".join(t[0] for t in terms)
            core_numbers = f" {symbol} ".join(operand(*t[1]) for t in terms) if len(terms) > 1 else _shown(terms[0][1])
            if quantity.prefix:
                if len(terms) > 1:
                    link = fresh()
                    parts.append(_equation(link, core_letters, core_numbers, _shown(core_form)))
                    core_letters = link
                k, op = quantity.constant, _PREFIX_SYMBOL[quantity.prefix]
                parts.append("so " + _equation(own, f"{k} {op} {core_letters}", f"{k} {op} {operand(*core_form)}",
                                               _shown(forms[index])))
            else:
                parts.append("so " + _equation(own, core_letters, core_numbers, _shown(forms[index])))
        steps.append(f"Define {lexicon.name(quantity)} as {own}; " + "; ".join(parts) + ".")
    return " ".join(steps + _ending(graph, letter_of, forms))


def compact_solution(graph: Graph, lexicon: Lexicon, forms: dict[int, Form]) -> str:
    letters_in_order = iter([letter for letter in COMPACT_LETTERS if letter != UNKNOWN_LETTER]
                            if graph.unknown is not None else COMPACT_LETTERS)
    letter_of: dict[int, str] = {}
    steps = []
    for index in graph.path:
        quantity = graph.quantities[index]
        if index == graph.unknown:
            letter_of[index] = UNKNOWN_LETTER
            steps.append(_unknown_step(graph, lexicon, index))
            continue
        own = letter_of[index] = next(letters_in_order)
        if quantity.operation == "const":
            steps.append(f"Define {lexicon.name(quantity)} as {own}; so {own} = {quantity.constant}.")
            continue
        symbol = f" {_SYMBOL[quantity.operation]} "
        letters = symbol.join(letter_of[p] for p in quantity.parents)
        numbers = symbol.join(operand(*forms[p]) for p in quantity.parents) if len(quantity.parents) > 1 \
            else _shown(forms[quantity.parents[0]])
        if quantity.prefix:
            if len(quantity.parents) > 1:
                letters, numbers = f"({letters})", f"({numbers})"
            else:
                numbers = operand(*forms[quantity.parents[0]])
            k, op = quantity.constant, _PREFIX_SYMBOL[quantity.prefix]
            letters, numbers = f"{k} {op} {letters}", f"{k} {op} {numbers}"
        steps.append(f"Define {lexicon.name(quantity)} as {own}; "
                     f"so {_equation(own, letters, numbers, _shown(forms[index]))}.")
    return " ".join(steps + _ending(graph, letter_of, forms))


def graph_record(graph: Graph, lexicon: Lexicon, forms: dict[int, Form]) -> dict:
    """The `graph` field of a problem record: the solution path with names, in topological order.

    In reverse mode each node also carries its value as a linear form [a, b] in the unknown, and
    the graph names the unknown and the target's given value.
    """
    nodes = []
    for index in graph.path:
        quantity = graph.quantities[index]
        nodes.append({
            "name": lexicon.name(quantity),
            "value": quantity.value,
            "parents": [lexicon.name(graph.quantities[p]) for p in quantity.parents],
            "constant": quantity.constant,
            "kind": "aggregate" if quantity.is_aggregate else "instance",
            "operation": quantity.operation,
            "prefix": quantity.prefix,
        })
        if graph.unknown is not None:
            nodes[-1]["form"] = list(forms[index])
    record = {"nodes": nodes, "target": nodes[-1]["name"], "modulus": graph.modulus}
    if graph.unknown is not None:
        record.update(unknown=lexicon.name(graph.quantities[graph.unknown]), given=graph.target.value)
    return record


def content_id(context: str, question: str, graph: dict) -> str:
    """A stable hash of what makes two problems the same question: context, question, solution graph.

    Sentence order, distractors, letters and format do not enter it, so `--exclude` keeps a test
    problem out of training in every surface variant.
    """
    canonical = sorted(
        (n["name"], n["value"], sorted(n["parents"]), n["constant"], n["operation"], n["prefix"])
        for n in graph["nodes"]
    )
    payload = json.dumps([context, question, canonical], ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(payload.encode(), digest_size=8).hexdigest()


@dataclass(frozen=True)
class SurfaceSettings:
    """How a graph is written down: the text of a problem changes with these, never which problems exist."""

    format: str = "paper"
    order: str = "shuffled"
    question: str = "after"  # where the question goes: after the problem text (the paper) or before it
    solution_order: str = "path"  # the steps in the solution path's order (the paper) or the text's
    question_form: str = "context"  # the question in the context's words (the paper) or the quantity's name

    def validate(self) -> None:
        if self.format not in FORMATS:
            raise UserError(f"unknown format '{self.format}' (known: {', '.join(FORMATS)})")
        if self.order not in ORDERS:
            raise UserError(f"unknown sentence order '{self.order}' (known: {', '.join(ORDERS)})")
        if self.question not in QUESTION_PLACES:
            raise UserError(f"unknown question place '{self.question}' (known: {', '.join(QUESTION_PLACES)})")
        if self.solution_order not in SOLUTION_ORDERS:
            raise UserError(f"unknown solution order '{self.solution_order}' (known: {', '.join(SOLUTION_ORDERS)})")
        if self.question_form not in QUESTION_FORMS:
            raise UserError(f"unknown question form '{self.question_form}' (known: {', '.join(QUESTION_FORMS)})")


def render_record(graph: Graph, context: Context, rng: random.Random, n_locations: int, n_items: int,
                  surface: SurfaceSettings = SurfaceSettings()) -> dict:
    """The problem record of docs/DESIGN.md for one graph in one context."""
    # The lexicon draws from its own generator so that letters and sentence order do not depend
    # on the context: one graph and seed in two contexts give the same text up to the names.
    lexicon = Lexicon(context, n_locations, n_items, random.Random(rng.getrandbits(64)))
    sentences, sentence_order = problem_sentences(graph, lexicon, surface.order, rng)
    problem = " ".join(sentences)
    if surface.solution_order == "text":
        graph = replace(graph, path=text_ordered_path(graph, sentence_order))
    asked = graph.target if graph.unknown is None else graph.quantities[graph.unknown]
    question = lexicon.question(asked, surface.question_form)
    forms = value_forms(graph)  # once for the solution and the record
    if surface.format == "paper":
        solution = paper_solution(graph, lexicon, rng, forms)
    else:
        solution = compact_solution(graph, lexicon, forms)
    graph_dict = graph_record(graph, lexicon, forms)
    record = {
        "id": content_id(context.name, question, graph_dict),
        "op": graph.op,
        "context": context.name,
        "mode": "forward" if graph.unknown is None else "reverse",
        "format": surface.format,
        "problem": problem,
        "question": question,
        "solution": solution,
        "answer": asked.value,
        "graph": graph_dict,
    }
    if surface.question == "before":  # only then, so records in the paper's layout stay as they were
        record["question_first"] = True
    return record


def training_text(record: dict) -> str:
    """The paper's training text (without EOS, which the tokenizer adds)."""
    return f"{prompt_text(record)} {record['solution']} </solution> <answer> {record['answer']} </answer>"


def prompt_text(record: dict) -> str:
    """Everything up to and including `<solution>`: what a model is given at sampling time."""
    if record.get("question_first"):
        return f"<question> {record['question']} {record['problem']} </question> <solution>"
    return f"<question> {record['problem']} {record['question']} </question> <solution>"
