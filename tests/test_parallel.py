"""Worker pools: one worker means no pool, and a forked worker sees what its parent registered."""

import os

import pytest

from interplay.parallel import forked_pool, usable_cores

_REGISTERED_AFTER_IMPORT = {}


def _lookup(key):
    return _REGISTERED_AFTER_IMPORT.get(key)


def test_one_worker_is_no_pool_and_cores_are_counted():
    assert forked_pool(1) is None and forked_pool(0) is None
    assert 1 <= usable_cores() <= (os.cpu_count() or 1)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_forked_workers_inherit_the_parents_state():
    _REGISTERED_AFTER_IMPORT["garden"] = "registered at run time"  # as a lexicon file registers a context
    with forked_pool(2) as pool:
        assert list(pool.map(_lookup, ["garden", "mars"])) == ["registered at run time", None]
