"""Pyramid-risk indicators from a `NetworkData` (sim/risk/schema.py), so a simulated run and a real
network are scored alike: `score(data)` gives the indicators and an overall verdict, `evidence(data)`
the tables behind them; each one's basis, threshold and explanation is in `SPEC` (sim/risk/spec.py).
Conventions: *stock orders* are entry, upgrade and restock orders; a participant's retail purchase is
own use (not stock, not a business cost). *Resold* = sold at retail or wholesale to anyone (dumps and
buybacks are not). Stock goes first-in, first-out; sales on an order's day count as after it (sellers
restock before the day's shoppers). Days run 0..days-1; a participant is active from join_day to
exit_day - 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.risk.schema import (
    RANK_ORDER_KINDS,
    REORDER_KINDS,
    RESALE_ORDER_KINDS,
    STOCK_ORDER_KINDS,
    NetworkData,
)
from sim.risk.spec import RULE, SPEC
from sim.risk.tree import UplineTree

WINDOW = 90  # days: the unsold-after window, recent sales, join cohorts, too new to judge
RECRUITING = ("wholesale", "retail_participants", "recruit_bonus", "team_bonus")  # receipts from recruits


@dataclass
class Indicator:
    key: str
    name: str
    value: float | None
    unit: str
    threshold: str
    verdict: str
    basis: str
    explanation: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class RiskResult:
    indicators: list[Indicator]
    overall: str
    rule: str

    def __getitem__(self, key: str) -> Indicator:
        """The indicator with this key (KeyError if none)."""
        return {i.key: i for i in self.indicators}[key]


def _ind(key: str, value: float | None, detail: dict[str, Any], verdict: str | None = None,
         explanation: str | None = None, **words: Any) -> Indicator:
    """An Indicator from its SPEC row; the verdict from the cut-offs unless given."""
    s, op = SPEC[key], "<" if SPEC[key].get("below") else ">"
    if verdict is None and value is not None:
        sign = -1 if s.get("below") else 1  # compare -value with -cut-off when low values are the risk
        verdict = "high" if sign * value > sign * s["high"] else (
            "elevated" if sign * value > sign * s["elevated"] else "low")
    if explanation is None:
        text = s["above"] if value is not None and value > s.get("most", np.inf) else s["explain"]
        explanation = s.get("na", "") if value is None else text.format(v=value, most=s.get("most"),
                                                                       **detail, **words)
    threshold = s.get("threshold") or f"high {op} {s['high']:g}, elevated {op} {s['elevated']:g}"
    return Indicator(key, s["name"], None if value is None else float(value), s["unit"], threshold,
                     verdict or "n/a", s["basis"], explanation, detail)


def _ratio(a: float | None, b: float | None) -> float | None:
    return float(a) / float(b) if b and a is not None else None


def _f(x: Any) -> float | None:
    """A plain float for the detail; None for a missing value (NaN, e.g. the median of nothing)."""
    return None if x is None or pd.isna(x) else float(x)


def _running(events: pd.DataFrame) -> pd.DataFrame | None:
    """Running total of `units` of `events` (pc, day, units) by participant row `pc`: pc, day, cum
    (None if no events)."""
    if events.empty:
        return None
    ev = events.groupby(["pc", "day"], as_index=False)["units"].sum().astype({"day": "int64"})
    ev = ev.sort_values("day", kind="stable")
    ev["cum"] = ev.groupby("pc")["units"].cumsum()
    return ev[["pc", "day", "cum"]]


def _cum(ev: pd.DataFrame | None, pc: pd.Series, day: pd.Series, inclusive: bool) -> np.ndarray:
    """The running total `ev` (from _running) of each query's participant row on days <= day (< day)."""
    if ev is None or len(pc) == 0:
        return np.zeros(len(pc))
    q = pd.DataFrame({"pc": pc.to_numpy(), "day": day.to_numpy().astype("int64"), "i": np.arange(len(pc))})
    m = pd.merge_asof(q.sort_values("day", kind="stable"), ev, on="day", by="pc",
                      allow_exact_matches=inclusive)
    return m.sort_values("i")["cum"].fillna(0).to_numpy(dtype=float)


