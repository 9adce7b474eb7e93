"""Speed of the `weishang serve` page: loading, Step, Play and Reset; in-process and in a real browser.

Run from the repository root:

    .venv/bin/python benchmarks/browser_step.py               # in-process, 3,000 and 100,000 people
    .venv/bin/python benchmarks/browser_step.py --people 3000 --warmup 120
    .venv/bin/python benchmarks/browser_step.py --browser     # also in Chromium (as tests/test_browser.py)

In-process (no browser): the page (`sim.viz.app.Page`) rendered with `solara.render`, as the
component tests do, so every part's whole body runs and every widget is updated, though nothing
is sent anywhere. For each --people:
  - Reset: the People picker set and Reset clicked; the time until the page has rendered the new
    model (day 0);
  - Step: the Step button clicked --steps times, early in the run (what a visitor meets first);
  - later in the run: the model is stepped --warmup days untimed, then for --steps days the step
    and the render of what the page shows (readout, verdicts, the tree tab) are timed apart, each
    part rendered in a fresh context (`solara.render`), and the other tabs once each for the record.
The targets (issue "A browser view a regulator would choose"): step + render <= 0.3 s at 3,000
people and <= 1 s at 100,000, Reset <= 3 s at 3,000.

With --browser, also: `weishang serve` started on a free port and driven in Debian's Chromium:
page ready (navigation until the readout says "Day 0" and the tree is drawn; target <= 5 s), Step
(click until "Day N" is shown), Play (days shown per second over --play-days days; target >= 3),
Reset (click until the new model's day 0 is shown; target <= 3 s), all at the page's own 3,000
people.

Reference: Mesa's bundled virus_on_network stepped on as many nodes in the same process (built as
in benchmarks/throughput.py), a yardstick for "a plain Mesa step on this machine right now": each
figure is also printed as a multiple of it, so runs on a loaded machine compare with runs on a quiet one.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import ipyvuetify as v
import solara

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throughput import build_virus  # noqa: E402

from sim.viz import app, levers  # noqa: E402
from sim.viz.charts import Charts  # noqa: E402
from sim.viz.model import BrowserModel  # noqa: E402
from sim.viz.network import NetworkView  # noqa: E402
from sim.viz.riskpanel import RiskPanel  # noqa: E402
from sim.viz.treeview import TreeView  # noqa: E402

TARGETS = {3000: 0.3, 100_000: 1.0}  # seconds: step + render, by people
SHOWN = {"Header": app.Header, "TreeView": TreeView}  # what the page shows after a step (tree tab open)
OTHER_TABS = {"RiskPanel": RiskPanel, "Charts": Charts, "NetworkView": NetworkView}


def med(xs: list[float]) -> float:
    return statistics.median(xs)


def stats(xs: list[float]) -> str:
    return f"median {med(xs):6.3f} s, worst {max(xs):6.3f} s"


def virus_step(nodes: int, steps: int = 5) -> float:
    """Median seconds of a virus_on_network step on `nodes` nodes (the reference)."""
    model = build_virus(nodes, 6.0, 1)
    out = []
    for _ in range(steps):
        t0 = time.perf_counter()
        model.step()
        out.append(time.perf_counter() - t0)
    return med(out)


def render_once(component, model) -> float:
    t0 = time.perf_counter()
    _, rc = solara.render(component(model, model.day), handle_error=False)
    elapsed = time.perf_counter() - t0
    rc.close()
    return elapsed


def button(rc, label: str):
    return next(w for w in rc.find(v.Btn).widgets if label in w.children)


def page_in_process(people: int, steps: int) -> dict[str, object]:
    """Reset to `people` and Step `steps` times on the whole page, rendered in-process."""
    t0 = time.perf_counter()
    _, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    first = time.perf_counter() - t0
    rc.find(v.Select, label="People").widget.v_model = str(people)
    t0 = time.perf_counter()
    button(rc, "Reset").click()
    reset = time.perf_counter() - t0
    clicks = []
    for _ in range(steps):
        t0 = time.perf_counter()
        button(rc, "Step").click()
        clicks.append(time.perf_counter() - t0)
    rc.close()
    return {"first": first, "reset": reset, "steps": clicks}


def later_in_run(scenario: str, people: int, warmup: int, steps: int) -> dict[str, object]:
    model = BrowserModel(scenario, "1", people=str(people))
    for _ in range(warmup):
        model.step()
    for component in SHOWN.values():  # the page showed the day before (not timed)
        render_once(component, model)
    step, render = [], []
    for _ in range(steps):
        t0 = time.perf_counter()
        model.step()
        step.append(time.perf_counter() - t0)
        render.append(sum(render_once(c, model) for c in SHOWN.values()))
    tabs = {name: render_once(c, model) for name, c in OTHER_TABS.items()}
    sellers = int((model.people.role == 1).sum())
    return {"step": step, "render": render, "tabs": tabs, "day": model.day, "sellers": sellers,
            "ever": int(model.people.ever_sellers().size)}


def report_in_process(args: argparse.Namespace, people: int) -> None:
    ref = virus_step(people)
    page = page_in_process(people, args.steps)
    print(f"\n== {args.scenario}, {people:,} people (in-process); reference: virus_on_network step "
          f"{ref * 1000:.1f} ms at {people:,} nodes")
    print(f"  page, first render (3,000 people): {page['first']:.2f} s")
    print(f"  Reset to {people:,} people:         {page['reset']:.2f} s ({page['reset'] / ref:,.0f}x ref)")
    print(f"  Step, days 1-{args.steps} (step + render): {stats(page['steps'])} "
          f"({med(page['steps']) / ref:,.0f}x ref)")
    late = later_in_run(args.scenario, people, args.warmup, args.steps)
    both = [s + r for s, r in zip(late["step"], late["render"], strict=True)]
    print(f"  days {late['day'] - args.steps + 1}-{late['day']} ({late['sellers']:,} selling, "
          f"{late['ever']:,} ever sold):")
    print(f"    model.step()       {stats(late['step'])}")
    print(f"    render (shown)     {stats(late['render'])}")
    print(f"    step + render      {stats(both)} ({med(both) / ref:,.0f}x ref)")
    print("    other tabs, once:  " + ", ".join(f"{n} {s:.3f} s" for n, s in late["tabs"].items()))
    target = TARGETS.get(people)
    if target:
        worst = max(max(both), max(page["steps"]))
        verdict = "met" if worst <= target else "NOT met"
        print(f"  target step + render <= {target:g} s: worst {worst:.3f} s -> {verdict}")
    if people == 3000:
        print(f"  target Reset <= 3 s: {page['reset']:.2f} s -> {'met' if page['reset'] <= 3 else 'NOT met'}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--people", type=int, action="append", help="repeatable (default: 3000 and 100000)")
    parser.add_argument("--scenario", default="pyramid", choices=list(levers.scenario_choices()))
    parser.add_argument("--warmup", type=int, default=240, help="days stepped before the later timing")
    parser.add_argument("--steps", type=int, default=10, help="days timed")
    parser.add_argument("--browser", action="store_true", help="also time the page in Chromium")
    parser.add_argument("--play-days", type=int, default=30, help="days played in the browser")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    print(f"machine load (1, 5, 15 min): {', '.join(f'{x:.1f}' for x in _load())}")
    for people in args.people or [3000, 100_000]:
        report_in_process(args, people)
    if args.browser:
        report_browser(args.play_days, args.steps, virus_step(3000))


def _load() -> tuple[float, ...]:
    try:
        return os.getloadavg()
    except OSError:
        return ()


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextmanager
def serving() -> Iterator[str]:
    """`weishang serve` on a free port (exports into a temporary folder); yields its URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "WEISHANG_EXPORT_DIR": tmp}
        process = subprocess.Popen([sys.executable, "-m", "sim.cli", "serve", "--port", str(port)],
                                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            t0 = time.perf_counter()
            while process.poll() is None and time.perf_counter() - t0 < 120:
                try:
                    with urllib.request.urlopen(url + "/readyz", timeout=1) as reply:
                        if reply.status == 200:
                            break
                except OSError:
                    time.sleep(0.1)
            print(f"  server start (until /readyz answers): {time.perf_counter() - t0:.1f} s")
            yield url
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def report_browser(play_days: int, steps: int, ref: float) -> None:
    """Page ready, Step, Play and Reset in Chromium, at the page's own 3,000 people."""
    from playwright.sync_api import expect, sync_playwright

    wait = 120_000
    print(f"\n== the page in Chromium (pyramid, 3,000 people); reference step {ref * 1000:.1f} ms")
    with serving() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                     args=CHROMIUM_ARGS)
        day = None
        ready = []
        for visit in ("first visit", "second visit"):
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            day = page.locator(".weishang-day")
            t0 = time.perf_counter()
            page.goto(url + "/")
            expect(day).to_have_text("Day 0", timeout=wait)
            expect(page.locator(".weishang-tree canvas").first).to_be_visible(timeout=wait)
            ready.append(time.perf_counter() - t0)
            print(f"  page ready, {visit}: {ready[-1]:.2f} s")
            if visit == "first visit":
                page.close()
        clicks = step_clicks(page, steps, wait)
        print(f"  Step (click until the day is shown): {stats(clicks)} ({med(clicks) / ref:,.0f}x ref)")
        t0 = time.perf_counter()
        page.get_by_role("button", name="Play").click()
        page.wait_for_function(f"parseInt(document.querySelector('.weishang-day').textContent.slice(4)) >= "
                               f"{steps + play_days}", timeout=wait)
        played = time.perf_counter() - t0
        page.get_by_role("button", name="Pause").click()
        rate = play_days / played
        print(f"  Play: {play_days} days in {played:.1f} s = {rate:.1f} days a second")
        t0 = time.perf_counter()
        page.get_by_role("button", name="Reset", exact=True).click()
        expect(day).to_have_text("Day 0", timeout=wait)
        reset = time.perf_counter() - t0
        print(f"  Reset: {reset:.2f} s")
        big = at_100000(page, steps, wait)
        browser.close()
    def met(ok: bool) -> str:
        return "met" if ok else "NOT met"

    print(f"  targets: page ready <= 5 s: {max(ready):.2f} s -> {met(max(ready) <= 5)}; Play >= 3 a second: "
          f"{rate:.1f} -> {met(rate >= 3)}; Reset <= 3 s: {reset:.2f} s -> {met(reset <= 3)}; "
          f"Step <= 0.3 s: worst {max(clicks):.2f} s -> {met(max(clicks) <= 0.3)}; "
          f"Step <= 1 s at 100,000: worst {max(big):.2f} s -> {met(max(big) <= 1)}")


