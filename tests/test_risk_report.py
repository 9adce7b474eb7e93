"""`weishang risk` and `weishang export-data`: one code path for simulated and real networks."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from sim.cli import main

FAST = ["--set", "population.people=400", "--days", "150", "-q"]


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def indicators(folder, label=None) -> dict:
    report = json.loads((folder / "risk.json").read_text())
    group = next(g for g in report["groups"] if g["period"] == "whole period"
                 and (label is None or g["label"] == label))
    return {i["key"]: (i["mean"], i["verdict"]) for i in group["indicators"]}


@pytest.fixture(scope="module")
def pyramid_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "pyramid"
    assert invoke("run", "pyramid", *FAST, "--out", out).exit_code == 0
    return out


def test_exported_data_scores_the_same_as_the_run(pyramid_run, tmp_path):
    assert invoke("risk", pyramid_run).exit_code == 0
    data = tmp_path / "data"
    result = invoke("export-data", pyramid_run, data)
    assert result.exit_code == 0, result.output
    assert {p.name for p in data.iterdir()} >= {"participants.csv", "orders.csv", "payouts.csv"}
    result = invoke("risk", "--data", data, "--out", tmp_path / "scored")
    assert result.exit_code == 0, result.output
    direct, via_data = indicators(pyramid_run), indicators(tmp_path / "scored")
    assert direct.keys() == via_data.keys() and len(direct) >= 10
    for key, (value, verdict) in direct.items():
        assert via_data[key][1] == verdict, key
        assert via_data[key][0] == pytest.approx(value, rel=1e-9, abs=1e-9), key


def test_report_is_self_contained_and_names_each_basis(pyramid_run):
    assert invoke("risk", pyramid_run).exit_code == 0
    html = (pyramid_run / "risk.html").read_text()
    assert not re.search(r"""(src|href)=["']https?:""", html)
    assert html.count("data:image/png;base64,") == len(list((pyramid_run / "risk_figures").glob("*.png")))
    for basis in ("Art. 7(3)", "2013", "Koscot", "Amway", "FTC", "Art. 24"):
        assert basis in html, basis
    verdicts = indicators(pyramid_run)
    assert verdicts["team_pay"][1] == "high", "pyramid.toml pays team bonuses"


def test_a_batch_gets_intervals_across_replicates(tmp_path):
    out = tmp_path / "b"
    result = invoke("batch", "pyramid", "crackdown", "-r", "3", "--no-report", "--out", out, *FAST)
    assert result.exit_code == 0, result.output
    assert invoke("risk", out).exit_code == 0
    report = json.loads((out / "risk.json").read_text())
    groups = {g["label"]: g for g in report["groups"] if g["period"] == "whole period"}
    assert set(groups) == {"pyramid", "crackdown"}
    assert groups["pyramid"]["overall"] == "high"
    for row in groups["pyramid"]["indicators"]:
        assert row["replicates"] == 3
        if row["mean"] is not None:
            assert row["lo"] <= row["mean"] <= row["hi"]


def test_honest_selling_is_not_judged_a_pyramid(tmp_path):
    out = tmp_path / "honest"
    assert invoke("run", "honest", "--out", out, "-q").exit_code == 0  # the bundled year, 3,000 people
    assert invoke("risk", out).exit_code == 0
    verdicts = indicators(out)
    assert verdicts["retail_reach"][1] == "low" and verdicts["team_pay"][1] == "low"
    assert verdicts["recruiting_income_share"][1] == "low"
    assert json.loads((out / "risk.json").read_text())["groups"][0]["overall"] != "high"


def test_intervention_scenarios_are_compared_before_and_after(tmp_path):
    out = tmp_path / "reg"
    assert invoke("run", "regulated_pyramid", *FAST, "--out", out).exit_code == 0
    assert invoke("risk", out).exit_code == 0
    report = json.loads((out / "risk.json").read_text())
    periods = {g["period"]: g for g in report["groups"]}
    assert set(periods) == {"whole period", "before day 90", "from day 90"}
    team = {p: next(i for i in g["indicators"] if i["key"] == "team_pay") for p, g in periods.items()}
    assert team["before day 90"]["verdict"] == "high" and team["from day 90"]["verdict"] == "low"
    assert "before day 90 vs from day 90" in (out / "risk.md").read_text()


def test_bad_data_is_one_line_exit_2_and_writes_nothing(pyramid_run, tmp_path):
    data = tmp_path / "data"
    assert invoke("export-data", pyramid_run, data).exit_code == 0
    lines = (data / "payouts.csv").read_text().splitlines()
    lines[2] = lines[2].replace(lines[2].split(",")[2], "-5", 1)  # a negative amount in data row 2
    (data / "payouts.csv").write_text("\n".join(lines) + "\n")
    before = sorted(p.name for p in data.iterdir())
    result = invoke("risk", "--data", data)
    assert result.exit_code == 2
    out = result.output.strip().splitlines()
    assert len(out) == 1 and "payouts.csv" in out[0] and "row 2" in out[0]
    assert sorted(p.name for p in data.iterdir()) == before


@pytest.mark.parametrize("args, words", [
    ([], ["--data"]),
    (["NOWHERE"], ["NOWHERE"]),
    (["--data", "EMPTY"], ["participants.csv"]),
])
def test_risk_input_errors(tmp_path, args, words):
    (tmp_path / "EMPTY").mkdir()
    result = invoke("risk", *[str(tmp_path / a) if a.isupper() else a for a in args])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    for word in words:
        assert word in result.output


def test_export_needs_a_run_folder_and_force_to_replace(pyramid_run, tmp_path):
    assert invoke("export-data", tmp_path, tmp_path / "x").exit_code == 2
    assert invoke("export-data", pyramid_run, tmp_path / "d").exit_code == 0
    assert invoke("export-data", pyramid_run, tmp_path / "d").exit_code == 2
    assert invoke("export-data", pyramid_run, tmp_path / "d", "--force").exit_code == 0
