"""Worker processes for the CPU-bound commands that are pure Python (generate, verify).

    workers = worker_count(args.workers, len(items), parallel_from=1000)   # None: every core for many items
    pool = forked_pool(workers)   # None for one worker or where fork is unavailable: run in one process

Forked rather than spawned: a worker inherits what the parent registered (contexts read from
lexicon files) and starts in milliseconds. Imports stay inside the functions, so commands that run
in one process pay nothing for them at start-up.
"""

from __future__ import annotations

import os

from interplay.errors import UserError


def usable_cores() -> int:
    """Cores this process may run on (its affinity mask, where the OS has one)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def worker_count(requested: int | None, items: int, parallel_from: int) -> int:
    """`requested` workers (at least 1), or where None every usable core once `items` reach `parallel_from`."""
    if requested is None:
        return usable_cores() if items >= parallel_from else 1
    if requested < 1:
        raise UserError(f"--workers must be at least 1, got {requested}")
    return requested


def forked_pool(workers: int):
    """A `ProcessPoolExecutor` of `workers` forked processes, or None for one worker or no fork."""
    if workers <= 1 or not hasattr(os, "fork"):
        return None
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
