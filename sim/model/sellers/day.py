"""The sellers' half of the day: who acts is decided for all sellers at once, then each acting
seller does its deed, one at a time, in the day's random order.

A seller's day runs in phases, and every seller finishes a phase before the next begins:

1. post to Moments (ads, lifestyle posts, income screenshots)       `posting`
2. keep the tier: every 30 days since joining, meet the quota or drop `quota`
   and pay the month's costs of taking part (fees, expenses)        `costs`
3. restock when stock is below half of what expected sales call for `restocking`
4. climb a tier, sometimes, when cash allows                        `climbing`
5. pitch the business to contacts; the contacts who say yes join    `pitching`
6. dump stock when short of cash                                    `dumping`
7. quit, with a daily hazard that rises with losses, idle stock,
   time without sales and disappointment                            `quitting`

The decisions (who is due, who is short, which contact is pitched, who says yes) are array
work over all sellers; only the acts that move stock or money along the tiers (orders, which
ripple up to suppliers; recruits; quits) run one seller at a time, and each act checks its
conditions again, because an earlier act the same day may have changed them (a supplier
drained of stock, a contact already recruited by someone else).
"""

from __future__ import annotations

import numpy as np

from sim.model.people import SELLER
from sim.model.sellers import climbing, costs, dumping, pitching, posting, quitting, quota, restocking
from sim.model.sellers.lifecycle import Roster
from sim.model.state import State


def act(state: State, roster: Roster) -> None:
    """All active sellers' day, phase by phase."""
    order = state.people.sellers()
    state.rng.shuffle(order)

    def still_selling() -> np.ndarray:  # an earlier phase may have made someone quit
        return order[state.people.role[order] == SELLER]

    posting.post_moments(state, order)
    quota.keep_tiers(state, still_selling())
    costs.pay_costs(state, still_selling())
    restocking.restock(state, still_selling())
    climbing.climb(state, still_selling())
    pitching.pitch(state, roster, still_selling())
    dumping.dump_if_short(state, still_selling())
    quitting.quit_if_done(state, roster, still_selling())
