"""What each pyramid-risk indicator means: its cut-offs, its legal or published basis, its wording.

A regulator reads a verdict by its basis, so the table is kept apart from the arithmetic in
`sim.risk.indicators`, where each row is measured: one row per indicator, in report order, and the
rule that turns the verdicts into an overall one.
"""

from __future__ import annotations

from typing import Any

VERDICTS = ("low", "elevated", "high")  # and "n/a" where the data cannot give a value
PRC_2005 = "PRC Regulation on Prohibition of Pyramid Selling (2005)"
DSR = "PRC Direct Selling Regulation (2005)"
FTC_2018 = "FTC Business Guidance Concerning Multi-Level Marketing (2018)"
AMWAY = "In re Amway Corp., 93 F.T.C. 618 (1979)"
WECHAT = "WeChat platform rules 2015-16 (no distribution deeper than 3 levels)"

# One row per indicator: cut-offs `high` / `elevated` (`below`: low values are the risk), basis,
# explanation (`na`: when not measurable; `above`: for a value past `most`, shown as "> most").
# Each row's comment says why its cut-offs are there.
SPEC: dict[str, dict[str, Any]] = {
    # Half the goods never reaching an end user is past stock in transit; Amway's 70% is elevated.
    "retail_reach": dict(
        name="Goods reaching end users", unit="share of units", high=0.5, elevated=0.7, below=True,
        basis=f"{FTC_2018}: retail sales to non-participants; {AMWAY}: 10-retail-customer rule",
        explain="{v:.1%} of the units participants bought from the brand (net of buybacks) were sold on "
                "at retail to people outside the network.", na="Participants bought nothing from the brand."),
    # Koscot / BurnLounge: is pay *mainly* for recruiting (over half)? A quarter is a main source.
    "recruiting_income_share": dict(
        name="Income from recruits and downlines", unit="share of yuan", high=0.5, elevated=0.25,
        basis=f"{PRC_2005} Art. 2, 7(1) and 7(3); FTC v. Koscot Interplanetary (1975); "
              "FTC v. BurnLounge (9th Cir. 2014)",
        explain="{v:.0%} of participants' receipts came from other participants (their stock orders, "
                "purchases and the bonuses on them) rather than from retail to outsiders.",
        na="Participants received nothing from recruits or from retail."),
    # Join/climb stock mostly unsold after 90 days was bought for rank, not demand; a quarter: warning.
    "entry_loading": dict(
        name="Entry and upgrade stock unsold after 90 days", unit="share of units", high=0.5, elevated=0.25,
        basis=f"{PRC_2005} Art. 7(2) (entry fee / required purchase, 入门费 认购商品); {FTC_2018}: "
              "inventory loading",
        explain="{v:.0%} of the units bought in entry and upgrade orders were still unsold by the buyer "
                "90 days after the order.", na="No entry or upgrade order is old enough (90 days) to judge."),
    # Pay on downlines' purchases is team-based pay (a named pyramid form; never allowed): any = high.
    "team_pay": dict(
        name="Team-based pay on downline purchases", unit="share of payouts", high=0.0, elevated=0.0,
        basis=f"{PRC_2005} Art. 7(3) (团队计酬); {DSR} Art. 24 (no overrides); {WECHAT}",
        explain="{v:.0%} of all bonus money was team bonus paid on downlines' purchases, reaching "
                "{levels} levels down."),
    # The legal line itself (rule in _largest_tree); elevated at one limb alone, or past WeChat's 3.
    "largest_tree": dict(
        name="Largest organiser's network", unit="people",
        threshold="high: >= 30 people and >= 3 levels ('serious', 情节严重: >= 120 people or >= 2.5 million "
                  "yuan taken in); elevated: >= 30 people or > 3 levels",
        basis="SPC/SPP/MPS joint opinion on pyramid-selling cases (2013), Criminal Law Art. 224-1; " + WECHAT,
        explain="The largest organiser's network has {v:,.0f} people in {levels} levels (the 2013 criminal "
                "threshold is 30 people in 3 levels){serious_words}.", na="There are no participants."),
    # The regulation's own cap; 20% is close to it.
    "payout_ratio": dict(
        name="Bonuses as a share of own retail sales", unit="ratio", high=0.30, elevated=0.20,
        basis=f"{DSR} Art. 24 (pay at most 30% of the seller's own sales to consumers)",
        explain="Bonuses paid came to {words} participants' own retail sales to outsiders (the Direct "
                "Selling Regulation allows at most 30%)."),
    # Two months of stock is generous for goods sold to friends; six months is hoarding. Past ten
    # years the number only says that sales have all but stopped (a near-zero rate divides it).
    "stock_days": dict(
        name="Stock held, in days of sales to end users", unit="days", high=180.0, elevated=60.0,
        basis=f"{FTC_2018}: inventory loading; {AMWAY}: buyback and 70% rules",
        explain="Participants hold {stock:,.0f} units, {v:,.0f} days of their recent retail sales to "
                "outsiders.", most=3650.0,
        above="Participants hold {stock:,.0f} units, more than {most:,.0f} days (ten years) of their recent "
              "retail sales to outsiders, which have all but stopped."),
    # Amway's rule broken on most reorders is high; on one in five, elevated.
    "reorder_before_70": dict(
        name="Reorders before 70% of stock was resold", unit="share of orders", high=0.5, elevated=0.2,
        basis=f"{AMWAY}: no reorder until 70% of the stock bought is sold or used",
        explain="{v:.0%} of {n:,} restock and upgrade orders were placed before the buyer had resold 70% of "
                "the stock it bought earlier.", na="There were no restock or upgrade orders."),
    # Taylor (~99% lose), Fortune Hi-Tech (98%), AARP (nearly half): a majority is high, a quarter
    # elevated. Unsold stock counts as nothing (at cost in the detail); under 90 days in: too new.
    "share_in_loss": dict(
        name="Participants in loss", unit="share of people", high=0.5, elevated=0.25,
        basis="Taylor, 'The Case (for and) against Multi-level Marketing'; FTC staff report on 70 MLM "
              "income disclosures (2024); AARP Foundation survey (2018)",
        explain="{v:.0%} of the {n:,} participants in for 90 days or more paid more for stock than they "
                "received from sales, bonuses and buybacks.", na="Nobody has been in for 90 days yet."),
    # Receipts are gross (before costs): 25% over allows a good month; double is not typical.
    "claims_vs_earned": dict(
        name="Income claimed in posts vs. received", unit="ratio", high=2.0, elevated=1.25,
        basis=f"{FTC_2018}: earnings claims must reflect typical results",
        explain="Participants who posted income claims showed {v:.1f} times what they actually received "
                "per month, before costs.", na="No income claims were posted."),
}
# The 2013 tree threshold (30 people in 3 levels) counts as one high, not a verdict on its own: it
# applies to organisers of pyramid selling, which the other indicators (recruiting pay, entry
# loading, team pay: the forms of PRC 2005 Art. 7) must show; a large honest network is not one.
RULE = ("high if two or more indicators are high (the 2013 threshold of 30 people in 3 levels counts as "
        "one: it applies only where other indicators show a pyramid form); elevated if any indicator is "
        "high or three or more are elevated; otherwise low (n/a indicators are not counted)")


def value_range(key: str) -> tuple[float, float]:
    """The values an indicator can take: a share lies in [0, 1], a count of people or days, a ratio
    is never negative (the bounds a 95% interval of its mean is clipped to)."""
    return (0.0, 1.0) if SPEC[key]["unit"].startswith("share") else (0.0, float("inf"))
