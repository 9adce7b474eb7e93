"""Dumping: a seller short of cash, or quitting with stock left, sells stock to discount traders far
below list price (50-65% of list for known brands: docs/domain.md#stock-hoarding-and-dumping).
The traders take only what they have room for (`sim.model.grey`); shoppers who come across the
dumped stock may buy it (`sim.model.market`), and seeing it cheaper lowers their trust in dearer
sellers of the brand (`Trust.see_cheaper`)."""

from __future__ import annotations

import numpy as np

from sim.model.state import State


def dump_if_short(state: State, sellers: np.ndarray) -> None:
    """Dumping sellers with stock and less cash than the floor dump half their stock."""
    p = state.people
    short = (state.plans["dumps"][p.strategy[sellers]].astype(bool) & (p.stock[sellers] > 0)
             & (p.cash[sellers] < state.params["sellers"]["cash_floor"]))
    for pid in sellers[short]:
        dump(state, int(pid), (int(p.stock[pid]) + 1) // 2)


def dump(state: State, pid: int, units: int) -> int:
    """Sell stock to discount traders below price, as much as they will take; returns units."""
    brand = state.brand_of(pid)
    units = min(units, state.grey.room(brand.index))
    if units <= 0:
        return 0
    price = state.grey.buy_price[brand.index]
    state.lots.release(pid, units)
    state.people.stock[pid] -= units
    state.ledger.post("dump", state.ledger.GREY, pid, units * price, units, brand.index)
    state.grey.pool[brand.index] += units
    return units
