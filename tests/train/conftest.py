"""Shared by the training tests: waiting for a CLI run in the background to reach its training loop."""

import subprocess
import time
from pathlib import Path

import pytest


@pytest.fixture
def wait_for_first_row():
    """A function that returns once the run writing to `out` has logged a metrics row (its loop runs)."""
    def wait(process: subprocess.Popen, out: Path) -> None:
        deadline = time.time() + 120
        while not (out / "metrics.jsonl").exists() or not (out / "metrics.jsonl").read_text().strip():
            assert process.poll() is None and time.time() < deadline, "the run ended before its first metrics row"
            time.sleep(0.05)

    return wait
