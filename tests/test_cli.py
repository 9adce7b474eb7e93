"""The `weishang` command line: outputs, determinism, and one-line errors (click's CliRunner)."""

from __future__ import annotations

import json
import subprocess
import time

import pytest
from click.testing import CliRunner
from conftest import SCENARIOS

from sim.cli import main
from sim.experiments.runs import VOLATILE, read_csv

FAST = ["--days", "20", "--set", "population.people=300"]


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_run_writes_every_output(tmp_path):
    out = tmp_path / "run"
    result = invoke("run", SCENARIOS / "pyramid.toml", *FAST, "--out", out)
    assert result.exit_code == 0, result.output
    for name in ("timeseries.csv", "agents.csv", "ledger.csv", "meta.json", "summary.json", "timing.json",
                 "journal.npz", "sellers.png", "flows.png", "trust.png", "income.png"):
        assert (out / name).is_file(), name
    series = read_csv(out / "timeseries.csv")
    assert [r["day"] for r in series] == list(range(21))
    for key in ("day", "sellers", "recruits", "exits", "stock_units", "retail_units",
                "wholesale_units", "mean_trust", "sellers_tier1", "income_retail", "income_team_bonus"):
        assert key in series[0]
    agents = read_csv(out / "agents.csv")
    assert agents and {"id", "strategy", "tier", "join_day", "exit_day", "net_profit"} <= set(agents[0])
    meta = json.loads((out / "meta.json").read_text())
    assert meta["seed"] == 1 and meta["scenario"]["population"]["people"] == 300
    assert "mesa" in meta["versions"] and "run_seconds" not in meta  # the run time varies: timing.json
    assert json.loads((out / "timing.json").read_text())["run_seconds"] > 0
    kinds = {r["kind"] for r in read_csv(out / "ledger.csv")}
    assert {"retail", "entry_order", "team_bonus", "production"} <= kinds
    assert "share_in_loss" in result.output


def test_net_profit_is_received_minus_paid_without_buyback(tmp_path):
    out = tmp_path / "run"
    assert invoke("run", "pyramid", *FAST, "--out", out).exit_code == 0
    for row in read_csv(out / "agents.csv"):  # pyramid.toml has no buyback: stock counts zero
        assert row["net_profit"] == pytest.approx(row["received"] - row["paid"], abs=0.02)


def test_same_seed_gives_identical_files_and_other_seeds_differ(tmp_path, monkeypatch):
    def run(name: str, seed: int) -> None:
        result = invoke("run", "hoarding", *FAST, "--seed", seed, "--out", tmp_path / name)
        assert result.exit_code == 0, result.output

    run("a", 7)
    later = time.time() + 86_400  # a day later: nothing of the wall clock may reach the files
    monkeypatch.setattr(time, "time", lambda: later)
    run("b", 7)
    run("c", 8)
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert "journal.npz" in files and "meta.json" in files and "sellers.png" in files
    assert files == sorted(p.name for p in (tmp_path / "b").iterdir())
    for file in files:
        if file not in VOLATILE:
            assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes(), file
    other = (tmp_path / "c" / "timeseries.csv").read_bytes()
    assert (tmp_path / "a" / "timeseries.csv").read_bytes() != other


def test_existing_run_folder_needs_force(tmp_path):
    out = tmp_path / "run"
    assert invoke("run", "honest", *FAST, "--out", out).exit_code == 0
    before = (out / "timeseries.csv").read_bytes()
    result = invoke("run", "honest", *FAST, "--seed", "2", "--out", out)
    assert result.exit_code == 2
    assert "--force" in result.output
    assert (out / "timeseries.csv").read_bytes() == before
    assert invoke("run", "honest", *FAST, "--seed", "2", "--out", out, "--force").exit_code == 0
    assert (out / "timeseries.csv").read_bytes() != before


