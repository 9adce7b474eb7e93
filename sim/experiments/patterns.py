"""Pattern-oriented checking: the model's outcomes against published ranges (`weishang patterns`).

A pattern file (TOML, `sim/patterns/published.toml` ships with the package) lists patterns: a
statistic named by the name of a function here (nothing from the file is executed), how it is
computed and where its published range comes from, the horizon it needs (`min_days`), and the
published range per scenario. `check_patterns` runs the scenarios as one batch (resumable like
every batch: the folder is a batch folder), each with `run.days` raised to the longest horizon any
pattern needs, computes every pattern's statistic on every replicate's run folder and compares
the mean across replicates with the published range.

The statistics read only what a run folder holds: `agents.csv` (a row per person who ever
sold: join_day, exit_day (-1 while selling), upline (-1 for founders), net_profit),
`summary.json` ("people", "days") and `ledger.csv` (kind, entries, amount, units; a kind the file
does not list counts as 0).
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from sim.common.intervals import interval
from sim.common.tomlfile import read_toml
from sim.experiments.batch import run_batch
from sim.experiments.runs import RUNS
from sim.model import bundled
from sim.model.scenario import Scenario, load_scenario

YEAR = 365  # days
HALF_YEAR = 182  # days 0..181: the joiners P2 follows for a year
NAN = float("nan")


class PatternError(ValueError):
    """A pattern file, or a run folder a statistic reads, that cannot be used; str() is one line."""


# --- statistics: each takes a run folder and returns a float (NaN when undefined) -------------

def _read_agents(run: Path, columns: Sequence[str]) -> dict[str, np.ndarray]:
    """Columns of a run's agents.csv as float arrays (`upline` may also be spelt `upline_id`; without
    `first_exit_day`, written where a seller may rejoin, `exit_day` is the first exit)."""
    path = Path(run) / "agents.csv"
    if not path.is_file():
        raise PatternError(f"{path}: file not found (a run folder holds agents.csv)")
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        names = {}
        for column in columns:
            aliases = {"upline": ("upline", "upline_id"),
                       "first_exit_day": ("first_exit_day", "exit_day")}.get(column, (column,))
            found = next((a for a in aliases if a in header), None)
            if found is None:
                wanted = " or ".join(repr(a) for a in aliases)
                raise PatternError(f"{path}: no column {wanted} (columns: {', '.join(header)})")
            names[column] = found
        rows = list(reader)
    try:
        return {c: np.array([float(r[n]) for r in rows], dtype=float) for c, n in names.items()}
    except (TypeError, ValueError):
        raise PatternError(f"{path}: a value in {', '.join(columns)} is not a number") from None


def _read_summary(run: Path) -> dict:
    path = Path(run) / "summary.json"
    if not path.is_file():
        raise PatternError(f"{path}: file not found (a run folder holds summary.json)")
    return json.loads(path.read_text(encoding="utf-8"))


def _read_ledger(run: Path) -> dict[str, float]:
    """Amounts by kind from a run's ledger.csv."""
    path = Path(run) / "ledger.csv"
    if not path.is_file():
        raise PatternError(f"{path}: file not found (a run folder holds ledger.csv)")
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if not {"kind", "amount"} <= set(reader.fieldnames or []):
            raise PatternError(f"{path}: needs columns kind and amount")
        try:
            return {r["kind"]: float(r["amount"]) for r in reader}
        except (TypeError, ValueError):
            raise PatternError(f"{path}: an amount is not a number") from None


def _share(part: float, whole: float) -> float:
    return float(part / whole) if whole else NAN


def take_up_first_year(run: Path) -> float:
    """P1: people who ever joined by day 365 (founders on day 0 included) / summary "people"."""
    agents = _read_agents(run, ["join_day"])
    people = _read_summary(run).get("people")
    if not isinstance(people, int | float) or people <= 0:
        raise PatternError(f"{Path(run) / 'summary.json'}: people: expected a positive number")
    join = agents["join_day"]
    return _share(float(((join >= 0) & (join <= YEAR)).sum()), float(people))


def dropout_within_year(run: Path) -> float:
    """P2: of the non-founders who joined on days 0..181, the share whose first exit came within 365
    days of joining (0 <= first_exit - join <= 365; a seller who rejoined later still quit)."""
    agents = _read_agents(run, ["join_day", "first_exit_day", "upline"])
    join, exit_day = agents["join_day"], agents["first_exit_day"]
    cohort = (agents["upline"] >= 0) & (join >= 0) & (join < HALF_YEAR)
    tenure = exit_day[cohort] - join[cohort]
    quit_ = (exit_day[cohort] >= 0) & (tenure >= 0) & (tenure <= YEAR)
    return _share(float(quit_.sum()), float(cohort.sum()))


def share_in_loss(run: Path) -> float:
    """P3: of everyone who ever joined (every row of agents.csv), the share with net_profit < 0."""
    profit = _read_agents(run, ["net_profit"])["net_profit"]
    return _share(float((profit < 0).sum()), float(profit.size))


