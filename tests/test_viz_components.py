"""The browser page's parts, rendered in-process (no browser, no server) with solara.render."""

from __future__ import annotations

import json
import re

import ipyvuetify as v
import pytest

solara = pytest.importorskip("solara")

from solara.widgets.widgets import HTML  # noqa: E402

from sim import WeishangModel, load_scenario  # noqa: E402
from sim.risk import indicators as risk  # noqa: E402
from sim.risk.convert import from_model  # noqa: E402
from sim.viz import app, charts, levers, network, riskpanel, text, treeview  # noqa: E402
from sim.viz.components import page_state, readout  # noqa: E402
from sim.viz.controls import lever_label  # noqa: E402
from sim.viz.echarts import EChartWidget  # noqa: E402
from sim.viz.model import BrowserModel  # noqa: E402

PAGE = levers.defaults()  # what the page starts with


def render(element):
    return solara.render(solara.AppLayout(children=[element]), handle_error=False)


def html(rc) -> str:
    """Everything the page shows as HTML (readout, verdicts, tree headings, risk tables)."""
    return "\n".join(w.unsafe_innerHTML for w in rc.find(HTML).widgets)


def button(rc, label: str):
    return next(w for w in rc.find(v.Btn).widgets if label in w.children)


def slider(rc, key: str):
    lever = next(lv for lv in levers.LEVERS if lv.key == key)
    return next(w for w in rc.find(v.Slider).widgets if w.label.startswith(lever.label + ":"))


def trees(rc) -> list[EChartWidget]:
    return [w for w in rc.find(EChartWidget).widgets if "weishang-tree" in w.css_class]


def reference(days: int, **settings) -> str:
    """The readout of the model the page builds from these settings, run directly."""
    model = BrowserModel(**{**PAGE, **settings})
    model.run(days)
    return readout(model)


def test_page_steps_and_shows_the_same_numbers_as_weishang_run():
    box, rc = render(app.Page())
    try:
        assert reference(0) in html(rc)
        [tree] = trees(rc)  # the pyramid has one brand
        before = json.dumps(tree.option)
        for _ in range(3):
            button(rc, "Step").click()
        # what `weishang run pyramid --set population.people=3000 --seed 1` runs
        direct = WeishangModel(load_scenario("pyramid", {"population.people": 3000}), seed=1)
        direct.run(3)
        assert readout(direct) in html(rc)
        assert "Day 3" in html(rc)
        assert json.dumps(trees(rc)[0].option) != before  # the tree moved on with the model
    finally:
        rc.close()


def test_sliders_show_their_values_and_settings_wait_for_reset():
    box, rc = render(app.Page())
    try:
        for lever in levers.LEVERS:  # each label carries the value
            assert slider(rc, lever.key).label == lever_label(lever, lever.neutral)
        assert slider(rc, "buyback").label == "Buyback: as the scenario"
        rc.find(v.Select, label="Scenario").widget.v_model = "honest"
        slider(rc, "quality").v_model = 0.5
        assert slider(rc, "quality").label == "Product quality: x0.5 the scenario's"
        assert "Relationship-selling" in "".join(str(w.children) for w in rc.find(v.Html).widgets)
        assert rc.find(v.Html, children=["Settings changed: Reset to run them."]).widgets
        assert reference(0) in html(rc)  # not applied yet
        button(rc, "Reset").click()
        assert BrowserModel("honest", "1", quality=0.5).params["brands"][0]["quality"] == pytest.approx(0.425)
        assert reference(0, name="honest", quality=0.5) in html(rc)
        assert not rc.find(v.Html, children=["Settings changed: Reset to run them."]).widgets
    finally:
        rc.close()


def test_play_is_labelled_and_steps_until_paused():
    box, rc = render(app.Page())
    try:
        play = button(rc, "Play")
        play.click()
        assert button(rc, "Pause")  # the same button, now labelled Pause
        button(rc, "Pause").click()
        assert button(rc, "Play")
    finally:
        rc.close()


def test_bad_seed_shows_a_message_and_the_page_keeps_working():
    box, rc = render(app.Page())
    try:
        seed = rc.find(v.TextField, label="Seed").widget
        seed.v_model = "twelve"
        seed.fire_event("focusout", None)  # the box commits its text when it loses focus
        button(rc, "Reset").click()
        alerts = rc.find(v.Alert).widgets
        assert any("seed: 'twelve' is not allowed" in str(a.children) for a in alerts)
        button(rc, "Step").click()
        assert reference(1, name=levers.DEFAULT) in html(rc)  # the default scenario, as the page starts
    finally:
        rc.close()


