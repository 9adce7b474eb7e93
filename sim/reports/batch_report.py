"""The batch and sweep report: `figures/`, `report.md` and a self-contained `report.html`.

It reads the manifest (the record of which runs are done) and the run folders themselves rather
than summary.csv / aggregate.csv, so the report stays right when those tables are stale or
missing (an interrupted batch writes them only at the end; a manifest may be edited by hand).
The content is built once as a list of blocks and rendered twice (`sim.reports.render`), so the
two files agree.
"""

from __future__ import annotations

import csv
import json
import shlex
from pathlib import Path

import numpy as np

from sim.common.files import atomic_folder
from sim.common.intervals import interval, spread
from sim.experiments import store
from sim.experiments.batch import read_series
from sim.reports.batch_figures import MONEY, BatchGroup, Figure, make_batch_figures
from sim.reports.plots import smooth
from sim.reports.render import fmt, write_pages
from sim.reports.sweep_figures import make_sweep_figures

SHARE, COUNT, ANY = (0.0, 1.0), (0.0, np.inf), (-np.inf, np.inf)  # a metric's possible range
TABLE_METRICS = (
    ("sellers_ever", "sellers ever", "people who ever sold", COUNT),
    ("share_in_loss", "share in loss", "share of them whose net profit is below zero", SHARE),
    ("median_profit", "median profit", "median net profit of those who ever sold, yuan", ANY),
    ("retail_reach", "retail reach",
     "units bought by non-participants per unit bought from the brand (net of buyback)", COUNT),
    ("income_share_recruiting", "receipts from recruiting",
     "share of sellers' receipts paid by their downlines' stock orders or as bonuses", SHARE),
    ("max_depth", "max depth", "deepest recruitment chain, levels", COUNT),
    ("mean_trust", "trust", "contacts' mean trust in (ex-)sellers on the last day, 0-1", SHARE),
)
BANDS = ("sellers", "stock_units", "share_in_loss", "mean_trust", "trust_cognitive", "trust_affective",
         "trust_behavioural")
UNIT_RANGE = ("share_in_loss", "mean_trust", "trust_cognitive", "trust_affective", "trust_behavioural")
SMOOTHED = ("retail_nonparticipant_units", "wholesale_units")  # daily counts: 7-day mean
RUN_FILES = ("timeseries.csv", "agents.csv", "summary.json")