# Pay for recruiting: per recruit, and the team bonus on recruits' buy-ins (entry orders, upgrades).
# The rest of the plan's pay is on volume after joining: the team bonus on restocks, the leadership
# pool, the retail rebate (FHTM's other ~19% were commissions on customers' ongoing use).
RECRUITING_BONUSES = ("recruit_bonus", "buy_in_bonus")
VOLUME_BONUSES = ("team_bonus", "rank_bonus", "retail_bonus")


def recruiting_bonus_share(run: Path) -> float:
    """P4: (recruit bonus + buy-in bonus) / all bonuses, from ledger.csv; NaN if none paid."""
    amount = _read_ledger(run)
    recruiting = sum(amount.get(k, 0.0) for k in RECRUITING_BONUSES)
    return _share(recruiting, recruiting + sum(amount.get(k, 0.0) for k in VOLUME_BONUSES))


STATISTICS: dict[str, Callable[[Path], float]] = {
    f.__name__: f for f in (take_up_first_year, dropout_within_year, share_in_loss, recruiting_bonus_share)
}
# What values a statistic can take: the 95% interval of the mean is clipped to it (with few
# replicates the t-interval of a share easily reaches past 0 or 1).
BOUNDS: dict[str, tuple[float, float]] = {name: (0.0, 1.0) for name in STATISTICS}


# --- the pattern file ------------------------------------------------------------------------

@dataclass(frozen=True)
class Pattern:
    """One published pattern: its statistic, horizon, and the published range per scenario."""

    id: str
    name: str
    statistic: str
    description: str
    source: str
    min_days: int
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    where: str = field(default="", compare=False)  # "FILE: pattern N", for errors about it

    def compute(self, run: Path) -> float:
        return float(STATISTICS[self.statistic](run))


TEXT_KEYS = ("id", "name", "statistic", "description", "source")
KEYS = (*TEXT_KEYS, "min_days", "ranges")


def published_file() -> Path:
    """The pattern file shipped with the package."""
    return Path(str(resources.files("sim") / "patterns" / "published.toml"))


def load_patterns(path: str | Path | None = None) -> list[Pattern]:
    """Read and check a pattern file (the published one by default); errors are one line
    `FILE: pattern N: KEY: what is allowed`."""
    path = Path(path) if path is not None else published_file()
    where = str(path)
    raw = read_toml(path, PatternError)
    for key in raw:
        if key != "pattern":
            raise PatternError(f"{where}: {key}: unknown key (a pattern file holds [[pattern]] tables only)")
    tables = raw.get("pattern")
    if not isinstance(tables, list) or not tables or not all(isinstance(t, dict) for t in tables):
        raise PatternError(f"{where}: pattern: expected one or more [[pattern]] tables")
    patterns, ids = [], set()
    for n, table in enumerate(tables, start=1):
        pattern = _check_pattern(table, f"{where}: pattern {n}")
        if pattern.id in ids:
            raise PatternError(f"{where}: pattern {n}: id: {pattern.id!r} is used twice (ids are unique)")
        ids.add(pattern.id)
        patterns.append(pattern)
    return patterns


def _check_pattern(table: Mapping, where: str) -> Pattern:
    for key in table:
        if key not in KEYS:
            raise PatternError(f"{where}: {key}: unknown key (allowed: {', '.join(KEYS)})")
    for key in KEYS:
        if key not in table:
            raise PatternError(f"{where}: {key}: missing (every pattern needs {', '.join(KEYS)})")
    for key in TEXT_KEYS:
        if not isinstance(table[key], str) or not table[key].strip():
            raise PatternError(f"{where}: {key}: expected a non-empty string")
    if table["statistic"] not in STATISTICS:
        raise PatternError(f"{where}: statistic: unknown {table['statistic']!r} "
                           f"(known: {', '.join(STATISTICS)})")
    min_days = table["min_days"]
    if isinstance(min_days, bool) or not isinstance(min_days, int) or min_days < 1:
        raise PatternError(f"{where}: min_days: expected a whole number of days >= 1")
    if not isinstance(table["ranges"], dict):
        raise PatternError(f"{where}: ranges: expected a table of scenario = [lo, hi]")
    ranges = {}
    for scenario, value in table["ranges"].items():
        ok = (isinstance(value, list) and len(value) == 2
              and all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                      for v in value) and value[0] <= value[1])
        if not ok:
            raise PatternError(f"{where}: ranges.{scenario}: expected [lo, hi], two numbers with lo <= hi")
        ranges[scenario] = (float(value[0]), float(value[1]))
    return Pattern(table["id"].strip(), table["name"].strip(), table["statistic"],
                   table["description"].strip(), table["source"].strip(), min_days, ranges, where)


def scenario_names(patterns: Sequence[Pattern]) -> list[str]:
    """Every scenario some pattern gives a published range for, in order of first mention."""
    return list(dict.fromkeys(name for p in patterns for name in p.ranges))


