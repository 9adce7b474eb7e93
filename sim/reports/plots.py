"""Figures for one run and for a side-by-side comparison of runs (matplotlib, no display)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sim.common.files import atomic_folder, write_csv  # noqa: E402
from sim.common.intervals import interval, spread  # noqa: E402
from sim.model.metrics import INCOME_SOURCES as INCOME  # noqa: E402


def _col(rows: Sequence[Mapping], key: str) -> np.ndarray:
    return np.array([float(r[key]) for r in rows])


def smooth(values: np.ndarray, days: int = 7) -> np.ndarray:
    """Trailing mean over `days`, so daily counts read as rates."""
    if values.size == 0:
        return values
    cum = np.cumsum(np.r_[0.0, values])
    idx = np.arange(1, values.size + 1)
    lo = np.maximum(idx - days, 0)
    return (cum[idx] - cum[lo]) / (idx - lo)


def run_figures(rows: Sequence[Mapping], folder: Path, title: str) -> list[Path]:
    """Four figures for one run: sellers, flows, trust, income. Returns the files written."""
    day = _col(rows, "day")
    tiers = sorted((k for k in rows[0] if k.startswith("sellers_tier")),
                   key=lambda k: int(k.removeprefix("sellers_tier")))
    out = []

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.stackplot(day, *[_col(rows, k) for k in tiers],
                 labels=[f"tier {k.removeprefix('sellers_tier')}" for k in tiers])
    ax.set(title=f"{title}: active sellers by tier", xlabel="day", ylabel="sellers")
    ax.legend(loc="upper left", fontsize=8)
    out.append(save_figure(fig, folder / "sellers.png"))

    fig, ax = plt.subplots(figsize=(7, 4))
    for key, label in (("retail_nonparticipant_units", "retail to non-participants"),
                       ("wholesale_units", "wholesale between sellers"),
                       ("brand_units", "bought from the brand"), ("grey_units", "dumped stock resold")):
        ax.plot(day, smooth(_col(rows, key)), label=label)
    ax.set(title=f"{title}: units moved (7-day mean)", xlabel="day", ylabel="units per day")
    ax.set_yscale("symlog")
    ax.legend(fontsize=8)
    out.append(save_figure(fig, folder / "flows.png"))

    fig, ax = plt.subplots(figsize=(7, 4))
    for key in ("mean_trust", "trust_cognitive", "trust_affective", "trust_behavioural"):
        ax.plot(day, _col(rows, key), label=key.replace("_", " "))
    ax.set(title=f"{title}: contacts' trust in sellers", xlabel="day", ylabel="trust (0-1)",
           ylim=(0, 1))
    ax.legend(fontsize=8)
    out.append(save_figure(fig, folder / "trust.png"))

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.stackplot(day, *[np.cumsum(_col(rows, f"income_{s}")) for s in INCOME],
                 labels=[s.replace("_", " ") for s in INCOME])
    ax.set(title=f"{title}: sellers' cumulative receipts by source", xlabel="day", ylabel="yuan")
    ax.legend(loc="upper left", fontsize=8)
    out.append(save_figure(fig, folder / "income.png"))
    return out


COMPARE_PANELS = (
    ("sellers", "active sellers", "sellers", False),
    ("stock_units", "stock held by sellers", "units", False),
    ("retail_nonparticipant_units", "retail to non-participants (7-day mean)", "units/day", True),
    ("wholesale_units", "wholesale between sellers (7-day mean)", "units/day", True),
    ("mean_trust", "contacts' trust in sellers", "trust (0-1)", False),
    ("share_in_loss", "share of sellers ever joined in loss", "share", False),
)


def comparison_figure(runs: Mapping[str, Sequence[Sequence[Mapping]]], path: Path) -> Path:
    """Six panels, one line per scenario: the run itself, or with several replicates their mean, the
    mean's 95% interval (band) and the middle 90% of runs (dotted)."""
    replicates = max(len(reps) for reps in runs.values())
    fig, axes = plt.subplots(2, 3, figsize=(14, 7.5))
    for ax, (key, label, unit, smoothed) in zip(axes.flat, COMPARE_PANELS, strict=True):
        for k, (name, reps) in enumerate(runs.items()):
            days = min(len(rows) for rows in reps)
            stack = np.stack([smooth(_col(rows[:days], key)) if smoothed else _col(rows[:days], key)
                              for rows in reps])
            day, color = _col(reps[0][:days], "day"), f"C{k}"
            mean, lo, hi = interval(stack)
            ax.plot(day, mean, color=color, label=name)
            if len(reps) > 1:
                ax.fill_between(day, lo, hi, color=color, alpha=0.3, lw=0)
                q = spread(stack)
                for edge in (q[0], q[3]):
                    ax.plot(day, edge, ":", color=color, lw=0.9)
        ax.set(title=label, xlabel="day", ylabel=unit)
        if key in ("stock_units", "wholesale_units"):
            ax.set_yscale("symlog")
    axes.flat[0].legend(fontsize=9)
    fig.suptitle("Scenarios side by side (one seed each)" if replicates == 1 else
                 f"Scenarios side by side: mean of {replicates} seeds (the same in every scenario); band: "
                 "the mean and its 95% interval; dotted: middle 90% of runs (5th-95th percentile)")
    return save_figure(fig, path)


def comparison_rows(summaries: Mapping[str, Sequence[Mapping]]) -> list[dict]:
    """comparison.csv's rows: each scenario's summary when it ran once; with replicates, each numeric
    metric's mean and 95% interval of the mean (METRIC_mean, _lo, _hi) over them, and the seeds."""
    if all(len(reps) == 1 for reps in summaries.values()):
        return [dict(reps[0]) for reps in summaries.values()]
    rows = []
    for name, reps in summaries.items():
        row = {"scenario": name, "replicates": len(reps), "seeds": " ".join(str(r["seed"]) for r in reps)}
        for key, value in reps[0].items():
            if key in ("scenario", "seed") or not isinstance(value, int | float) or isinstance(value, bool):
                continue
            mean, lo, hi = (float(a[0]) for a in interval(np.array([[float(r[key])] for r in reps])))
            row.update({f"{key}_mean": f"{mean:.6g}", f"{key}_lo": f"{lo:.6g}", f"{key}_hi": f"{hi:.6g}"})
        rows.append(row)
    return rows


def write_comparison(out: Path, rows: Sequence[Mapping], runs: Mapping[str, Sequence[Sequence[Mapping]]]
                     ) -> Path:
    """`weishang compare`'s comparison.csv (`comparison_rows`: a row per scenario) and comparison.png
    (`runs`: each scenario's replicates' daily rows) into `out`, which also holds the run folders. Both
    are made in a hidden staging folder and then moved in, so a failure halfway leaves neither behind.
    Returns the figure's path."""

    def build(tmp: Path) -> None:
        write_csv(tmp / "comparison.csv", rows)
        comparison_figure(runs, tmp / "comparison.png")

    staging = atomic_folder(out / ".comparison", build, force=True)
    for name in ("comparison.csv", "comparison.png"):
        (staging / name).replace(out / name)
    staging.rmdir()
    return out / "comparison.png"


def save_figure(fig, path: Path) -> Path:
    """Lay out, write as PNG (90 dpi) and close a figure; returns the path. The saved area grows to
    hold every title and label (long lever names would otherwise be cut at the edge)."""
    fig.tight_layout()
    fig.savefig(path, dpi=90, bbox_inches="tight", pad_inches=0.1)
    plt.close(fig)
    return path
