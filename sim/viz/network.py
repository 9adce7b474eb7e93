"""The social graph, the page's second view: who knows whom, people by role and tier, sized by stock
held, ties shaded by trust (muted ties red and dashed). It cannot show who recruited whom (the
tree does); it shows how far the brands reach into the network of contacts.

Drawn with matplotlib as a PNG, only while its tab is open. Above `MAX_DRAWN` people it draws a
sample, laid out once per model with a generator of its own (seeded from the model's seed, never
the model's generators, so drawing never changes the run). The figure is built once per model and
restyled each day, since building a matplotlib figure costs more than drawing it.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
import solara
from reacton import ipywidgets as rw

from sim.model.people import QUIT, SELLER
from sim.viz.components import cached, page_state
from sim.viz.treeview import TIER_COLOURS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_DRAWN = 2000  # people drawn; above it a sample (the sellers first)
MUTED_EDGE = (0.85, 0.2, 0.2, 0.5)


def _layout(model) -> tuple[np.ndarray, dict[int, np.ndarray], str]:
    """The people drawn and their positions, computed once per model (its own generator, not
    the model's, so drawing never changes the simulation)."""
    state = page_state(model)
    if state.layout is not None:
        return state.layout
    n = model.people.n
    rng = np.random.default_rng(model.seed)
    if n <= MAX_DRAWN:
        drawn = np.arange(n)
        note = f"all {n:,} people"
    else:
        sellers = model.people.ever_sellers()[:MAX_DRAWN // 2]
        others = np.setdiff1d(np.arange(n), sellers)
        drawn = np.sort(np.r_[sellers, rng.choice(others, MAX_DRAWN - sellers.size, replace=False)])
        note = (f"a sample of {MAX_DRAWN:,} of {n:,} people (the sellers at start, the rest at random); "
                "recruits outside the sample are not drawn")
    graph = model.graph.subgraph(drawn)  # (not model.grid.G: at millions of people, gigabytes)
    pos = nx.spring_layout(graph, seed=int(rng.integers(2**31)), iterations=25)
    state.layout = (drawn, pos, note)
    return state.layout


class NetworkFigure:
    """The drawn people and the edges among them, fixed per model; each day restyles the edges
    by trust and muting and redraws the people by role, tier and stock."""

    def __init__(self, model):
        from matplotlib.collections import LineCollection  # matplotlib is slow to import: when drawn
        from matplotlib.figure import Figure

        drawn, pos, self.note = _layout(model)
        p, g = model.people, model.graph
        self.drawn = drawn
        self.xy = np.array([pos[int(i)] for i in drawn]).reshape(-1, 2)
        self.edges, source = g.ties_among(drawn)
        ends = [self.xy[np.searchsorted(drawn, side)] for side in (source, g.indices[self.edges])]
        self.segments = np.stack(ends, axis=1)  # edge, end, x/y
        self.fig = Figure(figsize=(10, 8))
        self.ax = ax = self.fig.add_subplot()
        self.solid = LineCollection([], linewidths=0.5, linestyles="solid")
        self.dashed = LineCollection([], colors=[MUTED_EDGE], linewidths=0.8, linestyles="dashed")
        ax.add_collection(self.solid, autolim=False)
        ax.add_collection(self.dashed, autolim=False)
        ax.update_datalim(self.xy)
        self.max_tier = max(len(b.tiers) for b in model.brands)
        role = p.role[drawn]
        for brand in model.brands:  # founders never become consumers again: their stars stay put
            idx = np.flatnonzero((p.depth[drawn] == 0) & (p.brand[drawn] == brand.index) & (role != 0))
            if idx.size:
                centre = self.xy[idx].mean(axis=0)
                ax.scatter(*centre, marker="*", s=260, c="#d62728", zorder=4, edgecolors="white")
                ax.annotate(f"brand {brand.name}", centre, fontsize=8, xytext=(6, 6),
                            textcoords="offset points", zorder=3.5)  # over the people, under the star
        ax.autoscale()
        ax.set_axis_off()
        self.people: list = []

    def png(self, model) -> bytes:
        p, trust, g, edges, drawn = model.people, model.trust, model.graph, self.edges, self.drawn
        level = (trust.overall(edges) + trust.overall(g.rev[edges])) / 2
        muted = trust.muted[edges] | trust.muted[g.rev[edges]]
        self.solid.set_segments(self.segments[~muted])
        self.solid.set_color(np.c_[np.zeros((edges.size - muted.sum(), 3)), 0.05 + 0.5 * level[~muted]])
        self.dashed.set_segments(self.segments[muted])
        for artist in self.people:
            artist.remove()
        role, tier, stock = p.role[drawn], p.tier[drawn], p.stock[drawn]
        size = 6 + 4 * np.sqrt(stock)
        brand = p.brand[drawn]
        groups = [("consumers", role == 0, "#cfcfcf", "o"), ("has left", role == QUIT, "#444444", "x")]
        several = len(model.brands) > 1
        groups += [(f"{b.name}: {t['name']}" if several else t["name"],
                    (role == SELLER) & (brand == b.index) & (tier == k), TIER_COLOURS[k % len(TIER_COLOURS)],
                    "s" if several and b.index else "o")
                   for b in model.brands for k, t in enumerate(b.tiers)]
        outline = {"consumers": {"edgecolors": "none"}, "has left": {}}  # (an x has no outline)
        self.people = [self.ax.scatter(self.xy[mask, 0], self.xy[mask, 1], s=size[mask], c=[color],
                                       marker=marker, label=label, zorder=3 if label != "consumers" else 2,
                                       linewidths=0.8, **outline.get(label, {"edgecolors": "#333"}))
                       for label, mask, color, marker in groups if mask.any()]
        self.ax.set_title(f"Day {model.day}: {self.note}\nnode size = stock held; edges: darker = more "
                          "trust, red dashed = muted", fontsize=10)
        self.ax.legend(fontsize=9, loc="lower left", markerscale=1.2, ncols=3)
        return _png(self.fig, bbox_inches="tight")


def _png(fig: Figure, **kwargs) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", **kwargs)
    return buffer.getvalue()


def _figure_png(model, key: str, make) -> bytes:
    """PNG of the model's figure `key` for its day; the figure is made once and kept in the page state."""
    def draw(m):
        figures = page_state(m).figures
        figure = figures.get(key)
        if figure is None:
            figure = figures[key] = make(m)
        return figure.png(m)
    return cached(model, key, draw)


def network_png(model) -> bytes:
    """The network figure of the model's day, as PNG."""
    return _figure_png(model, "network", NetworkFigure)


@solara.component
def NetworkView(model, day: int = 0):
    solara.HTML(tag="div", unsafe_innerHTML="<b>The social graph</b>: contacts, not recruitment (see the "
                "tree for who recruited whom).")
    rw.Image(value=network_png(model), format="png", layout={"max_width": "100%", "height": "auto"})
