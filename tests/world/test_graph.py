"""The graph sampler: exact op, values in range, a DAG, distractors off the path, determinism."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interplay.errors import UserError
from interplay.world.graph import GraphSettings, sample_graph


def _check_graph(graph, op, settings):
    assert graph.op == op
    assert sum(len(q.parents) + (q.constant is not None) for q in graph.path_nodes) == op
    position = {index: i for i, index in enumerate(graph.path)}
    for index in graph.path:
        quantity = graph.quantities[index]
        for parent in quantity.parents:  # topological: parents come first, and are on the path
            assert position[parent] < position[index]
        assert len(set(quantity.parents)) == len(quantity.parents)
        if settings.modulus is None:
            assert 1 <= quantity.value <= settings.max_value
        else:
            assert 0 <= quantity.value < settings.modulus
    on_path = set(graph.path)
    assert graph.path[-1] == 0 and on_path.isdisjoint(graph.distractors)
    keys = [graph.quantities[i].key for i in graph.path + graph.distractors]
    assert len(keys) == len(set(keys)), "a quantity is defined twice"
    for index in graph.path:  # an aggregate sums every instance of its location that the problem has
        quantity = graph.quantities[index]
        if quantity.is_aggregate:
            members = {i for i in graph.path + graph.distractors
                       if not graph.quantities[i].is_aggregate and graph.quantities[i].location == quantity.location}
            assert members == set(quantity.parents)


def _expected_value(graph, quantity, modulus):
    values = [graph.quantities[p].value for p in quantity.parents]
    if quantity.operation == "const":
        return quantity.constant
    inner = values[0] - values[1] if quantity.operation == "diff" else sum(values)
    if quantity.prefix == "plus":
        inner += quantity.constant
    elif quantity.prefix == "times":
        inner *= quantity.constant
    return inner % modulus if modulus else inner


@given(op=st.integers(1, 30), seed=st.integers(0, 10**6), modulus=st.sampled_from([None, 23]))
def test_op_is_exact_and_arithmetic_holds(op, seed, modulus):
    settings = GraphSettings(modulus=modulus)
    graph = sample_graph(op, random.Random(seed), settings)
    _check_graph(graph, op, settings)
    for index in graph.path + graph.distractors:
        quantity = graph.quantities[index]
        assert quantity.value == _expected_value(graph, quantity, modulus)


@pytest.mark.parametrize("op", [1, 2, 5, 10, 20, 30, 40])
def test_every_op_over_many_seeds(op):
    settings = GraphSettings()
    for seed in range(40):
        _check_graph(sample_graph(op, random.Random(seed), settings), op, settings)


def test_small_lexicon_and_distractor_range_are_respected():
    settings = GraphSettings(n_locations=4, n_items=6, distractors=(1, 3))
    for seed in range(50):
        graph = sample_graph(12, random.Random(seed), settings)
        _check_graph(graph, 12, settings)
        assert len(graph.distractors) <= 3
        assert all(q.location < 4 and (q.is_aggregate or q.key[2] < 6) for q in graph.quantities)


def test_same_seed_same_graph():
    a = sample_graph(9, random.Random(7), GraphSettings())
    b = sample_graph(9, random.Random(7), GraphSettings())
    assert a == b


def test_impossible_requests_are_user_errors():
    with pytest.raises(UserError, match="op must be at least 1"):
        sample_graph(0, random.Random(0), GraphSettings())
    with pytest.raises(UserError, match="op too large"):
        sample_graph(200, random.Random(0), GraphSettings(n_locations=1, n_items=2, max_value=10))
    with pytest.raises(UserError):
        GraphSettings(distractors=(3, 1)).validate()
