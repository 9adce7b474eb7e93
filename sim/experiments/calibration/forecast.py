"""`weishang forecast`: runs from a calibration's posterior past the end of the records, without any
intervention and with each one given, paired (the same draw and seed for every variant).

Each run starts on the records' first day with the fitted values, lasts the records' days plus
the forecast's, and reports at the horizon: participants (everyone who ever joined), total
losses (the sum of every loss-making participant's net loss, yuan), the share in loss, the
largest tree and the risk verdict; and every 30 days the participants and losses so far.
Losses averted by an intervention are the baseline's losses minus the intervention's, per draw.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.common.files import write_csv, write_json
from sim.experiments.batch import executor, replicate_seeds
from sim.experiments.calibration.fit import CalibrationError, draw
from sim.experiments.calibration.targets import overrides
from sim.model.parameters import ACTIONS, INTERVENTION
from sim.model.scenario import Scenario, ScenarioError, parse_value, resolve

BASELINE = "no intervention"
EVERY = 30  # days between trajectory points
BAND = (0.05, 0.95)  # the 90% interval over posterior draws


@dataclass(frozen=True)
class Variant:
    label: str
    interventions: tuple[dict, ...] = ()


def parse_intervention(text: str, default_day: int) -> Variant:
    """`action[:key=value...][@day]`, e.g. `cap_depth:levels=3@120`; the day defaults to the end of
    the records (the intervention applied now)."""
    spec, _, day = text.partition("@")
    action, *pairs = [part for part in spec.replace(",", ":").split(":") if part]
    if action not in ACTIONS:
        raise ScenarioError(f"--intervention {text}: unknown action {action!r} (one of {', '.join(ACTIONS)})")
    item: dict = {"action": action}
    if day:
        if not day.isascii() or not day.isdigit():
            raise ScenarioError(f"--intervention {text}: the day after @ must be a whole number >= 0")
        item["day"] = int(day)
    else:
        item["day"] = default_day
    for pair in pairs:
        key, eq, value = pair.partition("=")
        if not eq or key not in INTERVENTION or key in ("action", "day"):
            allowed = ", ".join(k for k in INTERVENTION if k not in ("action", "day"))
            raise ScenarioError(f"--intervention {text}: {pair!r} is not key=value with a key of {allowed}")
        item[key] = parse_value(value)
    return Variant(text, (item,))


def load_calibration(folder: Path) -> dict:
    """A calibration folder's record (calibration.json) with a posterior; one-line errors."""
    record_path = folder / "calibration.json"
    if not record_path.is_file():
        raise CalibrationError(f"{folder}: not a calibration folder (no calibration.json); make one with "
                               "weishang calibrate")
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        usable = isinstance(record["scenario_data"], dict) and isinstance(record["settings"]["ranges"], dict)
    except (ValueError, KeyError, TypeError):
        usable = False
    if not usable:
        raise CalibrationError(f"{record_path}: not a calibration record")
    if not (folder / "posterior.csv").is_file():
        raise CalibrationError(f"{folder}: no posterior.csv yet (the calibration has not finished a "
                               "generation); resume it with the same weishang calibrate command")
    return record


def variant_scenario(base: Scenario, parameters: dict, fixed: dict, variant: Variant, days: int) -> Scenario:
    """The scenario of one forecast run: the fitted values, the alignment, the horizon, the levers."""
    scenario = base.with_overrides({**fixed, **overrides(parameters), "run.days": days})
    if not variant.interventions:
        return scenario
    raw = scenario.to_dict()
    raw["interventions"] = [*raw.get("interventions", []), *variant.interventions]
    return Scenario(resolve(raw, f"--intervention {variant.label}", base.path), base.path)


