"""Directed trust along social ties, in three levels, and its update rules
(docs/domain.md#three-levels-of-trust).

- cognitive: "the product meets my need" - moves with each purchase experience, with word
  of mouth, with annoying ads and with seeing the same product cheaper elsewhere;
- affective: lasting satisfaction - builds slowly from repeated good experiences, erodes
  slowly after bad ones;
- behavioural: the habit of buying again from this seller - built by satisfied repeat
  purchases, lost at once by a broken promise.

All state is per directed edge (what i thinks of j), aligned with `SocialGraph` edges; every
rule works on arrays of edge indices.
"""

from __future__ import annotations

import numpy as np

from sim.model.network import SocialGraph

NEVER = -(10**6)  # "day" of an ad never seen


class Trust:
    """Trust levels, muting and ad awareness per directed edge."""

    def __init__(self, graph: SocialGraph, params: dict, rng: np.random.Generator):
        self.graph = graph
        self.p = params
        weak, strong = params["initial_weak"], params["initial_strong"]
        jitter = rng.uniform(-0.05, 0.05, graph.edges)
        self.cognitive = np.clip(weak + (strong - weak) * graph.tie + jitter, 0.0, 1.0)
        self.affective = 0.5 * graph.tie  # close ties already carry affection
        self.behavioural = np.zeros(graph.edges)
        self.muted = np.zeros(graph.edges, dtype=bool)
        self.seen_ad = np.full(graph.edges, NEVER, dtype=np.int32)
        w = np.array([params["weight_cognitive"], params["weight_affective"],
                      params["weight_behavioural"]])
        self.weights = w / w.sum()

    def overall(self, edges: np.ndarray) -> np.ndarray:
        """One trust figure in [0, 1] per edge: the weighted levels."""
        wc, wa, wb = self.weights
        return wc * self.cognitive[edges] + wa * self.affective[edges] + wb * self.behavioural[edges]

    def experience(self, edges: np.ndarray, satisfaction: np.ndarray, repeat: np.ndarray) -> None:
        """A buyer has used up a unit from a seller: update all three levels on that edge.

        Satisfaction is a per-purchase judgement (performance minus expectation, plus
        service); repeated satisfaction builds the sturdier levels (docs/domain.md#satisfaction-is-not-trust).
        """
        p = self.p
        s = satisfaction
        c = self.cognitive[edges]
        self.cognitive[edges] = np.clip(c + p["cognitive_rate"] * s, 0.0, 1.0)
        a = self.affective[edges]
        grow = np.where(s > 0, s * (1.0 - a), s * a * 0.5)  # erodes at half the pace it builds
        self.affective[edges] = np.clip(a + p["affective_rate"] * grow, 0.0, 1.0)
        b = self.behavioural[edges]
        b = np.where((s > 0) & repeat, b + p["behavioural_rate"] * (1.0 - b), b)
        self.behavioural[edges] = np.where(s < p["broken_promise"], 0.0, b)

    def spread_word(self, buyers: np.ndarray, sellers: np.ndarray, satisfaction: np.ndarray) -> int:
        """Satisfied buyers recommend the seller to their contacts; dissatisfied ones warn them.

        Moves the contacts' cognitive trust in the seller, weighted by the buyer-contact tie.
        Returns the number of contacts reached.
        """
        g = self.graph
        told = g.out_edges(buyers)  # edges buyer -> contact
        if told.size == 0:
            return 0
        counts = g.degree[buyers]
        seller = np.repeat(sellers, counts)
        s = np.repeat(satisfaction, counts)
        contact = g.indices[told]
        about = g.edge_index(contact, seller)  # contact -> seller, where they know each other
        ok = about >= 0
        delta = self.p["word_of_mouth"] * s[ok] * g.tie[told[ok]]
        np.add.at(self.cognitive, about[ok], delta)
        self._clip(about[ok])
        return int(ok.sum())

    def see_posts(self, sellers: np.ndarray, ads: np.ndarray, total: np.ndarray, day: int,
                  rng: np.random.Generator) -> int:
        """Contacts see today's Moments posts; over-posting annoys and may get a seller muted.

        Returns the number of ties muted today.
        """
        g = self.graph
        out = g.out_edges(sellers)
        if out.size == 0:
            return 0
        poster = np.repeat(np.arange(sellers.size), g.degree[sellers])  # whose post each edge sees
        edges = g.rev[out]  # contact -> seller
        live = ~self.muted[edges]  # most edges toward busy sellers are muted: drop them first
        edges, poster = edges[live], poster[live]
        self.seen_ad[edges[ads[poster] > 0]] = day
        excess = np.maximum(total[poster] - self.p["ad_tolerance"], 0.0)
        annoyed = excess > 0
        e, excess = edges[annoyed], excess[annoyed]
        self.cognitive[e] = np.maximum(self.cognitive[e] - self.p["annoyance"] * excess, 0.0)
        mute = rng.random(e.size) < np.minimum(1.0, self.p["mute_prob"] * excess)
        self.muted[e[mute]] = True
        return int(mute.sum())

    def see_cheaper(self, edges: np.ndarray, gap: np.ndarray) -> None:
        """Seeing the same product cheaper elsewhere lowers trust in the dearer seller."""
        if edges.size:
            np.subtract.at(self.cognitive, edges, self.p["dumping_penalty"] * gap)
            self._clip(edges)

    def _clip(self, edges: np.ndarray) -> None:
        """Bring cognitive trust back into [0, 1] on the edges just moved (all others are)."""
        self.cognitive[edges] = np.clip(self.cognitive[edges], 0.0, 1.0)

    def means(self, edges: np.ndarray) -> tuple[float, float, float, float]:
        """Mean overall, cognitive, affective and behavioural trust over the given edges."""
        if edges.size == 0:
            return (float("nan"),) * 4
        levels = [float(level[edges].mean()) for level in (self.cognitive, self.affective,
                                                           self.behavioural)]
        return (float(np.dot(self.weights, levels)), *levels)
