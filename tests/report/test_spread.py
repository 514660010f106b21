"""Where a model's right samples fall: right samples, their share on the most-solved problems, problems solved,
and the problems gained and lost against the base."""

import json

from interplay.report.analysis import EvalTable
from interplay.report.archive import FORMAT, ArchivedRun
from interplay.report.spread import spread, spread_note

IDS = [f"p{i}" for i in range(8)]
OPS = [11] * 7 + [5]  # seven hard problems and one in-distribution one, which no hard count may see


def table(strict: list[int]) -> dict:
    n = len(strict)
    return {"ids": IDS, "ops": OPS, "contexts": ["zoo"] * n, "samples": [64] * n, "strict": strict,
            "answer": strict, "right_answer_wrong_process": [0] * n, "distinct": [1] * n, "distinct_right": [1] * n}


BASE = [3, 1, 0, 0, 0, 0, 0, 60]
SHARP = [40, 30, 0, 0, 0, 0, 0, 64]  # many right samples on the base's two problems
WIDE = [2, 0, 1, 1, 1, 1, 1, 50]  # few right samples over six problems, one of the base's lost


def archived_run(tmp_path, arms: dict[str, list[list[int]]]) -> ArchivedRun:
    """A base all seeds share and, per arm, one RL model a seed, each with one evaluation of the given counts."""
    instances = [{"key": "base", "stage": "base", "kind": "pretrain", "axes": {}, "inputs": {}},
                 {"key": "eval[model=base]", "stage": "eval", "kind": "eval", "axes": {"model": "base"},
                  "inputs": {"model": "base"}}]
    evals = {"eval[model=base]": table(BASE)}
    for arm, per_seed in arms.items():
        for seed, strict in enumerate(per_seed):
            rl, axes = f"rl[split={arm},seed={seed}]", {"split": arm, "seed": str(seed)}
            instances.append({"key": rl, "stage": "rl", "kind": "rl", "axes": axes, "inputs": {"init": "base"}})
            key = f"eval[model=rl,split={arm},seed={seed}]"
            instances.append({"key": key, "stage": "eval", "kind": "eval", "axes": {"model": "rl", **axes},
                              "inputs": {"model": rl}})
            evals[key] = table(strict)
    records = {i["key"]: {"kind": i["kind"], "outputs": {}} for i in instances}
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"format": FORMAT, "plan": {"finding": "f3", "seeds": [0, 1], "instances": instances},
                                "records": records, "probes": {}, "evals": evals, "metrics": {}}))
    return ArchivedRun(path)


def test_spread_counts_right_samples_their_share_on_the_top_problems_and_the_problems_solved():
    hard = spread(EvalTable.from_dict(table(SHARP)), [11])
    assert (hard.right, hard.on_top, hard.solved) == (70, 1.0, 2)  # the op-5 problem's 64 are not counted
    wide = spread(EvalTable.from_dict(table(WIDE)), [11])
    assert (wide.right, wide.solved) == (7, 6) and wide.on_top == (2 + 1 + 1 + 1 + 1) / 7  # TOP of them


def test_a_model_with_no_right_sample_has_no_share_on_its_top_problems():
    assert spread(EvalTable.from_dict(table([0] * 8)), [11]) == (0, 0.0, 0)


def test_the_note_gives_each_arm_by_seed_and_its_trades_against_the_shared_base(tmp_path):
    run = archived_run(tmp_path, {"sharp": [SHARP, SHARP], "wide": [WIDE, BASE]})
    arms = [("base", "base", {}), ("sharp", "rl", {"split": "sharp"}), ("wide", "rl", {"split": "wide"})]
    text = spread_note(run, arms, [11], "hard", trades=True)
    assert "base 4, 1.00, 2;" in text
    assert "sharp 70, 1.00, 2 / 70, 1.00, 2 (base only 0 / model only 0)" in text
    # wide seed 0 loses p1 and gains p2-p6; seed 1 is the base again: summed over the seeds
    assert f"wide 7, {6 / 7:.2f}, 6 / 4, 1.00, 2 (base only 1 / model only 5)" in text
    assert "(by seed)" in text
    assert "base only" not in spread_note(run, arms, [11], "hard")


def test_the_note_is_empty_without_an_evaluated_arm_or_selected_ops(tmp_path):
    run = archived_run(tmp_path, {"sharp": [SHARP]})
    assert spread_note(run, [("none", "rl", {"split": "none"})], [11], "hard") == ""
    assert spread_note(run, [("sharp", "rl", {"split": "sharp"})], [], "hard") == ""
