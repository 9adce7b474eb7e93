"""The page's parts: readout, network, charts, risk panel. Each is a function of the model
that SolaraViz re-renders after every step (`update_counter`).

What they show is computed once per model day and kept in the model's page state (`cached`), so a
page that re-renders without a step costs nothing; the two figures are built once per model and
updated in place each day, since building a matplotlib figure costs more than drawing it. The
charts' layout (tight_layout) is fitted again only when their tick labels change length.

The page state is the BrowserModel's own (`model.page`). A part given a plain WeishangModel (a test,
a notebook) keeps one for it in a WeakKeyDictionary here, which leaves the model untouched and goes
when the model goes.
"""

from __future__ import annotations

import io
import weakref
from collections.abc import Callable
from typing import Any

import networkx as nx
import numpy as np
import solara
from matplotlib import colormaps
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from mesa.visualization.utils import update_counter
from reacton import ipywidgets as rw

from sim.model.model import WeishangModel
from sim.model.people import QUIT, SELLER
from sim.risk import indicators as risk
from sim.viz.model import BrowserModel, PageState

MAX_DRAWN = 2000  # people drawn in the network; above it a sample (all sellers first)
LIGHT = {"high": "#d62728", "elevated": "#ff7f0e", "low": "#2ca02c", "n/a": "#999999"}
MUTED_EDGE = (0.85, 0.2, 0.2, 0.5)
_OTHERS: weakref.WeakKeyDictionary[WeishangModel, PageState] = weakref.WeakKeyDictionary()


def page_state(model: WeishangModel) -> PageState:
    """The page's state for this model: a BrowserModel's own, else one kept here for the model."""
    if isinstance(model, BrowserModel):
        return model.page
    state = _OTHERS.get(model)
    if state is None:
        state = _OTHERS[model] = PageState()
    return state


def cached(model: WeishangModel, key: str, make: Callable[[Any], Any]) -> Any:
    """make(model), computed once per model step and kept in the model's page state."""
    store = page_state(model).days
    hit = store.get(key)
    if hit is None or hit[0] != model.steps:
        hit = store[key] = (model.steps, make(model))
    return hit[1]


def _png(fig: Figure, **kwargs) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", **kwargs)
    return buffer.getvalue()


@solara.component
def Png(value: bytes):
    """A PNG image (the widget solara.FigureMatplotlib makes, from bytes made elsewhere)."""
    return rw.Image(value=value, format="png")


def readout(model) -> str:
    """One line of the day's numbers (the browser test compares it with `weishang run`)."""
    t = model.today
    return (f"Day {t['day']} | sellers {t['sellers']} | recruits {t['recruits']} | "
            f"stock {t['stock_units']:,} units | retail to end users {t['retail_nonparticipant_units']} | "
            f"mean trust {t['mean_trust']:.3f} | in loss {t['share_in_loss']:.3f}")


@solara.component
def Summary(model):
    update_counter.get()
    if model.error:
        solara.Error(model.error)
    solara.Text(readout(model))


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
    graph = model.grid.G.subgraph(drawn.tolist())
    pos = nx.spring_layout(graph, seed=int(rng.integers(2**31)), iterations=25)
    state.layout = (drawn, pos, note)
    return state.layout


