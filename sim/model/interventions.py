"""Policy interventions: what a regulator or platform changes, from a given day on.

Each `[[interventions]]` table names a day and an action. On that day the action changes
the brand's plan (bonuses, buyback, quotas) or switches on a rule that is enforced every
day after (depth cap, ad cap, platform crackdown, 70% resale rule):

| action | what changes | basis |
|---|---|---|
| ban_recruit_bonus | no more pay per recruit | PRC 2005 Art. 7(1); Koscot |
| ban_team_bonus | no more pay on downline purchases | PRC 2005 Art. 7(3); Direct Selling Reg. Art. 24 |
| mandate_buyback | stock bought back at >= `share` of cost within `days` | DSA code; DS Reg. Art. 25 |
| cap_depth | nobody recruits below level `levels` | WeChat rules (<= 3 levels) |
| cap_ads | at most `posts_per_day` ads and income posts a day | WeChat crackdown on Moments marketing |
| crackdown | sellers with >= `complaints` complaints or > `spam_posts` posts a day removed | platform rules |
| drop_quotas | no restock quota to keep a tier | FTC 2018 (inventory loading) |
| resale_rule | no reorder until `share` of earlier purchases resold | Amway 1979 (70% rule) |
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model.agents import Brand
    from sim.model.model import WeishangModel


def start_due(model: WeishangModel) -> None:
    """Start the interventions whose day is today."""
    for item in model.params["interventions"]:
        if item["day"] == model.day:
            for brand in model.brands:
                if item["brand"] in ("", brand.name):
                    _start(brand, item)


def _start(brand: Brand, item: dict) -> None:
    action = item["action"]
    if action == "ban_recruit_bonus":
        brand.recruit_bonus = brand.recruit_bonus_share = brand.recruit_incentive = 0.0
    elif action == "ban_team_bonus":
        brand.team_bonus = []
    elif action == "mandate_buyback":
        brand.buyback_share = max(brand.buyback_share, item["share"])
        brand.buyback_days = max(brand.buyback_days, item["days"])
    elif action == "drop_quotas":
        brand.tiers = [{**tier, "monthly_quota": 0.0} for tier in brand.tiers]
    elif action == "cap_depth":
        brand.max_level = item["levels"]
    elif action == "cap_ads":
        brand.max_posts = item["posts_per_day"]
    elif action == "crackdown":
        brand.crackdown = (item["complaints"], item["spam_posts"])
    elif action == "resale_rule":
        brand.resale_share = item["share"]


def enforce_crackdown(model: WeishangModel) -> int:
    """The platform removes sellers over the complaint or spam threshold; returns how many."""
    p = model.people
    removed = 0
    for brand in model.brands:
        if brand.crackdown is None:
            continue
        complaints, spam = brand.crackdown
        sellers = p.sellers()
        sellers = sellers[p.brand[sellers] == brand.index]
        flagged = sellers[(p.complaints[sellers] >= complaints) | (p.posts_today[sellers] > spam)]
        for pid in flagged:
            model.retire(model.seller(int(pid)))
        removed += flagged.size
    return removed


def may_reorder(model: WeishangModel, pid: int) -> bool:
    """Under a resale rule, a seller reorders only once enough of its purchases are resold."""
    brand = model.brands[model.people.brand[pid]]
    if brand.resale_share is None:
        return True
    p = model.people
    return p.resold_units[pid] >= brand.resale_share * p.bought_units[pid]


def may_recruit(model: WeishangModel, seller_depth: np.ndarray, brand: np.ndarray) -> np.ndarray:
    """Under a depth cap, a recruit (one level below the seller) must stay within the cap."""
    cap = np.array([np.inf if b.max_level is None else b.max_level for b in model.brands])
    return seller_depth + 2 <= cap[brand]  # founders: depth 0 = level 1

