"""`weishang explore`: design coverage, discovery output, sensitivity ranking, resume, bad input."""

from __future__ import annotations

import csv
import json
import os

import numpy as np
import pytest
from click.testing import CliRunner

from sim.cli import main

SMALL = ["--set", "population.people=300", "--days", "60", "-q", "-j", "2"]


def explore(out, *args):
    return CliRunner().invoke(main, ["explore", "pyramid", *args, "--out", str(out), *SMALL])


def rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_latin_hypercube_exploration_covers_the_ranges_and_reports(tmp_path):
    out = tmp_path / "x"
    result = explore(out, "--vary", "brands.0.recruit_bonus_share=0:0.5",
                     "--vary", "brands.0.quality=0.1:0.9", "--samples", "10", "-r", "1",
                     "--target", "sellers_ever>40")
    assert result.exit_code == 0, result.output
    table = rows(out / "explore.csv")
    assert len(table) == 10
    share = np.array([float(r["brands.0.recruit_bonus_share"]) for r in table])
    quality = np.array([float(r["brands.0.quality"]) for r in table])
    assert ((share >= 0) & (share <= 0.5)).all() and ((quality >= 0.1) & (quality <= 0.9)).all()
    # Latin hypercube: one sample in each tenth of each range.
    assert sorted(np.floor(share / 0.05).astype(int)) == list(range(10))
    assert sorted(np.floor((quality - 0.1) / 0.08).astype(int)) == list(range(10))
    for r in table:
        assert (r["target"] == "True") == (float(r["sellers_ever"]) > 40)
    boxes = json.loads((out / "boxes.json").read_text())
    assert boxes["points"] == 10 and "rules" in boxes["chosen"]
    html = (out / "explore.html").read_text()
    assert html.count("data:image/png;base64,") == len(list((out / "figures").glob("*.png"))) >= 2
    assert "PRIM box:" in result.output


def test_morris_ranks_a_lever_with_no_effect_last(tmp_path):
    # pyramid.toml has no buyback, so the buyback window changes nothing: with common seeds every
    # pair of runs differing only in it is identical, and its Morris effect is exactly zero.
    out = tmp_path / "m"
    result = explore(out, "--vary", "brands.0.recruit_bonus_share=0:0.5",
                     "--vary", "brands.0.buyback_days=0:365", "--method", "morris", "--samples", "4",
                     "-r", "1", "--target", "share_in_loss>0.5")
    assert result.exit_code == 0, result.output
    assert len(rows(out / "explore.csv")) == 4 * 3  # trajectories x (levers + 1)
    indices = json.loads((out / "indices.json").read_text())["indices"]
    for metric in ("share_in_loss", "median_profit"):
        found = {i["parameter"]: i for i in indices[metric]["indices"]}
        assert found["brands.0.buyback_days"]["mu_star"] == 0
        assert indices[metric]["ranking"][-1] == "brands.0.buyback_days"
    assert (out / "figures" / "sensitivity.png").is_file()
    # The report shows the values behind the ranking: the lever with no effect has mu* 0.
    report = (out / "explore.md").read_text()
    assert "| share_in_loss | brands.0.buyback_days | mu* | 0 |" in report


def test_exploration_resumes_without_rerunning(tmp_path):
    out = tmp_path / "x"
    args = ["--vary", "brands.0.quality=0.1:0.9", "--samples", "4", "-r", "1", "--target", "verdict==high"]
    assert explore(out, *args).exit_code == 0
    stamps = {p.name: os.stat(p / "summary.json").st_mtime_ns for p in (out / "runs").iterdir()}
    assert len(stamps) == 4
    assert explore(out, *args).exit_code == 0
    assert {p.name: os.stat(p / "summary.json").st_mtime_ns for p in (out / "runs").iterdir()} == stamps
    verdicts = {r["target"] for r in rows(out / "explore.csv")}
    assert verdicts <= {"True", "False"}


@pytest.mark.parametrize("args, words", [
    (["--vary", "brands.0.quality=0.9:0.1", "--target", "verdict==high"], ["lo < hi"]),
    (["--vary", "brands.0.quality=0.1,0.5", "--target", "verdict==high"], ["range lo:hi"]),
    (["--vary", "population.graph=0:1", "--target", "verdict==high"], ["population.graph", "numeric"]),
    (["--vary", "brands.0.qualty=0:1", "--target", "verdict==high"], ["brands.0.qualty"]),
    (["--vary", "brands.0.quality=0.1:0.9", "--target", "verdict==bad"], ["low, elevated, high"]),
    (["--vary", "brands.0.quality=0.1:0.9", "--target", "happiness>3"], ["unknown metric 'happiness'"]),
    (["--vary", "brands.0.quality=0.1:0.9", "--target", "share_in_loss"], ["KEY OP VALUE"]),
    (["--vary", "brands.0.quality=0.1:0.9", "--target", "verdict==high", "--method", "sobol"],
     ["power of 2"]),
])
def test_bad_ranges_and_targets_are_one_line_exit_2(tmp_path, args, words):
    out = tmp_path / "x"
    result = CliRunner().invoke(main, ["explore", "pyramid", *args, "--samples", "6", "--out", str(out)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    for word in words:
        assert word in lines[0]
    assert not out.exists()
