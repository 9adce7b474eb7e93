"""Export from the page: the run folder `weishang run` writes, which `weishang risk` scores."""

from __future__ import annotations

import json

import ipyvuetify as v
import pytest
from click.testing import CliRunner

solara = pytest.importorskip("solara")

from sim.cli import main  # noqa: E402
from sim.reports.risk_report import collect  # noqa: E402
from sim.viz import app, export, riskpanel  # noqa: E402
from sim.viz.model import BrowserModel  # noqa: E402


@pytest.fixture
def exports(tmp_path, monkeypatch):
    monkeypatch.setenv(export.EXPORT_DIR, str(tmp_path / "runs"))
    return tmp_path / "runs"


def test_export_writes_what_weishang_run_writes_and_weishang_risk_scores_it(exports, tmp_path):
    model = BrowserModel("mixed_market", "1", people="3000")
    model.run(12)
    folder = export.export(model)
    assert folder == exports / "mixed_market-seed1-day12"
    same = tmp_path / "direct"
    ran = CliRunner().invoke(main, ["run", "mixed_market", "--set", "population.people=3000", "--days", "12",
                                    "--out", str(same), "-q"])
    assert ran.exit_code == 0, ran.output
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in same.iterdir())
    for name in ("timeseries.csv", "agents.csv", "ledger.csv", "summary.json"):  # byte for byte
        assert (folder / name).read_bytes() == (same / name).read_bytes()
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["days"] == 12 and meta["seed"] == 1
    result = CliRunner().invoke(main, ["risk", str(folder)])
    assert result.exit_code == 0, result.output
    # `weishang risk` reaches each brand's verdict as the page shows it
    kind, groups, _ = collect(folder)
    whole = {g.label: g.results[0] for g in groups if g.period == "whole period"}
    for brand, shown in riskpanel.results(model).items():
        assert whole[f"mixed_market / {brand}"].overall == shown.overall
        assert [i.verdict for i in whole[f"mixed_market / {brand}"].indicators] == [
            i.verdict for i in shown.indicators]
    # and `weishang report` makes its report, as for any run folder: one run of the exported scenario
    reported = CliRunner().invoke(main, ["report", str(folder)])
    assert reported.exit_code == 0, reported.output
    text = (folder / "report.md").read_text()
    assert text.startswith("# Run report: mixed_market") and "1 run planned" in text
    assert "3,000 people, 12 days" in text and (folder / "figures").is_dir()


def test_the_levers_are_recorded_in_the_exported_scenario(exports):
    model = BrowserModel("honest", "1", people="300", quality=0.5, buyback=0.6)
    model.run(2)
    meta = json.loads((export.export(model) / "meta.json").read_text())
    assert meta["scenario"]["brands"][0]["quality"] == pytest.approx(0.85 * 0.5)
    assert meta["scenario"]["brands"][0]["buyback_share"] == pytest.approx(0.6)
    assert meta["scenario"]["population"]["people"] == 300


def test_bad_names_and_existing_folders_are_refused_in_one_line(exports):
    model = BrowserModel("honest", "1", people="300")
    for name in ("../up", ".hidden", "a/b", "x" * 200):
        with pytest.raises(export.ExportError, match="is not allowed") as err:
            export.export(model, name)
        assert "\n" not in str(err.value) and len(str(err.value)) < 200
    export.export(model, "mine")
    with pytest.raises(export.ExportError, match="exists"):
        export.export(model, "mine")
    assert sorted(p.name for p in exports.iterdir()) == ["mine"]  # nothing half-written beside it


def test_the_export_button_saves_the_run_shown(exports):
    box, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    try:
        step = next(w for w in rc.find(v.Btn).widgets if "Step" in w.children)
        step.click()
        step.click()
        name = rc.find(v.TextField, label="Run folder name").widget
        name.v_model = "from-the-page"
        next(w for w in rc.find(v.Btn).widgets if "Export run folder" in w.children).click()
        folder = exports / "from-the-page"
        assert json.loads((folder / "meta.json").read_text())["days"] == 2
        assert rc.find(v.Html, children=[f"Saved {folder} (score it with: weishang risk {folder})"]).widgets
        next(w for w in rc.find(v.Btn).widgets if "Export run folder" in w.children).click()
        assert any("exists" in str(a.children) for a in rc.find(v.Alert).widgets)
    finally:
        rc.close()
