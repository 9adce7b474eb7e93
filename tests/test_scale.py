"""What the speed and memory work keeps true: the compiled graph generator is the Holme-Kim model,
the arrays kept alongside the agents for speed (stock paid, edges toward sellers) say what the slow
way would say, and the lean forms (cells that read their contacts from the graph, the packed
journal, a sample's subgraph) give what the full ones gave."""

from __future__ import annotations

import copy

import networkx as nx
import numpy as np
import pytest
from conftest import bundled, run

from sim.model.ledger import Ledger
from sim.model.network import holme_kim


def _graph(pairs: np.ndarray, n: int) -> nx.Graph:
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(pairs.tolist())
    return graph


def test_holme_kim_is_a_simple_graph_with_m_ties_per_newcomer():
    n, m = 3000, 4
    pairs = holme_kim(n, m, 0.5, seed=3)
    assert (pairs[:, 0] != pairs[:, 1]).all(), "no one is their own contact"
    ties = {tuple(sorted(p)) for p in pairs.tolist()}
    assert len(ties) == len(pairs), "each tie once"
    assert (pairs[:, 0] > pairs[:, 1]).all(), "newcomers link to people already there"
    per_newcomer = np.bincount(pairs[:, 0], minlength=n)[m:]
    # m ties each, one fewer when a triangle reached a node it was about to choose anyway
    assert per_newcomer.max() == m and per_newcomer.mean() > m - 0.05
    assert nx.is_connected(_graph(pairs, n))


def test_holme_kim_is_seeded():
    assert np.array_equal(holme_kim(2000, 3, 0.3, seed=5), holme_kim(2000, 3, 0.3, seed=5))
    assert not np.array_equal(holme_kim(2000, 3, 0.3, seed=5), holme_kim(2000, 3, 0.3, seed=6))


def test_triangle_closing_raises_clustering_and_keeps_hubs():
    n, m = 5000, 3
    plain = _graph(holme_kim(n, m, 0.0, seed=1), n)
    closing = _graph(holme_kim(n, m, 0.9, seed=1), n)
    # Each triangle step closes a triangle, so clustering must rise well above the BA level.
    assert nx.average_clustering(closing) > 3 * nx.average_clustering(plain)
    # Preferential attachment still makes hubs: the top node has many times the mean degree.
    degrees = np.array([d for _, d in closing.degree()])
    assert degrees.max() > 10 * degrees.mean()


def test_stock_paid_matches_the_sellers_lots():
    model = run(bundled("hoarding", {"population.people": 1500}), seed=2, days=120)
    for pid in model.people.sellers():
        lots = model.seller(int(pid)).lots
        assert sum(units for _, units, _ in lots) == model.people.stock[pid]
        expected = sum(units * price for _, units, price in lots)
        assert abs(model.people.stock_paid[pid] - expected) < 1e-6 * max(expected, 1.0)


def test_edges_toward_sellers_are_all_edges_into_anyone_who_ever_sold():
    model = run(bundled("pyramid", {"population.people": 1500}), seed=1, days=1)
    for _ in range(4):
        model.run(20)  # the cache is built up day by day as people join
        ever = model.people.ever_sellers()
        g = model.graph
        expected = np.sort(g.rev[g.out_edges(ever)])
        assert np.array_equal(model.daily.toward.of(g, ever), expected)
        assert (g.indices[expected][:, None] == ever).any(axis=1).all()


def test_the_mesa_network_is_the_social_graph(tiny_model):
    model, g = tiny_model, tiny_model.graph
    for pid in (0, 7, g.n - 1):
        cell = model.grid[pid]
        assert sorted(c.coordinate for c in cell.neighborhood) == sorted(g.neighbours(pid).tolist())
    graph = model.grid.G  # made on first use, from the same ties
    assert isinstance(graph, nx.Graph)
    assert graph.number_of_nodes() == g.n and 2 * graph.number_of_edges() == g.edges
    for a, b, tie in list(graph.edges(data="tie"))[:50]:
        there, back = g.edge_index(np.array([a, b]), np.array([b, a]))
        assert there >= 0 and back >= 0 and tie == g.tie[there] == g.tie[back]
    assert np.array_equal(g.src[g.rev], g.indices) and np.array_equal(g.indices[g.rev], g.src)


