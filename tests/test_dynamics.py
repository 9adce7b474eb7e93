"""The dynamics of taking part: openness to a pitch, pitches in group chats, loyal customers who
become partners, dropout as a hazard, the costs of taking part, the leadership pool and the
retail rebate, ex-sellers who rejoin and the seller's time. Each test reasons which way its
mechanism moves an outcome and checks that."""

from __future__ import annotations

import numpy as np
from conftest import EVERYONE_OPEN, bundled, run, series, small

from sim.model.ledger import KIND
from sim.model.metrics import seller_profit
from sim.model.parameters import STRATEGIES

PYRAMID = {"population.people": 20000, "run.days": 150}


def joined(model) -> int:
    """People recruited (founders not counted)."""
    return int((model.people.upline[model.people.ever_sellers()] >= 0).sum())


def mean_over(scenario, measure, seeds=(1, 2)) -> float:
    return float(np.mean([measure(run(scenario, seed=s)) for s in seeds]))


def test_more_openness_means_more_recruits():
    # Only open people listen; twice as many becoming open a year gives more to recruit.
    few = bundled("pyramid", {**PYRAMID, "population.open_per_year": 0.01})
    many = bundled("pyramid", {**PYRAMID, "population.open_per_year": 0.04})
    assert mean_over(many, joined) > mean_over(few, joined)


def test_nobody_open_means_only_loyal_customers_join():
    # With no one open, a pitch is heard only by the seller's loyal customers: none in a pyramid
    # selling poor goods within 150 days, and the founders stay alone.
    closed = bundled("pyramid", {**PYRAMID, "population.open_share": 0.0, "population.open_per_year": 0.0})
    assert joined(run(closed, seed=1)) == 0


def test_openness_fades_and_arrives_at_the_rates_given():
    # open_per_year x open_days / 365 of people are open in the steady state.
    scenario = small({"population.people": 20000, "population.open_share": 0.0,
                      "population.open_per_year": 0.5, "population.open_days": 30.0,
                      "strategies.relationship.pitches_per_day": 0.0, "run.days": 200})
    model = run(scenario, seed=1)
    steady = 0.5 * 30 / 365
    late = series(model, "open_people")[120:] / model.people.n
    assert abs(late.mean() - steady) < 0.25 * steady


def test_group_chat_pitches_bring_more_recruits():
    quiet = bundled("pyramid", {**PYRAMID, "strategies.recruiter.group_posts_per_day": 0.0,
                                "strategies.hoarder.group_posts_per_day": 0.0})
    loud = bundled("pyramid", PYRAMID)
    assert mean_over(loud, joined) > mean_over(quiet, joined)


def test_loyal_customers_become_partners():
    # Honest sellers recruit from the customers who keep buying from them; with the threshold
    # above any possible trust, only people who happen to be open can join.
    base = {"population.people": 5000, "run.days": 200}
    loyal = bundled("honest", base)
    never = bundled("honest", {**base, "sellers.loyal_customer_trust": 1.0, "population.open_share": 0.0,
                               "population.open_per_year": 0.0})
    assert mean_over(never, joined) == 0
    assert mean_over(loyal, joined) > 0


def test_dropout_is_a_hazard_not_a_cliff():
    # No timer: exits are spread over tenure, no five days of tenure hold a large share of them.
    model = run(bundled("pyramid", {"population.people": 30000, "run.days": 365}), seed=1)
    p = model.people
    gone = p.ever_sellers()[(p.exit_day[p.ever_sellers()] >= 0) & (p.upline[p.ever_sellers()] >= 0)]
    tenure = p.exit_day[gone] - p.join_day[gone]
    assert gone.size > 100
    busiest = np.convolve(np.bincount(tenure), np.ones(5), mode="valid").max()
    assert busiest / gone.size < 0.15


def test_idle_months_and_losses_raise_dropout():
    def quit_share(m):
        ever = m.people.ever_sellers()
        return float((m.people.exit_day[ever] >= 0).mean())
    calm = bundled("pyramid", {**PYRAMID, "sellers.quit_idle": 0.0, "sellers.quit_loss": 0.0})
    harsh = bundled("pyramid", {**PYRAMID, "sellers.quit_idle": 1.0, "sellers.quit_loss": 10.0})
    assert mean_over(harsh, quit_share) > mean_over(calm, quit_share)


