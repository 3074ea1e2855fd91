"""The `--executor/--scheduler/--workers/--batch-size` options shared by `run` and `sweep`.

They build an :class:`~resilience_sim.experiments.executors.Executor`; results do not
depend on any of them (docs/experiments.md, "Executors").
"""

from __future__ import annotations

import click

from resilience_sim.experiments.executors import (
    EXECUTOR_NAMES,
    Executor,
    available_cpus,
    make_executor,
)

_OPTIONS = (
    click.option(
        "--executor",
        type=click.Choice(EXECUTOR_NAMES),
        default="local",
        show_default=True,
        help="where replications run: this process, local worker processes (all cores), "
        "or a Dask cluster",
    ),
    click.option(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler to connect to, e.g. tcp://HOST:8786 (with --executor dask; "
        "without it a local Dask cluster is started)",
    ),
    click.option(
        "--workers",
        type=click.IntRange(min=1),
        help="worker processes for local and a local Dask cluster [default: all cores]",
    ),
    click.option(
        "--batch-size",
        type=click.IntRange(min=1),
        help="replications per task and per saved batch [default: ~4 batches per worker, "
        "at most 100]",
    ),
)


def executor_options(command):
    """Add the executor options to a click command.

    The command receives them as keyword arguments ``executor``, ``scheduler``,
    ``workers``, ``batch_size``.

    Parameters
    ----------
    command : callable
        The command function (under its ``@click.command``).

    Returns
    -------
    callable
        ``command`` with the four options added.
    """
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


def planned_workers(executor: str, scheduler: str | None, workers: int | None) -> int:
    """Worker processes the options will start on this machine.

    Known before the executor is built (for ``--max-memory``).

    Parameters
    ----------
    executor : str
        ``--executor`` (one of ``EXECUTOR_NAMES``).
    scheduler : str or None
        ``--scheduler``, a Dask scheduler address, or None.
    workers : int or None
        ``--workers``, or None.

    Returns
    -------
    int
        1 for sequential or a remote Dask cluster (its workers' memory is theirs), else
        ``workers`` or every available core.
    """
    if executor == "sequential" or scheduler is not None:
        return 1
    return workers or available_cpus()


def build_executor(executor: str, scheduler: str | None, workers: int | None) -> Executor:
    """The executor the options name (the caller closes it: use it as a context manager).

    Parameters
    ----------
    executor : str
        ``--executor`` (one of ``EXECUTOR_NAMES``).
    scheduler : str or None
        ``--scheduler``, a Dask scheduler address, or None.
    workers : int or None
        ``--workers``, or None for every core.

    Returns
    -------
    Executor
        The executor, not yet closed.
    """
    runner, _ = make_executor(executor, scheduler=scheduler, workers=workers)
    return runner