class NetworkFigure:
    """The drawn people and the edges among them, fixed per model; each day restyles the edges
    by trust and muting and redraws the people by role, tier and stock."""

    def __init__(self, model):
        drawn, pos, self.note = _layout(model)
        p, g = model.people, model.graph
        self.drawn = drawn
        self.xy = np.array([pos[int(i)] for i in drawn]).reshape(-1, 2)
        inside = np.zeros(p.n, dtype=bool)
        inside[drawn] = True
        self.edges = np.flatnonzero(inside[g.src] & inside[g.indices] & (g.src < g.indices))
        ends = [self.xy[np.searchsorted(drawn, side[self.edges])] for side in (g.src, g.indices)]
        self.segments = np.stack(ends, axis=1)  # edge, end, x/y
        self.fig = Figure(figsize=(7, 6))
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
        cmap = colormaps["viridis"]
        groups = [("consumers", role == 0, "#cfcfcf", "o"), ("quit", role == QUIT, "#444444", "x")]
        groups += [(f"tier {k + 1}", (role == SELLER) & (tier == k), cmap(k / max(self.max_tier - 1, 1)), "o")
                   for k in range(self.max_tier)]
        self.people = [self.ax.scatter(self.xy[mask, 0], self.xy[mask, 1], s=size[mask], c=[color],
                                       marker=marker, label=label, zorder=3 if label != "consumers" else 2,
                                       linewidths=0.8)
                       for label, mask, color, marker in groups if mask.any()]
        self.ax.set_title(f"Day {model.day}: {self.note}\nnode size = stock held; edges: darker = more "
                          "trust, red dashed = muted", fontsize=10)
        self.ax.legend(fontsize=9, loc="lower left", markerscale=1.2, ncols=3)
        return _png(self.fig, bbox_inches="tight")


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
def NetworkView(model):
    update_counter.get()
    Png(network_png(model))


def _series(model, key: str) -> np.ndarray:
    return np.asarray(model.datacollector.model_vars.get(key, []), dtype=float)


def _cumulative(key: str) -> Callable[[Any], np.ndarray]:
    return lambda m: np.cumsum(_series(m, key))


def _brand_revenue(m) -> np.ndarray:
    return np.cumsum(_series(m, "brand_revenue_entry") + _series(m, "brand_revenue_restock"))


class ChartsFigure:
    """Six charts of the daily series: axes, titles and legends made once per model; each day
    sets the lines' data, restacks the stacked areas (same colours) and rescales the axes."""

    def __init__(self, model):
        self.fig = fig = Figure(figsize=(11, 6.5))
        axes = fig.subplots(2, 3)
        self.axes = axes.ravel()
        self.lines: list = []  # (line, series of the model)
        self.stacks: list = []  # [axes, series of the model, colours, current areas]
        day = _series(model, "day")
        tiers = sorted((k for k in model.datacollector.model_vars if k.startswith("sellers_tier")),
                       key=lambda k: int(k.removeprefix("sellers_tier")))
        self._stack(axes[0, 0], day, model, [lambda m, k=k: _series(m, k) for k in tiers],
                    labels=[k.replace("sellers_", "") for k in tiers])
        axes[0, 0].set(title="Sellers by tier", xlabel="day", ylabel="sellers")
        axes[0, 0].legend(fontsize=6, loc="upper left")
        self._line(axes[0, 1], day, model, lambda m: _series(m, "stock_units"))
        axes[0, 1].set(title="Stock held by sellers", xlabel="day", ylabel="units")
        for key, label in (("retail_nonparticipant_units", "retail to end users"),
                           ("wholesale_units", "wholesale between sellers")):
            self._line(axes[0, 2], day, model, lambda m, k=key: _series(m, k), label=label)
        axes[0, 2].set(title="Units moved per day", xlabel="day", ylabel="units/day", yscale="symlog")
        axes[0, 2].legend(fontsize=6)
        for key in ("mean_trust", "trust_cognitive", "trust_affective", "trust_behavioural"):
            self._line(axes[1, 0], day, model, lambda m, k=key: _series(m, k),
                       label=key.replace("trust_", "").replace("_", " "))
        axes[1, 0].set(title="Trust in sellers by level", xlabel="day", ylabel="0-1", ylim=(0, 1))
        axes[1, 0].legend(fontsize=6)
        sources = ("retail", "wholesale", "recruit_bonus", "buy_in_bonus", "team_bonus", "dump", "buyback")
        self._stack(axes[1, 1], day, model, [_cumulative(f"income_{s}") for s in sources],
                    labels=[s.replace("_", " ") for s in sources])
        self._line(axes[1, 1], day, model, _brand_revenue, "k--", label="brand revenue")
        axes[1, 1].set(title="Seller receipts by source, brand revenue", xlabel="day",
                       ylabel="yuan, cumulative")
        axes[1, 1].legend(fontsize=6, loc="upper left")
        self._line(axes[1, 2], day, model, lambda m: _series(m, "share_in_loss"))
        axes[1, 2].set(title="Share of sellers in loss", xlabel="day", ylabel="share", ylim=(0, 1))
        self.steps = model.steps
        self.labels = self._label_lengths()
        self._fit()

    def _line(self, ax, day, model, series, *fmt, **kwargs) -> None:
        (line,) = ax.plot(day, series(model), *fmt, **kwargs)
        self.lines.append((line, series))

    def _stack(self, ax, day, model, series, labels) -> None:
        areas = ax.stackplot(day, *[s(model) for s in series], labels=labels)
        self.stacks.append([ax, series, [a.get_facecolor()[0] for a in areas], areas])

    def png(self, model) -> bytes:
        if model.steps != self.steps:
            self.update(model)
        return _png(self.fig)

    def update(self, model) -> None:
        day = _series(model, "day")
        for line, series in self.lines:
            line.set_data(day, series(model))
        stacked = {id(ax) for ax, *_ in self.stacks}
        for ax in self.axes:
            if id(ax) not in stacked:
                ax.relim()
                ax.autoscale_view()
        for stack in self.stacks:  # relim counts lines only, so the areas are added after it
            ax, series, colors, areas = stack
            for area in areas:
                area.remove()
            ax.relim()
            stack[3] = ax.stackplot(day, *[s(model) for s in series], colors=colors)
            ax.autoscale_view()
        self.steps = model.steps
        labels = self._label_lengths()
        if labels != self.labels:
            self.labels = labels
            self._fit()

    def _fit(self) -> None:
        self.fig.tight_layout()
        # tight_layout leaves a placeholder layout engine, and with any engine set savefig draws the
        # figure twice (once to lay it out); the layout is fitted, so none is needed.
        self.fig.set_layout_engine(None)

    def _label_lengths(self) -> tuple[int, ...]:
        """The longest tick label and the offset text of each axis (what tight_layout makes room for)."""
        lengths = []
        for ax in self.axes:
            for axis in (ax.xaxis, ax.yaxis):
                formatter = axis.get_major_formatter()
                labels = formatter.format_ticks(axis.get_majorticklocs())
                lengths += [max(map(len, labels), default=0), len(formatter.get_offset())]
        return tuple(lengths)


