"""Real network data: the CSV schema of a distributor network, its in-memory form, and its reader.

Regulators score an observed network with the same indicators as a simulated one, so both
come to the indicators as one `NetworkData`: `read_data` reads and checks a data folder
(here), `sim.risk.convert` makes one from a run, `sim.risk.writer` writes one. A data folder holds
these UTF-8 CSV files (a header row, then one row per record; extra columns are ignored; dates are
ISO `YYYY-MM-DD`):

`participants.csv` (required): one row per person who ever joined.
  id, upline_id (empty for the top of a tree), join_date, tier (a name, e.g. `general agent`);
  optional: exit_date (first day no longer a participant; empty if still active), brand.
`orders.csv` (required): one row per order; units move from seller to buyer.
  date, buyer_id, seller_id (a participant id or `brand`), units (whole number),
  unit_price (yuan), kind, buyer_is_participant (true/false, also 1/0, yes/no);
  optional: brand (empty or absent: the seller's brand, else the buyer's).
  kind is one of `entry` (the first order that makes the buyer a participant), `upgrade`
  (an order to reach a higher tier), `restock` (a later order to its supplier), `retail`
  (a sale by a participant to an end user or another buyer; buyer_is_participant tells
  which, and a non-participant buyer's id need not be in participants.csv), `dump` (stock
  sold below price to discount traders; buyer_id `market`), `buyback` (the brand takes
  stock back; buyer_id `brand`, seller_id the participant).
`payouts.csv` (required): one row per bonus paid to a participant.
  date, payee_id, amount (yuan), reason (`recruit_bonus`, `team_bonus` or `other`);
  optional: source_id (the participant whose recruitment or purchase earned it).
`claims.csv` (optional): earnings shown in income posts.
  participant_id, income_posts, mean_claimed_monthly_income (yuan).

`period.csv` (optional): one row `start_date, end_date`: the first and last day observed.
  Without it the period runs from the earliest date in any file to the latest, so quiet days
  after the last record are not covered.

Numbers use ASCII digits, no separators; a whole number is at most MAX_COUNT, an amount or a price
at most MAX_MONEY yuan (refused, not wrapped around or overflowed). Brands are given for every
participant or none; an order's brand is some participant's. A NUL byte anywhere is refused.

Days are counted from the start of the period (day 0); `days` is the number of days covered.
`brand` and `market` are reserved and cannot be participant ids. Units, prices and amounts cannot be negative.
A participant is active on day d when join_day <= d and (exit_day is -1 or d < exit_day).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from sim.common.text import cut, shown
from sim.risk.tree import find_cycle

# The order kinds, defined here only (the converter maps the run's journal kinds onto them).
STOCK_ORDER_KINDS = ("entry", "upgrade", "restock")  # orders a participant places with its supplier
ORDER_KINDS = (*STOCK_ORDER_KINDS, "retail", "dump", "buyback")
RANK_ORDER_KINDS = ("entry", "upgrade")  # stock orders that join or climb a tier (entry loading)
REORDER_KINDS = ("restock", "upgrade")  # stock orders after the first (Amway's 70% rule)
RESALE_ORDER_KINDS = (*STOCK_ORDER_KINDS, "retail")  # sales that resell stock (dumps, buybacks do not)
REASONS = ("recruit_bonus", "team_bonus", "other")
BRAND, MARKET = "brand", "market"  # reserved ids: the brand itself, the discount traders
TRUE, FALSE = ("true", "1", "yes"), ("false", "0", "no")
DATE_COLUMNS = {"day": "date", "join_day": "join_date", "exit_day": "exit_date"}  # frame -> file
ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits: \d would take Arabic-Indic ones too
WHOLE = "[0-9]+"  # a whole number without its sign
NUMBER = r"([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"  # float()'s forms without nan, inf, "_", sign
# The largest whole number (units of an order, income posts) and amount (yuan) a file may hold: far
# above any real order, and small enough that sums over millions of rows stay exact in int64.
MAX_COUNT, MAX_MONEY = 10**9, 1e12

# File columns: (name, parser, column required). Parsers: id = non-empty text, text = any text,
# date / date? = ISO date (date? may be empty), count = whole number >= 0, money = number >= 0.
COLUMNS = {
    "participants.csv": [("id", "id", True), ("upline_id", "text", True), ("join_date", "date", True),
                         ("exit_date", "date?", False), ("tier", "id", True), ("brand", "text", False)],
    "orders.csv": [("date", "date", True), ("buyer_id", "id", True), ("seller_id", "id", True),
                   ("units", "count", True), ("unit_price", "money", True), ("kind", ORDER_KINDS, True),
                   ("buyer_is_participant", "bool", True), ("brand", "text", False)],
    "payouts.csv": [("date", "date", True), ("payee_id", "id", True), ("amount", "money", True),
                    ("reason", REASONS, True), ("source_id", "text", False)],
    "claims.csv": [("participant_id", "id", True), ("income_posts", "count", True),
                   ("mean_claimed_monthly_income", "money", True)],
    "period.csv": [("start_date", "date", True), ("end_date", "date", True)],
}
OPTIONAL_FILES = ("claims.csv", "period.csv")
# The in-memory frames: column -> dtype (str columns hold "" for none, never NaN).
FRAMES = {
    "participants": {"id": str, "upline_id": str, "join_day": "int64", "exit_day": "int64", "tier": str,
                     "brand": str},
    "orders": {"day": "int64", "buyer_id": str, "seller_id": str, "units": "int64", "unit_price": "float64",
               "kind": str, "buyer_is_participant": bool, "brand": str},
    "payouts": {"day": "int64", "payee_id": str, "amount": "float64", "reason": str, "source_id": str},
    "claims": {"participant_id": str, "income_posts": "int64", "mean_claimed_monthly_income": "float64"},
}


class DataError(ValueError):
    """A bad data folder; str() is one line: `<file>: row <N>: <problem>` or `<file>: <problem>`."""


def typed(frame: pd.DataFrame | dict, name: str) -> pd.DataFrame:
    """Columns in schema order and dtype, index 0..n-1, so frames from any source compare equal."""
    frame = pd.DataFrame(frame)
    return pd.DataFrame({c: frame[c].astype(t) for c, t in FRAMES[name].items()}).reset_index(drop=True)


@dataclass
class NetworkData:
    """A network as the indicators see it; the frames' columns and dtypes are those of FRAMES."""

    participants: pd.DataFrame
    orders: pd.DataFrame
    payouts: pd.DataFrame
    claims: pd.DataFrame
    start_date: date
    days: int

    def brands(self) -> list[str]:
        """Distinct brands, sorted ([""] when no brand is given)."""
        named = set(self.participants["brand"]) | set(self.orders["brand"])
        return sorted(named - {""}) or [""]

    def for_brand(self, brand: str) -> NetworkData:
        """One brand's network; payouts and claims go with the brand of the participant.

        A participant of another brand buying this brand at retail is an end user here.
        """
        if brand not in self.brands():
            raise ValueError(f"unknown brand {brand!r} (brands: {', '.join(map(repr, self.brands()))})")
        parts = self.participants[self.participants["brand"] == brand]
        orders = self.orders[self.orders["brand"] == brand].copy()
        orders["buyer_is_participant"] &= orders["buyer_id"].isin(parts["id"])
        return replace(self, participants=typed(parts, "participants"), orders=typed(orders, "orders"),
                       payouts=typed(self.payouts[self.payouts["payee_id"].isin(parts["id"])], "payouts"),
                       claims=typed(self.claims[self.claims["participant_id"].isin(parts["id"])], "claims"))

    def window(self, first_day: int, end_day: int) -> NetworkData:
        """What was seen in [first_day, end_day): exits on or after end_day are not yet known."""
        parts = self.participants[self.participants["join_day"] < end_day].copy()
        parts.loc[parts["exit_day"] >= end_day, "exit_day"] = -1
        orders, payouts = self.orders, self.payouts
        return replace(self, participants=typed(parts, "participants"),
                       orders=typed(orders[orders["day"].between(first_day, end_day - 1)], "orders"),
                       payouts=typed(payouts[payouts["day"].between(first_day, end_day - 1)], "payouts"),
                       claims=typed(self.claims[self.claims["participant_id"].isin(parts["id"])], "claims"),
                       days=max(min(self.days, end_day), 0))


