"""The consumer half of the day, vectorized over all people.

1. `use_up`: units in use run down; a finished unit is booked as consumed, and a unit
   bought from a seller is judged (satisfaction = real quality - promised quality +
   follow-up service + noise), which moves trust, spreads word of mouth and may bring a
   complaint.
2. `use_own_stock`: discount members use a unit of their own stock;
3. `shop`: people with a need and nothing in use may buy one unit: from a contact who sells
   (if they know of it - an ad seen lately or an earlier purchase - and have not muted it),
   from discount traders (if they happen to see dumped stock), or from shops and platforms.
   They pick the best by trust and price, with a random taste term.
"""

from __future__ import annotations

import numpy as np

from sim.model.people import NONE, OUTSIDE, SELLER
from sim.model.state import State


def use_up(state: State) -> dict:
    """Advance everyone's unit in use by a day; judge the ones used up. Returns day counts."""
    p, ledger = state.people, state.ledger
    in_use = np.flatnonzero(p.using != NONE)
    p.days_left[in_use] -= 1
    done = in_use[p.days_left[in_use] <= 0]
    brand_done = done[p.using[done] >= 0]
    ledger.post_many("consumption", ledger.CONSUMED, brand_done, 0.0, 1, p.using[brand_done])
    p.home[brand_done] -= 1
    judged = brand_done[p.bought_from[brand_done] >= 0]
    complaints = _judge(state, judged)
    p.using[done] = NONE
    p.bought_from[done] = -1
    p.bought_edge[done] = -1
    return {"consumed_units": int(brand_done.size), "complaints": complaints}


def _judge(state: State, buyers: np.ndarray) -> int:
    """Satisfaction with the seller of a used-up unit moves trust; returns complaints made."""
    if buyers.size == 0:
        return 0
    p, rng, tp = state.people, state.rng, state.params["trust"]
    quality = state.brand_quality[p.using[buyers]]
    noise = tp["satisfaction_noise"] * rng.standard_normal(buyers.size)
    satisfaction = quality - p.expectation[buyers] + tp["service_value"] * p.served[buyers] + noise
    sellers = p.bought_from[buyers]
    state.trust.experience(p.bought_edge[buyers], satisfaction, p.repeat[buyers])
    state.trust.spread_word(buyers, sellers, satisfaction)
    complain = rng.random(buyers.size) < tp["complaint_prob"] * np.maximum(-satisfaction, 0.0)
    np.add.at(p.complaints, sellers[complain], 1)
    return int(complain.sum())


def use_own_stock(state: State) -> int:
    """Discount members with nothing in use take a unit of their own stock (no purchase: the unit
    moves from their stock to their household, within their own account). Returns the units."""
    p = state.people
    sellers = p.sellers()
    own = sellers[state.plans["own_use"][p.strategy[sellers]].astype(bool) & (p.using[sellers] == NONE)
                  & (p.stock[sellers] > 0)]
    if own.size:
        p.stock[own] -= 1
        for pid in own:
            state.lots.release(int(pid), 1)
        _start_using(state, own, p.brand[own])
    return int(own.size)


