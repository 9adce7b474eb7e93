"""The browser view: `weishang serve [SCENARIO]` runs `solara run` on this file.

A model per browser session (built inside Page, never at module level, so tabs do not share one).
The controls on the left; on the right the day's readout and each brand's risk verdict, then tabs:
the recruitment tree (the central picture), the risk panel, the charts, the social graph. Only the
open tab is drawn.

Play steps the model in a thread of the session, a day per frame, at most `1 / FRAME` frames a
second. The model steps, is exported and is read by the parts under its page state's lock, so no
part reads a day half done; the page re-renders after the lock is let go (the render takes
solara's own lock, then the page's: always in that order).
"""

from __future__ import annotations

import threading
import time
import warnings

import solara
import solara.server.settings

from sim.viz import levers
from sim.viz.charts import Charts
from sim.viz.components import readout
from sim.viz.controls import CSS, ExportControls, RunControls, ScenarioControls
from sim.viz.export import ExportError, default_name, export
from sim.viz.model import BrowserModel
from sim.viz.network import NetworkView
from sim.viz.riskpanel import RiskPanel, verdict_strip
from sim.viz.treeview import TreeView

FRAME = 0.1  # seconds: the shortest time between two played days (at most 10 a second)
TABS = ("Recruitment tree", "Risk", "Charts", "Social network")
# Solara warns on every page load over plain http to 127.0.0.1 that its session cookie falls back to
# SameSite=Lax, which is what a page on this machine needs (it is not embedded in another site's frame).
warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
# The page's own name in the browser's title bar before the page sets it (solara's has an emoji, which
# a machine without emoji fonts draws as a box), and no "runs on Solara" banner over the charts.
solara.server.settings.theme.title = "weishang-sim"
solara.server.settings.theme.show_banner = False


@solara.component
def Header(model, day: int):
    if model.error:
        solara.Error(model.error)
    solara.HTML(tag="div", unsafe_innerHTML=(
        f"<div class='weishang-readout' style='font-size:15px'>{readout(model)}</div>"
        f"<div style='font-size:15px;margin-top:4px'>{verdict_strip(model)}</div>"))


@solara.component
def Page():
    first = solara.use_memo(lambda: BrowserModel(**levers.defaults()), [])
    model = solara.use_reactive(first)
    settings = solara.use_reactive(levers.defaults())
    applied = solara.use_reactive(levers.defaults())
    day = solara.use_reactive(first.day)  # the day last stepped to: the page renders again when it changes
    playing = solara.use_reactive(False)
    tab = solara.use_reactive(0)
    kind = solara.use_reactive("people")
    exported = solara.use_reactive(("", ""))  # (message, error)

    def step() -> None:
        m = model.value
        with m.page.lock:
            m.step()
        if model.value is m:  # (not reset meanwhile) re-render, outside the lock the parts read under
            day.set(m.day)

    def play(cancel: threading.Event) -> None:
        while playing.value and not cancel.is_set():
            start = time.perf_counter()
            step()
            cancel.wait(max(0.0, FRAME - (time.perf_counter() - start)))

    solara.use_thread(play, dependencies=[playing.value], intrusive_cancel=False)

    def reset() -> None:
        playing.set(False)
        built = BrowserModel(**settings.value)
        applied.set(dict(settings.value))
        exported.set(("", ""))
        model.set(built)
        day.set(built.day)

    def save(name: str) -> None:
        playing.set(False)
        m = model.value
        try:
            with m.page.lock:
                folder = export(m, name)
        except ExportError as exc:
            exported.set(("", str(exc)))
            return
        exported.set((f"Saved {folder} (score it with: weishang risk {folder})", ""))

    m = model.value
    solara.Title("weishang-sim")
    solara.Style(CSS)
    page = {"flex-wrap": "nowrap", "align-items": "flex-start", "gap": "16px", "padding": "8px"}
    with solara.Row(style=page):
        with solara.Column(classes=["weishang-sidebar"], style={"width": "340px", "min-width": "340px"}):
            RunControls(m.day, playing.value, step, lambda: playing.set(not playing.value), reset,
                        settings.value != applied.value)
            ScenarioControls(settings)
            ExportControls(default_name(m), save, *exported.value)
        with solara.Column(style={"flex": "1 1 auto", "min-width": "0"}):
            shown = day.value  # read here so every part renders again after a step, and passed on
            Header(m, shown)
            with solara.v.Tabs(v_model=tab.value, on_v_model=tab.set):
                for label in TABS:
                    solara.v.Tab(children=[label])
            if tab.value == 0:
                TreeView(m, shown, kind.value, kind.set)
            elif tab.value == 1:
                RiskPanel(m, shown)
            elif tab.value == 2:
                Charts(m, shown)
            else:
                NetworkView(m, shown)