class _Flows:
    """The data reshaped once: stock orders, resale, receipts by source, money paid, the tree.

    Participants are also numbered by their row (`b`: the buyer's, `pc`: the seller's or payee's
    row, -1 for anyone else), so per-participant sums group by number, not by id text: the same
    rows in the same order make the same sums.
    """

    def __init__(self, data: NetworkData):
        p = data.participants.astype({"id": str})
        self.end = int(data.days)
        p["months"] = (p["exit_day"].where(p["exit_day"] >= 0, self.end) - p["join_day"]).clip(lower=1) / 30
        self.p = p.set_index("id", drop=False)
        row = pd.Index(p["id"])
        o = data.orders.astype({"buyer_id": str, "seller_id": str, "buyer_is_participant": bool})
        o["yuan"] = o["units"] * o["unit_price"]
        o["b"], o["pc"] = row.get_indexer(o["buyer_id"]), row.get_indexer(o["seller_id"])
        o["buyer_p"], o["seller_p"] = o["b"] >= 0, o["pc"] >= 0
        stock = o[o["kind"].isin(STOCK_ORDER_KINDS) & o["buyer_p"]].sort_values("day", kind="stable")
        self.stock = stock.assign(before=stock.groupby("b")["units"].cumsum() - stock["units"])
        sold = o[o["seller_p"]].rename(columns={"seller_id": "pid"})
        eu, retail = ~sold["buyer_is_participant"], sold["kind"] == "retail"
        source = np.select([sold["kind"].isin(STOCK_ORDER_KINDS), retail & ~eu, retail],
                           ["wholesale", "retail_participants", "retail_end_users"], default=sold["kind"])
        pay = data.payouts.astype({"payee_id": str, "source_id": str})
        pay["pc"] = row.get_indexer(pay["payee_id"])
        self.pay = pay[pay["pc"] >= 0].assign(source_pc=lambda x: row.get_indexer(x["source_id"]))
        self.rec = pd.concat([  # every yuan a participant received, by source
            pd.DataFrame({"pid": sold["pid"], "source": source, "yuan": sold["yuan"], "pc": sold["pc"]}),
            pd.DataFrame({"pid": self.pay["payee_id"], "yuan": self.pay["amount"], "pc": self.pay["pc"],
                          "source": self.pay["reason"].replace({"other": "other_bonus"})})])
        self.out = sold  # resale, dumps and buybacks
        self.resold = _running(sold[sold["kind"].isin(RESALE_ORDER_KINDS)])  # units resold so far
        self.retail_eu = sold[(sold["kind"] == "retail") & eu]
        # all money paid as a participant: stock orders, and retail bought while a participant
        self.paid = self.per_row(o[o["buyer_p"] & o["buyer_is_participant"]].groupby("b")["yuan"].sum())
        self.tree = UplineTree(p)
        self.tree_of_row = self.tree.codes(p["id"])  # each participant's place in the tree's walk
        self.received = self.per_row(self.rec.groupby("pc")["yuan"].sum())
        # units held at the end: bought - resold - dumped - bought back, floored at 0 per participant
        self.held = (self.per_row(stock.groupby("b")["units"].sum())
                     - self.per_row(sold.groupby("pc")["units"].sum())).clip(lower=0)
        self.tables: dict[str, pd.DataFrame] = {}  # evidence tables, filled in by the indicators

    def per(self, series: pd.Series) -> pd.Series:
        return series.reindex(self.p.index, fill_value=0)

    def per_row(self, series: pd.Series) -> pd.Series:
        """A result grouped by participant row, as `per` gives it for the same result grouped by id."""
        values = np.zeros(len(self.p), dtype=series.dtype)
        values[series.index.to_numpy()] = series.to_numpy()
        return pd.Series(values, index=self.p.index, name=series.name)


def _retail_reach(f: _Flows) -> Indicator:
    brand = f.stock[f.stock["seller_id"] == "brand"]["units"].sum()
    back, eu = f.out[f.out["kind"] == "buyback"]["units"].sum(), f.retail_eu["units"].sum()
    customers = f.per_row(f.retail_eu.groupby("pc")["buyer_id"].nunique()) / f.p["months"]  # a month
    net = brand - back  # more bought back than bought (possible in a period): no base to judge
    return _ind("retail_reach", _ratio(eu, net) if net > 0 else None, {
        "end_user_units": int(eu), "brand_units": int(brand), "buyback_units": int(back),
        "share_with_10_customers_a_month": _f((customers >= 10).mean())})


def _recruiting_share(f: _Flows) -> Indicator:
    by = f.rec.groupby("source")["yuan"].sum()
    income = f.tables["income_by_source"] = by.reset_index()
    income["counts_as"] = np.where(income["source"].isin(RECRUITING), "recruiting",
                                   np.where(income["source"] == "retail_end_users", "retail", "neither"))
    recruit, retail = by.reindex(list(RECRUITING)).fillna(0).sum(), by.get("retail_end_users", 0.0)
    return _ind("recruiting_income_share", _ratio(recruit, recruit + retail),
                {"yuan_by_source": {k: round(float(v), 2) for k, v in by.items()}})


