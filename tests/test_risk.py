"""Pyramid-risk indicators on small hand-built networks; every expected value is worked by hand."""

from __future__ import annotations

import random
from datetime import date

import pandas as pd
import pytest

from sim.risk.indicators import RULE, SPEC, Indicator, evidence, overall, score
from sim.risk.schema import FRAMES, STOCK_ORDER_KINDS, NetworkData
from sim.risk.spec import VERDICTS
from sim.risk.tree import UplineTree, find_cycle

DTYPES = FRAMES  # the in-memory column types of NetworkData


def P(pid: str, up: str = "", join: int = 0, exit: int = -1, tier: str = "t1") -> dict:
    return {"id": pid, "upline_id": up, "join_day": join, "exit_day": exit, "tier": tier}


def od(day: int, buyer: str, seller: str, units: int, price: float, kind: str,
       bip: bool | None = None) -> dict:
    """An order; buyer_is_participant defaults to True for stock orders, False otherwise."""
    bip = kind in STOCK_ORDER_KINDS if bip is None else bip
    return {"day": day, "buyer_id": buyer, "seller_id": seller, "units": units, "unit_price": price,
            "kind": kind, "buyer_is_participant": bip}


def pay(day: int, payee: str, amount: float, reason: str, source: str = "") -> dict:
    return {"day": day, "payee_id": payee, "amount": amount, "reason": reason, "source_id": source}


def frame(rows: list[dict], name: str) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(DTYPES[name]))
    if "brand" in df:
        df["brand"] = "b"
    return df.astype(DTYPES[name])


def net(people: list[dict], orders: list[dict] = (), payouts: list[dict] = (), claims: list[dict] = (),
        days: int = 365) -> NetworkData:
    return NetworkData(participants=frame(people, "participants"), orders=frame(list(orders), "orders"),
                       payouts=frame(list(payouts), "payouts"), claims=frame(list(claims), "claims"),
                       start_date=date(2025, 1, 1), days=days)


def ind(data: NetworkData, key: str) -> Indicator:
    return score(data)[key]


# -- 1. retail reach ----------------------------------------------------------------------------
def test_retail_reach_units_to_end_users_over_brand_units_net_of_buyback():
    # A buys 100 from the brand, sells 40 to end users and 10 to participant B, and the brand
    # takes 20 back: reach = 40 / (100 - 20) = 0.5 -- not below 0.5, but below 0.7: elevated.
    d = net([P("A"), P("B", "A")], [
        od(0, "A", "brand", 100, 5, "entry"), od(10, "x1", "A", 40, 10, "retail"),
        od(11, "B", "A", 10, 10, "retail", True), od(50, "brand", "A", 20, 4, "buyback")])
    i = ind(d, "retail_reach")
    assert i.value == pytest.approx(0.5) and i.verdict == "elevated"
    assert i.detail["end_user_units"] == 40 and i.detail["buyback_units"] == 20
    # 20 of 100 reach end users: high; 80 of 100: low.
    assert ind(net([P("A")], [od(0, "A", "brand", 100, 5, "entry"), od(9, "x", "A", 20, 9, "retail")]),
               "retail_reach").verdict == "high"
    assert ind(net([P("A")], [od(0, "A", "brand", 100, 5, "entry"), od(9, "x", "A", 80, 9, "retail")]),
               "retail_reach").verdict == "low"


def test_retail_reach_is_na_without_brand_purchases():
    i = ind(net([P("A")]), "retail_reach")
    assert i.value is None and i.verdict == "n/a"


# -- 2. recruiting income share -----------------------------------------------------------------
def test_seller_living_on_retail_margin_scores_zero_recruiting_share():
    # All of A's receipts are retail to end users (3 sales of 20 units at 15): share 0, low.
    d = net([P("A")], [od(0, "A", "brand", 60, 10, "entry")] + [od(d, f"c{d}", "A", 20, 15, "retail")
                                                                for d in (5, 10, 15)])
    i = ind(d, "recruiting_income_share")
    assert i.value == 0.0 and i.verdict == "low"


