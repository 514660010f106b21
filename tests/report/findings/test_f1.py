"""Finding 1's breadth note: how alike each model's samples are on the edge ops, and edge RL against the base."""

import json

from interplay.report.analysis import FIELDS
from interplay.report.archive import FORMAT, ArchivedRun
from interplay.report.findings.f1 import breadth


def archived_run(tmp_path, distinct_by_model: dict[str, list[int]], samples: int = 4,
                 right_by_model: dict[str, list[int]] | None = None) -> ArchivedRun:
    """A run.json with a base and its edge RL, each evaluated on the same op-5 problems (without the count of
    right completions, as archives before it was kept, unless `right_by_model` gives it)."""
    instances, records, evals = [], {}, {}
    for model, distinct in distinct_by_model.items():
        stage, axes = ("base", {}) if model == "base" else ("rl", {"rl": "edge"})
        instances.append({"key": model, "stage": stage, "kind": "pretrain", "axes": axes, "inputs": {}})
        records[model] = {"kind": "pretrain", "outputs": {}}
        key = f"eval[{model}]"
        instances.append({"key": key, "stage": "eval", "kind": "eval", "axes": axes, "inputs": {"model": model}})
        records[key] = {"kind": "eval", "outputs": {}}
        n = len(distinct)
        table = {"ids": [f"p{i}" for i in range(n)], "ops": [5] * n, "contexts": ["zoo"] * n, "samples": [samples] * n,
                 "strict": [1] * n, "answer": [1] * n, "right_answer_wrong_process": [0] * n, "distinct": distinct}
        if right_by_model:
            table["distinct_right"] = right_by_model[model]
            assert set(table) == set(FIELDS)
        evals[key] = table
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"format": FORMAT, "plan": {"finding": "f1", "seeds": [0], "instances": instances},
                                "records": records, "probes": {}, "evals": evals, "metrics": {}}))
    return ArchivedRun(path)


def test_breadth_says_how_alike_the_samples_are_and_what_edge_rl_changed(tmp_path):
    run = archived_run(tmp_path, {"base": [4, 2], "rl[rl=edge]": [2, 1]})
    arms = [("base", "base", {}), ("RL on edge", "rl", {"rl": "edge"})]
    text = breadth(run, arms, [5])
    assert "Breadth on the edge ops (5)" in text
    assert "base 0.75 [0.50, 1.00]; RL on edge 0.38 [0.25, 0.50]" in text  # (4 + 2) / 8 and (2 + 1) / 8
    assert "RL on edge minus the base: -0.375 [-0.500, -0.250]." in text
    assert breadth(run, arms, [6]) == ""  # no problem at the edge's ops: nothing to say
    assert "right / wrong" not in text  # an archive from before the count: not claimed


def test_breadth_splits_the_different_completions_into_right_and_wrong(tmp_path):
    run = archived_run(tmp_path, {"base": [4, 2], "rl[rl=edge]": [2, 1]},
                       right_by_model={"base": [1, 1], "rl[rl=edge]": [1, 0]})
    arms = [("base", "base", {}), ("RL on edge", "rl", {"rl": "edge"})]
    text = breadth(run, arms, [5])
    assert text.endswith(" Different right / wrong completions per problem, mean: "
                         "base 1.00 / 2.0; RL on edge 0.50 / 1.0.")
