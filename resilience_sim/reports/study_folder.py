"""Which kind of run folder a report is drawn from, and reading its manifest.

Reports stage. ``resilience-sim report RUN_DIR`` draws the report that fits the
folder: a study (``run``), a comparison of variants (``compare``) or a sweep
(``sweep``). The kind is the manifest's ``kind`` field (written by
``experiments/compare.py`` and ``experiments/sweep.py``); folders whose manifest has
none are recognised by their tables.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import pandas as pd

from resilience_sim.errors import InputError

REPORT_NAME = "report.html"
FolderKind = Literal["run", "comparison", "sweep", "annual_risk", "portfolio", "sensitivity"]
_KIND_FILES: tuple[tuple[FolderKind, str], ...] = (
    ("comparison", "comparison.parquet"),
    ("sweep", "sweep.parquet"),
    ("run", "summary.parquet"),
)


def read_manifest(path: Path) -> dict:
    """The parsed ``manifest.json`` of the folder ``path`` (InputError when absent or bad)."""
    manifest_file = path / "manifest.json"
    if not manifest_file.is_file():
        raise InputError.single(str(path), "manifest.json", "not a run folder (no manifest.json)")
    try:
        manifest = json.loads(manifest_file.read_text())
    except (OSError, ValueError) as exc:
        raise InputError.single(str(manifest_file), "", f"unreadable manifest: {exc}") from None
    if not isinstance(manifest, dict):
        raise InputError.single(str(manifest_file), "", "expected a JSON object")
    return manifest


def folder_kind(path: str | Path) -> FolderKind:
    """``run``, ``comparison``, ``sweep``, ``annual_risk``, ``portfolio`` or
    ``sensitivity``: the manifest's ``kind``,
    else by the tables."""
    path = Path(path)
    kind = read_manifest(path).get("kind")
    if kind in ("comparison", "sweep", "annual_risk", "portfolio", "sensitivity"):
        return kind
    for name, marker in _KIND_FILES:
        if (path / marker).is_file():
            return name
    return "run"


def read_table(path: Path, name: str) -> pd.DataFrame:
    """One table of the folder (parquet or csv by suffix), InputError naming it if unreadable."""
    file = path / name
    try:
        return pd.read_parquet(file) if name.endswith(".parquet") else pd.read_csv(file)
    except (OSError, ValueError) as exc:
        raise InputError.single(str(path), name, f"missing or unreadable: {exc}") from None
