"""The sellers' half of the day: who acts is decided for all sellers at once, then each
acting Seller agent does its deed, one at a time, in the day's random order.

A seller's day runs in phases, and every seller finishes a phase before the next begins:

1. post to Moments (ads, lifestyle posts, income screenshots);
2. keep the tier: every 30 days since joining, meet the restock quota or drop a tier;
3. restock when stock is below half of what expected sales call for;
4. climb a tier, sometimes, when cash allows;
5. pitch the business to contacts; the contacts who say yes join;
6. dump stock when short of cash;
7. quit after a long idle spell, a loss beyond tolerance, or by chance.

The decisions (who is due, who is short, which contact is pitched, who says yes) are array
work over all sellers; only the acts that move stock or money along the tiers (orders, which
ripple up to suppliers; recruits; quits) run one agent at a time, and each act checks its
conditions again, because an earlier act the same day may have changed them (a supplier
drained of stock, a contact already recruited by someone else).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model import interventions
from sim.model.parameters import STRATEGIES
from sim.model.people import CONSUMER, SELLER

if TYPE_CHECKING:
    from sim.model.model import WeishangModel

PLAN_KEYS = ("ads_per_day", "lifestyle_per_day", "income_posts_per_day", "income_exaggeration",
             "pitches_per_day", "optimism", "stock_days", "climbs", "meets_quota", "dumps",
             "loads_recruits")
CLIMB_CHANCE = 0.1  # chance a day that a seller with the cash for the next tier buys it


def plan_table(strategies: dict) -> dict[str, np.ndarray]:
    """Each strategy's plan as arrays indexed by strategy number (`People.strategy`)."""
    return {key: np.array([strategies[name][key] for name in STRATEGIES]) for key in PLAN_KEYS}


def act(model: WeishangModel) -> None:
    """All active sellers' day, phase by phase."""
    order = model.people.sellers()
    model.rng.shuffle(order)
    post_moments(model, order)
    for phase in (keep_tiers, restock, climb, recruit, dump_if_short, quit_if_done):
        phase(model, order[model.people.role[order] == SELLER])


def _by_tier(model: WeishangModel, value, top: bool = True) -> np.ndarray:
    """A (brand, tier) table of value(brand, tier); inf past a brand's tiers (and at its top
    tier when `top` is False, for values about the tier above)."""
    table = np.full(model.tier_price.shape, np.inf)
    for b, brand in enumerate(model.brands):
        for k in range(len(brand.tiers) - (0 if top else 1)):
            table[b, k] = value(brand, k)
    return table


def entry_costs(model: WeishangModel) -> np.ndarray:
    """What joining (or climbing to) each tier costs, yuan, by brand and tier (inf past the top)."""
    return _by_tier(model, lambda b, k: b.order_cost(b.tiers[k]["first_order"], k))


def affordable_tier(costs: np.ndarray, budget: np.ndarray) -> np.ndarray:
    """Per row of tier costs, the highest tier that fits the budget, else the entry tier."""
    fits = costs <= np.asarray(budget)[:, None]
    return np.where(fits.any(axis=1), fits.shape[1] - 1 - np.argmax(fits[:, ::-1], axis=1), 0)


