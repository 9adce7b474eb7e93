"""Figures for a batch or sweep: series with bands (the mean's 95% interval and the runs' middle 50% and
90%), profit distributions, money by source
(a sweep's final metrics against its levers: `sim.reports.sweep_figures`).

The figures take `BatchGroup`s (the completed runs of one scenario at one parameter point, reduced
by `sim.reports.batch_report`) and return `Figure` records whose titles and captions go into the report.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import EngFormatter, PercentFormatter

# plt comes from sim.reports.plots, which selects the Agg backend before pyplot is first used.
from sim.reports.plots import INCOME, plt, save_figure

MAX_SHOWN = 6  # groups drawn in the over-time figures; more lines or panels stop being legible
MEAN_ALPHA, BAND_ALPHA = 0.4, 0.12  # the interval of the mean drawn darker than the runs' middle 50%
PROFIT_LINTHRESH = 100.0  # yuan: symlog is linear within ±100, logarithmic beyond

RECEIPTS = [(f"income_{s}", label) for s, label in zip(INCOME, (
    "retail", "wholesale to downline", "recruitment bonus", "team bonus on buy-ins", "team bonus on restocks",
    "dumped stock", "buyback", "leadership pool", "retail rebate"),
    strict=True)]
BRAND_IN = [("brand_revenue_entry", "entry orders and upgrades"), ("brand_revenue_restock", "restocks")]
BRAND_OUT = [("brand_bonus_paid", "bonuses paid"), ("brand_production_cost", "production cost"),
             ("brand_buyback_paid", "buyback paid")]
MONEY = [k for k, _ in RECEIPTS + BRAND_IN + BRAND_OUT]

SWEEP_METRICS = (
    ("share_in_loss", "share of ever-sellers in loss", "share"),
    ("median_profit", "median net profit of ever-sellers", "yuan"),
    ("retail_reach", "retail reach (to non-participants / from brand)", "units per unit"),
    ("income_share_recruiting", "share of receipts from recruiting", "share"),
    ("sellers_ever", "people who ever sold", "people"),
    ("max_depth", "deepest recruitment chain", "levels"),
)


@dataclass
class BatchGroup:
    """The completed runs of one scenario at one parameter point, reduced to what the figures need."""

    scenario: str
    point_id: str
    point: dict
    label: str  # one line, for legends and tables
    tick: str  # short, may be multi-line, for bar-chart ticks
    run_ids: list[str] = field(default_factory=list)
    day: np.ndarray = field(default_factory=lambda: np.zeros(0))
    bands: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)  # mean, 95% CI
    spread: dict[str, np.ndarray] = field(default_factory=dict)  # runs' 5/25/75/95% quantiles, by day
    totals: dict[str, np.ndarray] = field(default_factory=dict)  # money series: per-run sums
    finals: dict[str, np.ndarray] = field(default_factory=dict)  # summary metric: per-run values
    profit: np.ndarray = field(default_factory=lambda: np.zeros(0))  # every ever-seller, pooled
    tier: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    join_day: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    tier_names: dict[str, list[str]] = field(default_factory=dict)  # brand -> names, entry first


@dataclass
class Figure:
    name: str  # file name in figures/
    section: str
    title: str
    caption: str


def shown(groups: Sequence[BatchGroup]) -> list[BatchGroup]:
    """At most MAX_SHOWN groups, evenly spread (first and last included) for the over-time figures."""
    if len(groups) <= MAX_SHOWN:
        return list(groups)
    picks = sorted({int(round(i)) for i in np.linspace(0, len(groups) - 1, MAX_SHOWN)})
    return [groups[i] for i in picks]


def make_batch_figures(groups: Sequence[BatchGroup], folder: Path) -> list[Figure]:
    """The series, profit and money figures for these groups into `folder` (a sweep's own figures:
    `sim.reports.sweep_figures`)."""
    if not groups:
        return []
    return over_time(groups, folder) + profit_figures(groups, folder) + money_figures(groups, folder)


def _reps(groups: Sequence[BatchGroup]) -> str:
    counts = sorted({len(g.run_ids) for g in groups})
    return "one replicate" if counts == [1] else f"mean over {'/'.join(map(str, counts))} replicates"


MEAN_BAND, MIDDLE_50, MIDDLE_90 = ("mean and its 95% interval", "middle 50% of runs (25th-75th percentile)",
                                   "middle 90% of runs (5th-95th percentile)")


def _band_note(groups: Sequence[BatchGroup]) -> str:
    if all(len(g.run_ids) == 1 for g in groups):
        return "Lines: the single replicate (no band with one replicate)."
    return (f"Lines: {_reps(groups)}; dark band: the {MEAN_BAND} (Student t, clipped to the possible "
            f"range), which narrows as replicates are added; light band: the {MIDDLE_50}; dotted lines: "
            f"the {MIDDLE_90}, how far a single run can stray.")


def _band_key(fig, groups: Sequence[BatchGroup]) -> None:
    """One legend per figure saying which band is which (in grey: the colours are the groups')."""
    if all(len(g.run_ids) == 1 for g in groups):
        return
    handles = [Patch(facecolor="grey", alpha=MEAN_ALPHA, label=MEAN_BAND),
               Patch(facecolor="grey", alpha=BAND_ALPHA, label=MIDDLE_50),
               Line2D([], [], color="grey", ls=":", lw=0.9, label=MIDDLE_90)]
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=8, frameon=False,
               bbox_to_anchor=(0.5, -0.06))


