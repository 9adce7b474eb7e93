"""The real-data schema (sim.risk.schema, .writer, .convert): one-line errors, a hand-made set, round
trips, and runs as data."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from sim import WeishangModel, load_scenario
from sim.cli import main
from sim.experiments.runs import write_run
from sim.model.ledger import WHOLESALE
from sim.risk import schema
from sim.risk.convert import ORDER_KIND, REASON, LiveConverter, from_model, from_run
from sim.risk.schema import ORDER_KINDS, STOCK_ORDER_KINDS, DataError, NetworkData, read_data
from sim.risk.writer import write_data

# A small network over two brands: a -> b -> c under `glow`, x alone under `other`. orders.csv
# has no brand column (inferred from the seller, or the buyer for orders from the brand).
VALID = {
    "participants.csv": """id,upline_id,join_date,tier,exit_date,brand
a,,2025-03-01,director,,glow
b,a,2025-03-02,agent,2025-03-20,glow
c,b,2025-03-05,member,,glow
x,,2025-03-03,agent,,other
""",
    "orders.csv": """date,buyer_id,seller_id,units,unit_price,kind,buyer_is_participant
2025-03-01,a,brand,100,20,entry,true
2025-03-02,b,a,10,30,entry,true
2025-03-05,c,b,5,40.5,entry,TRUE
2025-03-06,shopper1,c,1,60,retail,no
2025-03-07,a,c,1,60,retail,Yes
2025-03-08,b,a,20,30,restock,1
2025-03-10,market,b,5,10,dump,false
2025-03-19,brand,b,2,27,buyback,0
2025-03-03,x,brand,50,20,entry,true
""",
    "payouts.csv": """date,payee_id,amount,reason,source_id
2025-03-02,a,50,recruit_bonus,b
2025-03-05,a,12.5,team_bonus,c
2025-03-09,a,1,other,
""",
    "claims.csv": """participant_id,income_posts,mean_claimed_monthly_income
a,12,30000
""",
}


def make(folder: Path, files: dict[str, str | None]) -> Path:
    """Write a data set: VALID with `files` replacing (text) or removing (None) some files."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in {**VALID, **files}.items():
        if text is not None:
            (folder / name).write_text(text, encoding="utf-8")
    return folder


def edit(name: str, old: str, new: str) -> dict[str, str]:
    """VALID with one replacement in one file (the text must be there exactly once)."""
    assert VALID[name].count(old) == 1, old
    return {name: VALID[name].replace(old, new)}


def add_column(name: str, column: str, cells: dict[int, str]) -> dict[str, str]:
    """VALID with one more column in one file: `column` in its header, cells[n] in data row n (else empty)."""
    lines = VALID[name].splitlines()
    rows = [f"{line},{cells.get(n, '')}" for n, line in enumerate(lines[1:], start=1)]
    return {name: "\n".join([f"{lines[0]},{column}", *rows]) + "\n"}