def _counts(rates: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Integer counts with the given means: the whole part, plus one by chance."""
    whole = np.floor(rates)
    return (whole + (draws < rates - whole)).astype(np.int64)


def post_moments(model: WeishangModel, sellers: np.ndarray) -> None:
    """Ads, lifestyle and income posts; an income post shows the month's receipts, exaggerated."""
    p, plan = model.people, model.plans
    s = p.strategy[sellers]
    draws = model.rng.random((3, sellers.size))
    ads = _counts(plan["ads_per_day"][s], draws[0])
    income = _counts(plan["income_posts_per_day"][s], draws[1])
    lifestyle = _counts(plan["lifestyle_per_day"][s], draws[2])
    cap = np.array([np.inf if b.max_posts is None else int(b.max_posts) for b in model.brands])
    cap = cap[p.brand[sellers]]
    over = ads + income > cap  # an ad cap: income posts go first
    income = np.where(over, np.maximum(0, np.minimum(income, cap - ads)), income).astype(np.int64)
    ads = np.where(over, np.minimum(ads, cap), ads).astype(np.int64)
    p.ads_today[sellers] = ads
    p.posts_today[sellers] = ads + income + lifestyle
    posting = income > 0
    who, n = sellers[posting], income[posting]
    recent = model.ledger.seller_receipts[who] - model.receipts_mark[who]
    claim = recent * plan["income_exaggeration"][p.strategy[who]]
    p.claimed_income[who] = claim
    p.claims_total[who] += claim * n
    p.income_posts[who] += n


def keep_tiers(model: WeishangModel, sellers: np.ndarray) -> None:
    """Sellers 30, 60, ... days after joining meet their quota or drop a tier."""
    since = model.day - model.people.join_day[sellers]
    for pid in sellers[(since > 0) & (since % 30 == 0)]:
        model.seller(int(pid)).keep_tier()


def restock(model: WeishangModel, sellers: np.ndarray) -> None:
    """Sellers below half their stock target order up to it (as far as cash allows)."""
    p, plan = model.people, model.plans
    s = p.strategy[sellers]
    target = np.maximum(p.sales_ema[sellers], 0.05) * plan["optimism"][s] * plan["stock_days"][s]
    for pid in sellers[p.stock[sellers] < target / 2]:
        model.seller(int(pid)).restock()


def climb(model: WeishangModel, sellers: np.ndarray) -> None:
    """Climbing sellers with 1.2x the next tier's first order in cash buy it, now and then."""
    p = model.people
    next_order = _by_tier(model, lambda brand, k: brand.tiers[k + 1]["first_order"], top=False)
    wants = model.plans["climbs"][p.strategy[sellers]].astype(bool)
    can = p.cash[sellers] >= 1.2 * next_order[p.brand[sellers], p.tier[sellers]]
    lucky = model.rng.random(sellers.size) < CLIMB_CHANCE
    for pid in sellers[wants & can & lucky]:
        model.seller(int(pid)).climb()


def recruit(model: WeishangModel, sellers: np.ndarray) -> None:
    """Each seller pitches a Poisson number of random contacts; each says yes or no."""
    p, g, rng, rules = model.people, model.graph, model.rng, model.params["sellers"]
    incentive = np.array([b.recruit_incentive for b in model.brands])
    rate = model.plans["pitches_per_day"][p.strategy[sellers]] * (1.0 + incentive[p.brand[sellers]])
    pitches = rng.poisson(rate)
    pitcher = np.repeat(sellers, pitches)
    model.pitches_today += pitcher.size
    if pitcher.size == 0:
        return
    # A uniformly drawn contact: its edge seller -> contact, then the reverse edge.
    out = g.indptr[pitcher] + rng.integers(0, g.degree[pitcher])
    target, edge = g.indices[out], g.rev[out]
    brand = p.brand[pitcher]
    listens = ((p.role[target] == CONSUMER) & ~model.trust.muted[edge]
               & interventions.may_recruit(model, p.depth[pitcher], brand))
    # The tier a recruit would join at, and what its first order costs.
    costs = entry_costs(model)
    best = affordable_tier(costs[brand], p.cash[target] * (1.0 - p.risk_aversion[target]))
    tier = np.where(model.plans["loads_recruits"][p.strategy[pitcher]].astype(bool), best, 0)
    cost = costs[brand, tier]
    shown = p.claimed_income[pitcher] / max(model.params["population"]["savings_per_month"], 1.0)
    logit = (rules["recruit_base"]
             + rules["recruit_trust"] * model.trust.overall(edge)
             + rules["recruit_income"] * np.log1p(shown)
             - rules["recruit_cost"] * cost / np.maximum(p.wealth0[target], 1.0)
             - rules["recruit_risk"] * p.risk_aversion[target])
    says_yes = rng.random(pitcher.size) < 1.0 / (1.0 + np.exp(-logit))
    for i in np.flatnonzero(listens & (cost <= p.cash[target]) & says_yes):
        if p.role[target[i]] == CONSUMER:  # not recruited by an earlier pitch today
            b = model.brands[brand[i]]
            model.enlist(int(target[i]), b, int(tier[i]), int(pitcher[i]), model.draw_strategy(b))


def dump_if_short(model: WeishangModel, sellers: np.ndarray) -> None:
    """Dumping sellers with stock and less cash than the floor dump half their stock."""
    p = model.people
    short = (model.plans["dumps"][p.strategy[sellers]].astype(bool) & (p.stock[sellers] > 0)
             & (p.cash[sellers] < model.params["sellers"]["cash_floor"]))
    for pid in sellers[short]:
        model.seller(int(pid)).dump((int(p.stock[pid]) + 1) // 2)


def quit_if_done(model: WeishangModel, sellers: np.ndarray) -> None:
    """Quit after too long without a sale, a loss beyond tolerance, or by chance.

    A seller judges its loss valuing its stock at what it paid (it hopes to sell it).
    """
    p, rules = model.people, model.params["sellers"]
    idle = model.day - np.maximum(p.last_sale[sellers], p.join_day[sellers])
    position = model.ledger.seller_net[sellers] + p.stock_paid[sellers]
    tolerance = rules["loss_tolerance"] * (1.5 - p.risk_aversion[sellers]) * p.wealth0[sellers]
    chance = model.rng.random(sellers.size) < rules["dropout_per_year"] / 365
    for pid in sellers[(idle > rules["quit_idle_days"]) | (position < -tolerance) | chance]:
        model.retire(model.seller(int(pid)))
