"""Atomic output: every file and folder the package writes goes through here.

A writer fills a temporary sibling of the target (``.NAME.tmp-PID``, in the same folder,
so the final rename never crosses file systems) and renames it into place only once it
is complete (temporaries of writers that were killed are removed by the next writer of
the same target). On any failure the temporary file or folder is removed and the target is
left as it was (absent, or the previous version); a failed write to disk (disk full, no
permission, read-only file system) becomes an :class:`~resilience_sim.errors.OutputError`
``TARGET: <output>: cannot write: No space left on device [ENOSPC]; nothing was written``
(exit 2 on the CLI) instead of an OSError traceback (issue 21.3).
"""

from __future__ import annotations

import contextlib
import errno as errno_codes
import os
import shutil
from collections.abc import Iterator
from glob import escape as glob_escape
from pathlib import Path

from resilience_sim.errors import InputProblem, OutputError

OUTPUT_FIELD = "<output>"


def temporary_sibling(target: Path) -> Path:
    """The temporary name a writer of ``target`` uses (``.NAME.tmp-PID``).

    Parameters
    ----------
    target : Path
        The output.

    Returns
    -------
    Path
        A sibling of ``target`` named for this process.
    """
    return target.with_name(f".{target.name}.tmp-{os.getpid()}")


def output_error(target: Path | str, exc: OSError, field: str = OUTPUT_FIELD) -> OutputError:
    """The OutputError for a failed write of ``target``; an OutputError already naming
    its file keeps it, its ``<output>`` fields given as ``field`` (a CLI option).

    Parameters
    ----------
    target : Path or str
        The output that failed.
    exc : OSError
        The error of the write.
    field : str, default OUTPUT_FIELD
        The field named in the error (a CLI option, default ``<output>``).

    Returns
    -------
    OutputError
        The error to raise.
    """
    if isinstance(exc, OutputError):
        problems = [
            InputProblem(p.file, field, p.message) if p.field == OUTPUT_FIELD else p
            for p in exc.problems
        ]
        return OutputError(problems, exc.errno)
    code = errno_codes.errorcode.get(exc.errno or 0, "")
    # the OS's words for the errno (pyarrow wraps them in its own text)
    why = os.strerror(exc.errno) if exc.errno else str(exc) or type(exc).__name__
    return OutputError(
        InputProblem(
            str(target),
            field,
            f"cannot write: {why}{f' [{code}]' if code else ''}; nothing was written",
        ),
        exc.errno,
    )


def remove_quietly(path: Path) -> None:
    """Remove a temporary file or folder, ignoring errors (it may be half there).

    Parameters
    ----------
    path : Path
        The file or folder.
    """
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def remove_abandoned(target: Path) -> None:
    """Remove the temporary files or folders of ``target`` (``.NAME.tmp-PID``) that
    processes which no longer run left behind (killed while writing it).

    Parameters
    ----------
    target : Path
        The output whose leftovers are removed.
    """
    if os.name != "posix":  # no cheap check that a process is alive
        return
    for tmp in target.parent.glob(f".{glob_escape(target.name)}.tmp-*"):
        pid = tmp.name.rsplit("-", 1)[-1]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            remove_quietly(tmp)
        except PermissionError:  # alive, another user's
            pass


@contextlib.contextmanager
def cleaned_on_failure(tmp: Path, target: Path, field: str = OUTPUT_FIELD) -> Iterator[None]:
    """Remove ``tmp`` if the block fails; an OSError becomes the OutputError of ``target``.

    Parameters
    ----------
    tmp : Path
        The temporary file or folder being written.
    target : Path
        The output it becomes.
    field : str, default OUTPUT_FIELD
        The field named in an OutputError.

    Yields
    ------
    None
        Nothing; the block runs inside.
    """
    try:
        yield
    except BaseException as exc:
        remove_quietly(tmp)
        if isinstance(exc, OSError):
            raise output_error(target, exc, field) from None
        raise


@contextlib.contextmanager
def atomic_output(target: str | Path, field: str = OUTPUT_FIELD) -> Iterator[Path]:
    """Yield the temporary path to write ``target``'s content to; on success it is
    renamed to ``target`` (replacing a file there), on failure removed.

    Parameters
    ----------
    target : str or Path
        The output.
    field : str, default OUTPUT_FIELD
        The field named in an OutputError.

    Yields
    ------
    pathlib.Path
        The temporary sibling to write.
    """
    target = Path(target)
    remove_abandoned(target)
    tmp = temporary_sibling(target)  # a file left there is overwritten
    with cleaned_on_failure(tmp, target, field):
        yield tmp
        os.replace(tmp, target)


def write_bytes_atomic(target: str | Path, data: bytes, field: str = OUTPUT_FIELD) -> Path:
    """Write ``data`` to ``target`` atomically; return ``target``.

    Parameters
    ----------
    target : str or Path
        The output.
    data : bytes
        Its content.
    field : str, default OUTPUT_FIELD
        The field named in an OutputError.

    Returns
    -------
    pathlib.Path
        ``target`` as a Path.
    """
    with atomic_output(target, field) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
    return Path(target)


def write_text_atomic(target: str | Path, text: str, field: str = OUTPUT_FIELD) -> Path:
    """Write ``text`` (UTF-8) to ``target`` atomically; return ``target``.

    Parameters
    ----------
    target : str or Path
        The output.
    text : str
        Its content.
    field : str, default OUTPUT_FIELD
        The field named in an OutputError.

    Returns
    -------
    pathlib.Path
        ``target`` as a Path.
    """
    return write_bytes_atomic(target, text.encode("utf-8"), field)


__all__ = [
    "OUTPUT_FIELD",
    "atomic_output",
    "cleaned_on_failure",
    "output_error",
    "remove_abandoned",
    "remove_quietly",
    "temporary_sibling",
    "write_bytes_atomic",
    "write_text_atomic",
]
