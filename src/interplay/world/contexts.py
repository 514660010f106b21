"""Surface contexts: the lexicons that turn an abstract graph into words.

Contexts share graphs, operations and the solution format and differ only in names, so a model's
transfer from one context to another measures contextual generalisation and nothing else.
The paper's three contexts (zoo, teachers, movies) use its full lexicons; bakery and library are
ours. A user context is a TOML file:

    name = "garden"
    entities = [["North Garden", "South Garden", "East Garden", "West Garden", "Old Garden"]]
    items = [["rose bush", "tulip", "fern", "cactus", "orchid"]]
    aggregate = "total number of plants"
    # optional, with these defaults:
    question_aggregate = "What is the {aggregate} in {entity}?"
    question_instance = "How many {item} does {entity} have?"

Each of `entities` and `items` is a list of sub-lists; a problem draws its names from one sub-list
per layer (from their union when the requested lexicon size is larger than a sub-list).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from interplay.errors import UserError

DEFAULT_QUESTION_AGGREGATE = "What is the {aggregate} in {entity}?"
DEFAULT_QUESTION_INSTANCE = "How many {item} does {entity} have?"
# Letters, spaces, hyphens and apostrophes only: digits, '=', ';' or '.' in a name would be
# indistinguishable from the arithmetic of the solution text.
_NAME_PATTERN = re.compile(r"^[^\W\d_]+(?:[ '\-][^\W\d_]+)*$")
_RESERVED_WORDS = {"as", "so", "Define", "Answer"}


@dataclass(frozen=True)
class Context:
    name: str
    entities: tuple[tuple[str, ...], ...]
    items: tuple[tuple[str, ...], ...]
    aggregate: str
    question_aggregate: str = DEFAULT_QUESTION_AGGREGATE
    question_instance: str = DEFAULT_QUESTION_INSTANCE

    def max_lexicon(self) -> tuple[int, int]:
        """The largest (locations, items) a problem of this context can draw."""
        return len({n for group in self.entities for n in group}), len({n for group in self.items for n in group})

    def words(self) -> list[str]:
        """Every phrase this context can put into a problem, question or solution."""
        phrases = [n for group in self.entities + self.items for n in group]
        phrases += [self.aggregate, self.question_aggregate, self.question_instance]
        return phrases


def _check_names(field: str, groups, where: str) -> tuple[tuple[str, ...], ...]:
    if not isinstance(groups, list) or not groups or not all(isinstance(g, list) and g for g in groups):
        raise UserError(f"{where}: '{field}' must be a non-empty list of non-empty lists of names")
    for group in groups:
        for name in group:
            if not isinstance(name, str) or not _NAME_PATTERN.match(name) or set(name.split()) & _RESERVED_WORDS:
                raise UserError(f"{where}: bad name {name!r} in '{field}' "
                                "(letters, spaces, - and ' only; not 'as'/'so')")
        if len(set(group)) != len(group):
            raise UserError(f"{where}: '{field}' repeats a name within one list")
    return tuple(tuple(group) for group in groups)


def context_from_dict(data: dict, where: str) -> Context:
    """Validate a lexicon mapping (as read from TOML) into a Context; errors name the field."""
    known = {"name", "entities", "items", "aggregate", "question_aggregate", "question_instance"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise UserError(f"{where}: unknown key '{unknown[0]}' (known: {', '.join(sorted(known))})")
    for key in ("name", "entities", "items", "aggregate"):
        if key not in data:
            raise UserError(f"{where}: missing key '{key}'")
    name = data["name"]
    if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_\-]*", name):
        raise UserError(f"{where}: 'name' must be a lower-case identifier, got {name!r}")
    entities = _check_names("entities", data["entities"], where)
    items = _check_names("items", data["items"], where)
    aggregate = data["aggregate"]
    if not isinstance(aggregate, str) or not _NAME_PATTERN.match(aggregate):
        raise UserError(f"{where}: 'aggregate' must be a phrase of words, got {aggregate!r}")
    templates = {}
    for key, default, fields in (
        ("question_aggregate", DEFAULT_QUESTION_AGGREGATE, ("{aggregate}", "{entity}")),
        ("question_instance", DEFAULT_QUESTION_INSTANCE, ("{item}", "{entity}")),
    ):
        template = data.get(key, default)
        if not isinstance(template, str) or not all(f in template for f in fields):
            raise UserError(f"{where}: '{key}' must be a string containing {' and '.join(fields)}")
        templates[key] = template
    overlap = {n for g in entities for n in g} & {n for g in items for n in g}
    if overlap:
        raise UserError(f"{where}: {sorted(overlap)[0]!r} is both an entity and an item")
    return Context(name, entities, items, aggregate, **templates)


def load_context_file(path: str | Path) -> Context:
    """Read and validate a TOML lexicon file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"lexicon file not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise UserError(f"{path}: not valid TOML: {error}") from None
    return context_from_dict(data, str(path))