def test_recruiting_share_counts_wholesale_retail_to_participants_and_bonuses():
    # A's receipts: B's entry order 50 x 12 = 600 (wholesale), a recruit bonus 100, B buying
    # 2 units at retail 2 x 20 = 40, retail to end users 10 x 20 = 200, and a dump 5 x 5 = 25.
    # Recruiting = 600 + 100 + 40 = 740; share = 740 / (740 + 200) = 0.787 (high); the dump is
    # neither and shows in the detail.
    d = net([P("A"), P("B", "A", 3)], [
        od(0, "A", "brand", 100, 10, "entry"), od(3, "B", "A", 50, 12, "entry"),
        od(4, "B", "A", 2, 20, "retail", True), od(5, "x", "A", 10, 20, "retail"),
        od(6, "market", "A", 5, 5, "dump")], [pay(3, "A", 100, "recruit_bonus", "B")])
    i = ind(d, "recruiting_income_share")
    assert i.value == pytest.approx(740 / 940) and i.verdict == "high"
    assert i.detail["yuan_by_source"]["dump"] == 25
    assert i.detail["yuan_by_source"]["retail_participants"] == 40


# -- 3. entry loading ---------------------------------------------------------------------------
def test_entry_loading_first_in_first_out():
    # A's entry: 100 units on day 0; resale 30 (day 20), 20 (day 60), 10 (day 100), then an
    # upgrade of 100 on day 200 and 40 sold on day 250. First in, first out: by day 90 the
    # entry has 50 sold; by day 290 resale totals 100, which all goes to the entry's 100 units,
    # so none of the upgrade is sold: A's own share unsold after 90 days is (200 - 50) / 200.
    # After 30 days: entry 30 sold; by day 230 only 60 resold (< 100 bought before): 0 of it.
    d = net([P("A"), P("B", "A")], [
        od(0, "A", "brand", 100, 5, "entry"), od(20, "x", "A", 30, 9, "retail"),
        od(60, "B", "A", 20, 6, "entry"), od(100, "y", "A", 10, 9, "retail"),
        od(200, "A", "brand", 100, 4, "upgrade"), od(250, "z", "A", 40, 9, "retail")])
    i = ind(d, "entry_loading")
    # B's entry of 20 (day 60) has no resale at all: 90-day unsold = (150 + 20) / 220.
    assert i.value == pytest.approx(170 / 220) and i.verdict == "high"
    assert i.detail["unsold_after_30_days"] == pytest.approx((170 + 20) / 220)
    # Entry orders: 100 and 20 units, median 60. Retail to end users per seller: only A, 80
    # units over 365/30 months = 6.575 a month; 60 / 6.575 = 9.1 months of retail.
    assert i.detail["median_entry_units"] == 60
    assert i.detail["median_entry_in_months_of_retail"] == pytest.approx(60 / (80 / (365 / 30)))


def test_entry_loading_half_unsold_is_elevated_and_young_orders_are_censored():
    # 100 in, 50 resold within 90 days: 0.5 is not above 0.5, so elevated.
    d = net([P("A")], [od(0, "A", "brand", 100, 5, "entry"), od(90, "x", "A", 50, 9, "retail")])
    assert ind(d, "entry_loading").verdict == "elevated"
    # An entry on day 300 of 365 cannot be judged at 90 days (n/a) but can at 30 (all unsold).
    i = ind(net([P("A", join=300)], [od(300, "A", "brand", 10, 5, "entry")]), "entry_loading")
    assert i.value is None and i.verdict == "n/a" and i.detail["unsold_after_30_days"] == 1.0


# -- 4. team pay --------------------------------------------------------------------------------
def test_team_pay_absent_is_low():
    i = ind(net([P("A"), P("B", "A")], payouts=[pay(1, "A", 50, "recruit_bonus", "B")]), "team_pay")
    assert i.value == 0.0 and i.verdict == "low" and "No team bonus" in i.explanation


