"""The lock of a partial run folder: one process at a time works on a study (experiments layer).

The lock is a POSIX record lock (``fcntl.lockf``) on ``RUN/.lock``. The kernel ties it to
the process that took it: it is not inherited by forked worker processes (a BSD
``flock`` is, which let workers of a main process killed with SIGKILL keep the run
locked, issue 21.1), and it is released when that process ends, however it ends, so a
lock is never stale and there is nothing to reclaim. The file also records the owner's
pid and since when it works on the run, for the message of a refused second process.

Record locks are per process, not per file handle: a second lock in the same process
would succeed, so this module also keeps the folders this process holds. Where the OS
has no ``fcntl`` (Windows) only that in-process check applies.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

from resilience_sim.errors import InputError

LOCK_FILE = ".lock"

_HELD: set[Path] = set()  # run folders this process works on


@contextlib.contextmanager
def hold_run_lock(run_dir: Path) -> Iterator[None]:
    """Hold the lock of ``run_dir``; InputError on ``--resume`` if another process (or
    another study in this process) holds it.

    Parameters
    ----------
    run_dir : Path
        The run folder.

    Yields
    ------
    None
        Nothing; the lock is held inside the block.
    """
    key = run_dir.resolve()
    if key in _HELD:
        raise InputError.single(
            str(run_dir), "--resume", "another study in this process is working on this run"
        )
    try:
        import fcntl
    except ImportError:  # Windows: no advisory lock
        fcntl = None
    with open(run_dir / LOCK_FILE, "a+", encoding="utf-8") as fh:
        if fcntl is not None:
            try:
                fcntl.lockf(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:  # EAGAIN or EACCES: held by a live process
                fh.seek(0)
                owner = fh.read().strip() or "unknown pid"
                raise InputError.single(
                    str(run_dir),
                    "--resume",
                    f"another process ({owner}) is working on this run; wait for it to "
                    "finish or stop it",
                ) from None
        since = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        fh.truncate(0)
        fh.write(f"pid {os.getpid()}, since {since}\n")
        fh.flush()
        _HELD.add(key)
        try:
            yield
        finally:
            _HELD.discard(key)
            # closing the file releases the record lock


__all__ = ["LOCK_FILE", "hold_run_lock"]
