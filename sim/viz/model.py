"""The model the page builds: a WeishangModel made from the page's controls, with the page's state.

The page rebuilds the model from its controls on Reset. Bad input (an empty seed, a lever
combination that makes an impossible plan, a scenario file that fails validation) must not stop
the server: the model then runs the default scenario and carries the message, which the page shows.

What the page keeps between renders (the day's computed parts, the layout of the social graph, the
live converter the risk panel reads the ledger with, each brand's daily figures) is a `PageState`,
the BrowserModel's own attribute `page`: made with the model, so a Reset starts afresh.

The model's own series pool the brands (sellers by tier index, share in loss); the page shows
each brand with its tier names, so a BrowserModel also keeps each brand's daily figures
(`BrandSeries`), read from the model's arrays after each day. It draws no random numbers: the run
is the same as `weishang run` gives.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.model.metrics import seller_profit
from sim.model.model import WeishangModel
from sim.model.people import SELLER
from sim.model.scenario import ScenarioError
from sim.risk.convert import LiveConverter
from sim.viz import levers


@dataclass
class BrandSeries:
    """One brand's figures on the days recorded (a BrowserModel: every day from day 0): active sellers
    by tier, stock held, share of its ever-sellers in loss (as the model's pooled `share_in_loss`)."""

    days: list[int] = field(default_factory=list)
    by_tier: list[list[int]] = field(default_factory=list)
    stock: list[int] = field(default_factory=list)
    in_loss: list[float] = field(default_factory=list)


@dataclass
class PageState:
    """What the page's parts keep for one model (see sim.viz.components)."""

    days: dict[str, tuple[int, Any]] = field(default_factory=dict)  # part -> (model step, value)
    figures: dict[str, Any] = field(default_factory=dict)  # figure name -> figure, made once, updated
    layout: tuple[np.ndarray, dict[int, np.ndarray], str] | None = None  # people drawn, positions, note
    converter: LiveConverter = field(default_factory=LiveConverter)  # the ledger, day by day
    brands: list[BrandSeries] = field(default_factory=list)
    # Held while the model steps or is written, and while a part reads it (sim.viz.components.cached):
    # Play steps the model in a thread of its own, and the page may render from another.
    lock: threading.RLock = field(default_factory=threading.RLock)


def record(model: WeishangModel, into: list[BrandSeries]) -> None:
    """Append today's figures of each brand (the arrays as they are after the day)."""
    p = model.people
    active, ever = p.role == SELLER, p.ever_sellers()
    profit = seller_profit(model.state, ever)
    for b, brand in enumerate(model.brands):
        if len(into) <= b:
            into.append(BrandSeries())
        mine = active & (p.brand == b)
        into[b].days.append(model.day)
        into[b].by_tier.append(np.bincount(p.tier[mine], minlength=len(brand.tiers)).tolist())
        into[b].stock.append(int(p.stock[mine].sum()))
        sold = p.brand[ever] == b
        into[b].in_loss.append(float((profit[sold] < 0).mean()) if sold.any() else 0.0)


class BrowserModel(WeishangModel):
    """WeishangModel with the page's controls as keyword arguments."""

    def __init__(self, name: str = levers.DEFAULT, seed: object = "1", people: str = levers.PEOPLE[0],
                 tier_gap: float = 1.0, recruit_bonus: float = 0.0, team_bonus: float = 0.0,
                 quality: float = 1.0, ad_tolerance: float = 4.0, buyback: float = 0.0,
                 mix: str = "as in the scenario", scenario=None, **_ignored) -> None:
        # `scenario` is Mesa's own scenario object (SolaraViz passes one on Reset): not ours.
        self.error: str | None = None
        self.page = PageState()
        try:
            chosen = levers.build(name, people, tier_gap, recruit_bonus, team_bonus, quality,
                                  ad_tolerance, buyback, mix)
            rng_seed = levers.parse_seed(seed)
        except ScenarioError as exc:
            self.error = (f"{exc} — showing {levers.DEFAULT} ({int(levers.PAGE_PEOPLE):,} people) with "
                          "seed 1 instead.")
            chosen, rng_seed = levers.build(levers.DEFAULT, people=levers.PAGE_PEOPLE), 1
        start = time.perf_counter()
        super().__init__(chosen, seed=rng_seed)
        self.seconds = time.perf_counter() - start  # building and running, for the exported meta.json
        record(self, self.page.brands)

    def step(self) -> None:
        start = time.perf_counter()
        super().step()
        record(self, self.page.brands)
        self.seconds += time.perf_counter() - start
