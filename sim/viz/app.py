"""The browser view: `weishang serve [SCENARIO]` runs `solara run` on this file.

A model per browser session (built inside Page with use_memo, never at module level), the
scenario picker and levers in the sidebar, the network, charts and live risk panel in the grid.
"""

from __future__ import annotations

import solara
from mesa.visualization import Slider, SolaraViz

from sim.viz import levers
from sim.viz.components import Charts, NetworkView, RiskPanel, Summary
from sim.viz.model import BrowserModel


def model_params() -> dict:
    """SolaraViz controls; each keyword is a BrowserModel argument."""
    return {
        "name": {"type": "Select", "value": levers.default_scenario(), "label": "Scenario",
                 "values": list(levers.scenario_choices())},
        "seed": {"type": "InputText", "value": "1", "label": "Seed"},
        "people": {"type": "Select", "value": levers.PEOPLE[0], "label": "People",
                   "values": list(levers.PEOPLE)},
        "tier_gap": Slider("Tier price gap (x scenario)", 1.0, 0.5, 1.2, 0.1),
        "recruit_bonus": Slider("Recruitment bonus (+ share of first order)", 0.0, 0.0, 0.5, 0.05),
        "team_bonus": Slider("Team bonus, level 1 (+ share)", 0.0, 0.0, 0.3, 0.05),
        "quality": Slider("Product quality (x scenario)", 1.0, 0.2, 1.5, 0.1),
        "ad_tolerance": Slider("Ad tolerance (posts a day)", 4.0, 0.0, 10.0, 1.0),
        "buyback": Slider("Buyback (share of cost; 0 = as scenario)", 0.0, 0.0, 1.0, 0.1),
        "mix": {"type": "Select", "value": "as in the scenario", "label": "Strategy mix",
                "values": list(levers.MIXES)},
    }


@solara.component
def Page():
    model = solara.use_memo(lambda: BrowserModel(levers.default_scenario()), [])
    SolaraViz(model, components=[Summary, NetworkView, Charts, RiskPanel], model_params=model_params(),
              name="weishang-sim")
