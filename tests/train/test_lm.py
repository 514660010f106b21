"""Next-token training through the real CLI: it learns, logs to TensorBoard, resumes exactly after SIGKILL and
after a SIGTERM (which checkpoints the step it stops at), runs under DDP and compiled."""

import json
import math
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from interplay.config import LMRunConfig, load_config
from interplay.errors import StopRequested, UserError
from interplay.train.metrics import scalars

TINY = ["model.preset=tiny", "data.ops=2-3", "data.format=compact", "data.order=topological", "data.modulus=23",
        "data.n_locations=3", "data.n_items=4", "data.distractors=0-1", "train.seq_len=128", "train.batch_size=8",
        "train.lr=3e-3", "train.min_lr=3e-4", "train.log_every=5", "train.eval_sequences=8", "train.threads=1",
        "train.dtype=fp32"]


def pretrain(out, *extra, background=False, env=None):
    sets = [a for s in TINY + [f"train.out={out}", *extra] for a in ("--set", s)]
    command = [sys.executable, "-m", "interplay.cli", "pretrain", *sets]
    if background:
        return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def midtrain(out, init, *extra):
    sets = [a for s in TINY + [f"train.out={out}", *extra] for a in ("--set", s)]
    result = subprocess.run([sys.executable, "-m", "interplay.cli", "midtrain", "--init", str(init), *sets],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def tensorboard_scalars(directory) -> dict[str, list[tuple[int, float]]]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(directory)).Reload()
    return {tag: [(e.step, e.value) for e in events.Scalars(tag)] for tag in events.Tags()["scalars"]}


def metrics(out):
    return [json.loads(line) for line in (Path(out) / "metrics.jsonl").read_text().splitlines()]


def weights(directory):
    return load_file(str(Path(directory) / "model.safetensors"))


def test_a_tiny_model_learns_below_the_unigram_loss(tmp_path):
    from interplay.lm.tokenizer import load_tokenizer
    from interplay.train.packing import make_packer

    out = tmp_path / "run"
    pretrain(out, "train.tokens=250000", "train.loss_on=solution", "train.eval_every=1000")
    config = load_config(LMRunConfig, out / "config.toml")
    tokenizer = load_tokenizer(out / "tokenizer.json")
    batch = make_packer("documents", config.data.spec(), 0, tokenizer, 128, "solution").batch(64)
    counts = Counter(batch.targets[batch.loss_mask].tolist())
    total = sum(counts.values())
    unigram = -sum(c / total * math.log(c / total) for c in counts.values())
    final = metrics(out)[-1]["held_out_loss"]
    assert final < 0.5 * unigram, (final, unigram)
    assert (out / "final" / "config.json").exists() and (out / "final" / "tokenizer.json").exists()


def test_tensorboard_gets_what_metrics_jsonl_holds(tmp_path):
    pytest.importorskip("tensorboard")
    out = tmp_path / "run"
    pretrain(out, "train.tokens=20480", "train.eval_every=10", "train.eval_problems=2", "train.log_to=tensorboard")
    rows = metrics(out)
    logged = tensorboard_scalars(out / "tensorboard")
    for name in ("loss", "held_out_loss", "solution_nll_by_op/2", "greedy_strict_by_op/3"):
        expected = [(row["step"], value) for row in rows if (value := scalars(row).get(name)) is not None]
        assert expected and [step for step, _ in logged[name]] == [step for step, _ in expected]
        assert [value for _, value in logged[name]] == pytest.approx([value for _, value in expected], rel=1e-6)


def test_sigkill_then_rerun_ends_with_the_same_weights(tmp_path):
    steps = ["train.tokens=40960", "train.checkpoint_every=5", "train.eval_every=10"]  # 40 steps
    pretrain(tmp_path / "straight", *steps)
    killed = tmp_path / "killed"
    process = pretrain(killed, *steps, background=True)
    deadline = time.time() + 120
    while not (killed / "checkpoints" / "step_0000010").exists() and process.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (killed / "final").exists(), "the run finished before it could be killed"
    pretrain(killed, *steps)
    ours, reference = weights(killed / "final"), weights(tmp_path / "straight" / "final")
    assert all(torch.equal(ours[k], reference[k]) for k in reference)
    assert [m["step"] for m in metrics(killed)] == [m["step"] for m in metrics(tmp_path / "straight")]


@pytest.fixture
def restore_threads():
    threads = torch.get_num_threads()  # train.threads=1 sets this process's own, in-process runs below
    yield
    torch.set_num_threads(threads)


