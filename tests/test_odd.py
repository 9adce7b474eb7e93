"""docs/ODD.md keeps up with the model: every parameter is named, every path and link is real.

The rule, as docs/ODD.md states it at its top: every parameter of the table in
sim/model/parameters.py appears in sections 5-7 (Initialisation, Input data, Submodels) by its
full scenario key inside backticks (alone or in a formula), written `section.key` for the file's
sections, `strategies.NAME.key`, `brands.N.key`, `brands.N.tiers.K.key` and
`interventions.N.key` for the tables in lists. The tables are found in the module, not listed
here, so a new parameter or a new table that is not documented fails.
"""

from __future__ import annotations

import re
from pathlib import Path

from sim.model import parameters as P
from sim.model.parameters import (
    BRAND,
    INTERVENTION,
    MARKET,
    POPULATION,
    RUN,
    SELLERS,
    STRATEGY,
    TIER,
    TRUST,
    Param,
)

ROOT = Path(__file__).resolve().parent.parent
ODD = ROOT / "docs" / "ODD.md"
DOMAIN = ROOT / "docs" / "domain.md"

# Tables of list items, by their name in parameters.py: how their keys are written in ODD.md.
LIST_TABLES = {"STRATEGY": "strategies.NAME", "BRAND": "brands.N", "TIER": "brands.N.tiers.K",
               "INTERVENTION": "interventions.N"}
SECTIONS_WITH_PARAMETERS = ("5", "6", "7")


def parameter_tables() -> dict[str, tuple[str | None, dict]]:
    """Every table of `Param`s in parameters.py: name -> (key prefix, or None if unknown, table)."""
    section_of = {id(table): name for name, table in P.SECTIONS.items()}
    tables = {}
    for name, value in vars(P).items():
        if isinstance(value, dict) and value and all(isinstance(v, Param) for v in value.values()):
            tables[name] = (section_of.get(id(value)) or LIST_TABLES.get(name), value)
    return tables


def sections(text: str) -> dict[str, str]:
    """The text of each top-level ODD section, by its number ('## 5. Initialisation' -> '5')."""
    parts = re.split(r"^## (\d+)\.", text, flags=re.MULTILINE)
    return {number: body for number, body in zip(parts[1::2], parts[2::2], strict=True)}


def code_text(text: str) -> str:
    """Everything inside backticks (inline spans and fenced blocks), one piece a line."""
    fenced = re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    rest = re.sub(r"^```[^\n]*\n.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    spans = re.findall(r"`((?:[^`\n]|\n(?!\n))+)`", rest)  # a span may wrap, not cross a paragraph
    return "\n".join([*fenced, *spans])


def named(key: str, code: str) -> bool:
    """`key` appears as a whole dotted name (not part of a longer one) in the code text."""
    return re.search(rf"(?<![\w.]){re.escape(key)}(?![\w.])", code) is not None


def missing_keys(text: str, tables: dict[str, tuple[str | None, dict]]) -> list[str]:
    """The parameter keys the rule asks for that the document's sections 5-7 do not name."""
    body = sections(text)
    code = code_text("\n".join(body.get(n, "") for n in SECTIONS_WITH_PARAMETERS))
    keys = [f"{prefix}.{key}" for prefix, table in tables.values() if prefix for key in table]
    return [key for key in keys if not named(key, code)]


def github_anchor(heading: str) -> str:
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_the_document_has_the_seven_odd_sections():
    assert set(sections(ODD.read_text(encoding="utf-8"))) >= {str(n) for n in range(1, 8)}


def test_the_parameter_tables_are_all_found_and_have_a_key_form():
    tables = parameter_tables()
    for table in (RUN, POPULATION, TRUST, MARKET, SELLERS, STRATEGY, BRAND, TIER, INTERVENTION):
        assert any(table is found for _, found in tables.values())
    unknown = sorted(name for name, (prefix, _) in tables.items() if prefix is None)
    assert not unknown, (f"parameters.py has tables {unknown} with no key form: add one to the rule "
                         "at the top of docs/ODD.md and to LIST_TABLES here")


def test_every_parameter_is_named_in_odd():
    missing = missing_keys(ODD.read_text(encoding="utf-8"), parameter_tables())
    assert not missing, ("docs/ODD.md sections 5-7 do not name these parameters (write each key in "
                         f"backticks in the submodel that uses it): {', '.join(missing)}")


def test_a_parameter_added_to_the_table_and_not_to_odd_is_caught():
    tables = parameter_tables()
    text = ODD.read_text(encoding="utf-8")
    for name, (prefix, table) in tables.items():
        if prefix is None:
            continue
        grown = {**tables, name: (prefix, {**table, "not_in_odd_yet": Param(0.0, "-", "test")})}
        added = set(missing_keys(text, grown)) - set(missing_keys(text, tables))
        assert added == {f"{prefix}.not_in_odd_yet"}, name
    # A key named only outside sections 5-7, or only as part of a longer name, does not count.
    text = "## 1. Purpose\n`sellers.recruit_trust`\n## 7. Submodels\n`sellers.recruit_trust_x`\n"
    assert missing_keys(text, {"SELLERS": ("sellers", {"recruit_trust": None})}) == ["sellers.recruit_trust"]


def test_every_path_named_in_odd_exists():
    code = code_text(ODD.read_text(encoding="utf-8"))
    paths = set(re.findall(r"(?<![\w/.])((?:sim|docs|tests|benchmarks)/[\w./-]*)", code))
    paths = {path.split("#")[0].rstrip(".") for path in paths}
    assert any(path.startswith("sim/model/sellers/") and path.endswith(".py") for path in paths)
    absent = sorted(path for path in paths if not (ROOT / path).exists())
    assert not absent, f"docs/ODD.md names paths that do not exist: {absent}"


def test_every_link_into_domain_md_names_a_heading():
    headings = re.findall(r"^#+ (.+)$", DOMAIN.read_text(encoding="utf-8"), flags=re.MULTILINE)
    anchors = {github_anchor(h) for h in headings}
    used = set(re.findall(r"docs/domain\.md#([\w-]+)", ODD.read_text(encoding="utf-8")))
    assert used, "docs/ODD.md cites no section of docs/domain.md"
    assert not used - anchors, f"no such heading in docs/domain.md: {sorted(used - anchors)}"
