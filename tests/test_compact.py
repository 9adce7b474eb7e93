"""Compaction of a batch's series: one file per scenario and point, no run lost or counted twice."""

from __future__ import annotations

import builtins
import io
import os
import shutil
import stat
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from conftest import bundled, stop_after
from faultinject import full_disk

from sim.experiments import compact, store
from sim.experiments.batch import Batch, read_series, run_batch, write_aggregate
from sim.reports.batch_report import write_batch_report, write_run_report

TINY = {"population.people": 200, "run.days": 10}
DAYS = TINY["run.days"] + 1  # day 0 to day 10
ROWS = "SELECT * FROM series ORDER BY run_id, day"


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("compact") / "b"
    run_batch([bundled("honest", TINY), bundled("pyramid", TINY)], 2, out, jobs=1)
    return out


def copy(batch: Path, tmp_path: Path, name: str = "b") -> Path:
    shutil.copytree(batch, tmp_path / name)
    return tmp_path / name


def folder_of(batch: Path, scenario: str) -> Path:
    return batch / "series" / f"scenario={scenario}" / "point_id=base"


def files(batch: Path) -> list[str]:
    return sorted(str(p.relative_to(batch / "series")) for p in (batch / "series").rglob("*") if p.is_file())


def held(batch: Path, scenario: str) -> list[str]:
    return sorted(compact.compacted_runs(folder_of(batch, scenario) / compact.COMPACT)[0])


def records(batch: Path) -> list[dict]:
    return store.done_records(Batch(batch).load())


def write_parts(batch: Path, recs: list[dict], change: float = 0.0) -> None:
    """Per-run parts of these runs, as their workers wrote them (`change` added to sellers)."""
    for record, series in zip(recs, store.read_runs(batch, recs), strict=True):
        series = {**series, "sellers": series["sellers"] + change}
        compact.write_part(batch, series, record["run_id"], record["scenario"], record["point_id"],
                           record["replicate"])


def uncompact(batch: Path) -> None:
    """The batch as it was before compaction: a part a run, no compacted file."""
    write_parts(batch, records(batch))
    for path in (batch / "series").rglob(compact.COMPACT):
        path.unlink()


def csv_answer(batch: Path, run_ids: list[str]) -> list[tuple]:
    """(run_id, day, sellers, recruits) of every day of these runs, from their timeseries.csv."""
    rows = []
    for run_id in sorted(run_ids):
        names, values = read_series(batch / "runs" / run_id / "timeseries.csv")
        col = {n: values[:, i] for i, n in enumerate(names)}
        days = zip(col["day"], col["sellers"], col["recruits"], strict=True)
        rows += [(run_id, int(d), s, r) for d, s, r in days]
    return rows


def query_answer(batch: Path) -> list[tuple]:
    table = store.query(batch, "SELECT run_id, day, sellers, recruits FROM series ORDER BY run_id, day")
    return [tuple(r.values()) for r in table.to_pylist()]


def test_a_compacted_batch_answers_as_its_runs_did_each_run_once(batch, tmp_path):
    assert files(batch) == [f"scenario={s}/point_id=base/runs.parquet" for s in ("honest", "pyramid")]
    run_ids = [r["run_id"] for r in records(batch)]
    assert query_answer(batch) == csv_answer(batch, run_ids), "every done run's days, once, as in its CSV"
    per_run = copy(batch, tmp_path)
    uncompact(per_run)
    assert len(files(per_run)) == len(run_ids)
    assert store.query(per_run, ROWS) == store.query(batch, ROWS), "the same rows as a part a run gives"


def test_compaction_writes_row_groups_of_its_size_a_runs_rows_together(batch, tmp_path, monkeypatch):
    b = copy(batch, tmp_path)
    uncompact(b)
    monkeypatch.setattr(compact, "ROW_GROUP", DAYS)  # a row group as soon as a run's days are in
    assert compact.compact_batch(b, records(b)) == 2, "a file per scenario"
    for scenario in ("honest", "pyramid"):
        path = folder_of(b, scenario) / compact.COMPACT
        groups = [pq.ParquetFile(path).read_row_group(k).column("run_id").to_pylist() for k in range(2)]
        assert groups == [[f"{scenario}__base__r00{r}"] * DAYS for r in range(2)]
        assert pq.ParquetFile(path).metadata.num_row_groups == 2
    assert files(b) == files(batch), "the parts deleted"
    assert compact.compact_batch(b, records(b)) == 0, "nothing left to compact"


def test_a_compaction_on_a_full_disk_keeps_the_parts_and_writes_nothing(batch, tmp_path, monkeypatch):
    b = copy(batch, tmp_path)
    uncompact(b)
    before = written(b / "series")
    fake = full_disk(["*runs.parquet*"], io.open)
    monkeypatch.setattr(builtins, "open", fake)
    with pytest.raises(OSError):
        compact.compact_batch(b, records(b))
    monkeypatch.undo()
    assert written(b / "series") == before, "every part kept, no compacted file, no leftover"
    assert store.query(b, ROWS) == store.query(batch, ROWS)


