"""Reporters: the day's series, the final per-seller table and the run summary.

Money figures come from the ledger (the day's per-kind totals, or the journal), not from
separate counters, so they add up with `ledger.csv`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import numpy as np

from sim.model.ledger import BONUSES, KIND, WHOLESALE
from sim.model.network import SocialGraph
from sim.model.parameters import STRATEGIES
from sim.model.people import CONSUMER, SELLER
from sim.model.state import State


class FinishedRun(Protocol):
    """What the run-level reporters read of a model (a `WeishangModel` has all of it)."""

    state: State
    seed: int
    today: dict

    @property
    def name(self) -> str: ...

    def series(self) -> Mapping[str, list]: ...

INCOME_SOURCES = ("retail", "wholesale", "recruit_bonus", "buy_in_bonus", "team_bonus", "dump", "buyback",
                  "rank_bonus", "retail_bonus")


def columns(max_tiers: int) -> list[str]:
    """The daily series, in file order."""
    return [
        "day", "sellers", "recruits", "rejoins", "exits", "removed", "pitches",
        *[f"sellers_tier{k + 1}" for k in range(max_tiers)],
        "stock_units", "stock_value", "retail_units", "retail_nonparticipant_units",
        "wholesale_units", "brand_units", "grey_units", "outside_units", "dump_units",
        "buyback_units", "write_off_units", "consumed_units",
        "mean_trust", "trust_cognitive", "trust_affective", "trust_behavioural",
        "repeat_rate", "price_dispersion", "complaints", "muted", "muted_share",
        "share_in_loss", "median_profit", "gini_profit", "max_depth",
        *[f"income_{s}" for s in INCOME_SOURCES],
        "brand_revenue_entry", "brand_revenue_restock", "brand_bonus_paid", "brand_buyback_paid",
        "brand_production_cost", "costs_paid", "time_value", "open_people", "own_use_units",
    ]


def reporters(max_tiers: int) -> dict:
    """Mesa DataCollector reporters: each reads the day's figure computed once by `DailySeries`."""
    names = columns(max_tiers)
    return {name: (lambda m, key=name: m.today[key]) for name in names}


def seller_profit(state: State, pids: np.ndarray) -> np.ndarray:
    """Net profit as a seller: received minus paid, plus unsold stock at buyback value."""
    profit = state.ledger.seller_net[pids].copy()
    p = state.people
    with_buyback = [b.index for b in state.brands if b.buyback_share > 0]
    # Only active sellers of a brand that buys back hold stock worth anything (runs every day).
    for i in np.flatnonzero((p.role[pids] == SELLER) & np.isin(p.brand[pids], with_buyback)):
        pid = int(pids[i])
        profit[i] += state.brand_of(pid).buyback_value(state.lots, pid, state.day)
    return profit


class EdgesToward:
    """The edges contact -> anyone who ever sold, sorted (sorted reads are several times faster).

    Kept from day to day and merged with the newcomers' edges: people never stop having sold.
    """

    def __init__(self) -> None:
        self.known = self.edges = np.zeros(0, dtype=np.int64)

    def of(self, graph: SocialGraph, ever: np.ndarray) -> np.ndarray:
        if self.known.size != ever.size:
            new = np.sort(graph.rev[graph.out_edges(np.setdiff1d(ever, self.known, assume_unique=True))])
            self.edges = np.insert(self.edges, np.searchsorted(self.edges, new), new)
            self.known = ever
        return self.edges


def gini(values: np.ndarray) -> float:
    """Gini coefficient; with losses present it is scaled by the mean absolute value."""
    x = np.sort(np.asarray(values, dtype=float))
    n = x.size
    scale = np.abs(x).mean() if n else 0.0
    if n < 2 or scale == 0:
        return 0.0
    # sum over pairs |xi - xj| = 2 * sum_i (2i - n + 1) x_(i) for sorted x
    pair_sum = 2.0 * np.sum((2 * np.arange(n) - n + 1) * x)
    return float(pair_sum / (2.0 * n * n * scale))


class DailySeries:
    """The day's row of series; keeps what it reuses from day to day."""

    def __init__(self) -> None:
        self.toward = EdgesToward()

    def row(self, state: State, day_stats: dict) -> dict:
        return daily(state, day_stats, self.toward)


