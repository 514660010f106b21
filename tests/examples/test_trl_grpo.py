"""TRL's GRPOTrainer for real: two steps from a tiny interplay checkpoint on an exported dataset, rewarded by
interplay."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest
import torch

from interplay.export import export_rows, write_dataset
from interplay.lm.hf import save_pretrained
from interplay.lm.model import ModelConfig, Transformer
from interplay.lm.tokenizer import build_tokenizer
from interplay.verify import rewards
from interplay.world.mixture import MixtureSpec, generate
from interplay.world.render import prompt_text

pytest.importorskip("trl", reason="TRL is in the `trl` extra (pip install -e '.[trl]')")
EXAMPLE = Path(__file__).parents[2] / "examples" / "trl_grpo.py"


def _example():
    spec = importlib.util.spec_from_file_location("trl_grpo", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    sys.modules["trl_grpo"] = module
    spec.loader.exec_module(module)
    return module


def test_grpo_trainer_runs_two_steps_on_interplay_data_and_rewards(tmp_path, monkeypatch):
    tokenizer = build_tokenizer()
    tokenizer.save(str(tmp_path / "tokenizer.json"))
    torch.manual_seed(0)
    save_pretrained(Transformer(ModelConfig.preset("tiny", tokenizer.get_vocab_size())), tmp_path / "base",
                    tokenizer_path=tmp_path / "tokenizer.json")
    records = generate(MixtureSpec.parse(ops="2-3", format="compact", modulus=23), 0, 16)
    write_dataset(export_rows(records, "trl"), tmp_path / "data")

    seen = []  # what TRL hands interplay's reward: the exported prompts and our tokenizer's text
    strict = rewards.trl_reward("strict")

    def spy(prompts, completions, completion_ids, gold, **columns):
        seen.extend(zip(prompts, completions, completion_ids, gold))
        return strict(completions=completions, gold=gold, **columns)

    monkeypatch.setattr(rewards, "trl_reward", lambda name: spy)
    trainer = _example().build_trainer(
        tmp_path / "base", tmp_path / "data", "strict", tmp_path / "out", max_steps=2, num_generations=4,
        per_device_train_batch_size=4, max_completion_length=24, learning_rate=1e-4, use_cpu=True,
        save_strategy="no", logging_steps=1, dataloader_num_workers=0, seed=0)
    trainer.train()

    assert trainer.state.global_step == 2
    logged = [entry for entry in trainer.state.log_history if "reward" in entry]
    assert len(logged) == 2 and all(0.0 <= entry["reward"] <= 1.0 for entry in logged)
    assert len(seen) == 2 * 4  # every completion of both steps (one prompt, four samples each) was scored
    for prompt, completion, ids, gold in seen:
        assert prompt == prompt_text(json.loads(gold))
        assert completion == tokenizer.decode(ids, skip_special_tokens=True)  # our ids, read by our decoder
