"""The page's controls and how they turn into a scenario: a bundled (or given) scenario file,
a seed, and levers applied on top of every brand's plan. Each lever's neutral value leaves the
scenario as it is, so the page with neutral levers shows exactly what `weishang run` gives.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from pathlib import Path

from sim.model import bundled
from sim.model.scenario import Scenario, ScenarioError, load_scenario, scenario_from_dict

EXTRA_SCENARIO = "WEISHANG_SCENARIO"  # set by `weishang serve FILE`
DEFAULT = "pyramid"
MIXES = {
    "as in the scenario": None,
    "all relationship-sellers": {"relationship": 1.0},
    "mostly hoarders": {"relationship": 0.2, "hoarder": 0.7, "recruiter": 0.1},
    "mostly recruiters": {"relationship": 0.1, "hoarder": 0.2, "recruiter": 0.7},
}
PEOPLE = ("as in the scenario", "500", "1000", "2000", "3000", "5000", "20000", "100000")
PAGE_PEOPLE = "3000"  # what the page starts with: quick to build and draw (the scenario's own size: a pick)


@dataclass(frozen=True)
class Lever:
    """A slider: the `build` keyword it sets, its label, range, neutral value and how its value reads."""

    key: str
    label: str
    low: float
    high: float
    step: float
    neutral: float
    unit: str  # "x" (times the scenario's), "+" (added to a share), a unit name, "share" (0: as the scenario)
    of: str = ""  # what a "+" share is of

    def text(self, value: float) -> str:
        """The value as the slider shows it."""
        if self.unit == "x":
            return f"x{value:.1f} the scenario's"
        if self.unit == "+":
            return f"+{value:.0%}{self.of}"
        if self.unit == "share":
            return "as the scenario" if value == 0 else f"{value:.0%} of cost"
        return f"{value:g} {self.unit}"


LEVERS = (
    Lever("tier_gap", "Tier price gap", 0.5, 1.2, 0.1, 1.0, "x"),
    Lever("recruit_bonus", "Recruitment bonus", 0.0, 0.5, 0.05, 0.0, "+", " of the first order"),
    Lever("team_bonus", "Team bonus, level 1", 0.0, 0.3, 0.05, 0.0, "+", " of the purchase"),
    Lever("quality", "Product quality", 0.2, 1.5, 0.1, 1.0, "x"),
    Lever("ad_tolerance", "Ad tolerance", 0.0, 10.0, 1.0, 4.0, "posts a day"),
    Lever("buyback", "Buyback", 0.0, 1.0, 0.1, 0.0, "share"),
)


def defaults() -> dict[str, object]:
    """The page's controls at their start: the default scenario, seed 1, PAGE_PEOPLE people, every
    lever neutral."""
    return {"name": default_scenario(), "seed": "1", "people": PAGE_PEOPLE, "mix": "as in the scenario",
            **{lever.key: lever.neutral for lever in LEVERS}}


_DESCRIPTIONS: dict[tuple[str, float], str] = {}


def description(name: str) -> str:
    """The scenario's own description (meta.description), or why it cannot be read."""
    path = scenario_choices().get(name)
    if path is None:
        return ""
    try:
        key = (str(path), path.stat().st_mtime)
        if key not in _DESCRIPTIONS:
            _DESCRIPTIONS[key] = str(load_scenario(path).data["meta"].get("description", ""))
        return _DESCRIPTIONS[key]
    except (OSError, ScenarioError) as exc:
        return str(exc)


def scenario_choices() -> dict[str, Path]:
    """Bundled scenarios by name, plus the one given on the command line."""
    choices = bundled.paths()
    extra = os.environ.get(EXTRA_SCENARIO)
    if extra:
        choices[Path(extra).stem] = Path(extra)
    return choices


def default_scenario() -> str:
    extra = os.environ.get(EXTRA_SCENARIO)
    return Path(extra).stem if extra else DEFAULT


def parse_seed(text: object) -> int:
    """The seed box: a whole number >= 0."""
    try:
        seed = int(str(text).strip())
    except ValueError:
        raise ScenarioError(f"seed: {text!r} is not allowed (allowed: a whole number >= 0)") from None
    if seed < 0:
        raise ScenarioError(f"seed: {seed} is not allowed (allowed: a whole number >= 0)")
    return seed


def build(name: str, people: str = PEOPLE[0], tier_gap: float = 1.0, recruit_bonus: float = 0.0,
          team_bonus: float = 0.0, quality: float = 1.0, ad_tolerance: float = 4.0, buyback: float = 0.0,
          mix: str = "as in the scenario") -> Scenario:
    """The scenario the page runs: the file, then the levers that are off their neutral value.

    tier_gap multiplies each tier's discount from the entry tier; recruit_bonus is added to the
    share of a recruit's first order paid to the upline; team_bonus is added to the level-1
    team bonus; quality multiplies the real quality; ad_tolerance sets posts a day contacts
    accept; buyback > 0 sets a buyback at that share of cost (12 months); mix replaces the
    strategy mix of new sellers.
    """
    choices = scenario_choices()
    if name not in choices:
        raise ScenarioError(f"scenario: {name!r} is not allowed (allowed: {', '.join(choices)})")
    base = load_scenario(choices[name])
    raw = base.to_dict()
    if people != PEOPLE[0]:
        raw["population"]["people"] = int(people)
    if ad_tolerance != 4.0:
        raw["trust"]["ad_tolerance"] = float(ad_tolerance)
    if MIXES.get(mix):
        raw["sellers"]["mix"] = dict(MIXES[mix])
        for brand in raw["brands"]:
            brand["mix"] = {}
    for brand in raw["brands"]:
        _apply_levers(brand, tier_gap, recruit_bonus, team_bonus, quality, buyback)
    if raw == base.data:
        return base
    scenario = scenario_from_dict(copy.deepcopy(raw), base.name)
    scenario.path = base.path
    return scenario


def _apply_levers(brand: dict, tier_gap: float, recruit_bonus: float, team_bonus: float, quality: float,
                  buyback: float) -> None:
    if tier_gap != 1.0:
        entry = brand["tiers"][0]["price"]
        floor = brand["unit_cost"] / brand["list_price"]
        for tier in brand["tiers"][1:]:
            tier["price"] = max(entry - tier_gap * (entry - tier["price"]), floor)
    if recruit_bonus:
        brand["recruit_bonus_share"] = min(1.0, brand["recruit_bonus_share"] + recruit_bonus)
    if team_bonus:
        levels = brand["team_bonus"] or [0.0]
        brand["team_bonus"] = [min(1.0, levels[0] + team_bonus), *levels[1:]]
    if quality != 1.0:
        brand["quality"] = min(1.0, brand["quality"] * quality)
    if buyback:
        brand["buyback_share"] = float(buyback)
        brand["buyback_days"] = max(brand["buyback_days"], 365)
