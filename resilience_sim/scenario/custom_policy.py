"""Custom restoration policies named in a scenario: resolved and checked at load time.

``recovery.policy: package.module:function`` names a user function that picks the next
repair job (docs/cascades.md). This module is the contract of that function and the one
place it is imported: :func:`resolve_custom_policy` imports the module, finds the
function, checks that it is callable with the documented signature
``function(jobs, context) -> int`` and runs it once on a tiny synthetic queue (the
probe), all before any replication, so a bad policy is a ``FILE: recovery.policy:``
error (exit 2) and never a traceback mid-study. The engine then calls the returned
:class:`CustomPolicy`, which turns a failure during the study into the same error.

Trust model: **a scenario that names a module runs that module's code** (importing it
runs its top level; the probe and the study call the function) with the rights of the
user running the simulator. Checks here catch mistakes, not malice: ``os:system`` is
refused because its signature does not fit, but a module written to do harm passes
every check. Run scenarios that name custom policies only from people you would take
code from, as you would a Python script.
"""

from __future__ import annotations

import importlib
import inspect
import numbers
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from resilience_sim.errors import InputError

CUSTOM_POLICY_PATTERN = r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$"
_CUSTOM_POLICY = re.compile(CUSTOM_POLICY_PATTERN)

FIELD = "recovery.policy"

# The probe queue: one job of each shape a policy meets (a cable fault far away with no
# users of its own, a critical cell site close by), with every documented field.
PROBE_JOBS: tuple[dict[str, Any], ...] = (
    {
        "asset": "probe-cable",
        "kind": "submarine_cable",
        "created_h": 0.0,
        "travel_h": 12.0,
        "repair_h": 96.0,
        "population": 0.0,
        "critical": False,
    },
    {
        "asset": "probe-site",
        "kind": "cell_site",
        "created_h": 1.0,
        "travel_h": 0.5,
        "repair_h": 4.0,
        "population": 500.0,
        "critical": True,
    },
)
JOB_FIELDS: tuple[str, ...] = tuple(PROBE_JOBS[0])  # the keys of every job dict
PROBE_NOW_H = 2.0


def is_custom_policy(name: str) -> bool:
    """True when ``name`` has the ``package.module:function`` form.

    Parameters
    ----------
    name : str
        A ``recovery.policy`` value.

    Returns
    -------
    bool
        Whether it names a user function.
    """
    return bool(_CUSTOM_POLICY.match(name))


@dataclass(frozen=True)
class CustomPolicy:
    """A user policy resolved for one study: ``path`` as written, the ``function``, and
    the scenario ``file`` its errors name. Pickled by reference to the function, so
    worker processes must be able to import its module too."""

    path: str
    function: Callable[[list[dict], dict], int]
    file: str

    def __call__(self, jobs: list[dict], now_h: float) -> int:
        """The index of the job to take among ``jobs`` (InputError if the function
        raises or returns anything but an index into ``jobs``)."""
        context = {"now_h": now_h, "policy": self.path}
        try:
            index = self.function(jobs, context)
        except Exception as exc:
            raise self.error(
                f"custom policy {self.path} raised {type(exc).__name__}: {exc} "
                f"(at {now_h:g} h, choosing among {len(jobs)} jobs)"
            ) from None
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise self.error(
                f"custom policy {self.path} returned {index!r} ({type(index).__name__}), "
                f"not the index of a job (an int from 0 to {len(jobs) - 1})"
            )
        if not 0 <= int(index) < len(jobs):
            raise self.error(
                f"custom policy {self.path} returned {int(index)}, not the index of one "
                f"of the {len(jobs)} jobs (0 to {len(jobs) - 1})"
            )
        return int(index)

    def error(self, message: str) -> InputError:
        """The InputError ``FILE: recovery.policy: message`` of this policy's scenario.

        Parameters
        ----------
        message : str
            What is wrong.

        Returns
        -------
        InputError
            The error.
        """
        return InputError.single(self.file, FIELD, message)


def resolve_custom_policy(path: str, file: str) -> CustomPolicy:
    """Import, check and probe the policy ``package.module:function`` of scenario ``file``.

    Raises InputError (``FILE: recovery.policy: ...``) if the module cannot be imported,
    has no such attribute, the attribute is not callable, its signature does not accept
    ``(jobs, context)``, or the probe call on :data:`PROBE_JOBS` (and on its first job
    alone) raises or returns anything but a job index.

    Parameters
    ----------
    path : str
        ``package.module:function``.
    file : str
        The file named in errors (``FILE: field: message``).

    Returns
    -------
    CustomPolicy
        The checked policy.
    """
    file = str(file)
    if not is_custom_policy(path):
        raise InputError.single(file, FIELD, f"{path!r} is not 'package.module:function'")
    module_name, _, function_name = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # ImportError, or the module's own code failing
        raise InputError.single(
            file,
            FIELD,
            f"cannot import module {module_name!r} of custom policy {path}: "
            f"{type(exc).__name__}: {exc} (the module must be installed or its folder on "
            "PYTHONPATH)",
        ) from None
    function = getattr(module, function_name, None)
    if function is None:
        raise InputError.single(
            file, FIELD, f"module {module_name!r} has no {function_name!r} (custom policy {path})"
        )
    if not callable(function) or inspect.isclass(function):
        raise InputError.single(
            file,
            FIELD,
            f"{path} is a {type(function).__name__}, not a function(jobs, context) -> int",
        )
    _check_signature(path, function, file)
    policy = CustomPolicy(path, function, file)
    for jobs in (list(PROBE_JOBS), list(PROBE_JOBS[:1])):
        try:
            policy([dict(job) for job in jobs], PROBE_NOW_H)
        except InputError as exc:
            (problem,) = exc.problems
            raise InputError.single(
                file, FIELD, f"{problem.message}; found by a probe call before the study"
            ) from None
    return policy


def _check_signature(path: str, function: Callable, file: str) -> None:
    """Refuse a function that cannot be called as ``function(jobs, context)``."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        raise InputError.single(
            file,
            FIELD,
            f"{path}: cannot read its signature; a custom policy must be a Python "
            "function(jobs, context) -> int",
        ) from None
    try:
        signature.bind([], {})
    except TypeError:
        raise InputError.single(
            file,
            FIELD,
            f"{path} has the signature {signature}; a custom policy is called as "
            "function(jobs, context) and returns the index of the job to take",
        ) from None


__all__ = [
    "CUSTOM_POLICY_PATTERN",
    "JOB_FIELDS",
    "PROBE_JOBS",
    "CustomPolicy",
    "is_custom_policy",
    "resolve_custom_policy",
]
