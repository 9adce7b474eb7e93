"""Real network data: a CSV schema for a distributor network, read and checked, or made from a run.

Regulators score an observed network with the same indicators as a simulated one, so both
come to the indicators as one `NetworkData`. A data folder holds these UTF-8 CSV files (a
header row, then one row per record; extra columns are ignored; dates are ISO `YYYY-MM-DD`):

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

Days are counted from the start of the period (day 0); `days` is the number of days covered.
`brand` and `market` are reserved and cannot be participant ids. Units, prices and amounts cannot be negative.
A participant is active on day d when join_day <= d and (exit_day is -1 or d < exit_day).
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments.runs import atomic_folder

ORDER_KINDS = ("entry", "upgrade", "restock", "retail", "dump", "buyback")
REASONS = ("recruit_bonus", "team_bonus", "other")
BRAND, MARKET = "brand", "market"  # reserved ids: the brand itself, the discount traders
TRUE, FALSE = ("true", "1", "yes"), ("false", "0", "no")
DATE_COLUMNS = {"day": "date", "join_day": "join_date", "exit_day": "exit_date"}  # frame -> file
WHOLESALE_RUN = ("entry_order", "upgrade", "restock")  # journal kinds of orders to a supplier
ISO = re.compile(r"\d{4}-\d{2}-\d{2}")

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
}
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


def _typed(frame: pd.DataFrame | dict, name: str) -> pd.DataFrame:
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
        return replace(self, participants=_typed(parts, "participants"), orders=_typed(orders, "orders"),
                       payouts=_typed(self.payouts[self.payouts["payee_id"].isin(parts["id"])], "payouts"),
                       claims=_typed(self.claims[self.claims["participant_id"].isin(parts["id"])], "claims"))

    def window(self, first_day: int, end_day: int) -> NetworkData:
        """What was seen in [first_day, end_day): exits on or after end_day are not yet known."""
        parts = self.participants[self.participants["join_day"] < end_day].copy()
        parts.loc[parts["exit_day"] >= end_day, "exit_day"] = -1
        orders, payouts = self.orders, self.payouts
        return replace(self, participants=_typed(parts, "participants"),
                       orders=_typed(orders[orders["day"].between(first_day, end_day - 1)], "orders"),
                       payouts=_typed(payouts[payouts["day"].between(first_day, end_day - 1)], "payouts"),
                       claims=_typed(self.claims[self.claims["participant_id"].isin(parts["id"])], "claims"),
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
        if name == "claims.csv":
            return None
        raise DataError(f"{path}: file not found (required: participants.csv, orders.csv, payouts.csv; "
                        "claims.csv is optional)")
    spec, records, rows = COLUMNS[name], [], []
    try:
        # utf-8-sig: spreadsheet exports often begin with a byte-order mark.
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [h.strip() for h in next(reader, [])]
            if not header:
                raise DataError(f"{path}: empty file (no header row)")
            twice = next((h for h in header if header.count(h) > 1), None)
            if twice is not None:
                raise DataError(f"{path}: column {twice!r} appears more than once")
            missing = [c for c, _, required in spec if required and c not in header]
            if missing:
                raise DataError(f"{path}: missing column{'s' * (len(missing) > 1)} {', '.join(missing)} "
                                f"(required: {', '.join(c for c, _, r in spec if r)})")
            for n, record in enumerate(reader, start=1):
                if not any(cell.strip() for cell in record):
                    continue  # blank lines are skipped but still counted, so rows match lines
                if len(record) != len(header):
                    raise DataError(f"{path}: row {n}: {len(record)} values, the header has {len(header)}")
                records.append([cell.strip() for cell in record])
                rows.append(n)
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 text (save it as UTF-8)") from None
    except csv.Error as exc:
        raise DataError(f"{path}: unreadable CSV: {exc}") from None
    frame = pd.DataFrame(records, columns=header, index=rows, dtype=str)
    for column, _, _ in spec:  # an absent optional column reads as empty cells
        if column not in frame:
            frame[column] = pd.Series("", index=frame.index, dtype=str)
    return frame


def _says(raw: pd.Series, column: str, what: str):
    """A message maker for _flag: the column, the bad value as written, and what is wrong."""
    return lambda row: f"{column}: {raw[row]!r} {what}"


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
            whole, negative = raw.str.fullmatch(r"\+?\d+"), raw.str.fullmatch(r"-\d+")
            _flag(problems, negative, _says(raw, column, "is negative"))
            _flag(problems, full & ~whole & ~negative, _says(raw, column, "is not a whole number"))
            out[column] = pd.to_numeric(raw.where(whole, "0")).astype("int64")
        elif kind == "money":
            number = pd.to_numeric(raw.where(full, "0"), errors="coerce").astype("float64")
            finite = pd.Series(np.isfinite(number), index=raw.index)
            _flag(problems, ~finite, _says(raw, column, "is not a number"))
            _flag(problems, finite & (number < 0), _says(raw, column, "is negative"))
            out[column] = number.where(finite, 0.0)
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


def _cycle(ids: pd.Series, upline: pd.Series) -> int | None:
    """Row of a participant on a cycle of uplines, else None (pointer doubling over the tree).

    Roots point at themselves; after 2^k >= n jumps every walk sits on a root or on a cycle.
    """
    pos = pd.Series(np.arange(len(ids)), index=ids.to_numpy())
    root = upline.to_numpy() == ""
    jump = np.where(root, np.arange(len(ids)), pos.reindex(upline).fillna(-1).to_numpy()).astype(np.int64)
    for _ in range(max(len(ids), 1).bit_length() + 1):
        jump = jump[jump]
    on_cycle = ~root[jump]  # walks on or into a cycle never reach a root
    return int(ids.index[jump[on_cycle].min()]) if on_cycle.any() else None  # landings cover the cycle


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
              lambda row: f"{column}: {values[row]!r} is not a participant id")

    problems = []
    _flag(problems, ids.duplicated(),
          lambda row: f"id: {ids[row]!r} appears twice (first at row {ids.index[ids == ids[row]][0]})")
    _flag(problems, ids.isin((BRAND, MARKET)), lambda row: f"id: {ids[row]!r} is reserved (used in orders)")
    unknown(up, "upline_id")
    _flag(problems, (p["exit_date"] >= 0) & (p["exit_date"] < p["join_date"]),
          lambda row: f"exit_date: {date.fromordinal(p['exit_date'][row])} is before join_date")
    _fail(folder / "participants.csv", problems)
    row = _cycle(ids, up)
    if row is not None:
        raise DataError(f"{folder / 'participants.csv'}: row {row}: upline_id: the upline tree has a cycle "
                        f"through id {ids[row]!r}")
    buyer, seller, kind, flag = o["buyer_id"], o["seller_id"], o["kind"], o["buyer_is_participant"]
    _flag(problems, ~seller.isin(known) & (seller != BRAND),
          lambda row: f"seller_id: {seller[row]!r} is neither a participant id nor '{BRAND}'")
    _flag(problems, flag & ~buyer.isin(known),
          lambda row: f"buyer_id: {buyer[row]!r} is flagged buyer_is_participant but is not a participant id")
    wholesale = kind.isin(("entry", "upgrade", "restock"))
    _flag(problems, wholesale & ~buyer.isin(known),
          lambda row: f"buyer_id: {buyer[row]!r} is not a participant id ({kind[row]} orders come from one)")
    _flag(problems, ~wholesale & (seller == BRAND),
          lambda row: f"seller_id: {kind[row]} orders are sold by a participant, not '{BRAND}'")
    for special, only in ((MARKET, "dump"), (BRAND, "buyback")):
        _flag(problems, (kind == only) != (buyer == special),
              lambda row, s=special, k=only: f"buyer_id: {buyer[row]!r} in a {kind[row]} order "
                                             f"('{s}' buys in {k} orders and only there)")
    _fail(folder / "orders.csv", problems)
    unknown(pay["payee_id"], "payee_id")
    unknown(pay["source_id"], "source_id")
    _fail(folder / "payouts.csv", problems)
    claims = parsed.get("claims.csv", {c: pd.Series(dtype=str) for c in FRAMES["claims"]})
    period = _read_period(folder)
    unknown(claims["participant_id"], "participant_id")
    _flag(problems, claims["participant_id"].duplicated(),
          lambda row: f"participant_id: {claims['participant_id'][row]!r} appears twice")
    _fail(folder / "claims.csv", problems)

    brand_of = dict(zip(ids, p["brand"], strict=True))
    # An order without a brand takes its seller's, or (bought from the brand) its buyer's.
    inferred = seller.map(brand_of).fillna(buyer.map(brand_of)).fillna("")
    participants = {**p, "join_day": p["join_date"], "exit_day": p["exit_date"]}
    orders = {**o, "day": o["date"], "brand": o["brand"].where(o["brand"] != "", inferred)}
    try:
        return _rebase(participants, orders, {**pay, "day": pay["date"]}, claims, start=None, period=period)
    except DataError as exc:
        raise DataError(f"{folder / str(exc)}") from None


def _read_period(folder: Path) -> tuple[int, int] | None:
    """The optional period.csv as (first, last) date ordinals; checked."""
    path = folder / "period.csv"
    if not path.is_file():
        return None
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read ({exc})") from None
    if len(rows) != 1 or not {"start_date", "end_date"} <= set(rows[0]):
        raise DataError(f"{path}: expected columns start_date, end_date and exactly one row")
    try:
        first, last = (date.fromisoformat(rows[0][c].strip()).toordinal() for c in ("start_date", "end_date"))
    except ValueError:
        raise DataError(f"{path}: row 1: dates must be ISO YYYY-MM-DD") from None
    if last < first:
        raise DataError(f"{path}: row 1: end_date is before start_date")
    return first, last


def _rebase(participants: dict, orders: dict, payouts: dict, claims: dict, start: date | None,
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
    return NetworkData(participants=_typed(participants, "participants"),
                       orders=_typed({**orders, "day": shift(orders["day"])}, "orders"),
                       payouts=_typed({**payouts, "day": shift(payouts["day"])}, "payouts"),
                       claims=_typed(claims, "claims"), start_date=date.fromordinal(base + low),
                       days=high - low + 1)


# -- writing and converting ----------------------------------------------------------------------
def write_data(data: NetworkData, folder: Path) -> None:
    """Write the four CSV files into `folder`, atomically (an existing folder is replaced)."""
    def iso(days: pd.Series) -> pd.Series:
        table = {d: (data.start_date + timedelta(days=int(d))).isoformat() for d in days.unique() if d >= 0}
        return days.map(table).astype(object).where(days >= 0, "")

    def build(tmp: Path) -> None:
        for name in FRAMES:
            frame = getattr(data, name).copy()
            for column in frame.columns:
                if column in DATE_COLUMNS:
                    frame[column] = iso(frame[column])
                elif frame[column].dtype == bool:
                    frame[column] = frame[column].map({True: "true", False: "false"})
            frame.rename(columns=DATE_COLUMNS).to_csv(tmp / f"{name}.csv", index=False, lineterminator="\n")
        last = data.start_date + timedelta(days=data.days - 1)
        (tmp / "period.csv").write_text(f"start_date,end_date\n{data.start_date.isoformat()},"
                                        f"{last.isoformat()}\n", encoding="utf-8")

    atomic_folder(Path(folder), build, force=True)


def from_run(run_folder: Path, start_date: date = date(2025, 1, 1)) -> NetworkData:
    """A simulated run folder (journal.npz, agents.csv, meta.json) in the schema, in memory."""
    run_folder = Path(run_folder)
    meta = json.loads((run_folder / "meta.json").read_text(encoding="utf-8"))
    # Brand names are text even when they look like numbers or "NA".
    agents = pd.read_csv(run_folder / "agents.csv", dtype={"brand": str, "strategy": str},
                         keep_default_na=False)
    with np.load(run_folder / "journal.npz") as npz:
        j = {k: npz[k] for k in npz.files}
    return _from_parts(j, agents, meta, start_date)


def from_model(model, start_date: date = date(2025, 1, 1)) -> NetworkData:
    """A live model in the schema (what the browser's risk panel scores), without files.

    The same as `from_run` on the model's run folder. Called on the same model day after day, it
    converts only the journal entries added since the last call (the journal only grows, a day at
    a time; what was converted is kept on the model), and the participants afresh.
    """
    from sim.model.ledger import KINDS

    meta = {"accounts": model.ledger.account_map(), "brands": [b.name for b in model.brands],
            "tiers": {b.name: [t["name"] for t in b.tiers] for b in model.brands}, "days": model.day}
    journal = {**model.ledger.journal(), "kinds": np.array(KINDS)}
    n, key = len(journal["day"]), (tuple(meta["accounts"].items()), tuple(meta["brands"]), KINDS)
    seen = model.__dict__.get("_journal_rows")
    if (seen is not None and seen["key"] == key and seen["n"] <= n
            and (seen["n"] == n or journal["day"][seen["n"]:].min() >= seen["last"])):
        new = _ledger_rows(journal, meta, start=seen["n"])
        rows = {c: np.concatenate([seen["rows"][c], new[c]]) for c in new}
        frames = [pd.concat([old, part], ignore_index=True) if len(part) else old
                  for old, part in zip(seen["frames"], _ledger_frames(new, meta), strict=True)]
    else:
        rows = _ledger_rows(journal, meta)
        frames = _ledger_frames(rows, meta)
    last = max(int(journal["day"].max()) if n else 0, seen["last"] if seen is not None else 0)
    model._journal_rows = {"key": key, "n": n, "last": last, "rows": rows, "frames": frames}
    agents = _sellers(model)
    participants, claims = _people(agents, meta)
    orders, payouts = frames
    orders = orders.assign(buyer_is_participant=_buyer_flags(rows, agents, meta)[rows["order"]])
    # As _rebase, for a run that covers days 0..meta["days"]: day numbers stay as they are.
    days = int(meta["days"])
    known = [np.max(np.asarray(d), initial=-1) for d in (participants["join_day"], participants["exit_day"],
                                             orders["day"], payouts["day"])]
    if max(known) > days:
        raise DataError("period.csv: some dates fall outside start_date..end_date")
    return NetworkData(participants=_typed(participants, "participants"), orders=orders, payouts=payouts,
                       claims=_typed(claims, "claims"), start_date=start_date, days=days + 1)


def _sellers(model) -> pd.DataFrame:
    """The columns of `sim.metrics.agents_table` (one row per person who was ever a seller) that
    _people and _buyer_flags read, straight from the model's arrays (the table itself also values
    every seller's stock, which the schema does not need); mean_income_claimed only where it is
    read, for those who posted income claims (0 elsewhere)."""
    p = model.people
    ever = p.ever_sellers()
    posts = p.income_posts[ever].astype(np.int64)
    claimed = np.zeros(len(ever))
    posted = np.flatnonzero(posts > 0)
    shown = p.claims_total[ever[posted]]
    claimed[posted] = [round(float(c / max(n, 1)), 2) for c, n in zip(shown, posts[posted], strict=True)]
    return pd.DataFrame({
        "id": ever, "brand": np.array([b.name for b in model.brands], dtype=object)[p.brand[ever]],
        "tier": p.tier[ever].astype(np.int64) + 1, "join_day": p.join_day[ever].astype(np.int64),
        "exit_day": p.exit_day[ever].astype(np.int64), "upline": p.upline[ever].astype(np.int64),
        "income_posts": posts, "mean_income_claimed": claimed})


def _text(ids: np.ndarray) -> np.ndarray:
    """ids.astype(str), converting each distinct id once."""
    distinct, where = np.unique(ids, return_inverse=True)
    return distinct.astype(str)[where]


def _ledger_rows(j: dict, meta: dict, start: int = 0) -> dict[str, np.ndarray]:
    """The journal's orders and bonuses from row `start` on, sorted by day (stable), as the columns
    _from_parts makes the schema's orders and payouts of (ids as text)."""
    people, external = meta["accounts"]["people"], meta["accounts"]["external"]
    # Pick the entries out by kind code first (most of the journal is savings, consumption and shop
    # purchases), then sort the few by day: a stable sort of a subset keeps the order the stable
    # sort of the whole journal gives it.
    codes, names_of = np.asarray(j["kind"][start:]), np.asarray(j["kinds"], dtype=object)
    code = {name: k for k, name in enumerate(names_of)}

    def of(kinds: tuple[str, ...]) -> np.ndarray:
        table = np.zeros(len(names_of), dtype=bool)
        table[[code[k] for k in kinds if k in code]] = True
        return table[codes]

    retail_code = code.get("retail", -1)
    sales, bonus = of((*WHOLESALE_RUN, "retail", "dump", "buyback")), of(("recruit_bonus", "team_bonus"))
    rows = np.flatnonzero((sales & ((codes != retail_code) | (j["payee"][start:] < people))) | bonus)
    # (a day's scalar entries are stored after its vector ones)
    order = start + rows[np.argsort(j["day"][start:][rows], kind="stable")]
    kind = names_of[np.asarray(j["kind"])[order]]
    day, payer, payee, amount, units, brand, ref = (j[c][order] for c in ("day", "payer", "payee", "amount",
                                                                         "units", "brand", "ref"))
    to_brand = (payee >= people) & (payee < external)
    payee_text = _text(payee)
    buyer = np.where(kind == "dump", MARKET, np.where(kind == "buyback", BRAND, _text(payer)))
    return {"day": day, "payer": payer, "amount": amount, "units": units, "brand": brand, "kind": kind,
            "order": np.isin(kind, (*WHOLESALE_RUN, "retail", "dump", "buyback")),
            "bonus": np.isin(kind, ("recruit_bonus", "team_bonus")), "retail": kind == "retail",
            "wholesale": np.isin(kind, WHOLESALE_RUN), "buyer": buyer.astype(object),
            "seller": np.where(to_brand, BRAND, payee_text).astype(object),
            "payee": payee_text.astype(object), "source": np.where(ref >= 0, _text(ref), "").astype(object),
            "kind_out": np.where(kind == "entry_order", "entry", kind)}


def _people(agents: pd.DataFrame, meta: dict) -> tuple[dict, dict]:
    """The participants' and the claims' columns, from the ever-sellers table."""
    tiers = [meta["tiers"][b][t - 1] for b, t in zip(agents["brand"].tolist(), agents["tier"].tolist(),
                                                      strict=True)]
    participants = {"id": agents["id"].astype(str), "tier": tiers, "brand": agents["brand"],
                    "upline_id": agents["upline"].astype(str).where(agents["upline"] >= 0, ""),
                    "join_day": agents["join_day"], "exit_day": agents["exit_day"]}
    posted = agents[agents["income_posts"] > 0]
    claims = {"participant_id": posted["id"].astype(str), "income_posts": posted["income_posts"],
              "mean_claimed_monthly_income": posted["mean_income_claimed"]}
    return participants, claims


def _buyer_flags(r: dict[str, np.ndarray], agents: pd.DataFrame, meta: dict) -> np.ndarray:
    """buyer_is_participant of each of the _ledger_rows: true for stock orders, and for retail
    bought by a participant active that day (joined, not yet quit); quitters are end users."""
    people = meta["accounts"]["people"]
    join, leave = np.full(people, np.iinfo(np.int64).max), np.full(people, -1)
    join[agents["id"].to_numpy()], leave[agents["id"].to_numpy()] = agents["join_day"], agents["exit_day"]
    payer, day = r["payer"], r["day"]
    who = np.clip(payer, 0, people - 1)
    active = (payer < people) & (join[who] <= day) & ((leave[who] < 0) | (day < leave[who]))
    return np.where(r["retail"], active, r["wholesale"])


def _ledger_orders(r: dict[str, np.ndarray], meta: dict) -> tuple[dict, dict]:
    """The orders' columns (buyer_is_participant all false: see _buyer_flags) and the payouts'."""
    keep, bonus = r["order"], r["bonus"]
    units, amount = r["units"][keep], r["amount"][keep]
    orders = {"day": r["day"][keep], "buyer_id": r["buyer"][keep], "seller_id": r["seller"][keep],
              "units": units, "unit_price": amount / np.maximum(units, 1),
              "buyer_is_participant": np.zeros(len(units), dtype=bool), "kind": r["kind_out"][keep],
              "brand": np.asarray(meta["brands"], dtype=object)[r["brand"][keep]]}
    payouts = {"day": r["day"][bonus], "payee_id": r["payee"][bonus], "amount": r["amount"][bonus],
               "reason": r["kind"][bonus], "source_id": r["source"][bonus]}
    return orders, payouts


def _ledger_frames(r: dict[str, np.ndarray], meta: dict) -> list[pd.DataFrame]:
    """_ledger_orders as typed frames (for a run that starts at day 0, day numbers as they are)."""
    orders, payouts = _ledger_orders(r, meta)
    return [_typed(orders, "orders"), _typed(payouts, "payouts")]


def _from_parts(j: dict, agents: pd.DataFrame, meta: dict, start_date: date) -> NetworkData:
    """Journal columns, the ever-sellers table and the run's meta -> NetworkData."""
    r = _ledger_rows(j, meta)
    participants, claims = _people(agents, meta)
    orders, payouts = _ledger_orders(r, meta)
    orders["buyer_is_participant"] = _buyer_flags(r, agents, meta)[r["order"]]
    # The run covers days 0..meta["days"], quiet days at the end included.
    return _rebase(participants, orders, payouts, claims, start_date, period=(0, int(meta["days"])))
