"""Openness to a business opportunity: who could say yes to a pitch today.

Most people are never open to joining a scheme; openness comes with a life event (a new child, a
lost job, a need for income from home) and fades after a season. Each day, a person who could join
and is not open becomes open with chance `open_per_year / 365`, and an open one stops being open
with chance `1 / open_days`, so spells last `open_days` on average and about
`open_per_year x open_days / 365` of people are open at a time.

Who could join: everyone who never sold, and a seller who quit once `rejoin_after_days` have passed
since it left. An ex-seller stays a consumer meanwhile, and if it joins again it reopens its own
account: the same brand, the same recruiter above it and the same downline below (the schemes
register members by identity card, one account per person, with the recommender fixed at
registration), so there is still one record per participant.
"""

from __future__ import annotations

import numpy as np

from sim.model.people import People


def may_join(people: People, ids: np.ndarray | None = None) -> np.ndarray:
    """Whether each person (or each of `ids`) could be recruited today, open or not."""
    return people.could_join if ids is None else people.could_join[ids]


def end_rests(people: People, day: int, population: dict) -> None:
    """Ex-sellers whose rest is over could join again (exits queue up in day order)."""
    resting, rest = people.resting, population["rejoin_after_days"]
    while resting and day - resting[0][0] >= rest:
        _, pid = resting.popleft()
        people.could_join[pid] = True  # still out: a seller is never in the queue (one exit, one entry)


def drift(people: People, day: int, population: dict, rng: np.random.Generator) -> None:
    """Today's changes: some people become open, some open ones lose interest."""
    end_rests(people, day, population)
    draw = rng.random(people.n)
    arrives = people.could_join & ~people.open & (draw < population["open_per_year"] / 365)
    fades = people.open & (draw < 1.0 / population["open_days"])
    people.open[arrives] = True
    people.open[fades] = False
