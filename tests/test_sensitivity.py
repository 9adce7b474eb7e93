"""Global sensitivity designs and indices (sim/sensitivity.py), checked on functions with known answers."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from SALib.test_functions import Ishigami

from sim.experiments.sensitivity import METHODS, analyze, problem, ranking, sample, to_json

RANGES = {"a": (0.0, 1.0), "b": (-2.0, 3.0), "c": (10.0, 40.0)}
UNIT = {"a": (0.0, 1.0), "b": (0.0, 1.0), "c": (0.0, 1.0)}
NOISE = 0.01  # "tiny": the model's own randomness, after averaging replicates


def linear(x: pd.DataFrame, seed: int) -> np.ndarray:
    """y = 5a + 1b + 0c on the unit cube, plus N(0, NOISE) noise."""
    rng = np.random.default_rng(seed)
    return (5 * x["a"] + 1 * x["b"] + 0 * x["c"]).to_numpy() + rng.normal(0.0, NOISE, len(x))


# --- designs -----------------------------------------------------------------------------------------


def test_problem_keeps_names_in_order() -> None:
    prob = problem({"z": (1, 2), "a": (0, 5)})
    assert prob == {"num_vars": 2, "names": ["z", "a"], "bounds": [[1.0, 2.0], [0.0, 5.0]]}
    with pytest.raises(ValueError, match="lo < hi"):
        problem({"z": (2.0, 1.0)})


@pytest.mark.parametrize("method, samples", [("lhs", 50), ("sobol", 64), ("morris", 10)])
def test_every_column_within_its_range(method: str, samples: int) -> None:
    x = sample(method, RANGES, samples, seed=3)
    assert list(x.columns) == list(RANGES)
    for name, (lo, hi) in RANGES.items():
        assert x[name].between(lo, hi).all(), name
    # A design that only touched a corner would also pass the check above: the points must spread out.
    for name, (lo, hi) in RANGES.items():
        assert x[name].max() - x[name].min() > 0.5 * (hi - lo), name


def test_lhs_has_one_point_per_stratum_in_each_dimension() -> None:
    # Latin hypercube: cut each range into `samples` equal strata; each stratum holds exactly one point,
    # so the stratum indices of a column are a permutation of 0..samples-1.
    samples = 37
    x = sample("lhs", RANGES, samples, seed=11)
    assert len(x) == samples
    for name, (lo, hi) in RANGES.items():
        strata = np.floor((x[name].to_numpy() - lo) / (hi - lo) * samples).astype(int)
        strata = np.clip(strata, 0, samples - 1)  # a point rounded onto hi belongs to the top stratum
        assert sorted(strata) == list(range(samples)), name


def test_row_counts() -> None:
    d = len(RANGES)
    assert len(sample("sobol", RANGES, 128, seed=1)) == 128 * (d + 2)  # Saltelli: A, B and D mixes AB_i
    assert len(sample("morris", RANGES, 12, seed=1)) == 12 * (d + 1)  # one trajectory = D+1 points
    assert len(sample("lhs", RANGES, 9, seed=1)) == 9


def test_morris_points_sit_on_the_four_level_grid() -> None:
    x = sample("morris", UNIT, 8, seed=2)
    assert set(np.round(x.to_numpy().ravel(), 9)) <= {0.0, round(1 / 3, 9), round(2 / 3, 9), 1.0}


@pytest.mark.parametrize("method, samples", [("lhs", 20), ("sobol", 32), ("morris", 6)])
def test_same_seed_same_design(method: str, samples: int) -> None:
    first = sample(method, RANGES, samples, seed=7)
    pd.testing.assert_frame_equal(first, sample(method, RANGES, samples, seed=7))
    assert not first.equals(sample(method, RANGES, samples, seed=8))


@pytest.mark.parametrize("samples", [3, 100, 1000])
def test_sobol_needs_a_power_of_two(samples: int) -> None:
    with pytest.raises(ValueError, match="--samples") as err:
        sample("sobol", RANGES, samples, seed=1)
    assert "\n" not in str(err.value) and "power of 2" in str(err.value)


def test_bad_method_and_bad_samples() -> None:
    assert METHODS == ("lhs", "sobol", "morris")
    with pytest.raises(ValueError, match="allowed: lhs, sobol, morris"):
        sample("fast", RANGES, 8, seed=1)
    with pytest.raises(ValueError, match="--samples"):
        sample("lhs", RANGES, 0, seed=1)


# --- indices -----------------------------------------------------------------------------------------


def test_sobol_ranks_a_linear_function_and_a_dead_parameter_last() -> None:
    # y = 5a + b + 0c with a, b, c ~ U(0, 1): Var(y) = (25 + 1)/12, no interactions, so
    # S1 = ST = 25/26 = 0.962 for a, 1/26 = 0.038 for b and 0 for c. The noise adds only
    # NOISE^2 / Var(y) = 1e-4 / 2.17 = 5e-5 to c's ST (Jansen's estimator sees the noise difference of
    # two runs), so c's ST must be ~0: 0.005 is 100x that and still 8x below b's 0.038.
    x = sample("sobol", UNIT, 256, seed=5)
    indices = analyze("sobol", UNIT, x, linear(x, seed=5), seed=5)
    assert list(indices.columns) == ["parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert list(indices["parameter"]) == ["a", "b", "c"]
    assert ranking(indices) == ["a", "b", "c"]
    st = indices.set_index("parameter")
    assert 0 <= st.loc["c", "ST"] < 0.005
    # The 95% half-widths come from the bootstrap, so the truth should lie within about one of them;
    # two leaves room for the noise. (a's half-width is ~0.12 at N=256, b's ~0.007.)
    for name, truth in {"a": 25 / 26, "b": 1 / 26, "c": 0.0}.items():
        assert abs(st.loc[name, "ST"] - truth) <= 2 * st.loc[name, "ST_conf"] + 1e-3, name
        assert abs(st.loc[name, "S1"] - truth) <= 2 * st.loc[name, "S1_conf"] + 1e-3, name


def test_morris_ranks_a_linear_function_and_a_dead_parameter_last() -> None:
    # With 4 levels a Morris step is Delta = 2/3 of the (unit-scaled) range, and an elementary effect is
    # (y(x + Delta e_i) - y(x)) / Delta: exactly 5 for a and 1 for b (a linear function's slope per full
    # range) and 0 for c, plus the noise difference / Delta ~ N(0, sqrt(2) NOISE / Delta). So c's mu_star
    # is the mean |noise| floor 2 NOISE / (sqrt(pi) Delta) = 0.017; 0.1 (2% of a's) is a safe bound,
    # and a's and b's mu_star sit within 0.05 of 5 and 1 (noise on a mean of 20 effects: SE ~0.005).
    x = sample("morris", UNIT, 20, seed=4)
    indices = analyze("morris", UNIT, x, linear(x, seed=4), seed=4)
    assert list(indices.columns) == ["parameter", "mu_star", "mu_star_conf", "sigma"]
    assert ranking(indices) == ["a", "b", "c"]
    mu = indices.set_index("parameter")["mu_star"]
    assert mu["c"] < 0.1
    assert mu["a"] == pytest.approx(5.0, abs=0.05)
    assert mu["b"] == pytest.approx(1.0, abs=0.05)


def test_morris_effects_are_per_full_range() -> None:
    # The same function on wider ranges (y = 5 (a' - lo)/(hi - lo) + ...) gives the same mu_star:
    # Morris effects are measured per full parameter range, so differently scaled parameters compare.
    x = sample("morris", RANGES, 20, seed=4)
    unit = pd.DataFrame({n: (x[n] - lo) / (hi - lo) for n, (lo, hi) in RANGES.items()})
    mu = analyze("morris", RANGES, x, linear(unit, seed=4), seed=4).set_index("parameter")["mu_star"]
    assert mu["a"] == pytest.approx(5.0, abs=0.05) and mu["b"] == pytest.approx(1.0, abs=0.05)


def test_sobol_matches_the_ishigami_function() -> None:
    # Ishigami (A=7, B=0.1) on [-pi, pi]^3 has analytic S1 = (0.314, 0.442, 0) and
    # ST = (0.558, 0.442, 0.244): x3 acts only through its interaction with x1.
    ranges = {"x1": (-math.pi, math.pi), "x2": (-math.pi, math.pi), "x3": (-math.pi, math.pi)}
    x = sample("sobol", ranges, 1024, seed=1)
    indices = analyze("sobol", ranges, x, Ishigami.evaluate(x.to_numpy()), seed=1).set_index("parameter")
    s1_true = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
    st_true = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}
    # The bootstrap 95% half-widths at N=1024 are ~0.06 for S1 (they shrink like 1/sqrt(N)); the
    # bootstrap treats the points as independent draws, while a scrambled Sobol' design is at least
    # that accurate, so each estimate should fall within one half-width of the truth (over 30 seeds
    # the worst error was 0.43 half-widths). Capping the half-widths keeps the check from being vacuous.
    for name in ranges:
        row = indices.loc[name]
        assert row["S1_conf"] < 0.08 and row["ST_conf"] < 0.12, name
        assert abs(row["S1"] - s1_true[name]) <= row["S1_conf"], name
        assert abs(row["ST"] - st_true[name]) <= row["ST_conf"], name
    assert ranking(indices.reset_index()) == ["x1", "x2", "x3"]


def test_analysis_is_seeded_even_for_seed_zero() -> None:
    x = sample("sobol", UNIT, 64, seed=0)
    y = linear(x, seed=0)
    pd.testing.assert_frame_equal(analyze("sobol", UNIT, x, y, seed=0), analyze("sobol", UNIT, x, y, seed=0))


def test_analyze_rejects_lhs_and_mismatched_outputs() -> None:
    x = sample("lhs", UNIT, 10, seed=1)
    with pytest.raises(ValueError, match="sensitivity indices need --method sobol or morris"):
        analyze("lhs", UNIT, x, np.zeros(10), seed=1)
    x = sample("sobol", UNIT, 16, seed=1)
    with pytest.raises(ValueError, match="one output per sample row"):
        analyze("sobol", UNIT, x, np.zeros(len(x) - 1), seed=1)
    with pytest.raises(ValueError, match="finite output"):
        analyze("sobol", UNIT, x, np.full(len(x), np.nan), seed=1)
    with pytest.raises(ValueError, match="do not match"):
        analyze("sobol", {"b": (0, 1), "a": (0, 1), "c": (0, 1)}, x, np.zeros(len(x)), seed=1)


def test_ranking_and_json() -> None:
    # One Morris trajectory has one effect per parameter: sigma (a sample std) is undefined -> null.
    x = sample("morris", UNIT, 1, seed=2)
    indices = analyze("morris", UNIT, x, linear(x, seed=2), seed=2)
    out = to_json("morris", indices)
    assert json.loads(json.dumps(out, allow_nan=False)) == out
    assert out["rank_by"] == "mu_star" and out["ranking"] == ["a", "b", "c"]
    assert [r["parameter"] for r in out["indices"]] == ["a", "b", "c"]
    assert all(r["sigma"] is None for r in out["indices"])
    tied = pd.DataFrame({"parameter": ["p", "q", "r"], "ST": [0.1, float("nan"), 0.1]})
    assert ranking(tied) == ["p", "r", "q"]  # ties keep the given order, undefined ranks last