def test_team_pay_present_is_high_and_levels_are_tree_distance():
    # Chain A <- B <- C <- D. Team bonus to A on D's purchase: 3 levels; to B on D's: 2.
    # Team yuan 10 + 20 = 30 of 30 + 100 recruit bonus: share 30/130. A payout naming no source
    # and one naming someone outside the payee's downline have unknown level.
    people = [P("A"), P("B", "A"), P("C", "B"), P("D", "C")]
    payouts = [pay(5, "A", 10, "team_bonus", "D"), pay(5, "B", 20, "team_bonus", "D"),
               pay(4, "C", 100, "recruit_bonus", "D")]
    i = ind(net(people, payouts=payouts), "team_pay")
    assert i.value == pytest.approx(30 / 130) and i.verdict == "high"
    assert i.detail["levels"] == 3 and i.detail["deeper_than_3_levels"] is False
    odd = [pay(6, "A", 1, "team_bonus", ""), pay(6, "D", 1, "team_bonus", "A")]
    j = ind(net(people, payouts=payouts + odd), "team_pay")
    assert j.detail["unknown_level_payouts"] == 2 and j.detail["levels"] == 3


# -- 5. largest tree (2013 joint opinion) -------------------------------------------------------
def tree(size: int, levels: int) -> list[dict]:
    """An organiser R, one person under it, the rest on level 3 (or, for 2 levels, all under R)."""
    if levels == 2:
        return [P("R")] + [P(f"p{k}", "R") for k in range(size - 1)]
    return [P("R"), P("C", "R")] + [P(f"g{k}", "C") for k in range(size - 2)]


def test_30_people_in_3_levels_trips_the_2013_threshold():
    i = ind(net(tree(30, 3)), "largest_tree")
    assert i.value == 30 and i.detail["levels"] == 3 and i.verdict == "high"
    # Only R's own downline qualifies: C's is 29 people in 2 levels.
    assert i.detail["organisers_over_threshold"] == 1 and i.detail["serious"] is False


def test_29_people_in_3_levels_does_not():
    i = ind(net(tree(29, 3)), "largest_tree")
    assert i.value == 29 and i.verdict == "low"


def test_30_people_in_2_levels_does_not():
    i = ind(net(tree(30, 2)), "largest_tree")
    assert i.value == 30 and i.detail["levels"] == 2 and i.verdict == "elevated"  # 30 people: one limb


def test_serious_from_120_people_or_2_5_million_yuan():
    assert ind(net(tree(120, 3)), "largest_tree").detail["serious"] is True
    assert ind(net(tree(119, 3)), "largest_tree").detail["serious"] is False
    # 30 people whose orders total 2,500,000 yuan (a 25,000-unit order at 100 yuan).
    rich = net(tree(30, 3), [od(0, "g0", "brand", 25_000, 100.0, "entry")])
    i = ind(rich, "largest_tree")
    assert i.detail["taken_in_yuan"] == 2_500_000 and i.detail["serious"] is True
    assert "serious" in i.explanation


def test_chain_deeper_than_3_levels_is_elevated():
    i = ind(net([P("A"), P("B", "A"), P("C", "B"), P("D", "C")]), "largest_tree")
    assert i.detail["levels"] == 4 and i.verdict == "elevated"


# -- 6. payout ratio ----------------------------------------------------------------------------
def payout_case(bonus: float) -> NetworkData:
    # Retail to end users: 100 units at 10 = 1,000 yuan.
    return net([P("A")], [od(0, "A", "brand", 100, 5, "entry"), od(9, "x", "A", 100, 10, "retail")],
               [pay(9, "A", bonus, "other")] if bonus else [])


def test_payout_ratio_exactly_30_percent_is_not_high():
    i = ind(payout_case(300), "payout_ratio")
    assert i.value == pytest.approx(0.30) and i.verdict == "elevated"
    assert ind(payout_case(301), "payout_ratio").verdict == "high"
    assert ind(payout_case(150), "payout_ratio").verdict == "low"
    assert ind(payout_case(0), "payout_ratio").value == 0.0


def test_payouts_without_retail_are_high():
    i = ind(net([P("A"), P("B", "A")], payouts=[pay(1, "A", 50, "recruit_bonus", "B")]), "payout_ratio")
    assert i.value is None and i.verdict == "high"


