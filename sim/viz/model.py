"""The model the page builds: a WeishangModel made from the page's controls, with the page's state.

SolaraViz rebuilds the model from its keyword arguments on Reset. Bad input (an empty seed, a
lever combination that makes an impossible plan, a scenario file that fails validation) must
not stop the server: the model then runs the default scenario and carries the message, which
the page shows.

What the page keeps between renders (the day's computed parts, the figures, the live converter the
risk panel reads the ledger with) is a `PageState`, the BrowserModel's own attribute `page`: made
with the model, so a Reset starts afresh, and declared here rather than hung on the model from outside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.model.model import WeishangModel
from sim.model.scenario import ScenarioError
from sim.risk.convert import LiveConverter
from sim.viz import levers


@dataclass
class PageState:
    """What the page's parts keep for one model (see sim.viz.components)."""

    days: dict[str, tuple[int, Any]] = field(default_factory=dict)  # part -> (model step, value)
    figures: dict[str, Any] = field(default_factory=dict)  # figure name -> figure, made once, updated
    layout: tuple[np.ndarray, dict[int, np.ndarray], str] | None = None  # people drawn, positions, note
    converter: LiveConverter = field(default_factory=LiveConverter)  # the ledger, day by day


class BrowserModel(WeishangModel):
    """WeishangModel with the page's controls as keyword arguments."""

    def __init__(self, name: str = levers.DEFAULT, seed: object = "1", people: str = levers.PEOPLE[0],
                 tier_gap: float = 1.0, recruit_bonus: float = 0.0, team_bonus: float = 0.0,
                 quality: float = 1.0, ad_tolerance: float = 4.0, buyback: float = 0.0,
                 mix: str = "as in the scenario", scenario=None, **_ignored) -> None:
        # `scenario` is Mesa's own scenario object, which SolaraViz passes on Reset: not ours.
        self.error: str | None = None
        self.page = PageState()
        try:
            chosen = levers.build(name, people, tier_gap, recruit_bonus, team_bonus, quality,
                                  ad_tolerance, buyback, mix)
            rng_seed = levers.parse_seed(seed)
        except ScenarioError as exc:
            self.error = f"{exc} — showing {levers.DEFAULT} with seed 1 instead."
            chosen, rng_seed = levers.build(levers.DEFAULT), 1
        super().__init__(chosen, seed=rng_seed)
