"""Scenario files: loading, defaults, overrides; one-line errors naming file, key and limits."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_file

from sim.model import parameters as P
from sim.model.scenario import ScenarioError, load_scenario, parse_set_options

SCENARIOS = Path(__file__).resolve().parent.parent / "sim" / "scenarios"
BUNDLED = sorted(SCENARIOS.glob("*.toml"))

# A small, valid brand used to build plan errors: list price 100, unit cost 20, tiers at
# 60% then 45% of list with first orders 600 and 3,000 yuan.
BRAND = """
[[brands]]
name = "glow"
list_price = 100.0
unit_cost = 20.0
founders = 3
"""
TIER = "[[brands.tiers]]\nprice = {price}\nfirst_order = {first_order}\n"


def tiers(*ladder: tuple[float, float]) -> str:
    return "".join(TIER.format(price=p, first_order=f) for p, f in ladder)


def write(tmp_path: Path, content: str | bytes, name: str = "plan.toml") -> Path:
    return write_file(tmp_path / name, content)


def one_line_error(path: Path, overrides: dict | None = None) -> str:
    """Load, expect a ScenarioError, check it is one line naming the file; return its text."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    return message


# -- bundled scenarios and defaults -------------------------------------------------------------


def test_scenarios_are_bundled():
    assert len(BUNDLED) >= 4


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_bundled_scenario_loads_complete(path):
    scenario = load_scenario(path)
    assert scenario.name == path.stem  # name defaults to the file name
    assert scenario.description  # shown by `weishang scenarios`
    assert set(scenario.data) == set(P.SECTIONS) | {"strategies", "brands", "interventions"}
    for section, spec in P.SECTIONS.items():
        assert set(scenario[section]) == set(spec)
    for brand in scenario["brands"]:
        assert set(brand) == set(P.BRAND) | {"tiers"}
        assert brand["tiers"]


def test_minimal_file_gets_every_default(tmp_path):
    scenario = load_scenario(write(tmp_path, "[population]\npeople = 50\n", "tiny.toml"))
    data = scenario.to_dict()

    assert set(data) == set(P.SECTIONS) | {"strategies", "brands", "interventions"}
    assert data["interventions"] == []
    for section, spec in P.SECTIONS.items():
        assert set(data[section]) == set(spec), section
    assert data["population"]["people"] == 50
    assert data["population"]["graph"] == P.POPULATION["graph"].default
    assert data["trust"]["stranger"] == P.TRUST["stranger"].default
    assert data["meta"]["name"] == "tiny"

    assert set(data["strategies"]) == set(P.STRATEGIES)
    for name in P.STRATEGIES:
        assert set(data["strategies"][name]) == set(P.STRATEGY)
        for key, value in P.STRATEGY_DEFAULTS[name].items():  # each strategy's own defaults
            assert data["strategies"][name][key] == value

    [brand] = data["brands"]
    assert set(brand) == set(P.BRAND) | {"tiers"}
    assert brand["tiers"] == P.DEFAULT_TIERS


def test_strategy_settings_keep_that_strategys_other_defaults(tmp_path):
    path = write(tmp_path, "[strategies.hoarder]\nads_per_day = 2.0\n")
    hoarder = load_scenario(path)["strategies"]["hoarder"]
    assert hoarder["ads_per_day"] == 2.0
    assert hoarder["stock_days"] == P.STRATEGY_DEFAULTS["hoarder"]["stock_days"]


def test_whole_numbers_are_accepted_for_either_kind_of_number(tmp_path):
    path = write(tmp_path, "[run]\ndays = 30.0\n[population]\nwealth_median = 20000\n")
    scenario = load_scenario(path)
    assert scenario["run"]["days"] == 30 and isinstance(scenario["run"]["days"], int)
    assert isinstance(scenario["population"]["wealth_median"], float)


def test_several_brands_get_distinct_default_names(tmp_path):
    scenario = load_scenario(write(tmp_path, "[[brands]]\n[[brands]]\n"))
    names = [b["name"] for b in scenario["brands"]]
    assert len(set(names)) == 2


