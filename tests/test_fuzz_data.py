"""The data reader (`read_data`) under hostile input: a valid exported data folder, mutated.

Each example changes cells, headers, rows or raw bytes of one small exported folder (two brands,
made once for the module) and reads it back. The reader must either read it cleanly -- and then
the data keep the schema's promises and every brand scores without error -- or refuse it with a
DataError of one short line naming the file (and, for a bad value, the row and the column).
Any other exception is a bug.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import WeishangModel, load_scenario
from sim.model import bundled
from sim.risk.convert import from_model
from sim.risk.indicators import score
from sim.risk.schema import COLUMNS, MAX_COUNT, MAX_MONEY, DataError, read_data
from sim.risk.writer import write_data

FILES = ("participants.csv", "orders.csv", "payouts.csv", "claims.csv", "period.csv")
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Values a hostile or careless file holds: out-of-range and wrapped integers, non-ASCII digits,
# special floats, other date forms, reserved ids, control characters, long text.
NASTY = ["", " ", "-1", "-0", "0", "+5", "1.5", "1e20", "1e400", "-1e400", str(2**63), str(2**64 + 1),
         "9" * 30, str(MAX_COUNT + 1), "\u00b2", "\u0663", "\uff13", "\u0661\u0662", "nan", "inf", "-inf",
         "1_000", "0x1F", "1,000", "20250101", "2025-02-30", "2025-13-01", "9999-12-31", "0001-01-01",
         "2025-W01-1", "\u0662\u0660\u0662\u0665-01-01", "brand", "market", "true", "YES", "maybe", "\x00",
         "\ufeff", "a\nb", '"', "entry", "retail", "dump", "buyback", "restock", "other", "x" * 500]


@functools.cache
def base() -> dict[str, bytes]:
    """A small valid data folder's files (two brands, some months of a mixed market), as bytes; made
    once for the module (a plain cached function, not a fixture: hypothesis would print it whole)."""
    scenario = load_scenario(bundled.resolve("mixed_market"), {"population.people": 300, "run.days": 100})
    model = WeishangModel(scenario)
    model.run(100)
    with tempfile.TemporaryDirectory() as folder:
        write_data(from_model(model), Path(folder))
        files = {name: (Path(folder) / name).read_bytes() for name in FILES}
    assert all(files.values())
    return files


def rows_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def as_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def check(files: dict[str, bytes | None]) -> None:
    """Write the files (None: left out) and read them: a clean read or a one-line DataError."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        folder.mkdir()
        for name, data in files.items():
            if data is not None:
                (folder / name).write_bytes(data)
        try:
            data = read_data(folder)
        except DataError as exc:
            assert_one_line(str(exc), folder)
            return
        # A clean read keeps the schema's promises ...
        assert data.days >= 1 and len(data.participants) > 0
        o, c, pay = data.orders, data.claims, data.payouts
        for frame, column, top in ((o, "units", MAX_COUNT), (c, "income_posts", MAX_COUNT),
                                   (o, "unit_price", MAX_MONEY), (pay, "amount", MAX_MONEY)):
            values = frame[column].to_numpy(dtype=float)
            assert np.isfinite(values).all() and (values >= 0).all() and (values <= top).all(), column
        for frame, column in ((data.participants, "join_day"), (data.orders, "day"), (data.payouts, "day")):
            assert frame[column].between(0, data.days - 1).all(), column
        # ... and every brand scores (a brand with nobody in it, a tree with no top, would not).
        brands = data.brands()
        for brand in brands:
            score(data.for_brand(brand) if len(brands) > 1 else data)


def assert_one_line(message: str, folder: Path) -> None:
    """One line, short, naming the file; a bad value also its row and its column."""
    assert "\n" not in message and "\r" not in message, message
    rest = message.removeprefix(f"{folder}/")
    assert rest != message and len(rest) <= 300, message
    name, _, problem = rest.partition(": ")
    assert name in FILES, message
    if (row := re.match(r"row \d+: (.*)", problem)) is not None:
        what = row.group(1)
        columns = {c for c, _, _ in COLUMNS[name]}
        assert (re.split(r"[: ]", what)[0] in columns or re.match(r"\d+ values, the header has \d+", what)
                or what.startswith("a NUL byte")), message


