"""The seller lifecycle: founders placed at set-up, consumers enlisted as sellers, sellers retired.

Every person is a Mesa agent on its node: a Consumer, or once recruited a Seller on the same
node, keeping its edges and history; a seller who quits becomes a Consumer again (role QUIT), and
after a rest may be pitched again and reopen its account (`rejoin`, `sim.model.openness`). On
joining, a seller pays its first order and its recruiter may earn the recruitment bonus; on
quitting, its stock goes back under the buyback, then is dumped (if its strategy dumps) or
written off, and its unbooked time is booked.
"""

from __future__ import annotations

import mesa
import numpy as np
from mesa.discrete_space import Network

from sim.model import supply
from sim.model.agents import Consumer, Person, Seller
from sim.model.brand import Brand, affordable_tier, entry_costs
from sim.model.parameters import STRATEGIES
from sim.model.people import CONSUMER, QUIT, SELLER
from sim.model.sellers.costs import book_time, unbooked_days
from sim.model.sellers.dumping import dump
from sim.model.state import State

FOUNDER_CASH_SHARE = 0.8  # founders spend at most this share of their cash on the first order


class Roster:
    """The person agents, and the people changing role among them."""

    def __init__(self, owner: mesa.Model, grid: Network, people: int):
        self.owner = owner  # the Mesa model the agents belong to
        self.persons: list[Person] = [Consumer(owner, pid, grid[pid]) for pid in range(people)]
        self.sellers: dict[int, Seller] = {}
        self._strategy_cdf: dict[int, np.ndarray] = {}

    def seller(self, pid: int) -> Seller:
        return self.sellers[pid]

    def draw_strategy(self, state: State, brand: Brand) -> str:
        """A recruit's strategy, drawn from the brand's mix (the draw `rng.choice(p=...)` makes)."""
        cdf = self._strategy_cdf.get(brand.index)
        if cdf is None:
            mix = state.params["brands"][brand.index]["mix"] or state.params["sellers"]["mix"]
            cdf = np.cumsum([mix[s] for s in STRATEGIES])
            cdf = self._strategy_cdf[brand.index] = cdf / cdf[-1]
        return STRATEGIES[int(np.searchsorted(cdf, state.rng.random(), side="right"))]

    def found(self, state: State, brand: Brand) -> None:
        """Founders: the best-connected of the richest fifth, at the best tier they can afford."""
        p = state.people
        params = state.params["brands"][brand.index]
        free = np.flatnonzero(p.role == CONSUMER)
        rich = free[np.argsort(-p.cash[free], kind="stable")][: max(params["founders"], free.size // 5)]
        chosen = rich[np.argsort(-state.graph.degree[rich], kind="stable")][: params["founders"]]
        tiers = affordable_tier(entry_costs(state.brands)[[brand.index] * chosen.size],
                                p.cash[chosen] * FOUNDER_CASH_SHARE)
        for pid, tier in zip(chosen, tiers.tolist(), strict=True):
            strategy = params["founder_strategy"]
            if strategy == "mix":
                strategy = self.draw_strategy(state, brand)
            self.enlist(state, int(pid), brand, tier, upline=-1, strategy=strategy)

    def enlist(self, state: State, pid: int, brand: Brand, tier: int, upline: int,
               strategy: str, promised: float = 0.0) -> Seller | None:
        """Turn a consumer into a seller on the same node; it pays its first order and the joining fee.

        `promised` is the monthly income the recruiter showed (what the recruit will judge its own
        earnings against).
        """
        p = state.people
        cost = brand.order_cost(brand.tiers[tier]["first_order"], tier)
        if p.cash[pid] < cost + brand.joining_fee:
            return None
        p.brand[pid] = brand.index
        p.upline[pid] = upline
        p.depth[pid] = p.depth[upline] + 1 if upline >= 0 else 0
        p.strategy[pid] = STRATEGIES.index(strategy)
        p.join_day[pid] = state.day
        seller = self._start_spell(state, pid, tier, promised)
        if upline >= 0:
            p.recruits[upline] += 1
            brand.pay_recruit_bonus(upline, pid, cost)
            state.counts.recruits += 1
        return seller

    def rejoin(self, state: State, pid: int, tier: int, promised: float = 0.0) -> Seller | None:
        """An ex-seller reopens its account: the same brand, recruiter, downline and strategy; it pays
        a first order and the joining fee again. Its recruiter earns the bonuses the plan pays on
        the order (the buy-in), but no recruitment bonus: nobody new has joined."""
        p, brand = state.people, state.brand_of(pid)
        if p.cash[pid] < brand.order_cost(brand.tiers[tier]["first_order"], tier) + brand.joining_fee:
            return None
        seller = self._start_spell(state, pid, tier, promised)
        p.exit_day[pid] = -1
        state.counts.rejoins += 1
        return seller

    def _start_spell(self, state: State, pid: int, tier: int, promised: float) -> Seller:
        """A spell of selling begins: the person becomes a Seller agent on its node and pays the
        first order and the joining fee (checked as affordable by the caller)."""
        p, brand = state.people, state.brand_of(pid)
        strategy = STRATEGIES[p.strategy[pid]]
        plan = state.params["strategies"][strategy]
        p.role[pid] = SELLER
        p.could_join[pid] = False
        p.tier[pid] = tier
        p.spell_start[pid] = state.day
        p.spells[pid] += 1
        p.net_before[pid] = state.ledger.seller_net[pid]
        p.receipts_before[pid] = state.ledger.seller_receipts[pid]
        p.price[pid] = brand.list_price * (1.0 - plan["discount"])
        p.follow_up[pid] = plan["follow_up"]
        p.overclaim[pid] = plan["overclaim"]
        p.sales_ema[pid] = 0.0
        p.bought_month[pid] = 0.0
        own_use = bool(plan["own_use"])
        p.promised[pid] = 0.0 if own_use else promised
        if own_use:
            p.needs[pid] = True  # joining for the discount: it uses the product
        state.lots.open(pid)
        consumer = self.persons[pid]
        cell = consumer.cell
        consumer.remove()
        seller = Seller(self.owner, pid, cell, strategy)
        self.persons[pid] = seller
        self.sellers[pid] = seller
        units = brand.order_units(brand.tiers[tier]["first_order"], tier)
        placed = supply.place_order(state, pid, units, "entry_order")
        assert placed, "entry order was checked as affordable"
        if brand.joining_fee > 0:
            state.ledger.post("fee", pid, brand.account, brand.joining_fee)
        return seller

    def retire(self, state: State, pid: int) -> None:
        """A seller quits: buyback first, then the rest is dumped or written off."""
        p, ledger, brand = state.people, state.ledger, state.brand_of(pid)
        p.stock[pid] -= brand.buy_back(state.lots, pid, state.day)
        if p.stock[pid] and state.plan_of(pid)["dumps"]:
            dump(state, pid, int(p.stock[pid]))
        rest = int(p.stock[pid])
        if rest:
            ledger.post("write_off", ledger.WRITTEN_OFF, pid, 0.0, rest, brand.index)
            state.lots.release(pid, rest)
            p.stock[pid] = 0
        book_time(state, np.array([pid]), unbooked_days(state, pid))
        p.role[pid] = QUIT
        p.exit_day[pid] = state.day
        if p.first_exit_day[pid] < 0:
            p.first_exit_day[pid] = state.day
        p.open[pid] = False  # whatever drew it to the business is spent for now
        p.resting.append((state.day, pid))  # could join again after population.rejoin_after_days
        seller = self.sellers.pop(pid)
        cell = seller.cell
        seller.remove()
        self.persons[pid] = Consumer(self.owner, pid, cell)
        state.counts.exits += 1
