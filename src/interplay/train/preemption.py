"""Stop a training loop at a step boundary, with a checkpoint, on SIGTERM or Ctrl-C.

Schedulers (SLURM, Kubernetes, spot instances) send SIGTERM some seconds before they kill a job, and
a person stops a run with Ctrl-C. Either way the loop finishes the step it is in, saves a checkpoint
there and raises `StopRequested`; the same command then resumes exactly, as after any checkpoint. A
second Ctrl-C stops at once, like a SIGKILL: what was trained since the last checkpoint is lost.

    with GracefulStop() as stop:
        while step < total:
            ...one step...
            stopping = stop.requested(info)  # once per step: every rank gets the same answer
            if stopping or step % every == 0:
                save_checkpoint(...)
            if stopping:
                raise stop.stopped(f"stopped at step {step}")
"""

from __future__ import annotations

import signal
import threading

from interplay.errors import StopRequested
from interplay.train import dist

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class GracefulStop:
    """Catches SIGINT and SIGTERM while a training loop runs (main thread only; elsewhere a no-op)."""

    def __init__(self):
        self.signum: int | None = None
        self._previous: dict[int, object] = {}

    def __enter__(self) -> GracefulStop:
        if threading.current_thread() is threading.main_thread():
            self._previous = {signum: signal.signal(signum, self._handle) for signum in SIGNALS}
        return self

    def __exit__(self, *exc) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous = {}

    def _handle(self, signum: int, frame) -> None:
        if self.signum is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt  # the second Ctrl-C: do not wait for the step to end
        self.signum = signum

    def requested(self, info: dist.DistInfo) -> bool:
        """Whether any rank was signalled; the same answer on every rank, so all stop at one step."""
        if not info.enabled:
            return self.signum is not None
        return dist.all_ranks_sum(info, float(self.signum is not None)) > 0

    def stopped(self, message: str) -> StopRequested:
        """The exception to raise once the checkpoint is saved (a rank not signalled itself says SIGTERM)."""
        return StopRequested(message, self.signum if self.signum is not None else signal.SIGTERM)
