"""The ledger: every yuan and every unit moves through here, as a double entry.

An entry says: on `day`, `payer` paid `amount` yuan to `payee`, and `units` of `brand`
moved the other way (from payee to payer), for a reason `kind`. Pure unit moves (using a
unit up, writing stock off) carry no money; pure money moves (savings, bonuses) no units.

Accounts: person i is account i; brand b is `brand_account(b)`; then five outside
accounts: EXTERNAL (the economy outside the model: savings come from it, production costs
and shop purchases go to it), GREY (discount traders who buy dumped stock and resell it),
CONSUMED and WRITTEN_OFF (where units end), and OWN_TIME (see below). Everything starts at
zero, so the balances of all accounts always sum to zero, in money and in units of each brand.

One kind is imputed, not paid: `time`, the seller's hours on the business valued at what an hour
is worth elsewhere, booked from the seller to OWN_TIME. It moves no cash (nobody is paid for the
hours, and a seller's cash is what it can spend), so it has balances of its own, `imputed`, which
also sum to zero; a seller's profit after its time is its net minus `seller_time`.
"""

from __future__ import annotations

import numpy as np

KINDS = (
    "endowment",      # a person's savings at the start (external -> person)
    "income",         # monthly savings (external -> person)
    "production",     # brand pays production cost, receives units (brand <- external)
    "entry_order",    # first order that makes a person an agent (seller -> supplier)
    "upgrade",        # order bought to climb to a higher tier
    "restock",        # any later order from a seller to its supplier
    "retail",         # a person buys one unit from a seller
    "outside",        # a person buys from shops / platforms (no brand units)
    "grey_retail",    # a person buys dumped stock from discount traders
    "dump",           # a seller sells stock to discount traders below price
    "recruit_bonus",  # brand pays an upline for a recruit
    "team_bonus",     # brand pays ancestors a share of a downline's restock (ongoing volume)
    "buyback",        # brand buys back unsold stock from a quitting seller
    "consumption",    # a unit is used up (units only)
    "write_off",      # unsold stock thrown away (units only)
    # The costs of taking part, and the plan's other pay (kinds added later keep the codes above).
    "fee",            # a seller pays the brand: joining fee, monthly "system" / training fees
    "expense",        # a seller pays outside the model: events, travel, samples, phone
    "rank_bonus",     # brand pays a qualified leader a share of its leadership pool
    "retail_bonus",   # brand pays a seller a rebate on its own retail sales
    "buy_in_bonus",   # the plan's team bonus paid on a downline's entry order or upgrade (a buy-in)
    "time",           # imputed: a seller's hours on the business at the going wage (seller -> own time)
)
KIND = {name: k for k, name in enumerate(KINDS)}
WHOLESALE = ("entry_order", "upgrade", "restock")
# Money a person pays or receives *as a seller* (for net profit by person).
SELLER_PAYS = {KIND[k] for k in (*WHOLESALE, "fee", "expense")}
SELLER_EARNS = {KIND[k] for k in (*WHOLESALE, "retail", "dump", "recruit_bonus", "team_bonus",
                                  "buyback", "rank_bonus", "retail_bonus", "buy_in_bonus")}
# What a brand pays as pay; the first three are paid on recruits and on downlines' purchases.
BONUSES = ("recruit_bonus", "buy_in_bonus", "team_bonus", "rank_bonus", "retail_bonus")
# The journal's columns and the types journal() gives them (units in 64 bits, as the balances:
# one order of cheap units can pass 2**31).
COLUMNS = ("day", "kind", "payer", "payee", "amount", "units", "brand", "ref")
DTYPES = (np.int32, np.int8, np.int64, np.int64, np.float64, np.int64, np.int16, np.int64)


def pack(column: np.ndarray) -> np.ndarray | tuple:
    """A journal column as stored: ("same", value, n) when every entry holds one value (the day and
    kind of a chunk, EXTERNAL paying everyone's savings), ("run", first, n) for first, first+1, ...
    (the payees of those savings), else the array, in 32 bits when its whole numbers fit. At ten
    million people the savings alone were 13 entries a person a year, ~600 bytes of them."""
    n = column.size
    if n and column[0] == column[-1] and (column == column[0]).all():
        return ("same", column[0].item(), n)
    if column.dtype.kind != "i":
        return column.copy()
    if n > 1 and column[-1] - column[0] == n - 1 and (np.diff(column) == 1).all():
        return ("run", column[0].item(), n)
    small = n and column.min() >= -(2**31) and column.max() < 2**31
    return column.astype(np.int32) if small and column.itemsize > 4 else column.copy()


