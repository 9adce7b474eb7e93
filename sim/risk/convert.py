"""The one converter from a simulated run into the data schema: a run folder or a live model -> NetworkData.

The indicators score data, not models, so that a real network and a simulated one take the same
code path; this module is that bridge, and the only one in `sim.risk` that knows the model (the
ledger's kinds). `from_run` reads a run folder (journal.npz, agents.csv, meta.json); `from_model`
converts a model in memory to the same data; `LiveConverter` does so day after day for the browser,
converting only what the journal added since its last call.

The ledger's journal names every transfer by kind; `ORDER_KIND` maps the kinds that are orders to
the schema's order kinds (the stock orders are the ledger's `WHOLESALE`; a first order is
`entry_order` in the journal, `entry` in the schema), and bonuses become payouts with the
reasons of `REASON`.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.common.text import cut
from sim.model.ledger import KINDS, WHOLESALE
from sim.risk.schema import BRAND, MARKET, DataError, NetworkData, rebase, typed

if TYPE_CHECKING:
    from sim.model.model import WeishangModel

# Journal kind of an order -> its kind in the schema (orders.csv `kind`); the rest of the journal
# (savings, production, shop purchases, consumption, write-offs) is not an order.
ORDER_KIND = {"entry_order": "entry", "upgrade": "upgrade", "restock": "restock",
              "retail": "retail", "dump": "dump", "buyback": "buyback"}
# Journal kinds paid out as bonuses, and the payout reason each is in the schema: the team bonus on
# buy-ins and on restocks, and the leadership pool, are team-based pay (paid on the purchases of
# everyone below); the retail rebate is not.
REASON = {"recruit_bonus": "recruit_bonus", "buy_in_bonus": "team_bonus", "team_bonus": "team_bonus",
          "rank_bonus": "team_bonus", "retail_bonus": "other"}
BONUS_KINDS = tuple(REASON)
START_DATE = date(2025, 1, 1)  # what day 0 of a run is dated, unless told


def from_run(run_folder: Path, start_date: date = START_DATE) -> NetworkData:
    """A simulated run folder (journal.npz, agents.csv, meta.json) in the schema, in memory."""
    run_folder = Path(run_folder)
    try:  # a run folder damaged or cut short (a killed copy, a full disk) is one line, not a traceback
        meta = json.loads((run_folder / "meta.json").read_text(encoding="utf-8"))
        # Brand names are text even when they look like numbers or "NA".
        agents = pd.read_csv(run_folder / "agents.csv", dtype={"brand": str, "strategy": str},
                             keep_default_na=False)
        with np.load(run_folder / "journal.npz", allow_pickle=False) as npz:
            j = {k: npz[k] for k in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile, pd.errors.ParserError) as exc:
        raise DataError(f"{run_folder}: not a readable run folder ({cut(str(exc))})") from None
    missing = [c for c in AGENT_COLUMNS if c not in agents.columns]
    whole = [c for c in AGENT_COLUMNS if c not in ("brand", "mean_income_claimed") and c in agents.columns
             and not pd.api.types.is_integer_dtype(agents[c])]
    if missing or whole:
        what = f"no column {missing[0]}" if missing else f"{whole[0]} is not whole numbers"
        raise DataError(f"{run_folder / 'agents.csv'}: {what} (not as weishang run writes it)")
    try:
        return _from_parts(j, agents, meta, start_date)
    except (KeyError, IndexError, TypeError) as exc:  # meta.json or the journal not as a run writes them
        raise DataError(f"{run_folder}: not a readable run folder ({cut(repr(exc))})") from None


# The columns of a run's agents.csv the conversion reads.
AGENT_COLUMNS = ("id", "brand", "tier", "upline", "join_day", "exit_day", "income_posts",
                 "mean_income_claimed")


def from_model(model: WeishangModel, start_date: date = START_DATE) -> NetworkData:
    """A live model in the schema, without files: the same as `from_run` on the model's run folder.

    Converts the whole journal each call; to follow a model day after day, keep a `LiveConverter`.
    """
    return LiveConverter(start_date).read(model)


@dataclass
class _Converted:
    """What a LiveConverter has converted: the first `n` journal entries (up to day `last`), for the
    model named by `key` (its accounts, brands and the ledger's kinds)."""

    key: tuple
    n: int
    last: int
    rows: dict[str, np.ndarray]
    frames: list[pd.DataFrame]


class LiveConverter:
    """Converts one model again and again as it runs (what the browser's risk panel scores).

    Each `read` converts only the journal entries added since the last one (the journal only grows,
    a day at a time), and the participants afresh. The converter keeps that state itself, so the
    model carries nothing it does not own; whoever follows the model keeps the converter (the
    browser's page keeps one per model). Results are those of `from_model`, byte for byte.
    """

    def __init__(self, start_date: date = START_DATE) -> None:
        self.start_date = start_date
        self._seen: _Converted | None = None

    def read(self, model: WeishangModel) -> NetworkData:
        """The model as it is now, in the schema."""
        meta = {"accounts": model.ledger.account_map(), "brands": [b.name for b in model.brands],
                "tiers": {b.name: [t["name"] for t in b.tiers] for b in model.brands}, "days": model.day}
        journal = {**model.ledger.journal(), "kinds": np.array(KINDS)}
        n, key = len(journal["day"]), (tuple(meta["accounts"].items()), tuple(meta["brands"]), KINDS)
        seen = self._seen
        if (seen is not None and seen.key == key and seen.n <= n
                and (seen.n == n or journal["day"][seen.n:].min() >= seen.last)):
            new = _ledger_rows(journal, meta, start=seen.n)
            rows = {c: np.concatenate([seen.rows[c], new[c]]) for c in new}
            frames = [pd.concat([old, part], ignore_index=True) if len(part) else old
                      for old, part in zip(seen.frames, _ledger_frames(new, meta), strict=True)]
        else:
            rows = _ledger_rows(journal, meta)
            frames = _ledger_frames(rows, meta)
        self._seen = _Converted(key, n, int(journal["day"].max()) if n else 0, rows, frames)
        agents = _sellers(model)
        participants, claims = _people(agents, meta)
        orders, payouts = frames
        orders = orders.assign(buyer_is_participant=_buyer_flags(rows, agents, meta)[rows["order"]])
        # As rebase, for a run that covers days 0..meta["days"]: day numbers stay as they are.
        days = int(meta["days"])
        known = [np.max(np.asarray(d), initial=-1) for d in (participants["join_day"],
                                                             participants["exit_day"], orders["day"],
                                                             payouts["day"])]
        if max(known) > days:
            raise DataError("period.csv: some dates fall outside start_date..end_date")
        return NetworkData(participants=typed(participants, "participants"), orders=orders, payouts=payouts,
                           claims=typed(claims, "claims"), start_date=self.start_date, days=days + 1)


def _sellers(model: WeishangModel) -> pd.DataFrame:
    """The columns of `sim.model.metrics.agents_table` (one row per person who was ever a seller) that
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
    sales, bonus = of(tuple(ORDER_KIND)), of(BONUS_KINDS)
    rows = np.flatnonzero((sales & ((codes != retail_code) | (j["payee"][start:] < people))) | bonus)
    # (a day's scalar entries are stored after its vector ones)
    order = start + rows[np.argsort(j["day"][start:][rows], kind="stable")]
    picked = np.asarray(j["kind"])[order]
    kind = names_of[picked]
    schema_kind = np.asarray([ORDER_KIND.get(name, name) for name in names_of], dtype=object)[picked]
    day, payer, payee, amount, units, brand, ref = (j[c][order] for c in ("day", "payer", "payee", "amount",
                                                                         "units", "brand", "ref"))
    to_brand = (payee >= people) & (payee < external)
    payee_text = _text(payee)
    buyer = np.where(kind == "dump", MARKET, np.where(kind == "buyback", BRAND, _text(payer)))
    return {"day": day, "payer": payer, "amount": amount, "units": units, "brand": brand, "kind": kind,
            "order": np.isin(kind, tuple(ORDER_KIND)),
            "bonus": np.isin(kind, BONUS_KINDS), "retail": kind == "retail",
            "wholesale": np.isin(kind, WHOLESALE), "buyer": buyer.astype(object),
            "seller": np.where(to_brand, BRAND, payee_text).astype(object),
            "payee": payee_text.astype(object), "source": np.where(ref >= 0, _text(ref), "").astype(object),
            "kind_out": schema_kind}


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
               "reason": np.array([REASON[k] for k in r["kind"][bonus]], dtype=object),
               "source_id": r["source"][bonus]}
    return orders, payouts


def _ledger_frames(r: dict[str, np.ndarray], meta: dict) -> list[pd.DataFrame]:
    """_ledger_orders as typed frames (for a run that starts at day 0, day numbers as they are)."""
    orders, payouts = _ledger_orders(r, meta)
    return [typed(orders, "orders"), typed(payouts, "payouts")]


def _from_parts(j: dict, agents: pd.DataFrame, meta: dict, start_date: date) -> NetworkData:
    """Journal columns, the ever-sellers table and the run's meta -> NetworkData."""
    r = _ledger_rows(j, meta)
    participants, claims = _people(agents, meta)
    orders, payouts = _ledger_orders(r, meta)
    orders["buyer_is_participant"] = _buyer_flags(r, agents, meta)[r["order"]]
    # The run covers days 0..meta["days"], quiet days at the end included.
    return rebase(participants, orders, payouts, claims, start_date, period=(0, int(meta["days"])))