@pytest.mark.parametrize("args, words", [
    (["--set", "brands.0.qualty=0.3"], ["brands.0.qualty", "did you mean 'quality'"]),
    (["--set", "brands.0.quality=3"], ["brands.0.quality", "0.0 to 1.0"]),
    (["--set", "population.graph=lattice"], ["population.graph", "holme_kim"]),
    (["--set", "noequals"], ["noequals", "key.path=value"]),
    (["--set", "brands.0.tiers.1.price=0.9"], ["brands.0.tiers.1.price", "lower share"]),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, args, words):
    out = tmp_path / "run"
    result = invoke("run", SCENARIOS / "pyramid.toml", "--out", out, *args)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert "pyramid.toml" in lines[0] or "--set" in lines[0]
    for word in words:
        assert word in lines[0]
    assert not out.exists() and list(tmp_path.iterdir()) == []
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_missing_and_malformed_files(tmp_path):
    result = invoke("run", tmp_path / "nope.toml")
    assert result.exit_code == 2 and "nope.toml: file not found" in result.output
    bad = tmp_path / "bad.toml"
    bad.write_text("[population\npeople = 3\n")
    result = invoke("validate", bad)
    assert result.exit_code == 2 and "bad.toml" in result.output and "TOML" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_validate_and_scenarios_list():
    files = sorted(SCENARIOS.glob("*.toml"))
    result = invoke("validate", *files)
    assert result.exit_code == 0 and result.output.count("ok ") == len(files)
    listed = invoke("scenarios")
    assert listed.exit_code == 0
    for name in ("honest", "hoarding", "pyramid", "mixed_market", "crackdown", "regulated_pyramid"):
        assert name in listed.output


def test_compare_writes_a_side_by_side_table_and_figure(tmp_path):
    result = invoke("compare", "honest", "pyramid", *FAST, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    rows = read_csv(tmp_path / "comparison.csv")
    assert [r["scenario"] for r in rows] == ["honest", "pyramid"]
    assert (tmp_path / "comparison.png").stat().st_size > 10_000
    assert (tmp_path / "honest" / "timeseries.csv").is_file()


def test_an_output_folder_that_cannot_be_made_is_refused_before_running(tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("")
    result = invoke("run", "honest", *FAST, "--out", blocker / "x")
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1
    assert "cannot create the output folder" in result.output


@pytest.mark.parametrize("host, warned", [("0.0.0.0", True), ("192.168.1.5", True), ("myhost", True),
                                          ("127.0.0.1", False), ("localhost", False), ("::1", False)])
def test_serve_warns_when_the_page_is_reachable_from_the_network(monkeypatch, host, warned):
    started = []
    monkeypatch.setattr(subprocess, "call", lambda command, env: started.append(command) or 0)
    result = invoke("serve", "--host", host)
    assert result.exit_code == 0 and started and started[0][started[0].index("--host") + 1] == host
    warnings = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert len(warnings) == warned
    if warned:
        assert host in warnings[0] and "network" in warnings[0]


def test_risk_prints_each_brands_verdict_and_export_of_a_damaged_run_is_one_line(tmp_path):
    run = tmp_path / "run"
    assert invoke("run", SCENARIOS / "mixed_market.toml", *FAST, "--out", run).exit_code == 0
    scored = invoke("risk", run, "--out", tmp_path / "risk")
    assert scored.exit_code == 0, scored.output
    brands = json.loads((run / "meta.json").read_text())["brands"]
    verdicts = [line for line in scored.output.splitlines()
                if line.split(":")[0].strip().endswith(tuple(f"/ {b}" for b in brands))]
    assert len(verdicts) == len(brands) >= 2
    assert all(line.split(":")[-1].strip() in ("low", "elevated", "high") for line in verdicts)
    (run / "agents.csv").write_text("id,strategy\nnot a number,x\n", encoding="utf-8")
    damaged = invoke("export-data", run, tmp_path / "data")
    assert damaged.exit_code == 2 and damaged.output.count("\n") == 1, damaged.output
    assert "Traceback" not in damaged.output and not (tmp_path / "data").exists()
