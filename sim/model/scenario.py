"""Scenario files: TOML in, a validated and fully defaulted `Scenario` out.

Every problem is reported as one `ScenarioError` line naming the file, the key (in the
same dotted form `--set` uses, e.g. `brands.0.tiers.1.price`) and what is allowed; what it
echoes of the input is cut to a few dozen characters. The limits on the input as a
whole (`parameters.LIMITS`) protect the machine from input that would take its memory or hours
before any error could be given.
"""

from __future__ import annotations

import copy
import difflib
import logging
import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.common.text import cut, short_path, shown
from sim.common.tomlfile import check_tree, long_dotted_key, read_toml
from sim.model import bundled
from sim.model import parameters as P
from sim.model.network import EdgeListError, locate_edgelist

log = logging.getLogger(__name__)


class ScenarioError(ValueError):
    """A scenario file or override that cannot be used; str() is one line."""


LIMITS = P.LIMITS
_BRANDS, _ITEMS, _NESTING = LIMITS["brands"].value, LIMITS["items"].value, LIMITS["nesting"].value
_warned: set[str] = set()


def _warn(message: str) -> None:
    """One line on stderr (through logging), once per process however often a scenario is resolved."""
    if message not in _warned:
        _warned.add(message)
        log.warning("Warning: %s", message)


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
        raw, where = self.to_dict(), short_path(self.path or self.name)
        apply_overrides(raw, overrides, where)
        return Scenario(resolve(raw, where, self.path), self.path)


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Read a scenario file (or a bundled scenario by name: `"pyramid"`), apply `{"key.path": value}`
    overrides, validate, fill defaults."""
    path = bundled.resolve(path)
    where = short_path(path)
    raw = read_toml(path, ScenarioError)
    check_shape(raw, where)
    if not isinstance(raw.get("meta", {}), dict):
        raise ScenarioError(f"{where}: meta: expected a table ([meta] with name, description)")
    raw.setdefault("meta", {}).setdefault("name", path.stem)
    apply_overrides(raw, overrides or {}, where)
    return Scenario(resolve(raw, where, path), path)


def scenario_from_dict(raw: Mapping, name: str = "scenario") -> Scenario:
    """Build a scenario from a dict shaped like a scenario file (used by tests and the browser)."""
    check_shape(raw, name)  # before the copy, which would recurse as deep as the dict goes
    raw = copy.deepcopy(dict(raw))
    if not isinstance(raw.get("meta", {}), dict):
        raise ScenarioError(f"{name}: meta: expected a table ([meta] with name, description)")
    raw.setdefault("meta", {}).setdefault("name", name)
    return Scenario(resolve(raw, name, None), None)


def parse_value(text: str) -> Any:
    """Parse an override value as TOML (numbers, booleans, lists), else keep it a string."""
    if len(text) > LIMITS["value_chars"].value or long_dotted_key(text):
        return text  # refused by the caller, or as a string where a number was wanted
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (ValueError, RecursionError):  # not TOML; an integer of over 4,300 digits; nested deep
        return text


def parse_set_options(items: list[str] | tuple[str, ...], where: str = "--set") -> dict[str, Any]:
    """Turn `key.path=value` strings into an overrides dict."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ScenarioError(f"{where}: {shown(item)}: expected key.path=value")
        key, value = key.strip(), value.strip()
        check_key(key, where)
        if len(value) > LIMITS["value_chars"].value:
            raise ScenarioError(f"{where}: {cut(key)}: a value of {len(value):,} characters "
                                f"(allowed: at most {LIMITS['value_chars'].value:,})")
        out[key] = parse_value(value)
    return out


def check_key(key: Any, where: str) -> None:
    """Refuse a dotted key too long or too deep before anything is built along it."""
    if not isinstance(key, str):
        raise ScenarioError(f"{where}: {shown(key)}: expected a dotted key (a string)")
    most = LIMITS["key_chars"].value
    if len(key) > most:
        raise ScenarioError(f"{where}: {cut(key)}: a key of {len(key):,} characters (allowed: at most "
                            f"{most})")
    parts, most = key.count(".") + 1, LIMITS["key_parts"].value
    if parts > most:
        raise ScenarioError(f"{where}: {cut(key)}: a key of {parts} dotted parts (allowed: at most {most})")