# -- reading -------------------------------------------------------------------------------------
def _fail(path: Path, problems: list[tuple[int, str]]) -> None:
    """Raise the problem on the earliest row, so the message points at the first bad line."""
    if problems:
        row, problem = min(problems, key=lambda p: p[0])
        raise DataError(f"{path}: row {row}: {problem}")


def _flag(problems: list, mask: pd.Series, message) -> None:
    """Record the first row where mask holds; message(row) says what is wrong there."""
    if mask.any():
        row = int(mask.idxmax())
        problems.append((row, message(row)))


def _load(folder: Path, name: str) -> pd.DataFrame | None:
    """The file's cells as stripped text, indexed by data row number (header = row 0)."""
    path = folder / name
    if not path.is_file():
        if name in OPTIONAL_FILES:
            return None
        raise DataError(f"{path}: file not found (required: participants.csv, orders.csv, payouts.csv; "
                        "claims.csv and period.csv are optional)")
    spec, records, rows = COLUMNS[name], [], []
    try:
        # utf-8-sig: spreadsheet exports often begin with a byte-order mark.
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [h.strip() for h in next(reader, [])]
            if not header:
                raise DataError(f"{path}: empty file (no header row)")
            if any("\0" in h for h in header):  # csv reads it as text: the column would just not match
                raise DataError(f"{path}: the header holds a NUL byte (a binary or damaged file?)")
            twice = next((h for h in header if header.count(h) > 1), None)
            if twice is not None:
                raise DataError(f"{path}: column {shown(twice)} appears more than once")
            missing = [c for c, _, required in spec if required and c not in header]
            if missing:
                raise DataError(f"{path}: missing column{'s' * (len(missing) > 1)} {', '.join(missing)} "
                                f"(required: {', '.join(c for c, _, r in spec if r)})")
            for n, record in enumerate(reader, start=1):
                if not any(cell.strip() for cell in record):
                    continue  # blank lines are skipped but still counted, so rows match lines
                if len(record) != len(header):
                    raise DataError(f"{path}: row {n}: {len(record)} values, the header has {len(header)}")
                if any("\0" in cell for cell in record):
                    raise DataError(f"{path}: row {n}: a NUL byte in a value (a binary or damaged file?)")
                records.append([cell.strip() for cell in record])
                rows.append(n)
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 text (save it as UTF-8)") from None
    except csv.Error as exc:
        raise DataError(f"{path}: unreadable CSV: {cut(str(exc))}") from None
    except OSError as exc:  # unreadable (permissions, a disk error): still one line
        raise DataError(f"{path}: cannot read ({exc.strerror or type(exc).__name__})") from None
    frame = pd.DataFrame(records, columns=header, index=rows, dtype=str)
    for column, _, _ in spec:  # an absent optional column reads as empty cells
        if column not in frame:
            frame[column] = pd.Series("", index=frame.index, dtype=str)
    return frame