def daily(state: State, day_stats: dict, toward_sellers: EdgesToward) -> dict:
    """All series for today, from the arrays and the ledger's per-kind day totals."""
    p, ledger = state.people, state.ledger
    active = p.sellers()
    ever = p.ever_sellers()
    max_tiers = max(len(b.tiers) for b in state.brands)
    counts = state.counts
    row: dict = {"day": state.day, "sellers": int(active.size), "recruits": counts.recruits,
                 "rejoins": counts.rejoins, "exits": counts.exits, "pitches": counts.pitches}
    by_tier = np.bincount(p.tier[active], minlength=max_tiers)
    row.update({f"sellers_tier{k + 1}": int(by_tier[k]) for k in range(max_tiers)})
    row["stock_units"] = int(p.stock[active].sum())
    row["stock_value"] = float((state.tier_price[p.brand[active], p.tier[active]] * p.stock[active]).sum())
    for key in ("retail_units", "retail_nonparticipant_units", "grey_units", "outside_units",
                "consumed_units", "complaints", "muted", "removed", "own_use_units"):
        row[key] = day_stats.get(key, 0)
    wholesale = [KIND[k] for k in WHOLESALE]
    units, to_brand = ledger.today_units, ledger.today_units_to_brand
    row["wholesale_units"] = int(units[wholesale].sum() - to_brand[wholesale].sum())
    row["brand_units"] = int(to_brand[wholesale].sum())
    for kind in ("dump", "buyback", "write_off"):
        row[f"{kind}_units"] = int(units[KIND[kind]])
    toward = toward_sellers.of(state.graph, ever)
    (row["mean_trust"], row["trust_cognitive"], row["trust_affective"],
     row["trust_behavioural"]) = state.trust.means(toward)
    row["muted_share"] = float(state.trust.muted[toward].mean()) if toward.size else 0.0
    retail = row["retail_units"]
    row["repeat_rate"] = day_stats.get("repeat_purchases", 0) / retail if retail else 0.0
    ratios = day_stats.get("price_ratios", np.zeros(0))
    row["price_dispersion"] = float(ratios.std()) if ratios.size > 1 else 0.0
    profit = seller_profit(state, ever)
    row["share_in_loss"] = float((profit < 0).mean()) if ever.size else 0.0
    row["median_profit"] = float(np.median(profit)) if ever.size else 0.0
    row["gini_profit"] = gini(profit)
    row["max_depth"] = int(p.depth[active].max()) if active.size else 0
    amount, brand_amount = ledger.today_amount, ledger.today_to_brand
    row["income_retail"] = float(amount[KIND["retail"]])
    row["income_wholesale"] = float(amount[wholesale].sum() - brand_amount[wholesale].sum())
    for kind in INCOME_SOURCES[2:]:  # after retail and wholesale, each its own ledger kind
        row[f"income_{kind}"] = float(amount[KIND[kind]])
    row["brand_revenue_entry"] = float(brand_amount[KIND["entry_order"]]
                                       + brand_amount[KIND["upgrade"]])
    row["brand_revenue_restock"] = float(brand_amount[KIND["restock"]])
    row["brand_bonus_paid"] = float(sum(amount[KIND[k]] for k in BONUSES))
    row["brand_buyback_paid"] = float(amount[KIND["buyback"]])
    row["brand_production_cost"] = float(amount[KIND["production"]])
    row["costs_paid"] = float(amount[KIND["fee"]] + amount[KIND["expense"]])
    row["time_value"] = float(amount[KIND["time"]])  # imputed: the sellers' hours at the going wage
    row["open_people"] = int((p.open & (p.role == CONSUMER)).sum())
    return row


def tree_sizes(state: State) -> dict[int, int]:
    """Size of each founder's recruitment tree (everyone who ever joined under them)."""
    p = state.people
    ever = p.ever_sellers()
    ever = ever[np.lexsort((ever, p.join_day[ever]))]  # uplines always join first
    root = {}
    for pid in ever:
        up = int(p.upline[pid])
        root[int(pid)] = int(pid) if up < 0 else root[up]
    sizes: dict[int, int] = {}
    for r in root.values():
        sizes[r] = sizes.get(r, 0) + 1
    return sizes


