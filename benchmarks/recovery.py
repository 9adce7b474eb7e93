"""Recovery of known parameters by `weishang calibrate`, and its wall time.

Run from the repository root:

    .venv/bin/python benchmarks/recovery.py                       # 10 cases, as the README reports
    .venv/bin/python benchmarks/recovery.py --cases 3 --particles 40 --generations 3
    .venv/bin/python benchmarks/recovery.py --cases 1 --people 20000 --particles 200 --generations 5
    .venv/bin/python benchmarks/recovery.py --cases 1 --dask     # the same on a 2-worker Dask cluster

Each case draws true values of two parameters (seeded, inside the middle 80% of their prior
ranges), runs the pyramid scenario with them, exports the run in the data schema, and calibrates
the scenario to those records with the two parameters varied over their full prior ranges. A case
recovers when both true values fall inside their 90% credible intervals; the target is at least
8 of 10 cases. It prints each case, the count, and the wall time of every calibration.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sim import WeishangModel, load_scenario
from sim.common.intervals import weighted_quantiles
from sim.risk.convert import from_model
from sim.risk.writer import write_data

PRIORS = {"sellers.recruit_base": (-5.0, -1.0), "sellers.dropout_per_year": (0.1, 0.9)}


def make_records(folder: Path, truth: dict, people: int, days: int, seed: int) -> None:
    scenario = load_scenario("pyramid", {"population.people": people, "run.days": days, **truth})
    model = WeishangModel(scenario, seed=seed)
    model.run()
    write_data(from_model(model), folder)


def calibrate(records: Path, out: Path, people: int, particles: int, generations: int,
              scheduler: str | None) -> float:
    command = [sys.executable, "-m", "sim.cli", "calibrate", "pyramid", "--data", str(records),
               "--set", f"population.people={people}", "--particles", str(particles),
               "--generations", str(generations), "--out", str(out), "-q"]
    for key, (lo, hi) in PRIORS.items():
        command += ["--vary", f"{key}={lo:g}:{hi:g}"]
    if scheduler:
        command += ["--scheduler", scheduler]
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10)
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--particles", type=int, default=60)
    parser.add_argument("--generations", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dask", action="store_true", help="calibrate on a 2-worker local Dask cluster")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    cluster = None
    if args.dask:
        from dask.distributed import LocalCluster

        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    work = Path(tempfile.mkdtemp(prefix="weishang-recovery-"))
    recovered, seconds = 0, []
    try:
        for case in range(args.cases):
            truth = {k: float(lo + (hi - lo) * rng.uniform(0.1, 0.9)) for k, (lo, hi) in PRIORS.items()}
            make_records(work / f"records{case}", truth, args.people, args.days, seed=100 + case)
            took = calibrate(work / f"records{case}", work / f"fit{case}", args.people, args.particles,
                             args.generations, cluster.scheduler_address if cluster else None)
            seconds.append(took)
            post = pd.read_csv(work / f"fit{case}" / "posterior.csv")
            inside = []
            cells = []
            for key, value in truth.items():
                lo, hi = weighted_quantiles(post[key].to_numpy(), post["weight"].to_numpy(), [0.05, 0.95])
                inside.append(lo <= value <= hi)
                cells.append(f"{key}={value:.3f} in [{lo:.3f}, {hi:.3f}]: {'yes' if inside[-1] else 'NO'}")
            recovered += all(inside)
            print(f"case {case + 1}: " + "; ".join(cells) + f"  ({took:.0f} s)", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if cluster is not None:
            cluster.close()
    where = "a 2-worker Dask cluster" if args.dask else "local processes"
    print(f"recovered (both true values inside their 90% credible intervals): {recovered} of {args.cases}")
    print(f"calibration wall time on {where}, {args.people:,} people, {args.days} days, {args.particles} "
          f"particles x {args.generations} generations: median {np.median(seconds):.0f} s, "
          f"max {max(seconds):.0f} s")


if __name__ == "__main__":
    main()
