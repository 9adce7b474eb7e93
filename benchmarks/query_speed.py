"""Query speed: an aggregate over a batch's daily series, Parquet + DuckDB against the CSVs + pandas.

Run from the repository root:

    .venv/bin/python benchmarks/query_speed.py                    # 1,000 and 10,000 runs
    .venv/bin/python benchmarks/query_speed.py --runs 1000

The aggregate is the mean number of sellers per scenario per day (what aggregate.csv and the
report's bands need). Two paths, in this process, over the same folder:
- CSV: pandas reads every run's runs/RUN_ID/timeseries.csv, then groups (the path before the store);
- Parquet: `sim.experiments.store.query` (opening the batch: manifest, file list, footers; then
  DuckDB over the compacted files), end to end.
Both libraries are imported before the clock starts (a `weishang query` command also pays DuckDB's
import, ~0.1-0.3 s, once).
Running 10,000 real runs would take hours, so the runs are synthesised: ONE real run (the
`honest` scenario, 365 days, 300 people: a full-length series, a small population) is simulated,
and its timeseries.csv copied, and its series written as a Parquet part, under new run ids, split
across two scenario names, with a manifest marking them done; then the parts are compacted by the
batch's own code (`compact.compact_batch`, as `Batch.write_tables` does when a batch ends). The
files have the real layout and size; only the values repeat (which neither reader exploits).
Each path runs --repeat times, alternately; the ratio is of the best times (the first call of each
in the process, with its one-off costs, is printed too). Target: Parquet >= 20x faster.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import duckdb  # noqa: F401 - imported before timing, as pandas is: the timings are of the work
import pandas as pd

from sim.experiments import compact, store
from sim.experiments.batch import execute, plan
from sim.model.scenario import load_scenario

SCENARIO = Path(__file__).resolve().parents[1] / "sim" / "scenarios" / "honest.toml"
TARGET = 20.0
SQL = ("SELECT scenario, day, avg(sellers) AS sellers FROM series GROUP BY scenario, day "
       "ORDER BY scenario, day")


def real_run(folder: Path) -> tuple[Path, dict]:
    """One real run into folder/runs/...; returns its folder and its series' columns."""
    scenario = load_scenario(SCENARIO, {"population.people": 300, "run.days": 365})
    spec = plan([scenario], 1, root_seed=1)[0]
    run = folder / "runs" / spec.run_id
    execute(spec, str(run))
    return run, compact.read_part(compact.part_path(folder, spec.scenario, spec.point_id, spec.run_id))


def synthesise(folder: Path, source: Path, columns: dict, runs: int) -> None:
    """`runs` run folders (timeseries.csv) and parts under new ids, a manifest of them done, and the
    parts compacted as the batch compacts them."""
    records = {}
    for k in range(runs):
        scenario = ("honest", "pyramid")[k % 2]
        run_id = f"{scenario}__base__r{k:05d}"
        (folder / "runs" / run_id).mkdir(parents=True)
        shutil.copyfile(source / "timeseries.csv", folder / "runs" / run_id / "timeseries.csv")
        compact.write_part(folder, columns, run_id, scenario, "base", k)
        records[run_id] = {"run_id": run_id, "scenario": scenario, "point_id": "base", "point": {},
                           "replicate": k, "seed": k, "status": "done", "seconds": 0.0, "error": None}
    (folder / "manifest.json").write_text(json.dumps({"kind": "batch", "runs": records}))
    compact.compact_batch(folder, records.values())


def csv_path(folder: Path, manifest: dict) -> pd.DataFrame:
    frames = []
    for run_id, record in manifest["runs"].items():
        frame = pd.read_csv(folder / "runs" / run_id / "timeseries.csv")
        frame["scenario"] = record["scenario"]
        frames.append(frame)
    return pd.concat(frames).groupby(["scenario", "day"], as_index=False)["sellers"].mean()


def measure(runs: int, source: Path, columns: dict, repeat: int) -> float:
    """Both paths over the same folder, alternately `repeat` times; the ratio of the best times
    (each path's first call in the process is printed too: it carries one-off costs)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "batch"
        start = time.perf_counter()
        synthesise(folder, source, columns, runs)
        print(f"{runs:,} runs synthesised in {time.perf_counter() - start:.1f} s")
        manifest = json.loads((folder / "manifest.json").read_text())
        times: dict[str, list[float]] = {"csv": [], "parquet": []}
        for _ in range(repeat):
            start = time.perf_counter()
            by_csv = csv_path(folder, manifest)
            times["csv"].append(time.perf_counter() - start)
            start = time.perf_counter()
            by_parquet = store.query(folder, SQL).to_pandas()
            times["parquet"].append(time.perf_counter() - start)
            same = by_csv["sellers"].round(9).tolist() == by_parquet["sellers"].round(9).tolist()
            assert same, "same answer"
        csv_s, parquet_s = min(times["csv"]), min(times["parquet"])
        ratio = csv_s / parquet_s
        shown = {k: ", ".join(f"{t:.2f}" for t in v) for k, v in times.items()}
        print(f"  CSV + pandas:     best {csv_s:8.2f} s ({1000 * csv_s / runs:.1f} ms a run); "
              f"each: {shown['csv']} s")
        print(f"  Parquet + DuckDB: best {parquet_s:8.2f} s ({1000 * parquet_s / runs:.2f} ms a run); "
              f"each: {shown['parquet']} s")
        first = times["csv"][0] / times["parquet"][0]
        print(f"  ratio of the best {ratio:.0f}x, of the first calls {first:.0f}x "
              f"(target >= {TARGET:.0f}x: {'met' if ratio >= TARGET else 'NOT met'})")
        return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3, help="times each path runs, alternately")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source, columns = real_run(Path(tmp))
        for runs in args.runs:
            measure(runs, source, columns, args.repeat)


if __name__ == "__main__":
    main()