BAD = [  # (files, file named, row or None, words the message must hold)
    ({"participants.csv": None}, "participants.csv", None, "file not found"),
    ({"payouts.csv": None}, "payouts.csv", None, "file not found"),
    ({"orders.csv": ""}, "orders.csv", None, "empty file"),
    (edit("orders.csv", "unit_price,kind", "kind"), "orders.csv", None, "missing column unit_price"),
    (edit("payouts.csv", "amount,reason", "amount"), "payouts.csv", None, "missing column reason"),
    (edit("orders.csv", "kind,buyer", "kind,kind,buyer"), "orders.csv", None,
     "column 'kind' appears more than once"),
    (edit("orders.csv", "a,brand,100,20,", "a,brand,100,"), "orders.csv", 1, "6 values, the header has 7"),
    (edit("orders.csv", "b,a,10,30", "b,a,,30"), "orders.csv", 2, "units: empty value"),
    (edit("orders.csv", "b,a,10,30", "b,a,ten,30"), "orders.csv", 2, "units: 'ten' is not a whole number"),
    (edit("orders.csv", "b,a,10,30", "b,a,1.5,30"), "orders.csv", 2, "units: '1.5' is not a whole number"),
    (edit("orders.csv", "b,a,10,30", "b,a,-10,30"), "orders.csv", 2, "units: '-10' is negative"),
    (edit("orders.csv", "c,b,5,40.5", "c,b,5,-40.5"), "orders.csv", 3, "unit_price: '-40.5' is negative"),
    (edit("orders.csv", "c,b,5,40.5", "c,b,5,cheap"), "orders.csv", 3, "unit_price: 'cheap' is not a number"),
    (edit("orders.csv", "c,b,5,40.5", "c,b,5,nan"), "orders.csv", 3, "unit_price: 'nan' is not a number"),
    (edit("orders.csv", "2025-03-06", "2025/03/06"), "orders.csv", 4, "'2025/03/06' is not a date YYYY"),
    (edit("orders.csv", "2025-03-06", "2025-02-30"), "orders.csv", 4, "'2025-02-30' is not a real date"),
    (edit("orders.csv", "2025-03-06", ""), "orders.csv", 4, "date: empty value"),
    (edit("orders.csv", "retail,no", "gift,no"), "orders.csv", 4,
     "kind: 'gift' is not allowed (entry, upgrade, restock, retail, dump, buyback)"),
    (edit("orders.csv", "retail,no", "retail,maybe"), "orders.csv", 4,
     "buyer_is_participant: 'maybe' is not one of true, 1, yes, false, 0, no"),
    (edit("orders.csv", "shopper1,c", "shopper1,zz"), "orders.csv", 4,
     "seller_id: 'zz' is neither a participant id nor 'brand'"),
    (edit("orders.csv", "retail,no", "retail,yes"), "orders.csv", 4,
     "buyer_id: 'shopper1' is flagged buyer_is_participant but is not a participant id"),
    (edit("orders.csv", "shopper1,c,1,60", "shopper1,brand,1,60"), "orders.csv", 4,
     "seller_id: retail orders are sold by a participant"),
    (edit("orders.csv", "market,b", "m2,b"), "orders.csv", 7, "buyer_id: 'm2' in a dump order"),
    (edit("orders.csv", "brand,b,2", "b,b,2"), "orders.csv", 8, "buyer_id: 'b' in a buyback order"),
    (edit("orders.csv", "x,brand,50,20,entry,true", "y,brand,50,20,entry,false"), "orders.csv", 9,
     "buyer_id: 'y' is not a participant id (entry orders come from one)"),
    (edit("participants.csv", "x,,2025-03-03", "a,,2025-03-03"), "participants.csv", 4,
     "id: 'a' appears twice (first at row 1)"),
    (edit("participants.csv", "x,,2025-03-03", "market,,2025-03-03"), "participants.csv", 4,
     "id: 'market' is reserved"),
    (edit("participants.csv", "c,b,", "c,q,"), "participants.csv", 3,
     "upline_id: 'q' is not a participant id"),
    (edit("participants.csv", "a,,", "a,c,"), "participants.csv", 1, "cycle through id 'a'"),  # a>c>b>a
    (edit("participants.csv", "x,,", "x,x,"), "participants.csv", 4, "cycle through id 'x'"),
    (edit("participants.csv", "2025-03-20", "2025-03-01"), "participants.csv", 2,
     "exit_date: 2025-03-01 is before join_date"),
    (edit("participants.csv", "2025-03-05,member", "2025-13-05,member"), "participants.csv", 3,
     "join_date: '2025-13-05' is not a real date"),
    (edit("participants.csv", "member", ""), "participants.csv", 3, "tier: empty value"),
    (edit("payouts.csv", "a,12.5", "zz,12.5"), "payouts.csv", 2, "payee_id: 'zz' is not a participant id"),
    (edit("payouts.csv", "a,12.5", "a,-12.5"), "payouts.csv", 2, "amount: '-12.5' is negative"),
    (edit("payouts.csv", "team_bonus", "bonus"), "payouts.csv", 2,
     "reason: 'bonus' is not allowed (recruit_bonus, team_bonus, other)"),
    (edit("payouts.csv", "recruit_bonus,b", "recruit_bonus,q"), "payouts.csv", 1,
     "source_id: 'q' is not a participant id"),
    (edit("claims.csv", "a,12", "q,12"), "claims.csv", 1, "participant_id: 'q' is not a participant id"),
    (edit("claims.csv", "a,12", "a,-1"), "claims.csv", 1, "income_posts: '-1' is negative"),
    # Out of range: 2^63 would wrap to a negative count, 10^20 overflow int64, 1e300 yuan overflow sums.
    (edit("orders.csv", "b,a,10,30", "b,a,9223372036854775808,30"), "orders.csv", 2,
     "units: '9223372036854775808' is above 1,000,000,000"),
    (edit("orders.csv", "b,a,10,30", "b,a,1000000001,30"), "orders.csv", 2, "is above 1,000,000,000"),
    (edit("claims.csv", "a,12", "a,100000000000000000000"), "claims.csv", 1, "income_posts: '1000"),
    (edit("orders.csv", "c,b,5,40.5", "c,b,5,1e300"), "orders.csv", 3,
     "unit_price: '1e300' is above 1,000,000,000,000"),
    (edit("payouts.csv", "a,12.5", "a,1e400"), "payouts.csv", 2, "amount: '1e400' is above"),
    # Digits are ASCII: '²' and Arabic-Indic digits are no numbers here, nor in dates.
    (edit("orders.csv", "b,a,10,30", "b,a,1\u00b2,30"), "orders.csv", 2, "units: '1\u00b2' is not a whole"),
    (edit("orders.csv", "b,a,10,30", "b,a,\u0661\u0660,30"), "orders.csv", 2, "is not a whole number"),
    (edit("orders.csv", "c,b,5,40.5", "c,b,5,\u0664\u0660"), "orders.csv", 3,
     "unit_price: '\u0664\u0660' is not a number"),
    (edit("orders.csv", "2025-03-06", "\u0662\u0660\u0662\u0665-03-06"), "orders.csv", 4,
     "is not a date YYYY-MM-DD"),
    # period.csv takes dates as the other files do (not 20250301).
    ({"period.csv": "start_date,end_date\n20250301,2025-03-20\n"}, "period.csv", 1,
     "start_date: '20250301' is not a date YYYY-MM-DD"),
    ({"period.csv": "start_date,end_date\n2025-03-01,2025-03-20\n2025-03-01,2025-03-21\n"}, "period.csv",
     None, "expected exactly one row"),
    # A NUL byte, even in an optional column's name (which would silently drop that column).
    (add_column("orders.csv", "bra\0nd", {}), "orders.csv", None, "the header holds a NUL byte"),
    (edit("payouts.csv", "a,1,other", "a\0,1,other"), "payouts.csv", 3, "a NUL byte"),
    # Brands: every participant's or none; an order's brand is some participant's.
    (edit("participants.csv", "agent,,other", "agent,,"), "participants.csv", 4, "brand: empty, but other"),
    (add_column("orders.csv", "brand", {9: "ghost"}), "orders.csv", 9,
     "brand: 'ghost' is no participant's brand (participants.csv names 'glow, other')"),
]