def at_100000(page, steps: int, wait: int) -> list[float]:
    """Reset to 100,000 people in the page, then Step: seconds per click until the day is shown."""
    from playwright.sync_api import expect

    picker = page.locator(".v-select").filter(has=page.get_by_text("People", exact=True))
    picker.locator(".v-select__slot").click()
    page.get_by_role("option", name="100000", exact=True).click()
    pending = page.get_by_text("Settings changed")
    expect(pending).to_be_visible(timeout=wait)
    t0 = time.perf_counter()
    page.get_by_role("button", name="Reset", exact=True).click()
    expect(pending).to_have_count(0, timeout=wait)  # gone in the render that shows the new model
    print(f"  Reset to 100,000 people: {time.perf_counter() - t0:.2f} s")
    clicks = step_clicks(page, steps, wait)
    print(f"  Step at 100,000 people (click until the day is shown): {stats(clicks)}")
    return clicks


def step_clicks(page, steps: int, wait: int) -> list[float]:
    """Click Step `steps` times from day 0: seconds from each click until its day is shown."""
    from playwright.sync_api import expect

    day, clicks = page.locator(".weishang-day"), []
    for d in range(1, steps + 1):
        t0 = time.perf_counter()
        page.get_by_role("button", name="Step", exact=True).click()
        expect(day).to_have_text(f"Day {d}", timeout=wait)
        clicks.append(time.perf_counter() - t0)
    return clicks


if __name__ == "__main__":
    main()