# -- 7. stock days ------------------------------------------------------------------------------
def test_stock_days_known_stock_and_sales():
    # 100 days. A buys 1,000; sells 10 at retail on day 5 (before the last 90 days, days 10-99)
    # and 90 on day 50; dumps 100. B sells 5 units it never bought (floored at 0, not -5).
    # Stock = 1000 - 100 - 100 = 800; recent retail = (90 + 5) / 90 a day; 800 * 90 / 95 days.
    d = net([P("A"), P("B")], [
        od(0, "A", "brand", 1000, 5, "entry"), od(5, "x", "A", 10, 9, "retail"),
        od(50, "y", "A", 90, 9, "retail"),
        od(60, "market", "A", 100, 3, "dump"), od(70, "z", "B", 5, 9, "retail")], days=100)
    i = ind(d, "stock_days")
    assert i.value == pytest.approx(800 * 90 / 95) and i.verdict == "high"
    assert i.detail["stock"] == 800


def test_stock_days_thresholds_and_no_sales():
    # 90 days; 45 units sold to end users in the window (0.5 a day); stock 100 -> 200 days.
    def case(stock_left: int, sold: int = 45) -> NetworkData:
        orders = [od(0, "A", "brand", stock_left + sold, 5, "entry")]
        return net([P("A")], orders + ([od(30, "x", "A", sold, 9, "retail")] if sold else []), days=90)
    at_180 = ind(case(90), "stock_days")
    assert at_180.value == pytest.approx(180) and at_180.verdict == "elevated"  # 180 is not above 180
    assert ind(case(31), "stock_days").verdict == "elevated"  # 62 days
    assert ind(case(30), "stock_days").verdict == "low"  # 60 days: not above 60
    assert ind(case(100, sold=0), "stock_days").verdict == "high"  # stock and no sales at all


# -- 8. the 70% reorder rule --------------------------------------------------------------------
def test_reorder_before_70_known_sequence():
    # A: entry 100 (day 0). Sold 50 (day 10). Restock 100 (day 20): 50 of 100 resold < 70: flagged.
    # Sold 100 (day 30; 150 in all). Restock 50 (day 40): 150 of 200 >= 140: not flagged.
    # Upgrade 100 (day 50): 150 of 250 < 175: flagged. Sold 200 on day 60 and a restock the
    # same day: same-day sales count as after the order, so 150 of 350: flagged. 3 of 4 = 0.75.
    d = net([P("A")], [
        od(0, "A", "brand", 100, 5, "entry"), od(10, "x", "A", 50, 9, "retail"),
        od(20, "A", "brand", 100, 5, "restock"), od(30, "y", "A", 100, 9, "retail"),
        od(40, "A", "brand", 50, 5, "restock"), od(50, "A", "brand", 100, 4, "upgrade"),
        od(60, "z", "A", 200, 9, "retail"), od(60, "A", "brand", 10, 4, "restock")])
    i = ind(d, "reorder_before_70")
    assert i.value == pytest.approx(0.75) and i.detail == {"n": 4, "flagged": 3} and i.verdict == "high"


def test_reorder_is_na_without_reorders():
    assert ind(net([P("A")], [od(0, "A", "brand", 1, 5, "entry")]), "reorder_before_70").verdict == "n/a"


# -- 9. share in loss ---------------------------------------------------------------------------
def loss_case() -> NetworkData:
    # A (t2): paid 100 x 10 = 1,000; got B's entry 60 x 10 = 600, retail 30 x 20 = 600, C's own-use
    #   purchase 1 x 20 and B's 1 x 20 after B quit (as a consumer): net +240.
    # B (t1, join 10, quits day 200): paid 600; retail 10 x 10 = 100: net -500 (50 units left,
    #   at cost 500: 0 counting stock). Its purchase after quitting is not a business cost.
    # C (t1, join 100): a 50-yuan recruit bonus; a 20-yuan own-use purchase (not counted): +50.
    # D (t1, join 100): paid 30 x 10 = 300 to the brand; dumped 20 x 5 = 100: net -200 (10
    #   units left at cost 100: -100).
    return net([P("A", tier="t2"), P("B", "A", 10, 200), P("C", "A", 100), P("D", "C", 100)], [
        od(0, "A", "brand", 100, 10, "entry"), od(10, "B", "A", 60, 10, "entry"),
        od(12, "x", "A", 30, 20, "retail"), od(20, "y", "B", 10, 10, "retail"),
        od(150, "C", "A", 1, 20, "retail", True), od(250, "B", "A", 1, 20, "retail", False),
        od(100, "D", "brand", 30, 10, "entry"), od(120, "market", "D", 20, 5, "dump")],
        [pay(100, "C", 50, "recruit_bonus", "D")])


