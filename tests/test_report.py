"""The batch and sweep report: every figure written and embedded, reproducible, robust to failures."""

from __future__ import annotations

import base64
import csv
import html
import json
import re
import shlex
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import bundled

from sim.cli import main
from sim.experiments.batch import read_series, run_batch
from sim.reports.batch_figures import BatchGroup
from sim.reports.batch_report import load_groups, metric_cell, short_keys, spread_cell, write_batch_report
from sim.reports.sweep_figures import is_grid, lever_grid, lever_points, map_pairs

SMALL = {"population.people": 300, "run.days": 30}
SERIES_FIGURES = {"sellers_by_tier.png", "stock.png", "flows.png", "trust.png", "share_in_loss.png",
                  "profit_by_tier.png", "profit_by_cohort.png", "income_by_source.png", "brand_money.png"}
COMMAND = ["weishang", "batch", "honest", "pyramid", "--replicates", "2", "--seed", "5", "--days", "30",
           "--set", "population.people=300"]


@pytest.fixture(scope="module")
def batch_folder(tmp_path_factory) -> Path:
    """Two scenarios x two replicates, tables written, no report yet."""
    folder = tmp_path_factory.mktemp("report") / "batch"
    run_batch([bundled("honest", SMALL), bundled("pyramid", SMALL)], 2, folder, root_seed=5, jobs=1,
              command=COMMAND)
    return folder


