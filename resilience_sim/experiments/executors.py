"""Executors: where the batches of a study or sweep run (experiments layer).

Studies and sweeps cut their replications into batches and hand them to an
executor as ``fn(shared, item)`` calls: ``shared`` is the large object every batch
needs (the compiled :class:`~resilience_sim.experiments.study.StudyContext`), sent
to each worker once; ``item`` is a small description of one batch. Results come
back in completion order with the item's index, and the caller puts them back in
order, so the executor never changes a result: every replication draws from its
own seed (see :mod:`resilience_sim.rng`).

* ``sequential``: in this process, one batch after the other.
* ``local``: a pool of worker processes on this machine (all cores by default);
  the shared object goes to each worker once, through the pool initializer. Workers
  die with the process that started them, even when it is killed with SIGKILL and
  cannot stop its pool (``PR_SET_PDEATHSIG`` on Linux, and a thread in each worker
  that exits it once its parent is gone, everywhere).
* ``dask``: a Dask distributed cluster, either an existing scheduler
  (``tcp://HOST:PORT``) or a ``LocalCluster`` started here; the shared object is
  scattered to every worker once (``broadcast=True``). Tasks lost with a worker are
  rerun by Dask on another one.

An executor given by name to ``simulate``/``sweep`` is created and closed by that
call; an executor object passed in is the caller's to close (reuse one Dask
executor across many studies to pay for the cluster start once).
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any, Literal, TypeVar, get_args

from resilience_sim.errors import InputError

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")

ExecutorName = Literal["sequential", "local", "dask"]
EXECUTOR_NAMES: tuple[str, ...] = get_args(ExecutorName)


def available_cpus() -> int:
    """CPU cores this process may run on (affinity-aware where the OS tells)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class Executor(ABC):
    """Runs ``fn(shared, item)`` for every item; see the module docstring."""

    name: str

    @property
    @abstractmethod
    def n_workers(self) -> int:
        """How many batches can run at once (used to plan batch sizes)."""

    @abstractmethod
    def imap_unordered(
        self, fn: Callable[[S, T], R], shared: S, items: Sequence[T]
    ) -> Iterator[tuple[int, R]]:
        """Yield ``(i, fn(shared, items[i]))`` for every item, as each finishes.

        ``fn`` must be a module-level function (it is pickled by reference) for the
        process and Dask executors. Closing the iterator early (an exception or
        Ctrl-C in the caller) cancels the items not started.

        Parameters
        ----------
        fn : Callable[[S, T], R]
            ``fn(shared, item)``.
        shared : S
            Sent once to each worker.
        items : Sequence[T]
            The work items.

        Yields
        ------
        tuple[int, R]
            ``(i, fn(shared, items[i]))``.
        """

    def close(self) -> None:
        """Release workers and connections (nothing to do by default)."""
        return None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class SequentialExecutor(Executor):
    """Everything in this process, in item order."""

    name = "sequential"

    @property
    def n_workers(self) -> int:
        """Workers: 1."""
        return 1

    def imap_unordered(self, fn, shared, items):
        """Run the items one after the other here (see :meth:`Executor.imap_unordered`).

        Parameters
        ----------
        fn : callable
            ``fn(shared, item)``.
        shared : object
            Passed to every call.
        items : sequence
            The work items.

        Yields
        ------
        tuple of (int, object)
            ``(i, fn(shared, items[i]))``, in order.
        """
        for i, item in enumerate(items):
            yield i, fn(shared, item)


_SHARED: Any = None  # the shared object, in a local worker process
_PR_SET_PDEATHSIG = 1  # linux/prctl.h
PARENT_POLL_S = 1.0  # how often a worker checks that its parent is alive (assumed)


def _install_shared(shared: Any, parent_pid: int) -> None:
    """Pool initializer: keep ``shared`` for every task of this worker; leave Ctrl-C
    to the parent, which cancels the pool (workers would otherwise print tracebacks);
    die with the parent ``parent_pid``."""
    global _SHARED
    _SHARED = shared
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent_pid)


