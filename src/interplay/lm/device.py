"""Which device a model runs on: one rule for training, RL and evaluation.

    device = pick_device("auto")                  # cuda, then mps, then cpu
    device = pick_device("cuda", local_rank=3)    # under torchrun: this rank's GPU
"""

from __future__ import annotations

import torch


def pick_device(name: str, local_rank: int = 0) -> torch.device:
    """`auto`: cuda, then mps, then cpu; a GPU without an index is the local rank's."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", local_rank)
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    device = torch.device(name)
    return torch.device("cuda", local_rank) if device.type == "cuda" and device.index is None else device
