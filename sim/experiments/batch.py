"""Batches: scenarios x parameter points x replicates, run in parallel, resumable.

A batch folder holds `manifest.json` (the plan and every run's status), `runs/RUN_ID/`
(each a `weishang run` folder, written by the worker, atomically), `series/` (every run's daily
series as a Parquet dataset: a part a run, written by the worker after its folder, merged into one
file per scenario and point when the tables are written: `sim.experiments.compact`), `summary.csv`
and `summary.parquet` (a row a run), `aggregate.csv` (per scenario, point and day: mean and 95%
interval of each series, and the 5%, 25%, 75% and 95% quantiles of the runs), `figures/` and the
report.

Seeds: one root seed spawns the replicates' seeds (`numpy.random.SeedSequence`); replicate r
gets the same seed in every scenario and at every point, so that two arms differ by
mechanism, not by noise. Runs go through a `concurrent.futures` executor: local processes,
or a Dask cluster's executor when a scheduler address is given. A re-run of the same command
skips the runs already complete.

Faults: the workers stop with the batch process however it ends (`sim.experiments.executors`), so
no run finishes unrecorded after the parent has gone; a run the parent did not record stays
pending and is run again, once, on resume. A full disk or a dead worker stops the batch (the
runs left stay pending) instead of failing every run after it.
"""

from __future__ import annotations

import csv
import json
import shutil
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from sim.common.files import DISK_FULL, remove_leftovers, write_csv, write_json
from sim.common.intervals import SPREAD_NAMES, interval, spread
from sim.experiments import compact, store
from sim.experiments.executors import PRELOAD, BatchError, executor  # noqa: F401 (imported from here too)
from sim.experiments.runs import provenance, scenario_hash
from sim.model.scenario import Scenario


class BatchStopped(RuntimeError):
    """A batch stopped before its end by something outside any one run (a worker process killed);
    the folder is consistent and a re-run resumes it. str() is one line."""


@dataclass
class RunSpec:
    """One run of a batch: which scenario, at which parameter point, which replicate."""

    run_id: str
    scenario: str
    point_id: str
    point: dict
    replicate: int
    seed: int
    status: str = "pending"  # pending / done / failed
    error: str | None = None
    seconds: float | None = None
    data: dict = field(default_factory=dict, repr=False)  # the resolved scenario
    path: str = ""  # the scenario file
    scenario_hash: str = ""  # of the resolved scenario: a resume must run the same scenario


def replicate_seeds(root_seed: int, replicates: int) -> list[int]:
    """One seed per replicate, spawned from the root seed."""
    children = np.random.SeedSequence(root_seed).spawn(replicates)
    return [int(child.generate_state(1, dtype=np.uint32)[0]) for child in children]


def _point_id(k: int) -> str:
    return f"p{k:03d}"


def points_by_id(points: Sequence[dict]) -> dict[str, dict]:
    """The parameter points under the ids their runs carry (p000, p001, ...), as the manifest
    and the reports list them."""
    return {_point_id(k): point for k, point in enumerate(points)}


def plan(scenarios: Sequence[Scenario], replicates: int, root_seed: int,
         points: Sequence[dict] | None = None) -> list[RunSpec]:
    """Every run of the batch, with its seed; points are `{key.path: value}` overrides."""
    points = list(points) if points else [{}]
    seeds = replicate_seeds(root_seed, replicates)
    specs = []
    for scenario in scenarios:
        for k, point in enumerate(points):
            resolved = scenario.with_overrides(point) if point else scenario
            point_id = _point_id(k) if point else "base"
            digest = scenario_hash(resolved.data)
            for r, seed in enumerate(seeds):
                specs.append(RunSpec(f"{scenario.name}__{point_id}__r{r:03d}", scenario.name, point_id,
                                     dict(point), r, seed, data=resolved.data,
                                     path=str(scenario.path or ""), scenario_hash=digest))
    return specs


def execute(spec: RunSpec, folder: str) -> float:
    """Run one spec (in a worker) and write its run folder; returns run seconds."""
    from sim.experiments.runs import write_run
    from sim.model.model import WeishangModel  # imported in the worker

    start = time.perf_counter()
    scenario = Scenario(spec.data, Path(spec.path) if spec.path else None)
    model = WeishangModel(scenario, seed=spec.seed)
    model.run()
    seconds = time.perf_counter() - start
    write_run(model, Path(folder), seconds, force=True)  # no figures: the report draws them per group
    # After the run folder, before the parent records the run: a kill in between leaves the run
    # pending (rerun on resume), never a part of a run the manifest calls done without it.
    compact.write_part(Path(folder).parents[1], model.datacollector.model_vars, spec.run_id, spec.scenario,
                     spec.point_id, spec.replicate)
    return seconds


