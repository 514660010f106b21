"""Dependency graphs of quantities with an exact number of operations (GSM-Infinite / iGSM style).

A graph knows no words: an instance quantity is a (location, item) pair of indices into the
lexicon that `render.py` later picks, an aggregate is "the total of every item of a location".

    rng = random.Random(0)
    graph = sample_graph(op=7, rng=rng, settings=GraphSettings())
    assert sum(node.op for node in graph.path_nodes) == 7

op(G) is the number of arithmetic operations on the solution path: every quantity the target
needs contributes its number of parents, a constant (leaf value or "k plus"/"k times" prefix)
counting as one parent. The sampler builds the path top-down from the target, splitting the op
budget among freshly created parents, so the count is exact by construction rather than found by
rejection; quantities may also reuse earlier ones, which makes the path a DAG, not a tree.

Reverse mode (the paper's "forwardreverse" problems) keeps the same graph and op: one leaf
constant on the path becomes the unknown x, the target's value is given instead, and every
quantity on the path is a linear form a*x + b (`linear_forms`). The unknown is drawn among the
leaves whose coefficient in the target is invertible (not 0; modulo the world's modulus, coprime
to it), so the equation a*x + b = value fixes x uniquely; its constant is a positive integer.
"""

from __future__ import annotations

import functools
import math
import random
from dataclasses import dataclass, field

from interplay.errors import UserError

PARENT_COUNT_WEIGHTS = {1: 0.35, 2: 0.45, 3: 0.15, 4: 0.05}
PREFIX_PROBABILITY = 0.3
AGGREGATE_PROBABILITY = 0.25
REUSE_PROBABILITY = 0.3
MAX_ATTEMPTS = 200


@dataclass(frozen=True)
class GraphSettings:
    """What a graph may contain; every field changes which graphs are possible."""

    n_locations: int = 5
    n_items: int = 5
    max_value: int = 1000
    modulus: int | None = None
    distractors: tuple[int, int] = (1, 5)

    def validate(self) -> None:
        if self.n_locations < 1 or self.n_items < 2:
            raise UserError("lexicon size needs at least 1 location and 2 items")
        if self.modulus is not None and self.modulus < 2:
            raise UserError(f"modulus must be at least 2, got {self.modulus}")
        if self.max_value < 4:
            raise UserError(f"max_value must be at least 4, got {self.max_value}")
        low, high = self.distractors
        if not 0 <= low <= high:
            raise UserError(f"distractor range must satisfy 0 <= low <= high, got {low}-{high}")


@dataclass
class Quantity:
    """One quantity. `key` is ("instance", location, item) or ("aggregate", location)."""

    key: tuple
    parents: list[int] = field(default_factory=list)
    operation: str = "const"  # const | copy | sum | diff; aggregates are always "sum"
    prefix: str | None = None  # None | "plus" | "times": "k plus ..." / "k times ..."
    constant: int | None = None  # leaf value, or the k of a prefix
    value: int = 0

    @property
    def is_aggregate(self) -> bool:
        return self.key[0] == "aggregate"

    @property
    def location(self) -> int:
        return self.key[1]

    @property
    def op(self) -> int:
        return len(self.parents) + (self.constant is not None)


@dataclass
class Graph:
    """All quantities of one problem; `path` lists the ones the target needs, target last."""

    quantities: list[Quantity]
    path: list[int]
    distractors: list[int]
    modulus: int | None = None
    unknown: int | None = None  # reverse mode: the leaf on the path whose constant the question asks for

    @property
    def target(self) -> Quantity:
        return self.quantities[self.path[-1]]

    @property
    def path_nodes(self) -> list[Quantity]:
        return [self.quantities[i] for i in self.path]

    @property
    def op(self) -> int:
        return sum(q.op for q in self.path_nodes)


