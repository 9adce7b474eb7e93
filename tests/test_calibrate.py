"""`weishang calibrate` and `weishang forecast`: statistics read the same from records and runs, a
calibration is reproducible (jobs, resume, Dask), known parameters are recovered, a forecast's
levers act as they must, and bad input is one line with nothing written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from sim import WeishangModel, load_scenario
from sim.cli import main
from sim.common.intervals import weighted_quantiles
from sim.experiments.calibration.statistics import align, statistics
from sim.risk.convert import from_model
from sim.risk.schema import read_data
from sim.risk.writer import write_data

# A pyramid small enough to calibrate in seconds: 3,000 people, founders' trees over 60 days.
PEOPLE = {"population.people": 3000}
DAYS = 60
VARY = ["--vary", "sellers.recruit_base=-5:-1", "--vary", "sellers.dropout_per_year=0.1:0.9"]


def records(folder: Path, seed: int = 11, days: int = DAYS, **truth: float) -> Path:
    """Records of a pyramid run with known parameters, written in the data schema."""
    scenario = load_scenario("pyramid", {**PEOPLE, "run.days": days, **truth})
    model = WeishangModel(scenario, seed=seed)
    model.run()
    write_data(from_model(model), folder)
    return folder


@pytest.fixture(scope="module")
def observed(tmp_path_factory) -> Path:
    return records(tmp_path_factory.mktemp("data") / "records")


def calibrate(data: Path, out: Path, *extra: str, particles: int = 8, generations: int = 2):
    args = ["calibrate", "pyramid", "--data", str(data), *VARY, "--set", "population.people=3000",
            "--particles", str(particles), "--generations", str(generations), "--out", str(out), "-q", *extra]
    return CliRunner().invoke(main, args)


def test_records_and_runs_give_the_same_statistics(tmp_path):
    # The observed and the simulated side go through one function: a run's statistics read from
    # its records on disk equal those read from the model in memory.
    scenario = load_scenario("pyramid", {**PEOPLE, "run.days": DAYS})
    model = WeishangModel(scenario, seed=5)
    model.run()
    write_data(from_model(model), tmp_path / "d")
    data = read_data(tmp_path / "d")
    alignment = align(data, scenario["brands"], "d")
    assert alignment.months == 2 and alignment.founders == {"miracle": 5}
    on_disk, in_memory = statistics(data, alignment), statistics(from_model(model), alignment)
    assert on_disk == pytest.approx(in_memory)
    # joins by month count everyone who joined within the two months
    joined = int((model.people.join_day[model.people.ever_sellers()] < 60).sum())
    assert on_disk["joins_m00"] + on_disk["joins_m01"] == joined


def test_same_seed_same_posterior_with_one_or_two_workers_after_a_resume_and_on_dask(observed, tmp_path):
    one = calibrate(observed, tmp_path / "one", "-j", "1")
    assert one.exit_code == 0, one.output
    # two workers, stopped after the first generation and resumed: the same candidates are run
    first = calibrate(observed, tmp_path / "two", "-j", "2", generations=1)
    assert first.exit_code == 0, first.output
    resumed = calibrate(observed, tmp_path / "two", "-j", "2")
    assert resumed.exit_code == 0, resumed.output
    expected = (tmp_path / "one" / "posterior.csv").read_bytes()
    assert (tmp_path / "two" / "posterior.csv").read_bytes() == expected
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        on_dask = calibrate(observed, tmp_path / "dask", "--scheduler", cluster.scheduler_address)
    assert on_dask.exit_code == 0, on_dask.output
    assert (tmp_path / "dask" / "posterior.csv").read_bytes() == expected
    for name in ("posterior.csv", "predictive.csv", "calibrate.md", "calibrate.html", "history.db"):
        assert (tmp_path / "one" / name).is_file(), name
    assert {p.name for p in (tmp_path / "one" / "calibrate_figures").iterdir()} == {
        "marginals.png", "pairs.png", "generations.png", "predictive.png"}


def test_known_parameters_fall_inside_the_90_percent_credible_interval(tmp_path):
    # Records made with known values are fitted; each true value must lie in its 90% credible
    # interval, and the recruiting baseline's interval must be narrower than its prior (the joins
    # carry information about it). The full check, 10 cases, is benchmarks/recovery.py.
    cases = [{"sellers.recruit_base": -2.0, "sellers.dropout_per_year": 0.7}]
    for k, truth in enumerate(cases):
        data = records(tmp_path / f"data{k}", seed=21 + k, **truth)
        result = calibrate(data, tmp_path / f"fit{k}", particles=40, generations=3)
        assert result.exit_code == 0, result.output
        post = pd.read_csv(tmp_path / f"fit{k}" / "posterior.csv")
        for key, value in truth.items():
            lo, hi = weighted_quantiles(post[key].to_numpy(), post["weight"].to_numpy(), [0.05, 0.95])
            assert lo <= value <= hi, (key, value, lo, hi)
        lo, hi = weighted_quantiles(post["sellers.recruit_base"].to_numpy(), post["weight"].to_numpy(),
                                    [0.05, 0.95])
        assert hi - lo < 0.9 * 4.0


def test_a_forecast_lever_that_stops_recruiting_stops_growth(observed, tmp_path):
    fit = tmp_path / "fit"
    assert calibrate(observed, fit, generations=1).exit_code == 0
    # cap_depth at one level: from day 60 nobody below the founders may recruit. Every variant of a
    # draw runs the same seed, so up to day 60 the runs are the same; after it the capped one
    # gains no one, so it never has more participants than doing nothing.
    result = CliRunner().invoke(main, ["forecast", str(fit), "--days", "60", "-r", "3", "-q",
                                       "--intervention", "cap_depth:levels=1"])
    assert result.exit_code == 0, result.output
    runs = pd.read_csv(fit / "forecast" / "forecast_runs.csv")
    base = runs[runs["variant"] == "no intervention"].set_index("draw")
    capped = runs[runs["variant"] == "cap_depth:levels=1"].set_index("draw")
    assert (capped["participants"] <= base["participants"]).all()
    summary = pd.read_csv(fit / "forecast" / "forecast.csv").set_index("variant")
    assert summary.loc["no intervention", "losses_averted"] == 0
    paths = pd.read_csv(fit / "forecast" / "trajectories.csv")
    assert paths["day"].max() == 120  # the records' 60 days and 60 more
    for name in ("forecast.md", "forecast.html", "forecast_figures/trajectories.png"):
        assert (fit / "forecast" / name).is_file()


def one_line_error(result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    for word in words:
        assert word in lines[0], lines[0]


def test_records_that_do_not_fit_the_scenario_are_refused_with_nothing_written(observed, tmp_path):
    def altered(name: str, change) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        for f in observed.iterdir():
            (folder / f.name).write_bytes(f.read_bytes())
        change(folder)
        return folder

    def edit(file: str, old: str, new: str):
        def change(folder: Path) -> None:
            path = folder / file
            path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        return change

    tier = altered("tier", edit("participants.csv", "general agent", "platinum"))  # the founders' tier
    def rename_brand(folder: Path) -> None:  # in every file that names it, so the records agree
        for file in ("participants.csv", "orders.csv"):
            edit(file, "miracle", "other")(folder)

    brand = altered("brand", rename_brand)
    short = records(tmp_path / "short", days=20)
    out = tmp_path / "out"
    one_line_error(calibrate(tier, out), "tier 'platinum'", "not in the scenario's plan")
    one_line_error(calibrate(brand, out), "brand 'other'", "not in the scenario")
    one_line_error(calibrate(short, out), "at least a month")
    bad_range = CliRunner().invoke(main, ["calibrate", "pyramid", "--data", str(observed), "--out", str(out),
                                          "--vary", "sellers.dropout_per_year=0.5:2"])
    one_line_error(bad_range, "outside the parameter's bounds", "[0, 1]")
    unknown = CliRunner().invoke(main, ["calibrate", "pyramid", "--data", str(observed), "--out", str(out),
                                        "--vary", "sellers.no_such_key=0:1"])
    one_line_error(unknown, "sellers.no_such_key")
    neither = CliRunner().invoke(main, ["calibrate", "pyramid", *VARY, "--out", str(out)])
    one_line_error(neither, "--data DIR or --patterns")
    assert not out.exists()
    # a forecast needs a calibration folder; a calibration folder of another calibration is kept
    one_line_error(CliRunner().invoke(main, ["forecast", str(tmp_path), "--days", "30"]),
                   "not a calibration folder")
    fit = tmp_path / "fit"
    assert calibrate(observed, fit, generations=1).exit_code == 0
    other = CliRunner().invoke(main, ["calibrate", "hoarding", "--data", str(observed), *VARY,
                                      "--set", "population.people=3000", "--out", str(fit), "-q"])
    one_line_error(other)
    mixed = CliRunner().invoke(main, ["calibrate", "pyramid", "--data", str(observed), "--vary",
                                      "sellers.recruit_base=-4:-2", "--set", "population.people=3000",
                                      "--particles", "8", "--out", str(fit), "-q"])
    one_line_error(mixed, "holds a different calibration")
    bad_lever = CliRunner().invoke(main, ["forecast", str(fit), "--days", "30", "--intervention", "ban_ads"])
    one_line_error(bad_lever, "unknown action 'ban_ads'")
    assert not (fit / "forecast").exists()


def test_fitting_to_published_patterns_aims_at_the_middle_of_each_range(tmp_path):
    out = tmp_path / "p"
    result = CliRunner().invoke(main, ["calibrate", "pyramid", "--patterns", "--vary",
                                       "sellers.dropout_per_year=0.2:0.8", "--set", "population.people=2000",
                                       "--particles", "5", "--generations", "1", "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    import json

    record = json.loads((out / "calibration.json").read_text())
    assert record["observed"]["P1"] == pytest.approx((0.001 + 0.02) / 2)
    assert record["observed"]["P3"] == pytest.approx((0.95 + 1.0) / 2)
    post = pd.read_csv(out / "posterior.csv")
    assert len(post) == 5 and np.isclose(post["weight"].sum(), 1.0)
    assert post["sellers.dropout_per_year"].between(0.2, 0.8).all()
