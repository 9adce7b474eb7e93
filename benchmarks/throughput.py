"""Throughput of weishang-sim in person-days per second, beside Mesa's virus_on_network example.

Run from the repository root:

    .venv/bin/python benchmarks/throughput.py                      # 10,000 and 100,000 people, 365 days
    .venv/bin/python benchmarks/throughput.py --days 60 --sizes 10000

For each size it builds `sim/scenarios/pyramid.toml` with `population.people` overridden, times the build
and the steps separately (throughput = people * days / step seconds), then builds and steps Mesa's
bundled virus_on_network model on the same number of nodes in the same process (agent-steps per
second = nodes * steps / step seconds). The reference is a yardstick for "a plain Mesa model on this
machine right now", so a shared or throttled machine moves both numbers together.
Peak memory and growth with size (10k -> 1M people): `benchmarks/scaling.py`.
"""

from __future__ import annotations

import argparse
import functools
import time
import types
from pathlib import Path
from unittest import mock

import networkx as nx
from mesa.discrete_space import Network
from mesa.examples.basic.virus_on_network import model as virus_module
from mesa.examples.basic.virus_on_network.model import VirusOnNetwork

import sim

SCENARIO = Path(__file__).resolve().parents[1] / "sim" / "scenarios" / "pyramid.toml"
# Targets from the issues: our person-days/s over the reference's agent-steps/s, by size.
TARGETS = {10_000: 2.0, 100_000: 10.0}


def time_ours(people: int, days: int, seed: int) -> tuple[float, float]:
    """Build and run the pyramid scenario; return (build seconds, step seconds)."""
    scenario = sim.load_scenario(SCENARIO, overrides={"population.people": people})
    t0 = time.perf_counter()
    model = sim.WeishangModel(scenario, seed=seed)
    t1 = time.perf_counter()
    model.run(days)
    return t1 - t0, time.perf_counter() - t1


def build_virus(nodes: int, degree: float, seed: int) -> VirusOnNetwork:
    """The unmodified example, but on a linear-time G(n, p) graph and a Network without a layout.

    The example calls `nx.erdos_renyi_graph(n, p)`, which tries all n^2/2 pairs (hours at 100,000
    nodes), and `Network(graph, ...)`, whose default layout is `nx.spring_layout` (also far too slow
    at this size, and only needed for drawing). We swap, inside the example's module only,
    `erdos_renyi_graph` for `fast_gnp_random_graph` -- the same G(n, p) distribution, generated in
    O(n + m) -- and make `Network` default to `layout=None`. Everything else (agents, step,
    DataCollector with its four per-step reporters) is the example as shipped.
    """
    shim = types.SimpleNamespace(
        erdos_renyi_graph=lambda n, p: nx.fast_gnp_random_graph(n, p, seed=seed))
    with (mock.patch.object(virus_module, "nx", shim),
          mock.patch.object(virus_module, "Network", functools.partial(Network, layout=None))):
        return VirusOnNetwork(num_nodes=nodes, avg_node_degree=degree, rng=seed)


def time_virus(nodes: int, steps: int, degree: float, seed: int) -> tuple[float, float]:
    """Build and step the reference; return (build seconds, step seconds)."""
    t0 = time.perf_counter()
    model = build_virus(nodes, degree, seed)
    t1 = time.perf_counter()
    for _ in range(steps):
        model.step()
    return t1 - t0, time.perf_counter() - t1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    # The whole year by default: the pyramid's cost grows with its sellers, who are few in the
    # first two months, so a short run flatters us.
    parser.add_argument("--days", type=int, default=365, help="days of the pyramid scenario per size")
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated people/node counts")
    parser.add_argument("--steps", type=int, default=20, help="steps of the virus reference per size")
    # Degree 6: a sparse contact network, twice the example's default of 3, so agents have a real
    # neighbourhood to scan, yet half the pyramid's mean_degree of 12 -- the reference's step cost
    # grows with the degree only through infected agents, which stay few from one initial case.
    parser.add_argument("--virus-degree", type=float, default=6.0, help="virus reference mean degree")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    rows = []
    for size in sizes:
        ours_build, ours_step = time_ours(size, args.days, args.seed)
        ours = size * args.days / ours_step
        print(f"pyramid  n={size:>7,}: build {ours_build:7.2f} s, {args.days} days {ours_step:8.2f} s"
              f" -> {ours:12,.0f} person-days/s", flush=True)
        virus_build, virus_step = time_virus(size, args.steps, args.virus_degree, args.seed)
        virus = size * args.steps / virus_step
        print(f"virus    n={size:>7,}: build {virus_build:7.2f} s, {args.steps} steps {virus_step:7.2f} s"
              f" -> {virus:12,.0f} agent-steps/s", flush=True)
        rows.append((size, ours, virus))

    if rows:
        header = ("size", "ours person-days/s", "virus agent-steps/s", "ours/virus")
        print("\n{:>9} | {:>18} | {:>19} | {:>10}".format(*header))
        print(f"{'-' * 9}-+-{'-' * 18}-+-{'-' * 19}-+-{'-' * 10}")
        for size, ours, virus in rows:
            print(f"{size:>9,} | {ours:>18,.0f} | {virus:>19,.0f} | {ours / virus:>9.2f}x")
        print()
        for size, ours, virus in rows:
            if size in TARGETS:
                ratio, target = ours / virus, TARGETS[size]
                verdict = "met" if ratio >= target else "NOT met"
                print(f"target at {size:,}: >= {target:g}x; measured {ratio:.2f}x "
                      f"({ratio / target:.2f} of target) -> {verdict}")


if __name__ == "__main__":
    main()