def forecast_run(scenario: Scenario, seed: int) -> dict:
    """One run (in a worker): the horizon's figures and the trajectory every 30 days."""
    from sim.model.metrics import seller_profit
    from sim.model.model import WeishangModel
    from sim.risk.convert import from_model
    from sim.risk.indicators import score

    model = WeishangModel(scenario, seed=seed)
    path = []

    def mark() -> dict:
        ever = model.people.ever_sellers()
        profit = seller_profit(model.state, ever)
        return {"day": model.day, "participants": int(ever.size),
                "losses": float(-profit[profit < 0].sum()),
                "share_in_loss": float((profit < 0).mean()) if ever.size else 0.0}

    for day in range(scenario["run"]["days"]):
        model.step()
        if (day + 1) % EVERY == 0:
            path.append(mark())
    end = mark()
    summary = model.summary()
    verdict = score(from_model(model)).overall
    return {**end, "largest_tree": int(summary["largest_tree"]), "verdict": verdict, "path": path}


def run_forecast(record: dict, base: Scenario, variants: list[Variant], days: int, replicates: int, seed: int,
                 jobs: int | None, scheduler: str | None,
                 progress: Callable[[int, int], None] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every (draw, variant) run; returns the horizon table and the trajectories."""
    keys = list(record["settings"]["ranges"])
    post = pd.read_csv(Path(record["folder"]) / "posterior.csv")
    draws = draw(post, keys, replicates, seed)
    seeds = replicate_seeds(seed, replicates)
    fixed = record.get("fixed", {})
    horizon = int(record["days"]) + days
    jobs_list = [(i, v, variant_scenario(base, draws[i], fixed, v, horizon)) for i in range(replicates)
                 for v in variants]
    rows, paths = [], []
    with executor(jobs, scheduler) as pool:
        futures = {pool.submit(forecast_run, sc, seeds[i]): (i, v) for i, v, sc in jobs_list}
        for n, future in enumerate(as_completed(futures), 1):
            i, v = futures[future]
            result = future.result()
            rows.append({"draw": i, "variant": v.label, **{k: result[k] for k in result if k != "path"},
                         **{f"param:{k}": draws[i][k] for k in keys}})
            paths += [{"draw": i, "variant": v.label, **point} for point in result["path"]]
            if progress:
                progress(n, len(futures))
    order = {v.label: k for k, v in enumerate(variants)}

    def rank(column: pd.Series) -> pd.Series:  # variants in the order given, the rest as they are
        return column.map(order) if column.name == "variant" else column

    table = pd.DataFrame(rows).sort_values(["draw", "variant"], key=rank).reset_index(drop=True)
    trajectories = pd.DataFrame(paths).sort_values(["variant", "draw", "day"], key=rank)
    return table, trajectories.reset_index(drop=True)


def averted(table: pd.DataFrame, variants: list[Variant]) -> list[dict]:
    """Per variant: horizon figures (mean and 90% interval over draws) and losses averted (paired)."""
    base = table[table["variant"] == BASELINE].set_index("draw")
    out = []
    for v in variants:
        t = table[table["variant"] == v.label].set_index("draw")
        row = {"variant": v.label}
        for col in ("participants", "losses", "share_in_loss", "largest_tree"):
            row[col] = float(t[col].mean())
            row[f"{col}_lo"], row[f"{col}_hi"] = (float(q) for q in np.quantile(t[col], BAND))
        row["verdict"] = t["verdict"].mode().iloc[0]
        row["verdict_high_share"] = float((t["verdict"] == "high").mean())
        saved = base["losses"] - t["losses"].reindex(base.index)
        row["losses_averted"] = float(saved.mean())
        row["losses_averted_lo"], row["losses_averted_hi"] = (float(q) for q in np.quantile(saved, BAND))
        out.append(row)
    return out


def write_forecast(out: Path, table: pd.DataFrame, trajectories: pd.DataFrame, summary: list[dict],
                   header: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    write_csv(out / "forecast_runs.csv", table.to_dict("records"), list(table.columns))
    write_csv(out / "trajectories.csv", trajectories.to_dict("records"), list(trajectories.columns))
    write_csv(out / "forecast.csv", summary, list(summary[0]))
    write_json(out / "forecast.json", {**header, "summary": summary})
