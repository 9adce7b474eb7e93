"""`weishang calibrate`: ABC-SMC (pyabc) of a scenario's uncertain parameters against records or
published patterns; resumable from the pyabc database in the out folder.

The out folder:
- `calibration.json`: the settings, the scenario (resolved), the alignment, the observed
  statistics and, per generation, epsilon and acceptance: what `weishang forecast` reads;
- `history.db`: pyabc's database (every generation's particles, weights, distances);
- `posterior.csv`: the last generation, a column per varied key plus `weight`;
- `predictive.csv`: statistics of runs drawn from the posterior (the predictive check).

Each generation is run by its own call to pyabc, after loading the database: a calibration
resumed after an interruption follows the same steps as one never interrupted, and with the
ordered sampler (same seed, same candidates) reaches the same posterior.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.common.files import finite, write_csv, write_json
from sim.experiments.calibration.sampler import OrderedSampler, evaluate_many
from sim.experiments.calibration.targets import DataTarget, PatternTarget

Target = DataTarget | PatternTarget
MIN_ACCEPTANCE = 0.01  # a generation stops after particles / MIN_ACCEPTANCE runs
PREDICTIVE_DRAWS = 40  # runs drawn from the posterior for the predictive check
KEPT = ("scenario_data", "target", "observed")  # what a resumed calibration must share with the first


class CalibrationError(ValueError):
    """A calibration folder or setting that cannot be used; str() is one line."""


@dataclass
class Settings:
    ranges: dict[str, tuple[float, float]]
    particles: int
    generations: int
    seed: int

    def as_json(self) -> dict:
        return {"ranges": {k: list(v) for k, v in self.ranges.items()}, "particles": self.particles,
                "generations": self.generations, "seed": self.seed}


def _quiet_pyabc() -> None:
    """pyabc logs every generation at INFO under "ABC" (its children inherit the level); our
    progress says the same in a line."""
    logging.getLogger("ABC").setLevel(logging.WARNING)


def _abc(target: Target, settings: Settings, sampler: OrderedSampler):
    import pyabc

    prior = pyabc.Distribution(**{k: pyabc.RV("uniform", lo, hi - lo)
                                  for k, (lo, hi) in settings.ranges.items()})
    return pyabc.ABCSMC(target, prior, pyabc.AdaptivePNormDistance(p=2), population_size=settings.particles,
                        sampler=sampler)


def start(out: Path, header: dict) -> dict:
    """The folder's record: a new one, or the existing one when it holds the same calibration (more
    generations may be asked for: the ones done are kept)."""
    record_path = out / "calibration.json"
    if record_path.is_file():
        try:
            old = json.loads(record_path.read_text(encoding="utf-8"))
        except ValueError:
            raise CalibrationError(f"{record_path}: not a calibration record; use another --out") from None

        def fixed(record: dict) -> dict:
            settings = {k: v for k, v in (record.get("settings") or {}).items() if k != "generations"}
            return {"settings": settings, **{k: record.get(k) for k in KEPT}}

        stored = json.loads(json.dumps(finite(header)))  # as write_json stores it: lists, NaN as null
        if fixed(old) != fixed(stored):
            raise CalibrationError(f"{out}: holds a different calibration (other scenario, data, ranges, "
                                   "particles or seed); use another --out")
        old.update(command=header["command"], settings=header["settings"])
        old.pop("stopped", None)
        return old
    out.mkdir(parents=True, exist_ok=True)
    record = {**header, "generations": []}
    write_json(record_path, record)
    return record


def run_calibration(target: Target, settings: Settings, out: Path, header: dict, pool: Executor, *,
                    jobs: int, on_batch: Callable | None = None,
                    on_generation: Callable[[dict], None] | None = None) -> dict:
    """Run (or resume) the generations still missing; returns the folder's record."""
    _quiet_pyabc()
    record = start(out, header)
    db = f"sqlite:///{(out / 'history.db').resolve()}"
    sampler = OrderedSampler(pool, settings.seed, batch=4 * jobs, progress=on_batch)
    while len(record["generations"]) < settings.generations and not record.get("stopped"):
        abc = _abc(target, settings, sampler)
        if (out / "history.db").is_file() and record["generations"]:
            abc.load(db, 1)
        else:
            (out / "history.db").unlink(missing_ok=True)  # a first generation killed midway
            abc.new(db, target.observed)
        history = abc.run(max_nr_populations=1,
                          max_total_nr_simulations=int(abc.history.total_nr_simulations
                                                       + settings.particles / MIN_ACCEPTANCE))
        populations = history.get_all_populations()
        populations = populations[populations["t"] >= 0]
        done = int(populations["t"].max()) + 1 if len(populations) else 0
        if done == len(record["generations"]):  # the generation stopped before it was full
            record["stopped"] = f"acceptance under {MIN_ACCEPTANCE:.0%} in generation {done}"
        else:
            row = populations.iloc[-1]
            runs = int(row["samples"])
            generation = {"t": int(row["t"]), "epsilon": float(row["epsilon"]), "evaluations": runs,
                          "acceptance": settings.particles / runs}
            record["generations"].append(generation)
            if on_generation is not None:
                on_generation(generation)
        write_json(out / "calibration.json", record)
    if not record["generations"]:
        raise CalibrationError(f"{out}: not one generation filled ({record['stopped']}); widen the "
                               "--vary ranges or fit fewer or other parameters")
    write_posterior(out, settings)
    return record


def posterior(out: Path) -> pd.DataFrame:
    """The last generation's particles: a column per varied key, plus `weight` (sums to 1)."""
    import pyabc

    history = pyabc.History(f"sqlite:///{(out / 'history.db').resolve()}", _id=1)
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    frame = frame.reset_index(drop=True)
    frame["weight"] = np.asarray(weights) / np.sum(weights)
    return frame


def write_posterior(out: Path, settings: Settings) -> None:
    frame = posterior(out)
    keys = list(settings.ranges)
    write_csv(out / "posterior.csv", frame[[*keys, "weight"]].to_dict("records"), [*keys, "weight"])


def draw(frame: pd.DataFrame, keys: list[str], n: int, seed: int) -> list[dict[str, float]]:
    """n parameter sets drawn from a weighted posterior (with replacement, seeded)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 7]))
    rows = rng.choice(len(frame), size=n, replace=True, p=frame["weight"].to_numpy())
    return [{k: float(frame.iloc[r][k]) for k in keys} for r in rows]


def predictive_check(target: Target, out: Path, settings: Settings, pool: Executor,
                     draws: int = PREDICTIVE_DRAWS) -> pd.DataFrame:
    """Statistics of runs drawn from the posterior (`predictive.csv`): one row per draw."""
    keys = list(settings.ranges)
    chosen = draw(posterior(out), keys, draws, settings.seed)
    stats = evaluate_many(pool, target, chosen, settings.seed)
    rows = [{**{f"param:{k}": v for k, v in point.items()}, **s}
            for point, s in zip(chosen, stats, strict=True)]
    frame = pd.DataFrame(rows)
    write_csv(out / "predictive.csv", frame.to_dict("records"), list(frame.columns))
    return frame

