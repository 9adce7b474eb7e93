"""The browser view end to end: `weishang serve` driven in Debian's Chromium by Playwright."""

from __future__ import annotations

import os
import shutil
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

from sim.viz.components import readout  # noqa: E402
from sim.viz.model import BrowserModel  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Flags for a root, offline, headless machine: without the background-networking ones, Chromium's
# connections are refused on a closed network.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = ROOT / "results" / "runs" / "browser"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} missing: make setup installs it (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1500, "height": 1100}}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`weishang serve sim/scenarios/honest.toml` on a free port, for the module's tests."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(tmp_path_factory.mktemp("serve") / "server.log", "w+")  # noqa: SIM115
    process = subprocess.Popen([sys.executable, "-m", "sim.cli", "serve", "sim/scenarios/honest.toml",
                                "--port", str(port)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
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
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def expected(days: int, *args, **kwargs) -> str:
    model = BrowserModel(*args, **kwargs)
    model.run(days)
    return readout(model)


def test_page_steps_switches_scenario_and_resets(page: Page, server: str):
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(server + "/")
    step = page.get_by_role("button", name="Step", exact=True)
    expect(step).to_be_enabled(timeout=60_000)
    expect(page.get_by_text(expected(0, "honest", "1"), exact=True)).to_be_visible(timeout=60_000)
    expect(page.locator(".vue-grid-item img")).to_have_count(2, timeout=60_000)  # network, charts
    expect(page.get_by_text("Pyramid risk, day 0")).to_be_visible(timeout=60_000)
    for day in (1, 2, 3):
        step.click()
        expect(page.get_by_text(f"Time: {day}.0")).to_be_visible(timeout=30_000)
    # The numbers shown are the model's after the same number of steps (same as `weishang run`).
    expect(page.get_by_text(expected(3, "honest", "1"), exact=True)).to_be_visible(timeout=30_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "page.png", full_page=True)

    # Switch scenario, move a slider to its limit, reset: the page shows that model.
    picker = page.locator(".v-select").filter(has=page.get_by_text("Scenario", exact=True))
    picker.locator(".v-select__slot").click()
    page.get_by_role("option", name="pyramid", exact=True).click()
    slider = page.get_by_role("slider", name="Product quality (x scenario)")
    slider.focus()
    slider.press("Home")  # the minimum, 0.2
    expect(slider).to_have_attribute("aria-valuenow", "0.2")
    page.get_by_role("button", name="Reset", exact=True).click()
    expect(page.get_by_text("Time: 0.0")).to_be_visible(timeout=30_000)
    expect(page.get_by_text(expected(0, "pyramid", "1", quality=0.2), exact=True)).to_be_visible(
        timeout=60_000)
    step.click()
    expect(page.get_by_text(expected(1, "pyramid", "1", quality=0.2), exact=True)).to_be_visible(
        timeout=30_000)
    page.screenshot(path=SHOTS / "page_after_reset.png", full_page=True)
    assert not errors, errors


def test_bad_seed_shows_a_message_and_the_server_keeps_serving(page: Page, server: str):
    page.goto(server + "/")
    # Wait until the page has rendered its model (the controls re-render once on start).
    expect(page.get_by_text(expected(0, "honest", "1"), exact=True)).to_be_visible(timeout=60_000)
    seed = page.get_by_label("Seed")
    seed.fill("")
    seed.press("Enter")  # the box commits on Enter or when it loses focus
    expect(seed).to_have_value("")
    page.get_by_role("button", name="Reset", exact=True).click()
    expect(page.get_by_text("seed: '' is not allowed")).to_be_visible(timeout=30_000)
    with urllib.request.urlopen(server + "/readyz", timeout=5) as reply:
        assert reply.status == 200
    shutil.rmtree(SHOTS / "unused", ignore_errors=True)
