"""The files of a batch's series dataset: per-run parts, each partition's compacted file, and which
file holds each done run's rows.

    BATCH/series/scenario=NAME/point_id=POINT/RUN_ID.parquet    a run's part, written by its worker
    BATCH/series/scenario=NAME/point_id=POINT/runs.parquet      the partition, compacted

A worker writes its run's part (atomically, after the run folder). Opening a file costs ~1 ms
whatever a query reads from it (its footer describes ~55 columns), so when the batch writes its
tables (`compact_batch`, at its end and after Ctrl-C) each partition's done runs are merged into
one `runs.parquet` (run ids look like NAME__POINT__r00001: no clash), streamed in row groups of
ROW_GROUP rows, the run ids it holds in its footer's key-value metadata, written atomically, and
only then the parts it absorbed are deleted. A resumed batch merges the compacted file with the new
parts the same way; the rows of a run stay contiguous.

Which rows are a done run's (`locate`; each partition folder is listed once): its part when it has
one (a rerun, or a process killed after the rename but before the deletes), else its rows in the
compacted file, else (a batch made before the parts) its run folder's timeseries.csv. A compacted
file's rows of runs not to be read (no longer done, or with a part of their own) are filtered out,
so no run is counted twice or read when the manifest does not call it done.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from sim.common.files import atomic_file, remove_leftovers

SERIES = "series"  # the dataset's folder in a batch
COMPACT = "runs.parquet"  # a partition's compacted file
RUN_IDS = b"weishang.run_ids"  # its footer's key: the run ids it holds, as a JSON list
IDS = ("run_id", "scenario", "point_id", "replicate")  # the columns a part adds to the run's series
# Rows per row group of a compacted file: ~550 one-year runs, ~90 MB of floats in memory at a time
# (a partition can hold 5,000 runs x 365 days x ~55 columns: it is never built whole).
ROW_GROUP = 200_000


def part_path(batch: Path, scenario: str, point_id: str, run_id: str) -> Path:
    """Where a run's part of the series dataset goes."""
    return Path(batch) / SERIES / f"scenario={scenario}" / f"point_id={point_id}" / f"{run_id}.parquet"


def series_table(columns: Mapping[str, Sequence], run_id: str, scenario: str, point_id: str,
                 replicate: int) -> pa.Table:
    """A run's daily series (column name -> values, as the DataCollector holds them) as a table."""
    days = len(next(iter(columns.values()))) if columns else 0
    ids = {"run_id": pa.array([run_id] * days, pa.string()),
           "scenario": pa.array([scenario] * days, pa.string()),
           "point_id": pa.array([point_id] * days, pa.string()),
           "replicate": pa.array([replicate] * days, pa.int32())}
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
    """Remove the temporary parts and compacted files that processes killed mid-write left."""
    for folder in (Path(batch) / SERIES).glob("*/*"):
        remove_leftovers(folder)


def columns_of(table: pa.Table) -> dict[str, np.ndarray]:
    """A run's table as column name -> array, the id columns left out (as read from the CSV)."""
    return {name: table.column(name).to_numpy() for name in table.column_names if name not in IDS}


def read_part(path: Path) -> dict[str, np.ndarray]:
    """A part's series as column name -> array (the id columns left out), as read from the CSV."""
    return columns_of(pq.read_table(path))


def csv_table(path: Path, record: Mapping) -> pa.Table:
    """A run's timeseries.csv as the table its part would hold."""
    return series_table(columns_of(pacsv.read_csv(path)), record["run_id"], record["scenario"],
                        record["point_id"], record["replicate"])


def _csv_schema(path: Path) -> pa.Schema:
    with open(path, encoding="utf-8") as handle:  # the header is enough: the types are fixed
        names = handle.readline().strip().split(",")
    return series_table({name: [] for name in names}, "", "", "", 0).schema


