"""Sweep figures: final metrics against each varied parameter, and for two or more levers a map of
each main outcome over every pair of them (a heatmap on a grid, a contour plot for a Latin hypercube).

A one-lever plot pools over the other levers, which hides how two levers act together (a bonus that
only hurts at low quality); the maps show the pair's joint effect. The numbers behind a map come
from `lever_grid` / `lever_points`, so tests check them rather than pixels.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
from matplotlib.ticker import EngFormatter

from sim.reports.batch_figures import SWEEP_METRICS, BatchGroup, Figure
from sim.reports.plots import plt, save_figure
from sim.reports.render import fmt

MAP_METRICS = SWEEP_METRICS[:4]  # share in loss, median profit, retail reach, receipts from recruiting
MAX_PAIRS = 6  # lever pairs mapped; past that the report drowns in maps
MAX_GRID_LEVELS = 25  # more distinct values on an axis than this: not a grid, a sample


class LeverGrid(NamedTuple):
    """A metric over a full grid of two levers: `values[i, j]` at y=ys[i], x=xs[j], NaN where no run
    completed; `points[i, j]` how many parameter points were averaged there."""

    xs: list
    ys: list
    values: np.ndarray
    points: np.ndarray


def _slug(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", key).strip("_")


def _number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _levels(values: Sequence) -> list:
    """Distinct values of a lever, in numeric order when numeric, else in order of appearance."""
    unique = list(dict.fromkeys(repr(v) for v in values))
    first = {repr(v): v for v in reversed(values)}
    levels = [first[u] for u in unique]
    return sorted(levels) if all(_number(v) for v in levels) else levels


def point_mean(g: BatchGroup, metric: str) -> float:
    """A point's final metric, mean over its completed replicates (NaN if none has it)."""
    runs = g.finals.get(metric, np.zeros(0))
    runs = runs[np.isfinite(runs)]
    return float(runs.mean()) if runs.size else float("nan")


def is_grid(groups: Sequence[BatchGroup], x: str, y: str) -> bool:
    """Whether the points fill every combination of the two levers' values (a `--sample grid`),
    rather than scattering over their ranges (a Latin hypercube: every value distinct)."""
    xs, ys = _levels([g.point[x] for g in groups]), _levels([g.point[y] for g in groups])
    pairs = {(repr(g.point[x]), repr(g.point[y])) for g in groups}
    return max(len(xs), len(ys)) <= MAX_GRID_LEVELS and len(pairs) == len(xs) * len(ys)


def lever_grid(groups: Sequence[BatchGroup], x: str, y: str, metric: str) -> LeverGrid:
    """A metric on the grid of levers x and y: each point's mean over replicates, then the mean over
    the points that share the cell (the other levers' values), each point weighing the same."""
    xs, ys = _levels([g.point[x] for g in groups]), _levels([g.point[y] for g in groups])
    col, row = {repr(v): j for j, v in enumerate(xs)}, {repr(v): i for i, v in enumerate(ys)}
    total, count = np.zeros((len(ys), len(xs))), np.zeros((len(ys), len(xs)), dtype=int)
    for g in groups:
        value = point_mean(g, metric)
        if np.isfinite(value):
            i, j = row[repr(g.point[y])], col[repr(g.point[x])]
            total[i, j] += value
            count[i, j] += 1
    values = np.divide(total, count, out=np.full(total.shape, np.nan), where=count > 0)
    return LeverGrid(xs, ys, values, count)


def lever_points(groups: Sequence[BatchGroup], x: str, y: str, metric: str) -> np.ndarray:
    """A metric at sampled points: rows of (x, y, mean over the point's replicates), points without
    a completed run left out."""
    rows = [(float(g.point[x]), float(g.point[y]), point_mean(g, metric)) for g in groups]
    return np.array([r for r in rows if np.isfinite(r[2])]).reshape(-1, 3)


def map_pairs(groups: Sequence[BatchGroup], vary: Sequence[str]) -> list[tuple[str, str]]:
    """The lever pairs to map: every pair that varies in these groups, at most MAX_PAIRS. A Latin
    hypercube pair needs numbers on both axes (it is interpolated)."""
    out = []
    for x, y in itertools.combinations(vary, 2):
        if not all(x in g.point and y in g.point for g in groups):
            continue
        if is_grid(groups, x, y) or all(_number(g.point[x]) and _number(g.point[y]) for g in groups):
            out.append((x, y))
    return out[:MAX_PAIRS]


def _scale(metric: str) -> EngFormatter | None:
    return EngFormatter() if metric == "median_profit" else None  # yuan: 55 k; shares stay 0.93


def _draw_grid(ax, fig, grid: LeverGrid, x: str, y: str, title: str, metric: str) -> None:
    shown = np.ma.masked_invalid(grid.values)
    image = ax.imshow(shown, origin="lower", aspect="auto", cmap="viridis")
    fig.colorbar(image, ax=ax, format=_scale(metric))
    ax.set_xticks(range(len(grid.xs)), [f"{v:g}" if _number(v) else repr(v) for v in grid.xs], fontsize=8)
    ax.set_yticks(range(len(grid.ys)), [f"{v:g}" if _number(v) else repr(v) for v in grid.ys], fontsize=8)
    if grid.values.size <= 64:  # small grids: the number in each cell
        span = np.nanmax(grid.values) - np.nanmin(grid.values) if np.isfinite(grid.values).any() else 0
        for (i, j), v in np.ndenumerate(grid.values):
            if np.isfinite(v):
                light = span > 0 and v < np.nanmin(grid.values) + 0.5 * span
                ax.text(j, i, fmt(v), ha="center", va="center", fontsize=7,
                        color="white" if light else "black")
    ax.set(title=title, xlabel=x, ylabel=y)


