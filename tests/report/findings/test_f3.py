"""Finding 3's section: the base beside the splits of the budget, by op, and what each model's samples miss."""

import json

from interplay.report.archive import FORMAT, ArchivedRun
from interplay.report.findings.f3 import finding_3

SAMPLES = 4
# per model, right samples of SAMPLES on problems p0..p3 at ops 2, 3 (edge), 4, 4 (hard)
RIGHT = {"base": [3, 1, 0, 0], "all_mid": [3, 2, 1, 0], "light": [4, 3, 1, 0], "heavy": [4, 2, 1, 1],
         "all_rl": [4, 2, 0, 0]}
BUDGET_STEPS = {"all_mid": 0, "light": 1, "heavy": 3, "all_rl": 5}  # GRPO steps; mid-training takes the rest


def budget_run(tmp_path) -> ArchivedRun:
    """A run.json of one seed: the base (probed: op 2 in-distribution, 3 edge, 4 hard) and four splits of the
    budget, each evaluated on the same four problems, every sample that is not right missing a needed quantity."""
    instances = [{"key": "base", "stage": "base", "kind": "pretrain", "axes": {}, "inputs": {}},
                 {"key": "probe", "stage": "probe", "kind": "probe", "axes": {}, "inputs": {"model": "base"}}]
    records = {"base": {"kind": "pretrain", "outputs": {}}, "probe": {"kind": "probe", "outputs": {}}}
    evals, metrics = {}, {}
    for model, right in RIGHT.items():
        if model == "base":
            trained, axes = "base", {}
        else:
            trained, axes = f"rl[split={model}]", {"split": model}
            instances.append({"key": trained, "stage": "rl", "kind": "rl", "axes": axes, "inputs": {"model": "base"}})
            records[trained] = {"kind": "rl", "outputs": {}}
            metrics[trained] = [{"step": step, "flops": step * 1e12} for step in range(1, BUDGET_STEPS[model] + 1)]
            # all RL's mid stage passes the base through: the runner archives the base's metrics under it
            mid, skipped = f"mid[split={model}]", model == "all_rl"
            instances.append({"key": mid, "stage": "mid", "kind": "midtrain", "axes": axes, "inputs": {}})
            records[mid] = {"kind": "midtrain", "outputs": {"skipped": True} if skipped else {}}
            metrics[mid] = [{"step": 1, "tokens": 54e6 if skipped else 4e6 - 1e6 * BUDGET_STEPS[model], "flops": 5e12}]
        key = "eval[model=base]" if model == "base" else f"eval[model=rl,split={model}]"
        instances.append({"key": key, "stage": "eval", "kind": "eval", "axes": {**axes, "model": trained.split("[")[0]},
                          "inputs": {"model": trained}})
        records[key] = {"kind": "eval", "outputs": {}}
        evals[key] = {"ids": ["p0", "p1", "p2", "p3"], "ops": [2, 3, 4, 4], "contexts": ["zoo"] * 4,
                      "samples": [SAMPLES] * 4, "strict": right, "answer": right,
                      "right_answer_wrong_process": [0] * 4, "short": [SAMPLES - hits for hits in right],
                      "beside": [0] * 4}
    labels = {"2": "in-distribution", "3": "edge", "4": "hard"}
    probes = {"probe": {"samples": SAMPLES, "thresholds": {},
                        "ops": {op: {"pass_at_1": 0.5, f"pass_at_{SAMPLES}": 0.5, "label": name}
                                for op, name in labels.items()}}}
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"format": FORMAT, "plan": {"finding": "f3", "seeds": [0], "instances": instances},
                                "records": records, "probes": probes, "evals": evals, "metrics": metrics}))
    return ArchivedRun(path)


def test_the_base_is_the_first_row_and_spent_nothing_of_the_budget(tmp_path):
    section = finding_3(budget_run(tmp_path), tmp_path)
    assert [row[0] for row in section.rows] == ["base", "all_mid", "light", "heavy", "all_rl"]
    assert section.rows[0][1:3] == ["-", "-"]
    assert section.rows[0][3].startswith("0.250 ")  # base edge pass@1: one of four samples right on p1


def test_each_split_states_its_budget_in_flops_mid_training_tokens_and_rl_steps(tmp_path):
    rows = finding_3(budget_run(tmp_path), tmp_path).rows
    assert [row[1:3] for row in rows[1:]] == [["5.00e+12", "4.0M + 0"], ["6.00e+12", "3.0M + 1"],
                                              ["8.00e+12", "1.0M + 3"], ["5.00e+12", "0.0M + 5"]]


def test_a_split_whose_seeds_took_different_steps_states_the_range_and_the_mean_flops(tmp_path):
    budget_run(tmp_path)
    run = json.loads((tmp_path / "run.json").read_text())
    run["plan"]["seeds"] = [0, 1]
    for stage in ("mid", "rl"):  # a second seed of all RL whose samples ran shorter: one GRPO step more
        first = next(i for i in run["plan"]["instances"] if i["key"] == f"{stage}[split=all_rl]")
        key = f"{stage}[seed=1,split=all_rl]"
        run["plan"]["instances"].append({**first, "key": key, "axes": {**first["axes"], "seed": "1"}})
        run["records"][key] = run["records"][first["key"]]
        run["metrics"][key] = run["metrics"][first["key"]] + ([{"step": 6, "flops": 7e12}] if stage == "rl" else [])
    (tmp_path / "run.json").write_text(json.dumps(run))
    rows = finding_3(ArchivedRun(tmp_path / "run.json"), tmp_path).rows
    assert rows[-1][1:3] == ["6.00e+12", "0.0M + 5-6"]


def test_each_model_stands_by_op_beside_the_base(tmp_path):
    caption, header, rows = finding_3(budget_run(tmp_path), tmp_path).tables[0]
    assert header == ["op", "regime", "problems", "base", "all_mid", "light", "heavy", "all_rl"]
    assert rows[2] == ["4", "hard", "2", "0.000 / 0.000", "0.125 / 0.500", "0.125 / 0.500", "0.250 / 1.000",
                       "0.000 / 0.000"]


def test_reach_says_what_each_models_samples_miss_on_the_edge_and_the_hard_ops(tmp_path):
    notes = finding_3(budget_run(tmp_path), tmp_path).notes
    reach = next(note for note in notes if note.startswith("Reach"))
    assert ("Edge ops (3): base 0.75 / 0.00; all_mid 0.50 / 0.00; light 0.25 / 0.00; heavy 0.50 / 0.00; "
            "all_rl 0.50 / 0.00.") in reach
    assert ("Hard ops (4): base 1.00 / 0.00; all_mid 0.88 / 0.00; light 0.88 / 0.00; heavy 0.75 / 0.00; "
            "all_rl 1.00 / 0.00.") in reach
    floor = next(note for note in notes if note.startswith("Hard ops"))
    assert "base 0; all_mid 1; light 1; heavy 2; all_rl 0" in floor
