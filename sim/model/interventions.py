"""Policy interventions: what a regulator or platform changes, from a given day on.

Each `[[interventions]]` table of a scenario names a day, an action and (optionally) a brand.
Every action is one small class below: `start` says what changes on its day, and the rules
enforced every day after (depth cap, ad cap, crackdown, resale rule) say their effect in the
same class, so a lever's whole effect reads in one place.

| action | what changes | basis |
|---|---|---|
| ban_recruit_bonus | no more pay per recruit | PRC 2005 Art. 7(1); Koscot |
| ban_team_bonus | no team bonus nor leadership pool | PRC 2005 Art. 7(3); Direct Selling Reg. Art. 24 |
| mandate_buyback | stock bought back at >= `share` of cost within `days` | DSA code; DS Reg. Art. 25 |
| cap_depth | nobody recruits below level `levels` | WeChat rules (<= 3 levels) |
| cap_ads | at most `posts_per_day` ads and income posts a day | WeChat crackdown on Moments marketing |
| crackdown | sellers with >= `complaints` complaints or > `spam_posts` posts a day removed | platform rules |
| drop_quotas | no restock quota to keep a tier | FTC 2018 (inventory loading) |
| resale_rule | no reorder until `share` of earlier purchases resold | Amway 1979 (70% rule) |

The bases are set out in docs/domain.md#legal-and-published-tests.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from sim.model.brand import Brand
from sim.model.people import People


class Intervention:
    """One `[[interventions]]` table: on `day`, `start` changes the brand's plan or puts a rule in force."""

    action = ""

    def __init__(self, item: dict):
        self.day = item["day"]
        self.brand = item["brand"]  # "" = every brand
        self.item = item

    def applies_to(self, brand: Brand) -> bool:
        return self.brand in ("", brand.name)

    def start(self, brand: Brand) -> None:
        """What changes in the brand's plan on the intervention's day."""


class BanRecruitBonus(Intervention):
    """No more pay per recruit (nor the extra pitching it motivated)."""

    action = "ban_recruit_bonus"

    def start(self, brand: Brand) -> None:
        brand.recruit_bonus = brand.recruit_bonus_share = brand.recruit_incentive = 0.0


class BanTeamBonus(Intervention):
    """No more pay on downlines' purchases: team bonus and leadership pool (both team-based pay)."""

    action = "ban_team_bonus"

    def start(self, brand: Brand) -> None:
        brand.team_bonus = []
        brand.pool_share = 0.0


class MandateBuyback(Intervention):
    """Stock bought within `days` is bought back at no less than `share` of its cost."""

    action = "mandate_buyback"

    def start(self, brand: Brand) -> None:
        brand.buyback_share = max(brand.buyback_share, self.item["share"])
        brand.buyback_days = max(brand.buyback_days, self.item["days"])


class DropQuotas(Intervention):
    """No restock quota is needed to keep a tier."""

    action = "drop_quotas"

    def start(self, brand: Brand) -> None:
        brand.tiers = [{**tier, "monthly_quota": 0.0} for tier in brand.tiers]


class Rule(Intervention):
    """An intervention enforced every day once started; the latest of an action per brand holds."""


class CapDepth(Rule):
    """Nobody recruits below level `levels` (founders are level 1)."""

    action = "cap_depth"

    def levels(self) -> int:
        return self.item["levels"]


class CapAds(Rule):
    """At most `posts_per_day` ads and income posts a day (income posts are cut first)."""

    action = "cap_ads"

    def posts(self) -> int:
        return int(self.item["posts_per_day"])


class Crackdown(Rule):
    """The platform removes sellers with `complaints` complaints or more than `spam_posts` posts a day."""

    action = "crackdown"

    def flagged(self, people: People, sellers: np.ndarray) -> np.ndarray:
        return sellers[(people.complaints[sellers] >= self.item["complaints"])
                       | (people.posts_today[sellers] > self.item["spam_posts"])]


class ResaleRule(Rule):
    """No reorder until `share` of the units bought so far has been resold."""

    action = "resale_rule"

    def may_reorder(self, people: People, pid: int) -> bool:
        return people.resold_units[pid] >= self.item["share"] * people.bought_units[pid]


ACTIONS: dict[str, type[Intervention]] = {cls.action: cls for cls in (
    BanRecruitBonus, BanTeamBonus, MandateBuyback, DropQuotas, CapDepth, CapAds, Crackdown, ResaleRule)}


class Policy:
    """The scenario's interventions, and the rules in force per brand."""

    def __init__(self, items: list[dict], brands: list[Brand]):
        self.pending = [ACTIONS[item["action"]](item) for item in items]
        self.brands = brands
        self.rules: dict[tuple[str, int], Rule] = {}  # (action, brand index) -> the rule in force

    def start_due(self, day: int) -> None:
        """Start the interventions whose day is today."""
        for intervention in self.pending:
            if intervention.day == day:
                for brand in self.brands:
                    if intervention.applies_to(brand):
                        intervention.start(brand)
                        if isinstance(intervention, Rule):
                            self.rules[(intervention.action, brand.index)] = intervention

    def _rule(self, cls: type[Rule], brand: int):
        return self.rules.get((cls.action, brand))

    def depth_caps(self) -> np.ndarray:
        """The deepest level a recruit may join at, by brand (inf without a cap)."""
        return np.array([np.inf if (r := self._rule(CapDepth, b.index)) is None else r.levels()
                         for b in self.brands])

    def may_recruit(self, seller_depth: np.ndarray, brand: np.ndarray) -> np.ndarray:
        """Under a depth cap, a recruit (one level below the seller) must stay within the cap."""
        return seller_depth + 2 <= self.depth_caps()[brand]  # founders: depth 0 = level 1

    def post_caps(self) -> np.ndarray:
        """Ads and income posts allowed a day, by brand (inf without a cap)."""
        return np.array([np.inf if (r := self._rule(CapAds, b.index)) is None else r.posts()
                         for b in self.brands])

    def may_reorder(self, people: People, pid: int) -> bool:
        """Under a resale rule, a seller reorders only once enough of its purchases are resold."""
        rule = self._rule(ResaleRule, int(people.brand[pid]))
        return rule is None or rule.may_reorder(people, pid)

    def to_remove(self, people: People) -> Iterator[np.ndarray]:
        """Sellers a crackdown removes today, brand by brand (each brand judged after the last
        brand's are removed)."""
        for brand in self.brands:
            rule = self._rule(Crackdown, brand.index)
            if rule is not None:
                sellers = people.sellers()
                yield rule.flagged(people, sellers[people.brand[sellers] == brand.index])
