"""Quitting, as a daily hazard: no single timer, but a chance each day that rises with what goes
wrong. The log-odds of quitting today are

    logit(dropout_per_year / 365)
      + quit_loss x loss / savings at start          (stock valued at what it cost: it hopes to sell it)
      + quit_idle x months since the last sale        (up to 12)
      + quit_stock x months of sales the stock on hand would take at the current rate (up to 12)
      + quit_disappointment x log(1 + shortfall), the shortfall of income earned a month against the
        income the recruiter showed, in months of household savings, phased in over the first
        three months (a seller gives the business time to build up before judging it)

so a seller whose business goes as hoped leaves at the background rate (and so does a discount
member, who sells nothing and uses what it buys), and one sitting on unsold
stock, without sales, in loss, or far below the income it was shown leaves soon - but not all on
the same day (the published dropout is a steady monthly hazard:
docs/domain.md#take-up-time-scale-and-dropout). What happens to the stock of a seller who quits
is in `sim.model.sellers.lifecycle.Roster.retire`."""

from __future__ import annotations

import numpy as np

from sim.model.sellers.lifecycle import Roster
from sim.model.state import State

MONTH = 30.0  # days
MAX_MONTHS = 12.0  # idle months and months of stock count up to a year
JUDGE_MONTHS = 3.0  # months a seller gives the business before it judges earnings against the promise


def hazard(state: State, sellers: np.ndarray) -> np.ndarray:
    """Each seller's chance of quitting today."""
    p, rules = state.people, state.params["sellers"]
    base = min(max(rules["dropout_per_year"] / 365, 1e-12), 1 - 1e-12)
    net = state.ledger.seller_net[sellers] - p.net_before[sellers]  # this spell's
    loss = np.maximum(-(net + p.stock_paid[sellers]), 0.0) / np.maximum(
        p.wealth0[sellers], 1.0)
    idle = np.minimum((state.day - np.maximum(p.last_sale[sellers], p.spell_start[sellers])) / MONTH,
                      MAX_MONTHS)
    stock = np.minimum(p.stock[sellers] / np.maximum(MONTH * p.sales_ema[sellers], 1.0), MAX_MONTHS)
    months = (state.day - p.spell_start[sellers]) / MONTH  # this spell: a rejoiner starts afresh
    earned = (state.ledger.seller_receipts[sellers] - p.receipts_before[sellers]) / np.maximum(months, 1.0)
    savings = max(state.params["population"]["savings_per_month"], 1.0)
    shortfall = np.maximum(p.promised[sellers] - earned, 0.0) / savings
    judged = np.minimum(months / JUDGE_MONTHS, 1.0)
    disappointment = judged * np.log1p(shortfall)
    sells = ~state.plans["own_use"][p.strategy[sellers]].astype(bool)  # members only leave by chance
    logit = np.log(base / (1 - base)) + sells * (
        rules["quit_loss"] * loss + rules["quit_idle"] * idle + rules["quit_stock"] * stock
        + rules["quit_disappointment"] * disappointment)
    return 1.0 / (1.0 + np.exp(-logit))


def quit_if_done(state: State, roster: Roster, sellers: np.ndarray) -> None:
    """Each seller quits today with its hazard."""
    quits = state.rng.random(sellers.size) < hazard(state, sellers)
    for pid in sellers[quits]:
        roster.retire(state, int(pid))