def check_shape(raw: Any, where: str) -> None:
    """Refuse lists or tables with too many items, nesting too deep and text too long, at once."""
    def error(message: str) -> ScenarioError:
        return ScenarioError(f"{where}: {message}")

    check_tree(raw, error, nesting=_NESTING, items=_ITEMS, text_chars=LIMITS["text_chars"].value)


def apply_overrides(raw: dict, overrides: Mapping[str, Any], where: str) -> None:
    """Set each dotted key in the raw scenario dict; list items by index or brand name."""
    for dotted in overrides:
        check_key(dotted, where)
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
                raise ScenarioError(f"{where}: {cut(here)}: cannot set a key inside a value")
            if last:
                node[part] = value
            else:
                if part == "brands" and part not in node:
                    node[part] = [{}]
                if part == "tiers" and part not in node:
                    node[part] = copy.deepcopy(P.DEFAULT_TIERS)
                node = node.setdefault(part, {})


def _list_index(items: list, part: str, where: str, here: str) -> int:
    if part.isascii() and part.isdigit() and int(part) < len(items):  # '²' is a digit, not a number
        return int(part)
    for i, item in enumerate(items):
        if isinstance(item, dict) and item.get("name") == part:
            return i
    raise ScenarioError(f"{where}: {cut(here)}: no such item (give an index below {len(items)} or a name)")


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


