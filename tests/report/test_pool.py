"""Runs as one and one run as some of its seeds: `SeedSubset` keeps a seed's stages and the stages every seed
shares, reads them from the run it cuts, and refuses seeds the run does not have; with `union`, a model two runs
evaluated on different problems stands on all of them, each once; runs of different seeds whose shared base differs
pool with each seed on its own run's base."""

import json
from pathlib import Path

import pytest

from interplay.errors import UserError
from interplay.report.pool import SeedSubset, open_runs
from interplay.report.seed_copies import SeedCopies


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


def shared_base_run(directory, seed: str, base_hash: str, base_solved: list[int], rl_solved: list[int],
                    base_tokens: int = 1000) -> str:
    """A run of one RL seed on a base that every seed of its recipe shares (`base`, no seed), both evaluated."""
    directory.mkdir()
    records = {"base": {"kind": "pretrain", "hash": base_hash, "seconds": 600.0, "outputs": {},
                        "settings": {"train.tokens": base_tokens}},
               f"rl[seed={seed}]": {"kind": "rl", "hash": f"rl{seed}{base_hash}", "seconds": 60.0, "outputs": {}}}
    instances = [{"key": "base", "stage": "base", "kind": "pretrain", "axes": {}, "inputs": {}},
                 {"key": f"rl[seed={seed}]", "stage": "rl", "kind": "rl", "axes": {"seed": seed},
                  "inputs": {"init": "base"}},
                 {"key": "eval[model=base]", "stage": "eval", "kind": "eval", "axes": {"model": "base"},
                  "inputs": {"model": "base"}},
                 {"key": f"eval[model=rl,seed={seed}]", "stage": "eval", "kind": "eval",
                  "axes": {"model": "rl", "seed": seed}, "inputs": {"model": f"rl[seed={seed}]"}}]
    for instance in instances:
        key = instance["key"]
        if instance["kind"] == "eval":
            record = json.loads(Path(evaluated(directory, key, base_solved if "base" in key else rl_solved))
                                .read_text())
            records[key] = {**record, "hash": f"e{key}{base_hash}"}
        path = directory / f"{key}.json"
        path.write_text(json.dumps(records[key]))
        instance["record"] = str(path)
    (directory / "plan.json").write_text(json.dumps({"finding": "f4", "seeds": [int(seed)], "instances": instances}))
    return str(directory)


def test_runs_whose_shared_base_differs_pool_each_seed_on_its_own_base(tmp_path):
    first = shared_base_run(tmp_path / "a", "0", "b1", base_solved=[0, 1], rl_solved=[2, 1])
    rebuilt = shared_base_run(tmp_path / "b", "1", "b2", base_solved=[2, 2], rl_solved=[2, 0])
    pooled = open_runs([rebuilt, first])
    assert pooled.keys("base") == ["base[seed=0]", "base[seed=1]"]
    assert pooled.instances["rl[seed=1]"]["inputs"] == {"init": "base[seed=1]"}
    assert pooled.instances["eval[model=base,seed=1]"]["inputs"] == {"model": "base[seed=1]"}
    assert [t.strict.tolist() for t in pooled.evals("base")] == [[0, 1], [2, 2]]  # each seed's own base
    assert pooled.eval_seeds("base") == pooled.eval_seeds("rl") == ["0", "1"]  # so RL pairs with its own base
    assert "seed 0 on base b1" in pooled.plan["notes"][0] and "seed 1 on base b2" in pooled.plan["notes"][0]


def test_a_shared_base_copied_for_each_seed_of_a_run_counts_its_compute_once(tmp_path):
    run = open_runs([shared_base_run(tmp_path / "a", "0", "b1", [0, 1], [2, 1])])
    run.plan["seeds"] = [0, 1]  # a run of two RL seeds on one base (seed 1's RL left out: its base is what counts)
    copies = SeedCopies(run, {"base"})
    assert sorted(copies.keys("base")) == ["base[seed=0]", "base[seed=1]"]
    assert sorted(copies.keys("eval", model="base")) == ["eval[model=base,seed=0]", "eval[model=base,seed=1]"]
    assert copies.seconds() == run.seconds()
    assert [t.strict.tolist() for t in copies.evals("base")] == [[0, 1], [0, 1]]


def test_runs_whose_shared_base_was_set_otherwise_do_not_pool(tmp_path):
    first = shared_base_run(tmp_path / "a", "0", "b1", [0, 1], [2, 1])
    longer = shared_base_run(tmp_path / "b", "1", "b2", [2, 2], [2, 0], base_tokens=2000)
    with pytest.raises(UserError, match="stage base was run differently"):
        open_runs([first, longer])