def _entry_loading(f: _Flows) -> Indicator:
    e = f.stock[f.stock["kind"].isin(RANK_ORDER_KINDS)]
    unsold = {}
    for w in (30, WINDOW):
        seen = e[e["day"] + w < f.end]  # orders too young to judge are left out
        resold = _cum(f.resold, seen["b"], seen["day"] + w, inclusive=True)
        sold = np.clip(resold - seen["before"], 0, seen["units"])  # first in, first out
        unsold[w] = _ratio(seen["units"].sum() - sold.sum(), seen["units"].sum())
    retail = f.retail_eu.groupby("pc")["units"].sum()  # sellers who retail, a month each:
    monthly = pd.Series(retail.to_numpy() / f.p["months"].to_numpy()[retail.index.to_numpy()])
    entry = e[e["kind"] == "entry"]["units"]  # first orders only: the price of joining
    med, per_month = _f(entry.median()), _f(monthly.median())
    return _ind("entry_loading", unsold[WINDOW], {
        "unsold_after_30_days": unsold[30], "unsold_after_90_days": unsold[WINDOW],
        "entry_orders": len(entry), "median_entry_units": med, "median_monthly_retail_per_seller": per_month,
        "median_entry_in_months_of_retail": _ratio(med, per_month)})


def _team_pay(f: _Flows) -> Indicator:
    team = f.pay[(f.pay["reason"] == "team_bonus") & (f.pay["amount"] > 0)]
    # tree distance from payee down to the source, when the source is in its downline
    t, source = f.tree, team["source_pc"].to_numpy()
    a, b = f.tree_of_row[team["pc"].to_numpy()], np.where(source >= 0, f.tree_of_row[source], -1)
    known = b >= 0
    down = np.where(known, t.depth[b] - t.depth[np.maximum(a, 0)], 0)
    ok = known & (down > 0)
    ok[ok] = t.climb(b[ok], down[ok]) == a[ok]
    lv = pd.Series(np.where(ok, down, np.nan), dtype="float", index=team.index)
    deepest = int(lv.max()) if lv.notna().any() else None
    by_level = team.groupby(lv.fillna(-1).astype(int))["amount"].sum()
    detail = {"team_yuan": float(team["amount"].sum()), "all_payouts_yuan": float(f.pay["amount"].sum()),
              "payouts": len(team), "levels": "unknown" if deepest is None else deepest,
              "unknown_level_payouts": int(lv.isna().sum()), "deeper_than_3_levels": deepest and deepest > 3,
              "yuan_by_level": [{"level": int(k) if k >= 0 else "unknown", "yuan": v}
                                for k, v in by_level.items()]}
    return _ind("team_pay", _ratio(detail["team_yuan"], detail["all_payouts_yuan"]) or 0.0, detail,
                explanation=None if len(team) else "No team bonus (pay on downlines' purchases) was paid.")


def _trees(f: _Flows) -> pd.DataFrame:
    """Every participant's own downline (itself included): size, levels, yuan its members paid in."""
    tree = f.tree  # one row per (organiser, member): member-major in walk order, organisers top first
    depth = tree.depth
    member = np.repeat(np.arange(len(depth)), depth)
    k = np.arange(len(member)) - np.repeat(np.cumsum(depth) - depth, depth)  # organiser's place in path
    how = {"size": ("level", "size"), "levels": ("level", "max"), "taken_in": ("paid", "sum")}
    if len(member):  # grouped by tree code, then labelled and put in id order, as by id
        row_of = np.empty(len(depth), dtype=np.int64)
        row_of[f.tree_of_row] = np.arange(len(depth))
        a = pd.DataFrame({"organiser": tree.climb(member, depth[member] - 1 - k), "level": depth[member] - k,
                          "paid": f.paid.to_numpy()[row_of[member]]})
        t = a.groupby("organiser").agg(**how)
        t["top"] = depth[t.index.to_numpy()] == 1
        t = t.set_axis(pd.Index(tree.ids[t.index.to_numpy()], name="organiser")).sort_index()
    else:
        a = pd.DataFrame([], columns=["organiser", "member", "level", "paid"])
        t = a.groupby("organiser").agg(**how)
        t["top"] = np.zeros(0, dtype=bool)  # boolean, so t[t["top"]] picks rows, not columns
    t["criminal"] = (t["size"] >= 30) & (t["levels"] >= 3)
    t["serious"] = t["criminal"] & ((t["size"] >= 120) | (t["taken_in"] >= 2.5e6))
    return t.sort_values(["criminal", "size", "levels"], ascending=False)


