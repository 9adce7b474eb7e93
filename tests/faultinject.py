"""Faults for the tests, in this process (`full_disk`) or in every Python process a test starts.

For a subprocess, put tests/faults_site on PYTHONPATH (see `environment`): its sitecustomize.py
calls `from_environment()` at start-up, in the command, the batch's forkserver and every worker.

- WEISHANG_TEST_FULL=GLOB[;GLOB...]: a file whose path matches a pattern, opened for writing, is
  created (empty) as usual but the handle returned writes to /dev/full, so the first flush fails
  with ENOSPC, as on a full disk.
- WEISHANG_TEST_LOG=PATH: every run of a local batch appends "start RUN_ID T" and "end RUN_ID T"
  lines to PATH (T: time.monotonic(), the same clock in every process), one write each.
"""

from __future__ import annotations

import builtins
import fnmatch
import functools
import io
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

SITE = Path(__file__).resolve().parent / "faults_site"
ROOT = SITE.parents[1]


def environment(full: Sequence[str] = (), log: Path | None = None) -> dict[str, str]:
    """os.environ for a subprocess that runs the worktree's `sim` with these faults."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEISHANG_TEST_")}
    env["PYTHONPATH"] = os.pathsep.join([str(SITE), str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    if full:
        env["WEISHANG_TEST_FULL"] = ";".join(full)
    if log is not None:
        env["WEISHANG_TEST_LOG"] = str(log)
    return env


def full_disk(patterns: Sequence[str], real_open: Callable = io.open) -> Callable:
    """An `open` that gives a handle on /dev/full for writes to paths matching `patterns`."""

    @functools.wraps(real_open)
    def open_(file, mode="r", *args, **kwargs):
        writing = isinstance(file, str | os.PathLike) and any(c in mode for c in "wax+")
        if writing and any(fnmatch.fnmatch(os.fspath(file), p) for p in patterns):
            real_open(file, "wb").close()  # the file appears, as a real one would
            return real_open("/dev/full", mode.replace("x", "w"), *args, **kwargs)
        return real_open(file, mode, *args, **kwargs)

    return open_


def log_runs(path: str) -> None:
    """Wrap the batch's `execute` so that each run logs its start and end (the parent pickles
    `execute` by name; a worker resolves the name to the wrapper)."""
    from sim.experiments import batch

    real = batch.execute

    def write(line: str) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)

    @functools.wraps(real)
    def execute(spec, folder):
        write(f"start {spec.run_id} {time.monotonic()}\n")
        seconds = real(spec, folder)
        write(f"end {spec.run_id} {time.monotonic()}\n")
        return seconds

    batch.execute = execute


def from_environment() -> None:
    full = os.environ.get("WEISHANG_TEST_FULL")
    if full:
        builtins.open = io.open = full_disk(full.split(";"))
    log = os.environ.get("WEISHANG_TEST_LOG")
    if log and "multiprocessing.forkserver" in " ".join(sys.orig_argv):
        log_runs(log)  # the forkserver, before it forks the workers: they unpickle `execute` by name


def logged(path: Path) -> list[tuple[str, str, float]]:
    """The (event, run id, time) lines of a run log."""
    if not path.is_file():
        return []
    return [(e, r, float(t)) for e, r, t in (line.split() for line in path.read_text().splitlines())]
