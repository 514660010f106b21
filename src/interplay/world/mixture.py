"""Mixtures of ops and contexts, and the deterministic problem streams drawn from them.

    spec = MixtureSpec.parse(ops="2-10:0.9,11-14:0.1", contexts="zoo=0.99,teachers=0.01")
    spec = MixtureSpec.parse(ops="2-10", contexts="zoo=0.99,teachers@2=0.01")   # teachers only at op 2
    spec = MixtureSpec.parse(ops="2-10", mode="forward=0.5,reverse=0.5")         # the paper's corpus
    record = problem_at(spec, seed=0, index=42)      # the same record whatever else is generated
    for index, record in stream(spec, seed=0, start=1000):   # endless, resumable at any index
        ...
    records = generate(spec, seed=0, n=100_000, workers=None)   # distinct records, built on every core

Problem `index` of a stream is generated from its own random generator seeded by
(seed, index, the spec), as in reasoning-gym, so any item can be rebuilt alone and a training run
resumes its data exactly by remembering one integer.
"""

from __future__ import annotations

import gc
import itertools
import random
import re
from collections import deque
from collections.abc import Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property

from interplay.errors import UserError
from interplay.parallel import forked_pool, worker_count
from interplay.world.contexts import get_context
from interplay.world.graph import GraphSettings, sample_graph
from interplay.world.render import SurfaceSettings, render_record


@dataclass(frozen=True)
class MixtureSpec:
    """Which problems a stream draws: op ranges and contexts with weights, and surface options."""

    ops: tuple[tuple[int, int, float], ...] = ((2, 10, 1.0),)
    contexts: tuple[tuple[str, float], ...] = (("zoo", 1.0),)
    # Contexts drawn only within an op range (finding 2: context B seen only at op 2), by name.
    context_ops: tuple[tuple[str, int, int], ...] = ()
    modes: tuple[tuple[str, float], ...] = (("forward", 1.0),)  # forward and reverse (equation) problems
    graph: GraphSettings = field(default_factory=GraphSettings)  # which graphs exist (world/graph.py)
    surface: SurfaceSettings = field(default_factory=SurfaceSettings)  # how they are written (world/render.py)

    @classmethod
    def parse(cls, ops: str = "2-10", contexts: str = "zoo", mode: str = "forward", **options) -> "MixtureSpec":
        """Build from CLI-style strings: ops '2-10:0.9,11-14:0.1', contexts 'zoo=0.99,teachers@2=0.01',
        mode 'forward', 'reverse' or 'forward=0.5,reverse=0.5'; every other option goes by name to
        GraphSettings or SurfaceSettings."""
        graph = {k: options.pop(k) for k in list(options) if k in GraphSettings.__dataclass_fields__}
        surface = {k: options.pop(k) for k in list(options) if k in SurfaceSettings.__dataclass_fields__}
        if options:
            raise UserError(f"unknown world option '{sorted(options)[0]}'")
        shares, context_ops = parse_contexts(contexts)
        spec = cls(parse_ops(ops), shares, context_ops, parse_modes(mode), graph=GraphSettings(**graph),
                   surface=SurfaceSettings(**surface))
        spec.validate()
        return spec

    def validate(self) -> None:
        self.surface.validate()
        self.graph.validate()
        for name, _ in self.contexts:
            context = get_context(name)
            locations, items = context.max_lexicon()
            if self.graph.n_locations > locations or self.graph.n_items > items:
                raise UserError(
                    f"context '{name}' has {locations} locations x {items} items, fewer than the "
                    f"requested lexicon {self.graph.n_locations} x {self.graph.n_items}"
                )

    def to_dict(self) -> dict:
        return asdict(self)

    def all_ops(self) -> list[int]:
        """Every op the mixture can draw, ascending."""
        spans = [(low, high) for low, high, _ in self.ops] + [(low, high) for _, low, high in self.context_ops]
        return sorted({op for low, high in spans for op in range(low, high + 1)})

    def single_op(self, op: int) -> "MixtureSpec":
        """The same mixture restricted to one op (for per-op probes, validation and curricula).

        A context restricted to other ops drops out; one restricted to this op stays.
        """
        restricted = {name: (low, high) for name, low, high in self.context_ops}
        contexts = tuple((name, w) for name, w in self.contexts
                         if name not in restricted or restricted[name][0] <= op <= restricted[name][1])
        return replace(self, ops=((op, op, 1.0),), contexts=contexts or self.contexts, context_ops=())

    @cached_property
    def fingerprint(self) -> str:
        """Part of every item's seed: what decides the problems, not the surface they are written in.

        Format and sentence order are left out, so the same seed gives the same problems in the
        paper and the compact format, which is what a comparison of formats needs. Optional parts
        enter only when set, so adding one never changed the problems of a stream without it.
        """
        parts = (self.ops, self.contexts, self.graph) + ((self.context_ops,) if self.context_ops else ())
        parts += (self.modes,) if self.modes != (("forward", 1.0),) else ()
        return repr(parts)


