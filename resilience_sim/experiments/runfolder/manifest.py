"""``manifest.json``: the one writer and the one reader of every study folder's manifest.

Every folder a command writes (``run``, ``compare``, ``sweep``, ``criticality``,
``event-set``) has a manifest built by :func:`build_manifest`: the folder's ``kind``,
the format version, the kind's own fields, then the common record (``created_utc``,
``versions``: exact versions of Python and every runtime dependency, ``platform``: OS
and CPU, optional ``execution``: executor, workers and batch size, ``snapshots``:
SHA-256 of the input snapshots) and ``files``. Field list: docs/results.md.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from resilience_sim.errors import InputError
from resilience_sim.experiments.runfolder.environment import package_versions, platform_record
from resilience_sim.experiments.runfolder.names import MANIFEST_FILE, utc_text

FORMAT = 2  # 1: manifests before this field existed (no kind for runs, no hashes)
Kind = Literal[
    "run",
    "comparison",
    "sweep",
    "criticality",
    "event_set",
    "annual_risk",
    "portfolio",
    "sensitivity",
]


def execution_record(executor_name: str, workers: int, batch_size: int) -> dict:
    """How the replications were run: executor, worker count, replications per batch.

    Parameters
    ----------
    executor_name : str
        The executor's name.
    workers : int
        Worker count.
    batch_size : int
        Replications per batch.

    Returns
    -------
    dict
        The record.
    """
    return {"executor": executor_name, "workers": int(workers), "batch_size": int(batch_size)}


def build_manifest(
    kind: Kind,
    created: dt.datetime,
    fields: dict,
    files: Iterable[str],
    *,
    execution: dict | None = None,
    snapshots: dict[str, str] | None = None,
) -> dict:
    """The manifest of a ``kind`` folder created at ``created`` (docs/results.md).

    Parameters
    ----------
    kind : Kind
        The folder kind.
    created : dt.datetime
        When (UTC).
    fields : dict
        The kind's fields.
    files : Iterable[str]
        The folder's files.
    execution : dict or None, default None
        The execution record (None: none).
    snapshots : dict[str, str] or None, default None
        Snapshot file -> SHA-256 (None: none).

    Returns
    -------
    dict
        The manifest.
    """
    manifest = {"kind": kind, "format": FORMAT, **fields, "created_utc": utc_text(created)}
    manifest["versions"] = package_versions()
    manifest["platform"] = platform_record()
    if execution is not None:
        manifest["execution"] = execution
    if snapshots is not None:
        manifest["snapshots"] = snapshots
    manifest["files"] = list(files)
    return manifest


def write_manifest(folder: Path, manifest: dict) -> None:
    """``folder/manifest.json`` (the folder is still the hidden one being filled).

    Parameters
    ----------
    folder : Path
        The folder.
    manifest : dict
        The manifest.
    """
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def read_manifest(folder: str | Path, argument: str = MANIFEST_FILE) -> dict:
    """The parsed manifest of ``folder``; InputError naming ``argument`` (the command's
    name for the folder) when the folder or its manifest is missing, or the manifest
    is not a JSON object.

    Parameters
    ----------
    folder : str or Path
        The folder.
    argument : str, default MANIFEST_FILE
        What errors name.

    Returns
    -------
    dict
        The manifest.
    """
    folder = Path(folder)
    file = folder / MANIFEST_FILE
    if not folder.is_dir():
        raise InputError.single(str(folder), argument, "no such run folder")
    if not file.is_file():
        raise InputError.single(
            str(folder), argument, f"not a finished run folder (no {MANIFEST_FILE})"
        )
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError.single(str(file), "", f"cannot read: {exc}") from None
    if not isinstance(manifest, dict):
        raise InputError.single(str(file), "", "expected a JSON object")
    return manifest