@pytest.mark.parametrize(("files", "name", "row", "words"), BAD,
                         ids=[f"{name}-{words[:30]}" for _, name, _, words in BAD])
def test_bad_data_is_one_line_naming_file_row_and_problem(tmp_path, files, name, row, words):
    folder = make(tmp_path / "data", files)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    with pytest.raises(DataError) as caught:
        read_data(folder)
    message = str(caught.value)
    assert "\n" not in message
    prefix = f"{folder / name}: " + (f"row {row}: " if row is not None else "")
    assert message.startswith(prefix), message
    assert words in message, message
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing written


def test_the_first_bad_row_is_named(tmp_path):
    files = edit("orders.csv", "b,a,10,30", "b,a,-10,30")
    files["orders.csv"] = files["orders.csv"].replace("c,b,5,40.5", "c,b,5,x")
    with pytest.raises(DataError, match=r"orders.csv: row 2: units"):
        read_data(make(tmp_path, files))


def test_valid_set_loads_with_days_types_and_brands(tmp_path):
    data = read_data(make(tmp_path, {}))
    assert data.start_date == date(2025, 3, 1) and data.days == 20  # 1 March to 20 March
    p = data.participants
    assert p["id"].tolist() == ["a", "b", "c", "x"]
    assert p["upline_id"].tolist() == ["", "a", "b", ""]
    assert p["join_day"].tolist() == [0, 1, 4, 2] and p["exit_day"].tolist() == [-1, 19, -1, -1]
    assert p["tier"].tolist() == ["director", "agent", "member", "agent"]
    o = data.orders
    assert o["day"].tolist() == [0, 1, 4, 5, 6, 7, 9, 18, 2]
    assert o["buyer_is_participant"].tolist() == [True, True, True, False, True, True, False, False, True]
    assert o["brand"].tolist() == ["glow"] * 8 + ["other"]  # inferred: seller's, else buyer's brand
    assert o["unit_price"].tolist()[:3] == [20.0, 30.0, 40.5]
    assert {c: str(t) for c, t in o.dtypes.items()} == {
        "day": "int64", "buyer_id": str(o["buyer_id"].dtype), "seller_id": str(o["buyer_id"].dtype),
        "units": "int64", "unit_price": "float64", "kind": str(o["buyer_id"].dtype),
        "buyer_is_participant": "bool", "brand": str(o["buyer_id"].dtype)}
    assert data.payouts["source_id"].tolist() == ["b", "c", ""]
    assert data.payouts["amount"].sum() == 63.5
    assert data.claims.to_dict("records") == [
        {"participant_id": "a", "income_posts": 12, "mean_claimed_monthly_income": 30000.0}]
    assert data.brands() == ["glow", "other"]