def _weight(text: str, where: str) -> float:
    try:
        weight = float(text)
    except ValueError:
        raise UserError(f"bad weight '{text}' in {where}") from None
    if not weight > 0 or weight == float("inf"):
        raise UserError(f"weight must be a positive number, got '{text}' in {where}")
    return weight


def parse_range(text: str, what: str = "range") -> tuple[int, int]:
    """'3' or '1-5' -> (low, high)."""
    low, _, high = text.strip().partition("-")
    try:
        return int(low), int(high or low)
    except ValueError:
        raise UserError(f"bad {what} '{text}' (expected N or LOW-HIGH)") from None


def parse_ops(text: str) -> tuple[tuple[int, int, float], ...]:
    """'2-10' or '2-10:0.9,11-14:0.1' or '5' -> ((lo, hi, weight), ...)."""
    ranges = []
    for part in text.split(","):
        span, _, weight = part.strip().partition(":")
        match = re.fullmatch(r"(\d+)(?:-(\d+))?", span.strip())
        if not match:
            raise UserError(f"bad op range '{part.strip()}' (expected e.g. 2-10 or 2-10:0.9)")
        low, high = int(match[1]), int(match[2] or match[1])
        if low < 1 or high < low:
            raise UserError(f"empty op range '{span.strip()}': need 1 <= low <= high")
        ranges.append((low, high, _weight(weight, f"'{part.strip()}'") if weight else 1.0))
    return tuple(ranges)


def format_ops(ops: Iterable[int]) -> str:
    """[2, 3, 4, 7] -> '2-4,7', the inverse of parse_ops for unweighted ops; '' for no ops."""
    parts, ops = [], sorted(ops)
    for op in ops:
        if parts and op == parts[-1][1] + 1:
            parts[-1][1] = op
        else:
            parts.append([op, op])
    return ",".join(f"{low}-{high}" if high > low else f"{low}" for low, high in parts)


def _weighted_names(text: str, what: str) -> list[tuple[str, float]]:
    """'a=0.9,b=0.1' or 'a,b' -> [(name, weight), ...], each name once; names are checked by the caller."""
    pairs = []
    for part in text.split(","):
        name, _, weight = part.strip().partition("=")
        pairs.append((name.strip(), _weight(weight, f"'{part.strip()}'") if weight else 1.0))
    if len({name.partition("@")[0].strip() for name, _ in pairs}) < len(pairs):
        raise UserError(f"a {what} is named twice in '{text}'")
    return pairs


def parse_contexts(text: str) -> tuple[tuple[tuple[str, float], ...], tuple[tuple[str, int, int], ...]]:
    """'zoo=0.99,teachers@2-3=0.01' -> (((name, weight), ...), ((name, low, high), ...)).

    `@OPS` restricts a context to those ops; context names are checked later.
    """
    contexts, restricted = [], []
    for name, weight in _weighted_names(text, "context"):
        name, at, span = name.partition("@")
        if not name.strip():
            raise UserError(f"empty context name in '{text}'")
        if at:
            (low, high, _), = parse_ops(span)
            restricted.append((name.strip(), low, high))
        contexts.append((name.strip(), weight))
    return tuple(contexts), tuple(restricted)


MODES = ("forward", "reverse")


def parse_modes(text: str) -> tuple[tuple[str, float], ...]:
    """'forward', 'reverse' or 'forward=0.5,reverse=0.5' -> ((mode, weight), ...)."""
    modes = _weighted_names(text, "mode")
    for name, _ in modes:
        if name not in MODES:
            raise UserError(f"unknown mode '{name}' in '{text}' (known: {', '.join(MODES)})")
    return tuple(modes)