def horizon(patterns: Sequence[Pattern]) -> int:
    """The days every scenario is run: the longest horizon any pattern needs."""
    return max(p.min_days for p in patterns)


# --- the check ---------------------------------------------------------------------------------

def prepare(scenarios: Sequence[Scenario | str | Path] | None, patterns: Sequence[Pattern]) -> list[Scenario]:
    """The scenarios to run (those the patterns name unless given; names are bundled scenarios or
    files), each with run.days raised to the patterns' horizon. Raises ScenarioError, PatternError."""
    if not patterns:
        raise PatternError("no patterns to check")
    given = list(scenarios) if scenarios else scenario_names(patterns)
    if not given:
        raise PatternError("no pattern gives a published range for any scenario: name the scenarios to run")
    if not scenarios:  # names from the pattern file: each must be a bundled scenario (or a file)
        for name in given:
            if not bundled.resolve(name).is_file():
                where = next(p.where for p in patterns if name in p.ranges)
                raise PatternError(f"{where}: ranges.{name}: not a bundled scenario "
                                   f"(bundled: {', '.join(bundled.paths())})")
    loaded = [s if isinstance(s, Scenario) else load_scenario(s) for s in given]
    names = [s.name for s in loaded]
    if len(set(names)) != len(names):
        raise PatternError(f"scenario names repeat ({', '.join(names)}): give distinct scenarios")
    days = horizon(patterns)
    return [s if s["run"]["days"] >= days else s.with_overrides({"run.days": days}) for s in loaded]


def check_patterns(scenarios: Sequence[Scenario | str | Path] | None = None, replicates: int = 5,
                   out: Path = RUNS / "patterns", root_seed: int = 1, jobs: int | None = None,
                   scheduler: str | None = None, progress: Callable[[dict], None] | None = None, *,
                   patterns: Sequence[Pattern] | None = None, patterns_file: str | Path | None = None,
                   command: Sequence[str] | None = None) -> list[dict]:
    """Run (or resume) the scenarios' replicates as a batch in `out` and compare every pattern's
    statistic with its published range; returns a row per (pattern, scenario), see `pattern_rows`."""
    if patterns is None:
        patterns = load_patterns(patterns_file)
    loaded = prepare(scenarios, patterns)
    extra = {"patterns_file": str(patterns_file or published_file()),
             "patterns": [p.id for p in patterns], "horizon_days": horizon(patterns)}
    manifest = run_batch(loaded, replicates, Path(out), root_seed=root_seed, jobs=jobs, scheduler=scheduler,
                         command=command, kind="patterns", extra=extra, progress=progress)
    return pattern_rows(Path(out), manifest, patterns)


def pattern_rows(out: Path, manifest: dict, patterns: Sequence[Pattern]) -> list[dict]:
    """A row per (pattern, scenario of the batch): pattern, name, scenario, statistic, published_lo,
    published_hi (NaN: no published range), mean, ci_lo, ci_hi (95% interval of the mean across
    replicates, clipped to the statistic's possible values; NaN with fewer than 2 values),
    replicates (runs with a defined value), values (one per run), in_range (yes / no; n/a without a
    published range),
    description, source, runs_failed."""
    runs: dict[str, list[dict]] = {name: [] for name in manifest["scenarios"]}
    for run_id, record in sorted(manifest["runs"].items()):
        runs.setdefault(record["scenario"], []).append({**record, "run_id": run_id})
    rows = []
    for pattern in patterns:
        for scenario, records in runs.items():
            done = [r for r in records if r["status"] == "done"
                    and (out / "runs" / r["run_id"] / "summary.json").is_file()]
            values = [pattern.compute(out / "runs" / r["run_id"]) for r in done]
            rows.append(_row(pattern, scenario, values, len(records) - len(done)))
    return rows


def _row(pattern: Pattern, scenario: str, values: list[float], failed: int) -> dict:
    finite = np.array([v for v in values if math.isfinite(v)], dtype=float)
    mean = lo = hi = NAN
    if finite.size:
        m, a, b = (float(x[0]) for x in interval(finite[:, None]))
        low, high = BOUNDS.get(pattern.statistic, (-math.inf, math.inf))
        mean = m
        lo, hi = (max(a, low), min(b, high)) if finite.size > 1 else (NAN, NAN)
    published = pattern.ranges.get(scenario)
    inside = published is not None and published[0] <= mean <= published[1]  # NaN: never inside
    in_range = "n/a" if published is None else "yes" if inside else "no"
    return {"pattern": pattern.id, "name": pattern.name, "scenario": scenario,
            "statistic": pattern.statistic,
            "published_lo": published[0] if published else NAN,
            "published_hi": published[1] if published else NAN,
            "mean": mean, "ci_lo": lo, "ci_hi": hi, "replicates": int(finite.size), "values": values,
            "in_range": in_range, "description": pattern.description, "source": pattern.source,
            "runs_failed": failed}

