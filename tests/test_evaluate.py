"""Evaluation: the real CLI on a tiny trained model, its files agreeing, resume, and the summary maths."""

import json
import subprocess
import sys

import numpy as np
import pytest

from interplay.evaluate import EvalSettings, summarize

TINY = ["model.preset=tiny", "data.ops=2-3", "data.format=compact", "data.order=topological", "data.modulus=23",
        "data.n_locations=3", "data.n_items=4", "data.distractors=0-1", "train.seq_len=128", "train.batch_size=8",
        "train.lr=3e-3", "train.threads=1", "train.dtype=fp32", "train.tokens=20480", "train.loss_on=solution"]


def cli(*args):
    result = subprocess.run([sys.executable, "-m", "interplay.cli", *args], capture_output=True, text=True)
    return result


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("eval")
    result = cli("pretrain", *[a for s in TINY + [f"train.out={root / 'run'}"] for a in ("--set", s)])
    assert result.returncode == 0, result.stderr[-2000:]
    result = cli("generate", "--ops", "2-3", "--n", "6", "--format", "compact", "--order", "topological",
                 "--modulus", "23", "--n-locations", "3", "--n-items", "4", "--distractors", "0-1", "--seed", "5",
                 "--out", str(root / "test.jsonl"))
    assert result.returncode == 0, result.stderr
    return root


def test_eval_writes_consistent_results_and_plots(trained):
    out = trained / "eval"
    args = ["eval", "--model", str(trained / "run" / "final"), "--data", str(trained / "test.jsonl"), "--samples", "8",
            "--max-new-tokens", "64", "--batch-rows", "16", "--out", str(out)]
    result = cli(*args)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    assert len(rows) == 6 * 8 and all("completion" in r and "strict_correct" in r for r in rows)
    results = json.loads((out / "results.json").read_text())
    overall = results["overall"]
    assert overall["problems"] == 6 and list(overall["pass_at_k"]) == ["1", "2", "4", "8"]
    assert overall["pass_at_k"]["1"]["value"] == pytest.approx(np.mean([r["strict_correct"] for r in rows]))
    assert overall["answer_pass_at_k"]["1"]["value"] == pytest.approx(np.mean([r["answer_correct"] for r in rows]))
    values = [overall["pass_at_k"][k]["value"] for k in overall["pass_at_k"]]
    assert values == sorted(values)
    assert sum(s["problems"] for s in results["by_op"].values()) == 6
    assert (out / "pass_at_k.png").stat().st_size > 1000 and (out / "pass_at_k_by_op.png").exists()

    # An interruption that cut samples.jsonl mid-chunk resumes to the same results.
    lines = (out / "samples.jsonl").read_text().splitlines(keepends=True)
    (out / "samples.jsonl").write_text("".join(lines[:20]) + lines[20][:30])
    assert cli(*args).returncode == 0
    assert (out / "samples.jsonl").read_text().splitlines(keepends=True) == lines
    assert json.loads((out / "results.json").read_text()) == results


def test_eval_user_errors(trained):
    result = cli("eval", "--model", str(trained), "--data", str(trained / "test.jsonl"), "--out", str(trained / "x"))
    assert result.returncode == 2 and "not a checkpoint" in result.stderr


def _rows(successes_per_problem, n, op=2):
    rows = []
    for index, successes in enumerate(successes_per_problem):
        for sample in range(n):
            right = sample < successes
            rows.append({"problem_index": index, "op": op + index % 2, "context": "zoo", "strict_correct": right,
                         "answer_correct": right or sample == n - 1, "process_accuracy": 1.0 if right else 0.5,
                         "extra": int(right and sample == 0), "errors": [] if right else ["value_mismatch"]})
    return rows


def test_summary_is_monotone_with_confidence_intervals():
    results = summarize(_rows([0, 1, 3, 8, 2, 0], 8), EvalSettings(samples=8))
    curve = [v["value"] for v in results["overall"]["pass_at_k"].values()]
    assert curve == sorted(curve) and curve[0] == pytest.approx(14 / 48) and curve[-1] == pytest.approx(4 / 6)
    for entry in results["overall"]["pass_at_k"].values():
        assert entry["ci95"][0] <= entry["value"] <= entry["ci95"][1]
    wrong_process = results["overall"]["right_answer_wrong_process"]["value"]
    assert wrong_process == pytest.approx(5 / 48)  # the last sample of each problem that got it wrong
    # Each problem with a strict sample wrote extra steps in its first one: 4 of the 14 strict samples.
    assert results["overall"]["extra_steps_among_strict"] == {"value": pytest.approx(4 / 14), "strict_samples": 14}
    assert set(results["by_op"]) == {"2", "3"}
