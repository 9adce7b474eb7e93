"""A batch's results as columnar tables: Parquet parts of the daily series, queried with DuckDB.

Reading one run's timeseries.csv costs ~30 ms; an aggregate over 10,000 runs spent minutes parsing
text. So each batch worker also writes its run's series as one Parquet part (the run folder's
CSVs stay as they are, for spreadsheets and every older reader):

    BATCH/series/scenario=NAME/point_id=POINT/RUN_ID.parquet

a row a day, with the columns of timeseries.csv (`day` an integer, the rest floats) and run_id,
scenario, point_id and replicate. The folder names lay the dataset out by scenario and point for
other tools; the columns are in the files too, so no reader has to decode folder names. A part is
written atomically (hidden `.RUN_ID.parquet.tmp`, then renamed) after the run folder; the
manifest marks a run done only after both, and the readers take the parts of done runs only, so a
part left by a run killed before it was recorded is never read (its rerun replaces it).

`summary.parquet` sits next to summary.csv with the same rows. A batch made before the parts
existed gets them on first use, from its runs' timeseries.csv (`series_parts`).

`connect` gives a DuckDB connection with the views `series`, `summary` and `manifest`, with file
access switched off and the configuration locked before any SQL from the user runs: a query can
read those three tables and nothing else, and write nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from sim.common.files import atomic_file, atomic_folder, remove_leftovers
from sim.common.text import cut, short_path

SERIES = "series"  # the dataset's folder in a batch
IDS = ("run_id", "scenario", "point_id", "replicate")  # the columns a part adds to the run's series
TABLES = ("series", "summary", "manifest")


class StoreError(ValueError):
    """Not a batch, or a query DuckDB refuses; str() is one short line."""


def part_path(batch: Path, scenario: str, point_id: str, run_id: str) -> Path:
    """Where a run's part of the series dataset goes."""
    return Path(batch) / SERIES / f"scenario={scenario}" / f"point_id={point_id}" / f"{run_id}.parquet"


def series_table(columns: Mapping[str, Sequence], run_id: str, scenario: str, point_id: str,
                 replicate: int) -> pa.Table:
    """A run's daily series (column name -> values, as the DataCollector holds them) as a table."""
    days = len(next(iter(columns.values()))) if columns else 0
    ids = {"run_id": pa.array([run_id] * days), "scenario": pa.array([scenario] * days),
           "point_id": pa.array([point_id] * days), "replicate": pa.array([replicate] * days, pa.int32())}
    # One type per column whatever the run: day an integer, every measure a float (a count that is
    # an int in one run must not be a double in another, or the parts would not stack).
    values = {name: pa.array(np.asarray(v, dtype=np.int64 if name == "day" else np.float64))
              for name, v in columns.items()}
    return pa.table({**ids, **values})


