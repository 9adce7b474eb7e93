"""Throughput of weishang-sim in person-days per second, beside Mesa's virus_on_network example and
Starsim's SIS model.

Run from the repository root (Starsim is an optional benchmark dependency: `make bench` installs
it, or `.venv/bin/pip install -e '.[bench]'`; without it its column is skipped):

    .venv/bin/python benchmarks/throughput.py          # 10k, 100k and 1M people, 365 days, 2 rounds
    .venv/bin/python benchmarks/throughput.py --days 60 --sizes 10000 --rounds 1

For each size it builds `sim/scenarios/pyramid.toml` with `population.people` overridden, times the build
and the steps separately (throughput = people * days / step seconds), then builds and steps Mesa's
bundled virus_on_network model on the same number of nodes in the same process (agent-steps per
second = nodes * steps / step seconds). The reference is a yardstick for "a plain Mesa model on this
machine right now", so a shared or throttled machine moves both numbers together. Starsim 3.7's SIS
on its random network (`ss.Sim(diseases="sis", networks="random")`, its default 51 steps) is run
the same way: agent-steps per second of `run()`, its `init()` timed apart. Each size alternates
ours and the references `--rounds` times; the ratios are round by round (each of our runs against
the reference runs beside it), and a target counts as met only in the worst round.
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
VIRUS_TARGETS = {10_000: 2.0, 100_000: 10.0}
STARSIM_TARGETS = {1_000_000: 1.0}


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


def time_starsim(agents: int, seed: int) -> tuple[float, float, int]:
    """Starsim's SIS on its random network, as `ss.Sim(diseases="sis", networks="random")` sets it
    up (its default time-line: 51 steps); return (init seconds, run seconds, steps)."""
    import starsim as ss  # optional: `pip install -e '.[bench]'`

    t0 = time.perf_counter()
    model = ss.Sim(n_agents=agents, diseases="sis", networks="random", rand_seed=seed, verbose=0)
    model.init()
    t1 = time.perf_counter()
    model.run()
    return t1 - t0, time.perf_counter() - t1, len(model.timevec)


def have_starsim() -> bool:
    try:
        import starsim  # noqa: F401
    except ImportError:
        return False
    return True


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    # The whole year by default: the pyramid's cost grows with its sellers, who are few in the
    # first two months, so a short run flatters us.
    parser.add_argument("--days", type=int, default=365, help="days of the pyramid scenario per size")
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated people/node counts")
    parser.add_argument("--steps", type=int, default=20, help="steps of the virus reference per size")
    # Degree 6: a sparse contact network, twice the example's default of 3, so agents have a real
    # neighbourhood to scan, yet half the pyramid's mean_degree of 12 -- the reference's step cost
    # grows with the degree only through infected agents, which stay few from one initial case.
    parser.add_argument("--virus-degree", type=float, default=6.0, help="virus reference mean degree")
    parser.add_argument("--virus-max", type=int, default=100_000,
                        help="largest size at which virus_on_network runs (its networkx graph and "
                             "Mesa cells take minutes and gigabytes at a million)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="each size alternates ours and the references this many times")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


def measure(size: int, args: argparse.Namespace, starsim: bool) -> dict[str, list[float]]:
    """Throughput of ours and of each reference, alternately, `rounds` times (the shared machine's
    speed drifts over minutes: alternating puts each of our runs beside a reference run)."""
    rates: dict[str, list[float]] = {"ours": [], "virus": [], "starsim": []}
    for round_ in range(1, args.rounds + 1):
        build, step = time_ours(size, args.days, args.seed)
        rates["ours"].append(size * args.days / step)
        print(f"[{round_}] pyramid  n={size:>9,}: build {build:7.2f} s, {args.days} days {step:8.2f} s"
              f" -> {rates['ours'][-1]:12,.0f} person-days/s ({size * args.days / (build + step):,.0f} "
              "with set-up)", flush=True)
        if size <= args.virus_max:
            build, step = time_virus(size, args.steps, args.virus_degree, args.seed)
            rates["virus"].append(size * args.steps / step)
            print(f"[{round_}] virus    n={size:>9,}: build {build:7.2f} s, {args.steps} steps {step:7.2f} s"
                  f" -> {rates['virus'][-1]:12,.0f} agent-steps/s", flush=True)
        if starsim:
            build, step, steps = time_starsim(size, args.seed)
            rates["starsim"].append(size * steps / step)
            print(f"[{round_}] starsim  n={size:>9,}: init {build:8.2f} s, {steps} steps {step:8.2f} s"
                  f" -> {rates['starsim'][-1]:12,.0f} agent-steps/s ({size * steps / (build + step):,.0f} "
                  "with init)", flush=True)
    return rates


def main() -> None:
    args = parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    starsim = have_starsim()
    if not starsim:
        print("starsim not installed: its column is skipped (pip install -e '.[bench]')")
    rows = [(size, measure(size, args, starsim)) for size in sizes]

    def cell(values: list[float]) -> str:
        return f"{min(values):,.0f}-{max(values):,.0f}" if values else "-"

    def ratios(ours: list[float], ref: list[float]) -> str:
        # round by round: each of our runs against the reference run beside it
        pairs = [a / b for a, b in zip(ours, ref, strict=False)]
        return f"{min(pairs):.1f}-{max(pairs):.1f}x" if pairs else "-"

    print(f"\n{'size':>10} | {'ours person-days/s':>23} | {'virus agent-steps/s':>19} | {'ours/virus':>10}"
          f" | {'starsim agent-steps/s':>23} | {'ours/starsim':>12}")
    for size, r in rows:
        print(f"{size:>10,} | {cell(r['ours']):>23} | {cell(r['virus']):>19} | "
              f"{ratios(r['ours'], r['virus']):>10} | {cell(r['starsim']):>23} | "
              f"{ratios(r['ours'], r['starsim']):>12}")
    print()
    for size, r in rows:
        for ref, target in ((("virus", VIRUS_TARGETS.get(size)), ("starsim", STARSIM_TARGETS.get(size)))):
            if target and r[ref]:
                worst = min(a / b for a, b in zip(r["ours"], r[ref], strict=False))
                print(f"target at {size:,}: >= {target:g}x {ref}; worst round {worst:.2f}x -> "
                      f"{'met' if worst >= target else 'NOT met'}")


if __name__ == "__main__":
    main()
