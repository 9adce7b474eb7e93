"""Openness to a business opportunity: who could say yes to a pitch today.

Most people are never open to joining a scheme; openness comes with a life event (a new child, a
lost job, a need for income from home) and fades after a season. Each day, a consumer who is not
open becomes open with chance `open_per_year / 365`, and an open one stops being open with
chance `1 / open_days`, so spells last `open_days` on average and about
`open_per_year x open_days / 365` of people are open at a time. Sellers and ex-sellers are out
of this pool: a seller who quits stays a consumer and is not recruited again (one record per
participant, as in the data schema).
"""

from __future__ import annotations

import numpy as np

from sim.model.people import CONSUMER, People


def drift(people: People, population: dict, rng: np.random.Generator) -> None:
    """Today's changes: some people become open, some open ones lose interest."""
    draw = rng.random(people.n)
    consumer = people.role == CONSUMER
    arrives = consumer & ~people.open & (draw < population["open_per_year"] / 365)
    fades = people.open & (draw < 1.0 / population["open_days"])
    people.open[arrives] = True
    people.open[fades] = False
