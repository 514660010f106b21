"""The parts of a gold solution: every character labelled, each step's name, letters, dependencies, values and
result where the text puts them, in both formats and with any modulus."""

import random
import re

from hypothesis import given
from hypothesis import strategies as st

from interplay.world.contexts import get_context
from interplay.world.graph import GraphSettings, sample_graph
from interplay.world.parts import PARTS, solution_parts
from interplay.world.render import SurfaceSettings, render_record


def runs(text: str, labels: list[str], part: str) -> list[str]:
    """The maximal runs of characters labelled `part`, as text, in order."""
    found, start = [], None
    for index, label in enumerate(labels + ["end"]):
        if label == part and start is None:
            start = index
        elif label != part and start is not None:
            found.append(text[start:index])
            start = None
    return found


@given(op=st.integers(1, 12), seed=st.integers(0, 10**6), fmt=st.sampled_from(["compact", "paper"]),
       modulus=st.sampled_from([None, 23]))
def test_every_step_is_split_where_the_text_puts_its_parts(op, seed, fmt, modulus):
    graph = sample_graph(op, random.Random(seed), GraphSettings(modulus=modulus))
    record = render_record(graph, get_context("zoo"), random.Random(seed + 1), 5, 5, SurfaceSettings(fmt, "shuffled"))
    text, nodes = record["solution"], record["graph"]["nodes"]
    labels = solution_parts(text)
    assert len(labels) == len(text) and set(labels) <= set(PARTS)
    assert runs(text, labels, "name") == [node["name"] for node in nodes]
    assert runs(text, labels, "answer") == [str(record["answer"])]
    assert runs(text, labels, "go_on") == ["Define"] * (len(nodes) - 1)  # after each step: go on or stop
    assert runs(text, labels, "stop") == ["Answer"]
    assert all(re.fullmatch(r"\w+", letter) for letter in runs(text, labels, "letter"))
    assert all(re.fullmatch(r"-?\d+", result) for result in runs(text, labels, "result"))
    assert all(re.search(r"[A-Za-z]", deps) for deps in runs(text, labels, "deps"))
    assert not any(re.search(r"[A-Za-z]", values) for values in runs(text, labels, "values"))
    # a node with parents uses them through letters; a constant is a value read from the problem
    assert len(runs(text, labels, "deps")) >= sum(1 for node in nodes if node["parents"])
    assert set(runs(text, labels, "syntax")) <= {"Define ", " ", " as ", "; so ", " = ", ". ", ": ", ".", "; "}


def test_a_compact_step_in_its_parts():
    text = "Define adult owl in Pine Ridge as b; so b = 2 * a = 2 * 4 = 8. Answer: 8."
    labels = solution_parts(text)
    assert runs(text, labels, "name") == ["adult owl in Pine Ridge"]
    assert runs(text, labels, "letter") == ["b", "b"]
    assert runs(text, labels, "stop") == ["Answer"]
    assert (runs(text, labels, "deps"), runs(text, labels, "values"), runs(text, labels, "result")) == \
        (["2 * a"], ["2 * 4"], ["8"])
