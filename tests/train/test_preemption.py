"""GracefulStop notes SIGTERM and a first Ctrl-C instead of dying; a second Ctrl-C stops at once. The training
loops' use of it (a checkpoint at the step, then an exact resume) is tested in test_lm.py and test_grpo.py."""

import os
import signal

import pytest

from interplay.train import dist
from interplay.train.preemption import GracefulStop

SINGLE = dist.DistInfo()


def test_sigterm_is_noted_not_fatal_and_the_old_handler_comes_back():
    before = signal.getsignal(signal.SIGTERM)
    with GracefulStop() as stop:
        assert not stop.requested(SINGLE)
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.requested(SINGLE)
        assert stop.stopped("stopped").exit_code == 128 + signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_second_ctrl_c_does_not_wait_for_the_step():
    with GracefulStop() as stop:
        os.kill(os.getpid(), signal.SIGINT)
        assert stop.requested(SINGLE) and stop.stopped("stopped").exit_code == 130
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
