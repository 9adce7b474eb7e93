"""The patterns report: `patterns.csv`, `patterns.md`, a self-contained `patterns.html` and a figure
per pattern (`pattern_figures/ID.png`) in the batch folder of `weishang patterns`.

The rows come from `sim.experiments.patterns.check_patterns` (a row per pattern and scenario).
The document is built once as blocks and rendered twice by the shared renderer, so the two
pages agree; every file is written atomically, the figures as one folder.
"""

from __future__ import annotations

import json
import math
import shlex
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sim.common.files import atomic_folder, write_csv
from sim.experiments.patterns import published_file
from sim.reports.plots import plt, save_figure
from sim.reports.render import fmt, write_pages

FIGURES = "pattern_figures"  # not figures/: `weishang report` on the same batch folder replaces that one
HEADER = ["pattern", "scenario", "published", "model mean [95% interval]", "in range"]
CSV_FIELDS = ["pattern", "name", "scenario", "statistic", "published_lo", "published_hi", "mean", "ci_lo",
              "ci_hi", "replicates", "runs_failed", "in_range", "values", "description", "source"]


def _num(x: float) -> str:
    return "n/a" if not math.isfinite(x) else fmt(x)


def published_cell(row: dict) -> str:
    lo, hi = row["published_lo"], row["published_hi"]
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return "no published range"
    return f"[{fmt(lo)}, {fmt(hi)}]"


def model_cell(row: dict) -> str:
    """mean [95% interval of the mean]; the mean alone with one value; n/a when undefined."""
    if not math.isfinite(row["mean"]):
        return "n/a"
    if not (math.isfinite(row["ci_lo"]) and math.isfinite(row["ci_hi"])):
        return fmt(row["mean"])
    return f"{fmt(row['mean'])} [{fmt(row['ci_lo'])}, {fmt(row['ci_hi'])}]"


def table_cells(row: dict) -> list[str]:
    """The row as the table shows it: pattern | scenario | published | model mean [95% interval] |
    in range (the command prints the same cells)."""
    return [f"{row['pattern']} {row['name']}", row["scenario"], published_cell(row), model_cell(row),
            row["in_range"]]


def _csv_value(v: object) -> object:
    if isinstance(v, float):
        return "" if not math.isfinite(v) else f"{v:.6g}"
    if isinstance(v, list):
        return " ".join(str(_csv_value(x)) or "nan" for x in v)
    return v


def write_patterns_report(out: Path, rows: Sequence[dict], manifest: dict | None = None) -> Path:
    """Write patterns.csv, the figures, patterns.md and patterns.html into `out`; returns the HTML path."""
    out = Path(out)
    if manifest is None and (out / "manifest.json").is_file():
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest = manifest or {}
    write_csv(out / "patterns.csv", [{k: _csv_value(r[k]) for k in CSV_FIELDS} for r in rows], CSV_FIELDS)
    by_pattern: dict[str, list[dict]] = {}
    for row in rows:
        by_pattern.setdefault(row["pattern"], []).append(row)
    names: dict[str, str] = {}

    def build(tmp: Path) -> None:
        tmp.chmod(0o755)  # mkdtemp makes it private; the figures are meant to be shared
        for pid, group in by_pattern.items():
            names[pid] = pattern_figure(group, tmp / f"{_file_stem(pid)}.png").name

    atomic_folder(out / FIGURES, build, force=True)
    return write_pages(out, "patterns", document(rows, by_pattern, names, manifest), FIGURES)


def _file_stem(pattern_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in pattern_id)


