"""The costs of taking part: every 30 days since its spell of selling began, a seller pays the
brand's monthly fee (training, website, "system" fees) and its own expenses outside the plan
(samples, phone and data, travel to events and trainings), as far as its cash goes. The joining
fee is paid on joining (`lifecycle.Roster.enlist`). All of it is booked in the ledger (`fee` to the
brand, `expense` to the outside economy), so a seller's net counts it.

The seller's time is a cost too, but nobody is paid for it: the month's hours
(`strategies.NAME.hours_per_day`) at `population.hourly_wage` are booked as the imputed kind
`time`, in arrears every 30 days and for the part-month on quitting (`book_time`), so a seller's
profit after its time can be read from the ledger without the hours touching its cash."""

from __future__ import annotations

import numpy as np

from sim.model.state import State

MONTH = 30  # days


def pay_costs(state: State, sellers: np.ndarray) -> None:
    """Sellers 30, 60, ... days into their spell pay their monthly fee and expenses, and book the
    month's time."""
    p, ledger = state.people, state.ledger
    since = state.day - p.spell_start[sellers]
    due = sellers[(since > 0) & (since % MONTH == 0)]
    if due.size == 0:
        return
    brand = p.brand[due]
    fee = np.minimum(state.by_brand("monthly_fee")[brand], np.maximum(p.cash[due], 0.0))
    paying = fee > 0
    ledger.post_many("fee", due[paying], ledger.people + brand[paying].astype(np.int64), fee[paying])
    expense = np.minimum(state.plans["expenses_per_month"][p.strategy[due]], np.maximum(p.cash[due], 0.0))
    paying = expense > 0
    ledger.post_many("expense", due[paying], ledger.EXTERNAL, expense[paying])
    book_time(state, due, MONTH)


def book_time(state: State, sellers: np.ndarray, days) -> None:
    """Book `days` of each seller's hours at the going wage (imputed: no cash moves)."""
    hours = state.plans["hours_per_day"][state.people.strategy[sellers]] * days
    state.ledger.impute_time(sellers, hours * state.params["population"]["hourly_wage"])


def unbooked_days(state: State, pid: int) -> int:
    """Days of the current spell whose time is not booked yet (since the last 30-day mark)."""
    return int(state.day - state.people.spell_start[pid]) % MONTH
