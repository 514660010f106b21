"""Atomic checkpoints and exact resume.

A checkpoint is a directory `OUT/checkpoints/step_0000200/` holding the Hugging Face files
(config.json, model.safetensors, tokenizer.json) and `trainer_state.pt` (optimizer, step, RNG,
data position). It is written under a temporary name and renamed into place, then
`OUT/checkpoints/latest` is rewritten atomically: a kill at any moment leaves either the old or
the new checkpoint, never half of one.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import torch

from interplay.jsonl import atomic_write_text
from interplay.lm.hf import load_pretrained, save_pretrained
from interplay.lm.model import Transformer
from interplay.train import dist

STATE_FILE = "trainer_state.pt"


def checkpoint_root(out: str | Path) -> Path:
    return Path(out) / "checkpoints"


def save_checkpoint(out: str | Path, step: int, model: Transformer, state: dict, tokenizer_path: Path,
                    keep: int = 2) -> Path:
    root = checkpoint_root(out)
    root.mkdir(parents=True, exist_ok=True)
    final = root / f"step_{step:07d}"
    temporary = root / f".step_{step:07d}.tmp"
    shutil.rmtree(temporary, ignore_errors=True)
    save_pretrained(model, temporary, tokenizer_path)
    torch.save(state, temporary / STATE_FILE)
    shutil.rmtree(final, ignore_errors=True)
    temporary.rename(final)
    atomic_write_text(root / "latest", final.name + "\n")
    for old in sorted(root.glob("step_*"))[:-keep] if keep > 0 else []:
        shutil.rmtree(old, ignore_errors=True)
    return final


def latest_checkpoint(out: str | Path) -> Path | None:
    pointer = checkpoint_root(out) / "latest"
    if not pointer.exists():
        return None
    directory = checkpoint_root(out) / pointer.read_text().strip()
    return directory if (directory / STATE_FILE).exists() else None


def load_checkpoint(directory: Path, device) -> tuple[Transformer, dict]:
    model = load_pretrained(directory, device)
    state = torch.load(directory / STATE_FILE, map_location="cpu", weights_only=True)
    return model, state


def publish_final(checkpoint: Path, final: Path) -> None:
    """`OUT/final`: the last checkpoint's model files (no optimizer state), replaced atomically."""
    temporary = final.with_name(".final.tmp")
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir(parents=True)
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        shutil.copyfile(checkpoint / name, temporary / name)
    shutil.rmtree(final, ignore_errors=True)
    temporary.rename(final)


def finish_run(out: Path, info: dist.DistInfo) -> Path:
    """End of a training phase on every rank: rank 0 publishes OUT/final while the others wait (the
    process group stays open for the next stage; it closes when the process exits)."""
    final = Path(out) / "final"
    if info.is_main:
        publish_final(latest_checkpoint(out), final)
    dist.barrier(info)
    return final