def shop(state: State) -> dict:
    """Today's purchases by everyone with an unmet need. Returns the day's counts."""
    p, rng, mp = state.people, state.rng, state.params["market"]
    pop = state.params["population"]
    want = p.needs & (p.using == NONE) & (p.cash >= mp["outside_price"])
    shoppers = np.flatnonzero(want & (rng.random(p.n) < pop["shop_prob"]))
    k = shoppers.size
    stats = {"retail_units": 0, "retail_nonparticipant_units": 0, "grey_units": 0,
             "outside_units": 0, "repeat_purchases": 0, "price_ratios": np.zeros(0)}
    if k == 0:
        return stats
    noise = state.params["trust"]["choice_noise"]
    sens = p.price_sensitivity[shoppers]
    # Option 0: shops and platforms, at the market price.
    best_u = state.params["trust"]["choice_weight"] * state.params["trust"]["outside_channel"] \
        + noise * rng.gumbel(size=k)
    best_kind = np.zeros(k, dtype=np.int8)  # 0 outside, 1 a seller, 2 discount traders
    best_seller = np.full(k, -1, dtype=np.int64)
    best_edge = np.full(k, -1, dtype=np.int64)
    grey_brand = np.full(k, -1, dtype=np.int64)
    _consider_grey(state, shoppers, sens, noise, best_u, best_kind, grey_brand)
    _consider_sellers(state, shoppers, sens, noise, best_u, best_kind, best_seller, best_edge,
                      grey_brand)
    bought_seller = _serve_sellers(state, shoppers, best_kind, best_seller, best_edge, stats)
    bought_grey = _serve_grey(state, shoppers, best_kind, grey_brand, stats)
    outside = shoppers[~(bought_seller | bought_grey)]
    ledger = state.ledger
    ledger.post_many("outside", outside, ledger.EXTERNAL, mp["outside_price"])
    p.using[outside] = OUTSIDE
    p.days_left[outside] = mp["outside_days"]
    stats["outside_units"] = int(outside.size)
    return stats


def _consider_grey(state: State, shoppers, sens, noise, best_u, best_kind, grey_brand) -> None:
    """Some shoppers see dumped stock of a brand offered by discount traders."""
    rng, mp, tp = state.rng, state.params["market"], state.params["trust"]
    ref = mp["outside_price"]
    for b, pool in enumerate(state.grey.pool):
        if pool <= 0:
            continue
        price = state.grey.price[b]
        sees = (rng.random(shoppers.size) < mp["grey_visibility"]) & (state.people.cash[shoppers] >= price)
        u = tp["choice_weight"] * tp["stranger"] - sens * (price / ref - 1.0) + noise * rng.gumbel(
            size=shoppers.size)
        grey_brand[sees & (grey_brand < 0)] = b  # what they saw, even if they buy elsewhere
        better = sees & (u > best_u)
        best_u[better] = u[better]
        best_kind[better] = 2
        grey_brand[better] = b


def _consider_sellers(state: State, shoppers, sens, noise, best_u, best_kind, best_seller, best_edge,
                      grey_brand) -> None:
    """Each shopper's best contact who sells, compared with the best option so far."""
    p, g, trust = state.people, state.graph, state.trust
    tp = state.params["trust"]
    edges = g.out_edges(shoppers)
    owner = np.repeat(np.arange(shoppers.size), g.degree[shoppers])
    seller = g.indices[edges]
    aware = (state.day - trust.seen_ad[edges] <= tp["ad_memory"]) | (
        p.last_seller[shoppers[owner]] == seller)
    ok = (p.role[seller] == SELLER) & (p.stock[seller] > 0) & ~trust.muted[edges] & aware \
        & (p.cash[shoppers[owner]] >= p.price[seller])  # nobody buys what they cannot pay for
    edges, owner, seller = edges[ok], owner[ok], seller[ok]
    if edges.size == 0:
        return
    brand = p.brand[seller]
    price = p.price[seller]
    # Seeing the same brand cheaper at the discount traders lowers trust in dearer sellers.
    saw = grey_brand[owner]
    cheaper = (saw == brand) & (price > state.grey.price[np.maximum(saw, 0)])
    if cheaper.any():
        gap = (price[cheaper] - state.grey.price[brand[cheaper]]) / state.list_price[brand[cheaper]]
        trust.see_cheaper(edges[cheaper], gap)
    ref = state.params["market"]["outside_price"]
    u = tp["choice_weight"] * trust.overall(edges) - sens[owner] * (price / ref - 1.0) \
        + noise * state.rng.gumbel(size=edges.size)
    order = np.lexsort((-u, owner))  # best first within each shopper
    first = order[np.r_[True, owner[order][1:] != owner[order][:-1]]]
    who = owner[first]
    better = u[first] > best_u[who]
    who, pick = who[better], first[better]
    best_u[who] = u[pick]
    best_kind[who] = 1
    best_seller[who] = seller[pick]
    best_edge[who] = edges[pick]


