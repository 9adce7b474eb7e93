"""Exploration: where in the space of pay plans and behaviours does a structure turn into a
pyramid, and which levers drive the losses?

`weishang explore` samples the varied ranges (Latin hypercube, or a Sobol / Morris design when
sensitivity indices are wanted), runs every point with replicates through the batch engine
(so it resumes and runs on Dask), marks each point by the target (a risk verdict such as
`verdict==high`, or a threshold on a summary metric such as `share_in_loss>0.9`), and then
finds the region where the target holds (PRIM, and a decision tree) and ranks the levers
(SALib). Outputs: explore.csv, boxes.json, indices.json, figures and a report.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.common.files import write_json, write_text
from sim.experiments import discovery, sensitivity
from sim.experiments.batch import points_by_id, run_batch
from sim.experiments.designs import as_points
from sim.experiments.sweep import parse_vary
from sim.model.scenario import Scenario, ScenarioError, param_for

VERDICT_RANK = {"low": 0, "elevated": 1, "high": 2}
OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "==": operator.eq,
       "!=": operator.ne}
METRICS = ("share_in_loss", "share_in_loss_after_time", "median_profit", "mean_profit", "gini_profit",
           "retail_reach", "sellers_ever",
           "sellers_final", "income_share_recruiting", "income_share_retail", "max_depth", "largest_tree",
           "mean_trust", "complaints", "stock_units", "units_dumped", "brand_profit", "muted_share")
SENSITIVITY_METRICS = ("share_in_loss", "median_profit", "income_share_recruiting", "retail_reach")


@dataclass(frozen=True)
class Target:
    """What makes a point a case of interest: the overall risk verdict, or a summary metric."""

    key: str  # "verdict" or a metric name
    op: str
    value: float | str

    def __str__(self) -> str:
        return f"{self.key}{self.op}{self.value}"

    def holds(self, outcome: float | str) -> bool:
        if self.key == "verdict":  # verdicts compare by gravity: low < elevated < high
            return OPS[self.op](VERDICT_RANK[str(outcome)], VERDICT_RANK[str(self.value)])
        return bool(OPS[self.op](float(outcome), float(self.value)))


def parse_target(text: str) -> Target:
    """`verdict==high`, `verdict>=elevated`, `share_in_loss>0.9`, ... (one-line error otherwise)."""
    match = re.fullmatch(r"\s*([a-z_]+)\s*(>=|<=|==|!=|>|<)\s*([A-Za-z0-9_.+-]+)\s*", text or "")
    if not match:
        raise ScenarioError(f"--target {text!r}: expected KEY OP VALUE, e.g. verdict==high or "
                            "share_in_loss>0.9")
    key, op, value = match.groups()
    if key == "verdict":
        if value not in VERDICT_RANK:
            raise ScenarioError(f"--target {text!r}: a verdict is one of low, elevated, high")
        return Target(key, op, value)
    if key not in METRICS:
        raise ScenarioError(f"--target {text!r}: unknown metric {key!r} (allowed: verdict, "
                            f"{', '.join(METRICS)})")
    try:
        return Target(key, op, float(value))
    except ValueError:
        raise ScenarioError(f"--target {text!r}: {value!r} is not a number") from None


def parse_ranges(items: list[str] | tuple[str, ...]) -> dict[str, tuple[float, float]]:
    """`--vary key.path=lo:hi` ranges, each checked to name a numeric scenario parameter."""
    ranges: dict[str, tuple[float, float]] = {}
    for item in items:
        vary = parse_vary(item)
        if vary.values:
            raise ScenarioError(f"--vary {item}: explore needs a range lo:hi (not a list of values)")
        param = param_for(vary.key)
        if param is None or isinstance(param.default, bool) or not isinstance(param.default, int | float):
            raise ScenarioError(f"--vary {item}: {vary.key} is not a numeric scenario parameter")
        if vary.key in ranges:
            raise ScenarioError(f"--vary {item}: {vary.key} is varied twice")
        lo, hi = float(vary.lo), float(vary.hi)
        below = param.lo is not None and min(lo, hi) < param.lo
        if below or (param.hi is not None and max(lo, hi) > param.hi):
            bounds = (f"[{param.lo:g}, {param.hi:g}]" if param.lo is not None and param.hi is not None
                      else param.allowed())
            raise ScenarioError(f"--vary {item}: outside the parameter's bounds {bounds} "
                                f"({param.unit}: {param.meaning})")
        ranges[vary.key] = (lo, hi)
    if not ranges:
        raise ScenarioError("--vary: give at least one range key.path=lo:hi")
    return ranges


def design(method: str, ranges: dict[str, tuple[float, float]], samples: int, seed: int) -> list[dict]:
    """The sampled points as override dicts (whole-number parameters rounded)."""
    try:
        frame = sensitivity.sample(method, ranges, samples, seed)
    except ValueError as exc:
        raise ScenarioError(str(exc)) from None
    return as_points(list(frame.columns), frame.to_numpy(dtype=float))


def outcome(run: Path, target: Target) -> dict:
    """One run's summary metrics, plus its risk verdict when the target needs it."""
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    row = {k: summary[k] for k in METRICS}
    if target.key == "verdict":
        from sim.risk import indicators as risk
        from sim.risk.convert import from_run

        row["verdict"] = risk.score(from_run(run)).overall
    return row


