"""Rendering: the paper's text format, the compact format, sentence orders and context swaps."""

import random
import re

from hypothesis import given
from hypothesis import strategies as st

from interplay.world.contexts import get_context
from interplay.world.graph import GraphSettings, sample_graph
from interplay.world.render import (
    EXTRA_LETTERS, SINGLE_LETTERS, SurfaceSettings, _fresh_letters, content_id, prompt_text, render_record,
    training_text,
)

STEP = re.compile(r"Define (?P<name>[^;]+?) as (?P<letter>\w+); (?P<body>[^.]*)\.")


def _record(op=6, seed=0, context="zoo", fmt="paper", order="shuffled", modulus=None):
    graph = sample_graph(op, random.Random(seed), GraphSettings(modulus=modulus))
    return render_record(graph, get_context(context), random.Random(seed + 1), 5, 5, SurfaceSettings(fmt, order))


@given(op=st.integers(1, 25), seed=st.integers(0, 10**6))
def test_paper_format_follows_the_rules(op, seed):
    record = _record(op, seed)
    solution = record["solution"]
    assert solution.endswith(f"Answer: {record['answer']}.")
    steps = STEP.findall(solution)
    assert [name for name, _, _ in steps] == [node["name"] for node in record["graph"]["nodes"]]
    defined = [letter for _, letter, _ in steps]
    introduced = re.findall(r"(?:Define [^;]+? as |; |^)(\w+) = ", solution.replace("so ", ""))
    all_letters = defined + [x for x in introduced if x not in defined]
    assert len(all_letters) == len(set(all_letters)), "a letter is reused inside one problem"
    for (_, letter, body), node in zip(steps, record["graph"]["nodes"]):
        final = body.split("; ")[-1]
        assert (final.startswith(f"so {letter} = ") and final.endswith(f"= {node['value']}")
                or final == f"so {letter} = {node['value']}")


@given(seed=st.integers(0, 10**6))
def test_fresh_letters_are_every_letter_once_singles_first(seed):
    letters = list(_fresh_letters(random.Random(seed)))
    assert sorted(letters[:52]) == sorted(SINGLE_LETTERS)
    assert sorted(letters[52:]) == sorted(EXTRA_LETTERS)


def test_paper_example_shape():
    """The verbatim teachers example of PAPER.md has this exact shape; ours must too."""
    record = _record(op=5, seed=3, context="teachers")
    assert record["problem"].startswith("The number of ")
    assert all(s.startswith("The number of ") and " equals " in s for s in record["problem"].split(". ") if s)
    assert re.fullmatch(r"(What is the total number of schools in .+\?|How many .+ does .+ have\?)", record["question"])


@given(op=st.integers(1, 25), seed=st.integers(0, 10**6))
def test_compact_letters_follow_definition_order(op, seed):
    record = _record(op, seed, fmt="compact")
    letters = [letter for _, letter, _ in STEP.findall(record["solution"])]
    assert letters == list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")[: len(letters)]
    assert len(letters) == len(record["graph"]["nodes"])


def test_topological_order_defines_before_use():
    for seed in range(30):
        record = _record(op=8, seed=seed, order="topological")
        seen = set()
        for sentence in record["problem"].split(". "):
            name = re.match(r"The number of (.+?) equals", sentence)[1]
            for used in re.findall(r"the number of (.+?)(?= and |, | plus|\.|$)", sentence.split(" equals ", 1)[1]):
                assert used in seen, f"{used!r} used before it is defined"
            seen.add(name)


def test_context_swap_changes_only_the_names():
    graph = sample_graph(9, random.Random(5), GraphSettings())
    zoo = render_record(graph, get_context("zoo"), random.Random(11), 5, 5)
    movies = render_record(graph, get_context("movies"), random.Random(11), 5, 5)
    assert zoo["answer"] == movies["answer"] and zoo["op"] == movies["op"]

    def skeleton(record):
        text = record["solution"]
        for i, node in sorted(enumerate(record["graph"]["nodes"]), key=lambda p: -len(p[1]["name"])):
            text = text.replace(node["name"], f"<{i}>")
        return text

    assert skeleton(zoo) == skeleton(movies)
    assert zoo["solution"] != movies["solution"]


def test_modulus_keeps_values_small():
    record = _record(op=12, seed=2, modulus=23)
    assert all(0 <= node["value"] < 23 for node in record["graph"]["nodes"])


def test_training_text_and_prompt():
    record = _record()
    text = training_text(record)
    assert text.startswith(prompt_text(record)) and prompt_text(record).endswith("<solution>")
    assert text.endswith(f"</solution> <answer> {record['answer']} </answer>")