# -- the mutations ----------------------------------------------------------------------------------
value = st.one_of(st.sampled_from(NASTY), st.text(max_size=12), st.integers().map(str),
                  st.floats(allow_nan=True, allow_infinity=True).map(repr), st.dates().map(str))
which = st.sampled_from(FILES)


@FUZZ
@given(data=st.data())
def test_mutated_cells(data):
    files = dict(base())
    for _ in range(data.draw(st.integers(1, 3))):
        name = data.draw(which)
        rows = rows_of(files[name])
        r = data.draw(st.integers(1, len(rows) - 1)) if len(rows) > 1 else 0
        c = data.draw(st.integers(0, len(rows[r]) - 1))
        rows[r][c] = data.draw(value)
        files[name] = as_csv(rows)
    check(files)


@FUZZ
@given(data=st.data())
def test_mutated_headers(data):
    files = dict(base())
    name = data.draw(which)
    rows = rows_of(files[name])
    header = rows[0]
    k = data.draw(st.integers(0, len(header) - 1))
    action = data.draw(st.sampled_from(["drop", "twice", "rename", "swap", "nul", "upper", "extra", "blank"]))
    if action == "drop":  # the column goes, with its cells
        rows = [row[:k] + row[k + 1:] for row in rows]
    elif action == "twice":
        rows = [row + [row[k]] for row in rows]
    elif action == "rename":
        names = [c for c, _, _ in COLUMNS[name]]
        header[k] = data.draw(st.one_of(st.text(max_size=12), st.sampled_from(names)))
    elif action == "swap":  # the names change places, the cells stay
        j = data.draw(st.integers(0, len(header) - 1))
        header[k], header[j] = header[j], header[k]
    elif action == "nul":
        header[k] = header[k][:1] + "\x00" + header[k][1:]
    elif action == "upper":
        header[k] = header[k].upper()
    elif action == "extra":
        rows = [row + [data.draw(value)] for row in rows]
    else:
        header[k] = ""
    files[name] = as_csv(rows)
    check(files)


@FUZZ
@given(data=st.data())
def test_mutated_rows_and_files(data):
    files: dict[str, bytes | None] = dict(base())
    name = data.draw(which)
    rows = rows_of(base()[name])
    r = data.draw(st.integers(0, len(rows) - 1))
    action = data.draw(st.sampled_from(["delete", "duplicate", "short", "long", "blank", "only_header",
                                        "empty", "absent", "swap_files"]))
    if action == "delete":
        del rows[r]
    elif action == "duplicate":
        rows.insert(r, list(rows[r]))
    elif action == "short":
        rows[r] = rows[r][:-1]
    elif action == "long":
        rows[r] = [*rows[r], "x"]
    elif action == "blank":
        rows.insert(r, [])
    elif action == "only_header":
        rows = rows[:1]
    if action == "empty":
        files[name] = b""
    elif action == "absent":
        files[name] = None
    elif action == "swap_files":
        other = data.draw(which)
        files[name], files[other] = base()[other], base()[name]
    else:
        files[name] = as_csv(rows)
    check(files)


@FUZZ
@given(data=st.data())
def test_mutated_bytes_and_encodings(data):
    files = dict(base())
    name = data.draw(which)
    raw = bytearray(base()[name])
    action = data.draw(st.sampled_from(["flip", "insert", "cut", "truncate", "utf16", "latin1", "bom", "crlf",
                                        "cr"]))
    at = data.draw(st.integers(0, len(raw)))
    if action == "flip" and raw:
        raw[min(at, len(raw) - 1)] = data.draw(st.integers(0, 255))
    elif action == "insert":
        raw[at:at] = data.draw(st.binary(min_size=1, max_size=8))
    elif action == "cut":
        del raw[at:at + data.draw(st.integers(1, 40))]
    elif action == "truncate":
        del raw[at:]
    elif action in ("utf16", "latin1"):
        text = raw.decode("utf-8") + "\u00e9\u4e2d\n" * (action == "latin1")
        raw = bytearray(text.encode("utf-16" if action == "utf16" else "latin-1", errors="replace"))
    elif action == "bom":
        raw[0:0] = "\ufeff".encode()
    else:
        raw = bytearray(raw.replace(b"\n", b"\r\n" if action == "crlf" else b"\r"))
    files[name] = bytes(raw)
    check(files)


def test_the_unmutated_folder_reads_and_scores():
    # The base of every example is valid, so a refusal above is the mutation's doing.
    check(dict(base()))