# -- files that cannot be read --------------------------------------------------------------------


def test_missing_file(tmp_path):
    one_line_error(tmp_path / "nowhere.toml")


def test_directory_is_not_a_scenario_file(tmp_path):
    one_line_error(tmp_path)


def test_non_utf8_file(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('[meta]\ndescription = "café"\n'.encode("latin-1"))
    one_line_error(path)


@pytest.mark.parametrize("text", ["[population\npeople = 5\n", "[run]\ndays = \n", "x = 'a\n"])
def test_invalid_toml(tmp_path, text):
    one_line_error(write(tmp_path, text))


# -- single values: unknown keys, wrong types, out of range -------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "suggestion"),
    [
        ("[populaton]\npeople = 50\n", "populaton", "population"),
        ("[population]\npeeple = 50\n", "population.peeple", "people"),
        ("[trust]\nstranger_trust = 0.1\n", "trust.stranger_trust", "stranger"),
        ("[strategies.hoarders]\nads_per_day = 1.0\n", "strategies.hoarders", "hoarder"),
        ("[strategies.hoarder]\nads_per_dya = 1.0\n", "strategies.hoarder.ads_per_dya",
         "ads_per_day"),
        ("[sellers]\nmix = { recruter = 1.0 }\n", "sellers.mix.recruter", "recruiter"),
        ("[[brands]]\nlist_prize = 90.0\n", "brands.0.list_prize", "list_price"),
        ("[[brands]]\n[[brands.tiers]]\nprise = 0.5\n", "brands.0.tiers.0.prise", "price"),
    ],
)
def test_unknown_key_suggests_the_closest(tmp_path, text, key, suggestion):
    message = one_line_error(write(tmp_path, text))
    assert key in message
    assert f"did you mean '{suggestion}'" in message


def test_unknown_key_without_a_close_match_lists_the_allowed_keys(tmp_path):
    message = one_line_error(write(tmp_path, "[market]\nzzzzzz = 1\n"))
    assert "market.zzzzzz" in message
    assert "did you mean" not in message
    assert all(key in message for key in P.MARKET)


def test_a_long_list_of_allowed_keys_is_cut_to_a_short_line_pointing_to_the_rest(tmp_path):
    message = one_line_error(write(tmp_path, "[trust]\nzzzzzz = 1\n"))
    keys = list(P.TRUST)
    assert keys[0] in message and keys[-1] not in message
    assert "in sim/model/parameters.py" in message
    assert len(message) - len(str(tmp_path)) < 260


