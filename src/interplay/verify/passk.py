"""The unbiased pass@k estimator of Chen et al. (2021): 1 - C(n-c, k) / C(n, k), per problem.

    pass_at_k(n=[128, 128], c=[0, 3], k=8)   # -> array([0.0, 0.1775...])

Computed as 1 - prod_{i=n-c+1..n} (1 - k/i) in log space with cumulative sums, so it is exact to
float precision for n in the thousands and vectorised over problems. (The paper's own code counted
"a success among the first k samples", which depends on the order of the samples.)
"""

from __future__ import annotations

import numpy as np


def pass_at_k(n, c, k: int) -> np.ndarray:
    """Unbiased pass@k for each problem with n samples of which c are correct."""
    n = np.atleast_1d(np.asarray(n, dtype=np.int64))
    c = np.atleast_1d(np.asarray(c, dtype=np.int64))
    if np.any(c < 0) or np.any(c > n):
        raise ValueError("need 0 <= c <= n for every problem")
    if k < 1 or np.any(k > n):
        raise ValueError(f"k={k} must be between 1 and the number of samples")
    # log_terms[i] = log(1 - k/i) for i = 1..max(n); terms with i <= k are never used (see below).
    i = np.arange(1, int(n.max()) + 1, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_terms = np.where(i > k, np.log1p(-k / i), 0.0)
    cumulative = np.concatenate([[0.0], np.cumsum(log_terms)])
    log_fail = cumulative[n] - cumulative[n - c]
    # When n - c < k every k-subset holds a success; those products would include a zero factor.
    return np.where(n - c < k, 1.0, 1.0 - np.exp(log_fail))


def pass_at_k_table(n, c, ks) -> dict[int, float]:
    """Mean pass@k over problems for each k in `ks` that every problem has enough samples for."""
    n = np.atleast_1d(np.asarray(n))
    return {int(k): float(pass_at_k(n, c, int(k)).mean()) for k in ks if k <= n.min()}


def powers_of_two(limit: int) -> list[int]:
    """1, 2, 4, ... up to `limit`, and `limit` itself: the k of a pass@k curve."""
    ks = [1 << i for i in range(limit.bit_length()) if 1 << i <= limit]
    return ks if ks[-1] == limit else ks + [limit]
