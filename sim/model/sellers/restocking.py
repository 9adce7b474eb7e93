"""Restocking up the tiers: a seller keeps `stock_days` of expected sales on hand, where expected
sales are its recent sales times the strategy's optimism; below half of that it orders up to it,
as far as cash above the floor allows. The order goes to its supplier (`sim.model.supply`)."""

from __future__ import annotations

import math

import numpy as np

from sim.model import supply
from sim.model.state import State

MIN_RATE = 0.05  # units a day a seller expects to sell before it has sold anything


def targets(state: State, sellers: np.ndarray) -> np.ndarray:
    """Units each seller wants on hand: expected sales (or, for a discount member, its own use) a
    day x optimism x days of stock."""
    p, plan = state.people, state.plans
    s = p.strategy[sellers]
    rate = np.maximum(p.sales_ema[sellers], MIN_RATE)
    own = plan["own_use"][s].astype(bool)
    rate = np.where(own, 1.0 / state.brand_days[p.brand[sellers]], rate)
    return rate * plan["optimism"][s] * plan["stock_days"][s]


def restock(state: State, sellers: np.ndarray) -> None:
    """Sellers below half their stock target order up to it."""
    target = targets(state, sellers)
    low = state.people.stock[sellers] < target / 2
    for pid, want in zip(sellers[low], target[low], strict=True):
        restock_one(state, int(pid), want)


def restock_one(state: State, pid: int, target: float) -> None:
    """Order up to `target` units if still below half of it, as far as cash allows."""
    p = state.people
    stock = int(p.stock[pid])
    if stock >= target / 2:
        return
    price = supply.unit_price(state, pid)
    affordable = int(max(float(p.cash[pid]) - state.params["sellers"]["cash_floor"], 0) // price)
    units = min(math.ceil(target - stock), affordable)
    supply.place_order(state, pid, units, "restock")