def check_self_contained(folder: Path, names: set[str]) -> str:
    """Every named figure exists, is a real picture, and is embedded in report.html; returns the HTML."""
    page = (folder / "report.html").read_text(encoding="utf-8")
    markdown = (folder / "report.md").read_text(encoding="utf-8")
    assert {p.name for p in (folder / "figures").glob("*.png")} == names
    for name in names:
        data = (folder / "figures" / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 8000, name
        assert f'src="data:image/png;base64,{base64.b64encode(data).decode()}"' in page, name
        assert f"](figures/{name})" in markdown, name
    # Nothing to fetch: every src/href is a data URI, and no stylesheet or script is linked.
    refs = re.findall(r"""(?:src|href)\s*=\s*["']?([^"'\s>]*)""", page)
    assert refs and all(r.startswith("data:") for r in refs)
    assert not re.search(r"https?://", page)
    assert "<script" not in page and "<link" not in page
    return page


def test_batch_report_has_every_figure_and_states_how_to_reproduce(batch_folder):
    path = write_batch_report(batch_folder)
    assert path == batch_folder / "report.html"
    page = check_self_contained(batch_folder, SERIES_FIGURES)
    markdown = (batch_folder / "report.md").read_text(encoding="utf-8")
    manifest = json.loads((batch_folder / "manifest.json").read_text())
    seeds = {r["seed"] for r in manifest["runs"].values()}
    assert len(seeds) == 2
    for text in (page, markdown):
        assert html.escape(shlex.join(COMMAND)) in text or shlex.join(COMMAND) in text
        assert "Root seed 5" in text
        assert all(str(seed) in text for seed in seeds)
        assert manifest["git_commit"] is None or manifest["git_commit"] in text
        assert "mesa " + manifest["versions"]["mesa"] in text
        assert "None: every planned run completed." in text
    # One row per scenario, each metric as mean [lo, hi] over the two replicates; then the spread
    # table, a row per scenario again, each metric as [q25, q75] (q05 to q95).
    rows = [line for line in markdown.splitlines() if line.startswith(("| honest |", "| pyramid |"))]
    assert len(rows) == 4 and all(line.count("[") == 7 and "| 2 |" in line for line in rows)
    assert all(line.count(" to ") == 0 for line in rows[:2])
    assert all(line.count(" to ") == 7 for line in rows[2:])
    assert "Spread over runs" in markdown and "middle 90% of runs" in markdown
    assert "sweep_" not in page


def test_report_lists_failed_runs_and_leaves_them_out(batch_folder, tmp_path):
    folder = tmp_path / "batch"
    shutil.copytree(batch_folder, folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["runs"]["honest__base__r001"].update(status="failed", error="RuntimeError: injected failure")
    shutil.rmtree(folder / "runs" / "honest__base__r001")
    shutil.rmtree(folder / "runs" / "pyramid__base__r000")  # marked done, but its files are gone
    (folder / "manifest.json").write_text(json.dumps(manifest))
    write_batch_report(folder)
    page = check_self_contained(folder, SERIES_FIGURES)
    markdown = (folder / "report.md").read_text(encoding="utf-8")
    for text in (page, markdown):
        assert "RuntimeError: injected failure" in text and "honest__base__r001" in text
        assert "pyramid__base__r000" in text and "run folder incomplete" in text
    rows = [line for line in markdown.splitlines() if line.startswith(("| honest |", "| pyramid |"))]
    assert len(rows) == 2 and all("| 1 |" in line and "[" not in line for line in rows)
    assert "Spread over runs" not in markdown  # one run per group: no spread to show


def test_report_without_any_completed_run(batch_folder, tmp_path):
    folder = tmp_path / "batch"
    shutil.copytree(batch_folder, folder, ignore=shutil.ignore_patterns("runs", "figures", "report.*"))
    manifest = json.loads((folder / "manifest.json").read_text())
    for record in manifest["runs"].values():
        record.update(status="failed", error="MemoryError: out of memory")
    (folder / "manifest.json").write_text(json.dumps(manifest))
    write_batch_report(folder)
    markdown = (folder / "report.md").read_text(encoding="utf-8")
    assert "No run completed" in markdown and markdown.count("MemoryError") == 4
    assert not list((folder / "figures").iterdir())


def test_sweep_report_with_one_replicate_has_parameter_figures(tmp_path):
    out = tmp_path / "sweep"
    args = ["sweep", "pyramid", "--vary", "brands.0.recruit_bonus=0,400",
            "--vary", "brands.0.quality=0.2,0.6", "-r", "1", "--days", "30",
            "--set", "population.people=300", "--out", str(out), "-j", "1", "--no-report", "-q"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    write_batch_report(out)
    sweep_figures = {"sweep_brands_0_recruit_bonus.png", "sweep_brands_0_quality.png",
                     "map_brands_0_recruit_bonus__brands_0_quality.png"}  # the two levers together
    page = check_self_contained(out, SERIES_FIGURES | sweep_figures)
    markdown = (out / "report.md").read_text(encoding="utf-8")
    command = json.loads((out / "manifest.json").read_text())["command"]
    assert command[:2] == ["weishang", "sweep"] and shlex.join(command) in markdown
    assert "Parameter points" in page and "| p003 | 400 | 0.6 |" in markdown
    assert "one replicate" in markdown  # no band and no interval with a single replicate
    rows = [line for line in markdown.splitlines() if line.startswith("| p00")]
    assert any("recruit_bonus=400, quality=0.6" in line and "[" not in line for line in rows)


def test_short_keys_and_metric_cells():
    assert short_keys(["brands.0.quality", "brands.1.quality", "run.days"]) == {
        "brands.0.quality": "0.quality", "brands.1.quality": "1.quality", "run.days": "days"}
    assert metric_cell(np.array([0.5])) == "0.5"
    assert metric_cell(np.array([np.nan])) == "-"
    # A share's interval stops at the ends of its range; a profit's does not.
    assert metric_cell(np.array([0.9, 1.0]), (0.0, 1.0)).endswith(", 1]")
    assert metric_cell(np.array([-20000.0, 10000.0])) == "-5,000 [-195,593, 185,593]"


def test_spread_is_the_runs_quantiles_beside_the_interval_of_the_mean(batch_folder):
    """Two runs: numpy's linear quantiles put q25 a quarter of the way from the lower run to the upper,
    q05 a twentieth, whatever the interval of the mean does (with n=2 it is far wider than the runs)."""
    manifest = json.loads((batch_folder / "manifest.json").read_text())
    groups, _ = load_groups(batch_folder, manifest)
    pyramid = next(g for g in groups if g.scenario == "pyramid")
    runs = [read_series(batch_folder / "runs" / r / "timeseries.csv") for r in pyramid.run_ids]
    column = runs[0][0].index("sellers")
    low, high = np.minimum(*(v[:, column] for _, v in runs)), np.maximum(*(v[:, column] for _, v in runs))
    q = pyramid.spread["sellers"]
    for k, share in enumerate((0.05, 0.25, 0.75, 0.95)):
        np.testing.assert_allclose(q[k], low + share * (high - low))
    mean, lo, hi = pyramid.bands["sellers"]
    varied = high > low
    assert varied.any()  # two seeds of a pyramid differ on some day
    assert np.all(lo[varied] < q[0][varied]) and np.all(q[3][varied] < hi[varied])
    # aggregate.csv carries the same quantiles, by day, beside the mean and its interval.
    with open(batch_folder / "aggregate.csv", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["scenario"] == "pyramid"]
    day = int(np.argmax(high - low))
    row = rows[day]
    assert float(row["sellers_q25"]) == pytest.approx(q[1][day], rel=1e-5)
    assert float(row["sellers_q95"]) == pytest.approx(q[3][day], rel=1e-5)
    assert float(row["sellers_q05"]) <= float(row["sellers_mean"]) <= float(row["sellers_q95"])


def test_spread_cells():
    assert spread_cell(np.array([1.0])) == "-"  # one run: no spread
    assert spread_cell(np.array([0.0, 100.0, np.nan])) == "[25, 75] (5 to 95)"


def group(point: dict, **finals: list[float]) -> BatchGroup:
    g = BatchGroup("s", "p", point, "", "")
    g.finals = {k: np.array(v, dtype=float) for k, v in finals.items()}
    return g


def test_a_grid_map_averages_replicates_then_the_other_lever():
    """2 x 2 grid of bonus and quality, a third lever (days) at two values: a cell is the mean of its
    two points, each the mean of its replicates, so a point with more replicates weighs no more."""
    groups = [group({"bonus": b, "quality": q, "days": d}, share_in_loss=[b / 1000 + q + d / 100] * reps)
              for b in (400, 0) for q in (0.2, 0.6) for d, reps in ((10, 1), (30, 3))]
    groups[0].finals["share_in_loss"][0] = np.nan  # a run without the metric counts for nothing
    assert is_grid(groups, "bonus", "quality")
    grid = lever_grid(groups, "bonus", "quality", "share_in_loss")
    assert grid.xs == [0, 400] and grid.ys == [0.2, 0.6]  # numeric order, not order of the points
    # The mean of days 10 and 30 adds 0.2, whatever the replicate counts; bonus 400 at quality 0.2 has
    # only its days=30 point left, so 0.4 + 0.2 + 0.3.
    np.testing.assert_allclose(grid.values, [[0.4, 0.9], [0.8, 1.2]])
    assert grid.points.tolist() == [[2, 1], [2, 2]]  # rows: quality; columns: bonus
    assert map_pairs(groups, ["bonus", "quality", "days"]) == [("bonus", "quality"), ("bonus", "days"),
                                                              ("quality", "days")]


def test_a_latin_hypercube_is_mapped_by_points_not_cells():
    rng = np.random.default_rng(3)
    groups = [group({"bonus": float(b), "quality": float(q)}, median_profit=[b - q, b + q])
              for b, q in rng.uniform(0, 1, (8, 2))]
    groups.append(group({"bonus": 0.5, "quality": 0.5}))  # no completed run with the metric: left out
    assert not is_grid(groups, "bonus", "quality")
    data = lever_points(groups, "bonus", "quality", "median_profit")
    assert data.shape == (8, 3)
    np.testing.assert_allclose(data[:, 2], data[:, 0])  # mean of b - q and b + q is b
    assert map_pairs(groups, ["bonus", "quality"]) == [("bonus", "quality")]
    # A lever of lists can be on a grid (one cell per value) but not interpolated.
    lists = [group({"mix": [m], "quality": q}) for m in (1, 2) for q in (0.1, 0.3, 0.5)]
    assert map_pairs(lists, ["mix", "quality"]) == [("mix", "quality")]
    assert map_pairs(lists[:-1], ["mix", "quality"]) == []  # an incomplete grid of lists: no map
