"""Fuzzing the scenario loader and `--set`: whatever comes in, the outcome is a valid Scenario or a
ScenarioError of one short line that names the file (or --set); never another exception."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model import parameters as P
from sim.model.scenario import Scenario, ScenarioError, load_scenario, parse_set_options

SCENARIOS = Path(__file__).resolve().parent.parent / "sim" / "scenarios"
PYRAMID = SCENARIOS / "pyramid.toml"
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Real keys, so that many documents get past the unknown-key check into the deeper checks.
SECTION_KEYS = {name: list(spec) for name, spec in P.SECTIONS.items()}
KEYS = sorted({k for spec in (*P.SECTIONS.values(), P.STRATEGY, P.BRAND, P.TIER, P.INTERVENTION)
               for k in spec})
TEXT = st.text(st.characters(codec="utf-8"), max_size=12)
WORDS = st.one_of(st.sampled_from([*KEYS, *P.SECTIONS, "brands", "tiers", "strategies", "interventions",
                                   *P.STRATEGIES, "0", "1", "²", "０", ""]), TEXT)
SCALARS = st.one_of(
    st.integers(-10, 10**6), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, 0.5, 1e9, 1e300, 10**30, math.nan, math.inf]), st.booleans(),
    st.sampled_from(["edgelist", "holme_kim", "mix", "brand", "upline", "cap_depth", "", "x" * 70]), TEXT)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(WORDS, inner, max_size=4)), max_leaves=12)


def expect_outcome(load, where: str) -> None:
    """Run `load`; it gives a Scenario or a short one-line ScenarioError naming `where`."""
    try:
        scenario = load()
    except ScenarioError as exc:
        message = str(exc)
        assert "\n" not in message and "\r" not in message, message
        assert len(message) <= 300, message
        assert where in message, message
    else:
        assert isinstance(scenario, Scenario)


# -- TOML text ---------------------------------------------------------------------------------------


def toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, and TOML wants DEL escaped too."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else toml_string(key)


def toml_value(value) -> str:
    """A value as TOML, inline."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if value != value else "inf" if value > 0 else "-inf"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


@st.composite
def documents(draw) -> str:
    """Sections with real and made-up keys, brands with tiers, interventions; values of any kind."""
    lines = []
    for section in draw(st.lists(st.sampled_from([*SECTION_KEYS, "strategies.hoarder", "sellers.mix"]),
                                 max_size=4, unique=True)):
        lines.append(f"[{section}]")
        keys = SECTION_KEYS.get(section, KEYS)
        for key in draw(st.lists(st.one_of(st.sampled_from(keys), WORDS), max_size=4, unique=True)):
            lines.append(f"{toml_key(key)} = {toml_value(draw(VALUES))}")
    for _brand in range(draw(st.integers(0, 2))):
        lines.append("[[brands]]")
        for key in draw(st.lists(st.sampled_from(list(P.BRAND)), max_size=4, unique=True)):
            lines.append(f"{key} = {toml_value(draw(VALUES))}")
        for _tier in range(draw(st.integers(0, 2))):
            lines.append("[[brands.tiers]]")
            for key in draw(st.lists(st.sampled_from(list(P.TIER)), max_size=3, unique=True)):
                lines.append(f"{key} = {toml_value(draw(VALUES))}")
    if draw(st.booleans()):
        lines.append("[[interventions]]")
        lines.append(f"day = {toml_value(draw(VALUES))}")
        lines.append(f"action = {toml_value(draw(st.sampled_from(P.ACTIONS)))}")
    return "\n".join(lines) + "\n"


@st.composite
def mangled(draw) -> str:
    """A bundled scenario with a few random splices: brackets, quotes, BOMs, NULs, random text."""
    text = draw(st.sampled_from(sorted(SCENARIOS.glob("*.toml")))).read_text(encoding="utf-8")
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 20))
        insert = draw(st.one_of(st.sampled_from(["[", "]", "{", "}", '"', "=", ".", "\n", "\ufeff", "\x00",
                                                 "[" * 600, "a." * 80, "nan", "inf", "9" * 5000]), TEXT))
        text = text[:at] + insert + text[at + cut:]
    return text


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(text=documents())
def test_random_documents(folder, text):
    path = folder / "plan.toml"
    path.write_text(text, encoding="utf-8")
    expect_outcome(lambda: load_scenario(path), str(path))


@FUZZ
@given(text=mangled())
def test_mangled_bundled_scenarios(folder, text):
    path = folder / "mangled.toml"
    path.write_text(text, encoding="utf-8")
    expect_outcome(lambda: load_scenario(path), str(path))


@FUZZ
@given(data=st.binary(max_size=3000))
def test_random_bytes(folder, data):
    path = folder / "bytes.toml"
    path.write_bytes(data)
    expect_outcome(lambda: load_scenario(path), str(path))


# -- --set ----------------------------------------------------------------------------------------------

DOTTED = st.one_of(
    st.sampled_from(["run.days", "population.people", "population.graph", "population.edgelist",
                     "sellers.mix.hoarder", "sellers.mix", "brands.0.quality", "brands.0.tiers.1.price",
                     "brands.0.tiers", "brands.0.team_bonus", "brands.0.mix.recruiter", "brands", "meta.name",
                     "interventions.0.day", "interventions", "strategies.recruiter.pitches_per_day",
                     "brands.².quality", "brands.0." + "a." * 30 + "b", "x" * 300]),
    st.lists(WORDS, min_size=1, max_size=6).map(".".join))
SET_VALUES = st.one_of(VALUES.map(toml_value), TEXT, st.sampled_from(["nan", "-inf", "[", "{a=", "1e999",
                                                                         "[" * 3000, "9" * 5000, ""]))


@FUZZ
@given(items=st.lists(st.tuples(DOTTED, st.sampled_from(["=", " = ", ""]), SET_VALUES).map("".join),
                      max_size=4))
def test_random_set_options(items):
    def load():
        return load_scenario(PYRAMID, parse_set_options(items))

    try:
        load()
    except ScenarioError as exc:  # from parse_set_options (names --set) or from loading (names the file)
        message = str(exc)
        assert "\n" not in message and len(message) <= 300, message
        assert message.startswith(("--set", str(PYRAMID))), message


@FUZZ
@given(overrides=st.dictionaries(DOTTED, VALUES, max_size=3))
def test_random_overrides_of_a_loaded_scenario(overrides):
    base = load_scenario(PYRAMID, {"population.people": 500})
    expect_outcome(lambda: base.with_overrides(overrides), str(PYRAMID))