def test_costs_of_taking_part_are_booked_and_lower_profits():
    free = small({**EVERYONE_OPEN, "strategies.relationship.expenses_per_month": 0.0})
    costly = small({**EVERYONE_OPEN, "strategies.relationship.expenses_per_month": 300.0,
                    "brands.0.monthly_fee": 100.0, "brands.0.joining_fee": 200.0})
    paid, free_run = run(costly, seed=1), run(free, seed=1)
    total = paid.ledger.total_amount
    assert total[KIND["expense"]] > 0 and total[KIND["fee"]] > 0
    assert free_run.ledger.total_amount[KIND["expense"]] == 0
    # every recruit paid the joining fee once
    fees = paid.ledger.journal()
    joins = int((fees["kind"] == KIND["fee"]).sum())
    assert joins >= len(paid.people.ever_sellers())
    profit = lambda m: float(seller_profit(m.state, m.people.ever_sellers()).mean())  # noqa: E731
    assert mean_over(costly, profit) < mean_over(free, profit)


# A pyramid where quitting is quick and everyone who could join is open from day 0 on: many quit
# early, and with no rest an ex-seller can be pitched again at once.
CHURN = {**PYRAMID, "run.days": 200, "population.open_per_year": 365.0, "population.open_days": 100_000.0,
         "sellers.dropout_per_year": 1.0, "sellers.quit_idle": 1.0}


def test_ex_sellers_rejoin_after_a_rest_and_reopen_their_own_account():
    model = run(bundled("pyramid", {**CHURN, "population.rejoin_after_days": 0.0}), seed=1)
    p = model.people
    again = np.flatnonzero(p.spells > 1)
    assert again.size > 0
    # The same account: first join and recruiter kept, the first exit on record, selling again
    # (or out again after a later exit), and its spell began after its first exit.
    assert (p.join_day[again] >= 0).all() and (p.first_exit_day[again] >= p.join_day[again]).all()
    assert (p.spell_start[again] >= p.first_exit_day[again]).all()
    assert ((p.exit_day[again] == -1) | (p.exit_day[again] >= p.spell_start[again])).all()
    # No recruitment bonus for reopening an account: one per recruit, as before.
    j = model.ledger.journal()
    bonus = j["ref"][j["kind"] == KIND["recruit_bonus"]]
    assert np.unique(bonus).size == bonus.size
    # The tree stays a tree: walking up from anyone reaches a founder.
    for pid in again:
        seen, a = set(), int(pid)
        while a >= 0:
            assert a not in seen
            seen.add(a)
            a = int(p.upline[a])


def test_a_rest_longer_than_the_run_keeps_quitters_out():
    model = run(bundled("pyramid", {**CHURN, "population.rejoin_after_days": 1000.0}), seed=1)
    p = model.people
    assert (p.exit_day[p.ever_sellers()] >= 0).sum() > 0
    assert (p.spells <= 1).all()
    assert series(model, "rejoins").sum() == 0


def test_sellers_time_is_booked_at_the_wage_and_moves_no_cash():
    # Time is imputed: valuing it differently leaves every cash outcome as it was, and a seller's
    # booked time is its hours x wage x days of selling.
    cheap = run(bundled("pyramid", {**PYRAMID, "population.hourly_wage": 0.0}), seed=1)
    dear = run(bundled("pyramid", {**PYRAMID, "population.hourly_wage": 20.0}), seed=1)
    assert cheap.ledger.seller_time.sum() == 0 and dear.ledger.seller_time.sum() > 0
    assert np.array_equal(cheap.ledger.seller_net, dear.ledger.seller_net)
    assert np.array_equal(cheap.people.exit_day, dear.people.exit_day)
    p = dear.people
    ever = p.ever_sellers()
    gone = ever[(p.exit_day[ever] >= 0) & (p.spells[ever] == 1)]
    hours = np.array([dear.params["strategies"][STRATEGIES[k]]["hours_per_day"] for k in p.strategy[gone]])
    expected = hours * 20.0 * (p.exit_day[gone] - p.join_day[gone])
    assert gone.size > 10
    assert np.allclose(dear.ledger.seller_time[gone], expected, atol=0.01 * 30)
    # In loss after time: those whose net profit does not cover their hours; with time worth
    # nothing, that is the cash share in loss.
    profit = seller_profit(dear.state, ever)
    behind = profit < dear.ledger.seller_time[ever]
    assert dear.summary()["share_in_loss_after_time"] == behind.mean()
    assert cheap.summary()["share_in_loss_after_time"] == cheap.summary()["share_in_loss"]


