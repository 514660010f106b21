"""GRPO under torchrun is the run one process makes: equal weights and equal logged metrics on two
gloo processes, with and without filtered groups (DAPO's dynamic sampling), prompts split unevenly."""

import json
import os
import subprocess
import sys

import pytest
from safetensors.torch import load_file

WORLD = ["data.ops=2-3", "data.format=compact", "data.order=topological", "data.modulus=23", "data.n_locations=3",
         "data.n_items=4", "data.distractors=0-1"]
# 5 prompts per step: the ranks get 2 and 3, and micro-batches of 4 rows give them different numbers of passes.
RL = ["rl.prompts_per_step=5", "rl.group_size=4", "rl.max_new_tokens=40", "rl.lr=1e-3", "rl.steps=3", "rl.val_every=3",
      "rl.val_problems_per_op=3", "rl.val_samples=2", "rl.threads=1", "rl.ppo_epochs=2", "rl.micro_batch_rows=4",
      "rl.kl_loss_coef=0.01", "rl.reward=mixed:0.5,0.5", "rl.dtype=fp32", "rl.curriculum=true"]
LOGGED = ("reward", "strict", "answer", "zero_variance_groups", "response_length", "kl", "entropy", "clip_fraction",
          "loss", "curriculum", "val_strict_pass1")


def sets(*assignments):
    return [a for s in assignments for a in ("--set", s)]


def run(*args, processes=1):
    launcher = (["-m", "torch.distributed.run", "--nproc_per_node", str(processes), "--master_port", "29533"]
                if processes > 1 else [])
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    # The timeout: a deadlocked collective fails the test instead of stalling the suite.
    result = subprocess.run([sys.executable, *launcher, "-m", "interplay.cli", *args], capture_output=True, text=True,
                            env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    out = tmp_path_factory.mktemp("ddp") / "base"
    # A few seconds of the base's recipe: enough for rewards that differ within a group.
    run("pretrain", *sets("model.preset=tiny", *WORLD, "train.seq_len=256", "train.batch_size=8", "train.tokens=122880",
                          "train.optimizer=muon", "train.lr=1e-2", "train.min_lr=1e-3", "train.packing=documents",
                          "train.document_mask=true", "train.loss_on=solution", "train.threads=1", "train.dtype=fp32",
                          f"train.out={out}"))
    return out / "final"


def metrics(out):
    return [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("filter_groups", ["false", "true"])
def test_two_processes_train_what_one_process_trains(base, tmp_path, filter_groups):
    common = [*WORLD, *RL, f"rl.filter_groups={filter_groups}"]
    run("rl", "--init", str(base), *sets(*common, f"rl.out={tmp_path / 'one'}"))
    run("rl", "--init", str(base), *sets(*common, f"rl.out={tmp_path / 'two'}"), processes=2)
    one, two = (load_file(tmp_path / name / "final" / "model.safetensors") for name in ("one", "two"))
    start = load_file(base / "model.safetensors")
    assert max((one[k] - start[k]).abs().max().item() for k in one) > 1e-3  # the run trained
    assert max((one[k] - two[k]).abs().max().item() for k in one) < 1e-4
    rows_one, rows_two = metrics(tmp_path / "one"), metrics(tmp_path / "two")
    assert len(rows_one) == len(rows_two) == 3
    for a, b in zip(rows_one, rows_two):
        for key in LOGGED:
            if key in a or key in b:
                assert a[key] == pytest.approx(b[key], rel=1e-4, abs=1e-6), key
    if filter_groups == "true":
        assert any(0 < r["zero_variance_groups"] for r in rows_one), "no group was filtered: the case is not tested"
    samples = sorted((tmp_path / "two" / "samples").iterdir())
    assert [p.read_text() for p in samples] == [p.read_text() for p in sorted((tmp_path / "one" / "samples").iterdir())]