class Batch:
    """A batch folder: its manifest, its runs, and the tables made from them."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.runs_dir = self.folder / "runs"
        self.manifest_path = self.folder / "manifest.json"

    def load(self) -> dict | None:
        """The manifest, or None when the folder holds no batch yet."""
        if not self.manifest_path.is_file():
            return None
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))

    def save(self, manifest: dict) -> None:
        write_json(self.manifest_path, manifest)  # atomic: a killed batch leaves the last good one

    def start(self, specs: list[RunSpec], header: dict) -> dict:
        """A new manifest, or the existing one when it plans the same runs (resume)."""
        old = self.load()
        runs = {s.run_id: _record(s) for s in specs}
        if old is not None:
            def plan_of(records: dict) -> dict:
                return {k: (v["seed"], v["point"], v.get("scenario_hash")) for k, v in records.items()}

            if plan_of(old["runs"]) != plan_of(runs):
                raise BatchError(f"{self.folder}: holds a different batch (other scenarios, settings, "
                                 "points, replicates or seed); use another --out")
            for run_id, record in old["runs"].items():
                if record["status"] == "done" and (self.runs_dir / run_id / "summary.json").is_file():
                    runs[run_id].update(status="done", seconds=record.get("seconds"))
        created = not self.folder.exists()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.runs_dir.mkdir(exist_ok=True)
            self.tidy()
            manifest = {**header, "runs": runs}
            self.save(manifest)
        except OSError:
            if created:  # a new batch that could not even be started (disk full) leaves nothing
                shutil.rmtree(self.folder, ignore_errors=True)
            raise
        return manifest

    def tidy(self) -> None:
        """Remove what a process killed mid-write left: temporary run folders, manifest, tables and
        figures (the hidden .NAME.tmp and .NAME.old of the atomic writers)."""
        remove_leftovers(self.folder)
        remove_leftovers(self.runs_dir)
        compact.tidy(self.folder)

    def write_tables(self, manifest: dict) -> None:
        """summary.csv, summary.parquet, the series compacted (a file per scenario and point, the
        done runs' parts merged into it) and aggregate.csv, from the runs the manifest marks done."""
        write_summary(self.folder, manifest)
        store.write_summary_parquet(self.folder)
        compact.compact_batch(self.folder, store.done_records(manifest))
        write_aggregate(self.folder, manifest)


def _record(spec: RunSpec) -> dict:
    record = asdict(spec)
    del record["data"], record["path"]
    return record


def run_batch(scenarios: Sequence[Scenario], replicates: int, out: Path, *, root_seed: int = 1,
              points: Sequence[dict] | None = None, jobs: int | None = None,
              scheduler: str | None = None, command: Sequence[str] | None = None,
              kind: str = "batch", extra: dict | None = None,
              progress: Callable[[dict], None] | None = None) -> dict:
    """Run (or resume) a batch; returns the manifest. A failing run is recorded and skipped.

    `progress` gets counts of runs done, failed, remaining, total, and skipped (complete before
    this call). Ctrl-C or SIGTERM (KeyboardInterrupt), a full disk (OSError) or a dead worker
    (BatchStopped) end the call with the workers stopped, the manifest saved as far as it got and
    the folder resumable.
    """
    specs = plan(scenarios, replicates, root_seed, points)
    batch = Batch(out)
    header = {"kind": kind, "command": list(command or []), "root_seed": root_seed,
              "replicates": replicates, "scenarios": {s.name: s.to_dict() for s in scenarios},
              "scenario_hashes": {s.name: scenario_hash(s.data) for s in scenarios}, **provenance(),
              **(extra or {})}
    manifest = None
    try:
        with executor(jobs, scheduler) as pool:  # an unreachable scheduler fails before anything is written
            manifest = batch.start(specs, header)
            todo = [s for s in specs if manifest["runs"][s.run_id]["status"] != "done"]
            skipped = len(specs) - len(todo)
            counts = {"done": skipped, "failed": 0, "remaining": len(todo), "total": len(specs),
                      "skipped": skipped}
            if progress:
                progress(counts)
            if todo:
                _run_all(pool, todo, batch, manifest, counts, progress)
    except BaseException as exc:
        if manifest is not None:  # the workers are stopped by now: nothing changes under us
            _wind_up(batch, manifest, tables=isinstance(exc, KeyboardInterrupt))
        raise
    batch.write_tables(manifest)
    return manifest


def _run_all(pool: Executor, todo: list[RunSpec], batch: Batch, manifest: dict, counts: dict,
             progress: Callable[[dict], None] | None) -> None:
    futures = {pool.submit(execute, spec, str(batch.runs_dir / spec.run_id)): spec for spec in todo}
    for future in as_completed(futures):
        spec = futures[future]
        record = manifest["runs"][spec.run_id]
        try:
            record.update(status="done", seconds=round(future.result(), 3), error=None)
            counts["done"] += 1
        except BrokenProcessPool:
            raise BatchStopped(f"{batch.folder}: a worker process died (killed, or out of memory?); "
                               "rerun the same command to resume") from None
        except OSError as exc:
            if exc.errno in DISK_FULL:  # every run after this one would fail the same way
                raise
            _failed(record, exc, counts)
        except Exception as exc:  # noqa: BLE001 - any failure of one run is recorded
            _failed(record, exc, counts)
        counts["remaining"] -= 1
        batch.save(manifest)
        if progress:
            progress(counts)


def _failed(record: dict, exc: Exception, counts: dict) -> None:
    record.update(status="failed", error=f"{type(exc).__name__}: {exc}")
    counts["failed"] += 1


def _wind_up(batch: Batch, manifest: dict, tables: bool) -> None:
    """After a batch stopped early: the manifest saved, leftovers of killed workers removed and,
    after Ctrl-C, the tables of what is done so far. Best effort: on a full disk the last good
    manifest stays, and the error that stopped the batch is the one reported."""
    try:
        batch.save(manifest)
        batch.tidy()
        if tables:
            batch.write_tables(manifest)
    except OSError:
        batch.tidy()


def write_summary(folder: Path, manifest: dict) -> None:
    """summary.csv: one row per run, with its parameters and final metrics."""
    keys = sorted({k for r in manifest["runs"].values() for k in r["point"]})
    rows, metric_names = [], []
    for run_id, record in manifest["runs"].items():
        row = {"run_id": run_id, "scenario": record["scenario"], "point_id": record["point_id"],
               "replicate": record["replicate"], "seed": record["seed"], "status": record["status"],
               "seconds": record["seconds"], "error": record["error"] or ""}
        row.update({k: record["point"].get(k, "") for k in keys})
        summary_file = folder / "runs" / run_id / "summary.json"
        if record["status"] == "done" and summary_file.is_file():
            summary = json.loads(summary_file.read_text(encoding="utf-8"))
            metrics = {k: v for k, v in summary.items() if k not in ("scenario", "seed")}
            metric_names = metric_names or list(metrics)
            row.update(metrics)
        rows.append(row)
    fields = ["run_id", "scenario", "point_id", "replicate", "seed", "status", "seconds", "error",
              *keys, *metric_names]
    write_csv(folder / "summary.csv", rows, fields)


def read_series(path: Path) -> tuple[list[str], np.ndarray]:
    """A timeseries.csv as column names and a float array (days x columns)."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        names = next(reader)
        values = np.array([[float(x) for x in row] for row in reader])
    return names, values


def write_aggregate(folder: Path, manifest: dict) -> None:
    """aggregate.csv: per scenario, point and day, the mean and 95% interval of each series (_mean,
    _lo, _hi) and the quantiles of the runs (_q05, _q25, _q75, _q95: how far one run can stray)."""
    groups: dict[tuple[str, str], list[str]] = {}
    for run_id, record in manifest["runs"].items():
        if record["status"] == "done":
            groups.setdefault((record["scenario"], record["point_id"]), []).append(run_id)
    rows, fields = [], ["scenario", "point_id", "day", "replicates"]
    for (scenario, point_id), run_ids in groups.items():
        records = [{**manifest["runs"][r], "run_id": r} for r in sorted(run_ids)]
        series = store.read_runs(folder, records)  # the Parquet files: ~100x faster than the CSVs
        if not series:  # every run folder of the group removed since: nothing to average
            continue
        names = list(series[0])
        days = min(s["day"].size for s in series)
        stack = np.stack([np.column_stack([s[n][:days] for n in names]) for s in series]).astype(float)
        columns = dict(zip(("mean", "lo", "hi"), interval(stack), strict=True))
        columns.update(zip(SPREAD_NAMES, spread(stack), strict=True))  # the runs' own spread
        for m in names:  # scenarios with more tiers have more columns: take the union
            cols = [f"{m}_{s}" for s in columns]
            if m != "day" and cols[0] not in fields:
                fields += cols
        for d in range(days):
            row = {"scenario": scenario, "point_id": point_id, "day": int(stack[0, d, 0]),
                   "replicates": len(series)}
            for c, m in enumerate(names):  # 6 significant digits: the intervals are far wider
                if m != "day":
                    row.update({f"{m}_{s}": f"{a[d, c]:.6g}" for s, a in columns.items()})
            rows.append(row)
    write_csv(folder / "aggregate.csv", rows, fields)
