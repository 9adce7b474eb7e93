"""`weishang risk` and `weishang export-data`: one code path for simulated and real networks."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.risk.spec import value_range

ROOT = Path(__file__).resolve().parent.parent
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
            low, high = value_range(row["key"])  # a share in 0..1, people and days from 0 up
            assert low <= row["lo"] <= row["mean"] <= row["hi"] <= high
    assert "Mean over replicates" in (out / "risk.md").read_text()


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


# -- hardening: faults, strict JSON, clipped intervals, figure data, captions, fresh clones --------
def outputs(folder) -> dict[str, bytes]:
    """Every file the risk report writes (and any hidden leftover), by path relative to `folder`."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and (p.name.startswith(("risk", ".")) or "risk" in p.parent.name)}


def full_disk(monkeypatch, where: str) -> None:
    """Make the report's writing fail part-way with ENOSPC: at the third figure (after writing part
    of its PNG) or at risk.html (after risk.md and risk.json are written)."""
    from sim.reports import render, risk_figures

    def no_space(path):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    if where == "figure":
        real = risk_figures.save_figure

        def save(fig, path):
            if path.name == "trees.png":  # the third
                path.write_bytes(b"\x89PNG\r\n")  # the start of a PNG, then the disk is full
                no_space(path)
            return real(fig, path)

        monkeypatch.setattr(risk_figures, "save_figure", save)
    else:
        real_text = render.write_text

        def write_text(path, text):
            return no_space(path) if path.name == "risk.html" else real_text(path, text)

        monkeypatch.setattr(render, "write_text", write_text)


@pytest.mark.parametrize("where", ["figure", "html"])
def test_a_full_disk_leaves_no_report_and_keeps_an_earlier_one(pyramid_run, tmp_path, monkeypatch, where):
    fresh, earlier = tmp_path / "fresh", tmp_path / "earlier"
    assert invoke("risk", pyramid_run, "--out", earlier).exit_code == 0
    before = outputs(earlier)
    assert {"risk.json", "risk.md", "risk.html", "risk_figures/loss.png"} <= set(before)
    full_disk(monkeypatch, where)
    for out in (fresh, earlier):
        result = invoke("risk", pyramid_run, "--out", out)
        assert result.exit_code != 0
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and "No space left on device" in lines[0] and "Traceback" not in result.output
    assert outputs(fresh) == {}  # nothing that looks complete, and no hidden leftovers either
    assert outputs(earlier) == before  # the earlier report whole, not half replaced


def strict(text: str) -> dict:
    """JSON as the standard has it: NaN and Infinity are not JSON."""
    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")
    return json.loads(text, parse_constant=refuse)


def test_risk_json_is_strict_json_with_null_where_there_is_no_value(pyramid_run):
    assert invoke("risk", pyramid_run).exit_code == 0
    report = strict((pyramid_run / "risk.json").read_text())
    rows = report["groups"][0]["indicators"]
    assert all(r["lo"] is None and r["hi"] is None for r in rows)  # one run: no interval
    assert any(r["mean"] is None for r in rows) or all(isinstance(r["mean"], float) for r in rows)


def test_batch_intervals_are_clipped_to_what_each_indicator_can_take():
    from sim.reports.risk_groups import RiskGroup
    from sim.reports.risk_report import summarise
    from sim.risk.indicators import Indicator, RiskResult

    # Three replicates: a share of 0, 0 and 0.9 (mean 0.3, t-interval about -0.99..1.59) and a
    # number of people 1, 1 and 300 (the t-interval reaches below 0): clipped to [0, 1] and [0, inf).
    def result(share: float, people: float) -> RiskResult:
        return RiskResult([Indicator("share_in_loss", "", share, "share of people", "", "low", "", ""),
                           Indicator("largest_tree", "", people, "people", "", "low", "", "")], "low", "")

    rows = summarise(RiskGroup("g", "whole period", [result(0, 1), result(0, 1), result(0.9, 300)]))
    share, people = rows["indicators"]
    assert share["mean"] == pytest.approx(0.3) and (share["lo"], share["hi"]) == (0.0, 1.0)
    assert people["lo"] == 0.0 and people["hi"] > people["mean"] == pytest.approx(302 / 3)