@dataclass
class Partition:
    """One scenario-and-point folder of the dataset and where each wanted run's rows are."""

    folder: Path
    compacted: Path | None = None  # runs.parquet, when the folder holds one
    schema: pa.Schema | None = None  # the compacted file's
    stored: list[str] = field(default_factory=list)  # the run ids it holds, in its order
    held: set[str] = field(default_factory=set)  # the same, as a set
    from_compacted: set[str] = field(default_factory=set)  # the wanted runs read from it
    parts: dict[str, Path] = field(default_factory=dict)  # run id -> its part
    csv: dict[str, tuple[Path, Mapping]] = field(default_factory=dict)  # run id -> timeseries.csv, record

    @property
    def skipped(self) -> set[str]:
        """Run ids in the compacted file whose rows must not be read."""
        return self.held - self.from_compacted

    @property
    def keep(self) -> pa.Array | None:
        """The run ids to read from the compacted file, or None when all of them are wanted."""
        return pa.array(sorted(self.from_compacted)) if self.skipped else None

    @property
    def settled(self) -> bool:
        """Compacted already: every wanted run is in the compacted file, which holds nothing else."""
        return not (self.parts or self.csv or self.skipped)


def compacted_runs(path: Path) -> tuple[list[str], pa.Schema]:
    """The run ids a compacted file holds and its schema, from its footer alone."""
    metadata = pq.read_metadata(path)
    return json.loads(metadata.metadata[RUN_IDS]), metadata.schema.to_arrow_schema().remove_metadata()


def _names(folder: Path) -> set[str]:
    try:
        with os.scandir(folder) as entries:
            return {entry.name for entry in entries}
    except (FileNotFoundError, NotADirectoryError):
        return set()


def locate(batch: Path, records: Iterable[Mapping]) -> list[Partition]:
    """Where the rows of these runs (manifest records with run_id, taken as done) are, partition by
    partition; runs with no series anywhere (their run folder removed) are left out."""
    batch = Path(batch)
    groups: dict[tuple[str, str], list[Mapping]] = {}
    for record in records:
        groups.setdefault((record["scenario"], record["point_id"]), []).append(record)
    partitions = []
    for (scenario, point_id), group in groups.items():
        p = Partition(part_path(batch, scenario, point_id, "").parent)
        names = _names(p.folder)
        if COMPACT in names:
            p.compacted = p.folder / COMPACT
            p.stored, p.schema = compacted_runs(p.compacted)
            p.held = set(p.stored)
        for record in group:
            run_id = record["run_id"]
            if f"{run_id}.parquet" in names:
                p.parts[run_id] = p.folder / f"{run_id}.parquet"
            elif run_id in p.held:
                p.from_compacted.add(run_id)
            elif (csv_file := batch / "runs" / run_id / "timeseries.csv").is_file():
                p.csv[run_id] = (csv_file, record)
        partitions.append(p)
    return partitions


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """The table with the schema's columns in its order (null where the table has none)."""
    if table.schema.remove_metadata().equals(schema):
        return table  # the rule: every part of a partition has its schema
    names = set(table.column_names)
    return pa.table([table.column(f.name).cast(f.type) if f.name in names
                     else pa.nulls(table.num_rows, f.type) for f in schema], schema=schema)


def partition_schema(p: Partition, every: bool = False) -> pa.Schema:
    """The union of the partition's files' schemas. A partition's parts share one, so a query reads
    one part's; compaction (`every`) reads them all, so that no column of a part made by other code
    (a batch resumed after an upgrade) could be dropped for good."""
    schemas = [p.schema] if p.schema is not None and p.from_compacted else []
    parts, csvs = list(p.parts.values()), [path for path, _ in p.csv.values()]
    schemas += [pq.read_schema(path).remove_metadata() for path in (parts if every else parts[:1])]
    schemas += [_csv_schema(path) for path in (csvs if every else csvs[:1])]
    return pa.unify_schemas(schemas) if schemas else pa.schema([])


