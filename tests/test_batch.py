"""Batches and sweeps: seeds, parallel and Dask equivalence, resume, failures, bad input."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import ROOT, bundled, stop_after

from sim.cli import main
from sim.experiments.batch import PRELOAD, replicate_seeds, run_batch
from sim.experiments.sweep import design, parse_vary
from sim.model.scenario import load_scenario

SMALL = {"population.people": 300, "run.days": 30}


def rows(folder: Path) -> list[dict]:
    with open(folder / "summary.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def comparable(folder: Path) -> list[dict]:
    """summary.csv without the timing column, which legitimately differs between runs."""
    return [{k: v for k, v in r.items() if k != "seconds"} for r in rows(folder)]


def test_replicates_share_seeds_across_scenarios_and_seeds_are_spawned(tmp_path):
    scenarios = [bundled("honest", SMALL), bundled("pyramid", SMALL)]
    manifest = run_batch(scenarios, 3, tmp_path / "b", root_seed=11, jobs=1)
    seeds = {}
    for record in manifest["runs"].values():
        seeds.setdefault(record["replicate"], set()).add(record["seed"])
    assert all(len(s) == 1 for s in seeds.values()), "replicate r has one seed in every scenario"
    assert [seeds[r].pop() for r in range(3)] == replicate_seeds(11, 3)
    assert len(set(replicate_seeds(11, 3))) == 3
    table = rows(tmp_path / "b")
    assert len(table) == 6 and {r["status"] for r in table} == {"done"}
    with open(tmp_path / "b" / "aggregate.csv", newline="") as handle:
        aggregate = list(csv.DictReader(handle))
    assert len(aggregate) == 2 * 31  # two scenarios x days 0..30
    row = aggregate[-1]
    assert float(row["sellers_lo"]) <= float(row["sellers_mean"]) <= float(row["sellers_hi"])


def test_one_job_two_jobs_and_dask_give_identical_summaries(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    scenarios = [bundled("hoarding", SMALL), bundled("pyramid", SMALL)]
    run_batch(scenarios, 2, tmp_path / "one", jobs=1)
    run_batch(scenarios, 2, tmp_path / "two", jobs=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        run_batch(scenarios, 2, tmp_path / "dask", scheduler=cluster.scheduler_address)
    assert comparable(tmp_path / "one") == comparable(tmp_path / "two") == comparable(tmp_path / "dask")
    for name in ("two", "dask"):
        a = (tmp_path / "one" / "runs" / "pyramid__base__r001" / "timeseries.csv").read_bytes()
        assert a == (tmp_path / name / "runs" / "pyramid__base__r001" / "timeseries.csv").read_bytes()


def test_interrupted_batch_resumes_without_losing_or_repeating_runs(tmp_path):
    scenarios = [bundled("honest", SMALL), bundled("pyramid", SMALL)]
    out = tmp_path / "b"

    with pytest.raises(KeyboardInterrupt):
        run_batch(scenarios, 3, out, jobs=1, progress=stop_after(2))
    manifest = json.loads((out / "manifest.json").read_text())
    done = {k for k, r in manifest["runs"].items() if r["status"] == "done"}
    assert len(done) >= 2
    stamps = {k: os.stat(out / "runs" / k / "summary.json").st_mtime_ns for k in done}
    run_batch(scenarios, 3, out, jobs=1)
    assert {k: os.stat(out / "runs" / k / "summary.json").st_mtime_ns for k in done} == stamps, \
        "runs finished before the interruption are not run again"
    run_batch(scenarios, 3, tmp_path / "clean", jobs=1)
    assert comparable(out) == comparable(tmp_path / "clean")


def test_killed_batch_process_resumes(tmp_path):
    out = tmp_path / "b"
    command = [sys.executable, "-m", "sim.cli", "batch", "honest", "hoarding", "-r", "4", "-j", "1",
               "--set", "population.people=300", "--days", "40", "--out", str(out), "--quiet",
               "--no-report"]
    process = subprocess.Popen(command, cwd=ROOT, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    done = 0
    while done < 2 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # polling the manifest for progress, not timing the test
        try:
            manifest = json.loads((out / "manifest.json").read_text())
            done = sum(r["status"] == "done" for r in manifest["runs"].values())
        except (FileNotFoundError, json.JSONDecodeError):
            pass
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert done >= 2
    result = CliRunner().invoke(main, command[3:])
    assert result.exit_code == 0, result.output
    table = rows(out)
    assert sorted(r["run_id"] for r in table) == sorted({r["run_id"] for r in table})
    assert len(table) == 8 and {r["status"] for r in table} == {"done"}
    assert not [p for p in (out / "runs").iterdir() if p.name.startswith(".")]


def test_a_failing_run_is_recorded_and_the_batch_goes_on(tmp_path):
    edges = tmp_path / "edges.txt"
    edges.write_text("\n".join(f"{i} {(i + 1) % 40}" for i in range(40)))
    spec = tmp_path / "ring.toml"
    spec.write_text('[population]\ngraph = "edgelist"\nedgelist = "edges.txt"\n[run]\ndays = 10\n')
    ring = load_scenario(spec)
    edges.unlink()  # valid when loaded; gone when the runs start
    manifest = run_batch([ring, bundled("honest", SMALL)], 2, tmp_path / "b", jobs=2)
    status = {k: r["status"] for k, r in manifest["runs"].items()}
    assert [status[f"ring__base__r00{i}"] for i in range(2)] == ["failed", "failed"]
    assert [status[f"honest__base__r00{i}"] for i in range(2)] == ["done", "done"]
    failed = [r for r in rows(tmp_path / "b") if r["status"] == "failed"]
    assert len(failed) == 2 and all("edges.txt" in r["error"] for r in failed)


def test_grid_sweep_covers_every_combination(tmp_path):
    result = CliRunner().invoke(main, [
        "sweep", "pyramid", "--vary", "brands.0.quality=0.2,0.6", "--vary", "brands.0.recruit_bonus=0:400:3",
        "-r", "2", "--days", "20", "--set", "population.people=300", "--out", str(tmp_path / "s"),
        "-j", "2", "--quiet", "--no-report"])
    assert result.exit_code == 0, result.output
    table = rows(tmp_path / "s")
    combos = {(float(r["brands.0.quality"]), float(r["brands.0.recruit_bonus"])) for r in table}
    assert combos == {(q, b) for q in (0.2, 0.6) for b in (0.0, 200.0, 400.0)}
    assert len(table) == 12


def test_latin_hypercube_puts_one_sample_in_each_stratum_of_each_range():
    varies = [parse_vary("brands.0.quality=0.1:0.9"), parse_vary("population.people=500:2500")]
    points = design(varies, "lhs", samples=8, seed=3)
    assert len(points) == 8
    q = np.array([p["brands.0.quality"] for p in points])
    assert ((q >= 0.1) & (q <= 0.9)).all()
    assert sorted(np.floor((q - 0.1) / 0.8 * 8).astype(int)) == list(range(8))
    people = [p["population.people"] for p in points]
    assert all(isinstance(n, int) and 500 <= n <= 2500 for n in people)
    assert design(varies, "lhs", samples=8, seed=3) == points, "same seed, same design"


@pytest.mark.parametrize("args, words", [
    (["--vary", "brands.0.quality=0.9:0.1"], ["brands.0.quality", "lo < hi"]),
    (["--vary", "brands.0.quality"], ["key.path=v1,v2"]),
    (["--vary", "brands.0.qualty=0.1,0.2"], ["brands.0.qualty", "did you mean 'quality'"]),
    (["--vary", "brands.0.quality=0.1,2.0"], ["brands.0.quality", "0.0 to 1.0"]),
    (["--vary", "brands.0.quality=0.1:0.9", "--sample", "lhs"], ["--samples"]),
    (["--vary", "brands.0.quality=0.1,0.5", "--sample", "lhs", "--samples", "4"], ["range lo:hi"]),
    (["--vary", "brands.0.quality=0.1:0.9"], ["lo:hi:n"]),
    (["--vary", "brands.0.quality=0.1,0.2", "--set", "brands.0.price=1"], ["brands.0.price"]),
])
def test_bad_vary_and_set_are_one_line_exit_2_and_write_nothing(tmp_path, args, words):
    out = tmp_path / "s"
    result = CliRunner().invoke(main, ["sweep", "pyramid", *args, "--out", str(out)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    for word in words:
        assert word in lines[0]
    assert not out.exists()


def test_a_folder_holding_another_batch_is_not_mixed_up(tmp_path):
    run_batch([bundled("honest", SMALL)], 1, tmp_path / "b", jobs=1)
    result = CliRunner().invoke(main, ["batch", "pyramid", "-r", "1", "--days", "5", "--out",
                                       str(tmp_path / "b"), "--quiet"])
    assert result.exit_code == 2 and "different batch" in result.output


def test_a_rerun_with_other_settings_is_refused_not_mixed(tmp_path):
    out = tmp_path / "b"
    args = ["batch", "honest", "-r", "2", "--set", "population.people=200", "--out", str(out), "-q",
            "--no-report"]
    first = CliRunner().invoke(main, [*args, "--days", "5"])
    assert first.exit_code == 0 and "2 runs done, 0 failed" in first.output
    again = CliRunner().invoke(main, [*args, "--days", "5"])
    assert again.exit_code == 0 and "2 runs done (2 already complete, skipped), 0 failed" in again.output
    result = CliRunner().invoke(main, [*args, "--days", "20"])
    assert result.exit_code == 2 and "different batch" in result.output


def test_the_forkserver_preloads_modules_that_exist():
    # The forkserver skips a preload name it cannot import without a word: a renamed module would
    # only show as slower workers.
    import importlib.util

    assert [name for name in PRELOAD if importlib.util.find_spec(name) is None] == []


def test_one_replicate_has_no_interval(tmp_path):
    run_batch([bundled("honest", SMALL)], 1, tmp_path / "b", jobs=1)
    with open(tmp_path / "b" / "aggregate.csv", newline="") as handle:
        row = list(csv.DictReader(handle))[-1]
    assert row["sellers_lo"] == "nan" and row["sellers_hi"] == "nan" and row["sellers_mean"] != "nan"