def _subset_note(groups: Sequence[BatchGroup], drawn: Sequence[BatchGroup]) -> str:
    if len(drawn) == len(groups):
        return ""
    return (f" Showing {len(drawn)} of {len(groups)} points, evenly spread "
            f"({', '.join(g.point_id for g in drawn)}); aggregate.csv has them all.")


def _line(ax, g: BatchGroup, key: str, color, label: str, style: str = "-") -> None:
    """A group's mean of one series, the interval of that mean, and the spread of its runs."""
    mean, lo, hi = g.bands[key]
    ax.plot(g.day, mean, style, color=color, label=label, lw=1.4)
    ax.fill_between(g.day, lo, hi, color=color, alpha=MEAN_ALPHA, lw=0)
    q = g.spread.get(key)
    if q is not None and np.isfinite(q).any():
        ax.fill_between(g.day, q[1], q[2], color=color, alpha=BAND_ALPHA, lw=0)
        for edge in (q[0], q[3]):
            ax.plot(g.day, edge, ":", color=color, lw=0.9)


def _panels(n: int, sharey: bool):
    """A grid of n panels, up to three per row; unused cells hidden."""
    ncols = min(3, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.8 * ncols, 3.4 * nrows + 0.4), squeeze=False,
                             sharey=sharey)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


def _tiers(g: BatchGroup) -> list[str]:
    return sorted((k for k in g.bands if k.startswith("sellers_tier")),
                  key=lambda k: int(k.removeprefix("sellers_tier")))