def test_share_in_loss_by_tier_and_cohort():
    i = ind(loss_case(), "share_in_loss")
    # B and D lose: 2 of 4 = 0.5, not above 0.5: elevated. Counting stock at cost only D: 0.25.
    assert i.value == 0.5 and i.verdict == "elevated" and i.detail["share_in_loss_stock_at_cost"] == 0.25
    tiers = {r["tier"]: r for r in i.detail["by_tier"]}
    assert tiers["t1"]["n"] == 3 and tiers["t1"]["share_in_loss"] == pytest.approx(2 / 3)
    assert tiers["t1"]["median_net"] == -200 and tiers["t2"]["median_net"] == 240
    cohorts = {r["cohort_start_day"]: r for r in i.detail["by_cohort"]}  # joined days 0-89 and 90-179
    assert cohorts[0]["n"] == 2 and cohorts[90]["share_in_loss"] == 0.5
    e = evidence(loss_case())
    assert set(e["loss_by_tier"]["tier"]) == {"t1", "t2"} and e["loss_by_cohort"]["n"].sum() == 4


def test_loss_by_tier_is_in_rank_order_not_by_name():
    # A tier ladder is a price ladder: "zinc" members pay 9 a unit, "apex" 5, "mid" 7 (their latest
    # stock order counts: M was "zinc" at 9, then upgraded to "mid" at 7). Lowest tier first:
    # zinc, mid, apex -- the names alone would sort apex, mid, zinc. "idle" bought no stock: lowest.
    people = [P("A", tier="apex"), P("M", "A", tier="mid"), P("Z", "M", tier="zinc"),
              P("I", "A", tier="idle")]
    d = net(people, [od(0, "A", "brand", 100, 5, "entry"), od(1, "M", "A", 10, 9, "entry"),
                     od(5, "M", "A", 10, 7, "upgrade"), od(6, "Z", "M", 10, 9, "entry")])
    table = evidence(d)["loss_by_tier"]
    assert table["tier"].tolist() == ["idle", "zinc", "mid", "apex"]
    assert table["rank"].tolist() == [1, 2, 3, 4]
    assert [r["tier"] for r in ind(d, "share_in_loss").detail["by_tier"]] == table["tier"].tolist()


def test_a_period_before_anyone_joined_scores_without_error():
    # The window before an early intervention can hold no participant: every indicator still gives
    # a verdict (n/a where nothing can be measured), and no tree, tier or cohort table has rows.
    d = net([P("A", join=50)], [od(50, "A", "brand", 10, 5, "entry")], days=100).window(0, 10)
    r = score(d)
    assert len(d.participants) == 0 and r["largest_tree"].verdict == "n/a"
    assert r["share_in_loss"].value is None
    assert all(len(t) == 0 for t in evidence(d).values())


def test_stock_days_past_ten_years_are_not_spelled_out():
    # 1,000 units held, 1 unit sold to an end user in the last 90 days: 90,000 days of sales. The
    # explanation says only that it is more than ten years (sales have all but stopped).
    d = net([P("A")], [od(0, "A", "brand", 1001, 5, "entry"), od(300, "x", "A", 1, 9, "retail")])
    i = ind(d, "stock_days")
    assert i.value == pytest.approx(90_000) and i.verdict == "high"
    assert "more than 3,650 days" in i.explanation and "90,000" not in i.explanation


def test_people_in_under_90_days_are_too_new_to_judge():
    # E joined on day 300 of 365 and has not sold its entry yet (-100): shown in the tables and in
    # share_in_loss_everyone (3 of 5), but the indicator judges the 4 others: 2 of 4.
    d = loss_case()
    d.participants.loc[len(d.participants)] = {"id": "E", "upline_id": "D", "join_day": 300, "exit_day": -1,
                                               "tier": "t1", "brand": "b"}
    d.orders.loc[len(d.orders)] = od(300, "E", "D", 10, 10, "entry") | {"brand": "b"}
    i = ind(d, "share_in_loss")
    assert i.value == 0.5 and i.detail["n"] == 4 and i.detail["share_in_loss_everyone"] == 0.6
    new = net([P("A", join=300)], [od(300, "A", "brand", 1, 5, "entry")])
    assert ind(new, "share_in_loss").verdict == "n/a"


