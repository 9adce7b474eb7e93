"""Per-person state as numpy arrays indexed by person id (the one truth agents read and write).

Consumers are many and simple, so their half of the day runs vectorized over these arrays;
the Mesa agents in `sim.model.agents` expose the same numbers as attributes.
"""

from __future__ import annotations

from collections import deque

import numpy as np

CONSUMER, SELLER, QUIT = 0, 1, 2  # roles: never sold / sells now / sold and quit (may rejoin)
NONE, OUTSIDE = -1, -2  # what a person is using up: nothing / a unit bought outside


class People:
    """Arrays for N people; `cash` is a view of their ledger balances."""

    def __init__(self, n: int, population: dict, cash: np.ndarray, rng: np.random.Generator):
        self.n = n
        self.cash = cash
        # Who they are (drawn once).
        self.wealth0 = population["wealth_median"] * np.exp(
            population["wealth_sigma"] * rng.standard_normal(n))
        self.needs = rng.random(n) < population["need_share"]
        mean = population["risk_aversion"]
        self.risk_aversion = rng.beta(4 * mean, 4 * (1 - mean), n)
        self.price_sensitivity = population["price_sensitivity"] * rng.lognormal(0.0, 0.3, n)
        self.open = rng.random(n) < population["open_share"]  # open to a business opportunity now
        # Who could be recruited: everyone who never sold, and ex-sellers whose rest is over
        # (`sim.model.openness`); ex-sellers rest in exit order as (exit day, id).
        self.could_join = np.ones(n, dtype=bool)
        self.resting: deque[tuple[int, int]] = deque()
        # What they are using up now.
        self.using = np.full(n, NONE, dtype=np.int16)      # brand index, NONE or OUTSIDE
        self.days_left = np.zeros(n, dtype=np.int32)       # days until the unit is used up
        self.bought_from = np.full(n, -1, dtype=np.int64)  # seller of the unit in use
        self.bought_edge = np.full(n, -1, dtype=np.int64)  # edge buyer -> that seller
        self.expectation = np.zeros(n)                     # quality the buyer was promised
        self.served = np.zeros(n, dtype=bool)              # got follow-up service
        self.repeat = np.zeros(n, dtype=bool)              # bought from the same seller before
        self.home = np.zeros(n, dtype=np.int64)            # brand units at home, not used up
        self.last_seller = np.full(n, -1, dtype=np.int64)
        # As sellers (meaningful where role != CONSUMER).
        self.role = np.zeros(n, dtype=np.int8)
        self.brand = np.full(n, -1, dtype=np.int16)
        self.tier = np.full(n, -1, dtype=np.int16)
        self.upline = np.full(n, -1, dtype=np.int64)
        self.depth = np.zeros(n, dtype=np.int16)           # levels below a founder
        self.strategy = np.full(n, -1, dtype=np.int8)
        self.join_day = np.full(n, -1, dtype=np.int32)        # day the account was opened (first join)
        self.exit_day = np.full(n, -1, dtype=np.int32)        # day of the last exit (-1 while selling)
        self.first_exit_day = np.full(n, -1, dtype=np.int32)  # day of the first exit
        self.spell_start = np.full(n, -1, dtype=np.int32)     # day the current spell of selling began
        self.spells = np.zeros(n, dtype=np.int16)             # spells of selling, the first included
        self.net_before = np.zeros(n)                          # seller's net when this spell began, yuan
        self.receipts_before = np.zeros(n)                     # seller's receipts then, yuan
        self.stock = np.zeros(n, dtype=np.int64)           # units held for sale
        self.stock_paid = np.zeros(n)                      # yuan paid for the units held
        self.bought_month = np.zeros(n)                    # yuan of stock bought since the last quota
        self.promised = np.zeros(n)                        # monthly income the recruiter showed, yuan
        self.group_volume = np.zeros(n)                    # yuan bought below them this 30 days
        self.personal_volume = np.zeros(n)                 # yuan they bought themselves this 30 days
        self.price = np.zeros(n)                           # retail price asked
        self.follow_up = np.zeros(n)                       # chance of after-sales service
        self.overclaim = np.zeros(n)
        self.sales_ema = np.zeros(n)                       # smoothed units sold per day
        self.sold_today = np.zeros(n, dtype=np.int64)
        self.last_sale = np.full(n, -1, dtype=np.int32)
        self.recruits = np.zeros(n, dtype=np.int64)        # direct recruits, ever
        self.bought_units = np.zeros(n, dtype=np.int64)    # units bought as a seller, ever
        self.resold_units = np.zeros(n, dtype=np.int64)    # units sold on (retail or wholesale), ever
        self.complaints = np.zeros(n, dtype=np.int64)
        self.ads_today = np.zeros(n)
        self.posts_today = np.zeros(n)
        self.claimed_income = np.zeros(n)                  # monthly income shown in posts
        self.claims_total = np.zeros(n)                    # sum of incomes shown, per post
        self.income_posts = np.zeros(n, dtype=np.int64)    # income screenshots posted, ever

    def sellers(self) -> np.ndarray:
        """Ids of the active sellers."""
        return np.flatnonzero(self.role == SELLER)

    def ever_sellers(self) -> np.ndarray:
        return np.flatnonzero(self.role != CONSUMER)

    def is_participant(self, ids: np.ndarray) -> np.ndarray:
        """Active sellers are participants; everyone else is an end user."""
        return self.role[ids] == SELLER
