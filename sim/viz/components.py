"""What the page's parts share: the page state of a model, a per-day cache, the day's readout.

Each part (tree, charts, risk panel, social graph) is a function of the model that the page renders
again after every step. What it shows is computed once per model day and kept in the model's page
state (`cached`), so a page that re-renders without a step (a resize, a tab switched back) costs
nothing.

The page state is the BrowserModel's own (`model.page`). A part given a plain WeishangModel (a test,
a notebook) keeps one for it in a WeakKeyDictionary here, which leaves the model untouched and goes
when the model goes; its per-brand figures are then recorded on the days the page looks at it.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from sim.model.model import WeishangModel
from sim.viz.model import BrowserModel, PageState, record

_OTHERS: weakref.WeakKeyDictionary[WeishangModel, PageState] = weakref.WeakKeyDictionary()


def page_state(model: WeishangModel) -> PageState:
    """The page's state for this model: a BrowserModel's own, else one kept here for the model."""
    if isinstance(model, BrowserModel):
        return model.page
    state = _OTHERS.get(model)
    if state is None:
        state = _OTHERS[model] = PageState()
    with state.lock:
        if not state.brands or state.brands[0].days[-1] != model.day:
            record(model, state.brands)  # a plain model's brand figures, on the days the page sees it
    return state


def cached(model: WeishangModel, key: str, make: Callable[[Any], Any]) -> Any:
    """make(model), computed once per model step and kept in the model's page state (under its lock,
    so never while the model steps)."""
    state = page_state(model)
    with state.lock:
        hit = state.days.get(key)
        if hit is None or hit[0] != model.steps:
            hit = state.days[key] = (model.steps, make(model))
        return hit[1]


def readout(model) -> str:
    """One line of the day's numbers (the tests compare it with `weishang run`'s model)."""
    t = model.today
    return (f"Day {t['day']} | sellers {t['sellers']:,} | recruits {t['recruits']} | "
            f"stock {t['stock_units']:,} units | retail to end users {t['retail_nonparticipant_units']} | "
            f"mean trust {t['mean_trust']:.3f} | in loss {t['share_in_loss']:.3f}")
