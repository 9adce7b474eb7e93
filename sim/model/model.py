"""WeishangModel: one scenario, one seed, a day per step.

A day, in order:
1. monthly savings arrive (every 30 days);
2. units in use run down; used-up units are judged (trust, word of mouth, complaints);
3. sellers act, phase by phase (`sim.sellers`): post to Moments, keep their tier, restock,
   climb, pitch recruits, dump when short of cash, or quit;
4. contacts see the day's posts (awareness, annoyance, muting);
5. people with a need shop (vectorized);
6. the day's series are collected.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import mesa
import numpy as np

from sim.model import interventions, market, metrics, sellers, supply
from sim.model.agents import Brand, Consumer, Person, Seller
from sim.model.ledger import Ledger
from sim.model.network import ContactNetwork, build_social_graph
from sim.model.parameters import STRATEGIES
from sim.model.people import CONSUMER, OUTSIDE, QUIT, SELLER, People
from sim.model.scenario import Scenario
from sim.model.trust import Trust


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
        self.datacollector = mesa.DataCollector(model_reporters=metrics.reporters(self))
        self.today = metrics.daily(self, {})
        self.datacollector.collect(self)

    def _set_up(self, scenario: Scenario, seed: int | None) -> None:
        seed = int(scenario["run"]["seed"] if seed is None else seed)
        super().__init__(rng=seed)
        self.config = scenario  # (mesa.Model keeps its own `scenario` attribute)
        self.params = scenario.data
        self.seed = seed
        self.day = 0
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
        self.brands = [Brand(self, b, params) for b, params in enumerate(brands)]
        self.list_price = np.array([b.list_price for b in self.brands])
        self.brand_quality = np.array([b.quality for b in self.brands])
        self.brand_claim = np.array([b.claim for b in self.brands])
        depth = max(len(b.tiers) for b in self.brands)
        self.tier_price = np.array([[b.unit_price(min(k, len(b.tiers) - 1)) for k in range(depth)]
                                    for b in self.brands])  # yuan per unit, by brand and tier
        self.brand_days = np.array([b.consumption_days for b in self.brands], dtype=np.int32)
        self.grey_price = self.list_price * market_p["dump_price"] * market_p["grey_markup"]
        self.grey_pool = np.zeros(len(brands), dtype=np.int64)  # dumped units on offer
        self.persons: list[Person] = [Consumer(self, pid, self.grid[pid]) for pid in range(n)]
        self._sellers: dict[int, Seller] = {}
        self.receipts_mark = np.zeros(n)  # seller receipts at the start of the 30-day period
        self.plans = sellers.plan_table(self.params["strategies"])
        self._strategy_cdf: dict[int, np.ndarray] = {}
        self.recruits_today = self.exits_today = self.pitches_today = 0
        for brand in self.brands:
            self._found(brand)
        interventions.start_due(self)  # those set for day 0 are in force from the first step

    # -- set-up ----------------------------------------------------------------------------
    def _found(self, brand: Brand) -> None:
        """Founders: the best-connected of the richest fifth, at the best tier they can afford."""
        p = self.people
        params = self.params["brands"][brand.index]
        free = np.flatnonzero(p.role == CONSUMER)
        rich = free[np.argsort(-p.cash[free], kind="stable")][: max(params["founders"], free.size // 5)]
        chosen = rich[np.argsort(-self.graph.degree[rich], kind="stable")][: params["founders"]]
        tiers = sellers.affordable_tier(sellers.entry_costs(self)[[brand.index] * chosen.size],
                                        p.cash[chosen] * 0.8)
        for pid, tier in zip(chosen, tiers.tolist(), strict=True):
            strategy = params["founder_strategy"]
            if strategy == "mix":
                strategy = self.draw_strategy(brand)
            self.enlist(int(pid), brand, tier, upline=-1, strategy=strategy)

    def draw_strategy(self, brand: Brand) -> str:
        """A recruit's strategy, drawn from the brand's mix (the draw `rng.choice(p=...)` makes)."""
        cdf = self._strategy_cdf.get(brand.index)
        if cdf is None:
            mix = self.params["brands"][brand.index]["mix"] or self.params["sellers"]["mix"]
            cdf = np.cumsum([mix[s] for s in STRATEGIES])
            cdf = self._strategy_cdf[brand.index] = cdf / cdf[-1]
        return STRATEGIES[int(np.searchsorted(cdf, self.rng.random(), side="right"))]

    # -- people changing role ----------------------------------------------------------------
    def seller(self, pid: int) -> Seller:
        return self._sellers[pid]

    def enlist(self, pid: int, brand: Brand, tier: int, upline: int, strategy: str) -> Seller | None:
        """Turn a consumer into a seller on the same node; it pays its first order."""
        p = self.people
        cost = brand.order_cost(brand.tiers[tier]["first_order"], tier)
        if p.cash[pid] < cost:
            return None
        plan = self.params["strategies"][strategy]
        p.role[pid] = SELLER
        p.brand[pid] = brand.index
        p.tier[pid] = tier
        p.upline[pid] = upline
        p.depth[pid] = p.depth[upline] + 1 if upline >= 0 else 0
        p.strategy[pid] = STRATEGIES.index(strategy)
        p.join_day[pid] = self.day
        p.price[pid] = brand.list_price * (1.0 - plan["discount"])
        p.follow_up[pid] = plan["follow_up"]
        p.overclaim[pid] = plan["overclaim"]
        p.sales_ema[pid] = 0.0
        consumer = self.persons[pid]
        cell = consumer.cell
        consumer.remove()
        seller = Seller(self, pid, cell, strategy)
        self.persons[pid] = seller
        self._sellers[pid] = seller
        units = brand.order_units(brand.tiers[tier]["first_order"], tier)
        placed = supply.place_order(self, pid, units, "entry_order")
        assert placed, "entry order was checked as affordable"
        if upline >= 0:
            p.recruits[upline] += 1
            brand.pay_recruit_bonus(upline, pid, cost)
            self.recruits_today += 1
        return seller

    def retire(self, seller: Seller) -> None:
        """A seller quits: buyback first, then the rest is dumped or written off."""
        p, pid, ledger = self.people, seller.pid, self.ledger
        p.stock[pid] -= seller.brand.buy_back(seller)
        if p.stock[pid] and seller.plan["dumps"]:
            seller.dump(int(p.stock[pid]))
        rest = int(p.stock[pid])
        if rest:
            ledger.post("write_off", ledger.WRITTEN_OFF, pid, 0.0, rest, seller.brand_index)
            seller.release(rest)
            p.stock[pid] = 0
        p.role[pid] = QUIT
        p.exit_day[pid] = self.day
        cell = seller.cell
        seller.remove()
        del self._sellers[pid]
        self.persons[pid] = Consumer(self, pid, cell)
        self.exits_today += 1

    def grey_room(self, brand: int) -> int:
        """Units the discount traders will still buy of this brand."""
        cap = self.params["market"]["grey_capacity"] * self.people.n / 1000
        return max(int(cap) - int(self.grey_pool[brand]), 0)

    # -- the day ---------------------------------------------------------------------------
    def step(self) -> None:
        self.day = self.steps
        p, ledger = self.people, self.ledger
        ledger.new_day(self.day)
        interventions.start_due(self)
        self.recruits_today = self.exits_today = self.pitches_today = 0
        p.sold_today[:] = 0
        p.ads_today[:] = 0
        p.posts_today[:] = 0
        if self.day % 30 == 0:
            ledger.post_many("income", ledger.EXTERNAL, np.arange(p.n),
                             self.params["population"]["savings_per_month"])
            self.receipts_mark = ledger.seller_receipts.copy()
        used = market.use_up(self)
        sellers.act(self)
        active = p.sellers()
        muted = self.trust.see_posts(active, p.ads_today[active], p.posts_today[active], self.day,
                                     self.rng)
        removed = interventions.enforce_crackdown(self)
        bought = market.shop(self)
        p.sales_ema[active] = 0.95 * p.sales_ema[active] + 0.05 * p.sold_today[active]
        self.today = metrics.daily(self, {**used, **bought, "muted": muted, "removed": removed})
        self.datacollector.collect(self)

    def run(self, days: int | None = None, progress: Callable[[int], None] | None = None) -> None:
        """Run `days` steps (default: the scenario's horizon); call progress(day) after each."""
        for _ in range(self.params["run"]["days"] if days is None else days):
            self.step()
            if progress is not None:
                progress(self.day)