def test_the_question_goes_before_the_problem_on_request():
    graph = sample_graph(5, random.Random(3), GraphSettings(modulus=23))
    after, before = (render_record(graph, get_context("zoo"), random.Random(4), 5, 5,
                                   SurfaceSettings("compact", "topological", place)) for place in ("after", "before"))
    assert before.pop("question_first") is True and "question_first" not in after
    assert before == after  # the same problem, solution and id: only the prompt's layout moves
    before["question_first"] = True
    assert prompt_text(before) == f"<question> {after['question']} {after['problem']} </question> <solution>"
    assert training_text(before) == training_text(after).replace(prompt_text(after), prompt_text(before))


def test_content_id_ignores_surface_but_not_substance():
    a = _record(seed=4, fmt="paper")
    b = _record(seed=4, fmt="compact", order="topological")
    assert a["id"] == b["id"]
    first, *rest = a["graph"]["nodes"]
    changed = {**a["graph"], "nodes": [{**first, "value": first["value"] + 1}, *rest]}
    assert content_id(a["context"], a["question"], changed) != a["id"]


@given(op=st.integers(2, 12), seed=st.integers(0, 10**6), fmt=st.sampled_from(["compact", "paper"]),
       order=st.sampled_from(["shuffled", "topological"]))
def test_steps_in_the_texts_order_are_the_same_steps_read_on(op, seed, fmt, order):
    """`solution_order = "text"`: the path's quantities, each step the ready one whose sentence comes first (an
    aggregate, with no sentence, as soon as its parts are); the same problem, answer and graph, and still right."""
    from interplay.verify.compare import gold_from_record, verify

    graph = sample_graph(op, random.Random(seed), GraphSettings())
    path, text = (render_record(graph, get_context("zoo"), random.Random(seed + 1), 5, 5,
                                SurfaceSettings(fmt, order, solution_order=steps)) for steps in ("path", "text"))
    assert (text["problem"], text["answer"], text["id"]) == (path["problem"], path["answer"], path["id"])
    names = [node["name"] for node in text["graph"]["nodes"]]
    assert sorted(names) == sorted(node["name"] for node in path["graph"]["nodes"])
    assert names[-1] == path["graph"]["target"]
    assert verify(text["solution"], gold_from_record(path)).strict_correct
    sentences = path["problem"].split(". ")
    first_mention = {name: next(i for i, s in enumerate(sentences) if s.startswith(f"The number of {name} equals"))
                     for name in names if not name.startswith("total ")}
    defined = set()
    for node in text["graph"]["nodes"]:
        ready = [n for n in text["graph"]["nodes"] if n["name"] not in defined and set(n["parents"]) <= defined]
        if node["kind"] == "instance" and all(n["kind"] == "instance" for n in ready):
            assert first_mention[node["name"]] == min(first_mention[n["name"]] for n in ready)
        defined.add(node["name"])


def test_the_default_steps_follow_the_solution_path():
    graph = sample_graph(8, random.Random(4), GraphSettings())
    default, path = (render_record(graph, get_context("zoo"), random.Random(5), 5, 5, surface)
                     for surface in (SurfaceSettings("compact"), SurfaceSettings("compact", solution_order="path")))
    assert default == path
    assert [node["name"] for node in default["graph"]["nodes"]][-1] == default["graph"]["target"]


@given(op=st.integers(1, 10), seed=st.integers(0, 10**6), context=st.sampled_from(["zoo", "teachers", "movies"]),
       mode=st.sampled_from([False, True]))
def test_a_question_in_the_name_form_names_the_asked_quantity_as_its_step_does(op, seed, context, mode):
    """`question_form = "name"` changes the question only, to the words the text and the steps name the quantity by."""
    if mode and op < 2:
        return
    graph = sample_graph(op, random.Random(seed), GraphSettings(), reverse=mode)
    worded, named = (render_record(graph, get_context(context), random.Random(seed + 1), 5, 5,
                                   SurfaceSettings("compact", question_form=form)) for form in ("context", "name"))
    asked = named["graph"].get("unknown", named["graph"]["target"])
    aggregate = asked.startswith(get_context(context).aggregate + " in ")
    assert named["question"] == (f"What is the {asked}?" if aggregate else f"What is the number of {asked}?")
    assert f"Define {asked} as " in named["solution"]
    assert {k: v for k, v in named.items() if k not in ("question", "id")} == {
        k: v for k, v in worded.items() if k not in ("question", "id")}
    assert worded == render_record(graph, get_context(context), random.Random(seed + 1), 5, 5,
                                   SurfaceSettings("compact"))
