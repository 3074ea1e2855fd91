"""What a manifest records of the environment: exact package versions, OS and CPU.

The packages are the project's runtime requirements as installed (read from its
metadata, with the packages their extras name, e.g. ``distributed`` of
``dask[distributed]``), so the list follows ``pyproject.toml``; :data:`FALLBACK` is
used when the project is run from a checkout without being installed.
"""

from __future__ import annotations

import os
import platform
import re
from functools import cache
from importlib import metadata

PROJECT = "resilience-sim"
FALLBACK = (
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "simpy",
    "networkx",
    "pydantic",
    "pyyaml",
    "dask",
    "distributed",
)
_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?")


def requirement_names(requirements: list[str] | None) -> list[str]:
    """Distribution names of the unconditional ``requirements`` and of their extras.

    Parameters
    ----------
    requirements : list[str] or None
        Requirement strings (None: none).

    Returns
    -------
    list[str]
        Distribution names.

    Examples
    --------
    >>> requirement_names(["numpy>=1.26", "dask[distributed]>=2024.1", "pytest; extra == 'test'"])
    ['numpy', 'dask', 'distributed']
    """
    names: list[str] = []
    for requirement in requirements or ():
        if ";" in requirement and "extra" in requirement.split(";", 1)[1]:
            continue
        match = _NAME.match(requirement)
        if match is None:
            continue
        extras = [e.strip() for e in (match.group(2) or "").split(",") if e.strip()]
        names.extend([match.group(1), *extras])
    return list(dict.fromkeys(names))


def package_versions() -> dict[str, str]:
    """``python``, the project and each runtime dependency -> its installed version."""
    versions = {"python": platform.python_version()}
    try:
        versions[PROJECT] = metadata.version(PROJECT)
        names = requirement_names(metadata.requires(PROJECT)) or list(FALLBACK)
    except metadata.PackageNotFoundError:
        versions[PROJECT] = "not installed"
        names = list(FALLBACK)
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


@cache
def platform_record() -> dict[str, str | int | None]:
    """The operating system, CPU model and count, and the Python build of this process."""
    return {
        "os": platform.platform(),
        "system": platform.system(),
        "release": platform.release(),
        "machine": platform.machine(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "python_implementation": platform.python_implementation(),
    }


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo`` on Linux, else ``platform.processor()``)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Hardware", "Processor") and value.strip():
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"