@pytest.mark.parametrize(
    ("text", "key", "param"),
    [
        ('[population]\npeople = "many"\n', "population.people", P.POPULATION["people"]),
        ("[population]\npeople = 5\n", "population.people", P.POPULATION["people"]),
        ("[population]\npeople = true\n", "population.people", P.POPULATION["people"]),
        ("[run]\ndays = 10.5\n", "run.days", P.RUN["days"]),
        ("[run]\ndays = 0\n", "run.days", P.RUN["days"]),
        ("[run]\nseed = -1\n", "run.seed", P.RUN["seed"]),
        ('[population]\ngraph = "smallworld"\n', "population.graph", P.POPULATION["graph"]),
        ("[population]\nrewire_prob = nan\n", "population.rewire_prob",
         P.POPULATION["rewire_prob"]),
        ("[trust]\nstranger = 1.5\n", "trust.stranger", P.TRUST["stranger"]),
        ("[trust]\nbroken_promise = 0.5\n", "trust.broken_promise", P.TRUST["broken_promise"]),
        ("[market]\noutside_price = 0\n", "market.outside_price", P.MARKET["outside_price"]),
        ("[strategies.hoarder]\nclimbs = 1\n", "strategies.hoarder.climbs", P.STRATEGY["climbs"]),
        ("[meta]\nname = 5\n", "meta.name", P.META["name"]),
        ('[[brands]]\nquality = "good"\n', "brands.0.quality", P.BRAND["quality"]),
        ('[[brands]]\nshipping = "post"\n', "brands.0.shipping", P.BRAND["shipping"]),
        ("[[brands]]\n[[brands]]\nfounders = 0\n", "brands.1.founders", P.BRAND["founders"]),
        ("[[brands]]\n[[brands.tiers]]\nprice = 0.0\n", "brands.0.tiers.0.price", P.TIER["price"]),
        ("[[brands]]\n[[brands.tiers]]\nprice = 0.6\n[[brands.tiers]]\nprice = 1.5\n",
         "brands.0.tiers.1.price", P.TIER["price"]),
    ],
)
def test_bad_value_names_key_and_allowed_values(tmp_path, text, key, param):
    message = one_line_error(write(tmp_path, text))
    assert key in message
    assert param.allowed() in message


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[[brands]]\nteam_bonus = [0.1, 1.5]\n", "brands.0.team_bonus"),
        ("[[brands]]\nteam_bonus = 0.1\n", "brands.0.team_bonus"),
        ('[[brands]]\nteam_bonus = ["a"]\n', "brands.0.team_bonus"),
        ("[sellers]\nmix = { hoarder = -1.0 }\n", "sellers.mix.hoarder"),
        ("[sellers]\nmix = { hoarder = 0.0 }\n", "sellers.mix"),
        ("[sellers]\nmix = 1.0\n", "sellers.mix"),
        ('[[brands]]\nmix = { relationship = "all" }\n', "brands.0.mix.relationship"),
        ("population = 5\n", "population"),
        ("strategies = 5\n", "strategies"),
        ("[strategies]\nhoarder = 5\n", "strategies.hoarder"),
        ('[brands]\nname = "glow"\n', "brands"),
        ("brands = []\n", "brands"),
        ("brands = [5]\n", "brands.0"),
        ("[[brands]]\ntiers = []\n", "brands.0.tiers"),
        pytest.param(
            'meta = "honest"\n', "meta",
        ),
    ],
)
def test_bad_structure_names_the_key(tmp_path, text, key):
    message = one_line_error(write(tmp_path, text))
    assert f": {key}:" in message


# -- impossible plans -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "detail"),
    [
        # a higher tier must pay a lower share of list than the tier under it
        (BRAND + tiers((0.6, 600), (0.7, 3000)), "brands.0.tiers.1.price", "0.6"),
        (BRAND + tiers((0.6, 600), (0.6, 3000)), "brands.0.tiers.1.price", "0.6"),
        (BRAND + tiers((0.8, 0), (0.6, 600), (0.65, 3000)), "brands.0.tiers.2.price", "0.6"),
        # a higher tier cannot ask a smaller first order
        (BRAND + tiers((0.6, 3000), (0.45, 600)), "brands.0.tiers.1.first_order", "3000"),
        # the top tier's price must cover the unit cost (0.15 x 100 = 15 < 20 yuan)
        (BRAND + tiers((0.6, 600), (0.15, 3000)), "brands.0.tiers.1.price", "unit_cost"),
        (BRAND.replace("unit_cost = 20.0", "unit_cost = 90.0"), "brands.0.tiers.0.price",
         "unit_cost"),
        (BRAND.replace("unit_cost = 20.0", "unit_cost = 120.0"), "brands.0.unit_cost",
         "list_price"),
        # team bonus shares are paid out of one purchase
        (BRAND + "team_bonus = [0.5, 0.3, 0.3]\n", "brands.0.team_bonus", "1"),
        # founders are people on the graph
        ("[population]\npeople = 20\n" + BRAND.replace("founders = 3", "founders = 21"),
         "brands.0.founders", "20"),
        # mean degree must fit the population
        ("[population]\npeople = 10\nmean_degree = 10\n", "population.mean_degree", "10"),
        ("[trust]\nweight_cognitive = 0.0\nweight_affective = 0.0\nweight_behavioural = 0.0\n",
         "trust.weight_", "zero"),
        # the second brand's errors carry its own index
        (BRAND + '[[brands]]\nname = "other"\nunit_cost = 70.0\n' + tiers((0.8, 0), (0.6, 600)),
         "brands.1.tiers.1.price", "unit_cost"),
    ],
)
def test_impossible_plan(tmp_path, text, key, detail):
    message = one_line_error(write(tmp_path, text))
    assert key in message
    assert detail in message


