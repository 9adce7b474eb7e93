"""Statistical intervals over replicates, shared by the batch tables and every report.

One definition, so that aggregate.csv, the batch report and the risk report give the same
interval for the same runs.
"""

from __future__ import annotations

import numpy as np


def interval(stack: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over replicates (axis 0) and the 95% confidence interval of that mean (Student t).

    With one replicate the bounds are NaN: one run gives no interval (not a zero-width one).
    """
    from scipy import stats  # slow to import; batch workers never need it

    n = stack.shape[0]
    mean = stack.mean(axis=0)
    if n < 2:
        return mean, np.full_like(mean, np.nan), np.full_like(mean, np.nan)
    half = stats.t.ppf(0.975, n - 1) * stack.std(axis=0, ddof=1) / np.sqrt(n)
    return mean, mean - half, mean + half
