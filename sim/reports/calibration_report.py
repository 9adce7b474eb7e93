"""The calibration report: `calibrate.md`, a self-contained `calibrate.html` and its figures
(`calibrate_figures/`) in a `weishang calibrate` folder.

Figures: each parameter's posterior over its prior range, the pairs, epsilon and acceptance per
generation, and the posterior predictive check (each observed monthly series against the 90%
band of runs drawn from the posterior). Tables: the credible intervals, and every statistic
observed against its predictive band.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import numpy as np
import pandas as pd

from sim.common.files import atomic_folder
from sim.common.intervals import weighted_quantiles
from sim.reports.plots import plt, save_figure
from sim.reports.render import fmt, write_pages

FIGURES = "calibrate_figures"
BAND = (0.05, 0.95)


def credible(post: pd.DataFrame, keys: list[str]) -> list[dict]:
    """Per parameter: posterior mean, median and 90% credible interval."""
    w = post["weight"].to_numpy()
    rows = []
    for key in keys:
        lo, med, hi = weighted_quantiles(post[key].to_numpy(), w, [BAND[0], 0.5, BAND[1]])
        rows.append({"key": key, "mean": float(np.average(post[key], weights=w)), "median": float(med),
                     "lo": float(lo), "hi": float(hi)})
    return rows


def predictive_rows(observed: dict, predictive: pd.DataFrame) -> list[dict]:
    """Each statistic: observed, predictive median and 90% band, and whether the band holds it."""
    rows = []
    for key, value in observed.items():
        value = np.nan if value is None else float(value)  # no value: stored as null
        sims = predictive[key].to_numpy(dtype=float) if key in predictive else np.array([np.nan])
        lo, med, hi = np.nanquantile(sims, [BAND[0], 0.5, BAND[1]])
        rows.append({"statistic": key, "observed": value, "median": med, "lo": lo, "hi": hi,
                     "inside": bool(lo - 1e-9 <= value <= hi + 1e-9)})
    return rows


def marginals_figure(post: pd.DataFrame, ranges: dict, path: Path) -> Path:
    keys = list(ranges)
    fig, axes = plt.subplots(1, len(keys), figsize=(4.2 * len(keys), 3.4), squeeze=False)
    for ax, key in zip(axes[0], keys, strict=True):
        lo, hi = ranges[key]
        ax.hist(post[key], bins=20, range=(lo, hi), weights=post["weight"], density=True, color="tab:blue",
                alpha=0.7, label="posterior")
        ax.hlines(1.0 / (hi - lo), lo, hi, color="0.4", linestyles="--", label="prior (uniform)")
        for q in weighted_quantiles(post[key].to_numpy(), post["weight"].to_numpy(), list(BAND)):
            ax.axvline(q, color="tab:red", lw=1)
        ax.set(xlim=(lo, hi), xlabel=key, ylabel="density")
        ax.legend(fontsize=7)
    fig.suptitle("Posterior over the prior range (red: 90% credible interval)")
    return save_figure(fig, path)


def pairs_figure(post: pd.DataFrame, ranges: dict, path: Path) -> Path:
    keys = list(ranges)
    pairs = [(a, b) for i, a in enumerate(keys) for b in keys[i + 1:]]
    fig, axes = plt.subplots(1, len(pairs), figsize=(4.2 * len(pairs), 3.8), squeeze=False)
    size = 400 * post["weight"] / post["weight"].max()
    for ax, (a, b) in zip(axes[0], pairs, strict=True):
        ax.scatter(post[a], post[b], s=size, alpha=0.5, color="tab:blue")
        ax.set(xlim=ranges[a], ylim=ranges[b], xlabel=a, ylabel=b)
    fig.suptitle("Posterior particles (dot size: weight)")
    return save_figure(fig, path)


def generations_figure(generations: list[dict], path: Path) -> Path:
    t = [g["t"] + 1 for g in generations]
    fig, (a, b) = plt.subplots(1, 2, figsize=(8.4, 3.2))
    a.plot(t, [g["epsilon"] for g in generations], "o-")
    a.set(xlabel="generation", ylabel="epsilon", title="Acceptance threshold")
    b.plot(t, [g["acceptance"] for g in generations], "o-", color="tab:green")
    b.set(xlabel="generation", ylabel="share of runs accepted", title="Acceptance rate", ylim=(0, None))
    for ax in (a, b):
        ax.set_xticks(t)
    return save_figure(fig, path)


def predictive_figure(observed: dict, predictive: pd.DataFrame, path: Path) -> Path | None:
    series = [s for s in ("joins", "exits") if any(k.startswith(f"{s}_m") for k in observed)]
    if not series:
        return None
    fig, axes = plt.subplots(1, len(series), figsize=(4.6 * len(series), 3.4), squeeze=False)
    for ax, s in zip(axes[0], series, strict=True):
        keys = sorted(k for k in observed if k.startswith(f"{s}_m"))
        month = np.arange(1, len(keys) + 1)
        sims = predictive[keys].to_numpy(dtype=float)
        lo, med, hi = np.nanquantile(sims, [BAND[0], 0.5, BAND[1]], axis=0)
        ax.fill_between(month, lo, hi, color="tab:blue", alpha=0.25, label="90% of posterior runs")
        ax.plot(month, med, color="tab:blue", lw=1, label="median run")
        ax.plot(month, [observed[k] for k in keys], "ko", label="observed")
        ax.set(xlabel="month of the records", ylabel="participants", title=f"{s.capitalize()} per month")
        ax.legend(fontsize=7)
    return save_figure(fig, path)


def write_calibration_report(out: Path) -> Path:
    """Write calibrate.md, calibrate.html and calibrate_figures/ into a calibration folder."""
    out = Path(out)
    record = json.loads((out / "calibration.json").read_text(encoding="utf-8"))
    ranges = {k: tuple(v) for k, v in record["settings"]["ranges"].items()}
    post = pd.read_csv(out / "posterior.csv")
    predictive = pd.read_csv(out / "predictive.csv") if (out / "predictive.csv").is_file() else pd.DataFrame()
    names: dict[str, str] = {}

    def build(tmp: Path) -> None:
        tmp.chmod(0o755)
        names["marginals"] = marginals_figure(post, ranges, tmp / "marginals.png").name
        if len(ranges) > 1:
            names["pairs"] = pairs_figure(post, ranges, tmp / "pairs.png").name
        names["generations"] = generations_figure(record["generations"], tmp / "generations.png").name
        if not predictive.empty:
            made = predictive_figure(record["observed"], predictive, tmp / "predictive.png")
            if made is not None:
                names["predictive"] = made.name

    atomic_folder(out / FIGURES, build, force=True)
    return write_pages(out, "calibrate", document(record, post, predictive, names), FIGURES)


def document(record: dict, post: pd.DataFrame, predictive: pd.DataFrame, figures: dict) -> list[tuple]:
    settings, target = record["settings"], record["target"]
    ranges = settings["ranges"]
    source = (f"the records in {target['folder']} ({target['months']} month(s); the simulated network "
              f"starts from the records' {sum(target['founders'].values())} root(s))"
              if target["kind"] == "data" else "the published patterns (the middle of each range)")
    gens = record["generations"]
    blocks: list[tuple] = [
        ("h1", f"Calibration of {record['scenario']}"),
        ("p", f"ABC-SMC (pyabc) of {len(ranges)} parameter(s) against {source}: {settings['particles']} "
              f"particles, {len(gens)} of {settings['generations']} generation(s), seed {settings['seed']}. "
              "Distances are weighted per statistic (pyabc's adaptive p-norm); every candidate run is seeded "
              "from the calibration seed, so the same command gives the same posterior."),
    ]
    if record.get("stopped"):
        blocks.append(("p", f"Stopped early: {record['stopped']}."))
    if record.get("command"):
        blocks += [("h2", "Reproduce"), ("code", shlex.join(record["command"]))]
    rows = credible(post, list(ranges))
    blocks += [("h2", "Posterior"),
               ("table", ["parameter", "prior", "posterior mean", "median", "90% credible interval"],
                [[r["key"], "uniform [{}, {}]".format(*map(fmt, ranges[r["key"]])), fmt(r["mean"]),
                  fmt(r["median"]), f"[{fmt(r['lo'])}, {fmt(r['hi'])}]"] for r in rows], 2)]
    for name, caption, note in (
            ("marginals", "Each parameter's posterior over its prior",
             "Bars: the weighted posterior; dashed: the uniform prior; red: the 90% credible interval."),
            ("pairs", "The parameters together",
             "Each particle of the last generation; dot size: its weight.")):
        if name in figures:
            blocks.append(("figure", figures[name], caption, note))
    blocks += [("h2", "Generations"),
               ("table", ["generation", "epsilon", "runs", "acceptance"],
                [[str(g["t"] + 1), fmt(g["epsilon"]), str(g["evaluations"]), f"{g['acceptance']:.1%}"]
                 for g in gens], 1),
               ("figure", figures["generations"], "Epsilon and acceptance per generation",
                "Epsilon: the distance a run must come within to be accepted; it is set anew each "
                "generation, with the distance's weights, from the last one.")]
    if not predictive.empty:
        pr = predictive_rows(record["observed"], predictive)
        inside = sum(r["inside"] for r in pr)
        blocks += [("h2", "Posterior predictive check"),
                   ("p", f"{len(predictive)} runs with parameters drawn from the posterior. {inside} of "
                         f"{len(pr)} observed statistics fall inside the 90% band of those runs.")]
        if "predictive" in figures:
            blocks.append(("figure", figures["predictive"], "Observed monthly series against posterior runs",
                           "Band: 5th to 95th percentile of the runs; dots: the records."))
        blocks.append(("table", ["statistic", "observed", "posterior runs: median", "90% band", "inside"],
                       [[r["statistic"], fmt(r["observed"]), fmt(r["median"]),
                         f"[{fmt(r['lo'])}, {fmt(r['hi'])}]", "yes" if r["inside"] else "no"]
                        for r in pr], 1))
    return blocks