def _die_with_parent(parent_pid: int) -> None:
    """End this worker when ``parent_pid`` ends, however it ends.

    A parent killed with SIGKILL cannot shut its pool down, and its workers would wait
    for tasks forever (keeping memory, and on some systems files, of the run). On Linux
    the kernel sends SIGKILL to this process when its parent dies
    (``prctl(PR_SET_PDEATHSIG)``); the watchdog thread is the portable fallback, and the
    check after ``prctl`` covers a parent that died before it was set.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the watchdog alone
            pass
    if os.getppid() != parent_pid:
        os._exit(1)
    threading.Thread(
        target=_watch_parent, args=(parent_pid,), name="parent-watchdog", daemon=True
    ).start()


def _watch_parent(parent_pid: int, poll_s: float = PARENT_POLL_S) -> None:
    """Exit the process (status 1) once its parent is no longer ``parent_pid``: an
    orphan is re-parented to init or a subreaper, so its parent pid changes."""
    while os.getppid() == parent_pid:
        time.sleep(poll_s)
    os._exit(1)


def _call_with_shared(fn: Callable[[Any, T], R], item: T) -> R:
    return fn(_SHARED, item)


class LocalExecutor(Executor):
    """A pool of worker processes on this machine, one pool per ``imap_unordered`` call.

    ``workers`` defaults to every core this process may use. With one worker or one
    item the work runs in this process (no pool to start).
    """

    name = "local"

    def __init__(self, workers: int | None = None):
        if workers is not None and (not isinstance(workers, int) or workers < 1):
            raise InputError.single(
                "<api>", "workers", f"must be a positive integer, got {workers!r}"
            )
        self._workers = workers or available_cpus()

    @property
    def n_workers(self) -> int:
        """Worker processes."""
        return self._workers

    def imap_unordered(self, fn, shared, items):
        """Run the items in worker processes (see :meth:`Executor.imap_unordered`).

        Parameters
        ----------
        fn : callable
            ``fn(shared, item)``, a module-level function.
        shared : object
            Sent once to each worker process.
        items : sequence
            The work items.

        Yields
        ------
        tuple of (int, object)
            ``(i, fn(shared, items[i]))``, as each finishes.
        """
        n_procs = min(self._workers, len(items))
        if n_procs <= 1:
            yield from SequentialExecutor().imap_unordered(fn, shared, items)
            return
        pool = ProcessPoolExecutor(
            max_workers=n_procs,
            mp_context=_process_context(),
            initializer=_install_shared,
            initargs=(shared, os.getpid()),
        )
        try:
            pending = {pool.submit(_call_with_shared, fn, item): i for i, item in enumerate(items)}
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield pending.pop(future), future.result()
        finally:
            # Cancels what has not started; running batches finish (a batch is short).
            pool.shutdown(wait=True, cancel_futures=True)


def _process_context() -> multiprocessing.context.BaseContext:
    """``fork`` on Linux: workers start in milliseconds with the package already
    imported, and a script without an ``if __name__ == "__main__":`` guard still works
    (workers never re-run it). Elsewhere the platform default (``spawn`` on macOS and
    Windows, which needs that guard in scripts)."""
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


class DaskExecutor(Executor):
    """A Dask distributed cluster: ``scheduler`` address, or a LocalCluster started here.

    A LocalCluster has ``workers`` single-threaded worker processes (default: all
    cores). Workers of a remote cluster need resilience-sim installed at the same
    version. The client (and a LocalCluster) start on first use.
    """

    name = "dask"

    def __init__(
        self, scheduler: str | None = None, workers: int | None = None, client: Any = None
    ):
        if scheduler is not None and workers is not None:
            raise InputError.single(
                "--workers",
                str(workers),
                "only for a local Dask cluster; a remote cluster has its own workers",
            )
        if workers is not None and (not isinstance(workers, int) or workers < 1):
            raise InputError.single(
                "<api>", "workers", f"must be a positive integer, got {workers!r}"
            )
        self.scheduler = scheduler
        self._workers = workers
        self._client = client
        self._owns_client = client is None
        self._cluster = None

    @property
    def client(self):
        """The ``distributed.Client`` (connecting or starting the cluster if needed)."""
        if self._client is None:
            self._client = self._connect()
        return self._client

    def _connect(self):
        from distributed import Client, LocalCluster

        if self.scheduler is not None:
            try:
                return Client(self.scheduler, timeout="10s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise InputError.single(
                    "--scheduler", self.scheduler, f"cannot connect to the Dask scheduler: {exc}"
                ) from None
        self._cluster = LocalCluster(
            n_workers=self._workers or available_cpus(),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,  # no dashboard (it needs bokeh) ...
            scheduler_kwargs={"dashboard_address": ":0"},  # ... and health routes on any port
            silence_logs=logging.ERROR,
        )
        return Client(self._cluster)

    @property
    def n_workers(self) -> int:
        """Worker threads of the cluster (at least 1)."""
        threads = self.client.nthreads()
        return max(1, sum(threads.values()))

    def imap_unordered(self, fn, shared, items):
        """Run the items on the Dask cluster (see :meth:`Executor.imap_unordered`).

        Parameters
        ----------
        fn : callable
            ``fn(shared, item)``, a module-level function.
        shared : object
            Scattered once to every worker.
        items : sequence
            The work items.

        Yields
        ------
        tuple of (int, object)
            ``(i, fn(shared, items[i]))``, as each finishes.
        """
        from distributed import as_completed

        client = self.client
        shared_future = client.scatter(shared, broadcast=True, hash=False)
        futures = [client.submit(fn, shared_future, item, pure=False) for item in items]
        index = {future.key: i for i, future in enumerate(futures)}
        try:
            for future in as_completed(futures):
                yield index[future.key], future.result()
        finally:
            client.cancel([*futures, shared_future])

    def close(self) -> None:
        if self._owns_client and self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def make_executor(
    executor: Executor | ExecutorName | None = "sequential",
    *,
    scheduler: str | None = None,
    workers: int | None = None,
) -> tuple[Executor, bool]:
    """An executor object from a name (or the object itself); also whether the caller
    created it and so must close it. ``None`` means sequential.

    Parameters
    ----------
    executor : Executor or ExecutorName or None, default 'sequential'
        An executor object, a name, or None (sequential).
    scheduler : str or None, default None
        Dask scheduler address (``dask`` only).
    workers : int or None, default None
        Worker processes (``local``; None: every core) or Dask workers (``dask``).

    Returns
    -------
    tuple[Executor, bool]
        ``(executor, created here)``.
    """
    if isinstance(executor, Executor):
        if scheduler is not None or workers is not None:
            raise InputError.single(
                "<api>", "executor", "give scheduler/workers to the executor object itself"
            )
        return executor, False
    name = executor or "sequential"
    if name not in EXECUTOR_NAMES:
        raise InputError.single(
            "--executor",
            str(name),
            f"unknown executor; expected one of {', '.join(EXECUTOR_NAMES)}",
        )
    if scheduler is not None and name != "dask":
        raise InputError.single(
            "--scheduler", scheduler, "a scheduler address needs --executor dask"
        )
    if name == "sequential":
        if workers is not None and workers != 1:
            raise InputError.single("--workers", str(workers), "the sequential executor has one")
        return SequentialExecutor(), True
    if name == "local":
        return LocalExecutor(workers), True
    return DaskExecutor(scheduler, workers), True


__all__ = [
    "EXECUTOR_NAMES",
    "DaskExecutor",
    "Executor",
    "ExecutorName",
    "LocalExecutor",
    "SequentialExecutor",
    "available_cpus",
    "make_executor",
]
