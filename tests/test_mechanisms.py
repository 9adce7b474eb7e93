"""Each mechanism moves outcomes in the direction the domain says, one test each.

Every comparison runs both arms on the same seeds (common random numbers), so the arms
differ by the mechanism, not by noise; means over three seeds.
"""

from __future__ import annotations

import numpy as np
from conftest import EVERYONE_OPEN, bundled, run, series, small

from sim.model import market
from sim.model.metrics import summary
from sim.model.people import NONE, OUTSIDE

SEEDS = (1, 2, 3)


def mean_over_seeds(scenario, measure, days=None) -> float:
    return float(np.mean([measure(run(scenario, seed=s, days=days)) for s in SEEDS]))


def final(key):
    return lambda model: series(model, key)[-1]


def test_worse_quality_lowers_trust_and_brings_complaints():
    # Satisfaction = real quality - promised quality + service: with the promise fixed at 0.8,
    # goods of quality 0.4 disappoint every buyer, goods of 0.9 never do.
    good = small({"brands.0.quality": 0.9})
    poor = small({"brands.0.quality": 0.4})
    assert mean_over_seeds(poor, final("trust_cognitive")) < mean_over_seeds(good, final("trust_cognitive"))
    assert mean_over_seeds(poor, final("mean_trust")) < mean_over_seeds(good, final("mean_trust"))
    complaints = lambda m: series(m, "complaints").sum()  # noqa: E731
    assert mean_over_seeds(poor, complaints) > mean_over_seeds(good, complaints)
    # Good goods disappoint only through noise (satisfaction 0.1 + service + N(0, 0.1)); poor goods
    # disappoint every buyer by ~0.4, so complaints differ by an order of magnitude at least.
    assert mean_over_seeds(good, complaints) * 10 < mean_over_seeds(poor, complaints)


def test_over_posting_ads_lowers_trust_and_gets_sellers_muted():
    # Contacts accept 4 posts a day; 1 ad + 2 lifestyle posts is within it, 8 ads are not.
    moderate = small({"strategies.relationship.ads_per_day": 1.0})
    spam = small({"strategies.relationship.ads_per_day": 8.0})
    assert mean_over_seeds(moderate, final("muted_share")) == 0
    assert mean_over_seeds(spam, final("muted_share")) > 0.2
    trust = final("trust_cognitive")
    assert mean_over_seeds(spam, trust) < mean_over_seeds(moderate, trust)


def test_buyback_makes_seller_losses_smaller():
    # Hoarders quit holding stock; a 90% buyback returns most of its cost instead of nothing.
    plain = bundled("hoarding", {"population.people": 1000, "run.days": 200, **EVERYONE_OPEN})
    backed = bundled("hoarding", {"population.people": 1000, "run.days": 200, **EVERYONE_OPEN,
                                  "brands.0.buyback_share": 0.9, "brands.0.buyback_days": 365})
    mean_profit = lambda m: summary(m)["mean_profit"]  # noqa: E731
    in_loss = lambda m: summary(m)["share_in_loss"]  # noqa: E731
    assert mean_over_seeds(backed, mean_profit) > mean_over_seeds(plain, mean_profit)
    assert mean_over_seeds(backed, in_loss) < mean_over_seeds(plain, in_loss)


def test_recruitment_bonus_brings_more_sellers_and_deeper_trees():
    base = {"population.people": 20000, "run.days": 120, "brands.0.recruit_bonus_share": 0.0}
    unpaid = bundled("pyramid", base)
    paid = bundled("pyramid", {**base, "brands.0.recruit_bonus": 500.0})
    measure = lambda key: (lambda m: summary(m)[key])  # noqa: E731
    assert mean_over_seeds(paid, measure("sellers_ever")) > mean_over_seeds(unpaid, measure("sellers_ever"))
    assert mean_over_seeds(paid, measure("max_depth")) > mean_over_seeds(unpaid, measure("max_depth"))


def test_dumping_spreads_transaction_prices():
    base = {"population.people": 1500}
    no_dump = bundled("hoarding", {**base, "strategies.hoarder.dumps": False,
                                   "strategies.recruiter.dumps": False})
    dump = bundled("hoarding", base)
    dispersion = lambda m: series(m, "price_dispersion").mean()  # noqa: E731
    assert mean_over_seeds(dump, lambda m: summary(m)["units_dumped"]) > 0
    assert mean_over_seeds(dump, dispersion) > mean_over_seeds(no_dump, dispersion)


def test_seeing_dumped_stock_lowers_trust_only_in_dearer_sellers():
    # Two identical markets; in one, discount traders offer dumped stock to every shopper.
    # Shopping itself changes trust only through this comparison, so any change is its doing.
    scenario = small({"market.grey_visibility": 1.0, "population.shop_prob": 1.0})
    plain, offered = (run(scenario, seed=5, days=3) for _ in range(2))
    sellers = offered.people.sellers()
    cheap = sellers[0]
    for model in (plain, offered):
        model.people.price[cheap] = 0.5 * offered.state.grey.price[0]  # one seller undercuts the traders
        p = model.people
        p.using[p.using == OUTSIDE] = NONE  # everyone's shop-bought unit runs out: all shop today
    offered.grey_pool[0] = 1000
    before = offered.trust.cognitive.copy()
    market.shop(plain.state)
    market.shop(offered.state)
    assert np.array_equal(plain.trust.cognitive, before), "no offer seen: trust unchanged"
    g = offered.graph
    dropped = np.flatnonzero(offered.trust.cognitive < before)
    assert dropped.size > 0
    target = g.indices[dropped]
    assert set(target) <= set(sellers) - {cheap}, "only sellers dearer than the offer lose trust"
    assert (offered.people.price[target] > offered.state.grey.price[0]).all()


def test_follow_up_service_brings_more_repeat_purchases():
    def repeat_share(model):
        repeat = series(model, "repeat_rate") * series(model, "retail_units")
        return repeat.sum() / max(series(model, "retail_units").sum(), 1)

    none = small({"strategies.relationship.follow_up": 0.0})
    always = small({"strategies.relationship.follow_up": 1.0})
    assert mean_over_seeds(always, repeat_share) > mean_over_seeds(none, repeat_share)


def test_nobody_buys_what_they_cannot_pay_for():
    # List price 300 against a shop price of 100, savings of about 150 and nothing added: a
    # shopper who can pay the shop cannot always pay a seller; nobody may go below zero.
    scenario = small({"population.wealth_median": 150.0, "population.wealth_sigma": 0.3,
                      "population.savings_per_month": 0.0, "population.price_sensitivity": 0.0,
                      "population.need_share": 1.0, "trust.outside_channel": 0.0,
                      "brands.0.list_price": 300.0, "brands.0.unit_cost": 1.0, "brands.0.founders": 20,
                      "brands.0.tiers.0.first_order": 0.0, "brands.0.tiers.1.first_order": 0.0})
    model = run(scenario, seed=1, days=100)
    assert (model.people.cash >= -1e-6).all()
    assert series(model, "retail_units").sum() > 0, "sellers still sell to those who can pay"