def write_part(batch: Path, columns: Mapping[str, Sequence], run_id: str, scenario: str, point_id: str,
               replicate: int) -> Path:
    """Write a run's part atomically (through the Python file object, so a full disk is an OSError
    like every other write of the batch)."""
    path = part_path(batch, scenario, point_id, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = series_table(columns, run_id, scenario, point_id, replicate)
    with atomic_file(path, "wb") as handle:
        pq.write_table(table, handle, compression="zstd")
    return path


def tidy(batch: Path) -> None:
    """Remove the temporary parts that workers killed mid-write left."""
    for folder in (Path(batch) / SERIES).glob("*/*"):
        remove_leftovers(folder)


def read_part(path: Path) -> dict[str, np.ndarray]:
    """A part's series as column name -> array (the id columns left out), as read from the CSV."""
    table = pq.read_table(path)
    return {name: table.column(name).to_numpy() for name in table.column_names if name not in IDS}


def _csv_columns(path: Path) -> dict[str, np.ndarray]:
    table = pacsv.read_csv(path)
    return {name: table.column(name).to_numpy() for name in table.column_names}


def series_parts(batch: Path, manifest: dict) -> list[Path]:
    """The parts of the runs the manifest marks done; a done run without one (a batch made before
    the parts) gets it now, from its timeseries.csv."""
    batch = Path(batch)
    paths = []
    for run_id, record in manifest["runs"].items():
        if record["status"] != "done":
            continue
        path = part_path(batch, record["scenario"], record["point_id"], run_id)
        if not path.is_file():
            csv_file = batch / "runs" / run_id / "timeseries.csv"
            if not csv_file.is_file():
                continue  # marked done but its folder is gone: the report lists it; no series
            write_part(batch, _csv_columns(csv_file), run_id, record["scenario"], record["point_id"],
                       record["replicate"])
        paths.append(path)
    return paths


def write_summary_parquet(batch: Path) -> Path:
    """summary.parquet from summary.csv (same rows; numbers typed as CSV readers infer them; the
    text columns kept as text even when empty)."""
    batch = Path(batch)
    text = {name: pa.string() for name in ("run_id", "scenario", "point_id", "status", "error")}
    table = pacsv.read_csv(batch / "summary.csv", convert_options=pacsv.ConvertOptions(
        column_types=text, strings_can_be_null=False))
    path = batch / "summary.parquet"
    with atomic_file(path, "wb") as handle:
        pq.write_table(table, handle)
    return path


def manifest_table(manifest: dict) -> pa.Table:
    """One row per planned run: ids, seed, status, seconds, error and the point as JSON."""
    rows = [{"run_id": run_id, "scenario": r["scenario"], "point_id": r["point_id"],
             "replicate": r["replicate"], "seed": r["seed"], "status": r["status"],
             "seconds": r.get("seconds"), "error": r.get("error") or "",
             "point": json.dumps(r.get("point") or {}, sort_keys=True)}
            for run_id, r in manifest["runs"].items()]
    schema = pa.schema([("run_id", pa.string()), ("scenario", pa.string()), ("point_id", pa.string()),
                        ("replicate", pa.int32()), ("seed", pa.int64()), ("status", pa.string()),
                        ("seconds", pa.float64()), ("error", pa.string()), ("point", pa.string())])
    return pa.Table.from_pylist(rows, schema=schema)


def load_manifest(batch: Path) -> dict:
    """The batch's manifest; StoreError when the folder holds none (or an unreadable one)."""
    path = Path(batch) / "manifest.json"
    if not path.is_file():
        raise StoreError(f"{short_path(batch)}: not a batch folder (no manifest.json); give a folder "
                         "made by weishang batch or sweep")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(manifest.get("runs"), dict):
            raise ValueError("no runs")
    except (ValueError, AttributeError, UnicodeDecodeError):
        raise StoreError(f"{short_path(path)}: not a batch manifest (unreadable JSON or no runs)") from None
    return manifest


def _dataset(paths: list[Path]) -> pads.Dataset:
    """The parts as one dataset; its schema the union of every partition's (scenarios with more
    tiers have more columns: the others read them as null). Parts of a partition share a schema,
    so one file's is read per partition."""
    first: dict[Path, Path] = {}
    for path in paths:
        first.setdefault(path.parent, path)
    if not first:
        return pads.dataset(pa.table({"run_id": pa.array([], pa.string())}))
    schema = pa.unify_schemas([pq.read_schema(p) for p in first.values()])
    return pads.dataset([str(p) for p in paths], schema=schema, format="parquet")


def connect(batch: Path):
    """A DuckDB connection over the batch's `series`, `summary` and `manifest`, locked down: no file
    access, no Python variables as tables, no configuration changes."""
    import duckdb  # here: only the commands that query pay for importing it

    batch = Path(batch)
    manifest = load_manifest(batch)
    con = duckdb.connect(":memory:")
    summary_file = batch / "summary.parquet"
    if not summary_file.is_file() and (batch / "summary.csv").is_file():
        write_summary_parquet(batch)  # a batch made before summary.parquet
    summary = (pq.read_table(summary_file) if summary_file.is_file()
               else pa.table({"run_id": pa.array([], pa.string())}))
    # The tables come in through Python (Arrow), so DuckDB itself needs no file access at all.
    con.register("series", _dataset(series_parts(batch, manifest)))
    con.register("summary", summary)
    con.register("manifest", manifest_table(manifest))
    for setting in ("enable_external_access=false", "python_enable_replacements=false",
                    "autoinstall_known_extensions=false", "autoload_known_extensions=false",
                    "lock_configuration=true"):
        con.execute(f"SET {setting}")
    return con


def query(batch: Path, sql: str) -> pa.Table:
    """Run SQL over the batch's tables (`series`, `summary`, `manifest`); the result as an Arrow table
    (`.to_pandas()` for a DataFrame). StoreError (one line) for a folder that is not a batch or SQL
    that DuckDB refuses."""
    import duckdb

    con = connect(batch)
    try:
        result = con.sql(sql)  # None for a statement with no result (CREATE ...)
        return result.to_arrow_table() if result is not None else pa.table({})
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StoreError(f"query: {cut(first, 100)}") from None
    finally:
        con.close()


def write_table_csv(table: pa.Table, path: Path) -> None:
    """A table as CSV with a header, atomically."""
    with atomic_file(Path(path), "wb") as handle:
        pacsv.write_csv(table, handle)


def export_csv(batch: Path, out: Path, force: bool = False) -> Path:
    """OUT/series.csv (every done run's days, with the id columns) and OUT/summary.csv, as a folder
    that appears whole or not at all."""
    con = connect(batch)
    try:
        series = con.sql("SELECT * FROM series ORDER BY scenario, point_id, replicate, day").to_arrow_table()
        summary = con.sql("SELECT * FROM summary").to_arrow_table()
    finally:
        con.close()

    def build(tmp: Path) -> None:
        write_table_csv(series, tmp / "series.csv")
        write_table_csv(summary, tmp / "summary.csv")

    return atomic_folder(Path(out), build, force)


def read_runs(batch: Path, records: Iterable[dict]) -> list[dict[str, np.ndarray]]:
    """The series of these done runs (manifest records with run_id), from their parts, written from
    timeseries.csv first where missing."""
    records = list(records)
    manifest = {"runs": {r["run_id"]: {**r, "status": "done"} for r in records}}
    return [read_part(p) for p in series_parts(batch, manifest)]
