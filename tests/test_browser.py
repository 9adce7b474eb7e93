"""The browser view end to end: `weishang serve` driven in Debian's Chromium by Playwright.

One server for the module; each test opens its own page (its own session and model). Waits are on
conditions with timeouts, never sleeps: the machine may be loaded.
"""

from __future__ import annotations

import html as htmllib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("playwright")
pytest.importorskip("solara")
from playwright.sync_api import Page, expect  # noqa: E402

from sim.viz import levers, riskpanel, text, treeview  # noqa: E402
from sim.viz.components import readout  # noqa: E402
from sim.viz.echarts import ECHARTS  # noqa: E402
from sim.viz.model import BrowserModel  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".solara_cdn"  # the page's scripts, for machines offline (make setup)
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Flags for a root, offline, headless machine: without the background-networking ones, Chromium's
# connections are refused on a closed network.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = ROOT / "results" / "runs" / "browser"  # screenshots (results/browser*.png are copies of these)
WAIT = 60_000  # ms: the longest any one condition may take on a loaded machine


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} missing: make setup installs it (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}}


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("exports")


@pytest.fixture(scope="module")
def server(tmp_path_factory, exports):
    """`weishang serve` on a free port, exporting into a temporary folder."""
    if (CACHE / "requirejs@2.3.6").is_dir() and not (CACHE / ECHARTS / "dist" / "echarts.min.js").is_file():
        pytest.skip(f"{CACHE} has no {ECHARTS}: make setup fetches it (tools/fetch_solara_assets.sh)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(tmp_path_factory.mktemp("serve") / "server.log", "w+")  # noqa: SIM115
    env = {**os.environ, "WEISHANG_EXPORT_DIR": str(exports), "WEISHANG_CJK": "0"}
    process = subprocess.Popen([sys.executable, "-m", "sim.cli", "serve", "--port", str(port)], cwd=ROOT,
                               env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:  # wait until the server answers (a readiness poll, bounded)
            if process.poll() is not None:
                log.seek(0)
                pytest.fail(f"weishang serve exited with {process.returncode}:\n{log.read()}")
            try:
                with urllib.request.urlopen(url + "/readyz", timeout=1) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("weishang serve not ready after 90 s")
            time.sleep(0.2)
        yield url
        log.seek(0)
        assert "Traceback" not in log.read(), "the server logged an error"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def model_after(days: int, **settings) -> BrowserModel:
    model = BrowserModel(**{**levers.defaults(), **settings})
    model.run(days)
    return model


def open_page(page: Page, server: str) -> list[str]:
    """Open the page; returns the list its console errors and page errors go to."""
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(server + "/")
    expect(page.locator(".weishang-day")).to_have_text("Day 0", timeout=WAIT)
    expect(page.locator(".weishang-tree canvas").first).to_be_visible(timeout=WAIT)
    return errors


def step(page: Page, days: int, start: int = 0) -> None:
    for day in range(start + 1, start + days + 1):
        page.get_by_role("button", name="Step", exact=True).click()
        expect(page.locator(".weishang-day")).to_have_text(f"Day {day}", timeout=WAIT)


def choose(page: Page, label: str, option: str) -> None:
    picker = page.locator(".v-select").filter(has=page.get_by_text(label, exact=True))
    picker.locator(".v-select__slot").click()
    page.get_by_role("option", name=option, exact=True).click()


def plain(tip: str) -> str:
    """A tooltip's HTML as its text content (tags dropped, lines run together)."""
    return htmllib.unescape(re.sub("<[^>]+>", "", tip))


def test_tree_shows_who_recruited_whom_and_hover_shows_a_seller(page: Page, server: str):
    errors = open_page(page, server)
    step(page, 3)
    model = model_after(3)
    expect(page.locator(".weishang-readout")).to_have_text(readout(model), timeout=WAIT)
    # Hover the founders' row (level 1) half-way across: the founder whose box spans the middle.
    [(t, head, opt, px)] = treeview.trees(model, "people")
    s = treeview.sellers(model)
    lay = t.layout
    middle = next(i for i in range(t.rows.size) if lay.level[i] == 0 and lay.x0[i] <= 0.5 < lay.x1[i])
    chart = page.locator(".weishang-tree").first
    expect(chart).to_have_css("height", f"{px}px")
    box = chart.bounding_box()
    width = box["width"] - treeview.LEFT - treeview.RIGHT
    page.mouse.move(box["x"] + treeview.LEFT + 0.5 * width, box["y"] + treeview.TOP + treeview.ROW / 2)
    tip = chart.locator(".weishang-tip")
    expect(tip).to_be_visible(timeout=WAIT)
    expect(tip).to_have_text(plain(treeview.tip(model, s, t, middle)), timeout=WAIT)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "browser_hover.png")
    expect(page.locator(".weishang-tree-heading")).to_contain_text("shown: people (one each)")
    page.get_by_role("button", name="stock", exact=True).click()
    expect(page.locator(".weishang-tree-heading")).to_contain_text("shown: stock held (units)", timeout=WAIT)
    assert not errors, errors


def test_chart_tooltips_show_the_day_and_legend_entries_switch_series_off(page: Page, server: str):
    errors = open_page(page, server)
    step(page, 4)
    page.get_by_role("tab", name="Charts").click()
    chart = page.locator(".weishang-chart-flows")
    expect(chart.locator("canvas")).to_be_visible(timeout=WAIT)
    box = chart.bounding_box()
    tip = chart.locator(".weishang-chart-tip")  # each chart has its own
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.6)
    expect(tip).to_be_visible(timeout=WAIT)
    expect(tip).to_contain_text(re.compile(r"day \d"))
    expect(tip).to_contain_text("retail to end users")
    # The first legend entry (at the legend's left edge) switches its series off.
    page.mouse.click(box["x"] + 8 + 12, box["y"] + 28 + 7)
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.7)
    expect(tip).to_contain_text("wholesale between sellers", timeout=WAIT)
    expect(tip).not_to_contain_text("retail to end users")
    page.set_viewport_size({"width": 1920, "height": 1080})
    expect(page.locator(".weishang-chart canvas")).to_have_count(6, timeout=WAIT)
    page.screenshot(path=SHOTS / "browser_charts.png")
    assert not errors, errors


