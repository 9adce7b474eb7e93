"""WeishangModel: one scenario, one seed, a day per step. The model conducts; its parts act.

A day, in order:
1. interventions due today start (`interventions.Policy`);
2. every 30 days: monthly savings arrive, and brands pay their leadership pools (`brand`);
   every day: some people become open to a business opportunity, some lose interest (`openness`);
3. units in use run down; used-up units are judged: trust, word of mouth, complaints (`market`);
4. sellers act, phase by phase (`sellers.day`): post to Moments, keep their tier, restock,
   climb, pitch recruits, dump when short of cash, or quit (`lifecycle` enlists and retires);
5. contacts see the day's posts: awareness, annoyance, muting (`trust`);
6. a crackdown in force removes flagged sellers;
7. discount members use their own stock; people with a need shop (`market`, vectorized);
8. the day's series are collected (`metrics`).

The parts share one `State` and never call back into the model.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

import mesa
import numpy as np

from sim.model import market, metrics, openness
from sim.model.agents import Person, Seller
from sim.model.brand import Brand
from sim.model.grey import GreyMarket
from sim.model.interventions import Policy
from sim.model.ledger import Ledger
from sim.model.network import ContactNetwork, build_social_graph
from sim.model.people import OUTSIDE, People
from sim.model.scenario import Scenario
from sim.model.sellers import day as sellers_day
from sim.model.sellers.lifecycle import Roster
from sim.model.state import DayCounts, State, plan_table
from sim.model.stock import Lots
from sim.model.trust import Trust

SALES_MEMORY = (0.95, 0.05)  # weights of yesterday's smoothed sales and of today's (about 20 days' memory)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector: set-up makes millions of objects (cells, agents) that all
    stay alive, and each collection would walk them all again (at 1M people: 24 s -> 14 s)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class WeishangModel(mesa.Model):
    """Tiered micro-sellers, their brand(s) and their WeChat contacts."""

    def __init__(self, scenario: Scenario, seed: int | None = None):
        with _collector_paused():
            self._set_up(scenario, seed)
        self.daily = metrics.DailySeries()
        self.datacollector = mesa.DataCollector(
            model_reporters=metrics.reporters(max(len(b.tiers) for b in self.brands)))
        self.today = self.daily.row(self.state, {})
        self.datacollector.collect(self)

    def _set_up(self, scenario: Scenario, seed: int | None) -> None:
        seed = int(scenario["run"]["seed"] if seed is None else seed)
        super().__init__(rng=seed)
        self.config = scenario  # (mesa.Model keeps its own `scenario` attribute)
        self.params = scenario.data
        self.seed = seed
        pop, market_p = self.params["population"], self.params["market"]
        self.graph = build_social_graph(pop, self.rng)
        self.grid = ContactNetwork(self.graph, random=self.random)
        n = self.graph.n
        brands = self.params["brands"]
        self.ledger = Ledger(n, len(brands))
        self.people = People(n, pop, self.ledger.money[:n], self.rng)
        self.ledger.post_many("endowment", self.ledger.EXTERNAL, np.arange(n),
                              self.people.wealth0)
        # Users are midway through a unit bought in shops, so purchases don't all fall on day 1.
        users = np.flatnonzero(self.people.needs)
        self.people.using[users] = OUTSIDE
        self.people.days_left[users] = self.rng.integers(1, market_p["outside_days"] + 1, users.size)
        self.trust = Trust(self.graph, self.params["trust"], self.rng)
        self.brands = [Brand(self, b, params, self.ledger) for b, params in enumerate(brands)]
        self.lots = Lots(self.people.stock_paid)
        self.state = State(
            params=self.params, rng=self.rng, graph=self.graph, people=self.people, ledger=self.ledger,
            trust=self.trust, lots=self.lots, brands=self.brands,
            policy=Policy(self.params["interventions"], self.brands),
            grey=GreyMarket(np.array([b.list_price for b in self.brands]), market_p, n),
            plans=plan_table(self.params["strategies"]))
        self.roster = Roster(self, self.grid, n)
        for brand in self.brands:
            self.roster.found(self.state, brand)
        self.state.policy.start_due(0)  # those set for day 0 are in force from the first step

    # -- what users of the model read --------------------------------------------------------
    @property
    def day(self) -> int:
        return self.state.day

    @property
    def persons(self) -> list[Person]:
        """The person agents by id (Consumers and Sellers)."""
        return self.roster.persons

    def seller(self, pid: int) -> Seller:
        return self.roster.seller(pid)

    @property
    def grey_pool(self) -> np.ndarray:
        """Dumped units on offer at the discount traders, by brand."""
        return self.state.grey.pool

    @property
    def name(self) -> str:
        return self.config.name

    def series(self) -> Mapping[str, list]:
        """The daily series collected so far, by name."""
        return self.datacollector.model_vars

    def summary(self) -> dict:
        """The run's final figures (`metrics.summary`)."""
        return metrics.summary(self)

    # -- the day ---------------------------------------------------------------------------
    def step(self) -> None:
        state, roster = self.state, self.roster
        state.day = self.steps
        p, ledger = state.people, state.ledger
        ledger.new_day(state.day)
        state.policy.start_due(state.day)
        state.counts = DayCounts()
        p.sold_today[:] = 0
        p.ads_today[:] = 0
        p.posts_today[:] = 0
        if state.day % 30 == 0:
            ledger.post_many("income", ledger.EXTERNAL, np.arange(p.n),
                             self.params["population"]["savings_per_month"])
            state.receipts_mark = ledger.seller_receipts.copy()
            for brand in state.brands:
                brand.pay_pool(p)
        openness.drift(p, state.day, self.params["population"], state.rng)
        used = market.use_up(state)
        sellers_day.act(state, roster)
        active = p.sellers()
        muted = state.trust.see_posts(active, p.ads_today[active], p.posts_today[active], state.day,
                                      state.rng)
        removed = 0
        for flagged in state.policy.to_remove(p):
            for pid in flagged:
                roster.retire(state, int(pid))
            removed += flagged.size
        own_use = market.use_own_stock(state)
        bought = market.shop(state)
        keep, new = SALES_MEMORY
        p.sales_ema[active] = keep * p.sales_ema[active] + new * p.sold_today[active]
        self.today = self.daily.row(state, {**used, **bought, "muted": muted, "removed": removed,
                                            "own_use_units": own_use})
        self.datacollector.collect(self)

    def run(self, days: int | None = None, progress: Callable[[int], None] | None = None) -> None:
        """Run `days` steps (default: the scenario's horizon); call progress(day) after each."""
        for _ in range(self.params["run"]["days"] if days is None else days):
            self.step()
            if progress is not None:
                progress(self.day)

