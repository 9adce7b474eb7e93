"""The costs of taking part: every 30 days since joining, a seller pays the brand's monthly fee
(training, website, "system" fees) and its own expenses outside the plan (samples, phone and
data, travel to events and trainings), as far as its cash goes. The joining fee is paid on
joining (`lifecycle.Roster.enlist`). All of it is booked in the ledger (`fee` to the brand,
`expense` to the outside economy), so a seller's net counts it."""

from __future__ import annotations

import numpy as np

from sim.model.state import State


def pay_costs(state: State, sellers: np.ndarray) -> None:
    """Sellers 30, 60, ... days after joining pay their monthly fee and expenses."""
    p, ledger = state.people, state.ledger
    since = state.day - p.join_day[sellers]
    due = sellers[(since > 0) & (since % 30 == 0)]
    if due.size == 0:
        return
    brand = p.brand[due]
    fee = np.minimum(state.by_brand("monthly_fee")[brand], np.maximum(p.cash[due], 0.0))
    paying = fee > 0
    ledger.post_many("fee", due[paying], ledger.people + brand[paying].astype(np.int64), fee[paying])
    expense = np.minimum(state.plans["expenses_per_month"][p.strategy[due]], np.maximum(p.cash[due], 0.0))
    paying = expense > 0
    ledger.post_many("expense", due[paying], ledger.EXTERNAL, expense[paying])