def unpack(column: np.ndarray | tuple, dtype: type) -> np.ndarray:
    """The column as journal() gives it."""
    if isinstance(column, tuple):
        how, value, n = column
        return np.full(n, value, dtype=dtype) if how == "same" else np.arange(value, value + n, dtype=dtype)
    return column.astype(dtype, copy=False)


class Ledger:
    """Balances per account, per-kind totals, and the journal of every entry."""

    def __init__(self, people: int, brands: int):
        self.people = people
        self.brands = brands
        self.EXTERNAL = people + brands
        self.GREY = people + brands + 1
        self.CONSUMED = people + brands + 2
        self.WRITTEN_OFF = people + brands + 3
        self.OWN_TIME = people + brands + 4
        self.accounts = people + brands + 5
        self.money = np.zeros(self.accounts)
        self.imputed = np.zeros(self.accounts)  # balances of the imputed kind (time), yuan
        self.units = np.zeros((self.accounts, brands), dtype=np.int64)
        self.seller_net = np.zeros(people)  # received minus paid as a seller, by person
        self.seller_receipts = np.zeros(people)  # received as a seller, by person
        self.seller_time = np.zeros(people)  # value of the hours given to the business, by person
        self.total_amount = np.zeros(len(KINDS))
        self.total_units = np.zeros(len(KINDS), dtype=np.int64)
        self.total_entries = np.zeros(len(KINDS), dtype=np.int64)
        self.day = 0
        self.new_day(0)
        self._chunks: list[tuple[np.ndarray | tuple, ...]] = []  # packed columns (`pack`)
        self._rows: list[tuple] = []  # scalar entries, moved into chunks once a day

    def brand_account(self, brand: int) -> int:
        return self.people + brand

    def new_day(self, day: int) -> None:
        """Start a day: per-kind totals for the day, split by whether a brand was paid."""
        self.day = day
        self.today_amount = np.zeros(len(KINDS))
        self.today_units = np.zeros(len(KINDS), dtype=np.int64)
        self.today_to_brand = np.zeros(len(KINDS))
        self.today_units_to_brand = np.zeros(len(KINDS), dtype=np.int64)
        self.flush()

    def post(self, kind: str, payer: int, payee: int, amount: float = 0.0, units: int = 0,
             brand: int = 0, ref: int = -1) -> None:
        """Book one entry (the path for the sellers' own, one-at-a-time dealings).

        `ref` names the person an entry is on behalf of, where that is not payer or payee:
        the recruit or buyer whose order earned a bonus.
        """
        k = KIND[kind]
        amount = round(float(amount), 2)
        self.money[payer] -= amount
        self.money[payee] += amount
        if units:
            self.units[payer, brand] += units
            self.units[payee, brand] -= units
        self._count(k, amount, units, payee)
        if payer < self.people and k in SELLER_PAYS:
            self.seller_net[payer] -= amount
        if payee < self.people and k in SELLER_EARNS:
            self.seller_net[payee] += amount
            self.seller_receipts[payee] += amount
        self._rows.append((self.day, k, payer, payee, amount, units, brand, ref))

    def post_many(self, kind: str, payer, payee, amount=0.0, units=0, brand=0) -> None:
        """Book many entries of one kind at once (the vectorized consumer half of the day)."""
        k = KIND[kind]
        payer, payee, amount, units, brand = np.broadcast_arrays(
            np.asarray(payer, dtype=np.int64), np.asarray(payee, dtype=np.int64),
            np.round(np.asarray(amount, dtype=float), 2), np.asarray(units, dtype=np.int64),
            np.asarray(brand, dtype=np.int64))
        n = payer.size
        if n == 0:
            return
        np.subtract.at(self.money, payer, amount)
        np.add.at(self.money, payee, amount)
        if units.any():
            np.add.at(self.units, (payer, brand), units)
            np.subtract.at(self.units, (payee, brand), units)
        self.total_amount[k] += amount.sum()
        self.total_units[k] += units.sum()
        self.total_entries[k] += n
        self.today_amount[k] += amount.sum()
        self.today_units[k] += units.sum()
        to_brand = (payee >= self.people) & (payee < self.EXTERNAL)
        self.today_to_brand[k] += amount[to_brand].sum()
        self.today_units_to_brand[k] += units[to_brand].sum()
        if k in SELLER_PAYS:
            mask = payer < self.people
            np.subtract.at(self.seller_net, payer[mask], amount[mask])
        if k in SELLER_EARNS:
            mask = payee < self.people
            np.add.at(self.seller_net, payee[mask], amount[mask])
            np.add.at(self.seller_receipts, payee[mask], amount[mask])
        self._keep(np.full(n, self.day), np.full(n, k), payer, payee, amount, units, brand, np.full(n, -1))

    def impute_time(self, sellers: np.ndarray, amount) -> None:
        """Book the value of sellers' hours (kind `time`): it moves no cash, only imputed balances."""
        sellers = np.asarray(sellers, dtype=np.int64)
        amount = np.broadcast_to(np.round(np.asarray(amount, dtype=float), 2), sellers.shape)
        keep = amount > 0
        sellers, amount = sellers[keep], amount[keep]
        if sellers.size == 0:
            return
        k, n = KIND["time"], sellers.size
        np.subtract.at(self.imputed, sellers, amount)
        self.imputed[self.OWN_TIME] += amount.sum()
        np.add.at(self.seller_time, sellers, amount)
        self.total_amount[k] += amount.sum()
        self.total_entries[k] += n
        self.today_amount[k] += amount.sum()
        self._keep(np.full(n, self.day), np.full(n, k), sellers, np.full(n, self.OWN_TIME), amount,
                   np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64), np.full(n, -1))

    def _keep(self, *columns: np.ndarray) -> None:
        """Add a chunk of entries to the journal, packed (the arrays given are not kept)."""
        self._chunks.append(tuple(pack(np.asarray(c)) for c in columns))

    def _count(self, k: int, amount: float, units: int, payee: int) -> None:
        self.total_amount[k] += amount
        self.total_units[k] += units
        self.total_entries[k] += 1
        self.today_amount[k] += amount
        self.today_units[k] += units
        if self.people <= payee < self.EXTERNAL:
            self.today_to_brand[k] += amount
            self.today_units_to_brand[k] += units

    def flush(self) -> None:
        """Move the scalar entries booked so far into the columnar journal."""
        rows = getattr(self, "_rows", None)
        if not rows:
            return
        cols = list(zip(*rows, strict=True))
        self._keep(*(np.asarray(c, dtype=t) for c, t in zip(cols, DTYPES, strict=True)))
        self._rows = []

    def journal(self) -> dict[str, np.ndarray]:
        """Every entry so far, as columns: day, kind, payer, payee, amount, units, brand, ref."""
        self.flush()
        if not self._chunks:
            return {name: np.zeros(0) for name in COLUMNS}
        return {name: np.concatenate([unpack(c[i], t) for c in self._chunks])
                for i, (name, t) in enumerate(zip(COLUMNS, DTYPES, strict=True))}

    def account_map(self) -> dict[str, int]:
        """Where the outside accounts are (persons are 0..people-1, brands follow)."""
        return {"people": self.people, "brands": self.brands, "external": self.EXTERNAL,
                "grey": self.GREY, "consumed": self.CONSUMED, "written_off": self.WRITTEN_OFF,
                "own_time": self.OWN_TIME}

    def imbalance(self) -> tuple[float, np.ndarray]:
        """Sum of all cash balances and of all unit balances per brand: both must be zero (and so
        must the sum of the imputed balances)."""
        return float(self.money.sum()), self.units.sum(axis=0)

    def volume(self) -> float:
        """Total money moved, the scale against which rounding error is judged."""
        return float(self.total_amount.sum())

    def totals(self) -> list[dict]:
        """One row per kind: entries, amount and units over the whole run."""
        return [{"kind": name, "entries": int(self.total_entries[k]),
                 "amount": round(float(self.total_amount[k]), 2),
                 "units": int(self.total_units[k])} for k, name in enumerate(KINDS)]
