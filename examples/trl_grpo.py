"""GRPO with TRL on interplay problems and rewards, from an interplay checkpoint.

    interplay export --schema trl --ops 3-4 --n 4000 --out data/trl          # the world options of your base
    python examples/trl_grpo.py --model runs/base/final --data data/trl --reward strict --out runs/trl
    accelerate launch --num_processes 8 examples/trl_grpo.py --model ... --data ... --out ...   # GPUs

The defaults are the paper's RL settings (PAPER.md section 3: 6 rollouts per prompt, temperature 1.0,
lr 1e-6, KL 0.001, clip 0.2, token-mean loss, std-normalised group advantages); `--set NAME=VALUE`
overrides any GRPOConfig field. Sampling stops where interplay's sampler stops (EOS or " </answer>"),
and the checkpoint's own tokenizer is passed to TRL (transformers 5 needs trust_remote_code to load it,
see src/interplay/lm/tokenization_interplay.py). Tested versions: pyproject.toml's `trl` extra.
"""

from __future__ import annotations

import argparse
import ast
import json
from pathlib import Path

PAPER_SETTINGS = {"num_generations": 6, "temperature": 1.0, "top_p": 1.0, "top_k": 0, "learning_rate": 1e-6,
                  "beta": 0.001, "epsilon": 0.2, "loss_type": "dapo", "scale_rewards": "group",
                  "max_completion_length": 1024, "per_device_train_batch_size": 6, "report_to": "none"}


def build_trainer(model_dir: str | Path, data_dir: str | Path, reward: str, out: str | Path, **overrides):
    """A TRL GRPOTrainer on an exported interplay dataset, rewarded by interplay's verifier."""
    import transformers
    from datasets import load_from_disk
    from trl import GRPOConfig, GRPOTrainer

    from interplay.verify.rewards import trl_reward

    model_dir = Path(model_dir)
    tokenizer = transformers.AutoTokenizer.from_pretrained(model_dir, trust_remote_code=True)
    tokenizer.padding_side = "left"  # prompts are left-padded for generation
    stops = json.loads((model_dir / "generation_config.json").read_text())["eos_token_id"]
    settings = {**PAPER_SETTINGS, "generation_kwargs": {"eos_token_id": stops}, **overrides}
    config = GRPOConfig(output_dir=str(out), **settings)
    model = transformers.AutoModelForCausalLM.from_pretrained(model_dir)
    return GRPOTrainer(model=model, reward_funcs=[trl_reward(reward)], args=config,
                       train_dataset=load_from_disk(str(data_dir)), processing_class=tokenizer)


def _setting(text: str) -> tuple[str, object]:
    name, _, value = text.partition("=")
    try:
        return name, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return name, value  # a bare word: a string setting


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="an interplay checkpoint directory (e.g. runs/base/final)")
    parser.add_argument("--data", required=True, help="a directory written by `interplay export --schema trl`")
    parser.add_argument("--reward", default="strict", help="an interplay reward name (interplay verify --help)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--set", action="append", default=[], type=_setting, metavar="NAME=VALUE",
                        help="a GRPOConfig field, e.g. --set max_steps=500 --set learning_rate=2e-4")
    args = parser.parse_args(argv)
    trainer = build_trainer(args.model, args.data, args.reward, args.out, **dict(args.set))
    trainer.train()
    trainer.save_model(args.out)


if __name__ == "__main__":
    main()