def over_time(groups: Sequence[BatchGroup], folder: Path) -> list[Figure]:
    """Sellers by tier, stock, flows, trust and share in loss, with bands, per group."""
    drawn = shown(groups)
    # One scenario at several points: same y scale, so panels compare at a glance.
    sharey = len({g.scenario for g in drawn}) == 1
    colors = [plt.cm.tab10(i % 10) for i in range(len(drawn))]
    note = _band_note(groups) + _subset_note(groups, drawn)
    section = "Over time"
    out = []

    fig, axes = _panels(len(drawn), sharey)
    for ax, g in zip(axes, drawn, strict=True):
        tiers = _tiers(g)
        for k, key in enumerate(tiers):
            color = plt.cm.viridis(0.85 * k / max(len(tiers) - 1, 1))
            _line(ax, g, key, color, f"tier {key.removeprefix('sellers_tier')}")
        _line(ax, g, "sellers", "black", "all tiers", "--")
        ax.set(title=g.label, xlabel="day", ylabel="active sellers")
        ax.legend(fontsize=7, ncol=2)
    fig.suptitle("Active sellers by tier (tier 1 = entry level)")
    _band_key(fig, drawn)
    out.append(Figure(save_figure(fig, folder / "sellers_by_tier.png").name, section,
                      "Active sellers by tier", note + " Dashed: all tiers together."))

    for key, name, title, unit in (
            ("stock_units", "stock.png", "Stock held by active sellers", "units"),
            ("share_in_loss", "share_in_loss.png", "Share of everyone who ever sold with a net loss",
             "share of ever-sellers")):
        fig, ax = plt.subplots(figsize=(10, 4.5))
        for g, color in zip(drawn, colors, strict=True):
            _line(ax, g, key, color, g.label)
        ax.set(title=title, xlabel="day", ylabel=unit)
        extra = " Net loss: received minus paid as a seller, plus unsold stock at buyback value, below 0."
        if key == "share_in_loss":
            ax.set_ylim(-0.02, 1.02)  # a line at exactly 0 or 1 stays visible
        elif _spread(drawn, key) > 50:  # plans whose stock differs by orders of magnitude: log scale
            ax.set_yscale("symlog", linthresh=10)
            extra = " Log scale above 10 units."
        else:  # on a log axis a band reaching 0 would fill the whole lower half
            ax.yaxis.set_major_formatter(EngFormatter())
            extra = ""
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
        _band_key(fig, drawn)
        out.append(Figure(save_figure(fig, folder / name).name, section, title, note + extra))

    fig, axes = _panels(len(drawn), sharey)
    for ax, g in zip(axes, drawn, strict=True):
        for key, label, color in (("retail_nonparticipant_units", "retail to non-participants", "tab:green"),
                                  ("wholesale_units", "wholesale between sellers", "tab:red")):
            _line(ax, g, key, color, label)
        ax.set(title=g.label, xlabel="day", ylabel="units per day (7-day mean)")
        ax.set_yscale("symlog", linthresh=1)
        ax.legend(fontsize=7)
    fig.suptitle("Retail to end users vs. wholesale between sellers")
    _band_key(fig, drawn)
    out.append(Figure(save_figure(fig, folder / "flows.png").name, section,
                      "Retail to non-participants vs. wholesale flow",
                      note + " Each run's series is a trailing 7-day mean before averaging; log scale "
                      "above 1 unit a day. Retail counts only buyers who are not sellers themselves."))

    fig, axes = _panels(len(drawn), True)
    for ax, g in zip(axes, drawn, strict=True):
        for key, label, color in (("mean_trust", "mean (weighted)", "black"),
                                  ("trust_cognitive", "cognitive", "tab:blue"),
                                  ("trust_affective", "affective", "tab:orange"),
                                  ("trust_behavioural", "behavioural", "tab:purple")):
            _line(ax, g, key, color, label, "--" if key == "mean_trust" else "-")
        ax.set(title=g.label, xlabel="day", ylabel="trust (0-1)", ylim=(-0.02, 1.02))
        ax.legend(fontsize=7)
    fig.suptitle("Contacts' trust in (ex-)sellers, by level")
    _band_key(fig, drawn)
    out.append(Figure(save_figure(fig, folder / "trust.png").name, section, "Trust by level", note))
    return out


def _spread(groups: Sequence[BatchGroup], key: str) -> float:
    """Ratio of the largest to the smallest peak of a series across groups."""
    peaks = np.array([g.bands[key][0].max() for g in groups])
    return float(peaks.max() / max(peaks.min(), 1.0))


def _cohorts(days: int) -> tuple[int, int]:
    """Cohort width and count for join days 0..days: 90-day cohorts over a year, shorter in short runs."""
    width = 90 if days >= 270 else 60 if days >= 150 else 30
    return width, max(1, round(days / width))


