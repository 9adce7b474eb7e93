"""The model is a Mesa model as Mesa users expect, and agents and arrays are one truth."""

from __future__ import annotations

import mesa
import numpy as np
from conftest import EVERYONE_OPEN, run, small
from mesa.discrete_space import Network

from sim import WeishangModel
from sim.model.agents import Consumer, Seller
from sim.model.brand import Brand
from sim.model.ledger import KIND
from sim.model.people import QUIT, SELLER


def test_people_are_mesa_agents_on_a_network_grid(tiny_model):
    model = tiny_model
    assert isinstance(model, mesa.Model)
    assert isinstance(model.grid, Network)
    people = len(model.agents_by_type[Consumer]) + len(model.agents_by_type[Seller])
    assert people == model.people.n == model.graph.n
    assert len(model.agents_by_type[Brand]) == 1
    for agent in model.agents_by_type[Seller]:
        assert agent.cell is model.grid[agent.pid]
        assert agent in agent.cell.agents


def test_seller_agents_match_the_arrays(tiny_model):
    model = tiny_model
    model.run(30)
    sellers = {a.pid for a in model.agents_by_type[Seller]}
    assert sellers == set(model.people.sellers().tolist())
    agent = next(iter(model.agents_by_type[Seller]))
    agent.stock = 7  # writing the attribute writes the array ...
    assert model.people.stock[agent.pid] == 7
    model.people.tier[agent.pid] = 0  # ... and the attribute reads it
    assert agent.tier == 0
    assert agent.cash == model.ledger.money[agent.pid]


def test_recruits_keep_their_node_edges_and_history():
    model = WeishangModel(small({"strategies.relationship.pitches_per_day": 2.0, **EVERYONE_OPEN}), seed=2)
    edges_before = model.graph.indices.copy()
    model.run(60)
    recruits = np.flatnonzero(model.people.join_day > 0)
    assert recruits.size > 0
    pid = int(recruits[0])
    agent = model.persons[pid]
    assert isinstance(agent, Seller) or model.people.role[pid] == QUIT
    assert agent.pid == pid and agent.cell is model.grid[pid]
    assert np.array_equal(model.graph.indices, edges_before)
    # The savings the person had as a consumer paid the first order: one account, one history.
    j = model.ledger.journal()
    entry = (j["payer"] == pid) & (j["kind"] == KIND["entry_order"])
    assert entry.sum() == 1 and j["day"][entry][0] == model.people.join_day[pid]


def test_datacollector_has_a_row_per_day():
    model = run(small(), seed=1, days=15)
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == 16  # day 0 (set-up) and 15 steps
    assert list(frame["day"]) == list(range(16))
    for key in ("sellers", "recruits", "exits", "stock_units", "retail_units", "wholesale_units",
                "mean_trust", "sellers_tier1", "income_retail", "income_recruit_bonus"):
        assert key in frame


def test_quitting_returns_a_seller_to_consumer():
    # Idle months weigh heavily: with no customers, a seller's hazard soon nears one.
    model = run(small({"sellers.quit_idle": 100.0, "population.need_share": 0.0}), seed=1, days=20)
    quit_ = np.flatnonzero(model.people.role == QUIT)
    assert quit_.size > 0, "with no customers, sellers give up"
    assert all(isinstance(model.persons[p], Consumer) for p in quit_)
    assert (model.people.stock[quit_] == 0).all()
    assert not (model.people.role == SELLER).any()
