"""Contexts: the built-in lexicons and validated user TOML lexicons."""

import pytest

from interplay.errors import UserError
from interplay.world.contexts import BUILTIN_CONTEXTS, get_context, load_context_file

GARDEN = '''
name = "garden"
entities = [["North Garden", "South Garden", "East Garden", "West Garden", "Old Garden"]]
items = [["rose bush", "tulip", "fern", "cactus", "orchid"]]
aggregate = "total number of plants"
'''


def test_builtins_include_the_papers_three_and_two_of_ours():
    assert {"zoo", "teachers", "movies"} <= set(BUILTIN_CONTEXTS) and len(BUILTIN_CONTEXTS) >= 5
    for name in BUILTIN_CONTEXTS:
        assert get_context(name).max_lexicon() >= (5, 5)
    assert get_context("zoo").entities[1][2] == "Mayer Aquarium"


def test_user_lexicon_loads(tmp_path):
    path = tmp_path / "garden.toml"
    path.write_text(GARDEN)
    context = load_context_file(path)
    assert context.name == "garden" and context.max_lexicon() == (5, 5)
    assert context.question_instance == "How many {item} does {entity} have?"


@pytest.mark.parametrize("text, message", [
    ("name = ", "not valid TOML"),
    (GARDEN + "colour = 'red'\n", "unknown key 'colour'"),
    (GARDEN.replace('aggregate = "total number of plants"', ""), "missing key 'aggregate'"),
    (GARDEN.replace('"tulip"', '"tulip2"'), "bad name 'tulip2'"),
    (GARDEN.replace('"tulip"', '"rose bush"'), "repeats a name"),
    (GARDEN.replace('"tulip"', '"Old Garden"'), "both an entity and an item"),
    (GARDEN + 'question_instance = "How many?"\n', "question_instance"),
    (GARDEN.replace('[["rose', '["rose').replace('orchid"]]', 'orchid"]'), "list of non-empty lists"),
])
def test_malformed_lexicons_are_user_errors(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(UserError, match=message):
        load_context_file(path)


def test_missing_lexicon_file_and_unknown_context():
    with pytest.raises(UserError, match="not found"):
        load_context_file("/nonexistent/lexicon.toml")
    with pytest.raises(UserError, match="unknown context 'zooo'"):
        get_context("zooo")
