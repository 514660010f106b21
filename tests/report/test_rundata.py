"""Reading a run directory: a model's evaluations on several problem sets are one arm."""

import json

from interplay.report.claims import measure
from interplay.report.rundata import RunData


def write_eval(directory, name, solved: list[int], op: int, samples: int = 4) -> str:
    """An eval stage's record and samples: problem i solved in solved[i] of `samples` samples."""
    lines = [json.dumps({"problem_index": i, "op": op, "context": "zoo", "sample": s,
                         "strict_correct": s < hits, "answer_correct": s < hits})
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
