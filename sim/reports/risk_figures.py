"""Evidence figures for the pyramid-risk report, from `sim.risk.indicators.evidence` pooled over
replicates."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.reports.plots import plt, save_figure
from sim.reports.risk_groups import RiskGroup

COLORS = plt.rcParams["axes.prop_cycle"].by_key()["color"]
SOURCE_COLOR = {"recruiting": "#d62728", "retail": "#2ca02c", "neither": "#7f7f7f"}


def _pooled(group: RiskGroup, table: str) -> pd.DataFrame:
    """One evidence table, stacked over the group's replicates."""
    frames = [tables[table].assign(replicate=k) for k, tables in enumerate(group.evidence())]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _over(groups: Sequence[RiskGroup]) -> str:
    """How a figure's values were combined: a mean over replicates, or one run or data set each."""
    if any(len(g.data) > 1 for g in groups):
        return "Mean over replicates."
    return "One run or data set per group (no replicates)."


def income_figure(groups: Sequence[RiskGroup], folder: Path) -> tuple[str, str, str]:
    """Participants' receipts by source, one bar per group: from recruits, from retail, neither."""
    fig, ax = plt.subplots(figsize=(9, 0.8 + 0.6 * len(groups)))
    labels = [g.label for g in groups]
    for row, group in enumerate(groups):
        table = _pooled(group, "income_by_source")
        per = table.groupby(["source", "counts_as"], as_index=False)["yuan"].sum()
        per["yuan"] /= max(len(group.data), 1)
        total = per["yuan"].sum() or 1.0
        left = 0.0
        for _, item in per.sort_values(["counts_as", "source"]).iterrows():
            share = item["yuan"] / total
            ax.barh(row, share, left=left, color=SOURCE_COLOR.get(item["counts_as"], "#999"),
                    edgecolor="white")
            if share > 0.06:
                ax.text(left + share / 2, row, item["source"].replace("_", " "), ha="center", va="center",
                        fontsize=7, color="white")
            left += share
    ax.set_yticks(range(len(groups)), labels)
    ax.set(xlim=(0, 1), xlabel="share of participants' receipts (yuan)",
           title="Where participants' money comes from")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in SOURCE_COLOR.values()]
    ax.legend(handles, ["from recruits and downlines", "retail to end users", "neither (dumps, buybacks)"],
              fontsize=7, loc="lower right")
    save_figure(fig, folder / "income_by_source.png")
    return ("income_by_source.png", "Where participants' money comes from",
            "Red: paid by other participants (their stock orders, the bonuses on them); green: retail to "
            f"people outside the network. {_over(groups)}")


def tier_bars(groups: Sequence[RiskGroup], width: float = 0.8) -> tuple[pd.DataFrame, list[tuple]]:
    """The bars of "Net loss by tier" and the x-axis ticks under them.

    Bars: one row per group and tier (group, label, tier, rank, share_in_loss: the mean over
    replicates, x), each group's tiers in rank order, lowest first (`sim.risk.indicators._tier_ranks`:
    by the unit price paid for stock).
    Groups with the same tiers share a tick per tier, their bars side by side; otherwise each group
    has a block of its own bars, each under its own tier's name. Ticks: (x, label).
    """
    rows = []
    for k, group in enumerate(groups):
        tiers = _pooled(group, "loss_by_tier")
        if tiers.empty:
            continue
        mean = tiers.groupby("tier").agg(rank=("rank", "mean"), share_in_loss=("share_in_loss", "mean"))
        mean = mean.reset_index().sort_values(["rank", "tier"], kind="stable")
        rows += [{"group": k, "label": group.label, "tier": t, "rank": r, "share_in_loss": v}
                 for t, r, v in mean[["tier", "rank", "share_in_loss"]].itertuples(index=False)]
    bars = pd.DataFrame(rows, columns=["group", "label", "tier", "rank", "share_in_loss"])
    ladders = {tuple(b["tier"]) for _, b in bars.groupby("group")}
    if len(ladders) <= 1:  # one ladder: a cluster per tier, a bar per group
        ladder = next(iter(ladders), ())
        step = width / max(len(groups), 1)
        bars["x"] = bars["tier"].map({t: i for i, t in enumerate(ladder)}) + bars["group"] * step
        return bars, [(i + step * (len(groups) - 1) / 2, t) for i, t in enumerate(ladder)]
    start = 0.0  # the rows are in group order already; a gap of one bar between groups
    for _, block in bars.groupby("group", sort=True):
        bars.loc[block.index, "x"] = start + np.arange(len(block))
        start += len(block) + 1
    return bars, list(zip(bars["x"], bars["tier"], strict=True))