def charts_png(model) -> bytes:
    """The charts of the model's series so far, as PNG."""
    return _figure_png(model, "charts", ChartsFigure)


@solara.component
def Charts(model):
    update_counter.get()
    Png(charts_png(model))


def risk_result(model) -> risk.RiskResult:
    """The pyramid-risk indicators of the model's ledger so far, read with the page's live converter
    (sim.risk.convert.LiveConverter: only the day's new journal entries are converted)."""
    return cached(model, "risk", lambda m: risk.score(page_state(m).converter.read(m)))


def risk_rows(result: risk.RiskResult) -> str:
    """The panel's table: one HTML row per indicator."""
    cell = "style='padding:2px 8px;border-bottom:1px solid #eee'"
    return "".join(
        f"<tr><td {cell}><span style='color:{LIGHT[i.verdict]}'>●&nbsp;{i.verdict}</span></td>"
        f"<td {cell}>{i.name}</td>"
        f"<td {cell} align='right'>{'n/a' if i.value is None else f'{i.value:,.3g}'}</td>"
        f"<td {cell}>{i.threshold}</td></tr>" for i in result.indicators)


@solara.component
def RiskPanel(model):
    update_counter.get()
    result = risk_result(model)
    with solara.Column(style={"font-size": "13px"}):
        solara.Markdown(f"**Pyramid risk, day {model.day}: "
                        f"<span style='color:{LIGHT[result.overall]}'>{result.overall}</span>** "
                        "(indicators from the run's ledger and recruitment tree; see `weishang risk`)"
                        + (f". *Provisional: fewer than {risk.WINDOW} days of data; stock and loss "
                           "indicators judge what happens over that window.*"
                           if model.day < risk.WINDOW else ""))
        solara.HTML(tag="table", unsafe_innerHTML=risk_rows(result), style={"border-collapse": "collapse"})
