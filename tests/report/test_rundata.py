"""Reading a run directory: a model's evaluations on several problem sets are one arm; one base per seed
is labelled by the mean of its probes; the machines its stages ran on."""

import json

from interplay.report.claims import measure
from interplay.report.rundata import RunData


def write_eval(directory, name, solved: list[int], op: int, samples: int = 4) -> str:
    """An eval stage's record and samples: problem i solved in solved[i] of `samples` samples."""
    lines = [json.dumps({"problem_index": i, "op": op, "context": "zoo", "sample": s,
                         "strict_correct": s < hits, "answer_correct": s < hits,
                         "errors": [] if s < hits else ["wrong_answer"]})
             for i, hits in enumerate(solved) for s in range(samples)]
    (directory / f"{name}.jsonl").write_text("\n".join(lines) + "\n")
    record = directory / f"{name}.json"
    record.write_text(json.dumps({"kind": "eval", "outputs": {"samples": str(directory / f"{name}.jsonl")}}))
    return str(record)


def make_run(tmp_path, finished_hard: set[str]) -> RunData:
    """Two RL seeds, each evaluated on the test set and on extra hard problems."""
    instances = []
    for seed, test_solved, hard_solved in (("0", [4, 0], [0, 2, 0]), ("1", [2, 2], [4, 4, 4])):
        model = f"rl[seed={seed}]"
        (tmp_path / f"rl{seed}.json").write_text(json.dumps({"kind": "rl", "outputs": {}}))
        instances.append({"key": model, "stage": "rl", "kind": "rl", "axes": {"seed": seed}, "inputs": {},
                          "record": str(tmp_path / f"rl{seed}.json")})
        instances.append({"key": f"eval[{seed}]", "stage": "eval", "kind": "eval", "axes": {"seed": seed},
                          "inputs": {"model": model, "data": "test"},
                          "record": write_eval(tmp_path, f"test{seed}", test_solved, 8)})
        hard = f"hard_eval[{seed}]"
        instances.append({"key": hard, "stage": "hard_eval", "kind": "eval", "axes": {"seed": seed},
                          "inputs": {"model": model, "data": "hard_test"},
                          "record": write_eval(tmp_path, f"hard{seed}", hard_solved, 8) if seed in finished_hard
                          else str(tmp_path / "missing.json")})
    (tmp_path / "plan.json").write_text(json.dumps({"finding": "f4", "instances": instances}))
    return RunData(tmp_path)


def test_a_model_evaluated_twice_is_one_table_of_both_problem_sets(tmp_path):
    run = make_run(tmp_path, finished_hard={"0", "1"})
    tables = run.evals("rl")
    assert [t.ops.tolist() for t in tables] == [[8] * 5, [8] * 5]  # one table per seed, test then hard
    assert [t.strict.tolist() for t in tables] == [[4, 0, 0, 2, 0], [2, 2, 4, 4, 4]]
    estimate = measure(run, "rl", {}, "pass", 1, [8])
    assert estimate.problems == 5 and estimate.seeds == 2
    assert estimate.value == (6 / 20 + 16 / 20) / 2


def test_a_model_waits_for_all_its_evaluations(tmp_path):
    """Seed 1's hard problems are not evaluated yet: counting its test set alone would pair arms on
    different problems, so seed 1 is left out until they are."""
    run = make_run(tmp_path, finished_hard={"0"})
    assert [t.strict.tolist() for t in run.evals("rl")] == [[4, 0, 0, 2, 0]]


def test_probes_of_bases_per_seed_label_ops_by_their_mean(tmp_path):
    instances = []
    for seed, (pass1, pass8) in enumerate([((0.9, 0.4, 0.0), (1.0, 0.9, 0.0)), ((0.7, 0.1, 0.1), (1.0, 0.5, 0.25))]):
        labels = ["in-distribution" if p >= 0.3 else "edge" if k >= 0.1 else "hard" for p, k in zip(pass1, pass8)]
        competence = {"samples": 8, "thresholds": {"in_distribution_pass1": 0.3, "edge_passk": 0.1},
                      "ops": {str(op): {"pass_at_1": p, "pass_at_8": k, "label": label}
                              for op, p, k, label in zip((2, 3, 4), pass1, pass8, labels)}}
        (tmp_path / f"competence{seed}.json").write_text(json.dumps(competence))
        record = tmp_path / f"probe{seed}.json"
        outputs = {"competence": str(tmp_path / f"competence{seed}.json")}
        record.write_text(json.dumps({"kind": "probe", "outputs": outputs}))
        instances.append({"key": f"probe[seed={seed}]", "stage": "probe", "kind": "probe", "axes": {"seed": str(seed)},
                          "inputs": {}, "record": str(record)})
    (tmp_path / "plan.json").write_text(json.dumps({"finding": "f1", "instances": instances}))
    run = RunData(tmp_path)
    merged = run.competence
    assert merged["probes"] == ["probe[seed=0]", "probe[seed=1]"]
    assert merged["ops"]["3"]["pass_at_1"] == 0.25
    assert merged["ops"]["3"]["labels_by_probe"] == ["in-distribution", "edge"]
    assert [merged["ops"][op]["label"] for op in ("2", "3", "4")] == ["in-distribution", "edge", "edge"]
    assert run.regime_ops() == {"id": [2], "edge": [3, 4], "hard": []}


def test_the_machines_are_those_of_the_finished_stages_once_each_in_order(tmp_path):
    machines = ["AMD EPYC [avx2], 2 threads", None, "AMD EPYC [avx2], 2 threads", "Xeon [avx2 amx_bf16], 8 threads"]
    instances = []
    for i, machine in enumerate(machines):
        record = tmp_path / f"stage{i}.json"
        record.write_text(json.dumps({"kind": "generate", "outputs": {}, **({"machine": machine} if machine else {})}))
        instances.append({"key": f"s{i}", "stage": f"s{i}", "kind": "generate", "axes": {}, "inputs": {},
                          "record": str(record)})
    instances.append({"key": "unfinished", "stage": "u", "kind": "generate", "axes": {}, "inputs": {},
                      "record": str(tmp_path / "missing.json")})
    (tmp_path / "plan.json").write_text(json.dumps({"finding": "f1", "instances": instances}))
    assert RunData(tmp_path).machines() == ["AMD EPYC [avx2], 2 threads", "a machine not recorded",
                                            "Xeon [avx2 amx_bf16], 8 threads"]


def test_an_axis_lists_its_values_in_the_recipe_order_the_plan_keeps(tmp_path):
    """Runs pooled in any order list their arms as the recipe does; a plan from before `axis_order` keeps the
    order of its instances."""
    instances = [{"key": f"rl[{reward}]", "stage": "rl", "kind": "rl", "axes": {"reward": reward}, "inputs": {},
                  "record": None} for reward in ("strict", "mix", "outcome")]
    plan = {"finding": "f4", "instances": instances}
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    assert RunData(tmp_path).axis_values("rl", "reward") == ["strict", "mix", "outcome"]
    (tmp_path / "plan.json").write_text(json.dumps({**plan, "axis_order": {"reward": ["outcome", "mix", "other"]}}))
    assert RunData(tmp_path).axis_values("rl", "reward") == ["outcome", "mix", "strict"]  # unknown to it: last