def _says(raw: pd.Series, column: str, what: str):
    """A message maker for _flag: the column, the bad value as written, and what is wrong."""
    return lambda row: f"{column}: {shown(raw[row])} {what}"


def _parse(frame: pd.DataFrame, name: str, problems: list) -> dict[str, pd.Series]:
    """Each column parsed by its kind; problems get the first bad row of each check."""
    out = {}
    for column, kind, _ in COLUMNS[name]:
        raw = frame[column]
        full = raw != ""
        if kind not in ("text", "date?"):
            _flag(problems, ~full, lambda row, column=column: f"{column}: empty value")
        if kind in ("id", "text"):
            out[column] = raw
        elif kind == "count":
            whole, negative = raw.str.fullmatch(r"\+?" + WHOLE), raw.str.fullmatch("-" + WHOLE)
            # more digits than MAX_COUNT has cannot be converted safely (int64 wraps past 2^63)
            long = whole & (raw.str.lstrip("+").str.lstrip("0").str.len() > len(str(MAX_COUNT)))
            number = pd.to_numeric(raw.where(whole & ~long, "0")).astype("int64")
            _flag(problems, negative, _says(raw, column, "is negative"))
            _flag(problems, full & ~whole & ~negative, _says(raw, column, "is not a whole number"))
            _flag(problems, long | (number > MAX_COUNT), _says(raw, column, f"is above {MAX_COUNT:,}"))
            out[column] = number.where(number <= MAX_COUNT, 0)
        elif kind == "money":
            form, signed = raw.str.fullmatch(r"\+?" + NUMBER), raw.str.fullmatch("-" + NUMBER)
            number = pd.to_numeric(raw.where(form | signed, "0")).astype("float64") + 0.0  # -0 -> 0
            negative, big = number < 0, form & (~np.isfinite(number) | (number > MAX_MONEY))  # 1e400: inf
            _flag(problems, negative, _says(raw, column, "is negative"))
            _flag(problems, full & ~form & ~signed, _says(raw, column, "is not a number"))
            _flag(problems, big, _says(raw, column, f"is above {MAX_MONEY:,.0f}"))
            out[column] = number.where(~negative & ~big, 0.0)
        elif kind == "bool":
            low = raw.str.lower()
            allowed = ", ".join(TRUE + FALSE)
            _flag(problems, full & ~low.isin(TRUE + FALSE), _says(raw, column, f"is not one of {allowed}"))
            out[column] = low.isin(TRUE)
        elif kind in ("date", "date?"):
            out[column] = _dates(raw, column, problems)
        else:  # a tuple of allowed values
            _flag(problems, full & ~raw.isin(kind), _says(raw, column, f"is not allowed ({', '.join(kind)})"))
            out[column] = raw
    return out


