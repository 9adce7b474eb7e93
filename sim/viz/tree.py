"""The recruitment tree as an icicle: who recruited whom, level by level, each seller a box.

Founders sit on row 1 (level 1, as the risk indicators count levels); each seller's recruits sit
in the row below, inside the seller's span. A box's width is its own share of the measure shown
plus everything below it (people: one each; stock held; loss), so a wide box is a big downline or
where the stock or the losses sit, and the gap under a box, past its recruits, is its own part.
Recruits are placed by join day, then id, so the same run gives the same picture.

`sellers(model)` reads the numbers (the same as agents.csv), `icicle(...)` lays any forest out
with numpy (no Python loop over sellers: 10,000 sellers take milliseconds).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.metrics import seller_profit
from sim.model.people import SELLER

MEASURES = {"people": "people (one each)", "stock": "stock held (units)", "loss": "loss (yuan)"}


@dataclass
class Sellers:
    """Everyone who ever sold, one row each (ids ascending): the columns of agents.csv the tree shows."""

    id: np.ndarray
    brand: np.ndarray
    tier: np.ndarray  # 0-based
    join_day: np.ndarray
    exit_day: np.ndarray  # -1 while selling
    active: np.ndarray
    upline: np.ndarray  # a person id, -1 for a founder
    stock: np.ndarray
    paid: np.ndarray
    received: np.ndarray
    net: np.ndarray  # agents.csv net_profit: received - paid, plus unsold stock at buyback value
    recruits: np.ndarray


def sellers(model) -> Sellers:
    """The model's ever-sellers as the tree shows them (figures as in `weishang run`'s agents.csv)."""
    state = model.state
    p, ledger = state.people, state.ledger
    ever = p.ever_sellers()
    received = ledger.seller_receipts[ever]
    return Sellers(id=ever, brand=p.brand[ever].astype(np.int64), tier=p.tier[ever].astype(np.int64),
                   join_day=p.join_day[ever].astype(np.int64), exit_day=p.exit_day[ever].astype(np.int64),
                   active=p.role[ever] == SELLER, upline=p.upline[ever].astype(np.int64),
                   stock=p.stock[ever].astype(np.int64), paid=received - ledger.seller_net[ever],
                   received=received, net=seller_profit(state, ever),
                   recruits=p.recruits[ever].astype(np.int64))


def measure(s: Sellers, rows: np.ndarray, kind: str) -> np.ndarray:
    """Each seller's own part of the measure `kind` (a key of MEASURES)."""
    if kind == "people":
        return np.ones(rows.size)
    if kind == "stock":
        return s.stock[rows].astype(float)
    if kind == "loss":
        return np.clip(-s.net[rows], 0, None)
    raise ValueError(f"measure: {kind!r} is not one of {', '.join(MEASURES)}")


@dataclass
class Layout:
    """An icicle of n nodes: parent row (-1: a root), level (0: roots), x0..x1 (shares of the whole),
    the subtree's total of the measure, and the number of people below each node."""

    parent: np.ndarray
    level: np.ndarray
    x0: np.ndarray
    x1: np.ndarray
    total: np.ndarray
    below: np.ndarray

    @property
    def levels(self) -> int:
        return int(self.level.max()) + 1 if self.level.size else 0


def parents(ids: np.ndarray, upline: np.ndarray) -> np.ndarray:
    """Row of each node's upline among `ids` (sorted), -1 when the upline is not among them."""
    if not ids.size:
        return np.full(upline.size, -1, dtype=np.int64)
    at = np.minimum(np.searchsorted(ids, upline), ids.size - 1)
    return np.where((upline >= 0) & (ids[at] == upline), at, -1)


def levels_of(parent: np.ndarray) -> np.ndarray:
    """Steps from each node up to its root; a cycle (never in a model's tree) is cut where it closes."""
    level = np.zeros(parent.size, dtype=np.int64)
    up = parent.copy()
    for _ in range(parent.size):
        going = up >= 0
        if not going.any():
            break
        level += going
        up = np.where(going, parent[np.maximum(up, 0)], -1)
    else:
        level[up >= 0] = 0  # on a cycle: drawn as a root rather than looping
    return level


def icicle(parent: np.ndarray, own: np.ndarray, order: np.ndarray) -> Layout:
    """Lay out the forest `parent` with each node's `own` value; siblings (and roots) in `order`
    (a sort key, e.g. join day then id as one rank)."""
    n = parent.size
    level = levels_of(parent)
    parent = np.where(level > 0, parent, -1)
    total = own.astype(float).copy()
    below = np.zeros(n, dtype=np.int64)
    deepest = int(level.max()) if n else 0
    for lv in range(deepest, 0, -1):  # each level adds its subtrees into its parents
        rows = np.flatnonzero(level == lv)
        np.add.at(total, parent[rows], total[rows])
        np.add.at(below, parent[rows], below[rows] + 1)
    x0 = np.zeros(n)
    for lv in range(deepest + 1):
        rows = np.flatnonzero(level == lv)
        if not rows.size:
            continue
        group = parent[rows]
        rows = rows[np.lexsort((order[rows], group))]  # by parent, then in order
        group = parent[rows]
        width = total[rows]
        before = np.cumsum(width) - width  # running total before each row
        first = np.r_[True, group[1:] != group[:-1]]
        start = np.maximum.accumulate(np.where(first, np.arange(rows.size), 0))
        offset = before - before[start]  # before it among its siblings
        x0[rows] = offset + np.where(group >= 0, x0[np.maximum(group, 0)], 0.0)
    whole = total[level == 0].sum()
    scale = 1.0 / whole if whole > 0 else 0.0
    return Layout(parent=parent, level=level, x0=x0 * scale, x1=(x0 + total) * scale, total=total,
                  below=below)


@dataclass
class BrandTree:
    """One brand's sellers (rows into a Sellers table) and their icicle under one measure."""

    brand: int
    rows: np.ndarray
    layout: Layout
    kind: str


def brand_tree(s: Sellers, brand: int, kind: str) -> BrandTree:
    rows = np.flatnonzero(s.brand == brand)
    ids = s.id[rows]
    parent = parents(ids, s.upline[rows])
    rank = np.lexsort((ids, s.join_day[rows]))
    order = np.empty(rows.size, dtype=np.int64)
    order[rank] = np.arange(rows.size)
    return BrandTree(brand, rows, icicle(parent, measure(s, rows, kind), order), kind)
