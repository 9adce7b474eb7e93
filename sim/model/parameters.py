"""Every scenario parameter, with its default, unit and meaning, in one place.

A scenario file only needs the keys it changes; `sim.scenario` fills in the rest from
here and checks each value against the bounds below. Figures taken from the source
articles or published sources (docs/domain.md) say so in their meaning. `LIMITS`, at the
end, are the bounds on the input as a whole that protect the machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.common.text import shown
from sim.common.tomlfile import MAX_DOTTED_PARTS, MAX_FILE_BYTES

STRATEGIES = ("relationship", "hoarder", "recruiter", "member")
GRAPHS = ("holme_kim", "watts_strogatz", "barabasi_albert", "edgelist")
SHIPPING = ("upline", "brand")


@dataclass(frozen=True)
class Param:
    """One parameter: default, unit, meaning and what values are allowed."""

    default: Any
    unit: str
    meaning: str
    lo: float | None = None  # inclusive lower bound for numbers
    hi: float | None = None  # inclusive upper bound for numbers
    choices: tuple | None = None

    def allowed(self) -> str:
        """Describe the allowed values in a few words (used in error messages)."""
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        kind = type(self.default).__name__
        if kind == "list":
            return "list of shares from 0 to 1"
        if self.lo is not None and self.hi is not None:
            return f"{kind} from {self.lo} to {self.hi}"
        if self.lo is not None:
            return f"{kind} >= {self.lo}"
        return kind

    def check(self, value: Any) -> Any:
        """The value as the model uses it (an int for an int parameter, a float for a float one);
        ValueError('VALUE is not allowed (allowed: ...)') if it is not allowed."""
        default, ok = self.default, True
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, int | float):
            ok = not isinstance(value, bool) and isinstance(value, int | float) and value == value  # NaN
            if ok and isinstance(default, int) and not isinstance(value, int):
                ok = float(value).is_integer()  # 30.0 days is 30 days; inf is not an integer
                value = int(value) if ok else value
            # (bounds before float(): an int too large for a float is out of them)
            ok = ok and (self.lo is None or value >= self.lo) and (self.hi is None or value <= self.hi)
            value = float(value) if ok and isinstance(default, float) else value
        elif isinstance(default, str):
            ok = isinstance(value, str) and (not self.choices or value in self.choices)
        elif isinstance(default, list):
            ok = isinstance(value, list) and all(
                isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 1 for v in value)
            value = [float(v) for v in value] if ok else value
        if not ok:
            raise ValueError(f"{shown(value)} is not allowed (allowed: {self.allowed()})")
        return value


RUN = {
    "days": Param(365, "days", "simulated horizon; one step is one day", 1, 10_000),
    "seed": Param(1, "-", "root random seed (same scenario + seed = identical output)", 0, 2**63 - 1),
}

META = {
    "name": Param("", "-", "short scenario name (defaults to the file name)"),
    "description": Param("", "-", "one line shown by `weishang scenarios`"),
}

POPULATION = {
    "people": Param(2000, "persons", "people on the social graph (WeChat contacts); a run needs "
                    "about 4 KiB of memory a person (a million: ~4 GiB)", 10, 10_000_000),
    "graph": Param("holme_kim", "-", "social graph generator or an edge-list file", choices=GRAPHS),
    "edgelist": Param("", "path", "edge list 'a b [tie]' per line, relative to the scenario file"),
    "mean_degree": Param(12, "contacts", "mean number of contacts per person (with people, at most "
                         "LIMITS['contacts'] contacts in all)", 2, 1000),
    "rewire_prob": Param(0.1, "probability", "Watts-Strogatz rewiring probability", 0.0, 1.0),
    "triangle_prob": Param(0.3, "probability", "Holme-Kim triangle-closing probability", 0.0, 1.0),
    "strong_tie_share": Param(0.25, "share", "share of ties that are family/close friends", 0.0, 1.0),
    "need_share": Param(0.6, "share", "share of people who use the product category", 0.0, 1.0),
    "shop_prob": Param(0.25, "1/day", "chance a person with an unmet need buys today", 0.0, 1.0),
    "wealth_median": Param(
        30000.0, "yuan", "median savings at start (about a year's disposable income: "
        "32,000 yuan per capita in 2020, NBS)", 0.0, 1e9),
    "wealth_sigma": Param(1.0, "log-yuan", "spread of the log-normal savings distribution", 0.0, 5.0),
    "savings_per_month": Param(
        800.0, "yuan/month", "what a household can put aside each month (~30% of "
        "2,700 yuan monthly disposable income, NBS 2020)", 0.0, 1e7),
    "price_sensitivity": Param(2.0, "utility per 100% price", "mean weight of price in choice", 0.0, 50.0),
    "risk_aversion": Param(0.5, "0-1", "mean risk aversion (beta-distributed)", 0.01, 0.99),
    # Openness to a business opportunity: most people are never open to one; openness comes with a
    # life event (a new child, a lost job, a need for income from home: the practitioners are mostly
    # young women, docs/domain.md#figures-used-for-defaults) and fades after a season. Only people
    # open now can say yes to a pitch. The flow of newly open people renews the pool a scheme can
    # recruit from, so a scheme can grow for years in a population that nobody enters or leaves.
    "open_share": Param(0.003, "share", "share of people open to a business opportunity on day 0 "
                        "(about open_per_year x open_days / 365: the steady state)", 0.0, 1.0),
    "open_per_year": Param(0.02, "1/year", "yearly chance that someone not open becomes open (a few "
                           "per cent of adults a year meet such a life event; over a working life "
                           "this makes the ~8% of adults who ever join an MLM plausible, AARP 2018, "
                           "docs/domain.md#take-up-time-scale-and-dropout)", 0.0, 365.0),
    "open_days": Param(60.0, "days", "mean length of a spell of openness (it fades after a season)",
                       1.0, 100_000.0),
    "rejoin_after_days": Param(180.0, "days", "rest after quitting before an ex-seller can be open to "
                               "a pitch again and reopen its account (about half a year: the wait "
                               "many plans set before a lapsed member may sign up again, and long "
                               "enough for the loss to fade; more than the run's days keeps quitters "
                               "out for good)", 0.0, 1e9),
    "hourly_wage": Param(20.0, "yuan/hour", "what an hour of a seller's time is worth elsewhere, the "
                         "wage it gives up (about the hourly minimum wage for part-time work in "
                         "China's large cities, 20-26 yuan in 2023: the sellers are mostly young "
                         "women working from home, docs/domain.md#figures-used-for-defaults); the "
                         "hours are booked as the imputed kind `time`, not paid", 0.0, 1e6),
}

TRUST = {
    "stranger": Param(0.1, "0-1", "trust in strangers, e.g. online discount sellers "
                      "(docs/domain.md#what-a-weishang-is: >70% of people distrust strangers)", 0.0, 1.0),
    "outside_channel": Param(0.3, "0-1", "trust in shops and platforms (the outside channel)", 0.0, 1.0),
    "initial_strong": Param(0.6, "0-1", "initial cognitive trust along a strong tie", 0.0, 1.0),
    "initial_weak": Param(0.3, "0-1", "initial cognitive trust along a weak tie", 0.0, 1.0),
    "weight_cognitive": Param(0.4, "weight", "weight of cognitive trust in overall trust", 0.0, 1.0),
    "weight_affective": Param(0.35, "weight", "weight of affective trust in overall trust", 0.0, 1.0),
    "weight_behavioural": Param(0.25, "weight", "weight of behavioural trust", 0.0, 1.0),
    "cognitive_rate": Param(0.3, "per satisfaction", "how far one purchase moves cognitive trust", 0.0, 1.0),
    "affective_rate": Param(0.1, "per satisfaction", "how far lasting satisfaction builds affective trust",
                            0.0, 1.0),
    "behavioural_rate": Param(0.3, "per repeat", "how far a satisfied repeat builds behavioural trust",
                              0.0, 1.0),
    "broken_promise": Param(-0.3, "satisfaction",
                            "below this one purchase breaks behavioural trust "
                            "(docs/domain.md#what-builds-trust: one broken promise loses the customer)",
                            -2.0, 0.0),
    "service_value": Param(0.25, "satisfaction", "satisfaction added by follow-up service", 0.0, 2.0),
    "satisfaction_noise": Param(0.1, "satisfaction", "spread of satisfaction around its mean", 0.0, 2.0),
    "word_of_mouth": Param(0.1, "trust per satisfaction", "trust a recommendation or warning moves in "
                           "a neighbour", 0.0, 1.0),
    "complaint_prob": Param(0.5, "per unit dissatisfaction", "chance a dissatisfied buyer complains",
                            0.0, 1.0),
    "ad_tolerance": Param(4.0, "posts/day", "posts a day a contact accepts from one seller "
                          "(docs/domain.md#moments-posting: 4 a day, never more than 5)", 0.0, 100.0),
    "annoyance": Param(0.01, "trust per excess post", "cognitive trust lost per post over tolerance",
                       0.0, 1.0),
    "mute_prob": Param(0.01, "per excess post", "chance a contact mutes a seller per post over tolerance",
                       0.0, 1.0),
    "ad_memory": Param(14, "days", "how long an ad keeps a seller in a contact's mind", 1, 365),
    "dumping_penalty": Param(0.5, "trust per price gap", "cognitive trust lost in a dearer seller when "
                             "the same product is seen cheaper, per 100% price gap", 0.0, 5.0),
    "choice_weight": Param(3.0, "utility per trust", "weight of trust in the choice of seller", 0.0, 50.0),
    "choice_noise": Param(0.3, "utility", "scale of idiosyncratic taste in choices (Gumbel)", 0.0, 10.0),
}

MARKET = {
    "outside_price": Param(100.0, "yuan", "price of the category in shops and platforms", 0.01, 1e7),
    "outside_quality": Param(0.7, "0-1", "quality of what the outside channel sells", 0.0, 1.0),
    "outside_days": Param(30, "days", "how long a unit bought outside lasts", 1, 3650),
    "dump_price": Param(0.5, "share of list", "what discount traders pay for dumped stock "
                        "(docs/domain.md#stock-hoarding-and-dumping: dumped at 50-65% of list)", 0.01, 1.0),
    "grey_markup": Param(1.25, "x dump price", "discount traders' resale price over what they paid",
                         1.0, 10.0),
    "grey_capacity": Param(20.0, "units per 1,000 people", "dumped units discount traders will "
                           "hold per brand; beyond it they buy no more", 0.0, 1e7),
    "grey_visibility": Param(0.3, "probability", "chance a shopper sees a discount offer when one "
                             "exists", 0.0, 1.0),
}

SELLERS = {
    "mix": Param({"relationship": 1.0, "hoarder": 0.0, "recruiter": 0.0, "member": 0.0}, "weights",
                 "strategy mix of new sellers (normalised)"),
    # Dropout is a daily hazard, not a timer (docs/domain.md#take-up-time-scale-and-dropout: a steady
    # monthly hazard): log-odds of quitting today = logit(dropout_per_year / 365) + the terms below.
    "dropout_per_year": Param(0.4, "1/year", "yearly chance of quitting of a seller whose business "
                              "goes as hoped (life changes, lost interest): even plans selling good "
                              "products lose a third to a half of their sellers a year", 0.0, 1.0),
    "quit_loss": Param(3.0, "logit per wealth share", "effect of the seller's loss, as a share of its "
                       "savings at start; stock is valued at what it paid (it hopes to sell it)",
                       0.0, 100.0),
    "quit_idle": Param(0.15, "logit per month", "effect of each month since the last sale (counted up "
                       "to 12)", 0.0, 100.0),
    "quit_stock": Param(0.05, "logit per month of stock", "effect of idle stock: months of sales at the "
                        "current rate the stock on hand would take to sell (up to 12)", 0.0, 100.0),
    "quit_disappointment": Param(0.2, "logit per log shortfall", "effect of earning less a month than "
                                 "the income the recruiter showed: times log(1 + shortfall in months "
                                 "of household savings), phased in over the first 3 months", 0.0, 100.0),
    "cash_floor": Param(500.0, "yuan", "below this cash a seller who dumps starts dumping", 0.0, 1e9),
    "recruit_base": Param(-3.0, "logit", "baseline log-odds that a pitch succeeds", -20.0, 20.0),
    "recruit_trust": Param(3.0, "logit per trust", "effect of trust in the recruiter", 0.0, 20.0),
    "recruit_income": Param(1.0, "logit per log income", "effect of the income the recruiter shows",
                            0.0, 20.0),
    "recruit_cost": Param(2.0, "logit per wealth share", "effect of the entry order relative to "
                          "wealth", 0.0, 50.0),
    "recruit_risk": Param(2.0, "logit per risk aversion", "effect of risk aversion", 0.0, 20.0),
    "loyal_customer_trust": Param(0.5, "0-1", "behavioural trust in a seller (the habit of buying "
                                  "from it again) above which a customer listens to that seller's "
                                  "pitch even when not looking for an opportunity: customers who "
                                  "trust become partners (docs/domain.md#word-of-mouth-and-recruits)",
                                  0.0, 1.0),
    "group_size": Param(100, "people", "people who read a pitch posted in a group chat (WeChat groups "
                        "hold up to 500 members)", 0, 100_000),
}

STRATEGY = {
    "ads_per_day": Param(1.0, "posts/day", "product ads posted to Moments", 0.0, 100.0),
    "lifestyle_per_day": Param(2.0, "posts/day", "lifestyle / uplifting posts (no ad)", 0.0, 100.0),
    "income_posts_per_day": Param(0.0, "posts/day", "income screenshots (recruiting bait)", 0.0, 100.0),
    "income_exaggeration": Param(1.0, "x", "claimed income over real income in screenshots", 0.0, 100.0),
    "follow_up": Param(0.9, "probability", "chance a customer gets after-sales follow-up", 0.0, 1.0),
    "overclaim": Param(0.0, "quality", "how far claims exceed the product's real quality", 0.0, 1.0),
    "pitches_per_day": Param(0.02, "pitches/day", "recruitment pitches to contacts (more when the plan "
                             "pays for recruits, up to MAX_PITCHES_PER_DAY people a day)", 0.0, 100.0),
    "group_posts_per_day": Param(0.0, "posts/day", "recruitment pitches posted in group chats, read by "
                                 "sellers.group_size people met there (strangers)", 0.0, 100.0),
    "optimism": Param(1.0, "x", "expected sales over recent real sales when restocking", 0.0, 100.0),
    "stock_days": Param(14.0, "days", "days of expected sales kept in stock", 0.0, 3650.0),
    "climbs": Param(False, "-", "buys bigger orders to climb tiers when cash allows"),
    "meets_quota": Param(False, "-", "buys to meet a restock quota rather than be demoted"),
    "loads_recruits": Param(False, "-", "pitches recruits the highest tier they can afford"),
    "dumps": Param(False, "-", "dumps stock below price when cash runs short or on quitting"),
    "discount": Param(0.0, "share of list", "discount given at retail", 0.0, 1.0),
    "own_use": Param(False, "-", "joins for the discount and uses its stock itself (a discount member): "
                     "no posts, pitches or retail; judges the plan by neither sales nor income"),
    "expenses_per_month": Param(50.0, "yuan/30 days", "costs of taking part paid outside the plan: "
                                "samples, phone and data, travel to events and trainings; recruiting "
                                "strategies go to more events", 0.0, 1e7),
    "hours_per_day": Param(1.0, "hours/day", "time given to the business: posts through the day (the "
                           "routine of 4 posts from 07:30 to 23:00, docs/domain.md#moments-posting), "
                           "replies, packing and delivery; valued at population.hourly_wage", 0.0, 24.0),
}

STRATEGY_DEFAULTS = {
    "relationship": {},
    "hoarder": {"ads_per_day": 4.0, "lifestyle_per_day": 1.0, "income_posts_per_day": 1.0,
                "income_exaggeration": 2.0, "follow_up": 0.3, "overclaim": 0.2,
                "pitches_per_day": 0.2, "group_posts_per_day": 0.2, "optimism": 3.0, "stock_days": 60.0,
                "climbs": True,
                "meets_quota": True, "dumps": True, "discount": 0.1, "expenses_per_month": 200.0,
                "hours_per_day": 1.5},  # more posts and stock to move
    "recruiter": {"ads_per_day": 3.0, "lifestyle_per_day": 1.0, "income_posts_per_day": 2.0,
                  "income_exaggeration": 3.0, "follow_up": 0.1, "overclaim": 0.3,
                  "pitches_per_day": 1.0, "group_posts_per_day": 1.0, "optimism": 1.5, "stock_days": 20.0,
                  "climbs": True,
                  "meets_quota": True, "loads_recruits": True, "dumps": True,
                  "expenses_per_month": 400.0, "hours_per_day": 2.5},  # pitches, group chats, events
    # A discount member: buys at its tier's price for its own household and does not sell.
    "member": {"ads_per_day": 0.0, "lifestyle_per_day": 0.0, "follow_up": 0.0, "pitches_per_day": 0.0,
               "optimism": 1.0, "stock_days": 30.0, "own_use": True, "expenses_per_month": 0.0,
               "hours_per_day": 0.0},
}

BRAND = {
    "name": Param("brand", "-", "brand name"),
    "list_price": Param(100.0, "yuan", "suggested retail price of one unit", 0.01, 1e7),
    "unit_cost": Param(30.0, "yuan", "production cost of one unit (Xirui case: 5.7m cost "
                       "vs 12.1m sold to agents)", 0.0, 1e7),
    "quality": Param(0.8, "0-1", "how well the product really performs (fake / 三无 goods low)",
                     0.0, 1.0),
    "claim": Param(0.8, "0-1", "the quality the brand's marketing promises; buyers expect it "
                   "(plus each seller's overclaim) and judge the product against it", 0.0, 1.0),
    "consumption_days": Param(30, "days", "how long one unit lasts a user", 1, 3650),
    "shipping": Param("upline", "-", "who ships orders: the upline (earns the spread) or the brand",
                      choices=SHIPPING),
    "recruit_bonus": Param(0.0, "yuan/recruit", "paid to the direct upline per recruit", 0.0, 1e7),
    "recruit_bonus_share": Param(0.0, "share", "paid to the direct upline as a share of the "
                                 "recruit's first order", 0.0, 1.0),
    "team_bonus": Param([], "share by depth", "share of each downline purchase paid to the "
                        "ancestors 1, 2, ... levels up"),
    "joining_fee": Param(0.0, "yuan", "paid to the brand on joining, beside the first order (an "
                         "enrolment or 'system' fee: Fortune Hi-Tech's receiver found >= 88% never "
                         "earned it back, docs/domain.md#losses-and-earnings)", 0.0, 1e7),
    "monthly_fee": Param(0.0, "yuan/30 days", "paid to the brand every 30 days while selling: "
                         "training, website and 'system' fees", 0.0, 1e7),
    "retail_bonus_share": Param(0.0, "share of price", "rebate the brand pays a seller on its own "
                                "retail sales (Zhejiang 2022 case: 30% on direct sales)", 0.0, 1.0),
    "pool_share": Param(0.0, "share", "share of the brand's stock sales of the last 30 days paid to "
                        "qualified leaders, split by group volume (a leadership or 'infinity' pool "
                        "bonus: team-based pay that concentrates at the top)", 0.0, 1.0),
    "pool_volume": Param(10000.0, "yuan/30 days", "group volume (purchases of everyone below, "
                         "pool_depth levels down) a seller needs in 30 days to share the pool",
                         0.0, 1e12),
    "pool_depth": Param(0, "levels", "levels of downline counted in group volume (0: all, an "
                        "infinity bonus)", 0, 1000),
    "pool_personal_volume": Param(0.0, "yuan/30 days", "stock a seller must buy itself in the 30 "
                                  "days to share the pool, beside its group volume (real plans "
                                  "qualify ranks by personal and group volume; this is what keeps "
                                  "leaders buying)", 0.0, 1e12),
    "buyback_share": Param(0.0, "share of cost", "buyback of unsold stock on quitting (DSA code: "
                           ">= 0.9)", 0.0, 1.0),
    "buyback_days": Param(0, "days", "only stock bought within this many days is bought back",
                          0, 100_000),
    "mix": Param({}, "weights", "strategy mix of this brand's sellers (empty: sellers.mix)"),
    "founder_strategy": Param("mix", "-", "strategy of the founders ('mix': drawn like others)",
                              choices=("mix", *STRATEGIES)),
    "founders": Param(3, "sellers", "organisers on day 0: the best-connected of the richest fifth, "
                      "each at the best tier it can afford", 1, 100_000),
}

TIER = {
    "name": Param("agent", "-", "tier name"),
    "price": Param(0.6, "share of list", "what this tier pays per unit (Koscot: 0.60/0.45/0.35)",
                   0.001, 1.0),
    "first_order": Param(0.0, "yuan", "minimum first order to join at (or upgrade to) this tier",
                         0.0, 1e9),
    "monthly_quota": Param(0.0, "yuan/30 days", "purchases needed every 30 days to keep the tier",
                           0.0, 1e9),
}

DEFAULT_TIERS = [{"name": "agent", "price": 0.6, "first_order": 600.0, "monthly_quota": 0.0}]

ACTIONS = ("ban_recruit_bonus", "ban_team_bonus", "mandate_buyback", "cap_depth", "cap_ads",
           "crackdown", "drop_quotas", "resale_rule")

INTERVENTION = {
    "day": Param(0, "day", "day the intervention starts (it stays in force after)", 0, 100_000),
    "action": Param("ban_recruit_bonus", "-", "what the regulator or platform does", choices=ACTIONS),
    "brand": Param("", "-", "the brand it applies to (empty: every brand)"),
    "share": Param(0.9, "share", "mandate_buyback: buyback share of cost (DSA code >= 0.9); "
                   "resale_rule: share of purchases resold before a reorder (Amway: 0.7)", 0.0, 1.0),
    "days": Param(365, "days", "mandate_buyback: stock bought within this many days is bought back "
                  "(DSA code: 12 months)", 0, 100_000),
    "levels": Param(3, "levels", "cap_depth: deepest level allowed, founders = level 1 "
                    "(WeChat rules: at most 3)", 1, 1000),
    "posts_per_day": Param(4.0, "posts/day", "cap_ads: most ads + income posts a seller may post a day",
                           0.0, 100.0),
    "complaints": Param(5, "complaints", "crackdown: sellers with this many complaints are removed",
                        1, 1_000_000),
    "spam_posts": Param(6.0, "posts/day", "crackdown: sellers posting more than this a day are removed",
                        0.0, 100.0),
}

SECTIONS = {"run": RUN, "meta": META, "population": POPULATION, "trust": TRUST,
            "market": MARKET, "sellers": SELLERS}


# A seller pitches at most this many people a day, contacts and group-chat readers together, however
# much a recruitment bonus spurs it (the spur multiplies pitches_per_day and group_posts_per_day
# without bound: a bonus of 10 million yuan made one seller's pitches need hundreds of GiB).
MAX_PITCHES_PER_DAY = 200


@dataclass(frozen=True)
class Limit:
    """A limit on the input, with what it counts and why it is there."""

    value: int
    what: str
    why: str


LIMITS = {
    "file_bytes": Limit(MAX_FILE_BYTES, "bytes in a scenario file",
                        "bundled files are 3-5 KB; the TOML parser takes about a second a MB"),
    "dotted_parts": Limit(MAX_DOTTED_PARTS, "parts of a dotted key or table name in a file, "
                          "checked before parsing", "the parser's memory grows with their square"),
    "nesting": Limit(8, "levels of tables and lists nested in one another",
                     "the deepest key is brands.N.tiers.N.KEY, 5 levels"),
    "items": Limit(100, "items in a list (tiers, team_bonus levels, interventions) or keys in a table",
                   "checked before anything else, so a huge list is refused at once"),
    "brands": Limit(20, "brands in a scenario", "stock is counted per account and brand"),
    "text_chars": Limit(1000, "characters in a text value (names, descriptions, the edge-list path)",
                        "names go into file names, tables and figures"),
    "name_bytes": Limit(200, "bytes (UTF-8) in meta.name, a plain folder name: no / \\ or control "
                        "characters", "the name is the run folder's, NAME-seedS, within 255 bytes"),
    "key_chars": Limit(200, "characters in a --set key", "the longest real key has about 40"),
    "key_parts": Limit(8, "dotted parts in a --set key", "as deep as the nesting allows"),
    "value_chars": Limit(10_000, "characters in a --set value", "a list of 100 shares takes ~600"),
    "contacts": Limit(200_000_000, "population.people x population.mean_degree",
                      "trust and ties are kept per contact, from both ends: about 130 bytes each"),
    "order_units": Limit(1_000_000_000, "units in a tier's first_order or monthly_quota at its "
                         "unit price (price x list_price)",
                         "stock is counted in whole units, in 64-bit integers summed over the run"),
    "pitches_per_day": Limit(MAX_PITCHES_PER_DAY, "people a seller pitches a day, contacts and "
                             "group-chat readers together, however much a recruitment bonus spurs it",
                             "a day's pitches are drawn at once: this bounds their memory"),
}
