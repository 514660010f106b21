"""torchrun helpers outside torchrun: rank 0 of 1 on the named device."""

import torch

from interplay.train import dist


def test_outside_torchrun_a_process_is_rank_0_of_1(monkeypatch):
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    info, device = dist.setup("cpu")
    assert (info.rank, info.world_size, info.enabled, device) == (0, 1, False, torch.device("cpu"))
