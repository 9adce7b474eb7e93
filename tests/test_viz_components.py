"""The browser page's parts, rendered in-process (no browser, no server) with solara.render."""

from __future__ import annotations

import ipyvuetify as v
import ipywidgets
import pytest

solara = pytest.importorskip("solara")

from mesa.visualization.utils import force_update  # noqa: E402
from solara.widgets.widgets import HTML  # noqa: E402

from sim import WeishangModel, load_scenario  # noqa: E402
from sim.risk import indicators as risk  # noqa: E402
from sim.risk.convert import from_model  # noqa: E402
from sim.viz import app, components, levers  # noqa: E402
from sim.viz.components import readout  # noqa: E402
from sim.viz.model import BrowserModel  # noqa: E402


def render(element):
    # SolaraViz puts its controls in the sidebar, which exists only inside an AppLayout.
    return solara.render(solara.AppLayout(children=[element]), handle_error=False)


def shown(rc, text: str) -> bool:
    return len(rc.find(v.Html, children=[text]).widgets) == 1


def reference(days: int, *args, **kwargs) -> str:
    """What the page should show: the readout of the same model built and run directly."""
    model = BrowserModel(*args, **kwargs)
    model.run(days)
    return readout(model)


def test_page_steps_and_shows_the_same_numbers_as_the_model():
    box, rc = render(app.Page())
    try:
        assert shown(rc, reference(0, levers.DEFAULT, "1"))
        images = rc.find(ipywidgets.Image).widgets
        assert len(images) == 2  # network and charts
        before = images[1].value
        step = rc.find(v.Btn, children=["Step"])
        for _ in range(3):
            step.widget.click()
        direct = WeishangModel(levers.build(levers.DEFAULT), seed=1)  # what `weishang run` builds
        direct.run(3)
        assert shown(rc, readout(direct))
        assert rc.find(ipywidgets.Image).widgets[1].value != before
    finally:
        rc.close()


def test_levers_and_reset_rebuild_the_model():
    box, rc = render(app.Page())
    try:
        rc.find(v.Select, label="Scenario").widget.v_model = "honest"
        rc.find(v.Slider, label="Product quality (x scenario)").widget.v_model = 0.5
        rc.find(v.Btn, children=["Reset"]).widget.click()
        assert BrowserModel("honest", "1", quality=0.5).params["brands"][0]["quality"] == pytest.approx(0.425)
        assert shown(rc, reference(0, "honest", "1", quality=0.5))
    finally:
        rc.close()


def test_bad_seed_shows_a_message_and_the_page_keeps_working():
    box, rc = render(app.Page())
    try:
        seed = rc.find(v.TextField, label="Seed").widget
        seed.v_model = "twelve"
        seed.fire_event("focusout", None)  # the box commits its text when it loses focus
        rc.find(v.Btn, children=["Reset"]).widget.click()
        alerts = [w for w in rc.find(v.Alert).widgets]
        assert any("seed: 'twelve' is not allowed" in str(a.children) for a in alerts)
        rc.find(v.Btn, children=["Step"]).widget.click()
        assert shown(rc, reference(1, levers.DEFAULT, "1"))
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
    # So the page shows what `weishang run FILE --seed S` gives.
    for name, path in levers.scenario_choices().items():
        assert levers.build(name).data == load_scenario(path).data
    pyramid = load_scenario("pyramid").data
    assert levers.build("pyramid", quality=0.5).data != pyramid


def test_a_scenario_that_fails_validation_shows_why(tmp_path, monkeypatch):
    bad = tmp_path / "broken.toml"
    bad.write_text("[population]\npeople = 3\n")
    monkeypatch.setenv(levers.EXTRA_SCENARIO, str(bad))
    model = BrowserModel("broken", "1")
    assert model.error and "broken.toml" in model.error and "population.people" in model.error
    assert model.params["meta"]["name"] == levers.DEFAULT


def test_the_page_offers_100000_people():
    assert "100000" in levers.PEOPLE
    assert "100000" in app.model_params()["people"]["values"]



