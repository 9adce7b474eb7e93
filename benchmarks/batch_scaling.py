"""Batch scaling: wall time of one batch with 1 and 2 worker processes, and the per-run overhead.

Run from the repository root:

    .venv/bin/python benchmarks/batch_scaling.py                  # 8 runs, 3,000 people, 365 days
    .venv/bin/python benchmarks/batch_scaling.py --runs 4 --days 180

The batch is `sim/scenarios/pyramid.toml` with `population.people` and `run.days` overridden, and
--runs replicates (each its own seed). Steps:
1. reference: build and run every planned spec in this process (no pool, no files);
2. `sim.experiments.batch.run_batch(..., jobs=1)` and `jobs=2` into temporary folders: wall time, speed-up;
3. components outside the simulation, timed one by one: pool start-up (forkserver, workers and
   their imports), pickling a RunSpec, `sim.experiments.runs.write_run` (and its `versions()` and
   `git_commit()`), one manifest save, the closing summary/aggregate tables.
Overhead (target < 5%) = jobs=1 wall minus the build+run seconds the workers recorded in the
manifest, over those seconds; the same against the in-process reference is printed as a check.
The machine's idle CPU share is printed beside each batch: on a shared machine, near 0% during
jobs=1 means someone else held a core, and the speed-up measured then says nothing about us.
"""

from __future__ import annotations

import argparse
import os
import pickle
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import sim
from sim.experiments import batch as batch_mod
from sim.experiments import runs
from sim.experiments.batch import Batch, RunSpec, execute, plan, run_batch

SCENARIO = Path(__file__).resolve().parents[1] / "sim" / "scenarios" / "pyramid.toml"
TARGET_SPEEDUP = 1.7  # issue target: 2 jobs at least 1.7x faster than 1 job
TARGET_OVERHEAD = 0.05  # issue target: time outside the simulation < 5% of run time