def test_optional_files_and_columns_and_tolerated_forms(tmp_path):
    text = "\ufeffid , upline_id,join_date,tier\r\n a ,,2025-01-02,boss\r\n\r\nb,a,2025-01-05,agent\r\n"
    data = read_data(make(tmp_path, {
        "participants.csv": text, "claims.csv": None,
        "orders.csv": "date,buyer_id,seller_id,units,unit_price,kind,buyer_is_participant,extra\n"
                      "2025-01-05,b,a,+3,1e2,entry,YES,ignored\n",
        "payouts.csv": "date,payee_id,amount,reason\n"}))
    assert data.participants["id"].tolist() == ["a", "b"] and data.participants["brand"].tolist() == ["", ""]
    assert data.participants["exit_day"].tolist() == [-1, -1]
    assert data.orders["units"].tolist() == [3] and data.orders["unit_price"].tolist() == [100.0]
    assert data.claims.empty and data.payouts.empty and data.brands() == [""]
    assert data.days == 4 and data.start_date == date(2025, 1, 2)
    # a blank line is still counted, so row numbers stay the file's line numbers minus one
    bad = text.replace("b,a,", "b,q,")
    with pytest.raises(DataError, match=r"participants.csv: row 3: upline_id: 'q'"):
        read_data(make(tmp_path, {"participants.csv": bad}))


def test_for_brand_and_window(tmp_path):
    data = read_data(make(tmp_path, {}))
    other = data.for_brand("other")
    assert other.participants["id"].tolist() == ["x"] and len(other.orders) == 1
    assert other.payouts.empty and other.claims.empty
    glow = data.for_brand("glow")
    assert len(glow.orders) == 8 and len(glow.payouts) == 3 and len(glow.claims) == 1
    with pytest.raises(ValueError, match="unknown brand 'nope'"):
        data.for_brand("nope")
    early = data.window(1, 5)
    assert early.participants["id"].tolist() == ["a", "b", "c", "x"] and early.days == 5
    assert early.orders["day"].tolist() == [1, 4, 2]
    assert early.participants["exit_day"].tolist() == [-1, -1, -1, -1]  # b quits on day 19: not yet known
    assert early.payouts["day"].tolist() == [1, 4]
    assert data.window(0, 3).participants["id"].tolist() == ["a", "b", "x"]


def read_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_folder_and_encoding_errors(tmp_path):
    with pytest.raises(DataError, match=r"nowhere: not a folder$"):
        read_data(tmp_path / "nowhere")
    folder = make(tmp_path / "data", {})
    (folder / "payouts.csv").write_bytes(b"date,payee_id,amount,reason\n2025-03-02,\xe9,1,other\n")  # latin-1
    with pytest.raises(DataError, match=r"payouts.csv: not UTF-8 text"):
        read_data(folder)


def test_an_unreadable_file_is_one_line(tmp_path, monkeypatch):
    # As a file without read permission gives (root reads anything, so the refusal is stubbed).
    folder = make(tmp_path / "data", {})
    real_open = open

    def refuse(path, *args, **kwargs):
        if Path(path).name == "orders.csv":
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(schema, "open", refuse, raising=False)  # the reader's own `open`
    with pytest.raises(DataError, match=r"orders.csv: cannot read \(Permission denied\)$"):
        read_data(folder)