def _unknown(where: str, key: Any, known: Mapping) -> ScenarioError:
    key = str(key)
    close = difflib.get_close_matches(key.rsplit(".", 1)[-1], list(known), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return ScenarioError(f"{where}: {cut(key)}: unknown key (allowed: {_listed(known)}){hint}")


def _listed(known: Mapping, width: int = 110) -> str:
    """The allowed keys, as many as fit a short line (all of them are in sim/model/parameters.py)."""
    names, listed = list(known), []
    for name in names:
        if len(", ".join([*listed, name])) > width:
            return f"{', '.join(listed)}, … +{len(names) - len(listed)} in sim/model/parameters.py"
        listed.append(name)
    return ", ".join(names)


def _check_value(param: P.Param, value: Any, where: str, key: str) -> Any:
    if isinstance(param.default, dict):
        if value == {} and param.default == {}:  # an empty brand mix means "use sellers.mix"
            return {}
        return _check_mix(value, where, key)
    try:
        return param.check(value)
    except ValueError as exc:
        raise ScenarioError(f"{where}: {cut(key)}: {exc}") from None


def _check_mix(value: Any, where: str, key: str) -> dict:
    if not isinstance(value, dict):
        raise ScenarioError(f"{where}: {cut(key)}: expected a table of strategy weights")
    out = {s: 0.0 for s in P.STRATEGIES}
    for name, weight in value.items():
        if name not in P.STRATEGIES:
            raise _unknown(where, f"{key}.{name}", dict.fromkeys(P.STRATEGIES))
        # NaN or inf would pass `>= 0` and the sum, then make every seller take one strategy
        if (isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0
                or not math.isfinite(weight)):
            raise ScenarioError(f"{where}: {cut(key)}.{name}: {shown(weight)} is not allowed "
                                "(allowed: a finite weight >= 0)")
        out[name] = float(weight)
    if sum(out.values()) <= 0:
        raise ScenarioError(f"{where}: {cut(key)}: weights must not all be zero")
    return out


def _fill(spec: Mapping[str, P.Param], given: Any, where: str, prefix: str,
          base: Mapping | None = None) -> dict:
    """Check the given table against a spec and fill in every missing key."""
    if given is None:
        given = {}
    if not isinstance(given, dict):
        raise ScenarioError(f"{where}: {cut(prefix)}: expected a table")
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
    check_shape(raw, where)
    for key in raw:
        if key not in TOP_LEVEL:
            raise _unknown(where, key, TOP_LEVEL)
    data = {name: _fill(spec, raw.get(name), where, name) for name, spec in P.SECTIONS.items()}
    _check_name(data["meta"]["name"], where)
    data["strategies"] = _resolve_strategies(raw.get("strategies"), where)
    data["brands"] = _resolve_brands(raw.get("brands"), where)
    data["interventions"] = _resolve_interventions(raw.get("interventions"), data["brands"], where)
    # Looking at the start of a scenario (--days 5) is natural: a later lever just never acts.
    days = data["run"]["days"]
    late = [f"interventions.{i} ({item['action']}, day {item['day']})"
            for i, item in enumerate(data["interventions"]) if item["day"] > days]
    if late:
        _warn(f"{where}: {len(late)} intervention(s) after the last day ({days}) will not act in this "
              f"run: {cut(', '.join(late), 160)}")
    _check_plan(data, where, path)
    return data


def _check_name(name: str, where: str) -> None:
    """The scenario's name names its run folder (NAME-seedS): one plain folder name, no path, that
    leaves room for the seed within the file system's 255 bytes."""
    most = LIMITS["name_bytes"].value
    if (not name or name in (".", "..") or any(c in name for c in "/\\") or not name.isprintable()
            or len(name.encode("utf-8")) > most):
        raise ScenarioError(f"{where}: meta.name: {shown(name)} is not allowed (allowed: a folder name "
                            f"of printable characters, no / or \\, at most {most} bytes)")


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
    if len(given) > _BRANDS:
        raise ScenarioError(f"{where}: brands: {len(given)} brands (allowed: at most {_BRANDS})")
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
            raise ScenarioError(f"{where}: interventions.{i}.brand: {shown(item['brand'])} is not a "
                                f"brand (allowed: {cut(', '.join(map(repr, names)), 120)} or empty for all)")
        out.append(item)
    return out


def _check_plan(data: dict, where: str, path: Path | None) -> None:
    """Checks that need more than one value: impossible plans and inconsistent choices."""
    pop = data["population"]
    names = [b["name"] for b in data["brands"]]
    for i, brand in enumerate(data["brands"]):
        key = f"brands.{i}"
        if names.count(brand["name"]) > 1:
            raise ScenarioError(f"{where}: {key}.name: {shown(brand['name'])} is used twice "
                                "(allowed: distinct brand names)")
        if brand["unit_cost"] > brand["list_price"]:
            raise ScenarioError(f"{where}: {key}.unit_cost: {brand['unit_cost']} exceeds list_price "
                                f"{brand['list_price']} (allowed: unit_cost <= list_price)")
        tiers = brand["tiers"]
        _check_order_units(brand, where, key)
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
        try:  # read it now, so a bad edge list is a scenario error before anything runs
            file, people = locate_edgelist(pop["edgelist"], path.parent if path else Path.cwd())
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
    elif pop["people"] * pop["mean_degree"] > LIMITS["contacts"].value:
        raise ScenarioError(f"{where}: population.mean_degree: {pop['mean_degree']} contacts for each "
                            f"of {pop['people']:,} people (allowed: people x mean_degree up to "
                            f"{LIMITS['contacts'].value:,})")


def _check_order_units(brand: dict, where: str, key: str) -> None:
    """No first order or quota may come to more than LIMITS['order_units'] units: cheap units in big
    orders would overflow the unit counts summed over a run."""
    most = LIMITS["order_units"].value
    for k, tier in enumerate(brand["tiers"]):
        unit = tier["price"] * brand["list_price"]
        name = "first_order" if tier["first_order"] >= tier["monthly_quota"] else "monthly_quota"
        if tier[name] / unit > most:
            raise ScenarioError(
                f"{where}: {key}.tiers.{k}.{name}: {tier[name]:g} yuan is {tier[name] / unit:.3g} units at "
                f"{unit:g} yuan a unit (allowed: at most {most:,} units; raise list_price or price)")
