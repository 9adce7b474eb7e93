"""The forecast report: `forecast.md`, a self-contained `forecast.html` and its figures
(`forecast_figures/`) in a `weishang forecast` folder.

A table of every variant at the horizon (participants, losses, share in loss, largest tree, the
risk verdict, losses averted with a 90% interval over posterior draws) and the trajectories of
participants and losses as bands over the draws, one colour per variant.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from sim.common.files import atomic_folder
from sim.reports.plots import plt, save_figure
from sim.reports.render import fmt, write_pages

FIGURES = "forecast_figures"


def trajectories_figure(paths: pd.DataFrame, records_days: int, path: Path) -> Path:
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for k, (variant, group) in enumerate(paths.groupby("variant", sort=False)):
        colour = f"C{k}"
        for ax, col in zip(axes, ("participants", "losses"), strict=True):
            wide = group.pivot(index="draw", columns="day", values=col)
            days = wide.columns.to_numpy()
            lo, med, hi = np.quantile(wide.to_numpy(dtype=float), [0.05, 0.5, 0.95], axis=0)
            ax.fill_between(days, lo, hi, color=colour, alpha=0.2)
            ax.plot(days, med, color=colour, label=variant)
    for ax, title, unit in zip(axes, ("Participants (ever joined)", "Losses of participants in loss"),
                               ("people", "yuan"), strict=True):
        if records_days:
            ax.axvline(records_days, color="0.4", ls=":", lw=1)
        ax.set(title=title, xlabel="day (dotted: end of the records)", ylabel=unit)
    axes[0].legend(fontsize=7)
    return save_figure(fig, path)


def write_forecast_report(out: Path) -> Path:
    out = Path(out)
    record = json.loads((out / "forecast.json").read_text(encoding="utf-8"))
    paths = pd.read_csv(out / "trajectories.csv")
    names: dict[str, str] = {}

    def build(tmp: Path) -> None:
        tmp.chmod(0o755)
        if not paths.empty:
            names["paths"] = trajectories_figure(paths, record["records_days"], tmp / "trajectories.png").name

    atomic_folder(out / FIGURES, build, force=True)
    return write_pages(out, "forecast", document(record, names), FIGURES)


def _band(row: dict, key: str, digits: str = ",.0f") -> str:
    return f"{row[key]:{digits}} [{row[f'{key}_lo']:{digits}}, {row[f'{key}_hi']:{digits}}]"


def document(record: dict, figures: dict) -> list[tuple]:
    horizon = record["records_days"] + record["days"]
    summary = record["summary"]
    blocks: list[tuple] = [
        ("h1", f"Forecast for {record['scenario']}"),
        ("p", f"{record['replicates']} runs drawn from the posterior of {record['calibration']}, each "
              f"{horizon} days from the records' first day ({record['days']} past their end), without any "
              "intervention and with each one given; every variant uses the same draws and seeds, so the "
              "losses averted are paired differences."),
        ("h2", "Reproduce"), ("code", record["command"]),
        ("h2", f"At day {horizon}"),
        ("table", ["variant", "participants", "losses (yuan)", "share in loss", "largest tree",
                   "verdict (share high)", "losses averted (yuan)"],
         [[r["variant"], _band(r, "participants"), _band(r, "losses"), _band(r, "share_in_loss", ".2f"),
           _band(r, "largest_tree"), f"{r['verdict']} ({r['verdict_high_share']:.0%})",
           _band(r, "losses_averted")] for r in summary], 1),
        ("p", "Mean over posterior draws [5th, 95th percentile]. Participants: everyone who ever joined; "
              "losses: the sum of the net losses of everyone in loss (costs and stock paid included); "
              "verdict: the risk rule on the run's records at the horizon (the most common verdict, and "
              "the share of draws judged high)."),
    ]
    best = max(summary[1:], key=lambda r: r["losses_averted"], default=None)
    if best is not None:
        blocks.append(("p", f"Most losses averted: {best['variant']}, {fmt(best['losses_averted'])} yuan on "
                            f"average (90% interval {fmt(best['losses_averted_lo'])} to "
                            f"{fmt(best['losses_averted_hi'])})."))
    if "paths" in figures:
        blocks.append(("figure", figures["paths"], "Participants and losses over time",
                       "Line: median over draws; band: 5th to 95th percentile."))
    return blocks
