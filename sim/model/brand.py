"""A brand and its pay plan: it makes units at cost, sells them down its tier ladder, pays the
recruitment and team bonuses, and buys stock back from sellers who quit.

The plan's figures start as the scenario gives them and may be changed by interventions
(`sim.model.interventions`): a ban sets a bonus to zero, a mandate raises the buyback.
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from sim.model.ledger import Ledger
from sim.model.people import SELLER, People
from sim.model.stock import Lots


class Brand(mesa.Agent):
    """A brand: makes units at cost, sells them down the tiers, pays bonuses, buys back."""

    def __init__(self, model: mesa.Model, index: int, params: dict, ledger: Ledger):
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
        self.joining_fee = params["joining_fee"]
        self.monthly_fee = params["monthly_fee"]
        self.retail_bonus_share = params["retail_bonus_share"]
        self.pool_share = params["pool_share"]
        self.pool_volume = params["pool_volume"]
        self.pool_depth = params["pool_depth"]
        self.pool_personal_volume = params["pool_personal_volume"]
        self.month_sales = 0.0  # yuan of stock sold to sellers since the last pool payout
        self.ledger = ledger
        self.account = ledger.brand_account(index)
        # Recruiting pays: pitches scale with the bonus for one entry-level recruit;
        # a bonus of five units' list price doubles them.
        entry = self.tiers[0]["first_order"]
        self.recruit_incentive = (self.recruit_bonus + self.recruit_bonus_share * entry) / (
            5 * self.list_price)

    # -- prices ----------------------------------------------------------------------------
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
        ledger = self.ledger
        short = units - int(ledger.units[self.account, self.index])
        if short > 0:
            ledger.post("production", self.account, ledger.EXTERNAL, short * self.unit_cost, short,
                        self.index)

    # -- the pay plan ----------------------------------------------------------------------
    def pay_recruit_bonus(self, upline: int, recruit: int, entry_amount: float) -> None:
        """Pay per recruit (a fixed sum plus a share of the recruit's first order)."""
        amount = self.recruit_bonus + self.recruit_bonus_share * entry_amount
        if amount > 0:
            self.ledger.post("recruit_bonus", self.account, upline, amount, ref=recruit)

    def pay_team_bonus(self, people: People, buyer: int, amount: float, buy_in: bool) -> None:
        """Pay the buyer's ancestors their shares of a purchase, level by level up the tree.

        The same shares are booked apart when the purchase is a buy-in (an entry order or an
        upgrade: `buy_in_bonus`, pay for bringing people in and loading them) and when it is a
        restock (`team_bonus`, pay on ongoing volume), so the ledger tells the two apart.
        """
        kind = "buy_in_bonus" if buy_in else "team_bonus"
        a = people.upline[buyer]
        for share in self.team_bonus:
            if a < 0:
                break
            if share > 0 and people.role[a] == SELLER:  # a seller who quit forfeits the bonus
                self.ledger.post(kind, self.account, int(a), share * amount, ref=buyer)
            a = people.upline[a]

    def credit_volume(self, people: People, buyer: int, amount: float) -> None:
        """A purchase counts in the buyer's personal volume and in the group volume of its
        uplines, `pool_depth` levels up."""
        if self.pool_share <= 0:
            return
        people.personal_volume[buyer] += amount
        a, level = people.upline[buyer], 1
        while a >= 0 and (self.pool_depth == 0 or level <= self.pool_depth):
            people.group_volume[a] += amount
            a, level = people.upline[a], level + 1

    def pay_pool(self, people: People) -> None:
        """Every 30 days: the leadership pool, split among active sellers whose group and personal
        volumes in the last 30 days qualify them, in proportion to group volume; then the month's
        volumes start afresh."""
        mine = people.brand == self.index
        if self.pool_share > 0 and self.month_sales > 0:
            group = people.group_volume  # only someone with a downline's purchases can lead
            qualified = ((group > 0) & (group >= self.pool_volume)
                         & (people.personal_volume >= self.pool_personal_volume))
            leaders = np.flatnonzero(mine & (people.role == SELLER) & qualified)
            if leaders.size:
                volume = group[leaders]
                self.ledger.post_many("rank_bonus", self.account, leaders,
                                      self.pool_share * self.month_sales * volume / volume.sum())
        people.group_volume[mine] = 0.0
        people.personal_volume[mine] = 0.0
        self.month_sales = 0.0

    def buyback_value(self, lots: Lots, pid: int, day: int) -> float:
        """What the buyback would pay today for the seller's stock (recent lots only)."""
        if self.buyback_share <= 0:
            return 0.0
        return self.buyback_share * lots.value_since(pid, day - self.buyback_days)

    def buy_back(self, lots: Lots, pid: int, day: int) -> int:
        """Buy back the seller's recent stock at the plan's share of cost; returns units taken."""
        if self.buyback_share <= 0:
            return 0
        since = day - self.buyback_days
        units = lots.units_since(pid, since)
        if units:
            self.ledger.post("buyback", self.account, pid, self.buyback_value(lots, pid, day), units,
                             self.index)
            lots.drop_since(pid, since)
        return units


def tier_table(brands: list[Brand], value, top: bool = True) -> np.ndarray:
    """A (brand, tier) table of value(brand, tier); inf past a brand's tiers (and at its top
    tier when `top` is False, for values about the tier above)."""
    depth = max(len(b.tiers) for b in brands)
    table = np.full((len(brands), depth), np.inf)
    for b, brand in enumerate(brands):
        for k in range(len(brand.tiers) - (0 if top else 1)):
            table[b, k] = value(brand, k)
    return table


def entry_costs(brands: list[Brand]) -> np.ndarray:
    """What joining (or climbing to) each tier costs, yuan, by brand and tier (inf past the top)."""
    return tier_table(brands, lambda b, k: b.order_cost(b.tiers[k]["first_order"], k))


def affordable_tier(costs: np.ndarray, budget: np.ndarray) -> np.ndarray:
    """Per row of tier costs, the highest tier that fits the budget, else the entry tier."""
    fits = costs <= np.asarray(budget)[:, None]
    return np.where(fits.any(axis=1), fits.shape[1] - 1 - np.argmax(fits[:, ::-1], axis=1), 0)