def pattern_figure(group: Sequence[dict], path: Path) -> Path:
    """One pattern across scenarios: the published range as a band, each replicate a dot, the mean
    with its 95% interval."""
    fig, ax = plt.subplots(figsize=(max(4.5, 1.6 * len(group) + 2), 3.8))
    rng = np.random.default_rng(0)  # jitter only, so the same rows draw the same figure
    banded = dotted = meaned = False
    for i, row in enumerate(group):
        lo, hi = row["published_lo"], row["published_hi"]
        if math.isfinite(lo) and math.isfinite(hi):
            ax.fill_between([i - 0.35, i + 0.35], lo, hi, color="tab:green", alpha=0.2, lw=0,
                            label=None if banded else "published range")
            banded = True
            if hi - lo < 1e-9:
                ax.hlines(lo, i - 0.35, i + 0.35, color="tab:green")
        values = np.array([v for v in row["values"] if math.isfinite(v)], dtype=float)
        ax.scatter(i + rng.uniform(-0.12, 0.12, values.size), values, s=16, color="0.35", zorder=3,
                   label=None if dotted or not values.size else "replicate")
        dotted = dotted or bool(values.size)
        if math.isfinite(row["mean"]):
            err = None
            if math.isfinite(row["ci_lo"]) and math.isfinite(row["ci_hi"]):
                err = [[row["mean"] - row["ci_lo"]], [row["ci_hi"] - row["mean"]]]
            ax.errorbar([i + 0.22], [row["mean"]], yerr=err, fmt="D", color="tab:red", capsize=4, zorder=4,
                        label=None if meaned else "mean [95% interval]")
            meaned = True
    ax.set_xticks(range(len(group)), [r["scenario"] for r in group])
    ax.set_xlim(-0.6, len(group) - 0.4)
    first = group[0]
    ax.set(title=f"{first['pattern']}: {first['name']}", ylabel=first["statistic"].replace("_", " "))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, loc="best")
    return save_figure(fig, path)


def document(rows: Sequence[dict], by_pattern: dict[str, list[dict]], figures: dict[str, str],
             manifest: dict) -> list[tuple]:
    """The report as blocks for `sim.reports.render`."""
    runs = list((manifest.get("runs") or {}).values())
    scenarios = list(manifest.get("scenarios") or dict.fromkeys(r["scenario"] for r in rows))
    done = sum(r.get("status") == "done" for r in runs)
    resolved = manifest.get("scenarios") or {}
    days = {name: (data.get("run") or {}).get("days") for name, data in resolved.items()}
    checked = [r for r in rows if r["in_range"] != "n/a"]
    inside = sum(r["in_range"] == "yes" for r in checked)
    blocks: list[tuple] = [
        ("h1", "Published patterns: the model against published ranges"),
        ("p", f"{len(by_pattern)} pattern(s) on {len(scenarios)} scenario(s), "
              f"{manifest.get('replicates', '?')} replicate(s) each ({done} of {len(runs)} runs done). "
              f"{inside} of {len(checked)} published ranges hold (the mean across replicates inside "
              "the range)."),
        ("p", "Days simulated: " + ", ".join(f"{n} {d}" for n, d in days.items() if d) + ". Every scenario "
              "runs as long as the longest horizon any pattern needs (min_days); statistics that are not "
              "tied to a window (losses, pay for recruiting) are measured over the whole run."
              if days else "Days simulated: see manifest.json."),
    ]
    command = manifest.get("command") or []
    if command:
        blocks += [("h2", "Reproduce"), ("code", shlex.join(command)),
                   ("p", f"Root seed {manifest.get('root_seed')}; re-running the command resumes the batch. "
                         f"Pattern file: {_pattern_file(manifest)}.")]
    blocks += [("h2", "Patterns"),
               ("table", [*HEADER, "n"], [[*table_cells(r), str(r["replicates"])] for r in rows], 2),
               ("p", "Model mean: over replicates [95% confidence interval of the mean, Student t, "
                     "clipped to the statistic's possible values]; one value: the value alone; n/a: "
                     "undefined in every replicate (then not in range). n: replicates with a defined value. "
                     "In range: the mean inside the published range; n/a where there is none.")]
    failed = sum(r.get("status") == "failed" for r in runs)
    if failed:
        errors = [r.get("error") or "" for r in runs if r.get("status") == "failed"]
        blocks += [("p", f"{failed} run(s) failed and are left out; first error: {errors[0]}")]
    for pid, group in by_pattern.items():
        first = group[0]
        blocks += [("h2", f"{pid}: {first['name']}"),
                   ("list", [f"Statistic {first['statistic']}: {first['description']}",
                             f"Published: {first['source']}"])]
        if pid in figures:
            blocks.append(("figure", figures[pid], f"{pid}: {first['name']}",
                           "Green band: the published range; grey dots: replicates; red: the mean across "
                           "replicates with its 95% interval."))
    return blocks


def _pattern_file(manifest: dict) -> str:
    """The pattern file the batch used; the bundled one by its name, not its install path."""
    given = manifest.get("patterns_file")
    if not given or Path(given) == published_file():
        return "the published patterns shipped with the package (sim/patterns/published.toml)"
    return str(given)
