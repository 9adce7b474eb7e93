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


SPREAD = (0.05, 0.25, 0.75, 0.95)  # quantiles of the runs themselves: the middle 90% and 50% of outcomes
SPREAD_NAMES = ("q05", "q25", "q75", "q95")


def spread(stack: np.ndarray) -> np.ndarray:
    """The 5%, 25%, 75% and 95% quantiles over replicates (axis 0), stacked on a new axis 0.

    Unlike `interval`, which narrows as replicates grow, these say how far one run can fall from
    another: how bad a single outcome can be. With one replicate they are NaN, as the interval is.
    """
    stack = np.asarray(stack, dtype=float)
    if stack.shape[0] < 2:
        return np.full((len(SPREAD), *stack.shape[1:]), np.nan)
    return np.quantile(stack, SPREAD, axis=0)


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs: list[float]) -> np.ndarray:
    """Quantiles of a weighted sample (a posterior): the smallest value whose cumulative weight
    reaches each q."""
    values, weights = np.asarray(values, dtype=float), np.asarray(weights, dtype=float)
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order]) / weights.sum()
    picks = np.minimum(np.searchsorted(cum, np.asarray(qs) - 1e-12), len(values) - 1)
    return values[order][picks]