def sample_graph(op: int, rng: random.Random, settings: GraphSettings, reverse: bool = False) -> Graph:
    """A graph whose solution path has exactly `op` operations, distractors included; with
    `reverse`, one whose path has a leaf that can be the unknown (module docstring)."""
    if op < 1:
        raise UserError(f"op must be at least 1, got {op}")
    if reverse and op < 2:
        raise UserError("reverse mode needs op >= 2: a hidden leaf and a target computed from it")
    for _ in range(MAX_ATTEMPTS):
        builder = _PathBuilder(rng, settings)
        if builder.build(op) and _assign_values(builder.quantities, builder.topological_order(), rng, settings):
            graph = Graph(builder.quantities, builder.topological_order(), [], settings.modulus)
            if reverse:
                graph.unknown = _draw_unknown(graph, rng, settings.max_value)
                if graph.unknown is None:
                    continue
            _add_distractors(graph, builder, rng, settings)
            return graph
    raise UserError(
        f"could not build a graph with op={op} from {settings.n_locations} locations x "
        f"{settings.n_items} items and max value {settings.max_value}: op too large for these settings"
    )


class _PathBuilder:
    """Grows the solution path from the target, keeping every quantity's op budget exact."""

    def __init__(self, rng: random.Random, settings: GraphSettings):
        self.rng = rng
        self.settings = settings
        self.quantities: list[Quantity] = []
        self.budget: list[int] = []
        self.children: list[list[int]] = []  # who depends on each quantity, for cycle checks
        # Unused items per location that may still get instance quantities; a location whose
        # aggregate is in the graph is closed, since every instance there must feed the aggregate.
        self.free_items = {loc: list(range(settings.n_items)) for loc in range(settings.n_locations)}
        self.untouched = set(range(settings.n_locations))

    def build(self, op: int) -> bool:
        queue = [self._new_quantity(op, allow_aggregate=True)]
        head = 0
        while head < len(queue):
            index = queue[head]
            head += 1
            before = len(self.quantities)
            expanded = (self._expand_aggregate(index) if self.quantities[index].is_aggregate
                        else self._expand_instance(index))
            if not expanded:
                return False
            queue.extend(range(before, len(self.quantities)))
        return True

    def free_slots(self) -> int:
        return sum(len(items) for items in self.free_items.values())

    def _new_quantity(self, budget: int, allow_aggregate: bool = True) -> int:
        rng = self.rng
        if allow_aggregate and budget >= 4 and self.untouched and rng.random() < AGGREGATE_PROBABILITY:
            location = rng.choice(sorted(self.untouched))
            self.untouched.discard(location)
            items = self.free_items.pop(location)
            # Until it is expanded, the key also carries the location's reserved items; expansion
            # picks its parts from them and sets the final key ("aggregate", location).
            key: tuple = ("aggregate", location, tuple(items))
        else:
            location = rng.choice([loc for loc, items in self.free_items.items() if items])
            items = self.free_items[location]
            item = items.pop(rng.randrange(len(items)))
            self.untouched.discard(location)
            key = ("instance", location, item)
        self.quantities.append(Quantity(key))
        self.budget.append(budget)
        self.children.append([])
        return len(self.quantities) - 1

    def _reuse_candidates(self, index: int) -> list[int]:
        """Quantities `index` may depend on without a cycle: all but itself and those needing it."""
        dependents, stack = {index}, [index]
        while stack:
            for child in self.children[stack.pop()]:
                if child not in dependents:
                    dependents.add(child)
                    stack.append(child)
        return [other for other in range(len(self.quantities)) if other not in dependents]

    def _link(self, child: int, parents: list[int]) -> None:
        self.quantities[child].parents = parents
        for parent in parents:
            self.children[parent].append(child)

    def _expand_aggregate(self, index: int) -> bool:
        quantity, budget = self.quantities[index], self.budget[index]
        location, items = quantity.location, list(quantity.key[2])
        count = self.rng.randint(2, min(budget // 2, len(items)))
        self.rng.shuffle(items)
        quantity.key = ("aggregate", location)
        quantity.operation = "sum"
        parents = []
        for child_budget, item in zip(_composition(budget - count, count, self.rng), items):
            parents.append(len(self.quantities))
            self.quantities.append(Quantity(("instance", location, item)))
            self.budget.append(child_budget)
            self.children.append([])
        self._link(index, parents)
        return True

    def _expand_instance(self, index: int) -> bool:
        rng, quantity, budget = self.rng, self.quantities[index], self.budget[index]
        candidates = self._reuse_candidates(index)
        if budget == 1:
            if candidates and rng.random() < REUSE_PROBABILITY / 2:
                quantity.operation = "copy"
                self._link(index, [rng.choice(candidates)])
            else:
                quantity.operation, quantity.constant = "const", rng.randint(1, 4)
            return True
        plan = self._plan(budget, len(candidates))
        if plan is None:
            return False
        has_prefix, n_parents, n_new = plan
        reused = rng.sample(candidates, n_parents - n_new)
        created = [
            self._new_quantity(child_budget)
            for child_budget in _composition(budget - has_prefix - n_parents, n_new, rng)
        ]
        parents = reused + created
        rng.shuffle(parents)
        self._link(index, parents)
        if has_prefix:
            quantity.prefix = rng.choice(("plus", "times"))
            quantity.constant = 0  # placeholder: the value pass picks k so that values stay in range
        quantity.operation = {1: "copy", 2: rng.choice(("sum", "diff"))}.get(n_parents, "sum")
        return True

    def _plan(self, budget: int, n_candidates: int) -> tuple[int, int, int] | None:
        """(prefix 0/1, parents, new parents) spending exactly `budget`, or None if impossible."""
        plans, weights = _plan_options(budget, n_candidates, self.free_slots())
        return self.rng.choices(plans, weights)[0] if plans else None

    def topological_order(self) -> list[int]:
        order, seen = [], set()

        def visit(index: int) -> None:
            if index in seen:
                return
            seen.add(index)
            for parent in self.quantities[index].parents:
                visit(parent)
            order.append(index)

        visit(0)
        return order


@functools.lru_cache(maxsize=4096)
def _plan_options(budget: int, n_candidates: int, slots: int) -> tuple[tuple, tuple]:
    """Every plan (prefix 0/1, parents, new parents) that spends exactly `budget`, and its prior weight.

    Each new parent carries at least one unit of the remaining budget; a plan with no new
    parent must spend the whole budget on this quantity. When free slots run short, plans that
    spend more budget per quantity (prefix, reuse) are the only ones that fit. Cached: the same
    few arguments recur in every graph, and listing them was a tenth of the generator's time.
    """
    options = []
    for has_prefix in (0, 1):
        inner = budget - has_prefix
        for n_parents, weight in PARENT_COUNT_WEIGHTS.items():
            rest = inner - n_parents
            if rest < 0:
                continue
            for n_new in range(0, n_parents + 1):
                n_reused = n_parents - n_new
                if n_reused > n_candidates or n_new > slots or (n_new == 0) != (rest == 0) or n_new > rest:
                    continue
                prior = weight * (PREFIX_PROBABILITY if has_prefix else 1 - PREFIX_PROBABILITY)
                prior *= REUSE_PROBABILITY ** n_reused
                options.append(((has_prefix, n_parents, n_new), prior))
    return tuple(zip(*options)) if options else ((), ())


def _composition(total: int, parts: int, rng: random.Random) -> list[int]:
    """A uniformly random split of `total` into `parts` positive integers."""
    if parts == 0:
        return []
    cuts = sorted(rng.sample(range(1, total), parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total])]


def _combine(quantity: Quantity, values: list[int], settings: GraphSettings, rng: random.Random) -> int | None:
    """The value of `quantity` from its parents' values, or None when no choice keeps it in range.

    Prefix constants are chosen here, with the inner value known, so that large graphs stay within
    max_value without rejection; a "times" that cannot fit becomes a "plus" (same op).
    """
    modulus, limit = settings.modulus, settings.max_value
    if quantity.operation == "const":
        return quantity.constant
    if quantity.operation == "diff" and modulus is None and values[0] == values[1]:
        quantity.operation = "sum"  # a zero difference is out of range; a sum has the same op
    if quantity.operation == "diff":
        if modulus is None and values[0] < values[1]:
            quantity.parents.reverse()
            values = values[::-1]
        inner = values[0] - values[1]
    else:
        inner = sum(values)
    if modulus is not None:
        inner %= modulus
    elif not 1 <= inner <= limit:
        return None
    if quantity.prefix is None:
        return inner
    if modulus is not None:
        quantity.constant = rng.randint(2, 4) if quantity.prefix == "times" else rng.randint(1, 4)
        return (quantity.constant * inner if quantity.prefix == "times" else quantity.constant + inner) % modulus
    if quantity.prefix == "times":
        fitting = [k for k in (2, 3, 4) if k * inner <= limit]
        if fitting:
            quantity.constant = rng.choice(fitting)
            return quantity.constant * inner
        quantity.prefix = "plus"
    fitting = [k for k in (1, 2, 3, 4) if k + inner <= limit]
    if not fitting:
        return None
    quantity.constant = rng.choice(fitting)
    return quantity.constant + inner


def _assign_values(quantities: list[Quantity], order: list[int], rng: random.Random, settings: GraphSettings) -> bool:
    for index in order:
        quantity = quantities[index]
        value = _combine(quantity, [quantities[p].value for p in quantity.parents], settings, rng)
        if value is None:
            return False
        quantity.value = value
    return True


def _add_distractors(graph: Graph, builder: _PathBuilder, rng: random.Random, settings: GraphSettings) -> None:
    """Instance quantities the question does not need, defined from any earlier quantity.

    They never sit at a location whose aggregate is in the graph (that would change the
    aggregate) and nothing on the solution path depends on them.
    """
    low, high = settings.distractors
    wanted = min(rng.randint(low, high), builder.free_slots())
    for _ in range(wanted):
        index = builder._new_quantity(0, allow_aggregate=False)
        quantity = graph.quantities[index]
        n_parents = rng.choice((0, 1, 1, 2, 2, 3))
        quantity.parents = rng.sample(range(index), min(n_parents, index))
        if not quantity.parents:
            quantity.operation, quantity.constant = "const", rng.randint(1, 4)
        else:
            quantity.operation = {1: "copy", 2: rng.choice(("sum", "diff"))}.get(len(quantity.parents), "sum")
            if rng.random() < PREFIX_PROBABILITY:
                quantity.prefix, quantity.constant = rng.choice(("plus", "times")), 0
        value = _combine(quantity, [graph.quantities[p].value for p in quantity.parents], settings, rng)
        if value is None:  # out of range: a plain constant is always a valid distractor
            quantity.parents, quantity.operation, quantity.prefix = [], "const", None
            quantity.constant = value = rng.randint(1, 4)
        quantity.value = value
        graph.distractors.append(index)


def linear_forms(graph: Graph, unknown: int) -> dict[int, tuple[int, int]]:
    """(a, b) for every quantity on the path: its value as a*x + b when leaf `unknown` is x.

    Reduced modulo the world's modulus when it has one, so both coefficients are residues there.
    """
    modulus, forms = graph.modulus, {}
    for index in graph.path:
        quantity = graph.quantities[index]
        if index == unknown:
            a, b = 1, 0
        elif quantity.operation == "const":
            a, b = 0, quantity.constant
        else:
            a, b = combine_forms([forms[p] for p in quantity.parents], quantity.operation == "diff", None)
            if quantity.prefix == "times":
                a, b = quantity.constant * a, quantity.constant * b
            elif quantity.prefix == "plus":
                b += quantity.constant
        forms[index] = (a % modulus, b % modulus) if modulus else (a, b)
    return forms


def combine_forms(forms: list[tuple[int, int]], difference: bool, modulus: int | None) -> tuple[int, int]:
    """The first form minus the second (`difference`), else the sum of all; reduced if `modulus`."""
    if difference:
        a, b = forms[0][0] - forms[1][0], forms[0][1] - forms[1][1]
    else:
        a, b = sum(f[0] for f in forms), sum(f[1] for f in forms)
    return (a % modulus, b % modulus) if modulus else (a, b)


def _draw_unknown(graph: Graph, rng: random.Random, max_value: int) -> int | None:
    """A leaf of the path that the target's value determines uniquely, or None if there is none.

    Without a modulus every number the solution writes (coefficients, constants, the target's value
    less the constant) must stay within max_value, which the tokenizer's numbers cover.
    """
    eligible = []
    for index in graph.path[:-1]:  # the target itself is given, never asked for
        if graph.quantities[index].operation != "const":
            continue
        forms = linear_forms(graph, index)
        a, b = forms[graph.path[-1]]
        if graph.modulus:
            if math.gcd(a, graph.modulus) != 1:
                continue
        elif a == 0 or max(abs(n) for form in forms.values() for n in form) > max_value \
                or abs(graph.target.value - b) > max_value:
            continue
        eligible.append(index)
    return rng.choice(eligible) if eligible else None
