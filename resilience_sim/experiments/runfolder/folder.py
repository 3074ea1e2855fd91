"""Writing a study folder atomically, free folder names, content hashes.

A folder is filled in a hidden temporary folder beside its final place and renamed
only when complete, so a crash never leaves a half-written folder that looks finished.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from resilience_sim.atomic_write import (
    cleaned_on_failure,
    remove_abandoned,
    temporary_sibling,
    write_text_atomic,
)
from resilience_sim.errors import InputError


def sha256_file(path: Path) -> str:
    """SHA-256 (hex) of a file's bytes, read a MiB at a time.

    Parameters
    ----------
    path : Path
        The file.

    Returns
    -------
    str
        Hex digest.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_bytes_hashed(path: Path, data: bytes) -> str:
    """Write ``data`` to ``path`` and return its SHA-256 (hex), hashed from memory.

    Parameters
    ----------
    path : Path
        The file.
    data : bytes
        Its content.

    Returns
    -------
    str
        Hex digest.
    """
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def write_json_atomic(path: Path, data: dict) -> None:
    """``path`` replaced by ``data`` as indented JSON in one rename (nothing written on a
    failure such as a full disk: :mod:`resilience_sim.atomic_write`).

    Parameters
    ----------
    path : Path
        The file.
    data : dict
        The document.
    """
    write_text_atomic(path, json.dumps(data, indent=2) + "\n")


def write_folder(
    parent: Path, stem: str, fill: Callable[[Path], None], final: Path | None = None
) -> Path:
    """Call ``fill(tmp)`` on a hidden temporary folder in ``parent``, then rename it to
    ``final`` (default: ``parent/stem``, or ``stem-2``, ... if taken); return the name.

    Parameters
    ----------
    parent : Path
        The folder it goes in.
    stem : str
        The folder's name.
    fill : Callable[[Path], None]
        Writes the content into the temporary folder.
    final : Path or None, default None
        The final path (None: a free name from ``stem``).

    Returns
    -------
    Path
        The folder.
    """
    for name in (stem, final.name if final is not None else stem):
        if Path(name).name != name or name in ("", ".", ".."):  # never outside ``parent``
            raise InputError.single(str(parent), "--out", f"run folder name {name!r} is not a name")
    if final is not None and final.parent.resolve() != parent.resolve():
        raise InputError.single(str(parent), "--out", f"{final} is not inside the results folder")
    tmp = temporary_sibling(parent / stem)
    shutil.rmtree(tmp, ignore_errors=True)
    with cleaned_on_failure(tmp, final or parent / stem):
        tmp.mkdir()
        fill(tmp)
        final = final or free_name(parent, stem)
        os.rename(tmp, final)
    return final


def free_name(parent: Path, stem: str, suffixes: tuple[str, ...] = ("",)) -> Path:
    """``parent/stem``, else ``stem-2``, ``stem-3``, ...: the first name that exists in
    ``parent`` with none of ``suffixes``.

    Parameters
    ----------
    parent : Path
        The folder.
    stem : str
        The wanted name.
    suffixes : tuple[str, ...], default ('',)
        Suffixes that must all be free.

    Returns
    -------
    Path
        A free path.
    """
    name, n = stem, 2
    while any((parent / f"{name}{suffix}").exists() for suffix in suffixes):
        name, n = f"{stem}-{n}", n + 1
    return parent / name


def remove_abandoned_folders(parent: Path, stem: str) -> None:
    """Remove hidden ``.<stem>.tmp-PID`` folders of processes that no longer run: a
    folder half-written by a process killed while writing it.

    Parameters
    ----------
    parent : Path
        The folder.
    stem : str
        The name of the folders' target.
    """
    remove_abandoned(parent / stem)