def _boxes(ax, drawn: Sequence[BatchGroup], categories: Sequence[np.ndarray], labels: Sequence[str]) -> None:
    """Side-by-side boxplots of profit: one colour per group, one slot per category."""
    k = len(drawn)
    width = 0.8 / k
    handles = []
    for j, (g, cats) in enumerate(zip(drawn, categories, strict=True)):
        color = plt.cm.tab10(j % 10)
        data, pos = [], []
        for i in range(len(labels)):
            values = g.profit[cats == i]
            if values.size:
                data.append(values)
                pos.append(i + (j - (k - 1) / 2) * width)
        if data:
            parts = ax.boxplot(data, positions=pos, widths=width * 0.85, whis=(5, 95), showfliers=False,
                               patch_artist=True, manage_ticks=False)
            for box in parts["boxes"]:
                box.set(facecolor=color, alpha=0.7)
            for median in parts["medians"]:
                median.set(color="black")
        handles.append(Patch(facecolor=color, alpha=0.7, label=f"{g.label} (n={g.profit.size:,})"))
    ax.set_xticks(range(len(labels)), labels)
    ax.set_xlim(-0.6, len(labels) - 0.4)
    ax.set_yscale("symlog", linthresh=PROFIT_LINTHRESH)
    ax.axhline(0, color="grey", lw=0.8, ls=":")
    ax.yaxis.set_major_formatter(EngFormatter())
    ax.legend(handles=handles, fontsize=7)