def test_long_values_are_cut_in_the_message(tmp_path):
    files = edit("orders.csv", "shopper1,c", "shopper1," + "z" * 5000)
    with pytest.raises(DataError) as caught:
        read_data(make(tmp_path, files))
    message = str(caught.value).removeprefix(str(tmp_path))
    assert len(message) < 200 and "seller_id: 'zzz" in message and "\u2026" in message


def test_a_damaged_run_folder_is_one_line(run_folder, tmp_path):
    damaged = tmp_path / "run"
    shutil.copytree(run_folder, damaged)
    (damaged / "journal.npz").write_bytes(b"PK\x03\x04 cut short")
    with pytest.raises(DataError, match=r"run: not a readable run folder \("):
        from_run(damaged)


def test_a_seller_of_another_brand_is_an_end_user_of_this_one(tmp_path):
    orders = VALID["orders.csv"] + "2025-03-11,x,c,1,60,retail,true\n"  # x sells `other`, buys `glow`
    data = read_data(make(tmp_path / "in", {"orders.csv": orders}))
    assert data.orders["buyer_is_participant"].tolist()[-1]
    glow = data.for_brand("glow")
    last = glow.orders.iloc[-1]
    assert last["buyer_id"] == "x" and not last["buyer_is_participant"]
    write_data(glow, tmp_path / "glow")  # so the slice is valid data on its own
    assert_same(glow, read_data(tmp_path / "glow"))


def assert_same(a: NetworkData, b: NetworkData) -> None:
    for name in ("participants", "orders", "payouts", "claims"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True, obj=name)
    assert (a.start_date, a.days) == (b.start_date, b.days)


