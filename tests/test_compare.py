"""`weishang compare --replicates R`: R seeds shared by every scenario, a mean and 95% interval per
scenario; one replicate keeps the one-seed comparison as it was."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats

from sim.cli import main
from sim.experiments.batch import replicate_seeds
from sim.experiments.runs import read_csv

FAST = ["--days", "20", "--set", "population.people=300"]


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def summary(folder) -> dict:
    return json.loads((folder / "summary.json").read_text())


def test_one_replicate_is_the_one_seed_comparison(tmp_path):
    result = invoke("compare", "honest", "pyramid", *FAST, "--seed", "4", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    rows = read_csv(tmp_path / "comparison.csv")
    # A row per scenario holding its run's own summary, the run folder right under OUT.
    for row, name in zip(rows, ("honest", "pyramid"), strict=True):
        assert row == summary(tmp_path / name) and row["seed"] == 4
    assert "mean of" not in result.output


def test_replicates_share_spawned_seeds_and_give_mean_and_interval(tmp_path):
    result = invoke("compare", "honest", "pyramid", *FAST, "--seed", "7", "--replicates", "3",
                    "--out", tmp_path)
    assert result.exit_code == 0, result.output
    seeds = replicate_seeds(7, 3)  # as `weishang batch --seed 7 --replicates 3` spawns them
    runs = {name: [summary(tmp_path / name / f"r{r:03d}") for r in range(3)]
            for name in ("honest", "pyramid")}
    for name, found in runs.items():
        assert [s["seed"] for s in found] == seeds, name  # the same seeds in every scenario
    rows = {r["scenario"]: r for r in read_csv(tmp_path / "comparison.csv")}
    assert set(rows) == {"honest", "pyramid"}
    for name, row in rows.items():
        assert row["replicates"] == 3 and row["seeds"] == " ".join(map(str, seeds))
        for metric in ("sellers_ever", "share_in_loss", "median_profit"):
            values = np.array([s[metric] for s in runs[name]], dtype=float)
            half = stats.t.ppf(0.975, 2) * values.std(ddof=1) / np.sqrt(3)
            assert row[f"{metric}_mean"] == pytest.approx(values.mean(), rel=1e-5, abs=1e-9)
            assert row[f"{metric}_lo"] == pytest.approx(values.mean() - half, rel=1e-5, abs=1e-9)
            assert row[f"{metric}_hi"] == pytest.approx(values.mean() + half, rel=1e-5, abs=1e-9)
    # Three different seeds of a pyramid do not all recruit the same people: the interval is not a point.
    assert rows["pyramid"]["sellers_ever_lo"] < rows["pyramid"]["sellers_ever_hi"]
    assert "mean of 3 runs" in result.output
    assert (tmp_path / "comparison.png").stat().st_size > 10_000