_BUILTIN = [
    Context(
        "zoo",
        (
            ("Beverly Forest", "Cedar Valley", "Oakridge Riverside", "Pine Ridge", "Maple Creek"),
            ("South Zoo", "Jefferson Circus", "Mayer Aquarium", "Bundle Ranch", "Hamilton Farm"),
        ),
        (
            ("adult bear", "adult wolf", "adult deer", "adult fox", "adult racoon"),
            ("adult eagle", "adult parrot", "adult owl", "adult blue jay", "adult crow"),
        ),
        "total number of adult animals",
    ),
    Context(
        "teachers",
        (
            ("Evervale City", "Hawkesbury", "Glenfield City", "Westhaven City", "Brightford"),
            ("Riverton City", "Clearwater Bay", "Shoreline City", "Oakbridge City", "Ruby Bay"),
        ),
        (("elementary school", "private middle school", "public highschool",
          "regional medical school", "culinarian school"),),
        "total number of schools",
    ),
    Context(
        "movies",
        (
            ("Taylor Movie Festival", "Verdi Movie Festival", "West Sahara Movie Festival",
             "Northwood Movie Festival", "Golden Banana Movie Festival"),
            ("Festival Lumière de Valmont", "Rêves de Belleville", "Cinéma de Montreval",
             "Festival de Clairmont", "Festival de Saint-Rivage"),
        ),
        (("upbeat metropolis comedy", "solemn period drama", "futuristic sci-fi movie",
          "calm road movie", "intense detective thriller"),),
        "total number of movies",
    ),
    Context(
        "bakery",
        (
            ("Rosewood Bakery", "Millstone Bakery", "Harbor Bakehouse", "Juniper Patisserie", "Copperpot Bakery"),
            ("Linden Street Bakery", "Sunrise Bakehouse", "Old Mill Patisserie",
             "Bramble Bakery", "Kettle Hill Bakery"),
        ),
        (
            ("sourdough loaf", "rye bread", "cinnamon roll", "butter croissant", "poppy seed bagel"),
            ("lemon tart", "apple pie", "chocolate eclair", "almond biscotti", "cherry scone"),
        ),
        "total number of baked goods",
    ),
    Context(
        "library",
        (
            ("Northgate Library", "Elm Park Library", "Riverside Archive",
             "Hillcrest Library", "Lakeview Reading Room"),
            ("Stonebridge Library", "Willow Lane Archive", "Harborview Library",
             "Ashford Reading Room", "Fairmont Library"),
        ),
        (
            ("mystery novel", "poetry anthology", "travel guide", "history atlas", "science journal"),
            ("cookery book", "graphic novel", "music score", "language primer", "astronomy chart"),
        ),
        "total number of books",
    ),
]

_REGISTRY: dict[str, Context] = {context.name: context for context in _BUILTIN}
BUILTIN_CONTEXTS = tuple(context.name for context in _BUILTIN)


def register_context(context: Context) -> None:
    """Make a (user) context available by name; re-registering the same name replaces it."""
    _REGISTRY[context.name] = context


def register_lexicon_files(paths) -> None:
    """Register the user context of each TOML lexicon file (`--lexicon`, `data.lexicons`)."""
    for path in paths:
        register_context(load_context_file(path))


def get_context(name: str) -> Context:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UserError(f"unknown context '{name}' (known: {', '.join(sorted(_REGISTRY))})") from None


def registered_contexts() -> list[Context]:
    """Every known context, built-ins first, in a fixed order (the tokenizer depends on it)."""
    return list(_REGISTRY.values())
