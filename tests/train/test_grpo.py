"""GRPO through the real CLI: it runs, logs what it should, resumes exactly after SIGKILL and SIGTERM; the
curriculum."""

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings, strategies as st
from safetensors.torch import load_file

from interplay.train.curriculum import Curriculum

WORLD = ["data.ops=2-3", "data.format=compact", "data.order=topological", "data.modulus=23", "data.n_locations=3",
         "data.n_items=4", "data.distractors=0-1"]
RL = ["rl.prompts_per_step=4", "rl.group_size=4", "rl.max_new_tokens=48", "rl.lr=1e-4", "rl.val_every=3",
      "rl.val_problems_per_op=2", "rl.val_samples=2", "rl.threads=1", "rl.ppo_epochs=2", "rl.micro_batch_rows=8"]


def cli(*args, background=False):
    command = [sys.executable, "-m", "interplay.cli", *args]
    if background:
        return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def sets(*assignments):
    return [a for s in assignments for a in ("--set", s)]


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    out = tmp_path_factory.mktemp("rl") / "base"
    cli("pretrain", *sets("model.preset=tiny", *[w.replace("data.", "data.") for w in WORLD], "train.seq_len=128",
                          "train.batch_size=8", "train.tokens=10240", "train.threads=1", "train.dtype=fp32",
                          f"train.out={out}"))
    return out / "final"


def test_rl_runs_and_logs(base, tmp_path):
    out = tmp_path / "rl"
    cli("rl", "--init", str(base), *sets(*WORLD, *RL, "rl.steps=3", "rl.curriculum=true",
                                         "rl.reward=mixed-gated:0.2,0.8", f"rl.out={out}"))
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2, 3]
    for key in ("reward", "strict", "zero_variance_groups", "kl", "entropy", "response_length", "clip_fraction",
                "tokens_per_s", "flops", "sample_seconds", "train_seconds", "curriculum", "resident_mb"):
        assert key in rows[0], key
    assert rows[-1]["flops"] > rows[0]["flops"] > 0
    assert set(rows[-1]["val_strict_pass1"]) == {"2", "3"}
    assert (out / "samples" / "step_000003.jsonl").exists() and (out / "final" / "model.safetensors").exists()


