"""What a calibration fits: a network's records, or the published patterns.

A target knows its observed statistics and, given parameter values, runs the scenario once and
returns the same statistics from the simulated run. It is what pyabc calls "the model"; the
sampler seeds numpy's global generator per candidate, and the run's seed is drawn from it, so
a candidate's run is the same whichever worker evaluates it, and whenever.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.experiments.calibration.statistics import Alignment, statistics
from sim.experiments.designs import whole_numbers
from sim.model.scenario import Scenario

SEED_LIMIT = 2**31 - 1


def overrides(parameters: Mapping[str, float]) -> dict[str, float | int]:
    """pyabc's parameter values as scenario overrides (whole-number parameters rounded)."""
    return whole_numbers([{k: float(v) for k, v in parameters.items()}])[0]


def draw_seed() -> int:
    """The run's seed, from numpy's global generator (seeded per candidate by the sampler)."""
    return int(np.random.randint(0, SEED_LIMIT))


@dataclass
class DataTarget:
    """Records of a real (or exported) network: the run lasts the aligned months and starts with
    as many organisers per brand as the records have roots."""

    scenario: Scenario
    alignment: Alignment
    observed: dict[str, float]

    def fixed(self) -> dict[str, int]:
        """The overrides that line a run up with the records: as many organisers per brand as
        the records have roots (a forecast keeps them and sets its own horizon)."""
        return {f"brands.{k}.founders": self.alignment.founders[brand["name"]]
                for k, brand in enumerate(self.scenario["brands"])}

    def fitted_scenario(self, parameters: Mapping[str, float]) -> Scenario:
        """The scenario for one candidate: the varied values, the aligned days and organisers."""
        return self.scenario.with_overrides({**self.fixed(), "run.days": self.alignment.days,
                                             **overrides(parameters)})

    def __call__(self, parameters: Mapping[str, float]) -> dict[str, float]:
        from sim.model.model import WeishangModel
        from sim.risk.convert import from_model

        model = WeishangModel(self.fitted_scenario(parameters), seed=draw_seed())
        model.run()
        return statistics(from_model(model), self.alignment)


@dataclass
class PatternTarget:
    """Published patterns: the observed value of each is the middle of its published range; a run
    is written to a scratch folder, where the patterns' statistics read it."""

    scenario: Scenario
    days: int
    statistic_names: dict[str, str]  # pattern id -> statistic function name
    observed: dict[str, float]

    def fixed(self) -> dict[str, int]:
        return {}  # the scenario as it is: patterns are not tied to a network's roots

    def fitted_scenario(self, parameters: Mapping[str, float]) -> Scenario:
        return self.scenario.with_overrides({"run.days": self.days, **overrides(parameters)})

    def __call__(self, parameters: Mapping[str, float]) -> dict[str, float]:
        from sim.experiments.patterns import STATISTICS
        from sim.experiments.runs import write_run
        from sim.model.model import WeishangModel

        model = WeishangModel(self.fitted_scenario(parameters), seed=draw_seed())
        model.run()
        scratch = Path(tempfile.mkdtemp(prefix="weishang-pattern-"))
        try:
            write_run(model, scratch / "run", 0.0, force=True)
            values = {pid: STATISTICS[name](scratch / "run") for pid, name in self.statistic_names.items()}
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        # A statistic a run cannot define (no bonus paid) is as far from the range as can be.
        return {pid: (v if math.isfinite(v) else -1.0) for pid, v in values.items()}
