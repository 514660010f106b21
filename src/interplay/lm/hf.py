"""Checkpoints in Hugging Face Qwen2 format: config.json + model.safetensors (+ the tokenizer's files).

    save_pretrained(model, "runs/x/final", tokenizer_path="runs/x/tokenizer.json")
    model = load_pretrained("runs/x/final")
    # and, with no interplay code at all:
    transformers.AutoModelForCausalLM.from_pretrained("runs/x/final")
    transformers.AutoTokenizer.from_pretrained("runs/x/final", trust_remote_code=True)
    transformers.pipeline("text-generation", model="runs/x/final", trust_remote_code=True)

config.json is written by hand with the keys both transformers 4.x and 5.x read, so saving needs
neither transformers nor a network; the tied output projection is stored once, as Qwen2 does.
With a tokenizer come tokenizer_config.json (class, special tokens), the three-line tokenizer class
transformers 5 needs for a qwen2 checkpoint (tokenization_interplay.py says why) and
generation_config.json, whose stop tokens are the sampler's: `generate` ends where interplay's ends.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from interplay.errors import UserError
from interplay.jsonl import atomic_write_text
from interplay.lm.model import ModelConfig, Transformer
from interplay.lm.tokenizer import EOS, PAD, UNK, load_tokenizer, stop_ids

TOKEN_IDS = {"pad_token_id": 0, "eos_token_id": 2, "bos_token_id": 2}  # <pad>, <eos>: see tokenizer.py
TOKENIZER_MODULE = Path(__file__).with_name("tokenization_interplay.py")
TOKENIZER_CONFIG = {
    "tokenizer_class": "PreTrainedTokenizerFast",  # transformers 4 reads this
    "auto_map": {"AutoTokenizer": [None, "tokenization_interplay.InterplayTokenizer"]},  # transformers 5 this
    "pad_token": PAD, "eos_token": EOS, "unk_token": UNK, "bos_token": None,
    "add_bos_token": False, "add_eos_token": False, "clean_up_tokenization_spaces": False,
    # A chat is its messages' text as it is: verl's datasets hold chats, and the ids must be the plain prompt's.
    "chat_template": "{% for message in messages %}{{ message['content'] }}{% endfor %}",
}


def qwen2_config(config: ModelConfig) -> dict:
    return {
        "architectures": ["Qwen2ForCausalLM"],
        "model_type": "qwen2",
        "vocab_size": config.vocab_size,
        "hidden_size": config.hidden_size,
        "intermediate_size": config.intermediate_size,
        "num_hidden_layers": config.num_layers,
        "num_attention_heads": config.num_heads,
        "num_key_value_heads": config.num_kv_heads,
        "head_dim": config.head_dim,
        "hidden_act": "silu",
        "max_position_embeddings": config.max_position_embeddings,
        "rms_norm_eps": config.rms_norm_eps,
        "rope_theta": config.rope_theta,
        "rope_scaling": None,
        "tie_word_embeddings": True,
        "use_sliding_window": False,
        "attention_dropout": 0.0,
        "torch_dtype": "float32",
        **TOKEN_IDS,
    }


def config_from_qwen2(data: dict) -> ModelConfig:
    rope = data.get("rope_theta") or (data.get("rope_parameters") or {}).get("rope_theta", 1e6)
    return ModelConfig(
        vocab_size=data["vocab_size"], hidden_size=data["hidden_size"], num_layers=data["num_hidden_layers"],
        num_heads=data["num_attention_heads"], num_kv_heads=data["num_key_value_heads"],
        intermediate_size=data["intermediate_size"], rope_theta=float(rope),
        max_position_embeddings=data["max_position_embeddings"], rms_norm_eps=data["rms_norm_eps"],
    )


def save_pretrained(model: Transformer, directory: str | Path, tokenizer_path: str | Path | None = None) -> None:
    """Write config.json, model.safetensors and (a copy of) tokenizer.json into `directory`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to("cpu", torch.float32).contiguous()
             for k, v in model.state_dict().items() if k != "lm_head.weight"}
    save_file(state, str(directory / "model.safetensors"), metadata={"format": "pt"})
    atomic_write_text(directory / "config.json", json.dumps(qwen2_config(model.config), indent=2) + "\n")
    if tokenizer_path is not None:
        save_tokenizer_files(tokenizer_path, directory, model.config.max_position_embeddings)


def save_tokenizer_files(tokenizer_path: str | Path, directory: Path, max_length: int) -> None:
    """tokenizer.json and what Hugging Face loaders need beside it to read it right."""
    shutil.copyfile(tokenizer_path, directory / "tokenizer.json")
    shutil.copyfile(TOKENIZER_MODULE, directory / TOKENIZER_MODULE.name)
    config = {**TOKENIZER_CONFIG, "model_max_length": max_length}
    atomic_write_text(directory / "tokenizer_config.json", json.dumps(config, indent=2) + "\n")
    stops = sorted(stop_ids(load_tokenizer(tokenizer_path)))
    generation = {"eos_token_id": stops, "pad_token_id": TOKEN_IDS["pad_token_id"],
                  "bos_token_id": TOKEN_IDS["bos_token_id"]}
    atomic_write_text(directory / "generation_config.json", json.dumps(generation, indent=2) + "\n")


def load_pretrained(directory: str | Path, device: str | torch.device = "cpu") -> Transformer:
    directory = Path(directory)
    try:
        config = config_from_qwen2(json.loads((directory / "config.json").read_text()))
        state = load_file(str(directory / "model.safetensors"), device=str(device))
    except FileNotFoundError as error:
        raise UserError(f"not a checkpoint directory: {directory} ({Path(error.filename).name} missing)") from None
    model = Transformer(config).to(device)
    state.setdefault("lm_head.weight", state["model.embed_tokens.weight"])
    model.load_state_dict(state)
    return model