def problem_at(spec: MixtureSpec, seed: int, index: int) -> dict:
    """Problem number `index` of the stream (spec, seed); depends on nothing else."""
    rng = random.Random(f"{seed}/{index}/{spec.fingerprint}")
    if spec.context_ops:
        # The context decides which ops are possible, so it is drawn first.
        name = rng.choices(spec.contexts, [w for _, w in spec.contexts])[0][0]
        span = {c: (low, high) for c, low, high in spec.context_ops}.get(name)
        op = rng.randint(*span) if span else _draw_op(spec, rng)
    else:
        op = _draw_op(spec, rng)
        name = rng.choices(spec.contexts, [w for _, w in spec.contexts])[0][0]
    # A stream of one mode draws nothing for it, so forward streams stay what they were.
    mode = spec.modes[0][0] if len(spec.modes) == 1 else rng.choices(spec.modes, [w for _, w in spec.modes])[0][0]
    graph = sample_graph(op, rng, spec.graph, reverse=mode == "reverse")
    settings = spec.graph
    return render_record(graph, get_context(name), rng, settings.n_locations, settings.n_items, spec.surface)


def _draw_op(spec: MixtureSpec, rng: random.Random) -> int:
    low, high, _ = rng.choices(spec.ops, [w for *_, w in spec.ops])[0]
    return rng.randint(low, high)


def stream(spec: MixtureSpec, seed: int, start: int = 0, exclude: Iterable[str] = ()) -> Iterator[tuple[int, dict]]:
    """Endless (index, record) pairs from `start` on, skipping records whose id is in `exclude`."""
    excluded = frozenset(exclude)
    index = start
    while True:
        record = problem_at(spec, seed, index)
        if record["id"] not in excluded:
            yield index, record
        index += 1


PARALLEL_BLOCK = 1000  # records per task: ~0.3 s of work, so process overhead stays a few percent
PARALLEL_MIN = 4 * PARALLEL_BLOCK  # below this, starting processes costs more than it saves


def _records_between(spec: MixtureSpec, seed: int, start: int, stop: int) -> list[dict]:
    return [problem_at(spec, seed, index) for index in range(start, stop)]


def _parallel_records(pool, spec: MixtureSpec, seed: int, workers: int) -> Iterator[dict]:
    """Records 0, 1, 2, ... of the stream in index order, built in blocks by the pool's `workers`.

    The caller stops when it has enough; at most 2 blocks per worker are in flight, so memory
    stays bounded.
    """
    try:
        starts = itertools.count(0, PARALLEL_BLOCK)
        pending = deque(pool.submit(_records_between, spec, seed, s, s + PARALLEL_BLOCK)
                        for s in itertools.islice(starts, 2 * workers))
        while True:
            yield from pending.popleft().result()
            start = next(starts)
            pending.append(pool.submit(_records_between, spec, seed, start, start + PARALLEL_BLOCK))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def generate(spec: MixtureSpec, seed: int, n: int, exclude: Iterable[str] = (), max_tries_per_record: int = 50,
             workers: int | None = 1) -> list[dict]:
    """`n` distinct records (by content id), none of them in `exclude`.

    The same records whatever `workers` is (None: every core from PARALLEL_MIN records): workers only build the
    stream's records ahead, in blocks; which of them are kept is decided here, in index order.
    A mixture too small to hold `n` distinct problems (op 1 has a few hundred) is an error rather
    than an endless loop.
    """
    workers = worker_count(workers, n, PARALLEL_MIN)
    pool = forked_pool(workers)
    if pool is not None:
        with _collector_paused():
            return _first_distinct(_parallel_records(pool, spec, seed, workers), n, exclude, max_tries_per_record)
    return _first_distinct((record for _, record in stream(spec, seed)), n, exclude, max_tries_per_record)


@contextmanager
def _collector_paused():
    """No garbage collection while unpickled records pile up: they hold no cycles, and the collector
    would re-scan all of them ever more often (a third of the parent's time, measured)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _first_distinct(candidates: Generator[dict, None, None], n: int, exclude: Iterable[str],
                    max_tries_per_record: int) -> list[dict]:
    """The first `n` records of `candidates` whose id is new and not in `exclude`."""
    seen = set(exclude)
    records, tries = [], 0
    try:
        for record in candidates:
            tries += 1
            if record["id"] not in seen:
                seen.add(record["id"])
                records.append(record)
                if len(records) == n:
                    return records
            if tries > max(1000, n * max_tries_per_record):
                raise UserError(f"only {len(records)} distinct problems found in {tries} draws; "
                                f"the mixture is too small for n={n}")
    finally:
        candidates.close()  # stops the workers at once
    return records
