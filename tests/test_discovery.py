"""Scenario discovery (sim/discovery.py) on synthetic samples whose true box is known.

The planted case: 2,000 points uniform in [0, 1]^3, y = (x1 > 0.6) & (x2 < 0.3), so the true box has mass
0.4 * 0.3 = 0.12 and x3 is irrelevant. How far can PRIM's limits land from 0.6 and 0.3 (threshold 0.9)?
- One peel removes alpha = 5% of the points in the box. The box is uniform in each dimension, so a peel moves
  a limit by 0.05 x the box's extent there; near the end the extents are ~0.4 (x1) and ~0.3 (x2), so one peel
  is ~0.02 (x1) or ~0.015 (x2). The last peel can step past an edge by at most that: tolerance 0.03 *inward*.
- The chosen box is the *first* to reach density 0.9, so it may stop short of the edges: a margin d outside
  one edge (the other exact) gives density 0.4 / (0.4 + d) for x1, 0.3 / (0.3 + d) for x2, which is still
  >= 0.9 for d up to 0.044 (x1) and 0.033 (x2). Add sampling noise of the in-box density (~260 points:
  sd sqrt(0.9 * 0.1 / 260) ~ 0.02, worth about one peel width ~0.02): tolerance 0.06 *outward*. (Over 200
  seeds the errors stayed within -0.024..+0.009 for x1 and +0.001..+0.050 for x2.)
- Coverage: stopping short keeps every case; stepping one peel inside loses at most ~5%: coverage >= 0.8.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.experiments.discovery import Box, PrimResult, prim, to_json, tree_boxes

OUT, IN = 0.06, 0.03  # tolerances for a limit landing outside / inside the true box (reasoned above)


def planted(seed: int = 0, noise: float = 0.0, n: int = 2000) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.uniform(0, 1, (n, 3)), columns=["x1", "x2", "x3"])
    y = ((x.x1 > 0.6) & (x.x2 < 0.3)).to_numpy()
    return x, y ^ (rng.random(n) < noise)  # flip a `noise` share of the labels


@pytest.fixture(scope="module")
def clean() -> tuple[pd.DataFrame, np.ndarray, PrimResult]:
    x, y = planted()
    return x, y, prim(x, y, threshold=0.9)


def test_prim_recovers_planted_box(clean: tuple[pd.DataFrame, np.ndarray, PrimResult]) -> None:
    x, y, result = clean
    box = result.chosen
    assert 0.6 - OUT <= box.limits["x1"][0] <= 0.6 + IN
    assert 0.3 - IN <= box.limits["x2"][1] <= 0.3 + OUT
    # The other sides and x3 keep (about) the full sampled range: cutting them only loses cases.
    assert box.limits["x1"][1] > 0.99 and box.limits["x2"][0] < 0.01
    assert box.limits["x3"][1] - box.limits["x3"][0] > 0.9
    assert box.coverage >= 0.8 and box.density >= 0.9
    # The stats describe exactly the points the box contains.
    inside = box.contains(x)
    assert box.mass == pytest.approx(inside.mean())
    assert box.density == pytest.approx(y[inside].mean())
    assert box.coverage == pytest.approx(y[inside].sum() / y.sum())


def test_prim_with_noisy_labels() -> None:
    # 5% of labels flipped: the true box's density is 0.95 and 0.88 * 0.05 = 4.4% of all points are stray
    # cases outside it, so the best coverage is 0.114 / 0.158 = 0.72. The threshold slack shrinks (a margin
    # keeps density >= 0.9 only up to d = 0.024 in x1, 0.018 in x2), but stray cases and missing ones make
    # each peel's density gain noisier, so a peel may cut a slice off the true box by chance: inward we
    # allow one more peel width (~0.02) plus noise, i.e. 0.06 either way.
    # (Over 200 seeds: x1 -0.027..+0.019, x2 -0.009..+0.030.)
    # Coverage: 0.72 less one ~5% slice and noise: >= 0.6.
    x, y = planted(noise=0.05)
    box = prim(x, y, threshold=0.9).chosen
    assert abs(box.limits["x1"][0] - 0.6) <= 0.06
    assert abs(box.limits["x2"][1] - 0.3) <= 0.06
    assert box.limits["x3"][1] - box.limits["x3"][0] > 0.9
    assert box.coverage >= 0.6 and box.density >= 0.9


def test_trajectory_trades_coverage_for_density(clean: tuple[pd.DataFrame, np.ndarray, PrimResult]) -> None:
    _, _, result = clean
    steps = result.trajectory
    assert steps[0].coverage == 1 and steps[0].mass == 1 and steps[0].rules() == "whole sampled range"
    assert steps[0].density == pytest.approx(0.12, abs=0.02)  # the base rate of the planted case
    for before, after in zip(steps, steps[1:], strict=False):
        assert after.coverage <= before.coverage  # peeling only removes points
        assert after.mass < before.mass  # every peel removes at least one
        assert after.density > before.density  # a peel is only taken if it raises density
    assert steps[-1].mass >= 0.05  # min_mass
    assert result.chosen.density >= result.threshold == 0.9
    # The chosen step is the first to reach the threshold; pasting never lowers its density.
    assert steps[result.chosen_step].density >= 0.9 > steps[result.chosen_step - 1].density
    assert result.chosen.density >= steps[result.chosen_step].density


def test_pasting_undoes_a_needless_peel() -> None:
    # With 10% of labels flipped (seed 26), a peel off the top of the irrelevant x3 happened to raise density
    # on the way; pasting it back adds cases at no cost in density, so the chosen box drops the x3 rule.
    x, y = planted(seed=26, noise=0.1)
    pasted, peeled = prim(x, y, threshold=0.9).chosen, prim(x, y, threshold=0.9, paste=False).chosen
    assert "x3 <" in peeled.rules() and "x3" not in pasted.rules()
    assert pasted.coverage > peeled.coverage and pasted.density >= peeled.density
    assert (peeled.contains(x) <= pasted.contains(x)).all()  # pasting only moves limits outward


def test_threshold_out_of_reach_takes_densest_step() -> None:
    x, y = planted(noise=0.05)
    result = prim(x, y, threshold=1.0, paste=False)  # flipped labels inside: density 1 is unreachable
    densities = [b.density for b in result.trajectory]
    assert max(densities) < 1 and result.chosen.density == max(densities)
    assert result.chosen_step == densities.index(max(densities))


def test_rules_show_restricted_dimensions_only(clean: tuple[pd.DataFrame, np.ndarray, PrimResult]) -> None:
    rules = clean[2].chosen.rules()
    assert "x1 >" in rules and "x2 <" in rules and "x3" not in rules and " and " in rules
    bounds = {"a": (0.0, 1.0), "b": (0.0, 1000.0), "c": (-1.0, 1.0)}
    box = Box(limits={"a": (0.6, 1.0), "b": (0.0, 123.456), "c": (-0.25, 0.5)}, coverage=1, density=1, mass=1,
              bounds=bounds)
    assert box.rules() == "a > 0.6 and b < 123 and -0.25 < c < 0.5"  # three significant digits
    # Against wider design ranges a full-sample limit is still no rule; against narrower ones, a cut that
    # only reaches the design range is none either.
    assert box.rules({"a": (-1.0, 2.0), "b": (0.0, 100.0), "c": (-1.0, 1.0)}) == "a > 0.6 and -0.25 < c < 0.5"


def test_tree_boxes_find_planted_box() -> None:
    # In noiseless data a split at a true edge leaves a pure side, and sklearn puts splits halfway between
    # neighbouring sample values (~0.001 apart here). But a greedy depth-3 tree can land its first split
    # short of an edge and leave the sliver as a second True leaf (seen up to 0.021 over 200 seeds): tol 0.03.
    x, y = planted()
    boxes = tree_boxes(x, y)
    top = boxes[0]
    assert top.limits["x1"][0] == pytest.approx(0.6, abs=0.03)
    assert top.limits["x2"][1] == pytest.approx(0.3, abs=0.03)
    assert "x3" not in top.rules()
    assert all(b.density == 1 for b in boxes)  # leaves of a noiseless tree are pure
    assert sum(b.coverage for b in boxes) == pytest.approx(1)  # and together hold every case
    assert [(b.density, b.mass) for b in boxes] == sorted(((b.density, b.mass) for b in boxes), reverse=True)


def test_no_case_of_interest() -> None:
    x, y = planted()
    result = prim(x, np.zeros(len(x), dtype=bool))
    assert len(result.trajectory) == 1 and result.chosen.mass == 1
    assert result.chosen.coverage == 0 and result.chosen.density == 0
    assert result.chosen.rules() == "no case of interest"
    assert tree_boxes(x, np.zeros(len(x), dtype=bool)) == []
    json.dumps(to_json(result, []))


def test_all_cases_of_interest() -> None:
    # Every point is a case: no peel can raise density 1, so the full box is the answer.
    x, _ = planted(n=200)
    y = np.ones(len(x), dtype=bool)
    result = prim(x, y)
    assert len(result.trajectory) == 1
    assert (result.chosen.coverage, result.chosen.density, result.chosen.mass) == (1, 1, 1)
    assert result.chosen.rules() == "whole sampled range"
    [box] = tree_boxes(x, y)
    assert box.mass == 1 and box.contains(x).all()


def test_constant_and_tied_columns() -> None:
    # A constant column can never be peeled (the tied block is everything); an integer column with ties is
    # peeled a whole tied level at a time, so each peel still removes at least one point.
    rng = np.random.default_rng(1)
    n = 400
    x = pd.DataFrame({"const": np.full(n, 3.0), "level": rng.integers(0, 5, n).astype(float),
                      "u": rng.uniform(0, 1, n)})
    y = (x.level.to_numpy() >= 3) & (x.u.to_numpy() < 0.5)
    result = prim(x, y, threshold=0.9)
    box = result.chosen
    assert box.limits["const"] == (3.0, 3.0) and "const" not in box.rules()
    assert 2 < box.limits["level"][0] <= 3 and box.limits["u"][1] == pytest.approx(0.5, abs=0.06)
    assert box.density >= 0.9
    assert box.mass == pytest.approx(box.contains(x).mean())
    masses = [b.mass for b in result.trajectory]
    assert all(a > b for a, b in zip(masses, masses[1:], strict=False))


def test_to_json_round_trips(clean: tuple[pd.DataFrame, np.ndarray, PrimResult]) -> None:
    x, y, result = clean
    out = json.loads(json.dumps(to_json(result, tree_boxes(x, y))))
    assert out["chosen"]["rules"] == result.chosen.rules()
    assert set(out["chosen"]["restricted"]) == {"x1", "x2"}
    assert len(out["trajectory"]) == len(result.trajectory) and out["threshold"] == 0.9
    assert {"coverage", "density", "mass", "limits"} <= set(out["trajectory"][-1])
    assert out["tree_boxes"][0]["limits"]["x1"][0] == pytest.approx(0.6, abs=0.03)


def test_bad_input_is_refused() -> None:
    x, y = planted(n=50)
    with pytest.raises(ValueError, match="one flag per sample"):
        prim(x, y[:-1])
    with pytest.raises(ValueError, match="missing"):
        prim(x.assign(x1=np.nan), y)
