"""The page's charts of the daily series, drawn with ECharts (see sim.viz.echarts for why): a value
for every day under the mouse, legend entries that switch a series off and on, brands' tier names.

Each chart is an ECharts option made from the model's DataCollector series (pooled over brands) or
the page's per-brand series (sim.viz.model.BrandSeries), once per model day. Shares are shown in
per cent with the axis a little above 100%, so a line at 100% stays in view.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import solara

from sim.viz.components import cached, page_state
from sim.viz.echarts import EChart
from sim.viz.treeview import TIER_COLOURS

HEIGHT = 300  # pixels a chart
SOURCES = ("retail", "wholesale", "recruit_bonus", "buy_in_bonus", "team_bonus", "rank_bonus", "retail_bonus",
           "dump", "buyback")
SOURCE_NAMES = {"retail": "retail sales", "wholesale": "wholesale to recruits",
                "recruit_bonus": "recruitment bonus", "buy_in_bonus": "bonus on recruits' entry",
                "team_bonus": "team bonus", "rank_bonus": "leadership pool", "retail_bonus": "retail rebate",
                "dump": "dumped stock", "buyback": "buyback"}


def _series(model, key: str) -> np.ndarray:
    return np.asarray(model.datacollector.model_vars.get(key, []), dtype=float)


def _rounded(values: Sequence[float] | np.ndarray, digits: int = 3) -> list[float]:
    return np.round(np.asarray(values, dtype=float), digits).tolist()


def by_day(brand_days: list[int], values: list, days: list[int]) -> list:
    """A brand's recorded values on the chart's days (None on a day not recorded)."""
    at = dict(zip(brand_days, values, strict=True))
    return [at.get(d) for d in days]


def base(title: str, days: list[int], y_name: str, **y: Any) -> dict[str, Any]:
    """The frame every chart shares: title, legend under it, a tooltip for the day under the mouse."""
    return {
        "animation": False,
        "title": {"text": title, "left": 8, "top": 4, "textStyle": {"fontSize": 14}},
        "legend": {"type": "scroll", "top": 28, "left": 8, "right": 8, "textStyle": {"fontSize": 12}},
        "tooltip": {"trigger": "axis", "confine": True, "className": "weishang-chart-tip", "formatter": "day",
                    "textStyle": {"fontSize": 12}},
        "grid": {"left": 64, "right": 20, "top": 78, "bottom": 40},
        "xAxis": {"type": "category", "data": days, "name": "day", "nameLocation": "middle", "nameGap": 24,
                  "boundaryGap": False},
        "yAxis": {"type": "value", "name": y_name, "nameTextStyle": {"align": "left"}, **y},
        "series": [],
    }


def line(name: str, data: list, **extra: Any) -> dict[str, Any]:
    return {"type": "line", "name": name, "data": data, "showSymbol": False, "lineStyle": {"width": 2},
            **extra}


def percent_axis() -> dict[str, Any]:
    return {"min": 0, "max": 105, "interval": 25,
            "axisLabel": {"formatter": "{value}%", "showMaxLabel": False}}


def sellers_by_tier(model, days: list[int]) -> dict[str, Any]:
    several = len(model.brands) > 1
    opt = base("Sellers by tier", days, "sellers")
    for b, brand in enumerate(model.brands):
        series = page_state(model).brands[b]
        for k, tier in enumerate(brand.tiers):
            counts = by_day(series.days, [c[k] for c in series.by_tier], days)
            opt["series"].append(line(f"{brand.name}: {tier['name']}" if several else tier["name"],
                                      counts, stack=brand.name, areaStyle={},
                                      color=TIER_COLOURS[k % len(TIER_COLOURS)]))
    return opt


def stock(model, days: list[int]) -> dict[str, Any]:
    opt = base("Stock held by sellers", days, "units")
    brands = page_state(model).brands
    opt["series"] = [line(b.name, by_day(brands[k].days, brands[k].stock, days))
                     for k, b in enumerate(model.brands)]
    return opt


def flows(model, days: list[int]) -> dict[str, Any]:
    opt = base("Units moved per day", days, "units a day")
    opt["series"] = [line("retail to end users", _series(model, "retail_nonparticipant_units").tolist()),
                     line("wholesale between sellers", _series(model, "wholesale_units").tolist()),
                     line("dumped", _series(model, "dump_units").tolist())]
    return opt


def trust(model, days: list[int]) -> dict[str, Any]:
    opt = base("Trust in sellers", days, "0 to 1", min=0, max=1)
    levels = (("mean_trust", "overall"), ("trust_cognitive", "cognitive"), ("trust_affective", "affective"),
              ("trust_behavioural", "behavioural"))
    opt["series"] = [line(label, _rounded(_series(model, key))) for key, label in levels]
    return opt


def receipts(model, days: list[int]) -> dict[str, Any]:
    opt = base("Sellers' receipts by source, and brand revenue", days, "yuan, cumulative")
    for source in SOURCES:
        values = np.cumsum(_series(model, f"income_{source}"))
        if values.size and values[-1] > 0:  # sources this plan never pays are left out of the legend
            opt["series"].append(line(SOURCE_NAMES[source], _rounded(values, 0), stack="receipts",
                                      areaStyle={}))
    revenue = np.cumsum(_series(model, "brand_revenue_entry") + _series(model, "brand_revenue_restock"))
    opt["series"].append(line("brand revenue", _rounded(revenue, 0), color="#000",
                              lineStyle={"width": 2, "type": "dashed"}))
    return opt


def in_loss(model, days: list[int]) -> dict[str, Any]:
    opt = base("Sellers in loss (of all who ever sold)", days, "share", **percent_axis())
    brands = page_state(model).brands
    opt["series"] = [line(b.name, by_day(brands[k].days, _rounded(100 * np.asarray(brands[k].in_loss), 1),
                                         days)) for k, b in enumerate(model.brands)]
    return opt


CHARTS: dict[str, Callable[[Any, list[int]], dict[str, Any]]] = {
    "sellers": sellers_by_tier, "stock": stock, "flows": flows, "trust": trust, "receipts": receipts,
    "loss": in_loss}


def options(model) -> dict[str, dict[str, Any]]:
    """Every chart's option for the model's day (made once a day)."""
    def make(m):
        days = [int(d) for d in _series(m, "day")]
        return {name: chart(m, days) for name, chart in CHARTS.items()}
    return cached(model, "charts", make)


@solara.component
def Charts(model, day: int = 0):
    """The charts, as many abreast as the width allows (two at 1280 pixels, three at 1920)."""
    grid = {"display": "grid", "grid-template-columns": "repeat(auto-fill, minmax(440px, 1fr))",
            "gap": "12px", "width": "100%"}
    with solara.Div(style=grid):
        for name, opt in options(model).items():
            with solara.Card(style={"padding": "4px", "margin": "0"}):
                EChart(opt, height=HEIGHT, css_class=f"weishang-chart weishang-chart-{name}").key(
                    f"chart-{name}-{id(page_state(model))}")
