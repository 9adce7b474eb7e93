"""What the parts of the model share: the state a day reads and changes, and nothing that acts.

`WeishangModel` builds one `State` and conducts the day, handing it to each part in turn
(sellers' phases, the market, metrics). Parts change the state; none of them calls the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.model.brand import Brand
from sim.model.grey import GreyMarket
from sim.model.interventions import Policy
from sim.model.ledger import Ledger
from sim.model.network import SocialGraph
from sim.model.parameters import STRATEGIES
from sim.model.people import People
from sim.model.stock import Lots
from sim.model.trust import Trust


@dataclass
class DayCounts:
    """Events counted during the day (reset each morning)."""

    recruits: int = 0
    rejoins: int = 0  # ex-sellers who reopened their accounts
    exits: int = 0
    pitches: int = 0


@dataclass
class State:
    """One run's state: people and their ties, money and stock, the brands and the rules in force."""

    params: dict
    rng: np.random.Generator
    graph: SocialGraph
    people: People
    ledger: Ledger
    trust: Trust
    lots: Lots
    brands: list[Brand]
    policy: Policy
    grey: GreyMarket
    plans: dict[str, np.ndarray]  # each strategy's plan as arrays by strategy number
    day: int = 0
    counts: DayCounts = field(default_factory=DayCounts)

    def __post_init__(self) -> None:
        brands = self.brands
        self.list_price = np.array([b.list_price for b in brands])
        self.brand_quality = np.array([b.quality for b in brands])
        self.brand_claim = np.array([b.claim for b in brands])
        depth = max(len(b.tiers) for b in brands)
        self.tier_price = np.array([[b.unit_price(min(k, len(b.tiers) - 1)) for k in range(depth)]
                                    for b in brands])  # yuan per unit, by brand and tier
        self.brand_days = np.array([b.consumption_days for b in brands], dtype=np.int32)
        self.receipts_mark = np.zeros(self.people.n)  # seller receipts at the start of the 30 days

    def by_brand(self, attribute: str) -> np.ndarray:
        """A pay-plan figure of every brand, by brand index, as it is today (interventions change
        some of them, so they are read from the brands, not kept)."""
        return np.array([getattr(b, attribute) for b in self.brands])

    def brand_of(self, pid: int) -> Brand:
        return self.brands[self.people.brand[pid]]

    def plan_of(self, pid: int) -> dict:
        """The strategy plan (the scenario's table) of a seller."""
        return self.params["strategies"][STRATEGIES[self.people.strategy[pid]]]


PLAN_KEYS = ("ads_per_day", "lifestyle_per_day", "income_posts_per_day", "income_exaggeration",
             "pitches_per_day", "optimism", "stock_days", "climbs", "meets_quota", "dumps",
             "loads_recruits", "expenses_per_month", "group_posts_per_day", "own_use", "hours_per_day")


def plan_table(strategies: dict) -> dict[str, np.ndarray]:
    """Each strategy's plan as arrays indexed by strategy number (`People.strategy`)."""
    return {key: np.array([strategies[name][key] for name in STRATEGIES]) for key in PLAN_KEYS}
