"""interplay.memory: the usage figures stage records keep, and free heap pages handed back to the system."""

import sys

import pytest

from interplay.memory import release_free_memory, usage_mb


def test_usage_has_the_peak_and_on_linux_the_resident_memory():
    usage = usage_mb()
    assert usage["peak"] > 0
    if sys.platform == "linux":
        assert 0 < usage["resident"] <= usage["peak"] + 1


@pytest.mark.skipif(not release_free_memory(), reason="the C library has no malloc_trim (not glibc)")
def test_freed_blocks_inside_the_heap_stop_being_resident():
    # 40 MB of 100 kB blocks (below glibc's mmap threshold: they live in the heap), all freed but the last,
    # which pins the top of the heap so that free() alone cannot shrink it.
    blocks = [bytearray(100_000) for _ in range(400)]
    last = blocks[-1]
    del blocks
    before = usage_mb()["resident"]
    assert release_free_memory()
    after = usage_mb()["resident"]
    assert before - after > 20, (before, after)
    assert len(last) == 100_000