def table(out: Path, manifest: dict, target: Target, keys: list[str]) -> pd.DataFrame:
    """explore.csv: one row per sampled point: parameters, mean outcomes, share meeting the target."""
    rows: dict[str, list[dict]] = {}
    for run_id, record in manifest["runs"].items():
        if record["status"] == "done":
            rows.setdefault(record["point_id"], []).append(
                {**outcome(out / "runs" / run_id, target), "point": record["point"]})
    out_rows = []
    for point_id in sorted(rows, key=lambda p: int(p[1:])):  # design order (p1000 after p999)
        runs = rows[point_id]
        hits = [target.holds(r[target.key]) for r in runs]
        row = {"point_id": point_id, **{k: runs[0]["point"][k] for k in keys}, "replicates": len(runs),
               "target_share": float(np.mean(hits)), "target": bool(np.mean(hits) >= 0.5)}
        row.update({m: float(np.mean([r[m] for r in runs])) for m in METRICS})
        if target.key == "verdict":
            row["verdict_rank"] = float(np.mean([VERDICT_RANK[r["verdict"]] for r in runs]))
        out_rows.append(row)
    return pd.DataFrame(out_rows)


def run_explore(scenario: Scenario, ranges: dict[str, tuple[float, float]], method: str, samples: int,
                replicates: int, target: Target, out: Path, *, seed: int = 1, jobs: int | None = None,
                scheduler: str | None = None, command: list[str] | None = None,
                progress: Callable[[dict], None] | None = None) -> dict:
    """Sample, run (resumably), and analyse; returns what was found (also written to `out`)."""
    points = design(method, ranges, samples, seed)
    for point in points:  # every point must make a valid scenario before anything runs
        scenario.with_overrides(point)
    extra = {"vary": list(ranges), "sample": method, "ranges": {k: list(v) for k, v in ranges.items()},
             "target": str(target), "points": points_by_id(points)}
    manifest = run_batch([scenario], replicates, out, root_seed=seed, points=points, jobs=jobs,
                         scheduler=scheduler, command=command, kind="explore", extra=extra, progress=progress)
    return analyse(out, manifest, ranges, method, target, seed)


def analyse(out: Path, manifest: dict, ranges: dict[str, tuple[float, float]], method: str,
            target: Target, seed: int) -> dict:
    """PRIM and tree boxes for the target, sensitivity indices, and the files that hold them."""
    keys = list(ranges)
    frame = table(out, manifest, target, keys)
    write_text(out / "explore.csv", frame.to_csv(index=False))
    x, y = frame[keys].astype(float), frame["target"].to_numpy(dtype=bool)
    prim = discovery.prim(x, y)
    trees = discovery.tree_boxes(x, y, seed=seed)
    boxes = {"target": str(target), "cases_of_interest": int(y.sum()), "points": int(len(frame)),
             **discovery.to_json(prim, trees)}
    write_json(out / "boxes.json", boxes, default=float, ensure_ascii=True)
    indices = {}
    complete = len(frame) == len(manifest.get("points", {})) and method != "lhs"
    if complete:  # Sobol / Morris estimators need every design point, in design order
        for metric in (*SENSITIVITY_METRICS, *(["verdict_rank"] if target.key == "verdict" else [])):
            found = sensitivity.analyze(method, ranges, x, frame[metric].to_numpy(dtype=float), seed)
            indices[metric] = sensitivity.to_json(method, found)
    write_json(out / "indices.json", {"method": method, "indices": indices}, default=float,
               ensure_ascii=True)
    return {"frame": frame, "prim": prim, "trees": trees, "indices": indices}
