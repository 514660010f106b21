"""Worker pools: how many workers, one worker means no pool, and a forked worker sees what its parent registered."""

import os

import pytest

from interplay.errors import UserError
from interplay.parallel import forked_pool, usable_cores, worker_count

_REGISTERED_AFTER_IMPORT = {}


def _lookup(key):
    return _REGISTERED_AFTER_IMPORT.get(key)


def test_one_worker_is_no_pool_and_cores_are_counted():
    assert forked_pool(1) is None and forked_pool(0) is None
    assert 1 <= usable_cores() <= (os.cpu_count() or 1)


def test_worker_count_takes_every_core_only_for_many_items_and_refuses_zero():
    assert worker_count(None, 999, parallel_from=1000) == 1
    assert worker_count(None, 1000, parallel_from=1000) == usable_cores()
    assert worker_count(3, 10, parallel_from=1000) == 3
    with pytest.raises(UserError, match="--workers must be at least 1, got 0"):
        worker_count(0, 10, parallel_from=1000)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_forked_workers_inherit_the_parents_state():
    _REGISTERED_AFTER_IMPORT["garden"] = "registered at run time"  # as a lexicon file registers a context
    with forked_pool(2) as pool:
        assert list(pool.map(_lookup, ["garden", "mars"])) == ["registered at run time", None]
