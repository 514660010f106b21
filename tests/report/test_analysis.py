"""Report statistics: per-problem pass@k from eval samples, as arms."""

import json

import numpy as np
import pytest

from interplay.report.analysis import FIELDS, EvalTable, arm_matrix


def write_samples(path, successes: list[list[bool]], ops: list[int], answers=None, ids=None, completions=None,
                  errors=None):
    lines = []
    for index, (row, op) in enumerate(zip(successes, ops)):
        for sample, ok in enumerate(row):
            answer = ok if answers is None else answers[index][sample]
            lines.append(json.dumps({"problem_index": index, "op": op, "context": "zoo", "sample": sample,
                                     "strict_correct": ok, "answer_correct": answer,
                                     "errors": errors[index][sample] if errors else [],
                                     "completion": completions[index][sample] if completions else f"{index}/{sample}"}
                                    | ({"id": ids[index]} if ids else {})))
    path.write_text("\n".join(lines) + "\n")
    return EvalTable.load(path)


def test_table_gives_unbiased_pass_at_k_per_problem(tmp_path):
    table = write_samples(tmp_path / "s.jsonl", [[True, False, False, False], [False] * 4, [True] * 4], [2, 3, 3],
                          answers=[[True, True, False, False], [True, False, False, False], [True] * 4])
    assert table.values("pass", 1).tolist() == pytest.approx([0.25, 0.0, 1.0])
    assert table.values("pass", 2).tolist() == pytest.approx([0.5, 0.0, 1.0])  # 1 - C(3,2)/C(4,2)
    assert table.values("rawp").tolist() == [0.25, 0.25, 0.0]
    assert table.values("distinct").tolist() == [1.0, 1.0, 1.0]
    assert arm_matrix([table], "pass", 1, ops=[3]).tolist() == [[0.0, 1.0]]


def test_breadth_counts_the_different_completions_of_a_problem(tmp_path):
    table = write_samples(tmp_path / "s.jsonl", [[True, True, False, False], [False] * 4], [5, 5],
                          completions=[["a", "a", "b", "c"], ["x"] * 4])
    assert table.values("distinct").tolist() == [0.75, 0.25]
    assert table.values("distinct_right").tolist() == [1, 0]  # "a" twice, right both times
    assert table.values("distinct_wrong").tolist() == [2, 1]


def test_a_completion_right_in_one_sample_and_wrong_in_none_counts_once(tmp_path):
    table = write_samples(tmp_path / "s.jsonl", [[True, True, True, False]], [5], completions=[["a", "b", "a", "c"]])
    assert table.values("distinct_right").tolist() == [2]
    assert table.values("distinct_wrong").tolist() == [1]


def test_reach_and_relevance_count_the_samples_that_miss_a_needed_quantity_and_define_an_unneeded_one(tmp_path):
    errors = [[["missing_node", "extra_node"], ["missing_node"], [], ["extra_node"]],  # the last: right, one extra step
              [["wrong_answer"], [], [], []]]
    table = write_samples(tmp_path / "s.jsonl", [[False, False, True, True], [False, True, True, True]], [5, 6],
                          errors=errors)
    assert table.values("short").tolist() == [0.5, 0.0]
    assert table.values("beside").tolist() == [0.5, 0.0]


def test_tables_of_one_model_concatenate_in_order(tmp_path):
    first = write_samples(tmp_path / "a.jsonl", [[True, False], [False, False]], [2, 8])
    extra = write_samples(tmp_path / "b.jsonl", [[True, True]], [8])
    both = EvalTable.concat([first, extra])
    assert both.ops.tolist() == [2, 8, 8] and both.samples.tolist() == [2, 2, 2]
    assert both.values("pass", 1).tolist() == pytest.approx([0.5, 0.0, 1.0])
    assert arm_matrix([both], "pass", 1, ops=[8]).tolist() == [[0.0, 1.0]]
    assert EvalTable.concat([first]) is first


def test_seeds_are_matched_on_the_problems_they_share(tmp_path):
    """Seed 0's own probe called op 9 hard, so its model was evaluated on an extra op-9 problem that seed 1's
    was not: each seed's row keeps the problems both have, in the same order, whatever each file's order."""
    seed0 = write_samples(tmp_path / "0.jsonl", [[True, False], [True, True], [False, False]], [9, 9, 10],
                          ids=["t9", "x9", "x10"])
    seed1 = write_samples(tmp_path / "1.jsonl", [[False, False], [True, True]], [10, 9], ids=["x10", "t9"])
    assert arm_matrix([seed0, seed1], "pass", 1).tolist() == [[0.5, 0.0], [1.0, 0.0]]
    assert arm_matrix([seed0, seed1], "pass", 1, ops=[9]).tolist() == [[0.5], [1.0]]
    assert arm_matrix([seed0], "pass", 1, ops=[9]).tolist() == [[0.5, 1.0]]  # one seed keeps all its problems


def test_a_table_survives_its_json_form(tmp_path):
    table = write_samples(tmp_path / "s.jsonl", [[True, False], [False, False]], [2, 8], ids=["a", "b"])
    again = EvalTable.from_dict(json.loads(json.dumps(table.to_dict())))
    assert again.ids.tolist() == ["a", "b"]
    assert all((getattr(again, name) == getattr(table, name)).all() for name in FIELDS)


def test_an_archive_from_before_the_right_completions_were_counted_reads_them_as_unknown(tmp_path):
    table = write_samples(tmp_path / "s.jsonl", [[True, False], [False, False]], [2, 8], ids=["a", "b"])
    old = {name: values for name, values in table.to_dict().items() if name != "distinct_right"}
    again = EvalTable.from_dict(old)
    assert np.isnan(again.values("distinct_right")).all()
    assert again.values("pass", 1).tolist() == [0.5, 0.0]
    assert json.loads(json.dumps(again.to_dict(), allow_nan=False)) == old  # archived again as it was: no NaN
