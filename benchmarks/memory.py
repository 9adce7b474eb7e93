"""Where the memory goes: bytes a person, by the part of the model that holds them.

Run from the repository root (about a minute at the default 200,000 people):

    .venv/bin/python benchmarks/memory.py
    .venv/bin/python benchmarks/memory.py --people 1000000 --days 365

Builds `sim/scenarios/pyramid.toml` with `population.people` overridden and runs it, with Python's
`tracemalloc` tracing every allocation (numpy's arrays included), then prints what is alive after
set-up and after the days, grouped by the file that allocated it, in bytes per person. Tracing
makes the run several times slower and its own bookkeeping is not counted, so read the shares,
not the seconds; `scaling.py` gives the real peak memory (`ru_maxrss`).
"""

from __future__ import annotations

import argparse
import tracemalloc
from pathlib import Path

import sim
from sim.model.network import holme_kim

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "sim" / "scenarios" / "pyramid.toml"
# What each allocating file holds, as a reader of the model would name it.
PARTS = {
    "sim/model/network.py": "social graph (CSR, ties) and Mesa cells made by it",
    "sim/model/trust.py": "trust, muting and ads seen, per directed edge",
    "sim/model/ledger.py": "ledger balances and the journal",
    "sim/model/people.py": "people's arrays",
    "sim/model/sellers/lifecycle.py": "Mesa agents (one per person)",
    "mesa/agentset.py": "Mesa's agent sets (weak references by type)",
    "mesa/model.py": "Mesa's model registry of agents",
    "mesa/discrete_space/cell.py": "Mesa cells: agent list, properties",
    "mesa/discrete_space/network.py": "Mesa network: the cell per person, and its index",
}


def part_of(traceback: tracemalloc.Traceback) -> str:
    """The part that asked for the memory: the innermost frame in a file of PARTS (an array made
    by numpy.zeros in trust.py counts as trust's)."""
    for frame in reversed(traceback):  # (innermost last)
        for key, name in PARTS.items():
            if key in frame.filename:
                return name
    return "other"


def report(title: str, snapshot: tracemalloc.Snapshot, people: int) -> None:
    totals: dict[str, int] = {}
    for stat in snapshot.statistics("traceback"):
        part = part_of(stat.traceback)
        totals[part] = totals.get(part, 0) + stat.size
    print(f"\n{title}: {sum(totals.values()) / people:,.0f} bytes a person")
    for part, size in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"  {size / people:8,.0f}  {part}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    scenario = sim.load_scenario(SCENARIO, overrides={"population.people": args.people})
    holme_kim(100, 2, 0.3, 1)  # compile the generator before tracing
    tracemalloc.start(10)
    model = sim.WeishangModel(scenario, seed=args.seed)
    report("after set-up", tracemalloc.take_snapshot(), args.people)
    model.run(args.days)
    report(f"after {args.days} days", tracemalloc.take_snapshot(), args.people)
    print(f"\npeak while traced: {tracemalloc.get_traced_memory()[1] / args.people:,.0f} bytes a person")


if __name__ == "__main__":
    main()
