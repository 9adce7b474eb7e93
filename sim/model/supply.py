"""How stock moves up and down a brand's tiers: who supplies whom, at what price, who is paid.

A seller buys at its tier's price from its supplier: the nearest active ancestor with a
better (cheaper) tier, who earns the price spread - or from the brand, when the brand ships
direct or no ancestor qualifies. A supplier short of stock orders the shortfall from its
own supplier first; if it cannot pay, the order goes further up. Every purchase pays the
team bonus to the ancestors the plan names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.model import interventions
from sim.model.people import SELLER

if TYPE_CHECKING:
    from sim.model.model import WeishangModel

BRAND = -1  # supplier id meaning "the brand itself"


def unit_price(model: WeishangModel, pid: int) -> float:
    """What this seller pays per unit at its tier."""
    return model.brands[model.people.brand[pid]].unit_price(int(model.people.tier[pid]))


def supplier_of(model: WeishangModel, pid: int) -> int:
    """Nearest active ancestor with a strictly better tier, else BRAND."""
    p = model.people
    if model.brands[p.brand[pid]].shipping == "brand":
        return BRAND
    tier = p.tier[pid]
    a = p.upline[pid]
    while a >= 0:
        if p.role[a] == SELLER and p.tier[a] > tier:
            return int(a)
        a = p.upline[a]
    return BRAND


def place_order(model: WeishangModel, pid: int, units: int, kind: str) -> bool:
    """Seller `pid` buys `units` at its tier price; False (and nothing booked) if it can't pay."""
    p = model.people
    if units <= 0 or (kind != "entry_order" and not interventions.may_reorder(model, pid)):
        return False
    price = unit_price(model, pid)
    amount = round(units * price, 2)
    if p.cash[pid] < amount:
        return False
    brand = model.brands[p.brand[pid]]
    supplier = supplier_of(model, pid)
    while supplier != BRAND and not _has_stock(model, supplier, units):
        supplier = supplier_of(model, supplier)
    if supplier == BRAND:
        brand.make_ready(units)
        payee = brand.account
    else:
        payee = supplier
        model.seller(supplier).release(units)
        p.stock[supplier] -= units
        p.resold_units[supplier] += units
        p.sold_today[supplier] += units
        p.last_sale[supplier] = model.day
    model.ledger.post(kind, pid, payee, amount, units, brand.index)
    p.stock[pid] += units
    p.bought_units[pid] += units
    model.seller(pid).receive(units, price)
    _pay_team_bonus(model, pid, amount)
    return True


def _has_stock(model: WeishangModel, supplier: int, units: int) -> bool:
    """A supplier ships from stock, restocking the shortfall from its own supplier first."""
    short = units - int(model.people.stock[supplier])
    return short <= 0 or place_order(model, supplier, short, "restock")


def _pay_team_bonus(model: WeishangModel, pid: int, amount: float) -> None:
    p = model.people
    brand = model.brands[p.brand[pid]]
    a = p.upline[pid]
    for share in brand.team_bonus:
        if a < 0:
            break
        if share > 0 and p.role[a] == SELLER:  # a seller who quit forfeits the bonus
            model.ledger.post("team_bonus", brand.account, int(a), share * amount, ref=pid)
        a = p.upline[a]