@pytest.mark.parametrize("kwargs", [
    {"tier_gap": 0.5}, {"tier_gap": 1.2}, {"recruit_bonus": 0.5}, {"team_bonus": 0.3}, {"quality": 0.2},
    {"quality": 1.5}, {"ad_tolerance": 0.0}, {"ad_tolerance": 10.0}, {"buyback": 1.0},
    {"mix": "mostly recruiters"}, {"people": "500"},
])
def test_every_lever_at_its_limits_gives_a_working_model(kwargs):
    for name in ("pyramid", "honest", "mixed_market"):
        model = BrowserModel(name, "2", **{"people": "300", **kwargs})
        assert model.error is None, model.error
        model.run(3)


def test_neutral_levers_give_the_scenario_file_itself():
    # So the page with the scenario's own people shows what `weishang run FILE --seed S` gives.
    for name, path in levers.scenario_choices().items():
        assert levers.build(name).data == load_scenario(path).data
    assert levers.build("pyramid", quality=0.5).data != load_scenario("pyramid").data
    assert levers.build("pyramid", people="3000").data == load_scenario(
        "pyramid", {"population.people": 3000}).data


def test_a_scenario_that_fails_validation_shows_why(tmp_path, monkeypatch):
    bad = tmp_path / "broken.toml"
    bad.write_text("[population]\npeople = 3\n")
    monkeypatch.setenv(levers.EXTRA_SCENARIO, str(bad))
    model = BrowserModel("broken", "1")
    assert model.error and "broken.toml" in model.error and "population.people" in model.error
    assert model.params["meta"]["name"] == levers.DEFAULT


def test_the_page_offers_100000_people_and_starts_at_3000():
    assert "100000" in levers.PEOPLE and PAGE["people"] == "3000"


def test_risk_panel_scores_each_brand_as_weishang_risk_does():
    model = BrowserModel("mixed_market", "1", people="3000")
    model.run(20)
    shown = riskpanel.results(model)
    assert list(shown) == ["honest", "miracle"]  # one verdict per brand, not one pooled
    data = from_model(model)
    for brand, result in shown.items():
        fresh = risk.score(data.for_brand(brand))
        assert result == fresh
    rc = render(riskpanel.RiskPanel(model, model.day))[1]
    page = html(rc)
    for brand in shown:
        assert f"data-brand='{brand}'" in page
        assert f"Brand <b>{brand}</b>: pyramid risk " in page
    assert page.count("Provisional") == 2  # day 20: both brands' verdicts are provisional
    assert len(re.findall("class='weishang-indicator'", page)) == 20  # ten indicators each
    for ind in shown["miracle"].indicators:  # each opens to its explanation and its basis
        assert text.shown(ind.basis).replace("&", "&amp;") in page.replace("&#x27;", "'")


def test_verdicts_become_final_after_the_window():
    model = BrowserModel("honest", "1", people="400")
    assert "Provisional" in riskpanel.brand_html("honest", riskpanel.results(model)["honest"], model.day)
    model.run(risk.WINDOW)
    assert "Provisional" not in riskpanel.brand_html("honest", riskpanel.results(model)["honest"], model.day)
    assert "(provisional)" not in riskpanel.verdict_strip(model)


def test_lights_need_no_emoji_and_chinese_shows_only_with_a_font(monkeypatch):
    model = BrowserModel("pyramid", "1", people="400")
    result = riskpanel.results(model)["miracle"]
    basis = " ".join(i.basis for i in result.indicators)
    assert "团队计酬" in basis  # the spec cites Chinese terms
    text.cjk_font.cache_clear()
    monkeypatch.setenv("WEISHANG_CJK", "0")
    page = riskpanel.brand_html("miracle", result, model.day)
    assert not text.CJK.search(page) and "tuandui jichou" in page
    assert not text.EMOJI.search(page) and "●" not in page
    assert "border-radius:50%" in riskpanel.light("high")  # a CSS dot
    text.cjk_font.cache_clear()
    monkeypatch.setenv("WEISHANG_CJK", "1")
    assert "团队计酬" in riskpanel.brand_html("miracle", result, model.day)
    text.cjk_font.cache_clear()


