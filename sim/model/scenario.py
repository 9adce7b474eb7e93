"""Scenario files: TOML in, a validated and fully defaulted `Scenario` out.

Every problem is reported as one `ScenarioError` line naming the file, the key (in the
same dotted form `--set` uses, e.g. `brands.0.tiers.1.price`) and what is allowed.
"""

from __future__ import annotations

import copy
import difflib
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.common.tomlfile import read_toml
from sim.model import bundled
from sim.model import parameters as P
from sim.model.network import EdgeListError, read_edgelist


class ScenarioError(ValueError):
    """A scenario file or override that cannot be used; str() is one line."""


class Scenario:
    """A resolved scenario: every key present, every value checked."""

    def __init__(self, data: dict, path: Path | None = None):
        self.data = data
        self.path = path

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    @property
    def name(self) -> str:
        return self.data["meta"]["name"]

    @property
    def description(self) -> str:
        return self.data["meta"]["description"]

    def to_dict(self) -> dict:
        return copy.deepcopy(self.data)

    def with_overrides(self, overrides: Mapping[str, Any]) -> Scenario:
        """A new scenario with `key.path = value` overrides applied and re-validated."""
        raw = self.to_dict()
        apply_overrides(raw, overrides, str(self.path or self.name))
        return Scenario(resolve(raw, str(self.path or self.name), self.path), self.path)


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Read a scenario file (or a bundled scenario by name: `"pyramid"`), apply `{"key.path": value}`
    overrides, validate, fill defaults."""
    path = bundled.resolve(path)
    where = str(path)
    raw = read_toml(path, ScenarioError)
    if not isinstance(raw.get("meta", {}), dict):
        raise ScenarioError(f"{where}: meta: expected a table ([meta] with name, description)")
    raw.setdefault("meta", {}).setdefault("name", path.stem)
    apply_overrides(raw, overrides or {}, where)
    return Scenario(resolve(raw, where, path), path)


def scenario_from_dict(raw: Mapping, name: str = "scenario") -> Scenario:
    """Build a scenario from a dict shaped like a scenario file (used by tests and the browser)."""
    raw = copy.deepcopy(dict(raw))
    if not isinstance(raw.get("meta", {}), dict):
        raise ScenarioError(f"{name}: meta: expected a table ([meta] with name, description)")
    raw.setdefault("meta", {}).setdefault("name", name)
    return Scenario(resolve(raw, name, None), None)


def parse_value(text: str) -> Any:
    """Parse an override value as TOML (numbers, booleans, lists), else keep it a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_set_options(items: list[str] | tuple[str, ...], where: str = "--set") -> dict[str, Any]:
    """Turn `key.path=value` strings into an overrides dict."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ScenarioError(f"{where}: {item!r}: expected key.path=value")
        out[key.strip()] = parse_value(value.strip())
    return out


def apply_overrides(raw: dict, overrides: Mapping[str, Any], where: str) -> None:
    """Set each dotted key in the raw scenario dict; list items by index or brand name."""
    for dotted, value in overrides.items():
        parts = dotted.split(".")
        node: Any = raw
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            here = ".".join(parts[: depth + 1])
            if isinstance(node, list):
                index = _list_index(node, part, where, here)
                if last:
                    node[index] = value
                else:
                    node = node[index]
                continue
            if not isinstance(node, dict):
                raise ScenarioError(f"{where}: {here}: cannot set a key inside a value")
            if last:
                node[part] = value
            else:
                if part == "brands" and part not in node:
                    node[part] = [{}]
                if part == "tiers" and part not in node:
                    node[part] = copy.deepcopy(P.DEFAULT_TIERS)
                node = node.setdefault(part, {})


def _list_index(items: list, part: str, where: str, here: str) -> int:
    if part.isdigit() and int(part) < len(items):
        return int(part)
    for i, item in enumerate(items):
        if isinstance(item, dict) and item.get("name") == part:
            return i
    raise ScenarioError(f"{where}: {here}: no such item (give an index below {len(items)} or a name)")


def param_for(key: str) -> P.Param | None:
    """The parameter spec a dotted key names (list items by index or name), or None."""
    parts = key.split(".")
    if parts[0] == "interventions" and len(parts) == 3:
        return P.INTERVENTION.get(parts[2])
    if parts[0] in P.SECTIONS and len(parts) == 2:
        return P.SECTIONS[parts[0]].get(parts[1])
    if parts[0] == "strategies" and len(parts) == 3:
        return P.STRATEGY.get(parts[2])
    if parts[0] == "brands" and len(parts) == 3:
        return P.BRAND.get(parts[2])
    if parts[0] == "brands" and len(parts) == 5 and parts[2] == "tiers":
        return P.TIER.get(parts[4])
    return None


def _unknown(where: str, key: str, known: Mapping) -> ScenarioError:
    name = key.rsplit(".", 1)[-1]
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return ScenarioError(f"{where}: {key}: unknown key (allowed: {', '.join(known)}){hint}")


def _check_value(param: P.Param, value: Any, where: str, key: str) -> Any:
    default = param.default
    bad = ScenarioError(f"{where}: {key}: {value!r} is not allowed (allowed: {param.allowed()})")
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise bad
        return value
    if isinstance(default, int | float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad
        if isinstance(default, int) and not isinstance(value, int):
            if not float(value).is_integer():
                raise bad
            value = int(value)
        value = float(value) if isinstance(default, float) else value
        if value != value or (param.lo is not None and value < param.lo) or (
            param.hi is not None and value > param.hi
        ):
            raise bad
        return value
    if isinstance(default, str):
        if not isinstance(value, str) or (param.choices and value not in param.choices):
            raise bad
        return value
    if isinstance(default, list):
        ok = isinstance(value, list) and all(
            isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 1 for v in value
        )
        if not ok:
            raise ScenarioError(f"{where}: {key}: {value!r} is not allowed (allowed: list of shares "
                                "from 0 to 1)")
        return [float(v) for v in value]
    if isinstance(default, dict):
        if value == {} and default == {}:  # an empty brand mix means "use sellers.mix"
            return {}
        return _check_mix(value, where, key)
    raise AssertionError(f"unhandled default type for {key}")


def _check_mix(value: Any, where: str, key: str) -> dict:
    if not isinstance(value, dict):
        raise ScenarioError(f"{where}: {key}: expected a table of strategy weights")
    out = {s: 0.0 for s in P.STRATEGIES}
    for name, weight in value.items():
        if name not in P.STRATEGIES:
            raise _unknown(where, f"{key}.{name}", dict.fromkeys(P.STRATEGIES))
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0:
            raise ScenarioError(f"{where}: {key}.{name}: {weight!r} is not allowed "
                                "(allowed: a weight >= 0)")
        out[name] = float(weight)
    if sum(out.values()) <= 0:
        raise ScenarioError(f"{where}: {key}: weights must not all be zero")
    return out


def _fill(spec: Mapping[str, P.Param], given: Any, where: str, prefix: str,
          base: Mapping | None = None) -> dict:
    """Check the given table against a spec and fill in every missing key."""
    if given is None:
        given = {}
    if not isinstance(given, dict):
        raise ScenarioError(f"{where}: {prefix}: expected a table")
    for key in given:
        if key not in spec:
            raise _unknown(where, f"{prefix}.{key}", spec)
    out = {}
    for key, param in spec.items():
        if key in given:
            out[key] = _check_value(param, given[key], where, f"{prefix}.{key}")
        elif base is not None and key in base:
            out[key] = copy.deepcopy(base[key])
        else:
            out[key] = copy.deepcopy(param.default)
    return out


TOP_LEVEL = {**P.SECTIONS, "strategies": None, "brands": None, "interventions": None}


def resolve(raw: Mapping, where: str, path: Path | None) -> dict:
    """Validate a raw scenario dict and return it with every default filled in."""
    for key in raw:
        if key not in TOP_LEVEL:
            raise _unknown(where, key, TOP_LEVEL)
    data = {name: _fill(spec, raw.get(name), where, name) for name, spec in P.SECTIONS.items()}
    data["strategies"] = _resolve_strategies(raw.get("strategies"), where)
    data["brands"] = _resolve_brands(raw.get("brands"), where)
    data["interventions"] = _resolve_interventions(raw.get("interventions"), data["brands"], where)
    for i, item in enumerate(data["interventions"]):
        if item["day"] > data["run"]["days"]:
            raise ScenarioError(f"{where}: interventions.{i}.day: {item['day']} is after the last day "
                                f"(run.days = {data['run']['days']}); allowed: 0 to run.days")
    _check_plan(data, where, path)
    return data


def _resolve_strategies(given: Any, where: str) -> dict:
    given = given or {}
    if not isinstance(given, dict):
        raise ScenarioError(f"{where}: strategies: expected a table per strategy")
    for name in given:
        if name not in P.STRATEGIES:
            raise _unknown(where, f"strategies.{name}", dict.fromkeys(P.STRATEGIES))
    return {
        name: _fill(P.STRATEGY, given.get(name), where, f"strategies.{name}",
                    base=P.STRATEGY_DEFAULTS[name])
        for name in P.STRATEGIES
    }


def _resolve_brands(given: Any, where: str) -> list[dict]:
    if given is None:
        given = [{}]
    if not isinstance(given, list) or not given:
        raise ScenarioError(f"{where}: brands: expected one or more [[brands]] tables")
    brands = []
    for i, table in enumerate(given):
        if not isinstance(table, dict):
            raise ScenarioError(f"{where}: brands.{i}: expected a table")
        tiers = table.get("tiers", copy.deepcopy(P.DEFAULT_TIERS))
        brand = _fill(P.BRAND, {k: v for k, v in table.items() if k != "tiers"}, where,
                      f"brands.{i}")
        if not isinstance(tiers, list) or not tiers:
            raise ScenarioError(f"{where}: brands.{i}.tiers: expected one or more [[brands.tiers]]")
        brand["tiers"] = [_fill(P.TIER, t, where, f"brands.{i}.tiers.{k}") for k, t in
                          enumerate(tiers)]
        if "name" not in table:
            brand["name"] = f"brand{i + 1}" if len(given) > 1 else "brand"
        brands.append(brand)
    return brands


def _resolve_interventions(given: Any, brands: list[dict], where: str) -> list[dict]:
    if given is None:
        return []
    if not isinstance(given, list):
        raise ScenarioError(f"{where}: interventions: expected [[interventions]] tables")
    names = [b["name"] for b in brands]
    out = []
    for i, table in enumerate(given):
        item = _fill(P.INTERVENTION, table, where, f"interventions.{i}")
        if item["brand"] and item["brand"] not in names:
            raise ScenarioError(f"{where}: interventions.{i}.brand: {item['brand']!r} is not a brand "
                                f"(allowed: {', '.join(map(repr, names))} or empty for all)")
        out.append(item)
    return out


def _check_plan(data: dict, where: str, path: Path | None) -> None:
    """Checks that need more than one value: impossible plans and inconsistent choices."""
    pop = data["population"]
    names = [b["name"] for b in data["brands"]]
    for i, brand in enumerate(data["brands"]):
        key = f"brands.{i}"
        if names.count(brand["name"]) > 1:
            raise ScenarioError(f"{where}: {key}.name: {brand['name']!r} is used twice "
                                "(allowed: distinct brand names)")
        if brand["unit_cost"] > brand["list_price"]:
            raise ScenarioError(f"{where}: {key}.unit_cost: {brand['unit_cost']} exceeds list_price "
                                f"{brand['list_price']} (allowed: unit_cost <= list_price)")
        tiers = brand["tiers"]
        for k in range(1, len(tiers)):
            if tiers[k]["price"] >= tiers[k - 1]["price"]:
                raise ScenarioError(
                    f"{where}: {key}.tiers.{k}.price: {tiers[k]['price']} is not below the tier "
                    f"under it ({tiers[k - 1]['price']}); allowed: tiers listed from entry level "
                    "up, each paying a lower share of list")
            if tiers[k]["first_order"] < tiers[k - 1]["first_order"]:
                raise ScenarioError(
                    f"{where}: {key}.tiers.{k}.first_order: {tiers[k]['first_order']} is below "
                    f"the tier under it ({tiers[k - 1]['first_order']}); allowed: non-decreasing")
        top_price = tiers[-1]["price"] * brand["list_price"]
        if top_price < brand["unit_cost"] - 1e-9:
            raise ScenarioError(
                f"{where}: {key}.tiers.{len(tiers) - 1}.price: the top tier pays {top_price:g} yuan, "
                f"below unit_cost {brand['unit_cost']:g} (allowed: price x list_price >= unit_cost)")
        if sum(brand["team_bonus"]) > 1:
            raise ScenarioError(f"{where}: {key}.team_bonus: shares add up to more than 1")
        if brand["founders"] > pop["people"]:
            raise ScenarioError(f"{where}: {key}.founders: {brand['founders']} exceeds "
                                f"population.people ({pop['people']})")
    weights = data["trust"]
    if weights["weight_cognitive"] + weights["weight_affective"] + weights["weight_behavioural"] <= 0:
        raise ScenarioError(f"{where}: trust.weight_cognitive: the three trust weights are all zero")
    if pop["graph"] == "edgelist":
        if not pop["edgelist"]:
            raise ScenarioError(f"{where}: population.edgelist: required when graph = 'edgelist'")
        base = path.parent if path else Path.cwd()
        file = (base / pop["edgelist"]).resolve()
        if not file.is_file():
            raise ScenarioError(f"{where}: population.edgelist: file {pop['edgelist']!r} not found")
        try:  # read it now, so a bad edge list is a scenario error before anything runs
            people = read_edgelist(file).number_of_nodes()
        except EdgeListError as exc:
            raise ScenarioError(f"{where}: population.edgelist: {exc}") from None
        pop["edgelist"] = str(file)
        for i, brand in enumerate(data["brands"]):
            if brand["founders"] > people:
                raise ScenarioError(f"{where}: brands.{i}.founders: {brand['founders']} exceeds the "
                                    f"{people} people in the edge list")
    elif pop["mean_degree"] >= pop["people"]:
        raise ScenarioError(f"{where}: population.mean_degree: {pop['mean_degree']} must be below "
                            f"population.people ({pop['people']})")
