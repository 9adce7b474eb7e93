"""How time and memory grow with the number of people: 10,000 -> 100,000 -> 1,000,000 -> 10,000,000.

Run from the repository root (about 15 minutes on a 2-core machine; 10M people need ~16 GiB, 1M ~2 GiB):

    .venv/bin/python benchmarks/scaling.py                       # 10k, 100k, 1M, 10M people, 365 days
    .venv/bin/python benchmarks/scaling.py --sizes 10000,100000 --days 60 --out /tmp/scaling

Each size runs `sim/scenarios/pyramid.toml` (power-law-cluster graph) with `population.people`
overridden, for the scenario's 365 days, in a fresh process so that its peak memory is its own.
It times the graph alone, the whole set-up (graph, Mesa network and agents, arrays) and the
days, and reads the peak resident memory (`ru_maxrss`, interpreter and imports included).

Printed: a table, and for each step up in size the growth of each figure as a ratio against
the smallest run (measured the same way, minutes earlier), and the log-log slope from the size
before: 1.0 is linear. (Memory starts from ~250 MiB of interpreter and imports, and the
smallest runs take fractions of a second, so the slopes mean most between the larger sizes.)
Written to --out: `scaling.csv` and `scaling.png` (log-log, with a linear guide).
"""

from __future__ import annotations

import argparse
import csv
import math
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np

import sim
from sim.model.network import build_social_graph, holme_kim
from sim.reports.plots import save_figure

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "sim" / "scenarios" / "pyramid.toml"
FIGURES = ("graph_s", "build_s", "steps_s", "peak_mib")
# The bounds at ten million people: peak memory, memory a person, set-up + days.
TARGETS = {"people": 10_000_000, "peak_mib": 20 * 1024, "kib_a_person": 2.0, "minutes": 30.0}


def one_size(people: int, days: int, seed: int) -> dict:
    """Run one size in this (fresh) process; return its timings and peak memory."""
    scenario = sim.load_scenario(SCENARIO, overrides={"population.people": people})
    holme_kim(100, 2, 0.3, 1)  # load the compiled generator outside the timings
    t0 = time.perf_counter()
    build_social_graph(scenario["population"], np.random.default_rng(seed))
    graph_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = sim.WeishangModel(scenario, seed=seed)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.run(days)
    steps_s = time.perf_counter() - t0
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # (Linux: KiB)
    return {"people": people, "days": days, "graph_s": graph_s, "build_s": build_s,
            "steps_s": steps_s, "peak_mib": peak_kib / 1024, "kib_a_person": peak_kib / people,
            "sellers_ever": int(model.people.ever_sellers().size),
            "person_days_per_s": people * days / steps_s}


def slope(a: dict, b: dict, key: str) -> float:
    """Log-log slope between two sizes: 1 = linear growth."""
    return math.log(b[key] / a[key]) / math.log(b["people"] / a["people"])


def figure(rows: list[dict], path: Path) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 4))
    people = np.array([r["people"] for r in rows], dtype=float)
    labels = {"graph_s": "graph", "build_s": "set-up (graph included)", "steps_s": "365 days"}
    left, right = fig.subplots(1, 2)
    for key, label in labels.items():
        left.loglog(people, [r[key] for r in rows], "o-", label=label)
    right.loglog(people, [r["peak_mib"] for r in rows], "o-", color="C3", label="peak memory")
    for ax, key in ((left, "steps_s"), (right, "peak_mib")):
        ref = rows[0][key]
        ax.loglog(people, ref * people / people[0], ":", color="grey", label="linear from smallest")
        ax.set_xlabel("people")
        ax.legend(fontsize=8)
    left.set_ylabel("seconds")
    right.set_ylabel("MiB (ru_maxrss)")
    left.set_title("Time")
    right.set_title("Memory")
    fig.suptitle(f"pyramid.toml, {rows[0]['days']} days, one core")
    save_figure(fig, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000,10000000",
                        help="comma-separated people counts")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "scaling")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    rows = []
    for people in sizes:
        # A fresh process per size, so that each peak memory is that run's alone.
        with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
            row = pool.submit(one_size, people, args.days, args.seed).result()
        rows.append(row)
        print(f"{people:>9,} people: graph {row['graph_s']:6.1f} s, set-up {row['build_s']:6.1f} s, "
              f"{args.days} days {row['steps_s']:7.1f} s, peak {row['peak_mib']:7,.0f} MiB, "
              f"{row['sellers_ever']:,} ever sold", flush=True)

    print(f"\n{'people':>9} | " + " | ".join(f"{k:>9}" for k in FIGURES)
          + " | ratio vs smallest (graph, set-up, days, memory) | log-log slope from the size before")
    for before, row in zip([None, *rows], rows, strict=False):
        ratios = ", ".join(f"{row[k] / rows[0][k]:6.1f}x" for k in FIGURES)
        slopes = ", ".join(f"{slope(before, row, k):4.2f}" for k in FIGURES) if before else "-"
        print(f"{row['people']:>9,} | " + " | ".join(f"{row[k]:9.1f}" for k in FIGURES)
              + f" | {ratios} | {slopes}")

    for row in rows:
        if row["people"] == TARGETS["people"]:
            minutes = (row["build_s"] + row["steps_s"]) / 60
            checks = [("peak", row["peak_mib"], TARGETS["peak_mib"], "MiB"),
                      ("a person", row["kib_a_person"], TARGETS["kib_a_person"], "KiB"),
                      ("set-up + days", minutes, TARGETS["minutes"], "min")]
            for name, value, bound, unit in checks:
                print(f"target at {row['people']:,}: {name} <= {bound:,g} {unit}; measured "
                      f"{value:,.2f} {unit} -> {'met' if value <= bound else 'NOT met'}")

    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "scaling.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({k: round(v, 3) if isinstance(v, float) else v for k, v in r.items()} for r in rows)
    figure(rows, args.out / "scaling.png")
    print(f"\nwrote {args.out / 'scaling.csv'} and {args.out / 'scaling.png'}")


if __name__ == "__main__":
    main()
