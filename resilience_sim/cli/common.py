"""Shared pieces of the CLI: consoles, input-error reporting, progress bar, number format.

Every input problem is printed as ``FILE: field.path: message`` on stderr and
the command exits with status 2, with no traceback and nothing written.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import warnings
from pathlib import Path
from typing import Any

import click

from resilience_sim.atomic_write import output_error
from resilience_sim.errors import InputError

EXIT_INPUT = 2


class _LazyConsole:
    """A rich ``Console`` made on first use: a command that prints plain lines with
    ``click.echo`` (``validate``) does not import rich (docs/performance.md)."""

    def __init__(self, stderr: bool):
        object.__setattr__(self, "_stderr", stderr)
        object.__setattr__(self, "_console", None)

    def _get(self):
        if self._console is None:
            from rich.console import Console

            console = Console(stderr=self._stderr, highlight=False, soft_wrap=True)
            if not self._stderr and not console.is_terminal:
                console.width = 120  # piped output: wide enough for the summary table
            object.__setattr__(self, "_console", console)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._get(), name, value)

    # Special methods are looked up on the class, not through __getattr__: rich's Live
    # (the progress bar) enters its console as a context manager.
    def __enter__(self) -> Any:
        return self._get().__enter__()

    def __exit__(self, *exc: object) -> None:
        self._get().__exit__(*exc)


out = _LazyConsole(stderr=False)
err = _LazyConsole(stderr=True)


def reports_input_errors(command):
    """Print InputError problems and warnings plainly; exit 2 on an InputError.

    A decorator of click commands.

    Parameters
    ----------
    command : callable
        The command function.

    Returns
    -------
    callable
        The wrapped command (same name and ``--help`` text).
    """

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                return command(*args, **kwargs)
            except InputError as exc:
                for problem in exc.problems:
                    click.echo(str(problem), err=True)
                sys.exit(EXIT_INPUT)
            finally:
                for w in caught:
                    click.echo(f"warning: {w.message}", err=True)

    return wrapper


@contextlib.contextmanager
def output_errors(target: Path | str, field: str = "--out"):
    """A failed write under ``target`` (disk full, no permission) as a clear error.

    The error reads ``TARGET: --out: cannot write: ...`` (exit 2); an OutputError naming
    its own file passes unchanged.

    Parameters
    ----------
    target : pathlib.Path or str
        The file or folder being written, named in the error.
    field : str
        The option named in the error.

    Yields
    ------
    None
        Nothing; the body of the ``with`` block runs here.

    Raises
    ------
    OutputError
        On an OSError raised by the body.
    """
    try:
        yield
    except OSError as exc:
        raise output_error(target, exc, field) from None


class progress_bar:
    """A rich progress bar on a terminal; nothing when stderr is piped."""

    def __init__(self, total: int):
        self.total = total
        self.bar = None  # a rich Progress while drawn

    def __enter__(self):
        if not err.is_terminal:
            return None
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.bar = Progress(
            TextColumn("replications"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        )
        self.bar.start()
        task = self.bar.add_task("run", total=self.total)
        return lambda done: self.bar.update(task, completed=done)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()


def number(value: float) -> str:
    """Readable figure: thousands separators for large values, 3 significant digits else.

    Parameters
    ----------
    value : float
        The figure.

    Returns
    -------
    str
        ``"NaN"``, ``"1,235"`` (from 1000 up, in magnitude) or ``"12.3"``.

    Examples
    --------
    >>> number(1234.6), number(-12.34), number(float("nan"))
    ('1,235', '-12.3', 'NaN')
    """
    if value != value:  # NaN
        return "NaN"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


results_folder_option = click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results"),
    show_default=True,
    help="results folder",
)

report_option = click.option(
    "--report/--no-report",
    default=True,
    show_default=True,
    help="write report.html in the run folder",
)


def write_results(write, result, out_dir: Path) -> Path:
    """``write(result, out_dir)``; an OS error is reported as ``--out: cannot write results``.

    Parameters
    ----------
    write : callable
        ``write(result, out_dir) -> Path``, the experiment's writer.
    result : object
        What to write.
    out_dir : pathlib.Path
        The results folder (``--out``).

    Returns
    -------
    pathlib.Path
        What ``write`` returns (the run folder).

    Raises
    ------
    InputError
        On an OSError from ``write``, naming ``out_dir`` and ``--out``.
    """
    try:
        return write(result, out_dir)
    except OSError as exc:
        raise InputError.single(
            str(out_dir), "--out", f"cannot write results: {exc.strerror}"
        ) from None
