"""Climbing the ladder: a seller whose strategy climbs buys the next tier's first order, now and
then, when its cash covers the order with a margin - to buy cheaper and to supply a downline
(the buy-big-to-climb pressure of docs/domain.md#the-tier-ladder-and-the-pyramid-risk)."""

from __future__ import annotations

import numpy as np

from sim.model import supply
from sim.model.brand import tier_table
from sim.model.state import State

CLIMB_CHANCE = 0.1  # chance a day that a seller with the cash for the next tier buys it
CLIMB_CASH = 1.2  # cash needed, as a multiple of the next tier's first order (keeps some in hand)


def can_afford(cash, order):
    """The climb's cash rule (scalars or arrays)."""
    return cash >= CLIMB_CASH * order


def climb(state: State, sellers: np.ndarray) -> None:
    """Climbing sellers with the cash for the next tier buy it, now and then."""
    p = state.people
    next_order = tier_table(state.brands, lambda brand, k: brand.tiers[k + 1]["first_order"], top=False)
    wants = state.plans["climbs"][p.strategy[sellers]].astype(bool)
    can = can_afford(p.cash[sellers], next_order[p.brand[sellers], p.tier[sellers]])
    lucky = state.rng.random(sellers.size) < CLIMB_CHANCE
    for pid in sellers[wants & can & lucky]:
        climb_one(state, int(pid))


def climb_one(state: State, pid: int) -> None:
    """Buy the next tier's first order, if there is a next tier and the cash still allows."""
    p, brand = state.people, state.brand_of(pid)
    tier = int(p.tier[pid])
    if not state.plan_of(pid)["climbs"] or tier + 1 >= len(brand.tiers):
        return
    order = brand.tiers[tier + 1]["first_order"]
    if not can_afford(float(p.cash[pid]), order):
        return
    units = brand.order_units(order, tier + 1)
    p.tier[pid] = tier + 1  # the order is priced at the new tier
    if not supply.place_order(state, pid, units, "upgrade"):
        p.tier[pid] = tier
