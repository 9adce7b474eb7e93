"""Shared helpers: small scenarios built in code, and running them."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

from sim import WeishangModel, load_scenario, scenario_from_dict
from sim.model.scenario import apply_overrides

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "sim" / "scenarios"

# A small honest-selling market: one brand, two tiers, relationship sellers.
SMALL = {
    "run": {"days": 120},
    "population": {"people": 600, "mean_degree": 10},
    "sellers": {"mix": {"relationship": 1.0}},
    "brands": [{
        "name": "b", "quality": 0.8, "claim": 0.8, "founders": 6, "founder_strategy": "relationship",
        "tiers": [{"name": "agent", "price": 0.7, "first_order": 700.0},
                  {"name": "distributor", "price": 0.55, "first_order": 5500.0}],
    }],
}


# Everyone open to a pitch, for good: for tests of recruiting mechanisms other than openness, in
# populations small enough to run fast (at the default openness a few in a thousand listen).
EVERYONE_OPEN = {"population.open_share": 1.0, "population.open_days": 100_000.0}


def write_file(path: Path, content: str | bytes) -> Path:
    """Write a test's input file (text as UTF-8, bytes as they are); returns its path."""
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def small(overrides: dict | None = None, base: dict | None = None):
    """SMALL (or `base`) with dotted overrides applied, validated."""
    raw = copy.deepcopy(base or SMALL)
    apply_overrides(raw, overrides or {}, "test")
    return scenario_from_dict(raw, "small")


def bundled(name: str, overrides: dict | None = None):
    return load_scenario(SCENARIOS / f"{name}.toml", overrides)


def stop_after(done: int):
    """A batch progress callback that presses Ctrl-C once `done` runs are recorded."""

    def progress(counts: dict) -> None:
        if counts["done"] >= done:
            raise KeyboardInterrupt

    return progress


def run(scenario, seed: int = 1, days: int | None = None) -> WeishangModel:
    model = WeishangModel(scenario, seed=seed)
    model.run(days)
    return model


def series(model: WeishangModel, key: str) -> np.ndarray:
    return np.asarray(model.datacollector.model_vars[key], dtype=float)


@pytest.fixture
def tiny_model() -> WeishangModel:
    return WeishangModel(small({"population.people": 200}), seed=3)
