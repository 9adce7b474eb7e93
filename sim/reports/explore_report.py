"""Figures and report for `weishang explore`: pair scatter with the PRIM box, the peeling
trajectory (coverage vs density), sensitivity bars with intervals; HTML (self-contained) + Markdown."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd

from sim.common.files import atomic_folder
from sim.experiments.discovery import Box, PrimResult
from sim.experiments.sensitivity import ranking
from sim.reports.plots import plt, save_figure
from sim.reports.render import fmt, write_pages

MAX_PAIRS = 6


def pairs_figure(frame: pd.DataFrame, keys: list[str], box: Box, ranges: dict, folder: Path) -> tuple:
    """The sampled points on each pair of levers, target cases in red, the PRIM box drawn."""
    pairs = list(itertools.combinations(keys, 2))[:MAX_PAIRS] or [(keys[0], keys[0])]
    cols = min(3, len(pairs))
    rows = int(np.ceil(len(pairs) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 4.2 * rows), squeeze=False)
    hit = frame["target"].to_numpy(dtype=bool)
    for ax, (a, b) in zip(axes.flat, pairs, strict=False):
        ax.scatter(frame[a], frame[b], c=np.where(hit, "#d62728", "#9e9e9e"), s=14, alpha=0.7)
        (alo, ahi), (blo, bhi) = box.limits[a], box.limits[b]
        ax.add_patch(plt.Rectangle((alo, blo), ahi - alo, bhi - blo, fill=False, ec="#000", lw=1.5))
        ax.set(xlabel=a, ylabel=b, xlim=ranges[a], ylim=ranges[b])
    for ax in list(axes.flat)[len(pairs):]:
        ax.set_axis_off()
    fig.suptitle("Sampled points: red = target met (majority of replicates)\nblack box = PRIM box")
    save_figure(fig, folder / "pairs.png")
    return ("pairs.png", "Where the target holds",
            "Each dot is a sampled parameter point; red where the target holds in most of its replicates. "
            "The rectangle is the chosen PRIM box projected on each pair of levers.")


def trajectory_figure(prim: PrimResult, folder: Path) -> tuple:
    """PRIM's peeling steps as coverage against density, the chosen box marked."""
    fig, ax = plt.subplots(figsize=(6, 4.5))
    cov = [b.coverage for b in prim.trajectory]
    den = [b.density for b in prim.trajectory]
    ax.plot(cov, den, "o-", ms=3, color="#1f77b4", label="peeling steps")
    ax.scatter([prim.chosen.coverage], [prim.chosen.density], s=80, c="#d62728", zorder=3,
               label="chosen box (after pasting)")
    ax.axhline(prim.threshold, color="#999", ls=":", label=f"density target {prim.threshold:g}")
    ax.set(xlabel="coverage (share of target cases inside the box)",
           ylabel="density (share of the box's cases that meet the target)", xlim=(0, 1.02), ylim=(0, 1.02),
           title="PRIM peeling trajectory")
    ax.legend(fontsize=8)
    save_figure(fig, folder / "trajectory.png")
    return ("trajectory.png", "Coverage against density",
            "Each peel trims the box along one lever; smaller boxes are purer (higher density) but hold "
            "fewer of the cases (lower coverage).")


def sensitivity_figure(indices: dict, folder: Path) -> tuple | None:
    """The levers' Sobol ST or Morris mu* per outcome, with intervals; None without indices (lhs)."""
    if not indices:
        return None
    metrics = list(indices)
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 3.8), squeeze=False)
    for ax, metric in zip(axes.flat, metrics, strict=True):
        rows = pd.DataFrame(indices[metric]["indices"])
        value, conf = ("ST", "ST_conf") if "ST" in rows else ("mu_star", "mu_star_conf")
        ax.barh(rows["parameter"], rows[value].fillna(0), xerr=rows[conf].fillna(0), color="#1f77b4",
                capsize=3)
        ax.invert_yaxis()
        ax.set(title=metric, xlabel=f"{value} (95% interval)")
    fig.suptitle("Which levers matter")
    save_figure(fig, folder / "sensitivity.png")
    return ("sensitivity.png", "Which levers matter",
            "Sobol total-order indices (share of the outcome's variance due to a lever, with its "
            "interactions) or Morris mu* (mean absolute effect of a lever over its whole range), "
            "with bootstrap 95% intervals.")


