"""Faults: a batch killed (SIGKILL, SIGTERM, Ctrl-C), a worker killed, a full disk, an unreachable
scheduler, Ctrl-C in any command; strict JSON.

The batch subprocesses get their faults from tests/faultinject.py (through a sitecustomize.py on
PYTHONPATH, so the forkserver and every worker have them too): a log of each run's start and end,
or writes that fail with ENOSPC.
"""

from __future__ import annotations

import builtins
import csv
import io
import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil
import pytest
from click.testing import CliRunner
from conftest import bundled
from faultinject import ROOT, environment, full_disk, logged

from sim.cli import main
from sim.cli.commands import short_path
from sim.common.files import write_json
from sim.experiments.batch import BatchStopped, run_batch

FAST = ["--days", "10", "--set", "population.people=200"]
REPLICATES = 6  # runs of ~0.2 s, 2 at a time: killed after the first, the batch has most still to do
BATCH = ["batch", "honest", "-r", str(REPLICATES), "-j", "2", "--days", "20",
         "--set", "population.people=200"]


def until(predicate, timeout: float) -> bool:
    """Poll `predicate` until it holds or `timeout` seconds pass (polling for a state, not timing)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def manifest_runs(out: Path) -> dict:
    try:
        return json.loads((out / "manifest.json").read_text())["runs"]
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def done(out: Path) -> set[str]:
    return {k for k, r in manifest_runs(out).items() if r["status"] == "done"}


def comparable(out: Path) -> list[dict]:
    """summary.csv without the timing column, which legitimately differs between runs."""
    with open(out / "summary.csv", newline="") as handle:
        return [{k: v for k, v in r.items() if k != "seconds"} for r in csv.DictReader(handle)]


def leftovers(folder: Path) -> list[Path]:
    """Hidden temporary files or folders anywhere under `folder`."""
    return [p for p in folder.rglob(".*") if p.name.endswith((".tmp", ".old"))]


def session(sid: int) -> list[psutil.Process]:
    """The live (not zombie) processes of a session: a batch and everything it started."""
    found = []
    for process in psutil.process_iter(["status"]):
        try:
            if os.getsid(process.pid) == sid and process.info["status"] != psutil.STATUS_ZOMBIE:
                found.append(process)
        except (ProcessLookupError, PermissionError):
            pass
    return found


def start(args: list[str], tmp_path: Path, **faults) -> subprocess.Popen:
    """`weishang ARGS` in its own session, stderr to a file (a pipe would be held open by any orphan)."""
    err = open(tmp_path / "stderr.txt", "w")  # noqa: SIM115 - closed by the caller's wait()
    return subprocess.Popen([sys.executable, "-m", "sim.cli", *args], cwd=ROOT, env=environment(**faults),
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=err)


def finish(args: list[str], tmp_path: Path, **faults) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim.cli", *args], cwd=ROOT, env=environment(**faults),
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """The batch run once, uninterrupted."""
    out = tmp_path_factory.mktemp("reference") / "b"
    result = CliRunner().invoke(main, [*BATCH, "--out", str(out), "--quiet", "--no-report"])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("sig, group", [(signal.SIGKILL, False), (signal.SIGTERM, False),
                                        (signal.SIGINT, True)],
                         ids=["SIGKILL", "SIGTERM", "Ctrl-C to the process group"])
def test_a_killed_batch_leaves_no_worker_and_a_resume_runs_each_missing_run_once(tmp_path, reference, sig,
                                                                                  group):
    out, first_log, resume_log = tmp_path / "b", tmp_path / "first.log", tmp_path / "resume.log"
    args = [*BATCH, "--out", str(out), "--quiet", "--no-report"]
    process = start(args, tmp_path, log=first_log)
    assert until(lambda: done(out) or process.poll() is not None, 120), "no progress"
    (os.killpg if group else os.kill)(process.pid, sig)
    process.wait(timeout=60)
    assert until(lambda: not session(process.pid), 10), f"still running: {session(process.pid)}"

    recorded = done(out)
    missing = set(manifest_runs(out)) - recorded
    assert recorded and missing, "the batch was stopped midway"
    ended = [r for e, r, _ in logged(first_log) if e == "end"]
    # Only the runs in the two workers' hands when the parent died may have ended unrecorded; orphaned
    # workers used to go on through the queue, finishing runs nobody recorded.
    assert len(ended) <= len(recorded) + 2, ended
    if sig != signal.SIGKILL:
        assert process.returncode == 128 + sig
        lines = (tmp_path / "stderr.txt").read_text().strip().splitlines()
        assert lines == ["interrupted; rerun the same command to resume"]

    result = finish(args, tmp_path, log=resume_log)
    assert result.returncode == 0, result.stderr
    assert f"{REPLICATES} runs done ({len(recorded)} already complete, skipped), 0 failed" in result.stdout
    resumed = logged(resume_log)
    assert sorted(r for e, r, _ in resumed if e == "end") == sorted(missing), "each missing run once, no more"
    assert sorted(r for e, r, _ in resumed if e == "start") == sorted(missing)
    assert comparable(out) == comparable(reference)
    for run_id in manifest_runs(out):
        assert (out / "runs" / run_id / "timeseries.csv").read_bytes() == \
            (reference / "runs" / run_id / "timeseries.csv").read_bytes(), run_id
    assert not leftovers(out)


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


def disk_full_line(out: Path, resume: bool) -> str:
    """The error line for a full disk under `out`."""
    resuming = "; rerun the same command to resume" if resume else ""
    return f"Error: {short_path(out)}: no space left on device{resuming}"


def test_a_full_disk_under_the_runs_stops_the_batch_in_one_line_and_leaves_them_to_do(tmp_path):
    out = tmp_path / "b"
    args = ["batch", "honest", "-r", "4", "-j", "2", *FAST, "--out", str(out), "--quiet", "--no-report"]
    result = finish(args, tmp_path, full=["*journal.npz*"])  # the workers' writes fail
    assert result.returncode == 1
    assert one_line(result.stderr) == disk_full_line(out, resume=True)
    assert not leftovers(out) and not (out / "summary.csv").exists()
    assert list((out / "runs").iterdir()) == [], "no run looks complete"
    statuses = {r["status"] for r in manifest_runs(out).values()}
    assert statuses == {"pending"}, "not failed: a rerun runs them"


@pytest.mark.parametrize("full, written", [("*manifest.json*", False), ("*/.figures.*/*.png", True)],
                         ids=["the manifest", "the report's figures"])
def test_a_full_disk_in_the_batch_process_is_one_line_and_leaves_nothing_half_written(tmp_path, full,
                                                                                      written):
    out = tmp_path / "b"
    result = finish(["batch", "honest", "-r", "2", "-j", "1", *FAST, "--out", str(out), "--quiet"], tmp_path,
                    full=[full])
    assert result.returncode == 1
    assert one_line(result.stderr) == disk_full_line(out, resume=True)
    assert out.exists() == written  # a batch that could not write its manifest leaves no folder
    if written:
        assert not leftovers(out) and not (out / "figures").exists() and not (out / "report.html").exists()
        assert len(done(out)) == 2, "the runs are kept: a rerun only draws the report"


@pytest.fixture
def disk_full(monkeypatch):
    """In this process: writes to paths matching the given patterns fail with ENOSPC."""

    def fill(*patterns: str) -> None:
        fake = full_disk(patterns, io.open)
        monkeypatch.setattr(builtins, "open", fake)
        monkeypatch.setattr(io, "open", fake)

    return fill


@pytest.mark.parametrize("pattern", ["*timeseries.csv*", "*journal.npz*", "*income.png"])
def test_a_run_on_a_full_disk_is_one_line_and_keeps_the_folder_it_would_replace(tmp_path, disk_full, pattern):
    out = tmp_path / "run"
    assert CliRunner().invoke(main, ["run", "honest", *FAST, "--out", str(out), "-q"]).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    disk_full(pattern)
    result = CliRunner().invoke(main, ["run", "honest", *FAST, "--seed", "2", "--out", str(out), "--force",
                                       "-q"])
    assert result.exit_code == 1
    assert one_line(result.output) == disk_full_line(out, resume=False)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not leftovers(tmp_path)
    fresh = tmp_path / "fresh"
    result = CliRunner().invoke(main, ["run", "honest", *FAST, "--out", str(fresh), "-q"])
    assert result.exit_code == 1 and not fresh.exists() and not leftovers(tmp_path)


def test_ctrl_c_in_any_command_is_one_line_and_exit_130(tmp_path, monkeypatch):
    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("sim.cli.commands.simulate", interrupted)
    result = CliRunner().invoke(main, ["run", "honest", *FAST, "--out", str(tmp_path / "run"), "-q"])
    assert result.exit_code == 130
    assert one_line(result.output) == "interrupted"
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_scheduler_is_one_line_before_anything_is_written(tmp_path):
    pytest.importorskip("distributed")
    with socket.socket() as probe:  # a port nobody listens on: bound, then released
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = tmp_path / "b"
    result = CliRunner().invoke(main, ["batch", "honest", "-r", "2", *FAST, "--scheduler", f"tcp://127.0.0.1:{port}",
                                       "--out", str(out), "--quiet"])
    assert result.exit_code == 2
    line = one_line(result.output)
    assert line.startswith(f"Error: --scheduler tcp://127.0.0.1:{port}: cannot connect"), line
    assert not out.exists()


def strict(text: str) -> object:
    def refuse(constant: str) -> None:
        raise ValueError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_json_is_strict_non_finite_numbers_are_null(tmp_path):
    data = {"nan": math.nan, "deep": [{"inf": math.inf}, (-math.inf, 1.5)], "np": np.float64("nan"),
            "np32": np.float32("inf"), "ok": np.float64(0.25)}
    write_json(tmp_path / "a.json", data, default=float)
    assert strict((tmp_path / "a.json").read_text()) == {
        "nan": None, "deep": [{"inf": None}, [None, 1.5]], "np": None, "np32": None, "ok": 0.25}
    write_json(tmp_path / "b.json", {"x": 1.0, "y": [1, "z"]})  # finite data: unchanged
    assert strict((tmp_path / "b.json").read_text()) == {"x": 1.0, "y": [1, "z"]}


def test_a_worker_killed_midway_stops_the_batch_and_leaves_the_rest_to_do(tmp_path):
    def kill_a_worker(counts: dict) -> None:
        if counts["done"] == 1 and counts["remaining"] > 1:  # the first run is in, the others not
            forkserver = next(p for p in psutil.Process().children() if "forkserver" in " ".join(p.cmdline()))
            forkserver.children()[0].kill()

    out = tmp_path / "b"
    with pytest.raises(BatchStopped, match="a worker process died"):
        run_batch([bundled("honest", {"population.people": 200, "run.days": 10})], 6, out, jobs=2,
                  progress=kill_a_worker)
    statuses = [r["status"] for r in manifest_runs(out).values()]
    assert "failed" not in statuses and statuses.count("done") >= 1 and "pending" in statuses
    assert not leftovers(out)
