"""Pitching the business: each seller pitches a Poisson number of random contacts a day (more when
the plan pays for recruits); a contact who is still a consumer, has not muted the seller and
can pay the first order says yes with a probability that rises with trust in the seller and the
income shown, and falls with the entry cost against wealth and with risk aversion. Recruiters
load recruits with the best tier they can afford; others sign them at the entry tier."""

from __future__ import annotations

import numpy as np

from sim.model.brand import affordable_tier, entry_costs
from sim.model.people import CONSUMER
from sim.model.sellers.lifecycle import Roster
from sim.model.state import State


def pitch(state: State, roster: Roster, sellers: np.ndarray) -> None:
    """Today's pitches; the contacts who say yes join under the seller who pitched them."""
    p, g, rng, rules = state.people, state.graph, state.rng, state.params["sellers"]
    incentive = np.array([b.recruit_incentive for b in state.brands])
    rate = state.plans["pitches_per_day"][p.strategy[sellers]] * (1.0 + incentive[p.brand[sellers]])
    pitches = rng.poisson(rate)
    pitcher = np.repeat(sellers, pitches)
    state.counts.pitches += pitcher.size
    if pitcher.size == 0:
        return
    # A uniformly drawn contact: its edge seller -> contact, then the reverse edge.
    out = g.indptr[pitcher] + rng.integers(0, g.degree[pitcher])
    target, edge = g.indices[out], g.rev[out]
    brand = p.brand[pitcher]
    listens = ((p.role[target] == CONSUMER) & ~state.trust.muted[edge]
               & state.policy.may_recruit(p.depth[pitcher], brand))
    # The tier a recruit would join at, and what its first order costs.
    costs = entry_costs(state.brands)
    best = affordable_tier(costs[brand], p.cash[target] * (1.0 - p.risk_aversion[target]))
    tier = np.where(state.plans["loads_recruits"][p.strategy[pitcher]].astype(bool), best, 0)
    cost = costs[brand, tier]
    shown = p.claimed_income[pitcher] / max(state.params["population"]["savings_per_month"], 1.0)
    logit = (rules["recruit_base"]
             + rules["recruit_trust"] * state.trust.overall(edge)
             + rules["recruit_income"] * np.log1p(shown)
             - rules["recruit_cost"] * cost / np.maximum(p.wealth0[target], 1.0)
             - rules["recruit_risk"] * p.risk_aversion[target])
    says_yes = rng.random(pitcher.size) < 1.0 / (1.0 + np.exp(-logit))
    for i in np.flatnonzero(listens & (cost <= p.cash[target]) & says_yes):
        if p.role[target[i]] == CONSUMER:  # not recruited by an earlier pitch today
            b = state.brands[brand[i]]
            roster.enlist(state, int(target[i]), b, int(tier[i]), int(pitcher[i]),
                          roster.draw_strategy(state, b))
