"""The Mesa agents for people: every person is a Consumer or (once recruited) a Seller.

Person agents keep no numbers of their own: their attributes read and write the model's
arrays (`sim.model.people.People`), so the vectorized day and the agents are one truth.
What sellers do each day, and why, is in `sim.model.sellers` (one module per deed); who
becomes a seller and who quits is in `sim.model.sellers.lifecycle`. The brand is an agent too
(`sim.model.brand.Brand`).
"""

from __future__ import annotations

import mesa
from mesa.discrete_space import FixedAgent


def _array_attr(name: str, doc: str) -> property:
    def get(self):
        return getattr(self.model.people, name)[self.pid].item()

    def set(self, value):
        getattr(self.model.people, name)[self.pid] = value

    return property(get, set, doc=doc)


class Person(FixedAgent):
    """A node of the social graph; `pid` is the person id (node and array index)."""

    def __init__(self, model: mesa.Model, pid: int, cell):
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
    """A person who is not selling: their whole day runs vectorized in `sim.model.market`."""


class Seller(Person):
    """A tiered agent of one brand, with a strategy."""

    tier = _array_attr("tier", "tier index, 0 = entry level")
    stock = _array_attr("stock", "units held for sale")
    upline = _array_attr("upline", "person id of the recruiter, -1 for founders")
    brand_index = _array_attr("brand", "index of the brand sold")
    join_day = _array_attr("join_day", "day recruited")
    sales_ema = _array_attr("sales_ema", "smoothed units sold per day")
    bought_this_month = _array_attr("bought_month", "yuan of stock bought since the last quota")

    def __init__(self, model: mesa.Model, pid: int, cell, strategy: str):
        super().__init__(model, pid, cell)
        self.strategy = strategy
        self.plan = model.params["strategies"][strategy]

    @property
    def brand(self):
        return self.model.brands[self.brand_index]

    @property
    def lots(self) -> list[list]:
        """Stock held as [day bought, units left, unit price], oldest first."""
        return self.model.lots.of(self.pid)

    @property
    def net(self) -> float:
        """Money received minus paid as a seller so far (stock not counted)."""
        return float(self.model.ledger.seller_net[self.pid])


__all__ = ["Consumer", "Person", "Seller"]
