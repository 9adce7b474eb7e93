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


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs: list[float]) -> np.ndarray:
    """Quantiles of a weighted sample (a posterior): the smallest value whose cumulative weight
    reaches each q."""
    values, weights = np.asarray(values, dtype=float), np.asarray(weights, dtype=float)
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order]) / weights.sum()
    picks = np.minimum(np.searchsorted(cum, np.asarray(qs) - 1e-12), len(values) - 1)
    return values[order][picks]