# -- 10. claims vs. earned ----------------------------------------------------------------------
def test_no_claims_is_na():
    i = ind(loss_case(), "claims_vs_earned")
    assert i.value is None and i.verdict == "n/a"


def test_claims_vs_earned_known_ratio():
    # 90 days. A active days 0-89 (3 months), received 3,000 yuan: 1,000 a month, claims 3,000.
    # B active days 0-89, received 600: 200 a month, claims 1,000. C posted nothing (ignored).
    # Mean claimed 2,000 / mean earned 600 = 3.33: high.
    d = net([P("A"), P("B"), P("C")], [
        od(0, "A", "brand", 400, 1, "entry"), od(5, "x", "A", 300, 10, "retail"),
        od(0, "B", "brand", 100, 1, "entry"), od(5, "y", "B", 60, 10, "retail")],
        claims=[{"participant_id": "A", "income_posts": 4, "mean_claimed_monthly_income": 3000.0},
                {"participant_id": "B", "income_posts": 2, "mean_claimed_monthly_income": 1000.0},
                {"participant_id": "C", "income_posts": 0, "mean_claimed_monthly_income": 0.0}], days=90)
    i = ind(d, "claims_vs_earned")
    assert i.value == pytest.approx(2000 / 600) and i.verdict == "high" and i.detail["n"] == 2
    table = evidence(d)["claims_vs_earned"].set_index("participant_id")
    assert table.loc["A", "earned_monthly"] == pytest.approx(1000)


# -- overall rule and the whole report ----------------------------------------------------------
def fake(key: str, verdict: str) -> Indicator:
    return Indicator(key, key, None, "", "", verdict, "", "", {})


@pytest.mark.parametrize(("verdicts", "expected"), [
    ({"largest_tree": "high"}, "elevated"),                     # a big tree alone is no pyramid form
    ({"largest_tree": "high", "team_pay": "high"}, "high"),     # ... with team pay it is
    ({"team_pay": "high", "stock_days": "high"}, "high"),       # two highs
    ({"team_pay": "high"}, "elevated"),                         # one high
    ({"team_pay": "elevated", "stock_days": "elevated", "share_in_loss": "elevated"}, "elevated"),
    ({"team_pay": "elevated", "stock_days": "elevated", "share_in_loss": "n/a"}, "low"),
    ({"team_pay": "low"}, "low"),
])
def test_overall_rule(verdicts: dict, expected: str):
    assert overall([fake(k, v) for k, v in verdicts.items()]) == expected


def test_honest_network_is_low_and_pyramid_is_high():
    # Honest: A and B (under A) each buy 10 units at 5 from the brand, then 10 more every 50
    # days, and sell 2 at 10 every 10 days to customers (72 of 80 units); no bonuses.
    orders = [od(d, s, "brand", 10, 5, "entry" if d == 0 else "restock") for d in range(0, 365, 50)
              for s in ("A", "B")]
    orders += [od(d, f"c{d}", s, 2, 10, "retail") for d in range(5, 360, 10) for s in ("A", "B")]
    honest = net([P("A"), P("B", "A")], orders)
    r = score(honest)
    assert r.overall == "low", [(i.key, i.verdict) for i in r.indicators]
    # Pyramid: 40 people in 3 levels load up on entry stock, sell nothing, earn bonuses.
    people = tree(40, 3)
    orders = [od(0, p["id"], p["upline_id"] or "brand", 100, 10, "entry") for p in people]
    payouts = [pay(0, p["upline_id"], 300, "recruit_bonus", p["id"]) for p in people if p["upline_id"]]
    r = score(net(people, orders, payouts))
    assert r.overall == "high" and r["largest_tree"].verdict == "high" and r.rule == RULE


