"""Compiled cache of large YAML/JSON topologies, as columnar files keyed by content.

Topology layer, used by :func:`resilience_sim.topology.io.native.read_native`. Parsing
YAML is what a large topology's load costs (2.6 s of 2.7 s for 10,000 nodes); once a
file has been read and checked, its columns are written to the cache, and the next
load of the same bytes reads those instead (docs/topology-format.md, "Cache").

* **Where**: ``$RESILIENCE_SIM_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/resilience-sim/
  topologies``, else ``~/.cache/resilience-sim/topologies``; never next to the file
  (topology folders may be read-only, shared or under version control). Setting
  ``RESILIENCE_SIM_CACHE_DIR=off`` turns the cache off.
* **Key**: the SHA-256 of the file's bytes plus a key of the code that wrote the entry
  (package version, columnar format version and the derived column schema), so an
  edited file, a new release or a new model field never reads a stale entry.
* **Writes** are atomic (a temporary file renamed into place), so concurrent runs
  either find a whole entry or none; two runs writing the same entry write the same
  bytes. A cache that cannot be written (read-only home, CI) is skipped silently.
* **Reads** are checked like any columnar file; an entry that fails to read is
  removed and the file parsed again.
* Only files of at least :data:`CACHE_MIN_BYTES` are cached: smaller ones parse in
  well under a second. Entries are never evicted; delete the folder to reclaim space.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from functools import cache
from pathlib import Path

from resilience_sim.errors import InputError
from resilience_sim.topology.io.columnar import FORMAT_VERSION, file_schema, read_parquet
from resilience_sim.topology.io.columnar import write_parquet as _write_parquet
from resilience_sim.topology.model import Topology

CACHE_MIN_BYTES = 256 * 1024  # assumed: a 256 kB YAML topology parses in ~0.25 s
CACHE_ENV = "RESILIENCE_SIM_CACHE_DIR"


def cache_dir() -> Path | None:
    """The cache folder (not created here), or None if the cache is off."""
    given = os.environ.get(CACHE_ENV)
    if given is not None:
        return None if given.strip().lower() in ("", "off", "0", "no") else Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "resilience-sim" / "topologies"


@cache
def code_key() -> str:
    """What, besides a file's bytes, decides its cached columns (16 hex digits)."""
    from importlib import metadata  # here: a Parquet file never needs it (~20 ms)

    try:
        version = metadata.version("resilience-sim")
    except metadata.PackageNotFoundError:
        version = "source"
    schema = str(file_schema())
    text = f"{version}\n{FORMAT_VERSION}\n{schema}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def cache_path(path: Path) -> Path | None:
    """The cache entry for the topology file ``path``, or None if it is not cached.

    Parameters
    ----------
    path : Path
        A topology file.

    Returns
    -------
    Path or None
        Where its cache entry would be, or None.
    """
    folder = cache_dir()
    if folder is None or path.stat().st_size < CACHE_MIN_BYTES:
        return None
    with open(path, "rb") as fh:  # streamed: the file may be too large to hold
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    return folder / f"{digest}-{code_key()}.parquet"


def cached_entry(path: Path) -> Path | None:
    """The existing cache entry of the file ``path``, else None.

    Parameters
    ----------
    path : Path
        A topology file.

    Returns
    -------
    Path or None
        Its cache entry, or None.
    """
    try:
        entry = cache_path(path)
    except OSError:
        return None
    return entry if entry is not None and entry.is_file() else None


def load_cached(path: Path, read: Callable[[Path], Topology]) -> Topology:
    """``read(path)``, or its cached columns when the same bytes were read before.

    Parameters
    ----------
    path : Path
        A topology file.
    read : Callable[[Path], Topology]
        Reads the file when it is not cached.

    Returns
    -------
    Topology
        The topology.
    """
    try:
        entry = cache_path(path)
    except OSError:  # unreadable file: let the reader name the problem
        entry = None
    if entry is None:
        return read(path)
    if entry.is_file():
        try:
            return read_parquet(entry)
        except (InputError, OSError):
            entry.unlink(missing_ok=True)
    topology = read(path)
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        _write_parquet(topology, entry)
    except OSError:
        pass  # a cache that cannot be written is no cache
    return topology
