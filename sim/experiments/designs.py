"""Sampling designs: the parameter points a sweep or an exploration runs.

One home for the Latin hypercube, so that `weishang sweep --sample lhs` and `weishang explore
--method lhs` draw the same points from the same seed, and for the full grid. (The Sobol' and
Morris designs stay in `sensitivity`, beside the estimators that must read them in their order.)
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from scipy.stats import qmc

from sim.model.scenario import param_for


def latin_hypercube(lows: Sequence[float], highs: Sequence[float], samples: int, seed: int) -> np.ndarray:
    """`samples` points (rows) over the box lows..highs, one in each of `samples` strata per axis.

    The draws come from `numpy.random.default_rng(seed)`: the same seed gives the same points.
    """
    unit = qmc.LatinHypercube(d=len(lows), seed=np.random.default_rng(seed)).random(samples)
    return qmc.scale(unit, np.asarray(lows, dtype=float), np.asarray(highs, dtype=float))


def grid(keys: Sequence[str], values: Sequence[Sequence]) -> list[dict]:
    """Every combination of the listed values, the last key varying fastest."""
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*values)]


def whole_numbers(points: list[dict]) -> list[dict]:
    """Round, in place, the sampled floats of whole-number parameters (people, days, ...)."""
    for point in points:
        for key, value in point.items():
            if isinstance(value, float) and _is_whole_number_param(key):
                point[key] = int(round(value))
    return points


def _is_whole_number_param(key: str) -> bool:
    param = param_for(key)
    return param is not None and type(param.default) is int


def as_points(keys: Sequence[str], rows: np.ndarray) -> list[dict]:
    """Design rows (one column per key) as override dicts of Python floats, whole-number
    parameters rounded."""
    return whole_numbers([{k: float(x) for k, x in zip(keys, row, strict=True)} for row in rows])
