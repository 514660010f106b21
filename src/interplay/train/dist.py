"""torchrun / DDP: the same training command on one process or many.

    torchrun --nproc_per_node 2 -m interplay.cli pretrain --config cfg.toml

Under torchrun (RANK and WORLD_SIZE set) the process group starts with gloo on CPU and nccl on
CUDA; every rank builds the same global batch and keeps its own rows, so the data are disjoint
across ranks and identical to a single process with the same global batch; only rank 0 writes.
The helpers below are what makes "identical" hold for RL too: a contiguous share of a step's
prompts per rank, values summed or lists gathered over ranks, gradients summed once per update.
"""

from __future__ import annotations

import atexit
import os
from dataclasses import dataclass
from datetime import timedelta

import torch
import torch.distributed as dist

from interplay.lm.device import pick_device

TEARDOWN_WAIT = timedelta(seconds=60)  # how long a finished rank waits at exit for the others


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
        # One group for the life of the process: a recipe runs stage after stage in it, and a group
        # destroyed and initialised again on the same store can rendezvous with the old one's keys.
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
        atexit.register(_teardown)
    return DistInfo(dist.get_rank(), dist.get_world_size(), local_rank), device


def barrier(info: DistInfo) -> None:
    if info.enabled:
        dist.barrier()


def _device(info: DistInfo) -> torch.device:
    """Where collectives run: nccl needs CUDA tensors, gloo CPU ones."""
    return torch.device("cuda", info.local_rank) if dist.get_backend() == "nccl" else torch.device("cpu")


def all_ranks_sum(info: DistInfo, value: float) -> float:
    """`value` summed over ranks (identical on every rank, so decisions taken on it agree)."""
    return all_ranks_sums(info, [value])[0]


def all_ranks_sums(info: DistInfo, values: list[float]) -> list[float]:
    """Each of `values` summed over ranks, in one collective."""
    if not info.enabled:
        return list(values)
    total = torch.tensor(values, dtype=torch.float64, device=_device(info))
    dist.all_reduce(total)
    return total.tolist()


def share(count: int, info: DistInfo) -> range:
    """This rank's contiguous share of `count` items (sizes differ by at most one; may be empty)."""
    return range(count * info.rank // info.world_size, count * (info.rank + 1) // info.world_size)


def gather(info: DistInfo, items: list) -> list:
    """Every rank's `items` (picklable), concatenated in rank order, on every rank: with contiguous
    shares this is the list one process would have built."""
    if not info.enabled:
        return list(items)
    parts: list = [None] * info.world_size
    dist.all_gather_object(parts, items)
    return [item for part in parts for item in part]


def sum_gradients(model: torch.nn.Module, info: DistInfo) -> None:
    """Sum every parameter's gradient over ranks, once, in one flat buffer (a missing gradient counts
    as zeros). This is DDP's reduction after `no_sync` accumulation, but it allows ranks to have run
    different numbers of micro-batches, which RL's filtered groups need."""
    if not info.enabled:
        return
    params = [p for p in model.parameters() if p.requires_grad]
    flat = torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).reshape(-1) for p in params])
    dist.all_reduce(flat)
    offset = 0
    for p in params:
        p.grad = flat[offset:offset + p.numel()].view_as(p).clone()
        offset += p.numel()


def _teardown() -> None:
    """At exit: the group destroyed once every rank is here. Once, a gloo rank aborted (SIGABRT) at exit
    after both ranks had finished a run, most likely torn down while its peer still had the group open.
    The wait is bounded: a rank that crashed never arrives, and its peer must exit for torchrun to see it."""
    if not dist.is_initialized():
        return
    if dist.get_backend() == "gloo":
        try:
            dist.monitored_barrier(timeout=TEARDOWN_WAIT)
        except RuntimeError:
            pass  # a rank is gone: exit anyway, the launcher reports the failed one
    dist.destroy_process_group()