def test_risk_is_scored_once_a_day(monkeypatch):
    model = BrowserModel("pyramid", "1", people="400")
    days_scored = []
    read = model.page.converter.read

    def counted(m):
        days_scored.append(m.day)
        return read(m)

    monkeypatch.setattr(model.page.converter, "read", counted)
    for _ in range(5):
        riskpanel.results(model), riskpanel.verdict_strip(model)  # header and panel, twice a render
        model.step()
    assert days_scored == [0, 1, 2, 3, 4]


def test_charts_name_each_brands_tiers_and_keep_full_shares_in_view():
    model = BrowserModel("mixed_market", "1", people="3000")
    model.run(10)
    opts = charts.options(model)
    names = [s["name"] for s in opts["sellers"]["series"]]
    assert names == [f"{b.name}: {t['name']}" for b in model.brands for t in b.tiers]
    days = list(range(11))
    assert opts["sellers"]["xAxis"]["data"] == days
    honest = page_state(model).brands[0]
    for k, series in enumerate(opts["sellers"]["series"][:2]):  # honest's tiers, day by day
        assert series["data"] == [c[k] for c in honest.by_tier]
    active = (model.people.role == 1).sum()
    assert sum(s["data"][-1] for s in opts["sellers"]["series"]) == model.today["sellers"] == active
    loss = opts["loss"]
    assert loss["yAxis"]["max"] > 100  # a line at 100% is not on the frame
    assert [s["name"] for s in loss["series"]] == ["honest", "miracle"]
    flows = opts["flows"]["series"][0]["data"]
    assert flows == [float(x) for x in model.datacollector.model_vars["retail_nonparticipant_units"]]


def test_same_scenario_and_seed_give_the_same_page():
    a, b = (BrowserModel("pyramid", "4", people="3000") for _ in range(2))
    a.run(30), b.run(30)
    assert charts.options(a) == charts.options(b)
    for kind in ("people", "stock", "loss"):
        assert [t[1:] for t in treeview.trees(a, kind)] == [t[1:] for t in treeview.trees(b, kind)]


def test_tree_hover_text_names_the_seller():
    model = BrowserModel("pyramid", "1", people="3000")
    model.run(90)
    [(t, head, opt, px)] = treeview.trees(model, "people")
    s = treeview.sellers(model)
    tips = [item["tip"] for series in opt["series"] for item in series["data"]]
    assert len(tips) == t.rows.size  # every seller drawn (a person each: no zero widths)
    i = int(t.rows.size - 1)
    tip = treeview.tip(model, s, t, i)
    row = t.rows[i]
    names = [x["name"] for x in model.brands[0].tiers]
    assert f"<b>Seller {s.id[row]}</b>: {names[s.tier[row]]}" in tip
    assert f"joined on day {s.join_day[row]}" in tip and f"stock {s.stock[row]:,} units" in tip
    assert f"net {s.net[row]:,.0f} yuan" in tip
    assert px == treeview.TOP + treeview.BOTTOM + treeview.ROW * t.layout.levels
    legend = opt["legend"]["data"]
    assert legend == names  # tier names, not numbers


def test_parts_work_on_a_plain_model_and_leave_it_untouched():
    model = WeishangModel(load_scenario("pyramid", {"population.people": 300}), seed=1)
    own = set(vars(model))
    first = riskpanel.results(model)
    assert riskpanel.results(model) is first  # the same day: kept, not scored again
    model.step()
    assert riskpanel.results(model)["miracle"] == risk.score(from_model(model))
    assert treeview.trees(model, "stock") and charts.options(model) and network.network_png(model)
    assert set(vars(model)) == own
    assert page_state(model) is page_state(model)


def test_social_graph_updated_in_place_matches_one_built_for_the_day(monkeypatch):
    monkeypatch.setattr(network, "MAX_DRAWN", 300)
    model = BrowserModel("pyramid", "1", people="500")  # above MAX_DRAWN: a sample is drawn
    network.network_png(model)
    for day in range(1, 13):
        model.step()
        if day % 4 == 0:
            png = network.network_png(model)
            assert network.network_png(model) is png  # the same day again: not redrawn
    assert png == network.NetworkFigure(model).png(model)
