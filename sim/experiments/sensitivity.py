"""Global sensitivity designs and indices for `weishang explore`: Latin hypercube, Sobol' (Saltelli), Morris.

`sample()` lays out the parameter points (one row per model evaluation); the caller runs the model at
each row (averaging replicates), then `analyze()` turns the outputs, in the same row order, into indices.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from sim.experiments.designs import latin_hypercube

METHODS = ("lhs", "sobol", "morris")
MORRIS_LEVELS = 4  # grid levels per parameter; the analysis must use the same number as the sampling
CONF_LEVEL = 0.95
SOBOL_COLUMNS = ("parameter", "S1", "S1_conf", "ST", "ST_conf")
MORRIS_COLUMNS = ("parameter", "mu_star", "mu_star_conf", "sigma")


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"--method {method}: allowed: {', '.join(METHODS)}")


def problem(ranges: dict[str, tuple[float, float]]) -> dict:
    """The SALib problem dict: parameter names (in the given order) and their [lo, hi] bounds."""
    if not ranges:
        raise ValueError("sensitivity analysis needs at least one varied parameter range")
    for name, (lo, hi) in ranges.items():
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ValueError(f"--vary {name}: a range needs finite lo < hi, got {lo}:{hi}")
    return {"num_vars": len(ranges), "names": list(ranges),
            "bounds": [[float(lo), float(hi)] for lo, hi in ranges.values()]}


def _is_power_of_two(n: int) -> bool:
    return n >= 1 and n & (n - 1) == 0


def sample(method: str, ranges: dict[str, tuple[float, float]], samples: int, seed: int) -> pd.DataFrame:
    """The design: one row per model evaluation, columns = parameter names in order; deterministic per seed.

    lhs: `samples` Latin-hypercube rows (the same points as `weishang sweep --sample lhs`);
    sobol: Saltelli cross-sampling of a scrambled Sobol' sequence, base N = `samples` (a power of 2),
    N*(D+2) rows (first-order and total indices only); morris: `samples` trajectories of D+1 rows each
    on a 4-level grid.
    """
    _check_method(method)
    prob = problem(ranges)
    names = prob["names"]
    if isinstance(samples, bool) or not isinstance(samples, int | np.integer) or samples < 1:
        raise ValueError(f"--samples must be a whole number >= 1, got {samples!r}")
    if method == "lhs":
        bounds = np.array(prob["bounds"])
        points = latin_hypercube(bounds[:, 0], bounds[:, 1], samples, seed)
    elif method == "sobol":
        if not _is_power_of_two(samples):
            raise ValueError(f"--samples {samples}: --method sobol needs a power of 2 (e.g. 64, 128, 256)")
        points = sobol_sample.sample(prob, int(samples), calc_second_order=False, scramble=True, seed=seed)
    else:
        points = morris_sample.sample(prob, int(samples), num_levels=MORRIS_LEVELS, seed=seed)
    return pd.DataFrame(np.asarray(points, dtype=float), columns=names)


def analyze(method: str, ranges: dict[str, tuple[float, float]], x: pd.DataFrame, y: np.ndarray,
            seed: int) -> pd.DataFrame:
    """Sensitivity indices, one row per parameter (in the `ranges` order).

    `x` is the frame `sample()` produced and `y` one output per row, in the same order (average
    replicates first). sobol: S1, ST and their 95% bootstrap half-widths; morris: mu_star (mean
    |elementary effect|, in output units per full parameter range), its 95% half-width, and sigma.
    """
    _check_method(method)
    if method == "lhs":
        raise ValueError("sensitivity indices need --method sobol or morris")
    prob = problem(ranges)
    names = prob["names"]
    d = len(names)
    if list(x.columns) != names:
        raise ValueError(f"sample columns {list(x.columns)} do not match the parameters {names}")
    outputs = np.asarray(y, dtype=float).reshape(-1)
    if len(outputs) != len(x):
        raise ValueError(f"need one output per sample row: {len(x)} rows but {len(outputs)} outputs")
    if not np.all(np.isfinite(outputs)):
        bad = int(np.sum(~np.isfinite(outputs)))
        raise ValueError(f"sensitivity indices need a finite output for every sample row ({bad} are not)")
    block = d + 2 if method == "sobol" else d + 1
    if len(x) == 0 or len(x) % block:
        raise ValueError(f"{len(x)} rows is not a --method {method} design for {d} parameters "
                         f"(expected a multiple of {block})")
    if method == "sobol":
        # A Generator (not an int) so that seed 0 is seeded too: SALib tests `if seed:`.
        si = sobol_analyze.analyze(prob, outputs, calc_second_order=False, conf_level=CONF_LEVEL,
                                   seed=np.random.default_rng(seed))
        columns = SOBOL_COLUMNS
    else:
        with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
            # One trajectory leaves sigma (a sample std) undefined: NaN, reported as null by to_json.
            warnings.filterwarnings("ignore", "Degrees of freedom", RuntimeWarning)
            si = morris_analyze.analyze(prob, x.to_numpy(dtype=float), outputs, conf_level=CONF_LEVEL,
                                        num_levels=MORRIS_LEVELS, seed=seed)
        columns = MORRIS_COLUMNS
    table = {"parameter": names}
    table.update({c: np.asarray(si[c], dtype=float) for c in columns[1:]})
    return pd.DataFrame(table, columns=list(columns))


def _key_column(indices: pd.DataFrame) -> str:
    for column in ("ST", "mu_star"):
        if column in indices.columns:
            return column
    raise ValueError("indices need an ST (sobol) or mu_star (morris) column to rank by")


def ranking(indices: pd.DataFrame) -> list[str]:
    """Parameters from most to least influential: by total-order ST (sobol) or mu_star (morris).

    Ties keep the parameter order; undefined (NaN) indices rank last.
    """
    ordered = indices.sort_values(_key_column(indices), ascending=False, kind="stable", na_position="last")
    return [str(p) for p in ordered["parameter"]]


def _number(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def to_json(method: str, indices: pd.DataFrame) -> dict:
    """A JSON-ready summary: method, the index ranked by, the ranking and one record per parameter.

    Non-finite values (e.g. sigma from a single Morris trajectory) become null.
    """
    _check_method(method)
    records = [{"parameter": str(row["parameter"]),
                **{c: _number(row[c]) for c in indices.columns if c != "parameter"}}
               for _, row in indices.iterrows()]
    return {"method": method, "conf_level": CONF_LEVEL, "rank_by": _key_column(indices),
            "ranking": ranking(indices), "indices": records}
