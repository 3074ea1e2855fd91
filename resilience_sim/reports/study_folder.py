"""Which kind of run folder a report is drawn from, and reading its manifest.

Reports stage. ``resilience-sim report RUN_DIR`` draws the report that fits the
folder: a study (``run``), a comparison of variants (``compare``) or a sweep
(``sweep``). The kind is the manifest's ``kind`` field (read by
``experiments/runfolder``, the one reader of manifests); folders whose manifest has
none (written before format 2) are recognised by their tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd

from resilience_sim.errors import InputError
from resilience_sim.experiments.runfolder import REPORT_FILE, read_manifest

REPORT_NAME = REPORT_FILE
FolderKind = Literal["run", "comparison", "sweep", "annual_risk", "portfolio", "sensitivity"]
_KIND_FILES: tuple[tuple[FolderKind, str], ...] = (
    ("comparison", "comparison.parquet"),
    ("sweep", "sweep.parquet"),
    ("run", "summary.parquet"),
)


def folder_kind(path: str | Path) -> FolderKind:
    """``run``, ``comparison``, ``sweep``, ``annual_risk``, ``portfolio`` or
    ``sensitivity``: the manifest's ``kind``,
    else by the tables.

    Parameters
    ----------
    path : str or Path
        A results folder.

    Returns
    -------
    FolderKind
        Its kind.
    """
    path = Path(path)
    kind = read_manifest(path).get("kind")
    if kind in ("comparison", "sweep", "annual_risk", "portfolio", "sensitivity"):
        return kind
    for name, marker in _KIND_FILES:
        if (path / marker).is_file():
            return name
    return "run"


def read_table(path: Path, name: str) -> pd.DataFrame:
    """One table of the folder (parquet or csv by suffix), InputError naming it if unreadable.

    Parameters
    ----------
    path : Path
        The folder.
    name : str
        The table's file name.

    Returns
    -------
    pandas.DataFrame
        The table.
    """
    file = path / name
    try:
        return pd.read_parquet(file) if name.endswith(".parquet") else pd.read_csv(file)
    except (OSError, ValueError) as exc:
        raise InputError.single(str(path), name, f"missing or unreadable: {exc}") from None
