"""Browser step time: one step of the `weishang serve` page at 100,000 people, model and render apart.

Run from the repository root:

    .venv/bin/python benchmarks/browser_step.py                       # 100,000 people, warm-up 240 days
    .venv/bin/python benchmarks/browser_step.py --warmup 60 --steps 5
    .venv/bin/python benchmarks/browser_step.py --people 20000 --scenario honest --no-reference

It builds the page's model (`sim.viz.model.BrowserModel`, the scenario with `people` set, seed 1),
steps it --warmup days untimed, then for --steps days times separately:
  (a) `model.step()`, what the page's Step button runs;
  (b) the render: each of the page's components (Summary, NetworkView, Charts, RiskPanel) rendered
      with `solara.render` in a fresh render context, as tests/test_viz_components.py does, so its
      whole body runs, figures included (FigureMatplotlib encodes the PNG there); nothing survives
      between renders except what the components themselves cache on the model (a mounted page
      re-renders the same bodies on SolaraViz's `update_counter`). The first render is at day 0,
      before the warm-up, as when the page loads, and the last day of the warm-up is rendered
      untimed, as the page would have shown it;
  (c) the same render again on the same day (the page re-renders without a step, e.g. on resize).
The target (issue "Scale") is (a) + (b) under 1 second per step. The pyramid's seller count, and with
it the ledger the risk panel scores, peaks around days 200-300 at 100,000 people (about 17,000 sellers
at day 270, 240 at day 60), hence the default warm-up.

Reference: Mesa's bundled virus_on_network stepped on the same number of nodes in the same process
(built as in benchmarks/throughput.py), a yardstick for "a plain Mesa step on this machine right
now": the render is also printed as a multiple of that step.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import solara

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throughput import build_virus  # noqa: E402

from sim.viz.components import Charts, NetworkView, RiskPanel, Summary  # noqa: E402
from sim.viz.model import BrowserModel  # noqa: E402

COMPONENTS = {"Summary": Summary, "NetworkView": NetworkView, "Charts": Charts, "RiskPanel": RiskPanel}
TARGET = 1.0  # seconds: model step + render of every component


def render_once(component, model) -> float:
    """Seconds to render one component for the model in a fresh context (closed afterwards)."""
    t0 = time.perf_counter()
    _, rc = solara.render(component(model), handle_error=False)
    elapsed = time.perf_counter() - t0
    rc.close()
    return elapsed


def time_virus(nodes: int, steps: int, degree: float, seed: int) -> list[float]:
    model = build_virus(nodes, degree, seed)
    out = []
    for _ in range(steps):
        t0 = time.perf_counter()
        model.step()
        out.append(time.perf_counter() - t0)
    return out


def stats(xs: list[float]) -> str:
    return f"median {statistics.median(xs):7.3f} s, max {max(xs):7.3f} s"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--scenario", default="pyramid", help="a scenario the page offers")
    parser.add_argument("--warmup", type=int, default=240, help="days stepped before timing")
    parser.add_argument("--steps", "--days", type=int, default=10, dest="steps", help="days timed")
    parser.add_argument("--seed", default="1")
    parser.add_argument("--virus-degree", type=float, default=6.0, help="reference mean degree")
    parser.add_argument("--no-reference", action="store_true", help="skip the virus_on_network reference")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    t0 = time.perf_counter()
    model = BrowserModel(args.scenario, args.seed, people=str(args.people))
    if model.error:
        sys.exit(model.error)
    print(f"{args.scenario}, {args.people:,} people: build {time.perf_counter() - t0:.1f} s", flush=True)
    # The page renders its model on load, at day 0: the network's sample and layout are made then.
    first = {name: render_once(component, model) for name, component in COMPONENTS.items()}
    print("first render, day 0: " + ", ".join(f"{n} {s:.2f} s" for n, s in first.items()), flush=True)
    t0 = time.perf_counter()
    for _ in range(args.warmup):
        model.step()
    print(f"warm-up: {args.warmup} days in {time.perf_counter() - t0:.1f} s; day {model.day}, "
          f"{model.today['sellers']:,} sellers", flush=True)
    for component in COMPONENTS.values():  # the page showed the day before (not timed)
        render_once(component, model)

    steps: list[float] = []
    renders: dict[str, list[float]] = {name: [] for name in COMPONENTS}
    again: list[float] = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        model.step()
        steps.append(time.perf_counter() - t0)
        for name, component in COMPONENTS.items():
            renders[name].append(render_once(component, model))
        again.append(sum(render_once(c, model) for c in COMPONENTS.values()))
        total = sum(r[-1] for r in renders.values())
        print(f"day {model.day:>3}: step {steps[-1]:6.3f} s, render {total:6.3f} s ("
              + ", ".join(f"{n} {r[-1]:.3f}" for n, r in renders.items())
              + f"), same day again {again[-1]:.3f} s", flush=True)

    render = [sum(r) for r in zip(*renders.values(), strict=True)]
    both = [s + r for s, r in zip(steps, render, strict=True)]
    print(f"\nper step over {args.steps} days (day {model.day - args.steps + 1}..{model.day}):")
    print(f"  model.step()        {stats(steps)}")
    for name, r in renders.items():
        print(f"  render {name:<12} {stats(r)}")
    print(f"  render, all         {stats(render)}")
    print(f"  same day again      {stats(again)}")
    print(f"  step + render       {stats(both)}")
    print(f"  render / model.step (medians): {statistics.median(render) / statistics.median(steps):.1f}x")
    if not args.no_reference:
        virus = time_virus(args.people, args.steps, args.virus_degree, 1)
        ref = statistics.median(virus)
        print(f"  reference: virus_on_network step at {args.people:,} nodes {stats(virus)}; render = "
              f"{statistics.median(render) / ref:.1f}x, step + render = {statistics.median(both) / ref:.1f}x "
              "of it (medians)")
    verdict = "met" if max(both) < TARGET else "NOT met"
    print(f"\ntarget: step + render < {TARGET:g} s on every step; worst {max(both):.3f} s -> {verdict}")


if __name__ == "__main__":
    main()
