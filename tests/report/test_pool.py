"""Runs as one and one run as some of its seeds: `SeedSubset` keeps a seed's stages and the stages every seed
shares, reads them from the run it cuts, and refuses seeds the run does not have; with `union`, a model two runs
evaluated on different problems stands on all of them, each once."""

import json

import pytest

from interplay.errors import UserError
from interplay.report.pool import SeedSubset, open_runs


def evaluated(directory, name: str, solved: list[int]) -> str:
    """An eval record whose two samples a problem at op 5 solve problem i solved[i] times."""
    rows = [{"problem_index": i, "op": 5, "context": "zoo", "sample": s, "strict_correct": s < hits,
             "answer_correct": s < hits, "errors": [] if s < hits else ["wrong_answer"]}
            for i, hits in enumerate(solved) for s in range(2)]
    samples, record = directory / f"{name}.jsonl", directory / f"{name}.json"
    samples.write_text("".join(json.dumps(row) + "\n" for row in rows))
    record.write_text(json.dumps({"kind": "eval", "outputs": {"samples": str(samples)}}))
    return str(record)


def two_seed_run(tmp_path) -> str:
    """RL of seeds 0 and 1, each evaluated on a test set that both seeds share (one generate stage)."""
    test = tmp_path / "test.json"
    test.write_text(json.dumps({"kind": "generate", "outputs": {}}))
    instances = [{"key": "test", "stage": "test", "kind": "generate", "axes": {}, "inputs": {}, "record": str(test)}]
    for seed, solved in (("0", [2, 0]), ("1", [1, 2])):
        model = f"rl[seed={seed}]"
        (tmp_path / f"rl{seed}.json").write_text(json.dumps({"kind": "rl", "outputs": {}}))
        instances.append({"key": model, "stage": "rl", "kind": "rl", "axes": {"seed": seed}, "inputs": {},
                          "record": str(tmp_path / f"rl{seed}.json")})
        instances.append({"key": f"eval[{model}]", "stage": "eval", "kind": "eval", "axes": {"seed": seed},
                          "inputs": {"model": model, "data": "test"},
                          "record": evaluated(tmp_path, f"test{seed}", solved)})
    (tmp_path / "plan.json").write_text(json.dumps({"finding": "f1", "seeds": [0, 1], "instances": instances}))
    return str(tmp_path)


def test_a_seed_of_a_run_keeps_its_stages_and_the_shared_ones(tmp_path):
    one = open_runs([two_seed_run(tmp_path)], seeds=[1])
    assert isinstance(one, SeedSubset) and one.plan["seeds"] == [1]
    assert sorted(one.records) == ["eval[rl[seed=1]]", "rl[seed=1]", "test"]
    assert [t.strict.tolist() for t in one.evals("rl")] == [[1, 2]]
    assert one.report_dir is None  # its report must not overwrite the report of both seeds


def test_a_seed_the_run_does_not_have_is_one_clear_error(tmp_path):
    with pytest.raises(UserError, match="no seed 2 .its seeds: 0, 1"):
        open_runs([two_seed_run(tmp_path)], seeds=[0, 2])


def hard_set_run(directory, model_hash: str, eval_hash: str, solved: dict[str, int]) -> str:
    """A run of one model (its hash `model_hash`) evaluated on a hard set: problem id -> right samples of 2."""
    directory.mkdir()
    rows = [{"problem_index": i, "id": problem, "op": 11, "context": "zoo", "sample": s, "strict_correct": s < hits,
             "answer_correct": s < hits, "errors": [] if s < hits else ["wrong_answer"]}
            for i, (problem, hits) in enumerate(solved.items()) for s in range(2)]
    (directory / "samples.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    records = {"base": {"kind": "pretrain", "hash": model_hash, "outputs": {}},
               "hard_test": {"kind": "generate", "hash": eval_hash + "data", "outputs": {}},
               "hard_eval[model=base]": {"kind": "eval", "hash": eval_hash, "seconds": 60.0,
                                         "outputs": {"samples": str(directory / "samples.jsonl")}}}
    instances = []
    for key, record in records.items():
        (directory / f"{key}.json").write_text(json.dumps(record))
        inputs = {"model": "base", "data": "hard_test"} if record["kind"] == "eval" else {}
        instances.append({"key": key, "stage": key.split("[")[0], "kind": record["kind"], "axes": {},
                          "inputs": inputs, "record": str(directory / f"{key}.json")})
    (directory / "plan.json").write_text(json.dumps({"finding": "f1", "seeds": [0], "instances": instances}))
    return str(directory)


def test_a_union_evaluates_a_shared_model_on_both_runs_problems_each_once(tmp_path):
    first = hard_set_run(tmp_path / "a", "m1", "e1", {"p1": 0, "p2": 2, "shared": 1})
    second = hard_set_run(tmp_path / "b", "m1", "e2", {"shared": 2, "p3": 1})
    union = open_runs([first, second], union=True)
    (table,) = union.evals("base")
    assert table.ids.tolist() == ["p1", "p2", "shared", "p3"]  # the first run's samples of a problem both have
    assert table.strict.tolist() == [0, 2, 1, 1]
    record = union.records["hard_eval[model=base]"]
    assert record["seconds"] == 120.0 and "e2" in record["notes"][0]
    with pytest.raises(UserError, match="--union"):  # without it the runs look like one seed run twice
        open_runs([first, second])


def test_a_union_refuses_evaluations_of_different_models_and_a_single_run(tmp_path):
    first = hard_set_run(tmp_path / "a", "m1", "e1", {"p1": 1})
    retrained = hard_set_run(tmp_path / "b", "m2", "e2", {"p2": 1})
    with pytest.raises(UserError, match="stage base was run differently"):
        open_runs([first, retrained], union=True)
    with pytest.raises(UserError, match="two runs or more"):
        open_runs([first], union=True)
