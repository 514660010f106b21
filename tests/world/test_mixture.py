"""Mixtures: parsing, weights, per-index determinism, de-duplication and exclusion."""

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interplay.errors import UserError
from interplay.world.mixture import MixtureSpec, format_ops, generate, parse_contexts, parse_ops, problem_at, stream


@given(st.sets(st.integers(1, 40), min_size=1))
def test_format_ops_is_the_inverse_of_parse_ops(ops):
    text = format_ops(ops)
    assert {op for low, high, _ in parse_ops(text) for op in range(low, high + 1)} == ops
    assert len(parse_ops(text)) == sum(op + 1 not in ops for op in ops)  # one part per maximal run
    assert format_ops([2, 3, 4, 7]) == "2-4,7" and format_ops([]) == ""


def test_parse_ops_and_contexts():
    assert parse_ops("2-10") == ((2, 10, 1.0),)
    assert parse_ops("2-10:0.9,11-14:0.1") == ((2, 10, 0.9), (11, 14, 0.1))
    assert parse_ops("5") == ((5, 5, 1.0),)
    assert parse_contexts("zoo=0.99,teachers=0.01") == ((("zoo", 0.99), ("teachers", 0.01)), ())
    assert parse_contexts("zoo=0.9,teachers@2-3=0.1") == ((("zoo", 0.9), ("teachers", 0.1)), (("teachers", 2, 3),))


@pytest.mark.parametrize("ops, contexts, message", [
    ("10-2", "zoo", "empty op range"),
    ("0", "zoo", "empty op range"),
    ("2-x", "zoo", "bad op range"),
    ("2-5:zero", "zoo", "bad weight"),
    ("2-5:-1", "zoo", "positive"),
    ("2-5", "zoo=abc", "bad weight"),
    ("2-5", "mars", "unknown context"),
])
def test_bad_specs_are_user_errors(ops, contexts, message):
    with pytest.raises(UserError, match=message):
        MixtureSpec.parse(ops=ops, contexts=contexts)


def test_lexicon_larger_than_context_is_rejected():
    with pytest.raises(UserError, match="fewer than the requested lexicon"):
        MixtureSpec.parse(contexts="teachers", n_items=6)


def test_problem_at_depends_only_on_seed_index_and_spec():
    spec = MixtureSpec.parse(ops="2-12", contexts="zoo,movies")
    alone = problem_at(spec, 3, 57)
    assert alone == next(r for i, r in stream(spec, 3, start=50) if i == 57)
    assert problem_at(spec, 4, 57) != alone
    wider = MixtureSpec.parse(ops="2-12", contexts="zoo,movies", format="compact")
    assert problem_at(wider, 3, 57)["id"] == alone["id"]


def test_weights_shape_the_mixture():
    spec = MixtureSpec.parse(ops="2-3:0.9,20:0.1", contexts="zoo=0.8,library=0.2")
    records = [problem_at(spec, 0, i) for i in range(1000)]
    ops = Counter(r["op"] >= 20 for r in records)
    contexts = Counter(r["context"] for r in records)
    assert 50 <= ops[True] <= 150
    assert 130 <= contexts["library"] <= 270


def test_generate_deduplicates_and_excludes():
    spec = MixtureSpec.parse(ops="2", contexts="zoo")
    first = generate(spec, 0, 200)
    assert len({r["id"] for r in first}) == 200
    second = generate(spec, 1, 200, exclude={r["id"] for r in first})
    assert not {r["id"] for r in first} & {r["id"] for r in second}


def test_worker_processes_change_nothing_in_what_is_generated():
    # Op 2 in one context repeats itself often, so de-duplication decides across block boundaries.
    spec = MixtureSpec.parse(ops="2", contexts="zoo", n_locations=2, n_items=2)
    excluded = {r["id"] for r in generate(spec, 1, 50)}
    alone = generate(spec, 0, 2500, exclude=excluded, workers=1)
    assert generate(spec, 0, 2500, exclude=excluded, workers=2) == alone
    assert generate(spec, 0, 2500, exclude=excluded, workers=3) == alone
    assert len({r["id"] for r in alone} | excluded) == 2550  # and the test means something: ids repeat
    assert len({problem_at(spec, 0, i)["id"] for i in range(2500)}) < 2500


@pytest.mark.parametrize("workers", [1, 2])
def test_a_mixture_too_small_is_an_error_not_a_hang(workers):
    with pytest.raises(UserError, match="too small"):
        generate(MixtureSpec.parse(ops="1", contexts="teachers", n_locations=1, n_items=2), 0, 500, workers=workers)


def test_all_ops_single_op_and_ranges():
    from interplay.world.mixture import parse_range

    spec = MixtureSpec.parse(ops="2-4:0.9,7:0.1,3-5")
    assert spec.all_ops() == [2, 3, 4, 5, 7]
    assert {problem_at(spec.single_op(7), 0, i)["op"] for i in range(5)} == {7}
    assert parse_range("3") == (3, 3) and parse_range(" 1-5 ") == (1, 5)
    with pytest.raises(UserError, match="bad distractor range 'x'"):
        parse_range("x", "distractor range")


def test_a_context_restricted_to_an_op_appears_only_there():
    spec = MixtureSpec.parse(ops="2-6", contexts="zoo=0.5,teachers@2=0.5", n_locations=3, n_items=3, modulus=23)
    records = [problem_at(spec, 0, i) for i in range(300)]
    teachers = [r for r in records if r["context"] == "teachers"]
    assert 100 < len(teachers) < 200 and {r["op"] for r in teachers} == {2}
    assert {r["op"] for r in records if r["context"] == "zoo"} == set(range(2, 7))
    assert [c for c, _ in spec.single_op(4).contexts] == ["zoo"]
    assert [c for c, _ in spec.single_op(2).contexts] == ["zoo", "teachers"]


def test_a_context_named_twice_is_an_error():
    with pytest.raises(UserError, match="named twice"):
        parse_contexts("zoo,zoo@2")


def test_options_go_by_name_to_the_graph_or_the_surface():
    spec = MixtureSpec.parse(ops="3", format="compact", order="topological", n_locations=2, distractors=(0, 1))
    assert (spec.surface.format, spec.surface.order, spec.graph.n_locations, spec.graph.distractors) == (
        "compact", "topological", 2, (0, 1))
    with pytest.raises(UserError, match="unknown world option 'colour'"):
        MixtureSpec.parse(ops="3", colour="red")
    with pytest.raises(UserError, match="unknown format 'latex'"):
        MixtureSpec.parse(ops="3", format="latex")
    with pytest.raises(UserError, match="unknown question place 'middle'"):
        MixtureSpec.parse(ops="3", question="middle")
