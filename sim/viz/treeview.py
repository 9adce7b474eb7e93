"""The page's central picture: each brand's recruitment tree as an icicle (sim.viz.tree), drawn with
ECharts; colour by tier, box width by people, stock held or loss (a toggle), sellers who left pale
with a dashed outline. Hovering a box shows the seller; clicking it zooms to its downline.

The chart's rows have a fixed height (`ROW` pixels a level), so the picture grows with the tree's
depth and row k's place is known: the browser test hovers the founders' row by it.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import solara

from sim.viz.components import cached, page_state
from sim.viz.echarts import EChart
from sim.viz.tree import MEASURES, BrandTree, Sellers, brand_tree, sellers

ROW, TOP, BOTTOM, LEFT, RIGHT = 30, 40, 40, 64, 16  # pixels: a level's row, the grid's margins
# One colour a tier, entry tier first (viridis: ordered, readable in grey and with colour-blindness).
TIER_COLOURS = ["#fde725", "#7ad151", "#22a884", "#2a788e", "#414487", "#440154", "#bc3754", "#f98e09"]
UNITS = {"people": "", "stock": " units", "loss": " yuan"}


def tiers(model, brand: int) -> list[str]:
    return [t["name"] for t in model.brands[brand].tiers]


def tip(model, s: Sellers, tree: BrandTree, i: int) -> str:
    """The hover text of the tree's i-th seller (HTML, names escaped)."""
    row, lay = tree.rows[i], tree.layout
    names = tiers(model, tree.brand)
    up = lay.parent[i]
    upline = "a founder" if up < 0 else f"recruited by seller {s.id[tree.rows[up]]}"
    left = f", left on day {s.exit_day[row]}" if not s.active[row] else ""
    share = lay.x1[i] - lay.x0[i]
    return (f"<b>Seller {s.id[row]}</b>: {html.escape(names[s.tier[row]])} "
            f"(tier {s.tier[row] + 1} of {len(names)})<br>"
            f"level {lay.level[i] + 1}, {upline}; joined on day {s.join_day[row]}{left}<br>"
            f"stock {s.stock[row]:,} units; paid {s.paid[row]:,.0f} yuan, received {s.received[row]:,.0f} "
            f"yuan, net {s.net[row]:,.0f} yuan<br>"
            f"{s.recruits[row]:,} direct recruits, {lay.below[i]:,} people below; "
            f"{share:.1%} of the brand's {MEASURES[tree.kind].split(' (')[0]}")


def heading(model, s: Sellers, tree: BrandTree) -> str:
    rows = tree.rows
    name = html.escape(model.brands[tree.brand].name)
    total = tree.layout.total[tree.layout.level == 0].sum() if rows.size else 0
    levels = tree.layout.levels
    return (f"<b>Brand {name}</b>: {rows.size:,} people ever sold, {int(s.active[rows].sum()):,} now; "
            f"{levels} level{'' if levels == 1 else 's'}; shown: {MEASURES[tree.kind]}, "
            f"{total:,.0f}{UNITS[tree.kind]} in all")


def option(model, s: Sellers, tree: BrandTree) -> dict[str, Any]:
    """The ECharts option of one brand's icicle: a custom series per tier (so the legend toggles
    tiers), rows by level, the x axis the share of the brand's whole (zoomable)."""
    lay, rows, names = tree.layout, tree.rows, tiers(model, tree.brand)
    shown = lay.x1 > lay.x0  # nothing to draw for a zero share (no stock, no loss down there)
    series = []
    for k, name in enumerate(names):
        mine = np.flatnonzero(shown & (s.tier[rows] == k))
        data = [{"value": [round(float(lay.x0[i]), 7), round(float(lay.x1[i]), 7), int(lay.level[i]),
                           int(not s.active[rows[i]])],
                 "tip": tip(model, s, tree, int(i)),
                 "span": [round(float(lay.x0[i]), 7), round(float(lay.x1[i]), 7)]} for i in mine]
        series.append({"type": "custom", "name": name, "renderItem": "icicle", "data": data,
                       "encode": {"x": [0, 1], "y": 2}, "color": TIER_COLOURS[k % len(TIER_COLOURS)],
                       "clip": True})
    return {
        "animation": False,
        "grid": {"left": LEFT, "right": RIGHT, "top": TOP, "bottom": BOTTOM},
        "legend": {"top": 4, "left": LEFT, "data": names, "textStyle": {"fontSize": 13}},
        "tooltip": {"trigger": "item", "formatter": "tip", "confine": True, "className": "weishang-tip",
                    "textStyle": {"fontSize": 13}},
        "xAxis": {"type": "value", "min": 0, "max": 1, "show": False},
        "yAxis": {"type": "category", "inverse": True, "data": [f"level {k + 1}" for k in range(lay.levels)],
                  "axisLabel": {"fontSize": 13}, "axisTick": {"show": False}},
        "dataZoom": [{"type": "inside", "xAxisIndex": 0, "filterMode": "weakFilter"},
                     {"type": "slider", "xAxisIndex": 0, "filterMode": "weakFilter", "height": 16,
                      "bottom": 8, "showDetail": False}],
        "series": series,
    }


def height(tree: BrandTree) -> int:
    """The chart's height: a row a level, so a deep tree gets a tall picture."""
    return TOP + BOTTOM + ROW * max(tree.layout.levels, 1)


def trees(model, kind: str) -> list[tuple[BrandTree, str, dict, int]]:
    """Each brand's tree under measure `kind`: (tree, heading, option, height), once per model day."""
    def make(m):
        s = sellers(m)
        out = []
        for b in range(len(m.brands)):
            t = brand_tree(s, b, kind)
            out.append((t, heading(m, s, t), option(m, s, t), height(t)))
        return out
    return cached(model, f"tree-{kind}", make)


@solara.component
def TreeView(model, day: int = 0, kind: str = "people", on_kind=None):
    """Every brand's recruitment tree, the measure toggle above them."""
    with solara.Row(style={"align-items": "center", "gap": "12px"}):
        solara.Text("Box width:")
        solara.ToggleButtonsSingle(value=kind, on_value=on_kind, values=list(MEASURES))
        solara.Text("Colour: tier. Pale with a dashed outline: has left. Hover a box for the seller; "
                    "click it to zoom to its downline, double-click to zoom out.",
                    style={"color": "#555"})
    for tree, head, opt, px in trees(model, kind):
        solara.HTML(tag="div", unsafe_innerHTML=head, classes=["weishang-tree-heading"])
        if not tree.rows.size:
            solara.Text("Nobody has sold this brand yet.")
        elif not (tree.layout.x1 > tree.layout.x0).any():
            solara.Text(f"Nothing to show: nobody here has any {MEASURES[kind].split(' (')[0]}.")
        else:
            # A new chart (zoom reset) for a new model or measure; the same one, updated, day by day.
            key = f"tree-{id(page_state(model))}-{tree.brand}-{kind}"
            EChart(opt, height=px, css_class=f"weishang-tree weishang-tree-{tree.brand}").key(key)