def write_explore_report(out: Path, manifest: dict, found: dict, ranges: dict) -> Path:
    """figures/ and explore.md / explore.html for an exploration folder; returns the HTML path."""
    frame, prim, indices = found["frame"], found["prim"], found["indices"]
    figures: list[tuple] = []

    def build(tmp: Path) -> None:
        made = [pairs_figure(frame, list(ranges), prim.chosen, ranges, tmp), trajectory_figure(prim, tmp),
                sensitivity_figure(indices, tmp)]
        figures.extend(m for m in made if m is not None)

    atomic_folder(out / "figures", build, force=True)
    return write_pages(out, "explore", explore_document(manifest, found, ranges, figures))


def explore_document(manifest: dict, found: dict, ranges: dict, figures: list[tuple]) -> list[tuple]:
    """The exploration report as blocks (see `sim.reports.render`): the PRIM box, the tree's
    alternatives, the levers ranked, the figures."""
    frame, box, indices = found["frame"], found["prim"].chosen, found["indices"]
    keys = list(ranges)
    blocks: list[tuple] = [
        ("h1", f"Exploration: {manifest['target']}"),
        ("p", f"{len(frame)} sampled points ({manifest['sample']}) x {manifest['replicates']} replicates of "
              f"{', '.join(manifest['scenarios'])}; a point meets the target when most of its replicates do "
              f"({int(frame['target'].sum())} of {len(frame)} do)."),
        ("code", " ".join(manifest.get("command") or [])),
        ("h2", "Where the target holds (PRIM)"),
        ("p", f"Chosen box: {box.rules(ranges)} — coverage {box.coverage:.0%} (of the points meeting the "
              f"target, the share inside), density {box.density:.0%} (of the points inside, the share "
              f"meeting it), mass {box.mass:.0%} of the sample."),
        ("table", ["lever", "sampled range", "box"],
         [[k, f"{fmt(ranges[k][0])} to {fmt(ranges[k][1])}",
           f"{fmt(box.limits[k][0])} to {fmt(box.limits[k][1])}"] for k in keys], None),
    ]
    trees = found["trees"]
    if trees:
        blocks += [("h3", "Decision-tree alternative"),
                   ("list", [f"{b.rules(ranges)} (coverage {b.coverage:.0%}, density {b.density:.0%})"
                             for b in trees[:5]])]
    if indices:
        blocks.append(("h2", "Which levers matter"))
        blocks.append(("table", ["outcome", "levers, most influential first"],
                       [[m, " > ".join(ranking(pd.DataFrame(v["indices"])))] for m, v in indices.items()],
                       None))
        blocks.append(("p", "The indices behind the ranking, with their 95% intervals: Sobol ST is the "
                            "share of the outcome's variance due to a lever with its interactions; "
                            "Morris mu* the mean absolute effect of a lever over its range."))
        blocks.append(("table", ["outcome", "lever", "index", "value", "95% interval"],
                       index_rows(indices), None))
    else:
        blocks.append(("p", "Sensitivity indices need --method sobol or morris (this run used "
                            f"{manifest['sample']})."))
    return blocks + [("h2", "Figures")] + [("figure", *f) for f in figures]


def index_rows(indices: dict) -> list[list[str]]:
    """One row per outcome and lever, most influential first: the index, its value and interval."""
    rows = []
    for metric, found in indices.items():
        table = pd.DataFrame(found["indices"])
        value, conf = ("ST", "ST_conf") if "ST" in table else ("mu_star", "mu_star_conf")
        by_name = table.set_index("parameter")
        for lever in ranking(table):
            v, c = by_name.at[lever, value], by_name.at[lever, conf]
            known = v is not None and np.isfinite(float(v))
            spread = (f"{fmt(float(v) - float(c))} to {fmt(float(v) + float(c))}"
                      if known and c is not None and np.isfinite(float(c)) else "n/a")
            rows.append([metric, lever, "mu*" if value == "mu_star" else value,
                         fmt(float(v)) if known else "n/a", spread])
    return rows
