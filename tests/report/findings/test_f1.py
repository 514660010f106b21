"""Finding 1's breadth note (how alike each model's samples are on the edge ops, and edge RL against the base),
its table by op, and edge RL's change by op beside the base's pass@k there."""

import json

from interplay.report.analysis import FIELDS
from interplay.report.archive import FORMAT, ArchivedRun
from interplay.report.claims import by_op
from interplay.report.findings.f1 import breadth, headroom, headroom_figure, headroom_note, reach


def archived_run(tmp_path, distinct_by_model: dict[str, list[int]], samples: int = 4,
                 right_by_model: dict[str, list[int]] | None = None,
                 strict_by_model: dict[str, list[int]] | None = None, ops: list[int] | None = None,
                 labels: dict[int, str] | None = None,
                 failures_by_model: dict[str, tuple[list[int], list[int]]] | None = None) -> ArchivedRun:
    """A run.json with a base and its edge RL, each evaluated on the same problems (at op 5 unless `ops` says, each
    solved in every sample unless `strict_by_model` says; without the count of right completions, as archives
    before it was kept, unless `right_by_model` gives it; nor the samples short of a needed quantity and beside the
    needed ones unless `failures_by_model` gives them), and a probe if `labels` gives each op's label."""
    instances, records, evals, probes = [], {}, {}, {}
    if labels:
        instances.append({"key": "probe", "stage": "probe", "kind": "probe", "axes": {}, "inputs": {}})
        records["probe"] = {"kind": "probe", "outputs": {}}
        probes["probe"] = {"samples": samples, "thresholds": {"in_distribution_pass1": 0.3, "edge_passk": 0.1},
                           "ops": {str(op): {"label": label} for op, label in labels.items()}}
    for model, distinct in distinct_by_model.items():
        stage, axes = ("base", {}) if model == "base" else ("rl", {"rl": "edge"})
        instances.append({"key": model, "stage": stage, "kind": "pretrain", "axes": axes, "inputs": {}})
        records[model] = {"kind": "pretrain", "outputs": {}}
        key = f"eval[{model}]"
        instances.append({"key": key, "stage": "eval", "kind": "eval", "axes": axes, "inputs": {"model": model}})
        records[key] = {"kind": "eval", "outputs": {}}
        n = len(distinct)
        strict = strict_by_model[model] if strict_by_model else [samples] * n
        table = {"ids": [f"p{i}" for i in range(n)], "ops": ops or [5] * n, "contexts": ["zoo"] * n,
                 "samples": [samples] * n, "strict": strict, "answer": strict, "right_answer_wrong_process": [0] * n,
                 "distinct": distinct}
        if right_by_model:
            table["distinct_right"] = right_by_model[model]
        if failures_by_model:
            table["short"], table["beside"] = failures_by_model[model]
        assert set(table) <= set(FIELDS)
        evals[key] = table
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"format": FORMAT, "plan": {"finding": "f1", "seeds": [0], "instances": instances},
                                "records": records, "probes": probes, "evals": evals, "metrics": {}}))
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


def test_the_table_by_op_shows_what_a_range_mean_hides(tmp_path):
    """Edge RL that loses op 5's pass@4 and gains op 6's: the edge range's mean pass@4 does not move."""
    run = archived_run(tmp_path, {"base": [1, 1, 1, 1], "rl[rl=edge]": [1, 1, 1, 1]}, ops=[5, 5, 6, 6],
                       strict_by_model={"base": [4, 1, 0, 0], "rl[rl=edge]": [4, 0, 2, 0]},
                       labels={5: "edge", 6: "edge", 7: "hard"})
    arms = [("base", "base", {}), ("RL on edge", "rl", {"rl": "edge"})]
    caption, header, rows = by_op(run, arms, 4)
    assert caption.startswith("By op, strict pass@1 / pass@4")
    assert header == ["op", "regime", "problems", "base", "RL on edge"]
    assert rows == [["5", "edge", "2", "0.625 / 1.000", "0.500 / 0.500"],
                    ["6", "edge", "2", "0.000 / 0.000", "0.250 / 0.500"],
                    ["7", "hard", "0", "n/a", "n/a"]]  # a probed op the evaluation has no problem at


def test_reach_says_what_the_samples_miss_and_what_edge_rl_changed(tmp_path):
    """Edge RL that follows chains further: fewer samples short of a needed quantity, as many beside them."""
    run = archived_run(tmp_path, {"base": [4, 4], "rl[rl=edge]": [4, 4]},
                       failures_by_model={"base": ([4, 2], [1, 1]), "rl[rl=edge]": ([2, 0], [1, 1])})
    arms = [("base", "base", {}), ("RL on edge", "rl", {"rl": "edge"})]
    text = reach(run, arms, [5])
    assert text.startswith("Reach on the edge ops (5): the share of samples that miss a quantity the answer needs / "
                           "that define one it does not need, mean over problems: base 0.75 / 0.25; RL on edge "
                           "0.25 / 0.25.")
    assert text.endswith("RL on edge minus the base, missing: -0.500 [-0.500, -0.500].")
    assert reach(run, arms, [6]) == ""  # no problem at the edge's ops


def test_reach_is_not_claimed_from_an_archive_that_predates_the_counts(tmp_path):
    run = archived_run(tmp_path, {"base": [4, 4], "rl[rl=edge]": [4, 4]})
    assert reach(run, [("base", "base", {}), ("RL on edge", "rl", {"rl": "edge"})], [5]) == ""


def test_edge_rl_by_op_sets_its_change_beside_what_the_base_already_solved(tmp_path):
    """Op 5, which the base solves in every try, has nothing to gain; op 6, which it never solves, gains half."""
    run = archived_run(tmp_path, {"base": [1, 1, 1, 1], "rl[rl=edge]": [1, 1, 1, 1]}, ops=[5, 5, 6, 6],
                       strict_by_model={"base": [4, 4, 0, 0], "rl[rl=edge]": [4, 4, 2, 0]},
                       labels={5: "edge", 6: "edge", 7: "hard"})
    points = headroom(run, 4)
    assert [(p.seed, p.op, p.regime, p.base.value, p.change.value) for p in points] == [
        (None, 5, "edge", 1.0, 0.0), (None, 6, "edge", 0.0, 0.5)]  # op 7: no problem evaluated there
    assert "(op, base, change with its interval over the op's problems): 5 1.00 0.000 [0.000, 0.000], " \
           "6 0.00 0.500 [0.000, 1.000]." in headroom_note(points, 4)
    assert headroom_figure(points, 4, tmp_path / "by_op.png").stat().st_size > 0
    assert headroom_note([], 4) == "" and headroom_figure([], 4, tmp_path / "none.png") is None
