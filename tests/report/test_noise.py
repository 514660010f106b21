"""The noise floor under pass@k claims: the base evaluated again with another sampling seed (the `redraw`
stage) stays out of the base's own table, and a report counts the problems each evaluation solves alone."""

import json

from interplay.report.archive import FORMAT, ArchivedRun
from interplay.report.claims import measure
from interplay.report.noise import noise_note, solved_apart

ARMS = [("base", "base", {}), ("RL on edge", "rl", {"rl": "edge"})]


OPS = {"p0": 5, "p1": 5, "p2": 5, "p3": 5, "p4": 5, "p9": 9}  # every problem's op
STRICT = {"base": [4, 1, 0, 2, 0, 3], "redraw": [4, 0, 1, 2, 0], "rl": [4, 0, 0, 0, 3, 0]}  # right samples of 4


def table(ids: list[str], strict: list[int], samples: int = 4) -> dict:
    n = len(ids)
    return {"ids": ids, "ops": [OPS[i] for i in ids], "contexts": ["zoo"] * n, "samples": [samples] * n,
            "strict": strict, "answer": strict, "right_answer_wrong_process": [0] * n, "distinct": [1] * n,
            "distinct_right": [1] * n}


def archived_run(tmp_path, seeds=("0",), redraw_hard: int | None = None, shared_base: bool = False) -> ArchivedRun:
    """A base and its edge RL per seed (one base for every seed if `shared_base`), each evaluated on every problem
    of OPS (STRICT's counts, the same for every seed), and the base evaluated again by `redraw` on the op-5
    problems, and on p9 by `redraw_hard` if given."""
    instances, records, evals = [], {}, {}

    def add(key, stage, kind, axes, inputs, evaluation=None):
        instances.append({"key": key, "stage": stage, "kind": kind, "axes": axes, "inputs": inputs})
        records[key] = {"kind": kind, "outputs": {}}
        if evaluation is not None:
            evals[key] = evaluation

    for seed in seeds:
        rl = f"rl[rl=edge,seed={seed}]"
        base, axes = ("base", {}) if shared_base else (f"base[seed={seed}]", {"seed": seed})
        on = f"[model=base{'' if shared_base else f',seed={seed}'}]"
        if base not in records:
            add(base, "base", "pretrain", axes, {})
            add(f"eval{on}", "eval", "eval", {"model": "base", **axes}, {"model": base},
                table(list(OPS), STRICT["base"]))
            add(f"redraw{on}", "redraw", "eval", {"model": "base", **axes}, {"model": base},
                table(list(OPS)[:5], STRICT["redraw"]))
            if redraw_hard is not None:
                add(f"redraw_hard{on}", "redraw_hard", "eval", {"model": "base", **axes}, {"model": base},
                    table(["p9"], [redraw_hard]))
        add(rl, "rl", "rl", {"rl": "edge", "seed": seed}, {"init": base})
        add(f"eval[model=rl,rl=edge,seed={seed}]", "eval", "eval", {"model": "rl", "rl": "edge", "seed": seed},
            {"model": rl}, table(list(OPS), STRICT["rl"]))
    path = tmp_path / "run.json"
    plan = {"finding": "f1", "seeds": [int(s) for s in seeds], "instances": instances}
    path.write_text(json.dumps({"format": FORMAT, "plan": plan, "records": records, "probes": {}, "evals": evals,
                                "metrics": {}}))
    return ArchivedRun(path)


def test_the_redraw_is_not_part_of_the_bases_own_evaluation(tmp_path):
    run = archived_run(tmp_path)
    assert [t.strict.tolist() for t in run.evals("base")] == [STRICT["base"]]
    (first, again), = run.redrawn("base").values()
    assert first.strict.tolist() == STRICT["base"] and again.strict.tolist() == STRICT["redraw"]
    assert measure(run, "base", {}, "pass", 1, [9]).problems == 1  # the base's hard problem counts, once


def test_redraw_stages_of_several_problem_sets_are_one_table_as_the_models_own(tmp_path):
    (_, again), = archived_run(tmp_path, redraw_hard=0).redrawn("base").values()
    assert again.ids.tolist() == list(OPS) and again.strict.tolist() == STRICT["redraw"] + [0]


def test_problems_solved_by_one_evaluation_only_are_counted_on_the_problems_both_have(tmp_path):
    redrawn = archived_run(tmp_path, seeds=("0", "1")).redrawn("base")
    assert list(redrawn) == ["0", "1"]
    first, again = [pair[0] for pair in redrawn.values()], [pair[1] for pair in redrawn.values()]
    assert solved_apart(first, again, [5]) == (2, 2)  # p1 first only, p2 again only; each of two seeds
    assert solved_apart(first, again, [9]) == (0, 0)  # the redraw has no op-9 problem: nothing to set apart
    assert solved_apart(first, again, [5], within={"p0", "p1"}) == (2, 0)


def test_the_note_sets_rls_trade_beside_the_bases_own(tmp_path):
    text = noise_note(archived_run(tmp_path), ARMS, [5], 4, "edge")
    # pass@4 is 1 on every problem solved once: again minus first is (3 - 3) / 5.
    assert text.startswith("Sampling noise on the edge ops (5, 5 problems): the base evaluated again with another "
                           "sampling seed, minus its first evaluation: pass@4 0.000 [")
    assert "problems strictly solved in one of the two only: 1 first / 1 again." in text
    # RL against the base's first evaluation: loses p1 and p3, gains p4.
    assert "on the same problems, solved by the base only / by the model only: RL on edge 2 / 1." in text


def test_rls_trade_is_counted_on_the_redrawn_problems_alone(tmp_path):
    """RL loses p9 too, which the redraw did not evaluate: beside the redraw's count it would weigh on one
    side only."""
    assert "RL on edge 2 / 1." in noise_note(archived_run(tmp_path), ARMS, [5, 9], 4, "edge")
    (tmp_path / "hard").mkdir()
    assert "RL on edge 3 / 1." in noise_note(archived_run(tmp_path / "hard", redraw_hard=3), ARMS, [5, 9], 4, "edge")


def test_rls_trade_is_counted_on_the_redrawn_seeds_alone(tmp_path):
    """Seed 1's redraw has not finished: its RL's trade against its base would have no redraw beside it."""
    run = archived_run(tmp_path, seeds=("0", "1"))
    del run.records["redraw[model=base,seed=1]"]
    text = noise_note(run, ARMS, [5], 4, "edge")
    assert "1 first / 1 again." in text and "RL on edge 2 / 1." in text and "summed" not in text


def test_rl_seeds_on_a_shared_base_say_how_many_seeds_they_sum(tmp_path):
    text = noise_note(archived_run(tmp_path, seeds=("0", "1"), shared_base=True), ARMS, [5], 4, "edge")
    assert "1 first / 1 again." in text and "RL on edge 4 / 2 (2 seeds)." in text


def test_no_note_without_a_finished_redraw(tmp_path):
    run = archived_run(tmp_path)
    del run.records["redraw[model=base,seed=0]"]
    assert noise_note(run, ARMS, [5], 4, "edge") == ""
    assert noise_note(archived_run(tmp_path), ARMS, [], 4, "edge") == ""