def _largest_tree(f: _Flows) -> Indicator:
    t = _trees(f)
    top = t[t["top"]]
    f.tables["trees"] = top.drop(columns="top").rename_axis("organiser").reset_index()
    if top.empty:
        return _ind("largest_tree", None, {})
    big = top.iloc[0]
    verdict = "high" if top["criminal"].any() else (
        "elevated" if ((top["size"] >= 30) | (top["levels"] > 3)).any() else "low")
    detail = {"organiser": str(big.name), "levels": int(big["levels"]), "taken_in_yuan": big["taken_in"],
              "serious": bool(big["serious"]), "trees": len(top), "deepest_levels": int(top["levels"].max()),
              "trees_over_threshold": int(top["criminal"].sum()),
              "organisers_over_threshold": int(t["criminal"].sum()),  # any participant's own downline
              "largest_trees": top.head(10)[["size", "levels", "taken_in"]].reset_index().to_dict("records")}
    serious = "; it is also 'serious' (120 people or 2.5 million yuan)" if big["serious"] else ""
    return _ind("largest_tree", float(big["size"]), detail, verdict, serious_words=serious)


def _payout_ratio(f: _Flows) -> Indicator:
    paid, retail = float(f.pay["amount"].sum()), float(f.retail_eu["yuan"].sum())
    detail = {"payouts_yuan": paid, "end_user_retail_yuan": retail}
    if retail == 0 and paid > 0:
        return _ind("payout_ratio", None, detail, "high", f"Bonuses of {paid:,.0f} yuan were paid while "
                    "participants sold nothing at retail to outsiders, so no payout could meet the 30% cap.")
    v = _ratio(paid, retail) or 0.0
    return _ind("payout_ratio", v, detail, words=f"{v:.0%} of" if v < 2 else f"{v:,.0f} times")


def _stock_days(f: _Flows) -> Indicator:
    window = min(WINDOW, f.end)
    recent = f.retail_eu[f.retail_eu["day"] >= f.end - window]  # the last `window` days
    t = pd.DataFrame({"stock_units": f.held, "active": f.p["exit_day"] < 0, "tier": f.p["tier"]})
    t["retail_per_day"] = f.per(recent.groupby("pid")["units"].sum()) / window
    t["stock_days"] = (t["stock_units"] / t["retail_per_day"]).where(t["retail_per_day"] > 0)
    f.tables["stock_days"] = t.rename_axis("id").reset_index()
    stock, rate = float(t["stock_units"].sum()), float(t["retail_per_day"].sum())
    detail = {"stock": stock, "exited_participants_units": float(t[~t["active"]]["stock_units"].sum()),
              "end_user_units_per_day": rate, "window_days": window}
    if rate == 0 and stock > 0:
        return _ind("stock_days", None, detail, "high",
                    f"Participants hold {stock:,.0f} units but sold none at retail to outsiders lately.")
    return _ind("stock_days", _ratio(stock, rate) or 0.0, detail)


def _reorder_before_70(f: _Flows) -> Indicator:
    r = f.stock[f.stock["kind"].isin(REORDER_KINDS)]
    flagged = _cum(f.resold, r["b"], r["day"], inclusive=False) < 0.7 * r["before"].to_numpy()
    return _ind("reorder_before_70", float(flagged.mean()) if len(r) else None,
                {"n": len(r), "flagged": int(flagged.sum())})


def _tier_ranks(f: _Flows) -> pd.Series:
    """Each tier's rank, 1 for the lowest. The data name tiers but do not rank them; a tier ladder is
    a price ladder (a higher tier buys its stock at a lower unit price), so tiers are ranked by the
    median unit price of their members' latest stock orders, dearest first. A tier whose members
    bought no stock ranks lowest; ties go by name."""
    last = f.stock.groupby("b")["unit_price"].last()  # f.stock is in day order
    price = pd.Series(last.to_numpy(), index=f.p["tier"].to_numpy()[last.index.to_numpy()])
    tiers = pd.DataFrame({"tier": sorted(set(f.p["tier"]))})
    tiers["price"] = tiers["tier"].map(price.groupby(level=0).median()).astype(float)
    ranked = tiers.sort_values(["price", "tier"], ascending=[False, True], na_position="first", kind="stable")
    return pd.Series(np.arange(1, len(ranked) + 1), index=ranked["tier"].to_numpy(), name="rank")