def noop() -> float:
    """Seconds since this (worker) process started, from /proc (Linux); NaN elsewhere.

    Submitted to a fresh pool as its first task: the worker's age is the time it spent starting,
    mostly importing: the forkserver never preloads `__main__` (CPython gh-126631, fixed on the
    3.13 branch only in September 2025), so each worker re-runs this script's imports itself.
    """
    try:
        stat = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return uptime - int(stat[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def clock(fn: Callable[[], object], repeat: int = 1) -> float:
    """Mean seconds of fn() over `repeat` calls."""
    t0 = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - t0) / repeat


def reference(specs: list[RunSpec]) -> tuple[list[float], sim.WeishangModel]:
    """Build and run each spec in this process, timed like `execute`; return seconds, last model."""
    seconds, model = [], None
    for spec in specs:
        t0 = time.perf_counter()
        scenario = sim.Scenario(spec.data, Path(spec.path) if spec.path else None)
        model = sim.WeishangModel(scenario, seed=spec.seed)
        model.run()
        seconds.append(time.perf_counter() - t0)
    assert model is not None
    return seconds, model


def cpu_ticks() -> tuple[int, int]:
    """(idle, total) jiffies of all CPUs from /proc/stat; (0, 0) where there is none."""
    try:
        ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    return ticks[3] + ticks[4], sum(ticks)


def timed_batch(scenario: sim.Scenario, runs: int, jobs: int, root: Path) -> tuple[float, dict]:
    """run_batch into root/jobsN; print wall time, worker seconds and how busy the machine was."""
    idle0, total0 = cpu_ticks()
    t0 = time.perf_counter()
    manifest = run_batch([scenario], runs, root / f"jobs{jobs}", jobs=jobs)
    wall = time.perf_counter() - t0
    idle1, total1 = cpu_ticks()
    worker = sum(r["seconds"] or 0.0 for r in manifest["runs"].values())
    idle = (idle1 - idle0) / (total1 - total0) if total1 > total0 else float("nan")
    print(f"jobs={jobs}: wall {wall:.2f} s; workers' build+run {worker:.2f} s ({worker / runs:.2f} s/run,"
          f" {worker / wall:.2f} runs in parallel on average); all CPUs idle {idle:.0%} meanwhile",
          flush=True)
    failed = [r for r in manifest["runs"].values() if r["status"] != "done"]
    if failed:
        raise SystemExit(f"jobs={jobs}: {len(failed)} run(s) failed: {failed[0]['error']}")
    return wall, manifest


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--runs", type=int, default=8, help="replicates in the batch")
    parser.add_argument("--people", type=int, default=3000, help="population.people override")
    parser.add_argument("--days", type=int, default=365, help="run.days override")
    parser.add_argument("--seed", type=int, default=1, help="root seed of the batch")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    scenario = sim.load_scenario(SCENARIO, overrides={"population.people": args.people,
                                                      "run.days": args.days})
    specs = plan([scenario], args.runs, args.seed)
    print(f"batch: {args.runs} runs of pyramid.toml, {args.people:,} people x {args.days} days; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}", flush=True)

    ref, model = reference(specs)
    ref_sum = sum(ref)
    print(f"reference (in-process build+run): {ref_sum:.2f} s total, {ref_sum / len(ref):.2f} s/run "
          f"(min {min(ref):.2f}, max {max(ref):.2f})", flush=True)

    with tempfile.TemporaryDirectory(prefix="batch_scaling.") as tmp:
        root = Path(tmp)
        wall1, manifest1 = timed_batch(scenario, args.runs, 1, root)
        wall2, _ = timed_batch(scenario, args.runs, 2, root)
        worker_sum = sum(r["seconds"] for r in manifest1["runs"].values())

        # -- components outside the simulation, one at a time --------------------------------
        with batch_mod.executor(1, None) as pool:
            t0 = time.perf_counter()
            worker_age = pool.submit(noop).result()
            startup = time.perf_counter() - t0
            handoff = clock(lambda: pool.submit(noop).result(), repeat=20)
            folder = str(root / "handoff" / "run")
            # execute() in a warm worker, so write_run's share is timed where the batch runs it
            t0 = time.perf_counter()
            exec_seconds = pool.submit(execute, specs[0], folder).result()
            exec_wall = time.perf_counter() - t0
        pickling = clock(lambda: pickle.loads(pickle.dumps(specs[0])), repeat=200)
        write = clock(lambda: runs.write_run(model, root / "w" / "run", ref[-1], force=True), repeat=5)
        git = clock(runs.git_commit, repeat=5)
        vers = clock(runs.versions, repeat=5)
        b = Batch(root / "jobs1")
        save = clock(lambda: b.save(manifest1), repeat=20)
        tables = clock(lambda: b.write_tables(manifest1), repeat=3)
        header = git + vers  # run_batch's manifest header, once per batch

    n, run_s = args.runs, ref_sum / args.runs
    per_run = (exec_wall - exec_seconds) + save  # worker side incl. hand-off, + parent's manifest
    once = startup + header + tables
    rows = [
        ("pool start-up (forkserver + 1st task)", startup, "per batch"),
        ("  of which worker start (imports), /proc", worker_age, "per batch"),
        ("pool hand-off of a no-op task", handoff, "per run"),
        (f"pickle.dumps+loads RunSpec ({len(pickle.dumps(specs[0])):,} B)", pickling, "per run"),
        ("write_run (no figures)", write, "per run"),
        ("  of which git_commit() (2 git calls)", git, "per run"),
        ("  of which versions()", vers, "per run"),
        ("execute() in warm worker minus its run s", exec_wall - exec_seconds, "per run"),
        ("manifest save (Batch.save)", save, "per run"),
        ("run_batch header: git_commit+versions", header, "per batch"),
        ("write_tables (summary + aggregate)", tables, "per batch"),
        ("estimate: runs x per-run + per-batch", n * per_run + once, f"{n} runs"),
    ]
    print("\ncomponents; % of a run's simulation seconds (per-batch rows spread over the runs):")
    print(f"{'component':<44} | {'ms':>9} | {'when':<9} | {'% of a run':>10}")
    print(f"{'-' * 44}-+-{'-' * 9}-+-{'-' * 9}-+-{'-' * 10}")
    for name, seconds, when in rows:
        share = seconds / run_s if when == "per run" else seconds / n / run_s
        print(f"{name:<44} | {seconds * 1000:>9.1f} | {when:<9} | {share:>9.2%}")

    print(f"\n{'measure':<44} | {'seconds':>9} | {'per run':>9}")
    print(f"{'-' * 44}-+-{'-' * 9}-+-{'-' * 9}")
    for name, seconds in [("reference build+run, in-process (sum)", ref_sum),
                          ("worker build+run, from manifest (sum)", worker_sum),
                          ("jobs=1 wall", wall1), ("jobs=2 wall", wall2),
                          ("jobs=1 wall - worker seconds", wall1 - worker_sum),
                          ("jobs=1 wall - reference", wall1 - ref_sum)]:
        print(f"{name:<44} | {seconds:>9.2f} | {seconds / n:>9.3f}")

    speedup, over = wall1 / wall2, (wall1 - worker_sum) / worker_sum
    print(f"\nspeed-up jobs=2 vs jobs=1: {speedup:.2f}x (target >= {TARGET_SPEEDUP:g}x) -> "
          f"{'met' if speedup >= TARGET_SPEEDUP else 'NOT met'}")
    print(f"overhead, jobs=1 wall vs the workers' own build+run seconds: {over:.2%} (target < "
          f"{TARGET_OVERHEAD:.0%}) -> {'met' if over < TARGET_OVERHEAD else 'NOT met'}")
    print(f"overhead vs the in-process reference: {(wall1 - ref_sum) / ref_sum:.2%} (also holds the "
          f"workers' simulation running {worker_sum / ref_sum:.3f}x the in-process seconds)")
    room = TARGET_OVERHEAD * run_s - per_run
    need = f"at least {once / room:.0f} runs of this length" if room > 0 else "no batch size"
    print(f"fixed {once:.2f} s per batch + {per_run * 1000:.0f} ms per run: under "
          f"{TARGET_OVERHEAD:.0%} takes {need}")

if __name__ == "__main__":
    main()
