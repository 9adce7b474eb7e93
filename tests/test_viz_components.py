"""The browser page's parts, rendered in-process (no browser, no server) with solara.render."""

from __future__ import annotations

import ipyvuetify as v
import ipywidgets
import pytest

solara = pytest.importorskip("solara")

from sim import WeishangModel, load_scenario  # noqa: E402
from sim.viz import app, levers  # noqa: E402
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
    pyramid = load_scenario(levers.SCENARIOS_DIR / "pyramid.toml").data
    assert levers.build("pyramid", quality=0.5).data != pyramid


def test_a_scenario_that_fails_validation_shows_why(tmp_path, monkeypatch):
    bad = tmp_path / "broken.toml"
    bad.write_text("[population]\npeople = 3\n")
    monkeypatch.setenv(levers.EXTRA_SCENARIO, str(bad))
    model = BrowserModel("broken", "1")
    assert model.error and "broken.toml" in model.error and "population.people" in model.error
    assert model.params["meta"]["name"] == levers.DEFAULT
