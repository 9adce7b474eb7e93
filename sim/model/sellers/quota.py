"""The restock quota: a tier is kept only by buying its monthly quota (the 3-month restock quotas
of docs/domain.md#the-tier-ladder-and-the-pyramid-risk, here checked every 30 days since joining).
A seller whose strategy meets quotas orders what is missing; one who cannot, or will not, drops a tier."""

from __future__ import annotations

import numpy as np

from sim.model import supply
from sim.model.state import State


def keep_tiers(state: State, sellers: np.ndarray) -> None:
    """Sellers 30, 60, ... days after joining meet their quota or drop a tier."""
    since = state.day - state.people.spell_start[sellers]
    for pid in sellers[(since > 0) & (since % 30 == 0)]:
        keep_tier(state, int(pid))


def keep_tier(state: State, pid: int) -> None:
    """Meet the tier's quota for the last 30 days (if the strategy does) or drop a tier."""
    p, brand = state.people, state.brand_of(pid)
    tier = int(p.tier[pid])
    short = brand.tiers[tier]["monthly_quota"] - p.bought_month[pid]
    meets = short > 0 and state.plan_of(pid)["meets_quota"]
    if meets and supply.place_order(state, pid, brand.order_units(short, tier), "restock"):
        short = 0
    if short > 0 and tier > 0:
        p.tier[pid] = tier - 1
    p.bought_month[pid] = 0.0
