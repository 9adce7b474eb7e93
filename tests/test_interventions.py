"""Each policy intervention moves outcomes the way its rule says, from its day on."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import EVERYONE_OPEN, bundled, run, series

from sim.model.ledger import KIND
from sim.model.metrics import summary
from sim.model.parameters import POPULATION
from sim.model.scenario import ScenarioError, scenario_from_dict
from sim.model.supply import place_order

SEEDS = (1, 2, 3)
DAY = 40
SMALL = {"population.people": 1000, "run.days": 150, **EVERYONE_OPEN}
# Recruiting at the default openness, in a population large enough that the open pool is not
# used up by day DAY (with everyone open, 1,000 people are all recruited or spent by then).
OPENNESS = {"population.people": 20000,
            **{f"population.{k}": POPULATION[k].default for k in ("open_share", "open_days")}}


def with_intervention(name: str, action: dict, extra: dict | None = None):
    """A bundled scenario with one intervention from DAY (overrides applied first)."""
    scenario = bundled(name, {**SMALL, **(extra or {})})
    raw = scenario.to_dict()
    raw["interventions"] = [{"day": DAY, **action}]
    return scenario_from_dict(raw, f"{name}+{action['action']}")


def mean(scenario, measure) -> float:
    return float(np.mean([measure(run(scenario, seed=s)) for s in SEEDS]))


def entries_after(model, kind: str, day: int = DAY) -> int:
    j = model.ledger.journal()
    return int(((j["kind"] == KIND[kind]) & (j["day"] >= day)).sum())


def test_ban_on_recruitment_bonus_stops_the_pay_and_slows_recruiting():
    base = bundled("pyramid", {**SMALL, **OPENNESS})
    banned = with_intervention("pyramid", {"action": "ban_recruit_bonus"}, OPENNESS)
    model = run(banned, seed=1)
    assert entries_after(model, "recruit_bonus") == 0
    assert entries_after(run(base, seed=1), "recruit_bonus") > 0
    recruits_after = lambda m: series(m, "recruits")[DAY:].sum()  # noqa: E731
    assert mean(banned, recruits_after) < mean(base, recruits_after)


def test_ban_on_team_pay_stops_pay_on_downline_purchases():
    banned = with_intervention("pyramid", {"action": "ban_team_bonus"})
    model = run(banned, seed=1)
    assert entries_after(model, "team_bonus") == 0
    assert entries_after(model, "team_bonus", 0) > 0, "paid before the ban"
    base = bundled("pyramid", SMALL)
    team = lambda m: series(m, "income_team_bonus")[DAY:].sum()  # noqa: E731
    assert mean(banned, team) == 0 < mean(base, team)


def test_mandated_buyback_makes_losses_smaller():
    base = bundled("hoarding", SMALL)
    buyback = with_intervention("hoarding", {"action": "mandate_buyback", "share": 0.9, "days": 365})
    profit = lambda m: summary(m)["mean_profit"]  # noqa: E731
    assert mean(buyback, profit) > mean(base, profit)
    assert entries_after(run(buyback, seed=1), "buyback") > 0


def test_depth_cap_keeps_new_recruits_within_the_cap():
    # Two levels: by day 40 the trees of 1,000 people are two or three deep, so the cap binds.
    capped = with_intervention("pyramid", {"action": "cap_depth", "levels": 2})
    model = run(capped, seed=1)
    p = model.people
    late = p.join_day >= DAY
    assert late.any()
    assert (p.depth[late] <= 1).all(), "level 2 is depth 1 below a founder"
    assert p.depth[p.join_day < DAY].max() > 1, "without the cap, trees were deeper"


def test_ad_cap_means_fewer_mutes():
    base = bundled("pyramid", SMALL)
    capped = with_intervention("pyramid", {"action": "cap_ads", "posts_per_day": 2.0})
    muted = lambda m: series(m, "muted")[DAY:].sum()  # noqa: E731
    assert mean(capped, muted) < mean(base, muted)


def test_crackdown_removes_flagged_sellers():
    crack = with_intervention("pyramid", {"action": "crackdown", "complaints": 3, "spam_posts": 5.0})
    model = run(crack, seed=1)
    assert series(model, "removed")[:DAY].sum() == 0
    assert series(model, "removed")[DAY:].sum() > 0
    p = model.people
    active = p.sellers()
    assert (p.complaints[active] < 3).all() and (p.posts_today[active] <= 5).all()
    base = bundled("pyramid", SMALL)
    sellers = lambda m: series(m, "sellers")[DAY:].mean()  # noqa: E731
    assert mean(crack, sellers) < mean(base, sellers)


def test_dropping_quotas_means_less_stock_bought():
    base = bundled("hoarding", SMALL)
    dropped = with_intervention("hoarding", {"action": "drop_quotas"})
    bought = lambda m: series(m, "brand_units")[DAY:].sum() + series(m, "wholesale_units")[DAY:].sum()  # noqa: E731
    assert mean(dropped, bought) < mean(base, bought)


def test_resale_rule_blocks_reorders_until_stock_is_resold():
    rule = with_intervention("pyramid", {"action": "resale_rule", "share": 0.7})
    model = run(rule, seed=1)
    seller = int(model.people.sellers()[0])
    model.people.bought_units[seller], model.people.resold_units[seller] = 10, 6
    assert not model.state.policy.may_reorder(model.people, seller), "6 of 10 resold is under 70%"
    assert not place_order(model.state, seller, 1, "restock")
    model.people.resold_units[seller] = 7
    assert model.state.policy.may_reorder(model.people, seller)
    base = bundled("pyramid", SMALL)
    reorders = lambda m: sum(  # noqa: E731
        int(((m.ledger.journal()["kind"] == KIND[k]) & (m.ledger.journal()["day"] >= DAY)).sum())
        for k in ("restock", "upgrade"))
    assert mean(rule, reorders) < mean(base, reorders)
    stock = lambda m: series(m, "stock_units")[-1]  # noqa: E731
    assert mean(rule, stock) < mean(base, stock)


@pytest.mark.parametrize("item, words", [
    ({"day": 5, "action": "ban_everything"}, ["interventions.0.action", "ban_recruit_bonus"]),
    ({"day": 5, "action": "cap_depth", "levles": 3}, ["interventions.0.levles", "did you mean 'levels'"]),
    ({"day": -1, "action": "cap_depth"}, ["interventions.0.day"]),
    ({"day": 5, "action": "crackdown", "brand": "nobody"}, ["interventions.0.brand", "nobody"]),
])
def test_bad_interventions_are_one_line_errors(item, words):
    raw = bundled("pyramid").to_dict()
    raw["interventions"] = [item]
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(raw, "x")
    message = str(info.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_bundled_policy_scenarios_improve_on_the_plain_pyramid():
    plain = summary(run(bundled("pyramid"), seed=1))
    regulated = summary(run(bundled("regulated_pyramid"), seed=1))
    crackdown = summary(run(bundled("crackdown"), seed=1))
    assert regulated["share_in_loss"] < plain["share_in_loss"]
    assert regulated["median_profit"] > plain["median_profit"]
    assert crackdown["sellers_ever"] < plain["sellers_ever"]


def test_an_intervention_on_day_zero_is_in_force_from_the_start():
    raw = bundled("pyramid", {"population.people": 500, "run.days": 60}).to_dict()
    raw["interventions"] = [{"day": 0, "action": "cap_depth", "levels": 1}]
    model = run(scenario_from_dict(raw, "capped"), seed=1)
    assert model.state.policy.depth_caps()[0] == 1
    assert (model.people.depth[model.people.ever_sellers()] == 0).all(), "only founders: level 1"


def test_an_intervention_after_the_last_day_loads_and_never_acts():
    # Looking at the start of a scenario is natural: the run goes ahead (with a warning, tested in
    # test_input_limits) and the ban, due after the run's end, never stops the team bonus.
    raw = bundled("pyramid", {"run.days": 60, "population.people": 20000, **EVERYONE_OPEN}).to_dict()
    raw["interventions"] = [{"day": 200, "action": "ban_team_bonus"}]
    model = run(scenario_from_dict(raw, "late"))
    assert model.day == 60
    paid = model.ledger.total_amount
    assert paid[KIND["team_bonus"]] + paid[KIND["buy_in_bonus"]] > 0