def test_sigterm_mid_run_checkpoints_that_step_and_the_rerun_matches_a_straight_run(tmp_path, restore_threads):
    from interplay.train.lm import train_lm

    def config(out):  # 20 steps, evaluated at step 7 and 14, no checkpoint of its own before the end
        return load_config(LMRunConfig, None, [*TINY, "train.tokens=20480", "train.eval_every=7",
                                               "train.checkpoint_every=100", f"train.out={out}"])

    def terminate_at_first_eval(row):
        os.kill(os.getpid(), signal.SIGTERM)  # as a scheduler would, in the middle of step 7
        return False

    stopped = tmp_path / "stopped"
    with pytest.raises(StopRequested, match="stopped at step 7 of 20") as raised:
        train_lm(config(stopped), stop_when=terminate_at_first_eval)
    assert raised.value.exit_code == 143
    assert sorted(p.name for p in (stopped / "checkpoints").glob("step_*")) == ["step_0000007"]
    assert not (stopped / "final").exists()
    train_lm(config(stopped))
    train_lm(config(tmp_path / "straight"))
    ours, reference = weights(stopped / "final"), weights(tmp_path / "straight" / "final")
    assert all(torch.equal(ours[k], reference[k]) for k in reference)
    assert [m["step"] for m in metrics(stopped)] == [m["step"] for m in metrics(tmp_path / "straight")]


def test_sigterm_to_the_cli_says_where_it_stopped_in_one_line_and_exits_143(tmp_path, wait_for_first_row):
    out = tmp_path / "run"
    sets = [a for s in [*TINY, "train.tokens=10000000", "train.eval_every=100000", f"train.out={out}"]
            for a in ("--set", s)]
    process = subprocess.Popen([sys.executable, "-m", "interplay.cli", "pretrain", *sets],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_for_first_row(process, out)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 143
    message = stderr.strip().splitlines()[-1]
    assert message.startswith("interplay pretrain: stopped at step ") and message.endswith("the same command resumes")
    step = int(message.split("stopped at step ")[1].split()[0])
    assert sorted(p.name for p in (out / "checkpoints").glob("step_*")) == [f"step_{step:07d}"]


def test_ddp_on_two_processes_matches_one_process(tmp_path):
    # 10 steps of 8 sequences in 2 micro-batches: gradients reduced once per step (no_sync on the first).
    steps = ["train.tokens=10240", "train.eval_every=100", "train.grad_accum=2"]
    pretrain(tmp_path / "single", *steps)
    sets = [a for s in TINY + [f"train.out={tmp_path / 'ddp'}", *steps] for a in ("--set", s)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port",
                             "29517", "-m", "interplay.cli", "pretrain", *sets],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    single, ddp = weights(tmp_path / "single" / "final"), weights(tmp_path / "ddp" / "final")
    assert max((single[k] - ddp[k]).abs().max().item() for k in single) < 1e-4


def test_a_compiled_run_trains_what_an_eager_run_trains(tmp_path):
    """torch.compile fuses kernels, so sums round differently: equal up to that, and the checkpoint is the
    eager model's (no torch.compile prefix in its names)."""
    steps = ["train.tokens=10240", "train.eval_every=100"]
    pretrain(tmp_path / "eager", *steps)
    pretrain(tmp_path / "compiled", *steps, "train.compile=true")
    eager, compiled = weights(tmp_path / "eager" / "final"), weights(tmp_path / "compiled" / "final")
    assert eager.keys() == compiled.keys()
    assert max((eager[k] - compiled[k]).abs().max().item() for k in eager) < 1e-3
    losses = [[row["loss"] for row in metrics(tmp_path / name) if "loss" in row] for name in ("eager", "compiled")]
    assert losses[0] == pytest.approx(losses[1], rel=1e-3)


def test_midtrain_starts_from_a_checkpoint(tmp_path):
    pretrain(tmp_path / "base", "train.tokens=5120")
    midtrain(tmp_path / "mid", tmp_path / "base" / "final", "train.tokens=5120", "data.ops=2-3:0.2,4-5:0.8")
    assert metrics(tmp_path / "mid")[0]["loss"] < metrics(tmp_path / "base")[0]["loss"]


def test_midtraining_seeds_read_their_own_problems(tmp_path):
    """From one checkpoint there is no random init: train.seed must still make the seeds differ (the data
    order), and the same seed must be the same run."""
    pretrain(tmp_path / "base", "train.tokens=5120")
    for name, seed in (("a", 0), ("b", 0), ("c", 1)):
        midtrain(tmp_path / name, tmp_path / "base" / "final", "train.tokens=5120", f"train.seed={seed}")
    first = {name: metrics(tmp_path / name)[0]["loss"] for name in "abc"}
    assert first["a"] == first["b"] != first["c"]
    held_out = {name: [row["held_out_loss"] for row in metrics(tmp_path / name) if "held_out_loss" in row]
                for name in "ac"}
    assert held_out["a"] and held_out["a"][-1] != held_out["c"][-1]  # the same held-out problems, other weights


@pytest.mark.parametrize("override, message", [
    ("train.lrr=0.1", "unknown config key 'train.lrr'"),
    ("train.lr=fast", "config key 'train.lr' must be float"),
    ("train.tokens=1.5", "config key 'train.tokens' must be int"),
    ("optim.lr=1", "unknown config key 'optim'"),
])
def test_config_errors_name_the_key(override, message):
    with pytest.raises(UserError, match=message):
        load_config(LMRunConfig, None, [override])


def test_config_error_through_the_cli_is_one_line(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text("[train]\nbatch = 4\n")
    result = subprocess.run([sys.executable, "-m", "interplay.cli", "pretrain", "--config", str(config)],
                            capture_output=True, text=True)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "train.batch" in result.stderr