def test_leadership_pool_pays_only_qualified_leaders_and_a_ban_stops_it():
    pooled = bundled("pyramid", {**PYRAMID, "brands.0.pool_share": 0.05, "brands.0.pool_volume": 20000.0})
    model = run(pooled, seed=1)
    j = model.ledger.journal()
    rank = j["kind"] == KIND["rank_bonus"]
    assert rank.any()
    paid_to = np.unique(j["payee"][rank])
    assert (model.people.recruits[paid_to] > 0).all(), "only sellers with a downline have group volume"
    raw = pooled.to_dict()
    raw["interventions"] = [{"day": 0, "action": "ban_team_bonus"}]
    from sim import scenario_from_dict
    banned = run(scenario_from_dict(raw, "banned"), seed=1)
    assert banned.ledger.total_amount[KIND["rank_bonus"]] == 0


def test_leaders_who_do_not_buy_themselves_do_not_share_the_pool():
    # Qualification by personal volume too: asking more of a leader's own purchases than anyone
    # buys in 30 days leaves nobody qualified, though group volume alone would qualify some.
    base = {**PYRAMID, "brands.0.pool_share": 0.05, "brands.0.pool_volume": 20000.0}
    some = run(bundled("pyramid", {**base, "brands.0.pool_personal_volume": 1000.0}), seed=1)
    none = run(bundled("pyramid", {**base, "brands.0.pool_personal_volume": 1e11}), seed=1)
    assert none.ledger.total_amount[KIND["rank_bonus"]] == 0
    assert some.ledger.total_amount[KIND["rank_bonus"]] > 0


def test_team_bonus_on_buy_ins_and_on_restocks_is_booked_apart():
    # One level of team bonus at 10%: what is paid on entry orders and upgrades is at most 10% of
    # those orders (ancestors who quit forfeit theirs, founders have no upline), and likewise
    # for restocks; a pyramid whose sellers both join and restock pays both.
    model = run(bundled("pyramid", {**PYRAMID, "brands.0.team_bonus": [0.1]}), seed=1)
    total = model.ledger.total_amount
    buy_ins = total[KIND["entry_order"]] + total[KIND["upgrade"]]
    assert 0 < total[KIND["buy_in_bonus"]] <= 0.1 * buy_ins + 1e-6
    assert 0 < total[KIND["team_bonus"]] <= 0.1 * total[KIND["restock"]] + 1e-6
    banned = bundled("pyramid", {**PYRAMID, "brands.0.team_bonus": []})
    assert run(banned, seed=1).ledger.total_amount[KIND["buy_in_bonus"]] == 0


def test_retail_rebate_is_the_share_of_retail_given():
    scenario = small({**EVERYONE_OPEN, "brands.0.retail_bonus_share": 0.3})
    model = run(scenario, seed=1)
    total = model.ledger.total_amount
    assert total[KIND["retail"]] > 0
    assert np.isclose(total[KIND["retail_bonus"]], 0.3 * total[KIND["retail"]], rtol=1e-6)


def test_discount_members_use_their_own_stock_and_sell_nothing():
    scenario = small({**EVERYONE_OPEN, "sellers.mix": {"relationship": 0.5, "member": 0.5},
                      "strategies.relationship.pitches_per_day": 1.0})
    model = run(scenario, seed=1)
    p = model.people
    member = np.flatnonzero((p.role != 0) & (p.strategy == STRATEGIES.index("member")))
    assert member.size > 0
    assert series(model, "own_use_units").sum() > 0
    assert p.needs[member].all(), "who joins for the discount uses the product"
    j = model.ledger.journal()
    sold = (j["kind"] == KIND["retail"]) & np.isin(j["payee"], member)
    assert not sold.any(), "members post no ads and sell nothing"