def test_risk_panel_says_early_verdicts_are_provisional():
    model = BrowserModel("honest", "1", people="400")
    rc = render(components.RiskPanel(model))[1]
    assert "Provisional" in shown_risk(rc)[0]  # day 0: nothing has had 90 days yet
    model.run(risk.WINDOW)
    rc = render(components.RiskPanel(model))[1]
    assert "Provisional" not in shown_risk(rc)[0]


def shown_risk(rc) -> tuple[str, str]:
    """The risk panel as shown: its heading (markdown) and its table (HTML)."""
    heading = [w.template for w in rc.find(v.VuetifyTemplate).widgets if "Pyramid risk" in str(w.template)]
    table = rc.find(HTML, tag="table").widget.unsafe_innerHTML
    return heading[0], table


def test_risk_panel_scores_each_day_once_and_shows_what_a_fresh_score_gives(monkeypatch):
    model = BrowserModel("pyramid", "1", people="400")
    days_scored = []
    read = model.page.converter.read  # the page's live converter, which the panel reads the ledger with

    def counted(m):
        days_scored.append(m.day)
        return read(m)

    monkeypatch.setattr(model.page.converter, "read", counted)
    box, rc = solara.render(components.RiskPanel(model), handle_error=False)
    try:
        tables = []
        for day in range(1, 41):
            model.step()
            force_update()  # what SolaraViz does after a step: every component renders again
            force_update()  # ... and a second render of the same day (e.g. a resize)
            fresh = risk.score(from_model(model))  # uncached, from scratch
            assert components.risk_result(model) == fresh
            heading, table = shown_risk(rc)
            light = components.LIGHT[fresh.overall]
            assert f"Pyramid risk, day {day}: <span style='color:{light}'>{fresh.overall}</span>" in heading
            assert table == components.risk_rows(fresh)
            tables.append(table)
        assert days_scored == list(range(0, 41))  # once a day, the first render included
        assert len(set(tables)) > 1  # a new day shows new numbers
    finally:
        rc.close()


def test_figures_updated_in_place_match_figures_built_for_the_day():
    model = BrowserModel("pyramid", "1", people="2500")  # above MAX_DRAWN: a sample is drawn
    components.network_png(model), components.charts_png(model)
    for day in range(1, 26):
        model.step()
        if day % 4 == 0 or day > 20:  # the page need not render every day (render interval)
            network, charts = components.network_png(model), components.charts_png(model)
            assert components.network_png(model) is network  # the same day again: not redrawn
    assert network == components.NetworkFigure(model).png(model)
    kept, fresh = model.page.figures["charts"], components.ChartsFigure(model)
    for a, b in zip(kept.axes, fresh.axes, strict=True):
        assert a.get_xlim() == b.get_xlim() and a.get_ylim() == b.get_ylim()
        for la, lb in zip(a.get_lines(), b.get_lines(), strict=True):
            assert (la.get_xydata() == lb.get_xydata()).all()
        areas = [[c for c in ax.collections] for ax in (a, b)]
        assert len(areas[0]) == len(areas[1])
        for ca, cb in zip(*areas, strict=True):
            assert all((pa.vertices == pb.vertices).all() for pa, pb in zip(ca.get_paths(), cb.get_paths(),
                                                                            strict=True))
            assert (ca.get_facecolor() == cb.get_facecolor()).all()
    assert charts != components.charts_png(BrowserModel("pyramid", "1", people="2500"))  # day 0 differs


def test_parts_work_on_a_plain_model_and_leave_it_untouched():
    # A WeishangModel has no page state of its own: the parts keep one for it, not on it.
    model = WeishangModel(load_scenario("pyramid", {"population.people": 300}), seed=1)
    own = set(vars(model))
    first = components.risk_result(model)
    assert components.risk_result(model) is first  # the same day: kept, not scored again
    model.step()
    assert components.risk_result(model) == risk.score(from_model(model))
    assert components.network_png(model) and components.charts_png(model)
    assert set(vars(model)) == own
    assert components.page_state(model) is components.page_state(model)
