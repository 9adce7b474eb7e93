"""Sellers' stock as lots: what each seller holds, bought when and at what price, oldest first.

Stock leaves first in, first out. The lots decide what stock is worth to its holder (what it
paid, `People.stock_paid`) and what a buyback pays for it (only lots bought within the buyback
window count). The number of units held is `People.stock`; the lots say which units those are.
"""

from __future__ import annotations

import numpy as np


class Lots:
    """Per seller, a list of [day bought, units left, unit price], oldest first."""

    def __init__(self, stock_paid: np.ndarray):
        self.stock_paid = stock_paid  # People.stock_paid: yuan paid for the units held, by person
        self._lots: dict[int, list[list]] = {}

    def of(self, pid: int) -> list[list]:
        """The seller's lots (empty for someone who holds nothing)."""
        return self._lots.get(pid, [])

    def open(self, pid: int) -> None:
        """A new seller starts with an empty shelf."""
        self._lots[pid] = []

    def receive(self, pid: int, day: int, units: int, price: float) -> None:
        self._lots[pid].append([day, units, price])
        self.stock_paid[pid] += units * price

    def release(self, pid: int, units: int) -> None:
        """Take units out of the oldest lots first."""
        lots = self._lots[pid]
        while units > 0 and lots:
            take = min(units, lots[0][1])
            lots[0][1] -= take
            units -= take
            self.stock_paid[pid] -= take * lots[0][2]
            if lots[0][1] == 0:
                lots.pop(0)
        if not lots:
            self.stock_paid[pid] = 0.0  # no rounding residue on an empty shelf

    def units_since(self, pid: int, day: int) -> int:
        return sum(u for d, u, _ in self.of(pid) if d >= day)

    def value_since(self, pid: int, day: int) -> float:
        """What the lots bought on or after `day` cost."""
        return sum(u * pr for d, u, pr in self.of(pid) if d >= day)

    def drop_since(self, pid: int, day: int) -> None:
        """Remove the lots bought on or after `day` (they were bought back)."""
        kept = self._lots[pid] = [lot for lot in self._lots[pid] if lot[0] < day]
        self.stock_paid[pid] = sum(u * pr for _, u, pr in kept)
