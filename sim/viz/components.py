"""The page's parts: readout, network, charts, risk panel. Each is a function of the model
that SolaraViz re-renders after every step (`update_counter`)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import solara
from matplotlib import colormaps
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from mesa.visualization.utils import update_counter

from sim import risk
from sim.data import from_model
from sim.people import QUIT, SELLER

MAX_DRAWN = 2000  # people drawn in the network; above it a sample (all sellers first)
LIGHT = {"high": "#d62728", "elevated": "#ff7f0e", "low": "#2ca02c", "n/a": "#999999"}


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
    cached = getattr(model, "_viz_layout", None)
    if cached is not None:
        return cached
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
    model._viz_layout = (drawn, pos, note)
    return model._viz_layout


@solara.component
def NetworkView(model):
    update_counter.get()
    drawn, pos, note = _layout(model)
    p, g, trust = model.people, model.graph, model.trust
    fig = Figure(figsize=(7, 6))
    ax = fig.add_subplot()
    inside = np.zeros(p.n, dtype=bool)
    inside[drawn] = True
    edges = np.flatnonzero(inside[g.src] & inside[g.indices] & (g.src < g.indices))
    segments = [(pos[int(a)], pos[int(b)]) for a, b in zip(g.src[edges], g.indices[edges], strict=True)]
    level = (trust.overall(edges) + trust.overall(g.rev[edges])) / 2
    muted = trust.muted[edges] | trust.muted[g.rev[edges]]
    colors = np.where(muted[:, None], [[0.85, 0.2, 0.2, 0.5]],
                      np.c_[np.zeros((edges.size, 3)), 0.05 + 0.5 * level])
    ax.add_collection(LineCollection(segments, colors=colors, linewidths=np.where(muted, 0.8, 0.5),
                                     linestyles=["dashed" if m else "solid" for m in muted]))
    xy = np.array([pos[int(i)] for i in drawn])
    role, tier, stock = p.role[drawn], p.tier[drawn], p.stock[drawn]
    size = 6 + 4 * np.sqrt(stock)
    max_tier = max(len(b.tiers) for b in model.brands)
    cmap = colormaps["viridis"]
    groups = [("consumers", role == 0, "#cfcfcf", "o"), ("quit", role == QUIT, "#444444", "x")]
    groups += [(f"tier {k + 1}", (role == SELLER) & (tier == k), cmap(k / max(max_tier - 1, 1)), "o")
               for k in range(max_tier)]
    for label, mask, color, marker in groups:
        if mask.any():
            ax.scatter(xy[mask, 0], xy[mask, 1], s=size[mask], c=[color], marker=marker, label=label,
                       zorder=3 if label != "consumers" else 2, linewidths=0.8)
    founders = [np.flatnonzero((p.depth[drawn] == 0) & (p.brand[drawn] == b.index) & (role != 0))
                for b in model.brands]
    for brand, idx in zip(model.brands, founders, strict=True):
        if idx.size:
            centre = xy[idx].mean(axis=0)
            ax.scatter(*centre, marker="*", s=260, c="#d62728", zorder=4, edgecolors="white")
            ax.annotate(f"brand {brand.name}", centre, fontsize=8, xytext=(6, 6), textcoords="offset points")
    ax.autoscale()
    ax.set_axis_off()
    ax.set_title(f"Day {model.day}: {note}\nnode size = stock held; edges: darker = more trust, "
                 "red dashed = muted", fontsize=10)
    ax.legend(fontsize=9, loc="lower left", markerscale=1.2, ncols=3)
    solara.FigureMatplotlib(fig, format="png", bbox_inches="tight")


def _series(model, key: str) -> np.ndarray:
    return np.asarray(model.datacollector.model_vars.get(key, []), dtype=float)


@solara.component
def Charts(model):
    update_counter.get()
    fig = Figure(figsize=(11, 6.5))
    axes = fig.subplots(2, 3)
    day = _series(model, "day")
    tiers = sorted((k for k in model.datacollector.model_vars if k.startswith("sellers_tier")),
                   key=lambda k: int(k.removeprefix("sellers_tier")))
    ax = axes[0, 0]
    ax.stackplot(day, *[_series(model, k) for k in tiers], labels=[k.replace("sellers_", "") for k in tiers])
    ax.set(title="Sellers by tier", xlabel="day", ylabel="sellers")
    ax.legend(fontsize=6, loc="upper left")
    axes[0, 1].plot(day, _series(model, "stock_units"))
    axes[0, 1].set(title="Stock held by sellers", xlabel="day", ylabel="units")
    for key, label in (("retail_nonparticipant_units", "retail to end users"),
                       ("wholesale_units", "wholesale between sellers")):
        axes[0, 2].plot(day, _series(model, key), label=label)
    axes[0, 2].set(title="Units moved per day", xlabel="day", ylabel="units/day", yscale="symlog")
    axes[0, 2].legend(fontsize=6)
    for key in ("mean_trust", "trust_cognitive", "trust_affective", "trust_behavioural"):
        axes[1, 0].plot(day, _series(model, key), label=key.replace("trust_", "").replace("_", " "))
    axes[1, 0].set(title="Trust in sellers by level", xlabel="day", ylabel="0-1", ylim=(0, 1))
    axes[1, 0].legend(fontsize=6)
    sources = ("retail", "wholesale", "recruit_bonus", "team_bonus", "dump", "buyback")
    axes[1, 1].stackplot(day, *[np.cumsum(_series(model, f"income_{s}")) for s in sources],
                         labels=[s.replace("_", " ") for s in sources])
    brand_revenue = _series(model, "brand_revenue_entry") + _series(model, "brand_revenue_restock")
    axes[1, 1].plot(day, np.cumsum(brand_revenue), "k--", label="brand revenue")
    axes[1, 1].set(title="Seller receipts by source, brand revenue", xlabel="day", ylabel="yuan, cumulative")
    axes[1, 1].legend(fontsize=6, loc="upper left")
    axes[1, 2].plot(day, _series(model, "share_in_loss"))
    axes[1, 2].set(title="Share of sellers in loss", xlabel="day", ylabel="share", ylim=(0, 1))
    fig.tight_layout()
    solara.FigureMatplotlib(fig, format="png")


@solara.component
def RiskPanel(model):
    update_counter.get()
    result = risk.score(from_model(model))
    with solara.Column(style={"font-size": "13px"}):
        solara.Markdown(f"**Pyramid risk, day {model.day}: "
                        f"<span style='color:{LIGHT[result.overall]}'>{result.overall}</span>** "
                        "(indicators from the run's ledger and recruitment tree; see `weishang risk`)")
        cell = "style='padding:2px 8px;border-bottom:1px solid #eee'"
        rows = "".join(
            f"<tr><td {cell}><span style='color:{LIGHT[i.verdict]}'>●&nbsp;{i.verdict}</span></td>"
            f"<td {cell}>{i.name}</td>"
            f"<td {cell} align='right'>{'n/a' if i.value is None else f'{i.value:,.3g}'}</td>"
            f"<td {cell}>{i.threshold}</td></tr>" for i in result.indicators)
        solara.HTML(tag="table", unsafe_innerHTML=rows, style={"border-collapse": "collapse"})