def test_controls_show_values_and_play_is_labelled(page: Page, server: str):
    errors = open_page(page, server)
    for lever in levers.LEVERS:
        label = page.get_by_text(f"{lever.label}: {lever.text(lever.neutral)}", exact=True)
        expect(label).to_be_visible()
        track = page.locator(".v-input__slider").filter(has=label).locator(".v-slider")
        assert track.bounding_box()["width"] > 150, lever.key  # a usable width, not squeezed
    quality = page.get_by_role("slider", name=re.compile("^Product quality:"))
    quality.focus()
    quality.press("Home")  # the minimum, 0.2
    expect(page.get_by_text("Product quality: x0.2 the scenario's", exact=True)).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("Settings changed: Reset to run them.")).to_be_visible()
    expect(page.get_by_text(levers.description("pyramid"))).to_be_visible()
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("parseInt(document.querySelector('.weishang-day').textContent.slice(4)) >= 60",
                           timeout=WAIT)
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play")).to_be_visible(timeout=WAIT)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "browser.png")
    page.get_by_role("button", name="Reset", exact=True).click()
    expect(page.locator(".weishang-readout")).to_have_text(readout(model_after(0, quality=0.2)), timeout=WAIT)
    assert not errors, errors


def test_mixed_market_has_a_verdict_per_brand_and_export_makes_a_run_weishang_risk_scores(
        page: Page, server: str, exports: Path):
    errors = open_page(page, server)
    choose(page, "Scenario", "mixed_market")
    page.get_by_role("button", name="Reset", exact=True).click()
    expect(page.locator(".weishang-tree canvas")).to_have_count(2, timeout=WAIT)  # a tree per brand
    step(page, 5)
    page.get_by_role("tab", name="Risk").click()
    shown = riskpanel.results(model_after(5, name="mixed_market"))
    brands = page.locator(".weishang-risk-brand")
    expect(brands).to_have_count(2, timeout=WAIT)
    for brand, result in shown.items():
        verdict = page.locator(f".weishang-risk-brand[data-brand='{brand}'] .weishang-brand-verdict")
        expect(verdict).to_have_text(f"Brand {brand}: pyramid risk {result.overall}")
    page.locator(".weishang-indicator summary").nth(2).click()
    expect(page.locator(".weishang-basis").nth(2)).to_be_visible()
    body = page.locator("body").inner_text()
    assert not text.CJK.search(body) and not text.EMOJI.search(body)  # no font here: pinyin
    page.screenshot(path=SHOTS / "browser_risk.png", full_page=True)

    page.get_by_label("Run folder name").fill("page-export")
    page.get_by_role("button", name="Export run folder").click()
    expect(page.locator(".weishang-export-done")).to_contain_text("Saved", timeout=WAIT)
    folder = exports / "page-export"
    out = subprocess.run([sys.executable, "-m", "sim.cli", "risk", str(folder)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    scored = json.loads((folder / "risk.json").read_text())  # written into the run folder
    verdicts = {g["label"].split(" / ")[-1]: g["overall"] for g in scored["groups"]
                if g["period"] == "whole period"}
    assert verdicts == {brand: r.overall for brand, r in shown.items()}
    assert not errors, errors


def test_bad_seed_shows_a_message_and_the_server_keeps_serving(page: Page, server: str):
    open_page(page, server)
    seed = page.get_by_label("Seed")
    seed.fill("")
    seed.press("Enter")  # the box commits on Enter or when it loses focus
    expect(seed).to_have_value("")
    page.get_by_role("button", name="Reset", exact=True).click()
    expect(page.get_by_text("seed: '' is not allowed")).to_be_visible(timeout=WAIT)
    with urllib.request.urlopen(server + "/readyz", timeout=5) as reply:
        assert reply.status == 200