def test_stock_past_ten_years_of_sales_is_shown_as_more_than_that():
    from sim.reports.risk_report import _cell

    row = {"key": "stock_days", "mean": 892_414.0, "lo": None, "hi": None, "replicates": 1}
    assert _cell(row) == "> 3,650"
    assert _cell({**row, "mean": 200.0}) == "200"
    assert _cell({**row, "mean": 2000.0, "lo": 10.0, "hi": 5000.0, "replicates": 3}) == "2,000 [10, > 3,650]"


def data_group(label: str, ladder: dict[str, float]):
    """A RiskGroup of one data set: one participant per tier of `ladder` (tier -> unit price paid)."""
    from datetime import date

    from sim.reports.risk_groups import RiskGroup
    from sim.risk.indicators import score
    from sim.risk.schema import FRAMES, NetworkData, typed

    ids, n = [f"{label}{k}" for k in range(len(ladder))], len(ladder)
    people = typed({"id": ids, "upline_id": [""] * n, "join_day": [0] * n, "exit_day": [-1] * n,
                    "tier": list(ladder), "brand": [label] * n}, "participants")
    orders = typed({"day": [0] * n, "buyer_id": ids, "seller_id": ["brand"] * n, "units": [10] * n,
                    "unit_price": list(ladder.values()), "kind": ["entry"] * n,
                    "buyer_is_participant": [True] * n, "brand": [label] * n}, "orders")
    payouts, claims = (typed({c: [] for c in FRAMES[name]}, name) for name in ("payouts", "claims"))
    data = NetworkData(people, orders, payouts, claims, date(2025, 1, 1), 200)
    return RiskGroup(label, "whole period", [score(data)], [data])


def test_loss_by_tier_bars_are_in_rank_order_under_their_own_tiers():
    from sim.reports.risk_figures import tier_bars

    # Two plans with different ladders (the dearer the stock, the lower the tier): each group's bars
    # go lowest tier first, each under its own tier's name -- not under the other group's ticks.
    groups = [data_group("p", {"apex": 2.0, "base": 9.0, "mid": 5.0}),
              data_group("h", {"top": 3.0, "agent": 7.0})]
    bars, ticks = tier_bars(groups)
    assert bars[bars["group"] == 0].sort_values("x")["tier"].tolist() == ["base", "mid", "apex"]
    assert bars[bars["group"] == 1].sort_values("x")["tier"].tolist() == ["agent", "top"]
    label_at = dict(ticks)
    assert bars["x"].is_unique and all(label_at[x] == t for x, t in zip(bars["x"], bars["tier"], strict=True))
    # Two groups on one ladder share a tick per tier, their bars side by side around it.
    same = [data_group("a", {"hi": 1.0, "lo": 4.0}), data_group("b", {"hi": 1.5, "lo": 4.5})]
    bars, ticks = tier_bars(same)
    assert [t for _, t in ticks] == ["lo", "hi"] and bars["x"].is_unique
    for x, tier in ticks:
        near = bars.loc[(bars["x"] - x).abs() < 0.5, "tier"]
        assert len(near) == 2 and set(near) == {tier}


def test_single_run_captions_say_one_run_and_verdicts_are_echoed(pyramid_run, tmp_path):
    from sim.reports.risk_report import write_risk

    lines: list[str] = []
    write_risk(pyramid_run, tmp_path / "one", echo=lines.append)
    assert lines == ["  pyramid: high"]  # pyramid.toml pays team bonuses (see above): two highs or more
    md = (tmp_path / "one" / "risk.md").read_text()
    assert "Mean over replicates" not in md and "One run or data set per group" in md


def test_a_batch_folder_without_its_runs_says_how_to_make_them(tmp_path):
    # As results/reference is on a fresh clone: manifest.json and reports committed, runs/ ignored.
    (tmp_path / "ref").mkdir()
    shutil.copy(ROOT / "results" / "reference" / "manifest.json", tmp_path / "ref")
    result = invoke("risk", tmp_path / "ref", "--out", tmp_path / "out")
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "runs/" in lines[0] and "re-run the batch command" in lines[0]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