def test_duplicate_brand_names(tmp_path):
    message = one_line_error(write(tmp_path, BRAND + BRAND))
    assert "brands.1.name" in message or "brands.0.name" in message
    assert "'glow'" in message


@pytest.mark.parametrize(
    "text",
    [
        BRAND + tiers((0.6, 600), (0.6 - 1e-9, 3000)),  # prices only just decreasing
        BRAND + tiers((0.6, 600), (0.45, 600)),  # equal first orders
        BRAND + tiers((0.6, 600), (0.2, 3000)),  # top tier pays exactly the unit cost (20 yuan)
        BRAND + "team_bonus = [0.5, 0.25, 0.25]\n",  # shares add up to exactly 1
        "[population]\npeople = 20\n" + BRAND.replace("founders = 3", "founders = 20"),
        pytest.param(
            BRAND.replace("unit_cost = 20.0", "unit_cost = 57.0") + tiers((0.8, 0), (0.57, 600)),
            id="top-tier-at-cost-after-rounding",
        ),
        BRAND + "team_bonus = [0.34, 0.56, 0.1]\n",  # exactly 1, though not in naive float sums
    ],
)
def test_plans_at_the_limit_are_allowed(tmp_path, text):
    load_scenario(write(tmp_path, text))


# -- overrides -----------------------------------------------------------------------------------


def test_overrides_apply_by_index_and_by_brand_name():
    path = SCENARIOS / "mixed_market.toml"
    plain = load_scenario(path)
    scenario = load_scenario(path, overrides={
        "population.people": 500,
        "brands.0.quality": 0.3,
        "brands.miracle.quality": 0.4,
        "sellers.mix.hoarder": 1.0,
        "brands.miracle.tiers.3.monthly_quota": 7000,
    })
    assert scenario["population"]["people"] == 500
    honest, miracle = scenario["brands"]
    assert (honest["name"], honest["quality"]) == ("honest", 0.3)
    assert (miracle["name"], miracle["quality"]) == ("miracle", 0.4)
    assert miracle["tiers"][3]["monthly_quota"] == 7000.0
    assert scenario["sellers"]["mix"]["hoarder"] == 1.0
    # everything not overridden is as in the file
    assert miracle["claim"] == plain["brands"][1]["claim"]
    assert scenario["population"]["mean_degree"] == plain["population"]["mean_degree"]


def test_override_of_one_mix_weight_keeps_the_others_from_the_file():
    scenario = load_scenario(SCENARIOS / "honest.toml", overrides={"sellers.mix.hoarder": 1.0})
    expected = {"relationship": 1.0, "hoarder": 1.0, "recruiter": 0.0, "member": 0.0}
    assert scenario["sellers"]["mix"] == expected


def test_overrides_may_add_sections_and_brands_missing_from_the_file(tmp_path):
    path = write(tmp_path, "[run]\ndays = 10\n")
    scenario = load_scenario(path, overrides={"population.people": 50, "brands.0.quality": 0.3})
    assert scenario["population"]["people"] == 50
    assert scenario["brands"][0]["quality"] == 0.3


