"""The Mesa agents: Brand, and persons who are Consumers or (once recruited) Sellers.

Person agents keep no numbers of their own: their attributes read and write the model's
arrays (`sim.people.People`), so the vectorized consumer half of the day and the agents
are one truth. Sellers do their deeds (restock, climb, dump...) one at a time, as
`sim.sellers` decides each day.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa
from mesa.discrete_space import FixedAgent

from sim.model import supply
from sim.model.people import CONSUMER, SELLER

if TYPE_CHECKING:
    from sim.model.model import WeishangModel


def _array_attr(name: str, doc: str) -> property:
    def get(self):
        return getattr(self.model.people, name)[self.pid].item()

    def set(self, value):
        getattr(self.model.people, name)[self.pid] = value

    return property(get, set, doc=doc)


class Person(FixedAgent):
    """A node of the social graph; `pid` is the person id (node and array index)."""

    model: WeishangModel

    def __init__(self, model: WeishangModel, pid: int, cell):
        super().__init__(model)
        self.pid = pid
        self.cell = cell

    cash = property(lambda self: float(self.model.people.cash[self.pid]), doc="yuan held")
    role = _array_attr("role", "0 consumer, 1 seller, 2 quit")
    needs = _array_attr("needs", "uses the product category")
    wealth0 = _array_attr("wealth0", "savings at the start, yuan")
    risk_aversion = _array_attr("risk_aversion", "0-1")
    using = _array_attr("using", "brand in use, -1 nothing, -2 bought outside")
    days_left = _array_attr("days_left", "days until the unit in use is used up")
    complaints = _array_attr("complaints", "complaints against this person as a seller")


class Consumer(Person):
    """A person who is not selling: their whole day runs vectorized in `sim.market`."""


class Seller(Person):
    """A tiered agent of one brand, with a strategy."""

    tier = _array_attr("tier", "tier index, 0 = entry level")
    stock = _array_attr("stock", "units held for sale")
    upline = _array_attr("upline", "person id of the recruiter, -1 for founders")
    brand_index = _array_attr("brand", "index of the brand sold")
    join_day = _array_attr("join_day", "day recruited")
    sales_ema = _array_attr("sales_ema", "smoothed units sold per day")

    def __init__(self, model: WeishangModel, pid: int, cell, strategy: str):
        super().__init__(model, pid, cell)
        self.strategy = strategy
        self.plan = model.params["strategies"][strategy]
        self.lots: list[list] = []  # [day bought, units left, unit price], oldest first
        self.bought_this_month = 0.0  # yuan, for the restock quota

    @property
    def brand(self):
        return self.model.brands[self.brand_index]

    @property
    def net(self) -> float:
        """Money received minus paid as a seller so far (stock not counted)."""
        return float(self.model.ledger.seller_net[self.pid])

    # -- the deeds (`sim.sellers` decides who does what, each day) -----------------------
    def keep_tier(self) -> None:
        """At each 30-day mark: meet the tier's restock quota (if the strategy does) or drop a tier."""
        quota = self.brand.tiers[self.tier]["monthly_quota"]
        short = quota - self.bought_this_month
        if short > 0 and self.plan["meets_quota"]:
            units = self.brand.order_units(short, self.tier)
            if supply.place_order(self.model, self.pid, units, "restock"):
                short = 0
        if short > 0 and self.tier > 0:
            self.tier -= 1
        self.bought_this_month = 0.0

    def restock(self) -> None:
        """Keep `stock_days` of expected sales; expected sales are recent sales x optimism."""
        p, pid = self.model.people, self.pid
        stock = int(p.stock[pid])
        target = max(float(p.sales_ema[pid]), 0.05) * self.plan["optimism"] * self.plan["stock_days"]
        if stock >= target / 2:
            return
        price = supply.unit_price(self.model, pid)
        affordable = int(max(float(p.cash[pid]) - self.model.params["sellers"]["cash_floor"], 0) // price)
        units = min(math.ceil(target - stock), affordable)
        supply.place_order(self.model, self.pid, units, "restock")

    def climb(self) -> None:
        """Buy the next tier's first order when cash allows, to buy cheaper and supply others."""
        tiers = self.brand.tiers
        if not self.plan["climbs"] or self.tier + 1 >= len(tiers):
            return
        order = tiers[self.tier + 1]["first_order"]
        if self.cash < 1.2 * order:
            return
        units = self.brand.order_units(order, self.tier + 1)
        self.tier += 1
        if not supply.place_order(self.model, self.pid, units, "upgrade"):
            self.tier -= 1

    def dump(self, units: int) -> int:
        """Sell stock to discount traders below price, as much as they will take; returns units."""
        brand, model = self.brand, self.model
        units = min(units, model.grey_room(brand.index))
        if units <= 0:
            return 0
        price = brand.list_price * model.params["market"]["dump_price"]
        self.release(units)
        self.stock -= units
        self.model.ledger.post("dump", self.model.ledger.GREY, self.pid, units * price, units,
                               brand.index)
        self.model.grey_pool[brand.index] += units
        return units

    # -- stock lots ----------------------------------------------------------------------
    def receive(self, units: int, price: float) -> None:
        self.lots.append([self.model.day, units, price])
        self.bought_this_month += units * price
        self.model.people.stock_paid[self.pid] += units * price

    def release(self, units: int) -> None:
        """Take units out of the oldest lots first."""
        while units > 0 and self.lots:
            take = min(units, self.lots[0][1])
            self.lots[0][1] -= take
            units -= take
            self.model.people.stock_paid[self.pid] -= take * self.lots[0][2]
            if self.lots[0][1] == 0:
                self.lots.pop(0)
        if not self.lots:
            self.model.people.stock_paid[self.pid] = 0.0  # no rounding residue on an empty shelf

    def buyback_value(self) -> float:
        """What the brand's buyback would pay for the stock held now."""
        brand = self.brand
        if brand.buyback_share <= 0:
            return 0.0
        since = self.model.day - brand.buyback_days
        return brand.buyback_share * sum(u * pr for d, u, pr in self.lots if d >= since)


class Brand(mesa.Agent):
    """A brand: makes units at cost, sells them down the tiers, pays bonuses, buys back."""

    def __init__(self, model: WeishangModel, index: int, params: dict):
        super().__init__(model)
        self.index = index
        self.name = params["name"]
        self.list_price = params["list_price"]
        self.unit_cost = params["unit_cost"]
        self.quality = params["quality"]
        self.claim = params["claim"]
        self.consumption_days = params["consumption_days"]
        self.shipping = params["shipping"]
        self.tiers = [dict(tier) for tier in params["tiers"]]  # copies: interventions change them
        self.team_bonus = list(params["team_bonus"])
        self.recruit_bonus = params["recruit_bonus"]
        self.recruit_bonus_share = params["recruit_bonus_share"]
        self.buyback_share = params["buyback_share"]
        self.buyback_days = params["buyback_days"]
        self.account = model.ledger.brand_account(index)
        # Rules switched on by interventions (sim.interventions); None = not in force.
        self.max_level: int | None = None
        self.max_posts: float | None = None
        self.crackdown: tuple[int, float] | None = None
        self.resale_share: float | None = None
        # Recruiting pays: pitches scale with the bonus for one entry-level recruit;
        # a bonus of five units' list price doubles them.
        entry = self.tiers[0]["first_order"]
        self.recruit_incentive = (self.recruit_bonus + self.recruit_bonus_share * entry) / (
            5 * self.list_price)

    def unit_price(self, tier: int) -> float:
        """What a seller at this tier pays per unit."""
        return self.list_price * self.tiers[tier]["price"]

    def order_units(self, yuan: float, tier: int) -> int:
        """Units an order of `yuan` (a first order or a quota) means at this tier (at least one)."""
        return max(1, math.ceil(yuan / self.unit_price(tier) - 1e-9))

    def order_cost(self, yuan: float, tier: int) -> float:
        """What such an order really costs, in whole units."""
        return round(self.order_units(yuan, tier) * self.unit_price(tier), 2)

    def make_ready(self, units: int) -> None:
        """Produce whatever the brand's stock (bought-back units first) cannot cover."""
        ledger = self.model.ledger
        short = units - int(ledger.units[self.account, self.index])
        if short > 0:
            ledger.post("production", self.account, ledger.EXTERNAL, short * self.unit_cost, short,
                        self.index)

    def pay_recruit_bonus(self, upline: int, recruit: int, entry_amount: float) -> None:
        amount = self.recruit_bonus + self.recruit_bonus_share * entry_amount
        if amount > 0:
            self.model.ledger.post("recruit_bonus", self.account, upline, amount, ref=recruit)

    def buy_back(self, seller: Seller) -> int:
        """Buy back the seller's recent stock at the plan's share of cost; returns units taken."""
        if self.buyback_share <= 0:
            return 0
        since = self.model.day - self.buyback_days
        units = sum(u for d, u, _ in seller.lots if d >= since)
        if units:
            self.model.ledger.post("buyback", self.account, seller.pid, seller.buyback_value(),
                                   units, self.index)
            seller.lots = [lot for lot in seller.lots if lot[0] < since]
            self.model.people.stock_paid[seller.pid] = sum(u * pr for _, u, pr in seller.lots)
        return units


__all__ = ["Brand", "Consumer", "Person", "Seller", "CONSUMER", "SELLER"]