def test_sigkill_then_rerun_ends_with_the_same_weights(base, tmp_path):
    common = [*WORLD, *RL, "rl.steps=6", "rl.checkpoint_every=1", "rl.filter_groups=true"]
    cli("rl", "--init", str(base), *sets(*common, f"rl.out={tmp_path / 'straight'}"))
    killed = tmp_path / "killed"
    process = cli("rl", "--init", str(base), *sets(*common, f"rl.out={killed}"), background=True)
    deadline = time.time() + 120
    while not (killed / "checkpoints" / "step_0000003").exists() and process.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (killed / "final").exists(), "the run finished before it could be killed"
    cli("rl", "--init", str(base), *sets(*common, f"rl.out={killed}"))
    a = load_file(str(killed / "final" / "model.safetensors"))
    b = load_file(str(tmp_path / "straight" / "final" / "model.safetensors"))
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_sigterm_checkpoints_the_step_and_the_rerun_ends_with_the_same_weights(base, tmp_path, wait_for_first_row):
    common = [*WORLD, *RL, "rl.steps=6", "rl.checkpoint_every=100"]
    cli("rl", "--init", str(base), *sets(*common, f"rl.out={tmp_path / 'straight'}"))
    stopped = tmp_path / "stopped"
    process = subprocess.Popen([sys.executable, "-m", "interplay.cli", "rl", "--init", str(base),
                                *sets(*common, f"rl.out={stopped}")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for_first_row(process, stopped)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=120)
    assert process.returncode == 143, "the run finished before it could be stopped"
    assert not (stopped / "final").exists() and len(list((stopped / "checkpoints").glob("step_*"))) == 1
    cli("rl", "--init", str(base), *sets(*common, f"rl.out={stopped}"))
    a = load_file(str(stopped / "final" / "model.safetensors"))
    b = load_file(str(tmp_path / "straight" / "final" / "model.safetensors"))
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_curriculum_peaks_where_the_model_sometimes_succeeds():
    curriculum = Curriculum([2, 3, 4])
    for _ in range(20):
        curriculum.update([2] * 10 + [3] * 10 + [4] * 10, [True] * 10 + [True, False] * 5 + [False] * 10)
    weights = curriculum.weights()
    assert weights["3"] > 0.8 and weights["2"] < 0.1 and weights["4"] < 0.1
    draws = curriculum.draw(1000, random.Random(0))
    assert draws.count(3) > 800
    restored = Curriculum([2, 3, 4])
    restored.load_state_dict(json.loads(json.dumps(curriculum.state_dict())))
    assert restored.weights() == weights


def test_probe_and_select_through_the_cli(base, tmp_path):
    out = tmp_path / "probe"
    result = cli("probe", "--model", str(base), "--ops", "2-3", "--samples", "4", "--problems-per-op", "2",
                 "--format", "compact", "--order", "topological", "--modulus", "23", "--n-locations", "3",
                 "--n-items", "4", "--distractors", "0-1", "--max-new-tokens", "48", "--out", str(out))
    report = json.loads((out / "competence.json").read_text())
    assert set(report["ops"]) == {"2", "3"}
    assert all(r["label"] in ("in-distribution", "edge", "hard") for r in report["ops"].values())
    assert "label" in result.stdout
    selected = tmp_path / "selected.jsonl"
    cli("select", "--model", str(base), "--pool", str(out / "problems.jsonl"), "--samples", "4",
        "--max-new-tokens", "48", "--out", str(selected))
    rows = [json.loads(line) for line in (out / "problems.jsonl").read_text().splitlines()]
    samples = [json.loads(line) for line in (Path(str(selected) + ".eval") / "samples.jsonl").read_text().splitlines()]
    wins = [sum(s["strict_correct"] for s in samples if s["problem_index"] == i) for i in range(len(rows))]
    expected = [r["id"] for r, w in zip(rows, wins) if 0 < w < 4]
    assert [json.loads(line)["id"] for line in selected.read_text().splitlines()] == expected


def test_one_update_moves_probability_towards_the_better_completion():
    from interplay.config import RLSection
    from interplay.lm.model import ModelConfig, Transformer
    from interplay.train.grpo import _update, response_logprobs

    torch.manual_seed(0)
    model = Transformer(ModelConfig.preset("tiny", vocab_size=30))
    prompts, completions = [[5, 6, 7]], [[8, 9, 10], [11, 12]]
    rl = RLSection(group_size=2, lr=1e-2, kl_loss_coef=0, dtype="fp32")
    optimizer = torch.optim.AdamW(model.parameters(), lr=rl.lr, weight_decay=0)

    def sequence_logp(completion):
        sequence = torch.tensor([prompts[0] + completion])
        with torch.no_grad():
            return response_logprobs(model, sequence, torch.tensor([3]), torch.tensor([completion]))[0].sum().item()

    before = [sequence_logp(c) for c in completions]
    stats = _update(model, None, optimizer, prompts, completions, torch.tensor([1.0, -1.0]),
                    torch.ones(2, dtype=torch.bool), rl, torch.device("cpu"))
    after = [sequence_logp(c) for c in completions]
    assert stats["updated"] and after[0] > before[0] and after[1] < before[1]


@pytest.mark.parametrize("micro_batch_rows", [64, 1])
def test_an_update_padded_to_bucketed_shapes_has_the_gradient_of_its_rows_one_by_one(monkeypatch, micro_batch_rows):
    """_update pads rows to a multiple of UPDATE_ROW_BUCKET and widths to UPDATE_WIDTH_BUCKET so that batch shapes
    repeat between steps, runs a prompt once for the rows of its group (rows 0 and 1 here) and orders groups by
    length so that each micro-batch has a width of its own (one row each at micro_batch_rows=1); its gradient must
    be that of the kept rows' losses computed one row at a time, each row whole."""
    from interplay.config import RLSection
    from interplay.lm.model import ModelConfig, Transformer
    from interplay.train import grpo
    from interplay.train.grpo_loss import policy_loss

    prompts, completions = [[5, 6, 7], [8, 9]], [[8, 9, 10], [11, 12], [13], [14, 15, 16, 17, 18]]
    advantages, keep = torch.tensor([1.0, -0.5, 0.7, -1.2]), torch.tensor([True, True, False, True])
    rl = RLSection(group_size=2, kl_loss_coef=0, dtype="fp32", loss_agg_mode="seq-mean-token-mean", grad_clip=1e9,
                   micro_batch_rows=micro_batch_rows)

    def fresh_model():
        torch.manual_seed(0)
        return Transformer(ModelConfig.preset("tiny", vocab_size=30))

    model = fresh_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)
    padded = []
    optimizer.step = lambda: padded.extend(p.grad.clone() for p in model.parameters())
    grpo._update(model, None, optimizer, prompts, completions, advantages, keep, rl, torch.device("cpu"))

    monkeypatch.setattr(grpo, "UPDATE_WIDTH_BUCKET", 1)
    model, kept = fresh_model(), [0, 1, 3]
    for i in kept:
        prompt, completion = prompts[i // 2], completions[i]
        logp, _ = grpo.response_logprobs(model, torch.tensor([prompt + completion]), torch.tensor([len(prompt)]),
                                         torch.tensor([completion]))
        tokens = len(completion)
        loss, _ = policy_loss(logp, logp.detach(), advantages[i].expand(1, tokens), torch.ones(1, tokens),
                              mode=rl.loss_agg_mode, total_rows=len(kept))
        loss.backward()
    one_by_one = [p.grad for p in model.parameters()]
    assert len(padded) == len(one_by_one) > 0
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(padded, one_by_one))
    assert any(g.abs().sum() > 0 for g in padded)


