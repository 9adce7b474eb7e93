"""Posting to Moments: each day a seller posts ads, lifestyle posts and income screenshots, as
its strategy plans. An income post shows the month's receipts, exaggerated by the strategy's
factor: the recruiting bait of docs/domain.md#moments-posting. What the posts do to the
contacts who see them (awareness, annoyance, muting) is a trust rule (`Trust.see_posts`)."""

from __future__ import annotations

import numpy as np

from sim.model.state import State


def counts(rates: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Integer counts with the given means: the whole part, plus one by chance."""
    whole = np.floor(rates)
    return (whole + (draws < rates - whole)).astype(np.int64)


def post_moments(state: State, sellers: np.ndarray) -> None:
    """Today's posts of each seller; under an ad cap, income posts are cut first."""
    p, plan = state.people, state.plans
    s = p.strategy[sellers]
    draws = state.rng.random((3, sellers.size))
    ads = counts(plan["ads_per_day"][s], draws[0])
    income = counts(plan["income_posts_per_day"][s], draws[1])
    lifestyle = counts(plan["lifestyle_per_day"][s], draws[2])
    cap = state.policy.post_caps()[p.brand[sellers]]
    over = ads + income > cap
    income = np.where(over, np.maximum(0, np.minimum(income, cap - ads)), income).astype(np.int64)
    ads = np.where(over, np.minimum(ads, cap), ads).astype(np.int64)
    p.ads_today[sellers] = ads
    p.posts_today[sellers] = ads + income + lifestyle
    posting = income > 0
    who, n = sellers[posting], income[posting]
    recent = state.ledger.seller_receipts[who] - state.receipts_mark[who]
    claim = recent * plan["income_exaggeration"][p.strategy[who]]
    p.claimed_income[who] = claim
    p.claims_total[who] += claim * n
    p.income_posts[who] += n
