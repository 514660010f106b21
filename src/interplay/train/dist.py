"""torchrun / DDP: the same training command on one process or many.

    torchrun --nproc_per_node 2 -m interplay.cli pretrain --config cfg.toml

Under torchrun (RANK and WORLD_SIZE set) the process group starts with gloo on CPU and nccl on
CUDA; every rank builds the same global batch and keeps its own rows, so the data are disjoint
across ranks and identical to a single process with the same global batch; only rank 0 writes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1


def setup(device_name: str) -> tuple[DistInfo, torch.device]:
    """This process's rank and device, one rule for every stage: under torchrun, the process group
    starts and a GPU run takes the local rank's GPU (made current, so NCCL and new CUDA tensors use
    it); otherwise rank 0 of 1 on `pick_device(device_name)`."""
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = pick_device(device_name, local_rank)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if "RANK" not in os.environ or int(os.environ.get("WORLD_SIZE", "1")) == 1:
        return DistInfo(), device
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return DistInfo(dist.get_rank(), dist.get_world_size(), local_rank), device


def barrier(info: DistInfo) -> None:
    if info.enabled:
        dist.barrier()


def all_ranks_sum(info: DistInfo, value: float) -> float:
    """`value` summed over ranks (identical on every rank, so decisions taken on it agree)."""
    if not info.enabled:
        return value
    device = torch.device("cuda", info.local_rank) if dist.get_backend() == "nccl" else torch.device("cpu")
    total = torch.tensor([value], dtype=torch.float64, device=device)
    dist.all_reduce(total)
    return float(total.item())


def teardown(info: DistInfo) -> None:
    if info.enabled and dist.is_initialized():
        dist.destroy_process_group()


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
