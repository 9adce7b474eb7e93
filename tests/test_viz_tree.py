"""The recruitment tree's icicle layout (sim.viz.tree): pure numpy, no page."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.metrics import agents_table
from sim.viz import tree
from sim.viz.model import BrowserModel


def test_a_small_forest_is_laid_out_as_reasoned():
    # Two founders: 0 (recruits 2, then 1, by join order) and 3 (recruits 4); 2 recruits 5.
    parent = np.array([-1, 0, 0, -1, 3, 2])
    order = np.array([0, 2, 1, 3, 4, 5])  # joined: 0, 2, 1, 3, 4, 5
    lay = tree.icicle(parent, np.ones(6), order)
    assert lay.level.tolist() == [0, 1, 1, 0, 1, 2]
    assert lay.total.tolist() == [4, 1, 2, 2, 1, 1]  # each node and everyone below it
    assert lay.below.tolist() == [3, 0, 1, 1, 0, 0]
    # Six people in all: founder 0 spans the first 4/6, founder 3 the last 2/6; under 0, recruit 2
    # (joined first, 2 people) comes before recruit 1; the gap left under 0 is its own sixth.
    assert lay.x0 == pytest.approx([0, 2 / 6, 0, 4 / 6, 4 / 6, 0])
    assert lay.x1 == pytest.approx([4 / 6, 3 / 6, 2 / 6, 1, 5 / 6, 1 / 6])


def _check_nesting(parent: np.ndarray, lay: tree.Layout) -> None:
    child = parent >= 0
    p = parent[child]
    eps = 1e-9
    assert (lay.x0[child] >= lay.x0[p] - eps).all() and (lay.x1[child] <= lay.x1[p] + eps).all()
    assert (lay.level[child] == lay.level[p] + 1).all()
    for lv in range(lay.levels):  # boxes of a row never overlap
        rows = np.flatnonzero(lay.level == lv)
        rows = rows[np.argsort(lay.x0[rows], kind="stable")]
        assert (lay.x0[rows][1:] >= lay.x1[rows][:-1] - eps).all()


def test_ten_thousand_sellers_nest_inside_their_recruiters():
    rng = np.random.default_rng(3)  # a made-up forest (test data, not the model's)
    n = 10_000
    parent = np.full(n, -1)
    parent[20:] = rng.integers(0, np.arange(20, n))  # everyone after the 20 founders under someone older
    own = rng.integers(0, 50, n).astype(float)  # e.g. stock held: some hold none
    lay = tree.icicle(parent, own, np.arange(n))
    _check_nesting(parent, lay)
    roots = lay.level == 0
    assert lay.x0[roots].min() == 0 and lay.x1[roots].max() == pytest.approx(1)
    assert (lay.x1 - lay.x0) == pytest.approx(lay.total / own.sum())  # width = share of the whole
    assert lay.below[roots].sum() == n - 20


def test_an_upline_outside_the_brand_or_a_cycle_makes_a_root_not_a_hang():
    ids = np.array([3, 5, 8])
    assert tree.parents(ids, np.array([-1, 3, 99])).tolist() == [-1, 0, -1]
    assert tree.parents(np.array([], dtype=np.int64), np.array([4])).tolist() == [-1]
    lay = tree.icicle(np.array([1, 0, -1]), np.ones(3), np.arange(3))  # 0 and 1 each other's upline
    assert lay.level.tolist() == [0, 0, 0]
    assert lay.x1.max() == pytest.approx(1)


def test_widths_by_stock_and_by_loss_are_where_they_sit():
    model = BrowserModel("pyramid", "1", people="3000")
    model.run(60)
    s = tree.sellers(model)
    for kind in ("stock", "loss"):
        t = tree.brand_tree(s, 0, kind)
        own = tree.measure(s, t.rows, kind)
        assert (own >= 0).all()
        whole = own.sum()
        # a founder's box is its own share plus everything below it
        founders = np.flatnonzero(t.layout.level == 0)
        assert (t.layout.x1 - t.layout.x0)[founders].sum() == pytest.approx(1.0 if whole else 0.0)
        assert t.layout.total.max() <= whole + 1e-9
    loss = tree.measure(s, np.arange(s.id.size), "loss")
    assert loss == pytest.approx(np.clip(-s.net, 0, None))  # loss: the negative part of net


def test_the_tree_shows_the_figures_of_agents_csv():
    # What the hover shows for each seller is what `weishang run` writes in agents.csv.
    model = BrowserModel("pyramid", "1", people="3000")
    model.run(45)
    s = tree.sellers(model)
    rows = {r["id"]: r for r in agents_table(model)}
    assert sorted(rows) == s.id.tolist()
    for i, pid in enumerate(s.id):
        r = rows[int(pid)]
        assert (s.tier[i] + 1, s.join_day[i], s.exit_day[i], s.upline[i], s.stock[i], s.recruits[i]) == (
            r["tier"], r["join_day"], r["exit_day"], r["upline"], r["stock_units"], r["recruits"])
        assert (round(s.paid[i], 2), round(s.received[i], 2), round(s.net[i], 2)) == pytest.approx(
            (r["paid"], r["received"], r["net_profit"]))