@pytest.mark.parametrize("extra", [-2, 0, 5])
def test_rows_on_a_shared_prompt_score_as_each_row_run_whole(extra):
    """shared_prompt_logprobs runs each prompt once, left-padded, and its rows on its keys and values: the numbers
    must be `response_logprobs` of each prompt + response on its own, across bucket edges (a prompt of 20 tokens,
    a response of 17), whatever the rows' order, and zero past each response up to `length` (which may also cut)."""
    from interplay.lm.model import ModelConfig, Transformer
    from interplay.train.grpo import response_logprobs, shared_prompt_logprobs

    torch.manual_seed(0)
    model = Transformer(ModelConfig.preset("tiny", vocab_size=40)).eval()
    prompts = [[5, 6, 7], list(range(1, 21)), [9, 3, 4, 4, 8, 2, 1]]
    responses = [[8, 9, 10], list(range(20, 37)), [11], [12, 13, 14, 15], [30, 31]]
    owners = [2, 1, 0, 2, 0]
    length = max(map(len, responses)) + extra
    with torch.no_grad():
        logp, entropy = shared_prompt_logprobs(model, prompts, responses, owners, length, temperature=0.7)
        assert logp.shape == entropy.shape == (len(responses), length)
        for row, (owner, response) in enumerate(zip(owners, responses)):
            prompt = prompts[owner]
            whole_logp, whole_entropy = response_logprobs(model, torch.tensor([prompt + response]),
                                                          torch.tensor([len(prompt)]), torch.tensor([response]), 0.7)
            scored = min(len(response), length)
            assert torch.allclose(logp[row, :scored], whole_logp[0, :scored], atol=1e-5)
            assert torch.allclose(entropy[row, :scored], whole_entropy[0, :scored], atol=1e-5)
            assert not logp[row, scored:].any() and not entropy[row, scored:].any()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 59), min_size=1, max_size=40, unique=True), st.integers(1, 9))
def test_micro_batches_hold_every_row_once_and_keep_groups_together_where_they_fit(rows, size):
    from interplay.train.grpo import micro_batches

    group_size = 3
    prompts = [[1] * (2 + g) for g in range(20)]
    completions = [[1] * (1 + (row * 7) % 5) for row in range(60)]
    rows = sorted(rows)
    batches = micro_batches(rows, prompts, completions, group_size, size)
    assert sorted(row for batch in batches for row in batch) == rows
    assert all(0 < len(batch) <= size for batch in batches)
    for group in {row // group_size for row in rows}:
        holding = [n for n, batch in enumerate(batches) if any(row // group_size == group for row in batch)]
        members = sum(row // group_size == group for row in rows)
        assert len(holding) == -(-members // size) if members > size else len(holding) == 1
