"""requirements.lock pins what scripts/setup-env installs (issue 21 item 8)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*==[0-9][^\s;=]*", line), line
        name, version = line.split("==")
        assert _normalized(name) not in pins, f"{name} pinned twice"
        pins[_normalized(name)] = version
    return pins


def test_every_declared_dependency_is_pinned_within_its_range():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = _pins()
    declared = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    for text in declared:
        requirement = Requirement(text)
        name = _normalized(requirement.name)
        assert name in pins, f"{requirement.name} is not in requirements.lock"
        assert requirement.specifier.contains(Version(pins[name]), prereleases=True), text
        for extra in requirement.extras:  # dask[distributed] pins distributed too
            assert _normalized(extra) in pins, f"{extra} (of {text}) is not pinned"
    assert "resilience-sim" not in pins  # the project itself is installed with --no-deps


def test_setup_env_installs_from_the_lock_then_the_project_without_dependencies():
    script = (ROOT / "scripts" / "setup-env").read_text()
    lock = script.index("pip install --quiet -r requirements.lock")
    project = script.index('pip install --quiet --no-deps -e ".[test]"')
    assert lock < project
    assert "cat pyproject.toml requirements.lock | sha256sum" in script  # a new lock reinstalls
