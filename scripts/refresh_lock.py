"""Write requirements.lock: the exact versions ``scripts/setup-env`` installs.

    .venv/bin/pip install --upgrade -e ".[test]"     # newest versions pyproject allows
    .venv/bin/python scripts/refresh_lock.py         # pin them
    ./scripts/test                                   # check they work; commit the lock

The lock is ``pip freeze`` of the venv, limited to the project's dependency closure
(``pyproject.toml`` dependencies and the ``test`` extra, followed through the
installed packages' metadata, environment markers evaluated here), so packages
installed into the venv by hand are left out, and the project itself is not pinned.
"""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PROJECT = "resilience-sim"
EXTRAS = frozenset({"test"})


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def closure(project: str = PROJECT, extras: frozenset[str] = EXTRAS) -> set[str]:
    """Normalised names of every distribution ``project[extras]`` needs, itself included."""
    done: dict[str, frozenset[str]] = {}
    stack = [(project, extras)]
    while stack:
        name, wanted = stack.pop()
        key = normalized(name)
        if key in done and wanted <= done[key]:
            continue
        done[key] = done.get(key, frozenset()) | wanted
        try:
            requirements = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            raise SystemExit(
                f"{name} is required but not installed; run scripts/setup-env"
            ) from None
        for text in requirements:
            requirement = Requirement(text)
            marker = requirement.marker
            if marker is not None and not any(
                marker.evaluate({"extra": e}) for e in wanted or {""}
            ):
                continue
            stack.append((requirement.name, frozenset(requirement.extras)))
    return set(done)


def main() -> int:
    needed = closure() - {normalized(PROJECT)}
    frozen = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    pins = sorted(
        (line for line in frozen if "==" in line and normalized(line.split("==")[0]) in needed),
        key=lambda line: normalized(line.split("==")[0]),
    )
    missing = needed - {normalized(line.split("==")[0]) for line in pins}
    if missing:
        raise SystemExit(f"not pinned by pip freeze: {', '.join(sorted(missing))}")
    header = [
        "# Exact versions installed by scripts/setup-env (pip install -r requirements.lock,",
        "# then the project with --no-deps). Written by scripts/refresh_lock.py from pip",
        f"# freeze on Python {sys.version_info.major}.{sys.version_info.minor}; "
        "see docs/robustness.md, 'Reproducing a run'.",
    ]
    (ROOT / "requirements.lock").write_text("\n".join([*header, *pins]) + "\n")
    print(f"requirements.lock: {len(pins)} packages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
