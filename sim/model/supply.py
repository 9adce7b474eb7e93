"""How stock moves up and down a brand's tiers: who supplies whom, at what price, who is paid.

A seller buys at its tier's price from its supplier: the nearest active ancestor with a
better (cheaper) tier, who earns the price spread - or from the brand, when the brand ships
direct or no ancestor qualifies. A supplier short of stock orders the shortfall from its
own supplier first; if it cannot pay, the order goes further up. Every purchase pays the
team bonus to the ancestors the plan names.
"""

from __future__ import annotations

from sim.model.people import SELLER
from sim.model.state import State

BRAND = -1  # supplier id meaning "the brand itself"


def unit_price(state: State, pid: int) -> float:
    """What this seller pays per unit at its tier."""
    return state.brand_of(pid).unit_price(int(state.people.tier[pid]))


def supplier_of(state: State, pid: int) -> int:
    """Nearest active ancestor with a strictly better tier, else BRAND."""
    p = state.people
    if state.brand_of(pid).shipping == "brand":
        return BRAND
    tier = p.tier[pid]
    a = p.upline[pid]
    while a >= 0:
        if p.role[a] == SELLER and p.tier[a] > tier:
            return int(a)
        a = p.upline[a]
    return BRAND


def place_order(state: State, pid: int, units: int, kind: str) -> bool:
    """Seller `pid` buys `units` at its tier price; False (and nothing booked) if it can't pay.

    `kind` is the ledger's kind of stock order (`ledger.WHOLESALE`); a first order
    (`entry_order`) is never refused by a resale rule.
    """
    p = state.people
    if units <= 0 or (kind != "entry_order" and not state.policy.may_reorder(p, pid)):
        return False
    price = unit_price(state, pid)
    amount = round(units * price, 2)
    if p.cash[pid] < amount:
        return False
    brand = state.brand_of(pid)
    supplier = supplier_of(state, pid)
    while supplier != BRAND and not _has_stock(state, supplier, units):
        supplier = supplier_of(state, supplier)
    if supplier == BRAND:
        brand.make_ready(units)
        brand.month_sales += amount
        payee = brand.account
    else:
        payee = supplier
        state.lots.release(supplier, units)
        p.stock[supplier] -= units
        p.resold_units[supplier] += units
        p.sold_today[supplier] += units
        p.last_sale[supplier] = state.day
    state.ledger.post(kind, pid, payee, amount, units, brand.index)
    p.stock[pid] += units
    p.bought_units[pid] += units
    state.lots.receive(pid, state.day, units, price)
    p.bought_month[pid] += units * price
    brand.pay_team_bonus(p, pid, amount, buy_in=kind != "restock")
    brand.credit_volume(p, pid, amount)
    return True


def _has_stock(state: State, supplier: int, units: int) -> bool:
    """A supplier ships from stock, restocking the shortfall from its own supplier first."""
    short = units - int(state.people.stock[supplier])
    return short <= 0 or place_order(state, supplier, short, "restock")
