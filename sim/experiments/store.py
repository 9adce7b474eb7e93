"""A batch's results as columnar tables: the daily series as a Parquet dataset, queried with DuckDB.

Reading one run's timeseries.csv costs ~30 ms; an aggregate over 10,000 runs spent minutes parsing
text. So each batch worker also writes its run's series as one Parquet part (the run folder's
CSVs stay as they are, for spreadsheets and every older reader), and when the batch writes its
tables each partition's parts are merged into one compacted file (`sim.experiments.compact`: the
layout, the compaction, and which file holds each run's rows):

    BATCH/series/scenario=NAME/point_id=POINT/runs.parquet      (and RUN_ID.parquet until compacted)

a row a day, with the columns of timeseries.csv (`day` an integer, the rest floats) and run_id,
scenario, point_id and replicate. The folder names lay the dataset out by scenario and point for
other tools; the columns are in the files too, so no reader has to decode folder names. A part is
written atomically (hidden `.RUN_ID.parquet.tmp`, then renamed) after the run folder; the
manifest marks a run done only after both, and the readers take the rows of done runs only, each
run's from one file, so a part left by a run killed before it was recorded is never read (its
rerun replaces it) and no run is counted twice.

`summary.parquet` sits next to summary.csv with the same rows. A batch made before the parts
existed is compacted on first use, from its runs' timeseries.csv; on a disk that cannot be written
the tables are built in memory instead.

`connect` gives a DuckDB connection with the views `series`, `summary` and `manifest`, with file
access switched off and the configuration locked before any SQL from the user runs: a query can
read those three tables and nothing else, and write nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from sim.common.files import atomic_file, atomic_folder
from sim.common.text import cut, short_path
from sim.experiments import compact

TABLES = ("series", "summary", "manifest")
TEXT_IDS = ("run_id", "scenario", "point_id")  # the text columns of the series
TEXT_ID = pa.dictionary(pa.int32(), pa.string())


class StoreError(ValueError):
    """Not a batch, or a query DuckDB refuses; str() is one short line."""


def done_records(manifest: dict) -> list[dict]:
    """The manifest's records of the runs it marks done, each with its run_id."""
    return [{**r, "run_id": run_id} for run_id, r in manifest["runs"].items() if r["status"] == "done"]


def series_dataset(batch: Path, manifest: dict) -> pads.Dataset:
    """The done runs' rows as one dataset (`compact.locate` says which file holds each run's); its
    schema the union of every partition's (scenarios with more tiers have more columns: the others
    read them as null). A batch made before the parts is compacted now, from its runs' CSVs; when
    that cannot be written (a read-only disk) the CSVs' tables are held in memory instead."""
    records = done_records(manifest)
    partitions = compact.locate(batch, records)
    if any(p.csv for p in partitions):
        with suppress(OSError):
            for p in partitions:
                if p.csv:
                    compact.compact_partition(p)
        partitions = compact.locate(batch, records)
    files, skipped, tables, schemas = [], set(), [], []
    for p in partitions:
        if p.from_compacted and p.skipped & p.parts.keys():
            # Runs with a part of their own as well (a rerun, or a kill before the parts were
            # deleted): a filter on the whole dataset would drop their parts too, so this file's
            # wanted rows are read here, until the next compaction.
            tables.append(compact.read_compacted(p))
        elif p.from_compacted:
            files.append(str(p.compacted))
            skipped |= p.skipped  # rows of runs no longer done: no other file holds them
        files += [str(path) for path in p.parts.values()]
        tables += [compact.csv_table(*source) for source in p.csv.values()]
        schemas.append(compact.partition_schema(p))
    if not files and not tables:
        return pads.dataset(pa.table({"run_id": pa.array([], pa.string())}))
    # The text ids read as dictionaries (SQL still sees text): decoding 10,000 runs' days into one
    # string each cost as much as the rest of a GROUP BY scenario.
    schema = pa.schema([f.with_type(TEXT_ID) if f.name in TEXT_IDS else f for f in pa.unify_schemas(schemas)])
    children = [pads.dataset(files, schema=schema, format=pads.ParquetFileFormat(
        read_options=pads.ParquetReadOptions(dictionary_columns=TEXT_IDS)))] if files else []
    if tables:
        children.append(pads.dataset(pa.concat_tables([compact.conform(t, schema) for t in tables])))
    dataset = children[0] if len(children) == 1 else pads.dataset(children, schema=schema)
    # Rows of runs no longer done stay in the compacted file until the batch compacts again.
    return dataset.filter(~pc.field("run_id").isin(sorted(skipped))) if skipped else dataset


def summary_table(batch: Path) -> pa.Table:
    """summary.csv as a table (numbers typed as CSV readers infer them; the text columns kept as
    text even when empty)."""
    text = {name: pa.string() for name in ("run_id", "scenario", "point_id", "status", "error")}
    return pacsv.read_csv(Path(batch) / "summary.csv", convert_options=pacsv.ConvertOptions(
        column_types=text, strings_can_be_null=False))


def write_summary_parquet(batch: Path) -> Path:
    """summary.parquet from summary.csv (the same rows)."""
    path = Path(batch) / "summary.parquet"
    with atomic_file(path, "wb") as handle:
        pq.write_table(summary_table(batch), handle)
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


def connect(batch: Path):
    """A DuckDB connection over the batch's `series`, `summary` and `manifest`, locked down: no file
    access, no Python variables as tables, no configuration changes."""
    import duckdb  # here: only the commands that query pay for importing it

    batch = Path(batch)
    manifest = load_manifest(batch)
    con = duckdb.connect(":memory:")
    summary_file = batch / "summary.parquet"
    if summary_file.is_file():
        summary = pq.read_table(summary_file)
    elif (batch / "summary.csv").is_file():  # a batch made before summary.parquet
        summary = summary_table(batch)
        with suppress(OSError):  # a read-only disk: the table in memory serves as well
            write_summary_parquet(batch)
    else:
        summary = pa.table({"run_id": pa.array([], pa.string())})
    # The tables come in through Python (Arrow), so DuckDB itself needs no file access at all.
    con.register("series", series_dataset(batch, manifest))
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
    """The series of these done runs (manifest records with run_id), in their order, column name ->
    array; each partition's compacted file read once (`compact.read_runs`). Nothing is written."""
    return compact.read_runs(batch, records)