def _tables(p: Partition) -> Iterator[pa.Table]:
    """The partition's wanted rows, a chunk at a time: the compacted file's row groups, then each part
    and each CSV."""
    if p.from_compacted:
        keep = p.keep
        for batch in pq.ParquetFile(p.compacted).iter_batches(batch_size=ROW_GROUP):
            table = pa.Table.from_batches([batch])
            yield table if keep is None else table.filter(pc.is_in(table["run_id"], value_set=keep))
    for path in p.parts.values():
        yield pq.ParquetFile(path).read(use_threads=False)  # a small file: threads cost more than they save
    for path, record in p.csv.values():
        yield csv_table(path, record)


def compact_partition(p: Partition) -> bool:
    """Merge the partition's wanted runs into its compacted file (atomically, streamed), then delete
    the parts it absorbed; False when there was nothing to do."""
    if p.settled or not (p.from_compacted or p.parts or p.csv):
        return False
    schema = partition_schema(p, every=True)
    run_ids = [r for r in p.stored if r in p.from_compacted] + list(p.parts) + list(p.csv)
    p.folder.mkdir(parents=True, exist_ok=True)
    with atomic_file(p.folder / COMPACT, "wb") as handle, \
            pq.ParquetWriter(handle, schema, compression="zstd") as writer:
        chunk, rows = [], 0
        for table in _tables(p):
            chunk.append(conform(table, schema))
            rows += table.num_rows
            if rows >= ROW_GROUP:
                writer.write_table(pa.concat_tables(chunk), row_group_size=rows)  # one row group
                chunk, rows = [], 0
        if chunk:
            writer.write_table(pa.concat_tables(chunk), row_group_size=max(rows, 1))
        writer.add_key_value_metadata({RUN_IDS: json.dumps(run_ids)})
    for path in p.parts.values():  # only now: until the rename the parts are the only copy
        with suppress(OSError):  # one left behind is harmless: it wins over the compacted rows
            path.unlink(missing_ok=True)
    return True


def read_compacted(p: Partition) -> pa.Table:
    """The wanted runs' rows of the partition's compacted file, in memory."""
    keep = p.keep
    return pq.read_table(p.compacted, filters=None if keep is None else pc.field("run_id").isin(keep))


def compact_batch(batch: Path, records: Iterable[Mapping]) -> int:
    """Compact every partition that holds these (done) runs; the number of files written."""
    return sum(compact_partition(p) for p in locate(batch, records))


def read_runs(batch: Path, records: Iterable[Mapping]) -> list[dict[str, np.ndarray]]:
    """The series of these runs (manifest records with run_id, taken as done) in their order, column
    name -> array as read_part gives it, leaving out runs with no series anywhere. A partition's
    compacted file is read once and split by run (its runs' rows are contiguous); nothing is
    written."""
    records = list(records)
    found: dict[str, dict[str, np.ndarray]] = {}
    for p in locate(batch, records):
        if p.from_compacted:
            # A column at a time: the whole table beside its arrays would double the memory (a
            # partition of 5,000 one-year runs is ~0.8 GB of floats).
            source = pq.ParquetFile(p.compacted)
            run_ids = source.read(columns=["run_id"]).column(0)
            keep = p.keep
            wanted = None if keep is None else pc.is_in(run_ids, value_set=keep)
            arrays = {}
            for name in (n for n in p.schema.names if n not in IDS):
                column = source.read(columns=[name]).column(0)
                arrays[name] = (column if wanted is None else column.filter(wanted)).to_numpy()
            runs = pc.run_end_encode((run_ids if wanted is None else run_ids.filter(wanted)).combine_chunks())
            start = 0
            for run_id, end in zip(runs.values.to_pylist(), runs.run_ends.to_pylist(), strict=True):
                found[run_id] = {name: a[start:end] for name, a in arrays.items()}
                start = end
        found.update({run_id: read_part(path) for run_id, path in p.parts.items()})
        found.update({run_id: columns_of(csv_table(*source)) for run_id, source in p.csv.items()})
    return [found[r["run_id"]] for r in records if r["run_id"] in found]