def _share_in_loss(f: _Flows) -> Indicator:
    t = f.p[["tier", "join_day", "exit_day"]].copy()  # net: received - paid for stock
    s = f.stock.groupby("b")[["yuan", "units"]].sum()
    t["net"] = f.received - f.per_row(s["yuan"])
    t["net_stock_at_cost"] = t["net"] + f.held * f.per_row(s["yuan"] / s["units"]).fillna(0)
    t["cohort_start_day"] = t["join_day"] // WINDOW * WINDOW  # 90-day join cohorts
    for col in ("tier", "cohort_start_day"):
        g = t.assign(loss=t["net"] < 0).groupby(col)
        f.tables[f"loss_by_{col.split('_')[0]}"] = pd.DataFrame(
            {"share_in_loss": g["loss"].mean(), "n": g.size(), "median_net": g["net"].median()}).reset_index()
    by_tier = f.tables["loss_by_tier"]  # in rank order, lowest tier first (not by name)
    by_tier.insert(1, "rank", by_tier["tier"].map(_tier_ranks(f)).astype("int64"))
    f.tables["loss_by_tier"] = by_tier.sort_values("rank", kind="stable").reset_index(drop=True)
    j = t[(t["exit_day"] >= 0) | (t["join_day"] <= f.end - WINDOW)]  # out, or in for 90 days: judged
    return _ind("share_in_loss", _f((j["net"] < 0).mean()), {
        "n": len(j), "median_net": _f(j["net"].median()), "share_in_loss_everyone": _f((t["net"] < 0).mean()),
        "share_in_loss_stock_at_cost": _f((j["net_stock_at_cost"] < 0).mean()),
        "by_tier": f.tables["loss_by_tier"].to_dict("records"),
        "by_cohort": f.tables["loss_by_cohort"].to_dict("records")})


def _claims_vs_earned(f: _Flows, claims: pd.DataFrame) -> Indicator:
    c = claims[claims["income_posts"] > 0]
    pid = c["participant_id"].astype(str)
    t = f.tables["claims_vs_earned"] = pd.DataFrame({
        "participant_id": pid, "claimed_monthly": c["mean_claimed_monthly_income"],
        # (as float even when nobody posted: mapping no ids keeps their text dtype)
        "earned_monthly": pid.map(f.received).astype(float).fillna(0) / pid.map(f.p["months"]).astype(float)})
    if t.empty:
        return _ind("claims_vs_earned", None, {"n": 0})
    claimed, earned = float(t["claimed_monthly"].mean()), float(t["earned_monthly"].mean())
    detail = {"n": len(t), "mean_claimed_monthly": claimed, "mean_earned_monthly": earned,
              "median_monthly_receipts_all_participants": _f((f.received / f.p["months"]).median())}
    if earned == 0 and claimed > 0:
        return _ind("claims_vs_earned", None, detail, "high",
                    "Participants who posted income claims received nothing at all.")
    return _ind("claims_vs_earned", _ratio(claimed, earned) or 0.0, detail)


def overall(indicators: list[Indicator]) -> str:
    """Apply RULE to a list of indicators."""
    high, elevated = (sum(i.verdict == v for i in indicators) for v in ("high", "elevated"))
    return "high" if high >= 2 else "elevated" if high or elevated >= 3 else "low"


def _run(data: NetworkData) -> tuple[list[Indicator], dict[str, pd.DataFrame]]:
    f = _Flows(data)
    inds = [_retail_reach(f), _recruiting_share(f), _entry_loading(f), _team_pay(f), _largest_tree(f),
            _payout_ratio(f), _stock_days(f), _reorder_before_70(f), _share_in_loss(f),
            _claims_vs_earned(f, data.claims)]
    return inds, f.tables


def score(data: NetworkData) -> RiskResult:
    """All indicators for a NetworkData, in SPEC order, and the overall verdict under RULE."""
    inds = _run(data)[0]
    return RiskResult(inds, overall(inds), RULE)


def evidence(data: NetworkData) -> dict[str, pd.DataFrame]:
    """The tables behind the indicators, for figures (one DataFrame each): income_by_source, loss_by_tier,
    loss_by_cohort, trees (per top-of-tree organiser), stock_days (per participant), claims_vs_earned."""
    return _run(data)[1]
