"""Quitting: a seller quits after too long without a sale, a loss beyond what it can bear, or by
chance. It judges its loss valuing its stock at what it paid (it hopes to sell it). What happens
to the stock of a seller who quits is in `sim.model.sellers.lifecycle.Roster.retire`."""

from __future__ import annotations

import numpy as np

from sim.model.sellers.lifecycle import Roster
from sim.model.state import State


def quit_if_done(state: State, roster: Roster, sellers: np.ndarray) -> None:
    """Sellers idle too long, in loss beyond tolerance, or unlucky today quit."""
    p, rules = state.people, state.params["sellers"]
    idle = state.day - np.maximum(p.last_sale[sellers], p.join_day[sellers])
    position = state.ledger.seller_net[sellers] + p.stock_paid[sellers]
    tolerance = rules["loss_tolerance"] * (1.5 - p.risk_aversion[sellers]) * p.wealth0[sellers]
    chance = state.rng.random(sellers.size) < rules["dropout_per_year"] / 365
    for pid in sellers[(idle > rules["quit_idle_days"]) | (position < -tolerance) | chance]:
        roster.retire(state, int(pid))
