"""A batch's columnar store: the Parquet files of its series, `weishang query` and `weishang export`."""

from __future__ import annotations

import builtins
import csv
import io
import shutil
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from conftest import bundled
from faultinject import full_disk

from sim.cli import main
from sim.experiments import compact, store
from sim.experiments.batch import Batch, read_series, run_batch

TINY = {"population.people": 200, "run.days": 10}
REPLICATES = 2


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("store") / "b"
    run_batch([bundled("honest", TINY), bundled("pyramid", TINY)], REPLICATES, out, jobs=1)
    return out


def copy(batch: Path, tmp_path: Path) -> Path:
    shutil.copytree(batch, tmp_path / "b")
    return tmp_path / "b"


def invoke(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def csv_rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_each_partition_is_one_compacted_file_holding_its_runs_csv_series(batch):
    manifest = Batch(batch).load()
    files = sorted(p.relative_to(batch / "series") for p in (batch / "series").rglob("*.parquet"))
    assert files == [Path(f"scenario={s}/point_id=base/runs.parquet") for s in ("honest", "pyramid")], \
        "the workers' parts merged into one file per scenario and point, then deleted"
    for scenario in ("honest", "pyramid"):
        path = batch / "series" / f"scenario={scenario}" / "point_id=base" / "runs.parquet"
        run_ids, _ = compact.compacted_runs(path)
        assert sorted(run_ids) == sorted(r for r in manifest["runs"] if r.startswith(scenario)), "its footer"
        table = pq.read_table(path)
        assert sorted(set(table.column("run_id").to_pylist())) == sorted(run_ids)
    records = store.done_records(manifest)
    for record, got in zip(records, store.read_runs(batch, records), strict=True):
        names, values = read_series(batch / "runs" / record["run_id"] / "timeseries.csv")
        assert list(got) == names, "the CSV's columns, in order"
        assert np.array_equal(np.column_stack([got[n] for n in names]), values), "the same numbers"


def test_the_query_aggregate_equals_aggregate_csv(batch):
    table = store.query(batch, "SELECT scenario, day, avg(sellers) AS m, count(*) AS n FROM series "
                               "GROUP BY scenario, day ORDER BY scenario, day").to_pylist()
    aggregate = csv_rows(batch / "aggregate.csv")
    assert len(table) == len(aggregate) == 2 * (TINY["run.days"] + 1)
    for row, agg in zip(table, sorted(aggregate, key=lambda r: (r["scenario"], int(r["day"]))), strict=True):
        assert (row["scenario"], row["day"], row["n"]) == (agg["scenario"], int(agg["day"]), REPLICATES)
        assert row["m"] == pytest.approx(float(agg["sellers_mean"]), rel=1e-5)


def test_summary_and_manifest_tables_have_a_row_a_run(batch):
    summary = csv_rows(batch / "summary.csv")
    table = store.query(batch, "SELECT run_id, share_in_loss, error FROM summary ORDER BY run_id").to_pylist()
    assert [r["run_id"] for r in table] == sorted(r["run_id"] for r in summary)
    by_id = {r["run_id"]: r for r in summary}
    assert all(r["share_in_loss"] == pytest.approx(float(by_id[r["run_id"]]["share_in_loss"])) for r in table)
    assert all(r["error"] == "" for r in table), "an empty text column stays text"
    statuses = store.query(batch, "SELECT status, count(*) AS n FROM manifest GROUP BY status").to_pylist()
    assert statuses == [{"status": "done", "n": 2 * REPLICATES}]


def test_the_series_holds_only_runs_the_manifest_marks_done(batch, tmp_path):
    b = copy(batch, tmp_path)
    manifest = Batch(b).load()
    run_id = "pyramid__base__r001"
    manifest["runs"][run_id]["status"] = "pending"  # its part written, the parent killed before recording
    Batch(b).save(manifest)
    runs = store.query(b, "SELECT DISTINCT run_id FROM series ORDER BY run_id").column("run_id").to_pylist()
    assert runs == sorted(set(manifest["runs"]) - {run_id})


def test_a_batch_without_parts_gets_them_from_its_csvs_and_the_same_answers(batch, tmp_path):
    b = copy(batch, tmp_path)
    shutil.rmtree(b / "series")
    (b / "summary.parquet").unlink()
    sql = ("SELECT scenario, replicate, sum(recruits) AS r, max(day) AS d FROM series "
           "GROUP BY ALL ORDER BY ALL")
    assert store.query(b, sql).to_pylist() == store.query(batch, sql).to_pylist()
    names = [sorted(p.name for p in (folder / "series").rglob("*")) for folder in (b, batch)]
    assert names[0] == names[1], "compacted from the CSVs, as the batch leaves it"


def test_a_part_written_on_a_full_disk_leaves_nothing_that_looks_complete(tmp_path, monkeypatch):
    fake = full_disk(["*.parquet*"], io.open)
    monkeypatch.setattr(builtins, "open", fake)
    with pytest.raises(OSError):
        compact.write_part(tmp_path, {"day": [0, 1], "sellers": [1, 2]}, "r", "honest", "base", 0)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_tidy_removes_a_killed_workers_temporary_part(batch, tmp_path):
    b = copy(batch, tmp_path)
    folder = b / "series" / "scenario=honest" / "point_id=base"
    (folder / ".honest__base__r000.parquet.tmp").write_bytes(b"PAR1 half")
    (folder / ".runs.parquet.tmp").write_bytes(b"PAR1 half")  # a compaction killed mid-write
    Batch(b).tidy()
    assert sorted(p.name for p in folder.iterdir()) == ["runs.parquet"]


def test_query_prints_a_table_and_writes_csv(batch, tmp_path):
    result = invoke("query", batch, "SELECT scenario, count(*) AS n FROM summary GROUP BY 1 ORDER BY 1")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["scenario", "n"] and [line.split() for line in lines[2:]] == [
        ["honest", str(REPLICATES)], ["pyramid", str(REPLICATES)]]
    out = tmp_path / "q.csv"
    result = invoke("query", batch, "SELECT * FROM series WHERE day = 3", "--csv", out)
    assert result.exit_code == 0, result.output
    assert len(csv_rows(out)) == 2 * REPLICATES  # a row per run on that day


@pytest.mark.parametrize("sql", ["SELEC 1", "SELECT nope FROM series", "SELECT * FROM elsewhere"])
def test_bad_sql_is_one_line_exit_2(batch, sql):
    result = invoke("query", batch, sql)
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and result.output.startswith("Error: query: ")


def test_a_folder_that_is_not_a_batch_is_one_line_exit_2(tmp_path):
    for args in (["query", tmp_path, "SELECT 1"], ["export", tmp_path, "--csv", tmp_path / "out"]):
        result = invoke(*args)
        assert result.exit_code == 2 and "not a batch folder" in result.output
        assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_sql_cannot_read_or_write_files_or_unlock_the_settings(batch, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    target = tmp_path / "written.csv"
    for sql in (f"SELECT * FROM read_csv('{secret}')", f"SELECT * FROM '{secret}'",
                f"COPY (SELECT 1) TO '{target}'", f"ATTACH '{tmp_path / 'x.db'}'",
                "SET enable_external_access = true", "SELECT * FROM store",  # a Python name in scope
                f"COPY (SELECT 1 AS x) TO '{batch}/series/x.parquet'",  # the one folder it may read
                f"COPY (SELECT 1 AS x) TO '{batch}/x.csv'"):
        result = invoke("query", batch, sql)
        assert result.exit_code == 2, (sql, result.output)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret.csv"]
    assert not (batch / "series" / "x.parquet").exists() and not (batch / "x.csv").exists()


def test_export_writes_every_done_runs_days_and_the_summary(batch, tmp_path):
    out = tmp_path / "export"
    result = invoke("export", batch, "--csv", out)
    assert result.exit_code == 0, result.output
    series = csv_rows(out / "series.csv")
    assert len(series) == 2 * REPLICATES * (TINY["run.days"] + 1)
    assert {r["run_id"] for r in series} == set(Batch(batch).load()["runs"])
    assert len(csv_rows(out / "summary.csv")) == 2 * REPLICATES
    again = invoke("export", batch, "--csv", out)
    assert again.exit_code == 2 and "exists" in again.output
