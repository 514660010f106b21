"""Shared test settings: hypothesis runs deterministically so the suite gives the same verdict every time, and
parallel workers (`pytest -n`, as `make test` runs it) share the cores instead of each taking all of them.
"""

import os

from hypothesis import HealthCheck, settings

from interplay.parallel import usable_cores

settings.register_profile("interplay", derandomize=True, deadline=None, max_examples=60,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("interplay")

# Under pytest-xdist every worker would otherwise start torch (and each CLI subprocess it runs) with one thread
# per core: two workers on two cores would run four busy-waiting OpenMP threads, which stalls training far more
# than it parallelises. Set before any test module imports torch; subprocesses inherit it.
_workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if _workers > 1:
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, usable_cores() // _workers)))


def pytest_collection_modifyitems(items):
    """Start the slowest modules first: `--dist loadfile` hands files to workers in collection order, and a
    several-minute file handed out last would leave the other workers idle while it runs alone."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable: the rest keep their order
