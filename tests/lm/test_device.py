"""One device rule for every stage: the local rank's GPU under torchrun, else the named or best device."""

import torch

from interplay.lm.device import pick_device


def test_a_gpu_without_an_index_is_the_local_ranks():
    assert pick_device("cuda", local_rank=3) == torch.device("cuda", 3)
    assert pick_device("cuda:1", local_rank=3) == torch.device("cuda", 1)  # an explicit index is kept
    assert pick_device("cpu", local_rank=3) == torch.device("cpu")


def test_auto_on_a_machine_without_accelerators_is_the_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert pick_device("auto") == torch.device("cpu")
