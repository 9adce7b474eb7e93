"""What the speed work keeps true: the compiled graph generator is the Holme-Kim model, and the
arrays kept alongside the agents for speed (stock paid, edges toward sellers) say what the slow
way would say."""

from __future__ import annotations

import networkx as nx
import numpy as np
from conftest import bundled, run

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