def profit_figures(groups: Sequence[BatchGroup], folder: Path) -> list[Figure]:
    """Distribution of sellers' net profit by tier and by join cohort, replicates pooled."""
    drawn = shown(groups)
    section = "Who gains and who loses"
    box_note = ("Net profit of every person who ever sold, pooled over a group's replicates; boxes: "
                "quartiles, black line: median, whiskers: 5th to 95th percentile. Symmetric log scale, "
                f"linear within ±{PROFIT_LINTHRESH:.0f} yuan." + _subset_note(groups, drawn))
    max_tier = max((int(g.tier.max()) for g in drawn if g.tier.size), default=1)
    width = 0.9 + 0.45 * len(drawn)
    out = []

    fig, ax = plt.subplots(figsize=(max(8.0, width * max_tier), 4.8))
    _boxes(ax, drawn, [g.tier - 1 for g in drawn], [f"tier {t}" for t in range(1, max_tier + 1)])
    ax.set(title="Sellers' net profit by tier (tier at the end of the run or at exit)",
           xlabel="tier (1 = entry level)", ylabel="net profit (yuan)")
    names = sorted({f"{g.scenario}, {brand}: " + ", ".join(f"{i + 1} {n}" for i, n in enumerate(tiers))
                    for g in drawn for brand, tiers in g.tier_names.items()})
    out.append(Figure(save_figure(fig, folder / "profit_by_tier.png").name, section,
                      "Net profit by tier", box_note + " Tiers: " + "; ".join(names) + "."))

    days = max(int(g.day[-1]) for g in drawn if g.day.size)
    cohort, count = _cohorts(days)
    labels = [f"days {i * cohort}-{(i + 1) * cohort - 1 if i < count - 1 else days}" for i in range(count)]
    fig, ax = plt.subplots(figsize=(max(8.0, width * count), 4.8))
    _boxes(ax, drawn, [np.minimum(g.join_day // cohort, count - 1) for g in drawn], labels)
    ax.set(title=f"Sellers' net profit by join cohort ({cohort}-day cohorts)",
           xlabel="day the seller joined (founders: day 0)", ylabel="net profit (yuan)")
    out.append(Figure(save_figure(fig, folder / "profit_by_cohort.png").name, section,
                      "Net profit by join cohort",
                      box_note + " Late joiners have had less time to earn back their entry order."))
    return out


def _ticks(ax, groups: Sequence[BatchGroup]) -> None:
    ax.set_xticks(range(len(groups)), [g.tick for g in groups],
                  rotation=0 if len(groups) <= 6 else 45, ha="center" if len(groups) <= 6 else "right",
                  fontsize=8)


def _mean_total(g: BatchGroup, key: str) -> float:
    values = g.totals.get(key)
    return float(values.mean()) if values is not None and values.size else 0.0


def money_figures(groups: Sequence[BatchGroup], folder: Path) -> list[Figure]:
    """Sellers' receipts by source and the brand's revenue and costs, totals over the run."""
    section = "Where the money comes from"
    n = len(groups)
    x = np.arange(n)
    width = max(9.0, (1.5 if n <= 12 else 0.6) * n + 3)  # over 12 groups the ticks are point ids only
    reps = _reps(groups)
    out = []

    # Two rows, not two columns: sweep points need the width for their tick labels.
    fig, (ax, share_ax) = plt.subplots(2, 1, figsize=(width, 8.5), sharex=True)
    values = np.array([[_mean_total(g, key) for g in groups] for key, _ in RECEIPTS])
    total = values.sum(axis=0)
    shares = np.divide(values, total, out=np.zeros_like(values), where=total > 0)
    for k, (_, label) in enumerate(RECEIPTS):
        ax.bar(x, values[k], 0.7, bottom=values[:k].sum(axis=0), label=label, color=plt.cm.tab10(k))
        share_ax.bar(x, shares[k], 0.7, bottom=shares[:k].sum(axis=0), color=plt.cm.tab10(k))
    money = EngFormatter(unit="¥", places=1)
    for i, t in enumerate(total):  # the total in figures: small bars next to big ones stay readable
        ax.annotate(money(t), (i, t), xytext=(0, 3), textcoords="offset points", ha="center", va="bottom",
                    fontsize=8)
    ax.set_ylim(0, max(float(total.max()), 1.0) * 1.1)  # room for the labels
    ax.set(title="Sellers' receipts by source, total over the run", ylabel="yuan per run")
    ax.yaxis.set_major_formatter(EngFormatter())
    share_ax.set(title="Sellers' receipts by source, share of the total", ylabel="share of receipts",
                 ylim=(0, 1))
    share_ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    _ticks(share_ax, groups)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    out.append(Figure(save_figure(fig, folder / "income_by_source.png").name, section,
                      "Sellers' receipts by source",
                      f"Money received by all sellers, summed over the run; {reps}. Wholesale is what "
                      "uplines receive for stock sold to their downline; recruitment and team bonuses "
                      "are paid by the brand. Below: the same as shares of the total."))

    fig, ax = plt.subplots(figsize=(width, 5))
    up, down, net = np.zeros(n), np.zeros(n), np.zeros(n)
    for k, (key, label) in enumerate(BRAND_IN):
        values = np.array([_mean_total(g, key) for g in groups])
        ax.bar(x, values, 0.7, bottom=up, label=f"revenue: {label}", color=plt.cm.Greens(0.5 + 0.25 * k))
        up += values
        net += values
    for k, (key, label) in enumerate(BRAND_OUT):
        values = np.array([_mean_total(g, key) for g in groups])
        ax.bar(x, -values, 0.7, bottom=down, label=f"cost: {label}", color=plt.cm.Reds(0.4 + 0.2 * k))
        down -= values
        net -= values
    ax.plot(x, net, "kD", ms=6, label="revenue minus these costs")
    money = EngFormatter(unit="¥", places=1)
    for i in range(n):
        ax.annotate(f"revenue {money(up[i])}\nnet {money(net[i])}", (i, up[i]), xytext=(0, 3),
                    textcoords="offset points", ha="center", va="bottom", fontsize=7)
    ax.axhline(0, color="black", lw=0.8)
    span = max(float(up.max() - down.min()), 1.0)
    ax.set_ylim(float(down.min()) - 0.06 * span, float(up.max()) + 0.15 * span)  # bars' ends stay visible
    ax.set(title="The brand's revenue (up) and costs (down), total over the run", ylabel="yuan per run")
    ax.yaxis.set_major_formatter(EngFormatter())
    _ticks(ax, groups)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    out.append(Figure(save_figure(fig, folder / "brand_money.png").name, section,
                      "The brand's revenue and costs",
                      f"Summed over the run and over all brands of a scenario; {reps}. Entry orders and "
                      "upgrades are recruits' buy-ins; restocks are sellers' repeat orders."))
    return out
