"""Finding 4's floor note: how many hard problems each reward's model solved at all, the few a hard pass@k
claim stands on near the floor."""

import json

from interplay.report.archive import FORMAT, ArchivedRun
from interplay.report.findings.f4 import floor


def archived_run(tmp_path, strict_by_model: dict[str, list[list[int]]], samples: int = 4) -> ArchivedRun:
    """A run.json with a base shared by the seeds and RL arms by reward, one row of per-problem successes per seed
    (the base has one), every problem at op 9."""
    instances, records, evals = [], {}, {}
    for model, rows in strict_by_model.items():
        reward = None if model == "base" else model
        for seed, strict in enumerate(rows):
            key = "base" if reward is None else f"rl[reward={reward},seed={seed}]"
            axes = {} if reward is None else {"reward": reward, "seed": str(seed)}
            instances.append({"key": key, "stage": "base" if reward is None else "rl", "kind": "rl", "axes": axes,
                              "inputs": {}})
            records[key] = {"kind": "rl", "outputs": {}}
            instances.append({"key": f"eval[{key}]", "stage": "eval", "kind": "eval", "axes": axes,
                              "inputs": {"model": key}})
            records[f"eval[{key}]"] = {"kind": "eval", "outputs": {}}
            n = len(strict)
            evals[f"eval[{key}]"] = {"ids": [f"p{i}" for i in range(n)], "ops": [9] * n, "contexts": ["zoo"] * n,
                                     "samples": [samples] * n, "strict": strict, "answer": strict,
                                     "right_answer_wrong_process": [0] * n, "distinct": [1] * n}
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"format": FORMAT, "plan": {"finding": "f4", "seeds": [0, 1], "instances": instances},
                                "records": records, "probes": {}, "evals": evals, "metrics": {}}))
    return ArchivedRun(path)


ARMS = [("base (no RL)", "base", {}), ("outcome", "rl", {"reward": "outcome"}), ("strict", "rl", {"reward": "strict"})]


def test_the_floor_note_counts_the_hard_problems_each_model_solved_at_all(tmp_path):
    run = archived_run(tmp_path, {"base": [[0, 0, 1, 0]], "outcome": [[0, 0, 1, 0]], "strict": [[3, 0, 1, 1]]})
    assert floor(run, ARMS, [9, 10], 4) == (
        "Hard ops (9-10): problems strictly solved in at least one sample, of 4: base (no RL) 1; outcome 1; strict 3. "
        "Each problem weighs 0.250 in hard pass@4: a claim on it stands on these few.")
    assert floor(run, ARMS, [], 4) == ""  # no hard ops: nothing to say


def test_the_floor_note_gives_each_seed_its_count(tmp_path):
    run = archived_run(tmp_path, {"base": [[0, 1]], "outcome": [[0, 0], [1, 1]], "strict": [[2, 0], [0, 4]]})
    assert floor(run, ARMS, [9], 4) == (
        "Hard ops (9): problems strictly solved in at least one sample, of 2 (by seed): base (no RL) 1; outcome 0 / 2; "
        "strict 1 / 1. Each problem weighs 0.500 in hard pass@4: a claim on it stands on these few.")