@pytest.mark.parametrize(
    ("overrides", "key", "fragment"),
    [
        ({"population.people": 5}, "population.people", P.POPULATION["people"].allowed()),
        ({"population.people": "many"}, "population.people", P.POPULATION["people"].allowed()),
        ({"population.graph": "smallworld"}, "population.graph", "'watts_strogatz'"),
        ({"population.peeple": 500}, "population.peeple", "did you mean 'people'"),
        ({"brands.0.quality": 2.0}, "brands.0.quality", P.BRAND["quality"].allowed()),
        ({"brands.miracle.qualty": 0.3}, "qualty", "did you mean 'quality'"),
        ({"brands.nosuch.quality": 0.3}, "brands.nosuch", "name"),
        ({"brands.5.quality": 0.3}, "brands.5", "2"),
        ({"brands.0.tiers.1.price": 0.9}, "brands.0.tiers.1.price", "0.7"),
        ({"brands.miracle.founders": 200_000}, "brands.1.founders", "100000"),
        ({"population.people.total": 5}, "population.people", "value"),
        ({"sellers.mix.hoardr": 1.0}, "sellers.mix.hoardr", "did you mean 'hoarder'"),
    ],
)
def test_overrides_are_validated_like_the_file(overrides, key, fragment):
    path = SCENARIOS / "mixed_market.toml"
    message = one_line_error(path, overrides)
    assert key in message
    assert fragment in message


# -- parse_set_options (the CLI's --set key.path=value) -------------------------------------------


def test_set_options_parse_toml_values_with_a_string_fallback():
    assert parse_set_options(["a.b=1", "x=[0.1,0.2]", "population.graph=watts_strogatz"]) == {
        "a.b": 1,
        "x": [0.1, 0.2],
        "population.graph": "watts_strogatz",
    }


@pytest.mark.parametrize(
    ("item", "key", "value"),
    [
        ("run.days=30", "run.days", 30),
        ("population.need_share=0.5", "population.need_share", 0.5),
        ("strategies.hoarder.climbs=false", "strategies.hoarder.climbs", False),
        ('brands.0.name="glow"', "brands.0.name", "glow"),
        ("brands.0.name=glow", "brands.0.name", "glow"),
        (" run.days = 30 ", "run.days", 30),
        ("meta.description=a=b", "meta.description", "a=b"),
        ("sellers.mix={ hoarder = 1.0 }", "sellers.mix", {"hoarder": 1.0}),
    ],
)
def test_set_option_values(item, key, value):
    assert parse_set_options([item]) == {key: value}


@pytest.mark.parametrize("item", ["novalue", "=5", " =5", ""])
def test_set_option_without_key_or_equals_is_an_error(item):
    with pytest.raises(ScenarioError) as info:
        parse_set_options(["run.days=30", item])
    message = str(info.value)
    assert "\n" not in message
    assert item.strip() in message  # says which option was wrong


def test_set_options_feed_load_scenario():
    overrides = parse_set_options(["population.people=500", "population.graph=watts_strogatz"])
    scenario = load_scenario(SCENARIOS / "honest.toml", overrides)
    assert scenario["population"]["people"] == 500
    assert scenario["population"]["graph"] == "watts_strogatz"


# -- Scenario.with_overrides -------------------------------------------------------------------


def test_with_overrides_returns_a_new_scenario_and_leaves_the_original():
    original = load_scenario(SCENARIOS / "mixed_market.toml")
    before = original.to_dict()
    changed = original.with_overrides({"population.people": 500, "brands.miracle.quality": 0.1})
    assert changed is not original
    assert changed["population"]["people"] == 500
    assert changed["brands"][1]["quality"] == 0.1
    assert changed["brands"][0] == before["brands"][0]
    assert original.to_dict() == before


def test_with_overrides_validates_and_leaves_the_original_on_error():
    original = load_scenario(SCENARIOS / "mixed_market.toml")
    before = original.to_dict()
    with pytest.raises(ScenarioError) as info:
        original.with_overrides({"brands.0.tiers.1.price": 0.9})
    message = str(info.value)
    assert "\n" not in message
    assert "mixed_market.toml" in message
    assert "brands.0.tiers.1.price" in message
    assert original.to_dict() == before


@pytest.mark.parametrize("name", ["honest.toml", "pyramid.toml", "hoarding.toml"])
def test_with_overrides_on_a_scenario_whose_brand_uses_the_sellers_mix(name):
    changed = load_scenario(SCENARIOS / name).with_overrides({"population.people": 500})
    assert changed["population"]["people"] == 500