def _draw_points(ax, fig, data: np.ndarray, x: str, y: str, title: str, metric: str) -> None:
    if len(data) >= 3 and np.ptp(data[:, 0]) > 0 and np.ptp(data[:, 1]) > 0:
        try:
            filled = ax.tricontourf(data[:, 0], data[:, 1], data[:, 2], levels=12, cmap="viridis")
            fig.colorbar(filled, ax=ax, format=_scale(metric))
        except (ValueError, RuntimeError):  # points on one line: no triangles to fill
            pass
    ax.scatter(data[:, 0], data[:, 1], c="white", edgecolors="black", s=14, lw=0.6)
    ax.set(title=title, xlabel=x, ylabel=y)


def map_figure(groups: Sequence[BatchGroup], x: str, y: str, short: dict[str, str], folder: Path,
               others: int, scenario: str | None = None) -> Figure:
    """The main outcomes over levers x and y, four panels."""
    grid = is_grid(groups, x, y)
    sx, sy = short.get(x, x), short.get(y, y)
    fig, axes = plt.subplots(2, 2, figsize=(12, 9))
    for ax, (metric, title, _unit) in zip(axes.flat, MAP_METRICS, strict=True):
        if grid:
            _draw_grid(ax, fig, lever_grid(groups, x, y, metric), sx, sy, title, metric)
        else:
            _draw_points(ax, fig, lever_points(groups, x, y, metric), sx, sy, title, metric)
    where = f" ({scenario})" if scenario else ""
    fig.suptitle(f"Final metrics over {x} and {y}{where}")
    name = f"map_{_slug(x)}__{_slug(y)}" + (f"__{_slug(scenario)}" if scenario else "") + ".png"
    if grid:
        how = ("Each cell: mean over replicates at that point" +
               (", then mean over the other varied parameters' values (each point weighing the same)."
                if others else "."))
    else:
        how = ("Latin hypercube: each dot is a sampled point (its mean over replicates); colours between "
               "the dots are interpolated linearly over triangles joining them, so read them as a guide"
               + (", and the other varied parameters vary across the points, not held fixed." if others
                  else "."))
    return Figure(save_figure(fig, folder / name).name, "Sweep: two levers together",
                  f"Final metrics over {sx} and {sy}{where}", how + " Blank: no completed run there.")


def make_sweep_figures(groups: Sequence[BatchGroup], folder: Path, vary: Sequence[str],
                       short: dict[str, str]) -> list[Figure]:
    """Each varied lever's figure, then the maps of lever pairs."""
    if not groups:
        return []
    return [sweep_figure(groups, key, short.get(key, key), folder) for key in vary] + map_figures(
        groups, vary, short, folder)


def map_figures(groups: Sequence[BatchGroup], vary: Sequence[str], short: dict[str, str],
                folder: Path) -> list[Figure]:
    """A map per pair of varied levers (and per scenario when a sweep has several)."""
    scenarios = list(dict.fromkeys(g.scenario for g in groups))
    out = []
    for scenario in scenarios:
        mine = [g for g in groups if g.scenario == scenario]
        for x, y in map_pairs(mine, vary):
            others = len({k for g in mine for k in g.point} - {x, y})
            out.append(map_figure(mine, x, y, short, folder, others,
                                  scenario if len(scenarios) > 1 else None))
    return out


def sweep_figure(groups: Sequence[BatchGroup], key: str, short: str, folder: Path) -> Figure:
    """Six final metrics against one varied parameter: a dot per run, a line through the means."""
    values = [g.point.get(key) for g in groups]
    numeric = all(_number(v) for v in values)
    categories = list(dict.fromkeys(repr(v) for v in values))  # lists, strings: one slot each
    fig, axes = plt.subplots(2, 3, figsize=(14, 7.5))
    for ax, (metric, title, unit) in zip(axes.flat, SWEEP_METRICS, strict=True):
        xs, ys = [], []
        for g, v in zip(groups, values, strict=True):
            runs = g.finals.get(metric, np.zeros(0))
            runs = runs[np.isfinite(runs)]
            xs += [float(v) if numeric else categories.index(repr(v))] * runs.size
            ys += list(runs)
        xs_arr, ys_arr = np.array(xs), np.array(ys)
        ax.scatter(xs_arr, ys_arr, s=16, alpha=0.45, color="tab:blue", label="one run", lw=0)
        levels = np.unique(xs_arr)
        ax.plot(levels, [ys_arr[xs_arr == u].mean() for u in levels], "-o", color="black", ms=4,
                label="mean at this value")
        ax.set(title=title, xlabel=short, ylabel=unit)
        if not numeric:
            ax.set_xticks(range(len(categories)), categories, fontsize=8)
        if metric == "median_profit":
            ax.yaxis.set_major_formatter(EngFormatter())
    axes.flat[0].legend(fontsize=8)
    fig.suptitle(f"Final metrics against {key}")
    others = len({k for g in groups for k in g.point} - {key})
    return Figure(save_figure(fig, folder / f"sweep_{_slug(key)}.png").name, "Sweep: final metrics",
                  f"Final metrics against {key}",
                  "Each dot is one run's value at the end; the line joins the means of the runs at each "
                  "value" + (", pooled over the other varied parameters (their joint effect: the maps "
                             "below)." if others else "."))