def write_batch_report(folder: Path) -> Path:
    """Write figures/, report.md and report.html for a batch folder; returns the HTML path."""
    folder = Path(folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return _write_report(folder, manifest, folder / "runs")


def write_run_report(run: Path) -> Path:
    """figures/, report.md and report.html for one run folder (`weishang run`, or the browser page's
    export), read as a batch of one run: the tables and figures a batch report has."""
    run = Path(run)
    meta = json.loads((run / "meta.json").read_text(encoding="utf-8"))
    scenario = meta["scenario"]
    if "days" in meta:  # the days this run covered (the page's export stops where the page did)
        scenario = {**scenario, "run": {**(scenario.get("run") or {}), "days": meta["days"]}}
    name = (scenario.get("meta") or {}).get("name") or run.name
    record = {"run_id": run.name, "scenario": name, "point_id": "base", "point": {}, "replicate": 0,
              "seed": meta["seed"], "status": "done", "error": None}
    manifest = {"kind": "run", "command": [], "root_seed": meta["seed"], "replicates": 1,
                "scenarios": {name: scenario}, "versions": meta.get("versions"),
                "git_commit": meta.get("git_commit"), "runs": {run.name: record}}
    return _write_report(run, manifest, run.parent)


def _write_report(folder: Path, manifest: dict, runs_dir: Path) -> Path:
    groups, problems = load_groups(folder, manifest, runs_dir)
    vary = list(manifest.get("vary") or [])
    short = short_keys(vary)
    figures: list[Figure] = []

    def build(tmp: Path) -> None:
        tmp.chmod(0o755)  # mkdtemp makes it private; the figures are meant to be shared
        figures.extend(make_batch_figures(groups, tmp) + make_sweep_figures(groups, tmp, vary, short))

    # Figures go into a temporary folder that replaces figures/ whole: no half-written set.
    atomic_folder(folder / "figures", build, force=True)
    return write_pages(folder, "report", batch_document(manifest, groups, problems, figures))


def short_keys(keys: list[str]) -> dict[str, str]:
    """The shortest dotted suffix that tells the varied keys apart (brands.0.quality -> quality)."""
    out = {}
    for key in keys:
        parts = key.split(".")
        for n in range(1, len(parts) + 1):
            tail = ".".join(parts[-n:])
            if sum(k == tail or k.endswith("." + tail) for k in keys) == 1:
                break
        out[key] = tail
    return out


def _value(v: object) -> str:
    return f"{v:g}" if isinstance(v, float) else json.dumps(v) if isinstance(v, list | dict) else str(v)


def load_groups(folder: Path, manifest: dict, runs_dir: Path | None = None
                ) -> tuple[list[BatchGroup], list[dict]]:
    """Completed runs by (scenario, point), and the runs that are failed, pending or missing files
    (run folders are in `runs_dir`, by default the batch's runs/)."""
    runs_dir = folder / "runs" if runs_dir is None else runs_dir
    records: dict[tuple[str, str], list[dict]] = {}
    problems = []
    for run_id, record in manifest["runs"].items():
        missing = [f for f in RUN_FILES if not (runs_dir / run_id / f).is_file()]
        if record["status"] == "done" and not missing:
            records.setdefault((record["scenario"], record["point_id"]), []).append(record)
        else:
            error = record.get("error") or ("not run yet: run the same command again to finish the batch"
                                            if record["status"] == "pending" else "")
            if record["status"] == "done":  # marked done, but its folder was removed or damaged
                error = f"run folder incomplete (missing {', '.join(missing)})"
            problems.append({**record, "run_id": run_id, "error": error})
    short = short_keys(list(manifest.get("vary") or []))
    several = len({s for s, _ in records}) > 1
    groups = []
    for (scenario, point_id), recs in records.items():
        point = recs[0]["point"]
        params = [f"{short.get(k, k)}={_value(v)}" for k, v in point.items()]
        head = f"{scenario} {point_id}" if several and point else point_id if point else scenario
        label = f"{head}: {', '.join(params)}" if params else head
        tick = "\n".join([head, *params]) if len(records) <= 12 else head
        group = BatchGroup(scenario, point_id, point, label, tick)
        _fill(group, runs_dir, sorted(recs, key=lambda r: r["replicate"]))
        groups.append(group)
    return groups, problems


def group_series(runs_dir: Path, recs: list[dict]) -> list[dict[str, np.ndarray]]:
    """The group's daily series, a dict (column name -> array) a run: in a batch (runs_dir is
    BATCH/runs) through the store in one call (each compacted file read once); for a lone run
    folder from its timeseries.csv, writing nothing beside it."""
    if runs_dir.name == "runs" and (runs_dir.parent / "manifest.json").is_file():
        return store.read_runs(runs_dir.parent, recs)
    series = []
    for record in recs:
        names, values = read_series(runs_dir / record["run_id"] / "timeseries.csv")
        series.append({n: values[:, i] for i, n in enumerate(names)})
    return series


def _fill(g: BatchGroup, runs_dir: Path, recs: list[dict]) -> None:
    """Reduce a group's runs: bands of the plotted series, money totals, final metrics, sellers."""
    series, finals, agents = group_series(runs_dir, recs), [], []
    for record in recs:
        run = runs_dir / record["run_id"]
        g.run_ids.append(record["run_id"])
        finals.append(json.loads((run / "summary.json").read_text(encoding="utf-8")))
        with open(run / "agents.csv", newline="", encoding="utf-8") as handle:
            agents += [(float(r["net_profit"]), int(r["tier"]), int(r["join_day"]))
                       for r in csv.DictReader(handle)]
        if not g.tier_names:
            meta = run / "meta.json"
            if meta.is_file():
                g.tier_names = json.loads(meta.read_text(encoding="utf-8")).get("tiers", {})
    days = min(s["day"].size for s in series)  # as aggregate.csv: the common length
    g.day = series[0]["day"][:days]
    keys = [*BANDS, *SMOOTHED, *sorted(k for k in series[0] if k.startswith("sellers_tier"))]
    for key in keys:
        stack = np.stack([smooth(s[key][:days]) if key in SMOOTHED else s[key][:days] for s in series])
        mean, lo, hi = interval(stack)
        # With few replicates the t-interval can leave the possible range (counts below 0, shares
        # above 1); clip it there so a band never draws impossible values.
        top = 1.0 if key in UNIT_RANGE else np.inf
        g.bands[key] = (mean, np.clip(lo, 0.0, top), np.clip(hi, 0.0, top))
        g.spread[key] = spread(stack)  # quantiles of real runs: inside the range already
    g.totals = {key: np.array([s[key].sum() for s in series]) for key in MONEY if key in series[0]}
    g.finals = {m: np.array([_float(f.get(m)) for f in finals]) for m in {k for f in finals for k in f}}
    if agents:
        profit, tier, join = zip(*agents, strict=True)
        g.profit, g.tier, g.join_day = np.array(profit), np.array(tier), np.array(join)


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _float(v: object) -> float:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else float("nan")


def metric_cell(values: np.ndarray, bounds: tuple[float, float] = (-np.inf, np.inf)) -> str:
    """mean [95% interval of the mean] across replicates; just the value with one replicate.

    The interval is clipped to the metric's possible range: with two or three replicates the
    t-interval of a share or a count easily reaches past 1 or below 0.
    """
    values = values[np.isfinite(values)]
    if values.size == 0:
        return "-"
    mean, lo, hi = (float(a[0]) for a in interval(values[:, None]))
    if values.size < 2:
        return fmt(mean)
    return f"{fmt(mean)} [{fmt(max(lo, bounds[0]))}, {fmt(min(hi, bounds[1]))}]"


def spread_cell(values: np.ndarray) -> str:
    """The middle 50% [25th, 75th percentile] and middle 90% (5th to 95th) of the runs' values;
    '-' with fewer than two runs, where there is no spread to show."""
    values = values[np.isfinite(values)]
    if values.size < 2:
        return "-"
    q05, q25, q75, q95 = (float(q) for q in spread(values[:, None])[:, 0])
    return f"[{fmt(q25)}, {fmt(q75)}] ({fmt(q05)} to {fmt(q95)})"


def batch_document(manifest: dict, groups: list[BatchGroup], problems: list[dict],
                   figures: list[Figure]) -> list[tuple]:
    """The report as blocks: (h1|h2|h3|p|code, text), (list, items), (table, header, rows, first
    numeric column or None), (figure, name, title, caption)."""
    kind = manifest.get("kind", "batch")
    names = list(manifest.get("scenarios", {}))
    runs = list(manifest["runs"].values())
    vary = list(manifest.get("vary") or [])
    title = (f"Sweep report: {', '.join(names)} over {', '.join(vary)}" if kind == "sweep" and vary
             else f"Run report: {', '.join(names)}" if kind == "run" else f"Batch report: {', '.join(names)}")
    status = {s: sum(r["status"] == s for r in runs) for s in ("done", "failed", "pending")}
    plan = [_count(len(names), "scenario"), _count(int(manifest.get("replicates") or 0), "replicate")]
    if manifest.get("points"):
        plan.insert(1, _count(len(manifest["points"]), "parameter point"))
    summary = (f"{_count(len(runs), 'run')} planned ({' x '.join(plan)}): {status['done']} done, "
               f"{status['failed']} failed, {status['pending']} not run.")
    if problems:
        summary += f" {_count(len(problems), 'run')} left out of the figures and tables (listed below)."
    same_seeds = (" Replicate r has the same seed in every scenario and at every point, so arms differ "
                  "by mechanism, not by draw.")
    blocks: list[tuple] = [("h1", title), ("p", summary + ("" if kind == "run" else same_seeds))]

    blocks += [("h2", "Reproduce")]
    command = manifest.get("command") or []
    if command:
        blocks += [("code", shlex.join(command)),
                   ("p", "--jobs and --scheduler only change where the runs execute, not their "
                         "results. Re-running the command resumes the batch in its folder.")]
    elif kind == "run":
        blocks += [("p", "One run: its resolved scenario (every value, overrides included) is in the "
                         "run folder's meta.json; `weishang run` on that scenario with the seed below "
                         "gives the same files.")]
    else:
        blocks += [("p", "Made from Python (no command recorded): sim.batch.run_batch with the resolved "
                         "scenarios in manifest.json and the root seed and replicates below.")]
    seeds = sorted({(r["replicate"], r["seed"]) for r in runs})
    seeding = (f"Seed {manifest.get('root_seed')}." if kind == "run" else
               f"Root seed {manifest.get('root_seed')}; replicate seeds (spawned from it with "
               "numpy.random.SeedSequence): " + ", ".join(f"r{r}: {s}" for r, s in seeds) + ".")
    blocks += [("p", seeding),
               ("p", "Versions: " + ", ".join(f"{k} {v}" for k, v in (manifest.get("versions") or {}).items())
                + f". Git commit: {manifest.get('git_commit') or 'unknown (not run from a git checkout)'}.")]

    blocks += [("h2", "Scenarios"),
               ("list", [_scenario_line(n, d) for n, d in manifest["scenarios"].items()])]
    if manifest.get("points"):
        sample = {"grid": "a full grid", "lhs": "a Latin hypercube sample"}.get(manifest.get("sample"), "")
        blocks += [("h2", "Parameter points"),
                   ("p", f"{len(manifest['points'])} points" + (f", {sample}." if sample else ".")),
                   ("table", ["point", *vary], [[pid, *(_value(p.get(k, "")) for k in vary)]
                                                for pid, p in manifest["points"].items()], 1)]

    blocks += [("h2", "Final metrics"), ("p", (
        "Value at the end of the run: mean over completed replicates [95% confidence interval of the "
        "mean, Student t, clipped to the metric's possible range]; n: completed replicates (one "
        "replicate: the value alone)."))]
    if groups:
        header = ["scenario / point", "n", *(t[1] for t in TABLE_METRICS)]
        rows = [[g.label, str(len(g.run_ids)), *(metric_cell(g.finals.get(m, np.zeros(0)), bounds)
                                                 for m, _, _, bounds in TABLE_METRICS)] for g in groups]
        blocks += [("table", header, rows, 1),
                   ("list", [f"{label}: {meaning}" for _, label, meaning, _ in TABLE_METRICS])]
        if any(len(g.run_ids) > 1 for g in groups):
            blocks += [("h3", "Spread over runs"), ("p", (
                "How far one run can fall from another, which the interval of the mean (it narrows as "
                "replicates are added) does not say: the middle 50% of runs [25th, 75th percentile] and, "
                "in parentheses, the middle 90% (5th to 95th percentile). With few replicates these are "
                "rough: they interpolate between the runs there are."))]
            rows = [[g.label, str(len(g.run_ids)), *(spread_cell(g.finals.get(m, np.zeros(0)))
                                                     for m, _, _, _ in TABLE_METRICS)] for g in groups]
            blocks += [("table", header, rows, 1)]
        blocks += [("p", "Every run's figures: summary.csv; daily means, intervals of the mean and "
                         "quantiles of the runs: aggregate.csv.")]
    else:
        blocks += [("p", "No run completed, so there are no metrics or figures.")]

    blocks += [("h2", "Failed runs")]
    if problems:
        blocks += [("p", f"{len(problems)} run(s) did not complete and are left out:"),
                   ("table", ["run", "scenario", "point", "replicate", "seed", "status", "error"],
                    [[p["run_id"], p["scenario"], p["point_id"], str(p["replicate"]), str(p["seed"]),
                      p["status"], p["error"] or ""] for p in problems], None)]
    else:
        blocks += [("p", "None: every planned run completed.")]

    if figures:
        blocks += [("h2", "Figures")]
    section = None
    for f in figures:
        if f.section != section:
            section = f.section
            blocks.append(("h3", section))
        blocks.append(("figure", f.name, f.title, f.caption))
    return blocks


def _scenario_line(name: str, data: dict) -> str:
    description = (data.get("meta") or {}).get("description", "")
    people = (data.get("population") or {}).get("people")
    days = (data.get("run") or {}).get("days")
    brands = ", ".join(b.get("name", "?") for b in data.get("brands", []))
    return f"{name}: {description} ({people:,} people, {days} days, brand(s): {brands})"