def _serve_sellers(state: State, shoppers, best_kind, best_seller, best_edge, stats) -> np.ndarray:
    """Sellers serve buyers in random order until their stock runs out."""
    p, rng = state.people, state.rng
    want = np.flatnonzero(best_kind == 1)
    served = np.zeros(shoppers.size, dtype=bool)
    if want.size == 0:
        return served
    want = want[rng.permutation(want.size)]
    seller = best_seller[want]
    order = np.argsort(seller, kind="stable")
    want, seller = want[order], seller[order]
    start = np.r_[0, np.flatnonzero(seller[1:] != seller[:-1]) + 1]
    rank = np.arange(seller.size) - np.repeat(start, np.diff(np.r_[start, seller.size]))
    ok = rank < p.stock[seller]
    want, seller = want[ok], seller[ok]
    served[want] = True
    buyer = shoppers[want]
    brand = p.brand[seller]
    price = p.price[seller]
    state.ledger.post_many("retail", buyer, seller, price, 1, brand)
    rebate = state.by_brand("retail_bonus_share")[brand]  # the brand's rebate on its sellers' own retail
    paid = rebate > 0
    state.ledger.post_many("retail_bonus", state.ledger.people + brand[paid].astype(np.int64), seller[paid],
                           rebate[paid] * price[paid])
    np.subtract.at(p.stock, seller, 1)
    np.add.at(p.sold_today, seller, 1)
    np.add.at(p.resold_units, seller, 1)
    p.last_sale[seller] = state.day
    for pid, units in zip(*np.unique(seller, return_counts=True), strict=True):
        state.lots.release(int(pid), int(units))
    repeat = p.last_seller[buyer] == seller
    _start_using(state, buyer, brand)
    p.bought_from[buyer] = seller
    p.bought_edge[buyer] = best_edge[want]
    p.expectation[buyer] = state.brand_claim[brand] + p.overclaim[seller]
    p.served[buyer] = rng.random(buyer.size) < p.follow_up[seller]
    p.repeat[buyer] = repeat
    p.last_seller[buyer] = seller
    stats["retail_units"] = int(buyer.size)
    stats["retail_nonparticipant_units"] = int((~p.is_participant(buyer)).sum())
    stats["repeat_purchases"] = int(repeat.sum())
    stats["price_ratios"] = price / state.list_price[brand]
    return served


def _serve_grey(state: State, shoppers, best_kind, grey_brand, stats) -> np.ndarray:
    """Discount traders sell dumped stock while it lasts."""
    served = np.zeros(shoppers.size, dtype=bool)
    ledger = state.ledger
    ratios = [stats["price_ratios"]]
    for b in range(len(state.grey.pool)):
        want = np.flatnonzero((best_kind == 2) & (grey_brand == b))
        want = want[state.rng.permutation(want.size)][: int(state.grey.pool[b])]
        if want.size == 0:
            continue
        buyer = shoppers[want]
        ledger.post_many("grey_retail", buyer, ledger.GREY, state.grey.price[b], 1, b)
        state.grey.pool[b] -= want.size
        _start_using(state, buyer, np.full(buyer.size, b))
        served[want] = True
        stats["grey_units"] += int(want.size)
        ratios.append(np.full(want.size, state.grey.price[b] / state.list_price[b]))
    stats["price_ratios"] = np.concatenate(ratios)
    return served


def _start_using(state: State, buyer: np.ndarray, brand: np.ndarray) -> None:
    p = state.people
    p.home[buyer] += 1
    p.using[buyer] = brand
    p.days_left[buyer] = state.brand_days[brand]
