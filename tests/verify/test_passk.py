"""Unbiased pass@k against brute-force enumeration of k-subsets."""

from itertools import combinations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from interplay.verify.passk import pass_at_k, pass_at_k_table, powers_of_two


def brute_force(n, c, k):
    samples = [True] * c + [False] * (n - c)
    subsets = list(combinations(range(n), k))
    return sum(any(samples[i] for i in s) for s in subsets) / len(subsets)


@given(n=st.integers(1, 12), data=st.data())
def test_matches_enumeration(n, data):
    c = data.draw(st.integers(0, n))
    k = data.draw(st.integers(1, n))
    assert pass_at_k(n, c, k)[0] == pytest.approx(brute_force(n, c, k), abs=1e-12)


def test_vectorised_and_stable_at_large_n():
    values = pass_at_k([128, 128, 128, 2000], [0, 1, 128, 3], 64)
    assert values[0] == 0.0 and values[1] == pytest.approx(0.5) and values[2] == 1.0
    assert values[3] == pytest.approx(1 - (1936 * 1935 * 1934) / (2000 * 1999 * 1998), rel=1e-9)
    curve = pass_at_k_table([16] * 3, [0, 2, 9], powers_of_two(16))
    assert list(curve) == [1, 2, 4, 8, 16] and np.all(np.diff(list(curve.values())) >= 0)
    assert curve[1] == pytest.approx((0 + 2 / 16 + 9 / 16) / 3)


def test_bad_arguments():
    with pytest.raises(ValueError):
        pass_at_k(4, 5, 1)
    with pytest.raises(ValueError):
        pass_at_k(4, 2, 5)


def test_powers_of_two():
    assert powers_of_two(64) == [1, 2, 4, 8, 16, 32, 64]
    assert powers_of_two(6) == [1, 2, 4, 6]
