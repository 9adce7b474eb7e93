"""Pitching the business: each seller pitches a Poisson number of random contacts a day, and
posts pitches in group chats that strangers read (group chats give 1-to-N contact with
customers and recruits: docs/domain.md#circles-and-channels), more of both when the plan pays
for recruits. A person who could join (a consumer; or an ex-seller, after a rest, pitched by a
seller of its old brand: `sim.model.openness`), has not muted the seller and can pay the first
order says yes with a probability that rises with trust in the seller and the income shown, and
falls with the entry cost against wealth and with risk aversion. Only people open to a business
opportunity today listen (`sim.model.openness`), and a seller's loyal customers. Recruiters load
recruits with the best tier they can afford; others sign them at the entry tier."""

from __future__ import annotations

import numpy as np

from sim.model.brand import affordable_tier, entry_costs
from sim.model.openness import may_join
from sim.model.parameters import MAX_PITCHES_PER_DAY
from sim.model.people import CONSUMER
from sim.model.sellers.lifecycle import Roster
from sim.model.state import State


def pitch(state: State, roster: Roster, sellers: np.ndarray) -> None:
    """Today's pitches, to contacts and in group chats; those who say yes join under the pitcher."""
    p, rng = state.people, state.rng
    boost = 1.0 + state.by_brand("recruit_incentive")[p.brand[sellers]]  # recruiting pays: more pitches
    strategy = p.strategy[sellers]
    # To contacts: a uniformly drawn contact (its edge seller -> contact, then the reverse edge),
    # who trusts the seller as far as their tie says, and may have muted it. At most
    # MAX_PITCHES_PER_DAY people a day in all, however large the spur (it would take the memory).
    rate = np.minimum(state.plans["pitches_per_day"][strategy] * boost, MAX_PITCHES_PER_DAY)
    contacts = np.minimum(rng.poisson(rate), MAX_PITCHES_PER_DAY)
    pitcher = np.repeat(sellers, contacts)
    g = state.graph
    out = g.indptr[pitcher] + rng.integers(0, g.degree[pitcher])
    target, edge = g.indices[out], g.rev[out]
    trust, reachable = state.trust.overall(edge), ~state.trust.muted[edge]
    # A loyal customer listens to its seller's pitch even when not looking for an opportunity:
    # customers who trust become partners (docs/domain.md#word-of-mouth-and-recruits).
    loyal = state.trust.behavioural[edge] >= state.params["sellers"]["loyal_customer_trust"]
    # In group chats: each post reaches `group_size` people met there; only the ones open to an
    # opportunity answer, and they know the poster as a stranger. Drawn straight from the open pool:
    # the number of open readers is binomial, each one anyone in that pool.
    posts = rng.poisson(np.minimum(state.plans["group_posts_per_day"][strategy] * boost,
                                   MAX_PITCHES_PER_DAY))
    pool = np.flatnonzero(p.open & may_join(p))
    readers = rng.binomial(posts * state.params["sellers"]["group_size"], pool.size / p.n)
    readers = np.minimum(readers, MAX_PITCHES_PER_DAY - contacts)
    group_pitcher = np.repeat(sellers, readers)
    group_target = pool[rng.integers(0, pool.size, group_pitcher.size)]  # none from an empty pool
    state.counts.pitches += pitcher.size + int(posts.sum())
    pitcher = np.concatenate([pitcher, group_pitcher])
    target = np.concatenate([target, group_target])
    trust = np.concatenate([trust, np.full(group_pitcher.size, state.params["trust"]["stranger"])])
    reachable = np.concatenate([reachable, np.ones(group_pitcher.size, dtype=bool)])
    loyal = np.concatenate([loyal, np.zeros(group_pitcher.size, dtype=bool)])
    if pitcher.size:
        _answer(state, roster, pitcher, target, trust, reachable, loyal)


def _answer(state: State, roster: Roster, pitcher: np.ndarray, target: np.ndarray, trust: np.ndarray,
            reachable: np.ndarray, loyal: np.ndarray) -> None:
    """Each pitched person says yes or no; the ones who say yes and can pay join."""
    p, rng, rules = state.people, state.rng, state.params["sellers"]
    brand = p.brand[pitcher]
    own_brand = (p.role[target] == CONSUMER) | (p.brand[target] == brand)  # an ex-seller reopens its own
    listens = (may_join(p, target) & own_brand & (p.open[target] | loyal)
               & reachable & state.policy.may_recruit(p.depth[pitcher], brand))
    # The tier a recruit would join at, and what its first order costs.
    costs = entry_costs(state.brands)
    best = affordable_tier(costs[brand], p.cash[target] * (1.0 - p.risk_aversion[target]))
    tier = np.where(state.plans["loads_recruits"][p.strategy[pitcher]].astype(bool), best, 0)
    cost = costs[brand, tier] + state.by_brand("joining_fee")[brand]
    shown = p.claimed_income[pitcher] / max(state.params["population"]["savings_per_month"], 1.0)
    logit = (rules["recruit_base"]
             + rules["recruit_trust"] * trust
             + rules["recruit_income"] * np.log1p(shown)
             - rules["recruit_cost"] * cost / np.maximum(p.wealth0[target], 1.0)
             - rules["recruit_risk"] * p.risk_aversion[target])
    says_yes = rng.random(pitcher.size) < 1.0 / (1.0 + np.exp(-logit))
    for i in np.flatnonzero(listens & (cost <= p.cash[target]) & says_yes):
        pid, promised = int(target[i]), float(p.claimed_income[pitcher[i]])
        if not p.could_join[pid]:
            continue  # recruited by an earlier pitch today
        b = state.brands[brand[i]]
        if p.role[pid] == CONSUMER:
            roster.enlist(state, pid, b, int(tier[i]), int(pitcher[i]), roster.draw_strategy(state, b),
                          promised=promised)
        else:
            roster.rejoin(state, pid, int(tier[i]), promised=promised)
