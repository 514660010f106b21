"""Runs as one and one run as some of its seeds: `SeedSubset` keeps a seed's stages and the stages every seed
shares, reads them from the run it cuts, and refuses seeds the run does not have."""

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
