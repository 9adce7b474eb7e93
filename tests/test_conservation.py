"""Money and units are conserved at every step, on many random scenarios (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import WeishangModel, scenario_from_dict
from sim.model.ledger import KIND, SELLER_EARNS, SELLER_PAYS
from sim.model.people import SELLER


@st.composite
def scenarios(draw):
    """Random small scenarios spanning honest, hoarding and pyramid-like plans, and policies."""
    n_tiers = draw(st.integers(1, 4))
    prices = sorted(draw(st.lists(st.floats(0.2, 0.95), min_size=n_tiers, max_size=n_tiers,
                                  unique=True)), reverse=True)
    orders = sorted(draw(st.lists(st.sampled_from([0.0, 100.0, 500.0, 3000.0, 20000.0]),
                                  min_size=n_tiers, max_size=n_tiers)))
    tiers = [{"name": f"t{k}", "price": prices[k], "first_order": orders[k],
              "monthly_quota": draw(st.sampled_from([0.0, 300.0, 2000.0]))} for k in range(n_tiers)]
    brands = []
    for b in range(draw(st.integers(1, 2))):
        brands.append({
            "name": f"b{b}", "list_price": 100.0, "unit_cost": draw(st.sampled_from([5.0, 15.0])),
            "quality": draw(st.floats(0.0, 1.0)), "claim": draw(st.floats(0.0, 1.0)),
            "consumption_days": draw(st.integers(3, 40)),
            "shipping": draw(st.sampled_from(["upline", "brand"])),
            "recruit_bonus": draw(st.sampled_from([0.0, 50.0, 500.0])),
            "recruit_bonus_share": draw(st.sampled_from([0.0, 0.25])),
            "team_bonus": draw(st.sampled_from([[], [0.1], [0.1, 0.05, 0.03]])),
            "buyback_share": draw(st.sampled_from([0.0, 0.9])),
            "buyback_days": draw(st.sampled_from([0, 10, 365])),
            "founders": draw(st.integers(1, 4)), "tiers": tiers,
            "joining_fee": draw(st.sampled_from([0.0, 300.0])),
            "monthly_fee": draw(st.sampled_from([0.0, 100.0, 5000.0])),
            "retail_bonus_share": draw(st.sampled_from([0.0, 0.3])),
            "pool_share": draw(st.sampled_from([0.0, 0.1])),
            "pool_volume": draw(st.sampled_from([0.0, 1000.0])),
            "pool_depth": draw(st.sampled_from([0, 2])),
            "pool_personal_volume": draw(st.sampled_from([0.0, 500.0])),
        })
    mix = {s: draw(st.floats(0.0, 1.0)) for s in ("relationship", "hoarder", "recruiter", "member")}
    mix["recruiter"] += 0.1
    raw = {
        "population": {"people": draw(st.integers(30, 150)), "mean_degree": draw(st.integers(2, 8)),
                       "graph": draw(st.sampled_from(["holme_kim", "watts_strogatz", "barabasi_albert"])),
                       "wealth_median": draw(st.sampled_from([2000.0, 30000.0])),
                       "shop_prob": draw(st.floats(0.05, 1.0)),
                       "open_share": draw(st.sampled_from([0.0, 0.05, 1.0])),
                       "open_per_year": draw(st.sampled_from([0.0, 1.0, 50.0])),
                       "open_days": draw(st.sampled_from([5.0, 60.0]))},
        "sellers": {"mix": mix, "quit_idle": draw(st.floats(0.0, 5.0)),
                    "quit_stock": draw(st.floats(0.0, 1.0)), "quit_loss": draw(st.floats(0.0, 10.0)),
                    "cash_floor": draw(st.sampled_from([0.0, 500.0, 5000.0])),
                    "dropout_per_year": draw(st.floats(0.0, 1.0)),
                    "group_size": draw(st.sampled_from([0, 20, 200]))},
        "market": {"grey_capacity": draw(st.sampled_from([0.0, 20.0, 1000.0]))},
        "strategies": {"recruiter": {"pitches_per_day": draw(st.floats(0.0, 3.0)),
                                     "group_posts_per_day": draw(st.floats(0.0, 2.0)),
                                     "expenses_per_month": draw(st.sampled_from([0.0, 400.0, 1e5]))},
                       "hoarder": {"ads_per_day": draw(st.floats(0.0, 8.0))}},
        "brands": brands,
        "interventions": draw(st.lists(st.fixed_dictionaries({
            "day": st.integers(0, 30),
            "action": st.sampled_from(["ban_recruit_bonus", "ban_team_bonus", "mandate_buyback",
                                       "cap_depth", "cap_ads", "crackdown", "drop_quotas",
                                       "resale_rule"]),
            "levels": st.integers(1, 4), "complaints": st.integers(1, 5)}), max_size=3)),
    }
    return scenario_from_dict(raw, "random"), draw(st.integers(0, 2**32 - 1))


def assert_conserved(model: WeishangModel) -> None:
    ledger, p = model.ledger, model.people
    money, units = ledger.imbalance()
    assert abs(money) <= 1e-9 * ledger.volume() + 1e-6
    assert (units == 0).all()
    # The seller's time is imputed: it leaves a seller's hours on its own account, not its cash.
    assert abs(ledger.imputed.sum()) <= 1e-9 * ledger.volume() + 1e-6
    assert np.allclose(-ledger.imputed[: p.n], ledger.seller_time)
    assert (ledger.seller_time >= 0).all()
    assert (p.cash >= -1e-6).all(), "nobody spends money they do not have"
    assert (p.stock >= 0).all() and (p.home >= 0).all()
    # A person's units in the ledger are their stock for sale plus what they hold at home.
    held = np.zeros((p.n, len(model.brands)), dtype=np.int64)
    sellers = np.flatnonzero(p.stock > 0)
    np.add.at(held, (sellers, p.brand[sellers]), p.stock[sellers])
    home = np.flatnonzero(p.home > 0)
    np.add.at(held, (home, p.using[home]), p.home[home])
    assert (ledger.units[: p.n] == held).all()
    assert (ledger.units[ledger.GREY] == model.grey_pool).all()
    # Units produced (only production takes units from outside) = held by people, brands
    # and discount traders + used up + written off.
    produced = -ledger.units[ledger.EXTERNAL]
    at_brands = np.array([ledger.units[b.account, b.index] for b in model.brands])
    accounted = (held.sum(axis=0) + at_brands + model.grey_pool + ledger.units[ledger.CONSUMED]
                 + ledger.units[ledger.WRITTEN_OFF])
    assert (accounted == produced).all()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.integers(5, 40))
def test_money_and_units_are_conserved_every_day(case, days):
    scenario, seed = case
    model = WeishangModel(scenario, seed=seed)
    assert_conserved(model)
    for _ in range(days):
        model.step()
        assert_conserved(model)
    # Net profit by person, kept as entries are booked, equals a recount of the journal.
    j = model.ledger.journal()
    n = model.people.n
    net = np.zeros(n)
    pays = np.isin(j["kind"], list(SELLER_PAYS)) & (j["payer"] < n)
    earns = np.isin(j["kind"], list(SELLER_EARNS)) & (j["payee"] < n)
    np.subtract.at(net, j["payer"][pays], j["amount"][pays])
    np.add.at(net, j["payee"][earns], j["amount"][earns])
    assert np.allclose(net, model.ledger.seller_net, atol=1e-6)
    hours = np.zeros(n)
    timed = j["kind"] == KIND["time"]
    np.add.at(hours, j["payer"][timed], j["amount"][timed])
    assert np.allclose(hours, model.ledger.seller_time, atol=1e-6)
    # Nobody who never sold has a seller's profit or loss.
    never = model.people.role == 0
    assert np.allclose(model.ledger.seller_net[never], 0.0)
    assert (model.people.role[list(model.roster.sellers)] == SELLER).all()