def _dates(raw: pd.Series, column: str, problems: list) -> pd.Series:
    """ISO dates as day ordinals (-1 where empty); each distinct text is parsed once."""
    ordinal = {"": -1}
    for text in set(raw.unique()) - {""}:
        iso = ISO.fullmatch(text) is not None  # fromisoformat alone would also take 20250301 and more
        try:
            ordinal[text] = date.fromisoformat(text).toordinal()
            problem = None if iso else "is not a date YYYY-MM-DD"
        except ValueError:
            problem = "is not a real date" if iso else "is not a date YYYY-MM-DD"
        if problem:
            _flag(problems, raw == text, _says(raw, column, problem))
    return raw.map(ordinal).fillna(-1).astype("int64")


def read_data(folder: Path) -> NetworkData:
    """Read and check a data folder; DataError (one line) on the first problem found."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: not a folder")
    parsed = {}
    for name in COLUMNS:
        if (frame := _load(folder, name)) is not None:
            problems: list = []
            parsed[name] = _parse(frame, name, problems)
            _fail(folder / name, problems)
    p, o, pay = parsed["participants.csv"], parsed["orders.csv"], parsed["payouts.csv"]
    ids, up = p["id"], p["upline_id"]
    if ids.empty:
        raise DataError(f"{folder / 'participants.csv'}: no participants")
    known = set(ids)

    def unknown(values: pd.Series, column: str) -> None:  # a reference that names no participant
        _flag(problems, (values != "") & ~values.isin(known),
              _says(values, column, "is not a participant id"))

    problems = []
    _flag(problems, ids.duplicated(),
          lambda row: f"id: {shown(ids[row])} appears twice (first at row {ids.index[ids == ids[row]][0]})")
    _flag(problems, ids.isin((BRAND, MARKET)), _says(ids, "id", "is reserved (used in orders)"))
    unknown(up, "upline_id")
    named = p["brand"] != ""  # a participant without a brand would drop out of every brand's network
    _flag(problems, ~named & named.any(),
          lambda row: "brand: empty, but other participants name one (give every participant's or none)")
    _flag(problems, (p["exit_date"] >= 0) & (p["exit_date"] < p["join_date"]),
          lambda row: f"exit_date: {date.fromordinal(p['exit_date'][row])} is before join_date")
    _fail(folder / "participants.csv", problems)
    cycle = find_cycle(pd.Index(ids).get_indexer(up))  # uplines are known ids by now
    if cycle is not None:
        row = int(ids.index[cycle])
        raise DataError(f"{folder / 'participants.csv'}: row {row}: upline_id: the upline tree has a cycle "
                        f"through id {shown(ids[row])}")
    buyer, seller, kind, flag = o["buyer_id"], o["seller_id"], o["kind"], o["buyer_is_participant"]
    _flag(problems, ~seller.isin(known) & (seller != BRAND),
          _says(seller, "seller_id", f"is neither a participant id nor '{BRAND}'"))
    _flag(problems, flag & ~buyer.isin(known),
          _says(buyer, "buyer_id", "is flagged buyer_is_participant but is not a participant id"))
    wholesale = kind.isin(STOCK_ORDER_KINDS)
    _flag(problems, wholesale & ~buyer.isin(known),
          lambda row: f"buyer_id: {shown(buyer[row])} is not a participant id "
                      f"({kind[row]} orders come from one)")
    _flag(problems, ~wholesale & (seller == BRAND),
          lambda row: f"seller_id: {kind[row]} orders are sold by a participant, not '{BRAND}'")
    for special, only in ((MARKET, "dump"), (BRAND, "buyback")):
        _flag(problems, (kind == only) != (buyer == special),
              lambda row, s=special, k=only: f"buyer_id: {shown(buyer[row])} in a {kind[row]} order "
                                             f"('{s}' buys in {k} orders and only there)")
    # A brand no participant sells has no network to score (and no tree, no tiers).
    names = f"participants.csv names {shown(', '.join(sorted(set(p['brand']))))}" if named.any() else "none"
    _flag(problems, (o["brand"] != "") & ~o["brand"].isin(set(p["brand"])),
          _says(o["brand"], "brand", f"is no participant's brand ({names})"))
    _fail(folder / "orders.csv", problems)
    unknown(pay["payee_id"], "payee_id")
    unknown(pay["source_id"], "source_id")
    _fail(folder / "payouts.csv", problems)
    claims = parsed.get("claims.csv", {c: pd.Series(dtype=str) for c in FRAMES["claims"]})
    period = _period(folder, parsed.get("period.csv"))
    unknown(claims["participant_id"], "participant_id")
    _flag(problems, claims["participant_id"].duplicated(), _says(claims["participant_id"], "participant_id",
                                                                "appears twice"))
    _fail(folder / "claims.csv", problems)

    brand_of = dict(zip(ids, p["brand"], strict=True))
    # An order without a brand takes its seller's, or (bought from the brand) its buyer's.
    inferred = seller.map(brand_of).fillna(buyer.map(brand_of)).fillna("")
    participants = {**p, "join_day": p["join_date"], "exit_day": p["exit_date"]}
    orders = {**o, "day": o["date"], "brand": o["brand"].where(o["brand"] != "", inferred)}
    try:
        return rebase(participants, orders, {**pay, "day": pay["date"]}, claims, start=None, period=period)
    except DataError as exc:
        raise DataError(f"{folder / str(exc)}") from None


def _period(folder: Path, period: dict[str, pd.Series] | None) -> tuple[int, int] | None:
    """The parsed period.csv as (first, last) date ordinals, checked (None without the file)."""
    if period is None:
        return None
    path = folder / "period.csv"
    if len(period["start_date"]) != 1:
        raise DataError(f"{path}: expected exactly one row (start_date, end_date), found "
                        f"{len(period['start_date'])}")
    first, last = int(period["start_date"].iloc[0]), int(period["end_date"].iloc[0])
    if last < first:
        raise DataError(f"{path}: row {period['start_date'].index[0]}: end_date is before start_date")
    return first, last


def rebase(participants: dict, orders: dict, payouts: dict, claims: dict, start: date | None,
            period: tuple[int, int] | None = None) -> NetworkData:
    """Count days from the start of the period (default: the earliest date anywhere).

    `start` dates day numbers (None: they are date ordinals); `period` is (first, last) in the
    same numbering; a record outside it is an error.
    """
    known = np.concatenate([np.asarray(d) for d in (participants["join_day"], participants["exit_day"],
                                                    orders["day"], payouts["day"])])
    known = known[known >= 0]
    low, high = (int(known.min()), int(known.max())) if known.size else (0, -1)
    if period is not None:
        if known.size and (low < period[0] or high > period[1]):
            raise DataError("period.csv: some dates fall outside start_date..end_date")
        low, high = period
    base = start.toordinal() if start else 0

    def shift(days) -> np.ndarray:
        return np.where(np.asarray(days) >= 0, np.asarray(days) - low, -1)

    participants = {**participants, **{c: shift(participants[c]) for c in ("join_day", "exit_day")}}
    return NetworkData(participants=typed(participants, "participants"),
                       orders=typed({**orders, "day": shift(orders["day"])}, "orders"),
                       payouts=typed({**payouts, "day": shift(payouts["day"])}, "payouts"),
                       claims=typed(claims, "claims"), start_date=date.fromordinal(base + low),
                       days=high - low + 1)
