"""Executors for batches: local worker processes that stop with their parent, or a Dask cluster.

Local workers come from a forkserver. They stop with the process that started them however it
ends: on an exception there (Ctrl-C, and SIGTERM, which is turned into one) they are killed
before the pool shuts down, and each worker exits by itself the moment that process is gone, even
killed with SIGKILL, because it watches a pipe whose only write end the parent holds. (The
forkserver's own "alive" pipe cannot serve: the workers hold its write end too, so a server
orphaned with its workers keeps serving them, and PR_SET_PDEATHSIG on a worker would watch the
forkserver, not the batch.)
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager, suppress

from sim.common.text import cut

# What the forkserver imports once, before it forks the workers: the model and the run writer that
# `execute` needs, the graph generator's compiled code (`warm`), and the batch module, which every
# worker imports to unpickle `execute`. The server skips a name it cannot import without a word, so
# tests/test_batch.py checks that each of these exists.
PRELOAD = ("sim.model.model", "sim.experiments.runs", "sim.experiments.warm", "sim.experiments.batch")


class BatchError(ValueError):
    """A batch that cannot be started as asked; str() is one line."""


class Interrupted(KeyboardInterrupt):
    """SIGTERM while local workers run: handled like Ctrl-C (workers stopped, manifest saved);
    `signum` says which signal (a command exits with 128 + signum)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextmanager
def executor(jobs: int | None, scheduler: str | None) -> Iterator[Executor]:
    """Local processes, or a Dask cluster's executor when a scheduler address is given.

    The scheduler is reached on entry, before the caller writes anything. Local workers stop
    with the caller however it ends: on an exception (Ctrl-C included) they are killed before the
    pool is shut down (a clean shutdown would wait for their runs, which nobody records), and
    each exits by itself when the calling process is gone (see `_worker_start`).
    """
    if scheduler:
        with _dask_executor(scheduler) as pool:
            yield pool
        return
    # forkserver: workers start clean (no threads or open files inherited from this process);
    # the server imports the model once, and every worker forked from it starts warm.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PRELOAD))
    # The parent keeps the only write end; the workers' reads see EOF the moment it is gone, even
    # killed with SIGKILL. (The forkserver's own pipe does not do this: the workers hold it too.)
    lifeline, keep = context.Pipe(duplex=False)
    pool = ProcessPoolExecutor(max_workers=jobs or os.cpu_count() or 1, mp_context=context,
                               initializer=_worker_start, initargs=(lifeline,))
    try:
        with _sigterm_interrupts():
            yield pool
    except BaseException:
        _kill_workers(pool)
        raise
    finally:
        try:
            pool.shutdown(wait=True, cancel_futures=True)
        finally:
            keep.close()
            lifeline.close()


@contextmanager
def _dask_executor(scheduler: str) -> Iterator[Executor]:
    try:
        from dask.distributed import Client
        from distributed.comm import parse_address
        from distributed.comm.addressing import parse_host_port
    except ImportError:
        raise BatchError("--scheduler needs Dask: pip install -e '.[dask]' in the checkout") from None
    where = f"--scheduler {cut(scheduler)}"
    try:
        scheme, location = parse_address(scheduler)
        if scheme == "tcp":  # refused or unroutable: say so now, not after Dask's 10 s of retries
            socket.create_connection(parse_host_port(location, 8786), timeout=5).close()
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
        raise BatchError(f"{where}: cannot connect ({cut(reason)})") from None
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM raises `Interrupted` in the main thread, so that `kill PID` stops the workers and
    leaves the manifest saved, as Ctrl-C does (the default action would end the process at once)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, _frame: object) -> None:
        raise Interrupted(signum)

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's worker processes now, mid-run or not (Python 3.14 has kill_workers())."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.kill()
    for process in processes:
        process.join(timeout=10)


def _worker_start(lifeline: multiprocessing.connection.Connection) -> None:
    """In each local worker, first: leave Ctrl-C to the parent (a terminal sends it to every process
    of the group; the parent stops the workers itself), and exit when the parent is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(lifeline,), daemon=True, name="lifeline").start()


def _exit_with_parent(lifeline: multiprocessing.connection.Connection) -> None:
    with suppress(EOFError, OSError):
        lifeline.recv_bytes()  # nothing is ever sent: this returns at EOF, when the parent has gone
    os._exit(1)  # at once: the run in hand is not recorded by anyone, the resume runs it again