def test_write_then_read_gives_equal_frames(tmp_path):
    data = read_data(make(tmp_path / "in", {}))
    out = tmp_path / "out"
    out.mkdir()
    (out / "stale.txt").write_text("replaced")  # an existing folder is replaced whole
    write_data(data, out)
    assert sorted(p.name for p in out.iterdir()) == ["claims.csv", "orders.csv", "participants.csv",
                                                      "payouts.csv", "period.csv"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folder left
    rows = read_rows(out / "orders.csv")
    assert rows[3]["date"] == "2025-03-06" and rows[3]["buyer_is_participant"] == "false"
    assert rows[0]["brand"] == "glow"
    assert read_rows(out / "participants.csv")[1]["exit_date"] == "2025-03-20"
    assert_same(data, read_data(out))


# -- simulated runs as data -----------------------------------------------------------------------
RUNS = {
    "pyramid": ["pyramid"],
    "pyramid_buyback": ["pyramid", "--set", "brands.0.buyback_share=0.9",
                        "--set", "brands.0.buyback_days=365"],
    "mixed_market": ["mixed_market"],  # two brands
}


@pytest.fixture(scope="module", params=list(RUNS))
def run_folder(request, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / request.param
    args = ["run", *RUNS[request.param], "--days", "40", "--set", "population.people=300", "--out", str(out),
            "-q"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return out


def test_from_run_matches_the_run_folder(run_folder):
    data = from_run(run_folder)
    agents = read_rows(run_folder / "agents.csv")
    meta = json.loads((run_folder / "meta.json").read_text())
    assert data.participants["id"].tolist() == [r["id"] for r in agents]
    p = data.participants
    assert p["upline_id"].tolist() == [r["upline"] if r["upline"] != "-1" else "" for r in agents]
    assert p["tier"].tolist() == [meta["tiers"][r["brand"]][int(r["tier"]) - 1] for r in agents]
    assert p["join_day"].tolist() == [int(r["join_day"]) for r in agents]
    assert p["exit_day"].tolist() == [int(r["exit_day"]) for r in agents]
    # Days run from the set-up (day 0) to the last dated event; quiet days at the end are not in the data.
    assert data.start_date == date(2025, 1, 1) and 0 < data.days <= meta["days"] + 1
    assert data.brands() == sorted({r["brand"] for r in agents}) and set(data.brands()) <= set(meta["brands"])

    ledger = {r["kind"]: r for r in read_rows(run_folder / "ledger.csv")}
    units = data.orders.groupby("kind")["units"].sum()
    for kind, ours in ORDER_KIND.items():
        assert int(units.get(ours, 0)) == int(ledger[kind]["units"]), kind
    money = (data.orders["units"] * data.orders["unit_price"]).groupby(data.orders["kind"]).sum()
    assert money.get("buyback", 0.0) == pytest.approx(float(ledger["buyback"]["amount"]))
    bonuses = data.payouts.groupby("reason")["amount"].sum()
    for reason in ("recruit_bonus", "team_bonus"):  # each reason is the sum of the kinds paid for it
        kinds = [k for k, r in REASON.items() if r == reason]
        paid = sum(float(ledger[k]["amount"]) for k in kinds if k in ledger)
        assert bonuses.get(reason, 0.0) == pytest.approx(paid, abs=0.01), kinds

    # Retail to people who were not selling that day is what the run's series counted as such.
    series = read_rows(run_folder / "timeseries.csv")
    retail = data.orders[data.orders["kind"] == "retail"]
    assert int(retail.loc[~retail["buyer_is_participant"], "units"].sum()) == sum(
        int(r["retail_nonparticipant_units"]) for r in series)
    claims = [r for r in agents if int(r["income_posts"]) > 0]
    assert data.claims["participant_id"].tolist() == [r["id"] for r in claims]


def test_from_run_survives_write_and_read(run_folder, tmp_path):
    data = from_run(run_folder, start_date=date(2024, 6, 1))
    assert data.start_date == date(2024, 6, 1)
    write_data(data, tmp_path / "data")
    assert_same(data, read_data(tmp_path / "data"))
    for brand in data.brands():  # each brand's slice is a valid data set on its own
        write_data(data.for_brand(brand), tmp_path / brand)
        assert len(read_data(tmp_path / brand).participants) == len(data.for_brand(brand).participants)


def test_period_file_keeps_quiet_days_at_the_end(tmp_path):
    # A run covers days 0..40 even when nothing is dated after day 34: the period says so.
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["run", "pyramid", "--days", "40", "--set", "population.people=300",
                                       "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    data = from_run(out)
    assert data.days == 41
    write_data(data, tmp_path / "data")
    assert read_data(tmp_path / "data").days == 41
    (tmp_path / "data" / "period.csv").write_text("start_date,end_date\n2025-01-05,2025-01-02\n")
    with pytest.raises(DataError, match="period.csv: row 1: end_date is before start_date"):
        read_data(tmp_path / "data")
    (tmp_path / "data" / "period.csv").write_text("start_date,end_date\n2025-01-02,2025-02-01\n")
    with pytest.raises(DataError, match="period.csv: some dates fall outside"):
        read_data(tmp_path / "data")


def assert_same_data(a: NetworkData, b: NetworkData) -> None:
    for name in ("participants", "orders", "payouts", "claims"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    assert (a.start_date, a.days) == (b.start_date, b.days)


@pytest.mark.parametrize("scenario", ["pyramid", "mixed_market"])
def test_from_model_day_by_day_is_the_run_folder_read_back(scenario, tmp_path):
    # A LiveConverter converts only the journal entries added since its last read of the model, and
    # reads the sellers from the model's arrays: the result must be what the written run gives, each day.
    model = WeishangModel(load_scenario(scenario, {"population.people": 400}), seed=2)
    converter = LiveConverter()
    for day in range(1, 101):  # sellers start quitting after day 60 or so
        model.step()
        live = converter.read(model)
        if day in (1, 2, 30, 100):
            write_run(model, tmp_path / str(day), 0.0, figures=False)
            assert_same_data(live, from_run(tmp_path / str(day)))
    own = set(vars(model))
    assert_same_data(live, from_model(model))  # the same, converted from scratch
    converter.read(model)
    assert set(vars(model)) == own  # the converters keep their state themselves, not on the model
    assert len(live.orders) > 40 and len(live.payouts) > 0 and live.participants["exit_day"].max() >= 0


def test_journal_order_kinds_map_onto_the_schema_kinds():
    # The converter's one table: the ledger's stock orders are the schema's, every order kind is met.
    assert tuple(ORDER_KIND[k] for k in WHOLESALE) == STOCK_ORDER_KINDS
    assert sorted(ORDER_KIND.values()) == sorted(ORDER_KINDS)
    assert {k: v for k, v in ORDER_KIND.items() if k != v} == {"entry_order": "entry"}


def test_every_bonus_kind_becomes_a_payout_reason_of_the_schema():
    from sim.model.ledger import BONUSES
    from sim.risk.convert import REASON
    from sim.risk.schema import REASONS

    assert set(REASON) == set(BONUSES)
    assert set(REASON.values()) <= set(REASONS)
