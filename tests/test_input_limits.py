"""Hostile scenario input: one-line errors instead of tracebacks, short echoes of what was given,
and the limits that protect the machine (sim/model/parameters.py LIMITS), each refused at once."""

from __future__ import annotations

import logging
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from conftest import EVERYONE_OPEN, SCENARIOS, small, write_file

from sim import WeishangModel
from sim.model import parameters as P
from sim.model.ledger import Ledger
from sim.model.scenario import LIMITS, ScenarioError, load_scenario, parse_set_options
from sim.model.sellers import pitching

PYRAMID = SCENARIOS / "pyramid.toml"


def write(tmp_path: Path, content: str | bytes, name: str = "plan.toml") -> Path:
    return write_file(tmp_path / name, content)


def error(path: Path | str = PYRAMID, overrides: dict | None = None) -> str:
    """The one-line ScenarioError of loading; it names the file and echoes little of the input."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    assert len(message) - len(str(path)) < 260, message
    return message


def set_error(*items: str) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(PYRAMID, parse_set_options(items))
    message = str(info.value)
    assert "\n" not in message and len(message) < 300, message
    return message


# -- what used to be a traceback ------------------------------------------------------------------


@pytest.mark.parametrize("text", ["x = " + "[" * 5000 + "]" * 5000,
                                  "x = " + "{a=" * 3000 + "1" + "}" * 3000])
def test_arrays_or_inline_tables_nested_thousands_deep(tmp_path, text):
    assert "nested too deep" in error(write(tmp_path, text))


@pytest.mark.parametrize("text", ["[" + ".".join(["a"] * 12) + "]\nx = 1\n",
                                  "[[brands]]\nteam_bonus = [[[[[[[[0.1]]]]]]]]\n"])
def test_nesting_the_parser_can_read_is_refused_past_the_limit(tmp_path, text):
    message = error(write(tmp_path, text))
    assert f"nested more than {LIMITS['nesting'].value} levels" in message


def test_an_unreadable_file(tmp_path, monkeypatch):
    path = write(tmp_path, "[run]\ndays = 10\n")

    def refuse(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_text", refuse)  # (tests may run as root, who reads anything)
    assert "cannot read the file (Permission denied)" in error(path)


@pytest.mark.parametrize("index", ["²", "０", "1²"])
def test_a_non_ascii_digit_is_no_list_index(index):
    message = set_error(f"brands.{index}.quality=0.3")
    assert f"brands.{index}: no such item" in message


def test_an_integer_too_long_for_python(tmp_path):
    message = error(write(tmp_path, "[population]\npeople = " + "9" * 5000 + "\n"))
    assert "an integer of more than 4,300 digits" in message
    assert "population.people" in set_error("population.people=" + "9" * 5000)


def test_an_integer_too_large_for_a_float_parameter_is_out_of_bounds():
    message = error(PYRAMID, {"population.wealth_median": 10**400})
    assert "population.wealth_median" in message and "not allowed" in message


# -- bad input that used to be accepted --------------------------------------------------------------


@pytest.mark.parametrize("weight", ["nan", "inf", "+inf"])
@pytest.mark.parametrize("key", ["sellers.mix", "brands.0.mix"])
def test_nan_or_infinite_strategy_weights_are_refused(tmp_path, key, weight):
    table = "[sellers.mix]" if key == "sellers.mix" else "[[brands]]\n[brands.mix]"
    path = write(tmp_path, f"{table}\nrelationship = {weight}\nhoarder = 1.0\n")
    message = error(path)
    assert f"{key}.relationship: {weight.lstrip('+')} is not allowed" in message
    assert "finite weight" in message


@pytest.mark.parametrize("name", ["../../elsewhere", "a/b", "", ".", "tab\there", "x" * 201, "店" * 67])
def test_a_name_that_is_no_plain_folder_name_is_refused(name):
    assert "meta.name" in error(PYRAMID, {"meta.name": name})  # it names the run folder


def test_a_name_of_up_to_200_bytes_is_allowed():
    assert load_scenario(PYRAMID, {"meta.name": "店" * 66}).name == "店" * 66  # 198 bytes


# -- valid input that used to be refused or to crash ---------------------------------------------------


def test_a_file_beginning_with_a_byte_order_mark_loads(tmp_path):
    path = write(tmp_path, "\ufeff[run]\ndays = 10\n".encode())
    assert load_scenario(path)["run"]["days"] == 10


def test_orders_of_more_units_than_the_limit_are_refused_and_at_the_limit_allowed():
    # the pyramid's top tier pays 0.15 of list: at 0.01 yuan list a unit costs 0.0015 yuan
    cheap = {"brands.0.list_price": 0.01, "brands.0.unit_cost": 0.0}
    most = LIMITS["order_units"].value
    message = error(PYRAMID, {**cheap, "brands.0.tiers.5.first_order": 0.0015 * most * 1.01})
    assert "brands.0.tiers.5.first_order" in message and f"at most {most:,} units" in message
    load_scenario(PYRAMID, {**cheap, "brands.0.tiers.5.first_order": 0.0015 * most * 0.99})


def test_the_journal_holds_unit_counts_beyond_32_bits():
    ledger = Ledger(people=2, brands=1)
    ledger.post("restock", 0, 1, 1.0, units=3 * 2**31)
    ledger.post_many("restock", [0], [1], 1.0, units=5 * 2**31)
    assert sorted(ledger.journal()["units"].tolist()) == [3 * 2**31, 5 * 2**31]


def test_no_seller_pitches_more_people_a_day_than_the_limit(monkeypatch):
    # A recruitment bonus of ten million yuan spurs pitches thousands of times over; with everyone
    # open and big group chats, one day's pitches once asked for 41 GiB.
    scenario = small({**EVERYONE_OPEN, "run.days": 3, "brands.0.recruit_bonus": 1e7,
                      "strategies.relationship.pitches_per_day": 100.0,
                      "strategies.relationship.group_posts_per_day": 100.0,
                      "sellers.group_size": 100_000})
    most = []
    answer = pitching._answer
    monkeypatch.setattr(pitching, "_answer", lambda state, roster, pitcher, *rest: (
        most.append(np.bincount(pitcher).max()), answer(state, roster, pitcher, *rest)))
    WeishangModel(scenario).run(3)
    assert most and max(most) == P.MAX_PITCHES_PER_DAY  # spurred to the cap, and not past it


# -- intervention days past the end: a warning, and the run ---------------------------------------


@pytest.mark.parametrize(("name", "first"), [
    ("crackdown", "interventions.0 (crackdown, day 120)"),
    ("regulated_pyramid", "interventions.0 (ban_recruit_bonus, day 90)"),
])
def test_a_run_shorter_than_its_interventions_warns_once_and_loads(caplog, name, first):
    with caplog.at_level(logging.WARNING, logger="sim.model.scenario"):
        scenario = load_scenario(name, {"run.days": 5, "population.people": 500})
        scenario.with_overrides({"run.seed": 2})  # a batch resolves it again: no second warning
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "\n" not in warnings[0]
    assert f"{name}.toml" in warnings[0] and first in warnings[0] and "last day (5)" in warnings[0]
    model = WeishangModel(scenario)
    model.run(5)
    assert model.day == 5


# -- echoes are cut ---------------------------------------------------------------------------


@pytest.mark.parametrize("overrides", [
    {"brands.0.quality": "x" * 999},
    {"population.graph": "y" * 999},
    {"sellers.mix": {"z" * 500: 1.0}},
    {"population." + "k" * 190: 1},
    {"brands.0.team_bonus": [0.5] * 99 + ["w" * 999]},
])
def test_an_echoed_value_or_key_is_cut(overrides):
    message = error(PYRAMID, overrides)  # (short: see error())
    assert "…" in message or "..." in message


def test_an_unknown_key_a_megabyte_long_is_cut(tmp_path):
    assert "unknown key" in error(write(tmp_path, "[run]\n" + "k" * 900_000 + " = 1\n"))


# -- the limits, each with its error -----------------------------------------------------------


def test_a_file_larger_than_the_limit(tmp_path):
    most = LIMITS["file_bytes"].value
    path = write(tmp_path, "# " + "x" * most + "\n")
    assert f"allowed: at most {most:,}" in error(path)


def test_a_dotted_key_of_thousands_of_parts_is_refused_before_parsing(tmp_path):
    path = write(tmp_path, ".".join(["a"] * 20_000) + " = 1\n")  # the parser alone took 1.6 GB
    tracemalloc.start()
    message = error(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert f"more than {LIMITS['dotted_parts'].value} parts" in message
    assert peak < 20e6


def test_a_set_key_too_long_or_too_deep_is_refused_at_once():
    tracemalloc.start()
    message = set_error(".".join(["a"] * 20_000) + "=1")  # this once took 2.4 GB before its error
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert f"(allowed: at most {LIMITS['key_chars'].value})" in message and peak < 20e6
    parts = LIMITS["key_parts"].value + 1
    assert f"a key of {parts} dotted parts" in set_error(".".join(["brands"] * parts) + "=1")


def test_a_set_value_longer_than_the_limit():
    most = LIMITS["value_chars"].value
    assert f"at most {most:,}" in set_error("meta.description=" + "d" * (most + 1))


def test_a_list_of_millions_is_refused_by_its_length_first():
    levels = [2] * 3_000_000
    tracemalloc.start()
    message = error(PYRAMID, {"brands.0.team_bonus": levels})  # once 40 s to refuse
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert f"a list of 3,000,000 items (allowed: at most {LIMITS['items'].value})" in message
    assert peak < 20e6


def test_a_list_in_a_file_longer_than_the_limit(tmp_path):
    levels = ", ".join(["0.001"] * (LIMITS["items"].value + 1))
    path = write(tmp_path, f"[[brands]]\nteam_bonus = [{levels}]\n")
    assert "brands.0.team_bonus: a list of" in error(path)


def test_more_brands_than_the_limit(tmp_path):
    text = "".join(f'[[brands]]\nname = "b{i}"\n' for i in range(LIMITS["brands"].value + 1))
    assert f"(allowed: at most {LIMITS['brands'].value})" in error(write(tmp_path, text))


def test_a_text_longer_than_the_limit():
    assert "meta.description: a text of" in error(PYRAMID, {"meta.description": "d" * 1001})


def test_more_contacts_than_the_limit():
    message = error(PYRAMID, {"population.people": 10_000_000, "population.mean_degree": 100})
    assert "population.mean_degree" in message and f"{LIMITS['contacts'].value:,}" in message
    load_scenario(PYRAMID, {"population.people": 10_000_000, "population.mean_degree": 20})


@pytest.mark.parametrize(("key", "param"), [("population.people", P.POPULATION["people"]),
                                            ("run.days", P.RUN["days"])])
def test_people_and_days_past_their_bounds(key, param):
    assert param.allowed() in error(PYRAMID, {key: int(param.hi) + 1})


def test_the_readme_lists_every_limit():
    readme = (SCENARIOS.parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Limits", 1)[1].split("\n## ", 1)[0]
    for name, limit in LIMITS.items():
        assert f"`{name}`" in section and f"{limit.value:,}" in section, name
    for bound in ("10,000,000", "10,000"):  # people, days
        assert bound in section
