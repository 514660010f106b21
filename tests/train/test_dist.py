"""One device rule for every stage: the local rank's GPU under torchrun, else the named or best device."""

import torch

from interplay.train import dist


def test_a_gpu_without_an_index_is_the_local_ranks():
    assert dist.pick_device("cuda", local_rank=3) == torch.device("cuda", 3)
    assert dist.pick_device("cuda:1", local_rank=3) == torch.device("cuda", 1)  # an explicit index is kept
    assert dist.pick_device("cpu", local_rank=3) == torch.device("cpu")


def test_outside_torchrun_a_process_is_rank_0_of_1(monkeypatch):
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    info, device = dist.setup("cpu")
    assert (info.rank, info.world_size, info.enabled, device) == (0, 1, False, torch.device("cpu"))
