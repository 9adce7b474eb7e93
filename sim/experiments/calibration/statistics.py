"""The summary statistics a calibration compares: one set of numbers from a network's records.

The observed records (a data folder `weishang risk --data` reads) and every simulated run go
through the same code: a run is converted to the same schema first (`sim.risk.convert`), and
both are cut to the same whole months of the observation period. The statistics:

- `joins_mKK`, `exits_mKK`: participants who joined / left in month KK (30-day months from the
  data's first day);
- `tier:BRAND/TIER`: participants who ever held that tier (as the records give it);
- `units:KIND`: order units by kind (entry, upgrade, restock, retail, dump, buyback);
- `paid:REASON`: payouts in yuan by reason (recruit_bonus, team_bonus, other);
- `rate:REASON`: the same payouts per yuan of stock orders (entry, upgrade, restock) placed by
  recruits (participants with an upline, whose orders the plan pays on): the plan's pay rates,
  which the sums alone mix up with how much was bought;
- `tree_size`, `tree_levels`: the largest organiser's downline and the deepest tree;
- `share_in_loss`: share of participants whose receipts are below what they paid for stock.

They are counts, compared as they are: the simulated run starts with as many organisers per
brand as the records have roots (participants without an upline), so the scenario's population
stands for the people the network can reach.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.risk.indicators import score
from sim.risk.schema import ORDER_KINDS, REASONS, STOCK_ORDER_KINDS, NetworkData

MONTH = 30  # days


class DataMismatch(ValueError):
    """Records that cannot be matched to a scenario; str() is one line."""


@dataclass(frozen=True)
class Alignment:
    """How a simulated run is lined up with the records: its length and its organisers."""

    months: int                      # whole months compared
    founders: dict[str, int]         # brand -> roots in the records (organisers to start with)
    tiers: tuple[tuple[str, str], ...]  # (brand, tier) pairs of the scenario's plans

    @property
    def days(self) -> int:
        return self.months * MONTH


def align(data: NetworkData, brands: Sequence[dict], where: str) -> Alignment:
    """Match records to a scenario's brands and tiers; a DataMismatch names what does not fit."""
    months = int(data.days) // MONTH
    if months < 1:
        raise DataMismatch(f"{where}: the records cover {data.days} days; a calibration needs at least "
                           f"a month ({MONTH} days)")
    names = [b["name"] for b in brands]
    p = data.participants
    if p.empty:
        raise DataMismatch(f"{where}: participants.csv has no participants to fit")
    given = set(p["brand"]) - {""}
    if not given and len(names) > 1:
        raise DataMismatch(f"{where}: participants.csv names no brand, but the scenario has "
                           f"{len(names)} brands ({', '.join(names)}); add a brand column")
    unknown = sorted(given - set(names))
    if unknown:
        raise DataMismatch(f"{where}: brand {unknown[0]!r} is not in the scenario (its brands: "
                           f"{', '.join(names)})")
    tiers = tuple((b["name"], t["name"]) for b in brands for t in b["tiers"])
    brand_of = p["brand"].where(p["brand"] != "", names[0])
    for brand, tier in zip(brand_of, p["tier"], strict=True):
        if (brand, tier) not in tiers:
            allowed = ", ".join(t for b, t in tiers if b == brand)
            raise DataMismatch(f"{where}: tier {tier!r} of brand {brand!r} is not in the scenario's plan "
                               f"(its tiers: {allowed})")
    roots = brand_of[p["upline_id"] == ""]
    founders = {name: int((roots == name).sum()) for name in names}
    if not any(founders.values()):
        raise DataMismatch(f"{where}: participants.csv has no root (a participant without upline_id) "
                           f"to start the simulated network from")
    return Alignment(months, founders, tiers)


def names(alignment: Alignment) -> list[str]:
    """The statistics' names, in the order they are computed."""
    months = range(alignment.months)
    return ([f"joins_m{k:02d}" for k in months] + [f"exits_m{k:02d}" for k in months]
            + [f"tier:{b}/{t}" for b, t in alignment.tiers] + [f"units:{k}" for k in ORDER_KINDS]
            + [f"paid:{r}" for r in REASONS] + [f"rate:{r}" for r in REASONS]
            + ["tree_size", "tree_levels", "share_in_loss"])


def statistics(data: NetworkData, alignment: Alignment) -> dict[str, float]:
    """The summary statistics of records (observed or simulated) over the aligned months."""
    data = data.window(0, alignment.days)
    p, o, pay = data.participants, data.orders, data.payouts
    k = alignment.months
    joins = np.bincount(p["join_day"].to_numpy() // MONTH, minlength=k)[:k]
    left = p["exit_day"].to_numpy()
    exits = np.bincount(left[left >= 0] // MONTH, minlength=k)[:k]
    first = alignment.tiers[0][0]
    brand = p["brand"].where(p["brand"] != "", first)
    held = (brand + "/" + p["tier"]).value_counts()
    units = o.groupby("kind")["units"].sum()
    paid = pay.groupby("reason")["amount"].sum()
    recruits = p.loc[p["upline_id"] != "", "id"]
    stock = o[o["kind"].isin(STOCK_ORDER_KINDS) & o["buyer_id"].isin(recruits)]
    bought = float((stock["units"] * stock["unit_price"]).sum())
    risk = score(data)
    tree, loss = risk["largest_tree"], risk["share_in_loss"]
    values = [*joins, *exits, *(held.get(f"{b}/{t}", 0) for b, t in alignment.tiers),
              *(units.get(kind, 0) for kind in ORDER_KINDS), *(paid.get(r, 0.0) for r in REASONS),
              *(paid.get(r, 0.0) / bought if bought else 0.0 for r in REASONS),
              tree.value or 0.0, tree.detail.get("deepest_levels", 0),
              loss.detail.get("share_in_loss_everyone") or 0.0]
    return dict(zip(names(alignment), map(float, values), strict=True))