def test_a_resumed_batch_merges_its_compacted_file_with_the_new_runs(tmp_path):
    scenarios = [bundled("honest", TINY)]
    out = tmp_path / "b"

    with pytest.raises(KeyboardInterrupt):
        run_batch(scenarios, 3, out, jobs=1, progress=stop_after(1))
    first = [r["run_id"] for r in records(out)]
    assert len(first) == 1 and held(out, "honest") == first, "Ctrl-C compacts what is done"
    assert query_answer(out) == csv_answer(out, first)
    manifest = run_batch(scenarios, 3, out, jobs=1)
    every = sorted(manifest["runs"])
    assert files(out) == ["scenario=honest/point_id=base/runs.parquet"], "the new parts absorbed"
    assert held(out, "honest") == every
    assert query_answer(out) == csv_answer(out, every), "each run once, the old ones kept"


def test_parts_left_beside_the_compacted_file_count_once_and_a_rerun_part_wins(batch, tmp_path):
    b = copy(batch, tmp_path)
    honest = [r for r in records(b) if r["scenario"] == "honest"]
    write_parts(b, honest)  # killed after the rename, before the parts were deleted
    rerun = [r for r in records(b) if r["run_id"] == "pyramid__base__r000"]
    write_parts(b, rerun, change=1000.0)  # rerun after its rows were compacted: a new part
    expected = [(run_id, day, sellers + 1000.0 * (run_id == rerun[0]["run_id"]), recruits)
                for run_id, day, sellers, recruits in query_answer(batch)]
    assert query_answer(b) == expected, "each run once; a run's own part over its compacted rows"
    got = {r["run_id"]: s["sellers"] for r, s in zip(records(b), store.read_runs(b, records(b)), strict=True)}
    original = store.read_runs(batch, rerun)[0]["sellers"]
    assert len(got) == 4 and np.array_equal(got[rerun[0]["run_id"]], original + 1000.0)
    Batch(b).write_tables(Batch(b).load())
    assert files(b) == files(batch), "re-compaction absorbs the leftover parts"
    assert query_answer(b) == expected


def test_a_run_no_longer_done_is_not_read_from_the_compacted_file(batch, tmp_path):
    b = copy(batch, tmp_path)
    manifest = Batch(b).load()
    manifest["runs"]["pyramid__base__r001"]["status"] = "pending"
    Batch(b).save(manifest)
    kept = [r["run_id"] for r in records(b)]
    assert len(kept) == 3 and query_answer(b) == csv_answer(b, kept)
    Batch(b).write_tables(manifest)
    assert held(b, "pyramid") == ["pyramid__base__r000"], "its rows dropped when the batch compacts again"
    assert query_answer(b) == csv_answer(b, kept)


@pytest.mark.parametrize("how", ["chmod", "failing writes"])
def test_an_old_batch_that_cannot_be_written_is_still_queryable(batch, tmp_path, monkeypatch, how):
    b = copy(batch, tmp_path)
    shutil.rmtree(b / "series")  # made before the parts and summary.parquet
    (b / "summary.parquet").unlink()
    before = written(b)
    if how == "chmod":
        if os.geteuid() == 0:
            pytest.skip("root writes to a read-only folder")
        for path in [b, *b.rglob("*")]:
            path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    else:  # every write into the batch fails, as on a disk that is full or read-only
        fake = full_disk([f"{b}/*"], io.open)
        monkeypatch.setattr(builtins, "open", fake)
        monkeypatch.setattr(io, "open", fake)
    try:
        assert store.query(b, ROWS) == store.query(batch, ROWS)
        assert store.query(b, "SELECT count(*) AS n FROM summary").to_pylist() == [{"n": 4}]
    finally:
        monkeypatch.undo()
        for path in [b, *b.rglob("*")]:
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
    assert written(b) == before, "nothing written, nothing half-written"


def written(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_aggregate_and_report_are_the_same_from_parts_and_from_compacted_files(batch, tmp_path):
    compacted, per_run = copy(batch, tmp_path, "compacted"), copy(batch, tmp_path, "parts")
    uncompact(per_run)
    for b in (compacted, per_run):
        write_aggregate(b, Batch(b).load())
        write_batch_report(b)
    figures = [f"figures/{p.name}" for p in (compacted / "figures").iterdir()]
    assert len(figures) > 5
    for name in ("aggregate.csv", "report.md", *figures):
        assert (compacted / name).read_bytes() == (per_run / name).read_bytes(), name
    assert (compacted / "aggregate.csv").read_bytes() == (batch / "aggregate.csv").read_bytes()


def test_a_run_report_inside_a_batch_writes_no_series(batch, tmp_path):
    b = copy(batch, tmp_path)
    before = files(b)
    write_run_report(b / "runs" / "pyramid__base__r000")
    assert files(b) == before and (b / "runs" / "pyramid__base__r000" / "report.html").is_file()