def loss_figure(groups: Sequence[RiskGroup], folder: Path) -> tuple[str, str, str]:
    """The share of participants with a net loss, by tier (in rank order) and by join cohort."""
    fig, (by_tier, by_cohort) = plt.subplots(1, 2, figsize=(13, 4.5))
    bars, ticks = tier_bars(groups)
    shared = len(ticks) < len(bars)
    width = 0.8 / max(len(groups), 1) if shared else 0.8
    for k, group in enumerate(groups):
        color = COLORS[k % len(COLORS)]
        mine = bars[bars["group"] == k]
        if not mine.empty:
            by_tier.bar(mine["x"], mine["share_in_loss"], width, color=color, label=group.label)
        cohorts = _pooled(group, "loss_by_cohort")
        if not cohorts.empty:
            mean = cohorts.groupby("cohort_start_day")["share_in_loss"].mean()
            by_cohort.plot(mean.index, mean.to_numpy(), "o-", color=color, label=group.label)
    if ticks:
        by_tier.set_xticks([x for x, _ in ticks], [t for _, t in ticks], rotation=20, fontsize=8, ha="right")
    for ax in (by_tier, by_cohort):
        ax.axhline(0.5, color="#999", ls=":", lw=1)
        ax.set(ylim=(0, 1), ylabel="share of participants with a net loss")
    by_tier.set(title="Net loss by tier", xlabel="tier at the end or at exit, lowest first")
    by_cohort.set(title="Net loss by join cohort", xlabel="joined in the 90 days from day")
    by_tier.legend(fontsize=7)
    save_figure(fig, folder / "loss.png")
    return ("loss.png", "Who loses: by tier and by when they joined",
            "Share of participants (in for 90 days or more, or gone) who paid more for stock than they "
            "received; tiers ranked by the unit price they pay for stock, dearest (lowest tier) first; "
            f"dotted: one half (the share_in_loss 'high' line). {_over(groups)}")


def tree_figure(groups: Sequence[RiskGroup], folder: Path) -> tuple[str, str, str]:
    """Each organiser's tree (levels, people) against the 2013 prosecution thresholds."""
    fig, ax = plt.subplots(figsize=(8, 5))
    ax.axhspan(30, 1e7, xmin=0, xmax=1, color="#fde0dd", zorder=0)
    for k, group in enumerate(groups):
        trees = _pooled(group, "trees")
        if trees.empty:
            continue
        jitter = (k - (len(groups) - 1) / 2) * 0.08
        ax.scatter(trees["levels"] + jitter, trees["size"], s=18, alpha=0.6, color=COLORS[k % len(COLORS)],
                   label=group.label)
    ax.axhline(30, color="#c00", lw=1)
    ax.axhline(120, color="#c00", lw=1, ls="--")
    ax.axvline(3, color="#c00", lw=1)
    ax.set_yscale("log")
    ax.set(xlabel="levels (organiser = 1)", ylabel="people in the organiser's network",
           title="Recruitment trees against the 2013 thresholds")
    ax.legend(fontsize=7)
    save_figure(fig, folder / "trees.png")
    return ("trees.png", "Recruitment trees against the 2013 thresholds",
            f"One dot per top-of-tree organiser{' and replicate' * any(len(g.data) > 1 for g in groups)}. "
            "Solid lines: 30 people and 3 levels (both met: prosecutable under the 2013 joint opinion); "
            "dashed: 120 people ('serious').")


def stock_figure(groups: Sequence[RiskGroup], folder: Path) -> tuple[str, str, str]:
    """Stock held per participant, in days of their recent retail sales."""
    fig, ax = plt.subplots(figsize=(8, 0.8 + 0.6 * len(groups)))
    data = []
    for group in groups:
        table = _pooled(group, "stock_days")
        days = table["stock_days"].to_numpy(dtype=float) if not table.empty else np.zeros(0)
        days = np.where(np.isnan(days) & (table.get("stock_units", 0) > 0), 1e5, days)
        data.append(np.clip(days[~np.isnan(days)], 0.1, 1e5))
    ax.boxplot([d if d.size else [np.nan] for d in data], orientation="horizontal", widths=0.5)
    ax.set_yticks(range(1, len(groups) + 1), [g.label for g in groups])
    ax.set_xscale("log")
    for x, style in ((60, ":"), (180, "--")):
        ax.axvline(x, color="#c00", ls=style, lw=1)
    ax.set(xlabel="days of that participant's recent retail sales held in stock (log; 1e5 = no sales)",
           title="Stock held, in days of sales")
    save_figure(fig, folder / "stock_days.png")
    return ("stock_days.png", "Stock held, in days of sales",
            "Per participant holding stock; red lines at 60 and 180 days (the stock_days thresholds). "
            "Stock with no recent retail sale is drawn at 100,000 days.")


def claims_figure(groups: Sequence[RiskGroup], folder: Path) -> tuple[str, str, str] | None:
    """Income shown in posts against receipts; None when no one posted income."""
    tables = [(g, _pooled(g, "claims_vs_earned")) for g in groups]
    if all(t.empty for _, t in tables):
        return None
    fig, ax = plt.subplots(figsize=(6.5, 6))
    for k, (group, table) in enumerate(tables):
        if not table.empty:
            ax.scatter(table["earned_monthly"].clip(lower=1), table["claimed_monthly"].clip(lower=1), s=10,
                       alpha=0.5, color=COLORS[k % len(COLORS)], label=group.label)
    line = np.array([1, 1e7])
    ax.plot(line, line, color="#333", lw=1, label="claimed = earned")
    ax.plot(line, 2 * line, color="#c00", lw=1, ls="--", label="claimed = 2 x earned")
    ax.set(xscale="log", yscale="log", xlabel="actual monthly receipts, yuan",
           ylabel="monthly income shown in posts, yuan", title="Income claimed in posts vs earned")
    ax.legend(fontsize=7)
    save_figure(fig, folder / "claims.png")
    return ("claims.png", "Income claimed in posts vs earned",
            "One dot per participant who posted income screenshots (receipts before costs, so even the "
            "diagonal overstates earnings).")


def make_risk_figures(groups: Sequence[RiskGroup], folder: Path) -> list[tuple[str, str, str]]:
    """Every evidence figure for these groups; returns (file, title, caption) for each."""
    made = [income_figure(groups, folder), loss_figure(groups, folder), tree_figure(groups, folder),
            stock_figure(groups, folder), claims_figure(groups, folder)]
    return [m for m in made if m is not None]
