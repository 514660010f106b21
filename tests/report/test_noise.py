"""The noise floor under pass@k claims: the base evaluated again with another sampling seed (the `redraw`
stage) stays out of the base's own table, and a report counts the problems each evaluation solves alone."""

import json

from interplay.report.archive import FORMAT, ArchivedRun
from interplay.report.claims import measure
from interplay.report.noise import noise_note, solved_apart

ARMS = [("base", "base", {}), ("RL on edge", "rl", {"rl": "edge"})]


def archived_run(tmp_path, strict: dict[str, list[int]], seeds=("0",), samples: int = 4) -> ArchivedRun:
    """A base and its edge RL per seed, each evaluated on problems p0.. at op 5 (plus p9 at op 9), and the
    base evaluated again by `redraw` on the op-5 problems alone; strict["base" | "redraw" | "rl"] gives
    each evaluation's right samples per problem, the same for every seed."""
    instances, records, evals = [], {}, {}

    def add(key, stage, kind, axes, inputs, table=None):
        instances.append({"key": key, "stage": stage, "kind": kind, "axes": axes, "inputs": inputs})
        records[key] = {"kind": kind, "outputs": {}}
        if table is not None:
            n = len(table)
            ids = [f"p{i}" for i in range(n)] if n == len(strict["redraw"]) else [f"p{i}" for i in range(n - 1)] + ["p9"]
            evals[key] = {"ids": ids, "ops": [5] * len(strict["redraw"]) + [9] * (n - len(strict["redraw"])),
                          "contexts": ["zoo"] * n, "samples": [samples] * n, "strict": table, "answer": table,
                          "right_answer_wrong_process": [0] * n, "distinct": [1] * n, "distinct_right": [1] * n}

    for seed in seeds:
        base, rl = f"base[seed={seed}]", f"rl[rl=edge,seed={seed}]"
        add(base, "base", "pretrain", {"seed": seed}, {})
        add(rl, "rl", "rl", {"rl": "edge", "seed": seed}, {"init": base})
        add(f"eval[model=base,seed={seed}]", "eval", "eval", {"model": "base", "seed": seed}, {"model": base},
            strict["base"])
        add(f"redraw[model=base,seed={seed}]", "redraw", "eval", {"model": "base", "seed": seed}, {"model": base},
            strict["redraw"])
        add(f"eval[model=rl,rl=edge,seed={seed}]", "eval", "eval", {"model": "rl", "rl": "edge", "seed": seed},
            {"model": rl}, strict["rl"])
    path = tmp_path / "run.json"
    plan = {"finding": "f1", "seeds": [int(s) for s in seeds], "instances": instances}
    path.write_text(json.dumps({"format": FORMAT, "plan": plan, "records": records, "probes": {}, "evals": evals,
                                "metrics": {}}))
    return ArchivedRun(path)


STRICT = {"base": [4, 1, 0, 2, 0, 3], "redraw": [4, 0, 1, 2, 0], "rl": [4, 0, 0, 0, 3, 0]}


def test_the_redraw_is_not_part_of_the_bases_own_evaluation(tmp_path):
    run = archived_run(tmp_path, STRICT)
    assert [t.strict.tolist() for t in run.evals("base")] == [STRICT["base"]]
    first, again = run.redrawn("base")
    assert [t.strict.tolist() for t in first] == [STRICT["base"]]
    assert [t.strict.tolist() for t in again] == [STRICT["redraw"]]
    assert measure(run, "base", {}, "pass", 1, [9]).problems == 1  # the base's hard problem counts, once


def test_problems_solved_by_one_evaluation_only_are_counted_on_the_problems_both_have(tmp_path):
    run = archived_run(tmp_path, STRICT, seeds=("0", "1"))
    first, again = run.redrawn("base")
    assert solved_apart(first, again, [5]) == (2, 2)  # p1 first only, p2 again only; each of two seeds
    assert solved_apart(first, again, [9]) == (0, 0)  # the redraw has no op-9 problem: nothing to set apart


def test_the_note_sets_rls_trade_beside_the_bases_own(tmp_path):
    run = archived_run(tmp_path, STRICT)
    text = noise_note(run, ARMS, [5], 4, "edge")
    # pass@4 is 1 on every problem solved once: again minus first is (3 - 3) / 5 on the op-5 problems.
    assert text.startswith("Sampling noise on the edge ops (5): the base evaluated again with another sampling seed, "
                           "minus its first evaluation: pass@4 0.000 [")
    assert "problems strictly solved in one of the two only: 1 first / 1 again." in text
    # RL against the base's first evaluation: loses p1 and p3, gains p4 (p5 is at op 9).
    assert "problems solved by the base only / by the model only: RL on edge 2 / 1." in text


def test_no_note_without_a_finished_redraw(tmp_path):
    run = archived_run(tmp_path, STRICT)
    del run.records["redraw[model=base,seed=0]"]
    assert noise_note(run, ARMS, [5], 4, "edge") == ""
    assert noise_note(archived_run(tmp_path, STRICT), ARMS, [], 4, "edge") == ""