def agents_table(run: FinishedRun) -> list[dict]:
    """One row per person who was ever a seller."""
    state = run.state
    p, ledger = state.people, state.ledger
    ever = p.ever_sellers()
    profit = seller_profit(state, ever)
    paid = ledger.seller_receipts[ever] - ledger.seller_net[ever]
    rows = []
    for i, pid in enumerate(ever):
        rows.append({
            "id": int(pid), "strategy": STRATEGIES[p.strategy[pid]],
            "brand": state.brands[p.brand[pid]].name, "tier": int(p.tier[pid]) + 1,
            "join_day": int(p.join_day[pid]), "exit_day": int(p.exit_day[pid]),
            "first_exit_day": int(p.first_exit_day[pid]), "spells": int(p.spells[pid]),
            "upline": int(p.upline[pid]), "depth": int(p.depth[pid]),
            "recruits": int(p.recruits[pid]), "stock_units": int(p.stock[pid]),
            "paid": round(float(paid[i]), 2), "received": round(float(ledger.seller_receipts[pid]), 2),
            "net_profit": round(float(profit[i]), 2), "time_value": round(float(ledger.seller_time[pid]), 2),
            "profit_after_time": round(float(profit[i] - ledger.seller_time[pid]), 2),
            "wealth_at_start": round(float(p.wealth0[pid]), 2),
            "complaints": int(p.complaints[pid]), "income_posts": int(p.income_posts[pid]),
            "mean_income_claimed": round(float(p.claims_total[pid] / max(p.income_posts[pid], 1)), 2),
        })
    return rows


def summary(run: FinishedRun) -> dict:
    """One row of final figures for the run (also what a batch keeps per run)."""
    state = run.state
    p, ledger = state.people, state.ledger
    j = ledger.journal()
    wholesale = np.isin(j["kind"], [KIND[k] for k in WHOLESALE])
    to_brand = (j["payee"] >= p.n) & (j["payee"] < ledger.EXTERNAL)
    units_from_brand = int(j["units"][wholesale & to_brand].sum())
    units_back = int(ledger.total_units[KIND["buyback"]])
    retail_np = int(sum(run.series()["retail_nonparticipant_units"]))
    ever = p.ever_sellers()
    profit = seller_profit(state, ever)
    receipts = float(ledger.seller_receipts.sum())
    sources = {
        "retail": ledger.total_amount[KIND["retail"]],
        "recruiting": sum(ledger.total_amount[KIND[k]] for k in BONUSES[:3])
        + j["amount"][wholesale & (j["payee"] < p.n)].sum(),
    }
    trees = tree_sizes(state)
    series = run.today
    return {
        "scenario": run.name, "seed": run.seed, "days": state.day, "people": p.n,
        "sellers_ever": int(ever.size), "sellers_final": int((p.role == SELLER).sum()),
        "share_in_loss": float((profit < 0).mean()) if ever.size else 0.0,
        "share_in_loss_after_time": float((profit < ledger.seller_time[ever]).mean()) if ever.size else 0.0,
        "rejoined": int((p.spells > 1).sum()),
        "median_profit": float(np.median(profit)) if ever.size else 0.0,
        "mean_profit": float(profit.mean()) if ever.size else 0.0,
        "gini_profit": gini(profit),
        "retail_reach": retail_np / max(units_from_brand - units_back, 1),
        "retail_units": int(ledger.total_units[KIND["retail"]]),
        "units_from_brand": units_from_brand,
        "units_dumped": int(ledger.total_units[KIND["dump"]]),
        "units_written_off": int(ledger.total_units[KIND["write_off"]]),
        "stock_units": series["stock_units"],
        "income_share_recruiting": float(sources["recruiting"] / receipts) if receipts else 0.0,
        "income_share_retail": float(sources["retail"] / receipts) if receipts else 0.0,
        "brand_profit": float(sum(ledger.money[b.account] for b in state.brands)),
        "max_depth": int(p.depth[ever].max()) if ever.size else 0,
        "largest_tree": max(trees.values(), default=0),
        "mean_trust": series["mean_trust"],
        "complaints": int(p.complaints.sum()),
        "muted_share": series["muted_share"],
    }