def test_cells_read_their_contacts_from_the_graph_and_refuse_new_links(tiny_model):
    model, g = tiny_model, tiny_model.graph
    cell = model.grid[5]
    assert sorted(cell.connections) == sorted(g.neighbours(5).tolist())
    assert all(other is model.grid[j] for j, other in cell.connections.items())
    stranger = next(j for j in range(g.n) if j != 5 and j not in cell.connections)
    with pytest.raises(ValueError, match="fixed"):
        cell.connect(model.grid[stranger])
    with pytest.raises(ValueError, match="fixed"):
        model.grid.add_connection(cell, model.grid[stranger])
    with pytest.raises(ValueError, match="fixed"):
        cell.connections = {stranger: model.grid[stranger]}


def test_a_model_copied_runs_on_as_the_original(tiny_model):
    model = tiny_model
    model.run(5)
    twin = copy.deepcopy(model)  # (the cells' contacts come back from the copied graph)
    assert sorted(twin.grid[5].connections) == sorted(model.grid[5].connections)
    contact = int(model.graph.neighbours(5)[0])
    assert twin.grid[5].connections[contact] is twin.grid[contact]
    model.run(10)
    twin.run(10)
    assert twin.series() == model.series()


def test_edge_lookup_says_no_edge_for_people_who_are_not_there(tiny_model):
    g = tiny_model.graph
    a, b = 0, int(g.neighbours(0)[0])
    assert g.edge_index(np.array([a, g.n, -1, g.n + 5]), np.array([b, a, a, b])).tolist()[1:] == [-1, -1, -1]


def test_a_sample_s_subgraph_is_that_of_the_whole_graph(tiny_model):
    g = tiny_model.graph
    nodes = np.sort(np.random.default_rng(1).choice(g.n, 60, replace=False))
    whole = g.to_networkx().subgraph(nodes.tolist())
    part = g.subgraph(nodes)
    assert list(part.nodes) == list(whole.nodes)
    assert sorted(part.edges(data="tie")) == sorted(whole.edges(data="tie"))


def test_the_packed_journal_gives_back_every_entry():
    ledger = Ledger(people=50, brands=2)
    everyone = np.arange(50)
    ledger.post_many("income", ledger.EXTERNAL, everyone, 300.0)  # one payer, a run of payees
    buyers = np.array([3, 9, 9, 40])
    ledger.post_many("retail", buyers, np.array([1, 2, 1, 2]), np.array([90.0, 95.5, 90.0, 99.0]), 1,
                     np.array([0, 1, 0, 1]))
    ledger.post("entry_order", 7, ledger.brand_account(1), 5000.0, units=3 * 2**31, brand=1, ref=2)
    j = ledger.journal()
    assert j["payee"].dtype == np.int64 and j["units"].dtype == np.int64 and j["day"].dtype == np.int32
    assert j["payee"][:50].tolist() == everyone.tolist() and set(j["payer"][:50]) == {ledger.EXTERNAL}
    assert j["payer"][50:54].tolist() == buyers.tolist()
    assert j["amount"][50:54].tolist() == [90.0, 95.5, 90.0, 99.0]
    assert j["brand"][50:54].tolist() == [0, 1, 0, 1] and (j["units"][50:54] == 1).all()
    assert j["units"][54] == 3 * 2**31 and j["ref"][54] == 2 and (j["ref"][:54] == -1).all()
    # the journal accounts for every balance
    money = np.zeros(ledger.accounts)
    np.add.at(money, j["payee"], j["amount"])
    np.subtract.at(money, j["payer"], j["amount"])
    assert np.allclose(money, ledger.money)