def test_every_indicator_is_complete():
    r = score(loss_case())
    assert [i.key for i in r.indicators] == list(SPEC)
    for i in r.indicators:
        assert i.verdict in (*VERDICTS, "n/a") and i.basis and i.threshold and i.name
        assert i.explanation.count(".") >= 1 and "{" not in i.explanation
    e = evidence(loss_case())
    assert set(e) == {"income_by_source", "loss_by_tier", "loss_by_cohort", "trees", "stock_days",
                      "claims_vs_earned"}
    assert e["trees"].loc[0, "size"] == 4 and e["trees"].loc[0, "levels"] == 3


# -- the upline tree, against its definition ----------------------------------------------------
def paths(people: list[dict]) -> dict[str, tuple[str, ...]]:
    """Each participant's chain from its top-of-tree organiser down to itself, walked in row order
    (a cycle is cut where the walk comes back to itself): the definition the tree arrays follow."""
    up = {p["id"]: p["upline_id"] for p in people}
    path: dict[str, tuple[str, ...]] = {}
    for pid in up:
        chain, x = [], pid
        while x in up and x not in path and x not in chain:
            chain.append(x)
            x = up[x]
        base = path.get(x, ())
        for node in reversed(chain):
            base = path[node] = (*base, node)
    return path


@pytest.mark.parametrize("seed", range(40))
def test_trees_and_team_levels_follow_the_upline_paths(seed):
    # Random networks in any row order, some with uplines outside the network and some with cycles.
    rng = random.Random(seed)
    ids = [f"p{i}" for i in range(rng.randint(1, 60))]
    people = [P(pid, "" if i == 0 or rng.random() < 0.1 else "ghost" if rng.random() < 0.05
                else rng.choice(ids) if rng.random() < 0.1 * (seed % 3) else ids[rng.randrange(i)])
              for i, pid in enumerate(ids)]
    rng.shuffle(people)
    orders = [od(rng.randrange(90), rng.choice(ids), "brand", rng.randint(1, 9), rng.choice((1.5, 7.25)),
                 "entry") for _ in range(rng.randrange(40))]
    payouts = [pay(rng.randrange(90), rng.choice(ids), rng.choice((0.1, 2.0)), "team_bonus",
                   rng.choice([*ids, "", "stranger"])) for _ in range(rng.randrange(60))]
    d = net(people, orders, payouts)
    path = paths(people)
    # The walk's order too (sums over a tree are added up in it, so it fixes their last digits).
    tree = UplineTree(d.participants)
    assert list(tree.ids) == list(path) and list(tree.depth) == [len(c) for c in path.values()]
    paid = {}
    for o in orders:
        paid[o["buyer_id"]] = paid.get(o["buyer_id"], 0.0) + o["units"] * o["unit_price"]
    members: dict[str, list[str]] = {}
    for m, chain in path.items():
        for organiser in chain:
            members.setdefault(organiser, []).append(m)
    trees = evidence(d)["trees"].set_index("organiser")
    tops = sorted(o for o in members if len(path[o]) == 1)
    assert sorted(trees.index) == tops
    for top in tops:
        assert trees.loc[top, "size"] == len(members[top])
        assert trees.loc[top, "levels"] == max(len(path[m]) - len(path[top]) + 1 for m in members[top])
        assert trees.loc[top, "taken_in"] == pytest.approx(sum(paid.get(m, 0.0) for m in members[top]))
    levels = []
    for p_ in payouts:
        a, b = path.get(p_["payee_id"]), path.get(p_["source_id"])
        if a is not None and b is not None and len(b) > len(a) and b[len(a) - 1] == p_["payee_id"]:
            levels.append(len(b) - len(a))
    team = ind(d, "team_pay").detail
    assert team["levels"] == (max(levels) if levels else "unknown")
    assert team["unknown_level_payouts"] == len(payouts) - len(levels)


@pytest.mark.parametrize(("up", "expected"), [
    ([], None), ([-1], None), ([-1, 0, 1, 0], None),  # tops and chains
    ([0], 0), ([-1, 2, 1], 1), ([-1, 3, 1, 2, 1], 1), ([3, 0, -1, 1, 3], 0),  # loops, some with a tail
])
def test_find_cycle_names_a_member_of_the_cycle(up, expected):
    # The reader's check and the tree's both; -1 is a top (or an upline outside the network).
    assert find_cycle(up) == expected
