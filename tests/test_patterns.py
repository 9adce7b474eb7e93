"""`weishang patterns`: the pattern file and its checks, each statistic on a hand-made run folder,
and the command end to end on a tiny scenario."""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats

from sim.cli import main
from sim.experiments import patterns as pt
from sim.model import bundled
from sim.model.scenario import load_scenario

GOOD = """
[[pattern]]
id = "A"
name = "take-up"
statistic = "take_up_first_year"
description = "share that joins"
source = "somewhere"
min_days = 30

[pattern.ranges]
{scenario} = [0.0, 1.0]

[[pattern]]
id = "B"
name = "losses"
statistic = "share_in_loss"
description = "share in loss"
source = "somewhere else"
min_days = 25

[pattern.ranges]
{scenario} = [0.95, 1.0]
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- the pattern file ------------------------------------------------------------------------

def test_the_published_file_loads_and_names_bundled_scenarios():
    found = pt.load_patterns()
    assert [p.id for p in found] == ["P1", "P2", "P3", "P4"]
    assert {p.statistic for p in found} <= set(pt.STATISTICS)
    assert set(pt.scenario_names(found)) <= set(bundled.paths())
    assert pt.horizon(found) == 547  # P2: a joiner of day 181 followed for 365 days
    ranges = {p.id: p.ranges for p in found}
    assert ranges["P1"] == {"pyramid": (0.001, 0.02)}
    assert ranges["P2"] == {"pyramid": (0.5, 0.9), "hoarding": (0.5, 0.9), "honest": (0.3, 1.0)}
    assert ranges["P3"] == {"pyramid": (0.95, 1.0)} and ranges["P4"] == {"pyramid": (0.6, 0.9)}


@pytest.mark.parametrize(("old", "new", "words"), [
    ('"share_in_loss"', '"os.system"', "pattern 2: statistic: unknown 'os.system'"),
    ("[0.95, 1.0]", "[1.0, 0.95]", "pattern 2: ranges.tiny: expected [lo, hi]"),
    ("[0.95, 1.0]", "[0.95]", "pattern 2: ranges.tiny: expected [lo, hi]"),
    ("[0.95, 1.0]", '["a", "b"]', "pattern 2: ranges.tiny: expected [lo, hi]"),
    ("min_days = 25", "min_days = 25\ncolour = 3", "pattern 2: colour: unknown key"),
    ("min_days = 25", "min_days = 0", "pattern 2: min_days: expected a whole number"),
    ('source = "somewhere else"\n', "", "pattern 2: source: missing"),
    ('id = "B"', 'id = "A"', "pattern 2: id: 'A' is used twice"),
])
def test_a_bad_pattern_file_is_one_line_naming_the_file_and_key(tmp_path, old, new, words):
    good = GOOD.format(scenario="tiny")
    assert old in good
    path = write(tmp_path / "bad.toml", good.replace(old, new))
    with pytest.raises(pt.PatternError) as caught:
        pt.load_patterns(path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{path}: ") and words in message
    result = CliRunner().invoke(main, ["patterns", "--patterns", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and result.output.strip() == f"Error: {message}"
    assert not (tmp_path / "o").exists()


def test_unknown_top_level_keys_missing_files_and_unknown_scenarios_are_refused(tmp_path):
    extra = write(tmp_path / "extra.toml", "title = 'x'\n" + GOOD.format(scenario="tiny"))
    with pytest.raises(pt.PatternError, match=r"extra.toml: title: unknown key"):
        pt.load_patterns(extra)
    with pytest.raises(pt.PatternError, match=r"nope.toml: file not found"):
        pt.load_patterns(tmp_path / "nope.toml")
    nosuch = write(tmp_path / "nosuch.toml", GOOD.format(scenario="nosuch"))
    result = CliRunner().invoke(main, ["patterns", "--patterns", str(nosuch), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1
    assert "nosuch.toml: pattern 1: ranges.nosuch: not a bundled scenario" in result.output


# --- the statistics on a hand-made run folder ----------------------------------------------------

# id, join_day, exit_day, upline, net_profit (exit_day -1: still selling; upline -1: a founder)
AGENTS = [
    (0, 0, -1, -1, 5000.0),    # founder, still selling
    (1, 0, 30, -1, -10.0),     # founder who quit on day 30: not in the dropout cohort
    (2, 10, 100, 0, -900.0),   # quit after 90 days: counted
    (3, 50, 415, 0, -1.0),     # quit after exactly 365 days: counted
    (4, 50, 416, 2, -300.0),   # quit after 366 days: not counted
    (5, 100, -1, 2, 0.0),      # still selling: not counted; profit 0 is not a loss
    (6, 181, 181, 3, -50.0),   # joined on day 181, quit the same day: counted
    (7, 182, 200, 3, -20.0),   # joined on day 182: outside the first half-year
    (8, 300, 310, 5, 12.5),    # joined late, in profit
    (9, 366, -1, 5, -3.0),     # joined on day 366: after the first 365 days
]


def make_run(folder: Path, agents=AGENTS, ledger: dict | None = None, people: int = 1000) -> Path:
    folder.mkdir(parents=True)
    with open(folder / "agents.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "strategy", "join_day", "exit_day", "upline", "net_profit"])
        writer.writerows([(a[0], "recruiter", *a[1:]) for a in agents])
    with open(folder / "ledger.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["kind", "entries", "amount", "units"])
        for kind, amount in (ledger or {}).items():
            writer.writerow([kind, 1, amount, 0])
    (folder / "summary.json").write_text(json.dumps({"people": people, "days": 600}), encoding="utf-8")
    return folder


def test_take_up_counts_everyone_who_joined_by_day_365_over_the_population(tmp_path):
    # ids 0-8 joined on days 0..300; id 9 on day 366 is outside: 9 of 1,000 people.
    assert pt.take_up_first_year(make_run(tmp_path / "r")) == pytest.approx(0.009)


def test_dropout_follows_non_founders_who_joined_in_the_first_half_year_for_365_days(tmp_path):
    # Cohort: ids 2-6 (joined days 10..181, not founders); quit within 0..365 days: 2, 3 and 6.
    assert pt.dropout_within_year(make_run(tmp_path / "r")) == pytest.approx(3 / 5)
    founders_only = [a for a in AGENTS if a[3] < 0]
    assert math.isnan(pt.dropout_within_year(make_run(tmp_path / "f", founders_only)))


def test_dropout_counts_a_seller_who_quit_and_rejoined_as_quit(tmp_path):
    # Ids 2-6 again, with a first_exit_day column: id 5 (selling at the end, exit_day -1) had quit on
    # day 150 and rejoined, so 2, 3, 5 and 6 quit within a year of joining.
    run = make_run(tmp_path / "r")
    with open(run / "agents.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for r in rows:
        r["first_exit_day"] = "150" if r["id"] == "5" else r["exit_day"]
    assert rows[5]["exit_day"] == "-1"
    with open(run / "agents.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert pt.dropout_within_year(run) == pytest.approx(4 / 5)


def test_share_in_loss_is_over_everyone_who_ever_joined(tmp_path):
    # Below zero: ids 1, 2, 3, 4, 6, 7, 9 (7 of 10); id 5's zero is no loss.
    assert pt.share_in_loss(make_run(tmp_path / "r")) == pytest.approx(0.7)
    assert math.isnan(pt.share_in_loss(make_run(tmp_path / "e", [])))


def test_recruiting_bonus_share_reads_the_ledger_and_counts_absent_kinds_as_zero(tmp_path):
    ledger = {"retail": 10000.0, "recruit_bonus": 300.0, "buy_in_bonus": 200.0, "team_bonus": 100.0,
              "rank_bonus": 100.0, "retail_bonus": 300.0, "entry_order": 90000.0}
    # Pay for recruiting is per recruit and on buy-ins, (300 + 200), against all bonuses
    # (300 + 200 + 100 + 100 + 300): restock overrides, pool and rebate are pay on volume after
    # joining; retail sales and stock orders are not bonuses at all.
    assert pt.recruiting_bonus_share(make_run(tmp_path / "a", ledger=ledger)) == pytest.approx(0.5)
    # No buy_in_bonus, rank_bonus or retail_bonus rows: they count as 0.
    old = {"recruit_bonus": 40.0, "team_bonus": 60.0}
    assert pt.recruiting_bonus_share(make_run(tmp_path / "b", ledger=old)) == pytest.approx(0.4)
    only_recruiting = {"recruit_bonus": 40.0, "buy_in_bonus": 60.0}
    assert pt.recruiting_bonus_share(make_run(tmp_path / "d", ledger=only_recruiting)) == 1.0
    none = {"recruit_bonus": 0.0, "team_bonus": 0.0, "retail": 500.0}
    assert math.isnan(pt.recruiting_bonus_share(make_run(tmp_path / "c", ledger=none)))


def test_a_run_folder_without_a_needed_column_is_a_one_line_error(tmp_path):
    run = make_run(tmp_path / "r")
    (run / "agents.csv").write_text("id,join_day\n1,5\n", encoding="utf-8")
    with pytest.raises(pt.PatternError, match=r"agents.csv: no column 'first_exit_day' or 'exit_day'"):
        pt.dropout_within_year(run)


def test_rows_give_the_mean_and_t_interval_across_replicates_and_in_range(tmp_path):
    found = pt.load_patterns(write(tmp_path / "p.toml", GOOD.format(scenario="s")))
    # Replicate 0: 7 of 10 in loss (AGENTS); replicate 1: everyone in loss; scenario t: no range.
    losing = [(*a[:4], -1.0) for a in AGENTS]
    runs = {"s__base__r000": AGENTS, "s__base__r001": losing, "t__base__r000": AGENTS}
    for run_id, agents in runs.items():
        make_run(tmp_path / "out" / "runs" / run_id, agents)
    manifest = {"scenarios": {"s": {}, "t": {}}, "runs": {
        run_id: {"scenario": run_id[0], "status": "done"} for run_id in runs}}
    rows = {(r["pattern"], r["scenario"]): r for r in pt.pattern_rows(tmp_path / "out", manifest, found)}
    assert len(rows) == 4
    loss = rows["B", "s"]
    half = stats.t.ppf(0.975, 1) * np.std([0.7, 1.0], ddof=1) / np.sqrt(2)
    assert loss["values"] == pytest.approx([0.7, 1.0]) and loss["mean"] == pytest.approx(0.85)
    assert loss["ci_lo"] == pytest.approx(max(0.85 - half, 0.0)) and loss["ci_hi"] == 1.0  # clipped
    assert loss["in_range"] == "no"  # 0.85 is below 0.95
    assert rows["A", "s"]["in_range"] == "yes" and rows["A", "s"]["mean"] == pytest.approx(0.009)
    assert rows["B", "t"]["in_range"] == "n/a" and math.isnan(rows["B", "t"]["published_lo"])
    assert math.isnan(rows["B", "t"]["ci_lo"])  # one replicate: no interval


# --- the command end to end ----------------------------------------------------------------------

def tiny_scenario(folder: Path, name: str) -> Path:
    """The bundled pyramid at 300 people and 20 days (the patterns raise it to 30)."""
    text = (bundled.folder() / "pyramid.toml").read_text(encoding="utf-8")
    text, people = re.subn(r"(?m)^people\s*=\s*\d+", "people = 300", text)
    text, days = re.subn(r"(?m)^days\s*=\s*\d+", "days = 20", text)
    assert people == days == 1
    return write(folder / f"{name}.toml", text)


def test_the_command_runs_reports_and_resumes(tmp_path):
    tiny, other = tiny_scenario(tmp_path, "tiny"), tiny_scenario(tmp_path, "other")
    name = load_scenario(tiny).name
    patterns = write(tmp_path / "patterns.toml", GOOD.format(scenario=name))
    out = tmp_path / "out"
    args = ["patterns", str(tiny), str(other), "--patterns", str(patterns), "--replicates", "2",
            "--jobs", "2", "--seed", "3", "--out", str(out), "-q"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    for page in ("patterns.csv", "patterns.md", "patterns.html", "manifest.json"):
        assert (out / page).is_file()
    assert sorted(p.name for p in (out / "pattern_figures").iterdir()) == ["A.png", "B.png"]
    with open(out / "patterns.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted((r["pattern"], r["scenario"]) for r in rows) == sorted(
        (p, s) for p in "AB" for s in (name, load_scenario(other).name))
    assert all(r["replicates"] == "2" for r in rows if r["pattern"] == "A")
    assert {r["in_range"] for r in rows if r["scenario"] != name} == {"n/a"}
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {s["run"]["days"] for s in manifest["scenarios"].values()} == {30}  # raised to min_days
    assert manifest["kind"] == "patterns" and len(manifest["runs"]) == 4
    table = [line for line in result.output.splitlines() if line.count(" | ") == 4]
    assert len(table) == 1 + 4 and "model mean [95% interval]" in table[0]
    assert sum("no published range" in line for line in table) == 2
    html = (out / "patterns.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 2
    assert "pattern_figures/A.png" in (out / "patterns.md").read_text(encoding="utf-8")

    stamp = {p: p.stat().st_mtime_ns for p in (out / "runs").glob("*/summary.json")}
    again = CliRunner().invoke(main, args)  # a re-run resumes: nothing is run again
    assert again.exit_code == 0, again.output
    assert {p: p.stat().st_mtime_ns for p in (out / "runs").glob("*/summary.json")} == stamp
    different = CliRunner().invoke(main, [*args[:-1], "-q", "--replicates", "3"])
    assert different.exit_code == 2 and "different batch" in different.output
