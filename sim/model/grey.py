"""The discount traders (the grey market): they buy dumped stock from sellers below price and
resell it to shoppers who come across it, a little above what they paid. They take only what
they expect to resell: `room` caps the stock they hold, per brand."""

from __future__ import annotations

import numpy as np


class GreyMarket:
    """Dumped units on offer by brand, the traders' buying and selling prices, and their room."""

    def __init__(self, list_price: np.ndarray, market: dict, people: int):
        self.buy_price = list_price * market["dump_price"]  # what a dumping seller gets, per unit
        self.price = self.buy_price * market["grey_markup"]  # what a shopper pays, per unit
        self.pool = np.zeros(list_price.size, dtype=np.int64)  # dumped units on offer
        self.capacity = market["grey_capacity"] * people / 1000  # units the traders will hold

    def room(self, brand: int) -> int:
        """Units the discount traders will still buy of this brand."""
        return max(int(self.capacity) - int(self.pool[brand]), 0)
