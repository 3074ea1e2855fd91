"""One exception tree for the whole package.

Every error a user can cause by writing a file or calling the API is an
:class:`InputError`: it names the file, the field path inside the file and what
is wrong, so the CLI can print ``FILE: field.path: message`` and exit 2.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class ResilienceSimError(Exception):
    """Base class of every error raised on purpose by resilience-sim."""


@dataclass(frozen=True)
class InputProblem:
    """One thing wrong with one field of one input file."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        field = self.field or "<document>"
        return f"{self.file}: {field}: {self.message}"


class InputError(ResilienceSimError, ValueError):
    """Bad user input: a file or an API argument that cannot be used.

    Holds one or more :class:`InputProblem`; ``str(error)`` is one line per problem,
    each ``FILE: field.path: message``.
    """

    def __init__(self, problems: Iterable[InputProblem] | InputProblem):
        if isinstance(problems, InputProblem):
            problems = [problems]
        self.problems: tuple[InputProblem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("InputError needs at least one problem")
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):
        # rebuilt from its problems when it comes back from a worker process
        return (type(self), (self.problems,))

    @classmethod
    def single(cls, file: str, field: str, message: str) -> InputError:
        """An InputError with a single problem.

        Parameters
        ----------
        file : str
            The file (or ``<api>``, ``<document>``...) the problem is in.
        field : str
            The field path inside it (``a.b[id].c``).
        message : str
            What is wrong.

        Returns
        -------
        InputError
            The error, its message ``FILE: field: message``.
        """
        return cls(InputProblem(str(file), field, message))


class OutputError(InputError, OSError):
    """An output that could not be written (disk full, no permission, read-only file
    system): ``FILE: <output>: cannot write: ...``. Nothing half-written is left (see
    :mod:`resilience_sim.atomic_write`). An InputError, so the CLI prints it and exits 2;
    an OSError, so code that treats a failed write as an OS error still does.
    """

    def __init__(self, problems: Iterable[InputProblem] | InputProblem, errno: int | None = None):
        super().__init__(problems)
        self.errno = errno

    def __reduce__(self):
        return (type(self), (self.problems, self.errno))


class InputWarning(UserWarning):
    """Input that was accepted with a default filled in or a value repaired."""


def rewarn_once(caught: Iterable, seen: set[str], prefix: str = "") -> None:
    """Re-issue recorded warnings (``warnings.catch_warnings(record=True)``), each distinct
    message once across calls sharing ``seen``; ``prefix`` goes before the message.

    Parameters
    ----------
    caught : Iterable
        The recorded ``warnings.WarningMessage`` objects.
    seen : set[str]
        Messages already issued; updated in place.
    prefix : str, default ''
        Text put before each message.
    """
    import warnings

    for w in caught:
        text = str(w.message)
        if text not in seen:
            seen.add(text)
            warnings.warn_explicit(prefix + text, w.category, w.filename, w.lineno)
