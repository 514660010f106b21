"""verl's own custom-reward loading and reward manager, scoring decoded responses with interplay's reward.

verl 0.9.1 declares transformers<5.11 (interplay is tested on 5.24) and brings Ray, so it is not in the
test extra; this runs wherever verl is importable (examples/verl/README.md says how to install it).
"""

import json

import numpy as np
import pytest
import torch

from interplay.export import export_rows
from interplay.lm.hf import save_pretrained
from interplay.lm.model import ModelConfig, Transformer
from interplay.lm.tokenizer import build_tokenizer
from interplay.verify import rewards
from interplay.world.mixture import MixtureSpec, generate
from interplay.world.render import prompt_text, training_text

reward_module = pytest.importorskip("verl.trainer.ppo.reward", reason="verl is not installed (examples/verl/README.md)")


def test_verl_loads_interplay_reward_and_scores_a_batch(tmp_path):
    from omegaconf import OmegaConf
    from transformers import AutoTokenizer
    from verl import DataProto
    from verl.experimental.reward_loop.reward_manager.naive import NaiveRewardManager

    source = build_tokenizer()
    source.save(str(tmp_path / "tokenizer.json"))
    save_pretrained(Transformer(ModelConfig.preset("tiny", source.get_vocab_size())), tmp_path / "ckpt",
                    tokenizer_path=tmp_path / "tokenizer.json")
    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "ckpt", trust_remote_code=True)
    config = OmegaConf.create({"reward": {"custom_reward_function": {
        "path": rewards.__file__, "name": "compute_score", "reward_kwargs": {"reward": "strict"}}}})
    manager = NaiveRewardManager(config, tokenizer, reward_module.get_custom_reward_fn(config))

    records = generate(MixtureSpec.parse(ops="3-4", format="compact", modulus=23), 0, 4)
    rows = export_rows(records, "verl")
    right = [training_text(r)[len(prompt_text(r)):] for r in records]  # what a model writes after <solution>
    wrong = [text.replace(f"<answer> {r['answer']} </answer>", f"<answer> {(r['answer'] + 1) % 23} </answer>")
             for text, r in zip(right, records)]
    results = []
    for row, text in zip(rows + rows, right + wrong):
        prompt = tokenizer(tokenizer.apply_chat_template(row["prompt"], tokenize=False))["input_ids"]
        response = tokenizer(text)["input_ids"] + [tokenizer.pad_token_id] * 3  # right padding, masked out
        mask = [1] * len(prompt) + [1] * (len(response) - 3) + [0] * 3
        data = DataProto.from_dict(
            tensors={"prompts": torch.tensor([prompt]), "responses": torch.tensor([response]),
                     "attention_mask": torch.tensor([mask])},
            non_tensors={key: np.array([row[key]], dtype=object)
                         for key in ("data_source", "reward_model", "extra_info")})
        results.append(manager.loop.run_until_complete(manager.run_single(data)))  # the loop verl made
    assert [r["reward_score"] for r in results] == [1.0] * 4 + [0.0] * 4
    assert all(r["reward_extra_info"]["process_accuracy"] == 1.0 for r in results[:4])
    assert all(r["reward_extra_info"]["acc"] == 0.0 for r in results[4:])
    assert json.loads(rows[0]["reward_model"]["ground_truth"]) == records[0]
    assert tokenizer.apply_chat_template(rows[0]["prompt"], tokenize=False) == prompt_text(records[0])
