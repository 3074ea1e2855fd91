"""Memory before parsing: what a file read whole needs, and what this machine has.

Every reader that parses a whole file in memory (YAML and JSON documents, GraphML,
Topology Zoo GML, GeoJSON, columnar Parquet topologies) calls
:func:`check_parse_memory` first, so a file too large for the machine is refused from
its size (Parquet: its footer's row count) with a clear message, instead of a
``MemoryError`` or the kernel's OOM killer after minutes of parsing (issue 21.5).
``run --max-memory GB`` adds a limit of its own (:mod:`resilience_sim.experiments.limits`).
"""

from __future__ import annotations

from pathlib import Path

from resilience_sim.errors import InputError

# YAML files from this size on are parsed by libyaml (yaml.CSafeLoader, when PyYAML has
# it; see resilience_sim.validation); smaller ones by the pure-Python parser.
C_LOADER_MIN_CHARS = 1 << 20

# Peak memory while parsing a file, bytes per byte of file. Measured as the rise of peak
# RSS (VmHWM, reset through /proc/self/clear_refs) over read_topology of the 20,000-node
# `national` preset (48,000 assets; `topology generate --preset national --nodes 20000
# --seed 1`) in a fresh process, one run each:
#   .yaml     5.6 MB file, 348 MB peak: 62 per byte (libyaml, C_LOADER_MIN_CHARS and up);
#             566 MB, 100 per byte with the pure-Python parser (smaller files); the same
#             network in block style (5.8 MB) gave the same 99 per byte
#   .json     8.9 MB (indented, as written by `topology generate`), 103 MB peak: 11.6;
#             6.5 MB compact (as topology.json snapshots): 15.7
#   .graphml  18.6 MB, 680 MB peak: 36.5
#   .gml      5.2 MB (20,000 nodes and 26,666 edges written like a Topology Zoo file),
#             137 MB peak: 26.5
# rounded up. GeoJSON is JSON (`assumed`: the same parser, the same factor).
PARSE_BYTES_PER_FILE_BYTE = {
    ".yaml": 64,
    ".yml": 64,
    ".json": 16,
    ".geojson": 16,
    ".graphml": 37,
    ".gml": 27,
}
SMALL_YAML_BYTES_PER_FILE_BYTE = 100  # below C_LOADER_MIN_CHARS: pure-Python parser
# Columnar .parquet files are compressed, so their peak goes by rows (nodes + links, from
# the file's footer), not bytes. Measured like the above with read_topology (without the
# cache) of `topology generate --preset national --seed 1` written as .parquet: 95 MB for
# 20,000 nodes (48,000 rows), 1,140 MB for 1,000,000 nodes (2.4M rows): 475 bytes per
# row plus a fixed part; rounded up.
PARQUET_FIXED_BYTES = 100_000_000
PARQUET_BYTES_PER_ROW = 500
PARQUET_SUFFIXES = (".parquet",)

# Largest files read whole. YAML is the hand-written format: 64 MiB of YAML (about
# 500,000 assets at the generator's 120 bytes per asset) already needs about 4.3 GB and
# a minute and a half to parse (libyaml, 8.5 s per 5.6 MB, measured above); a larger
# network belongs in JSON or Parquet (`assumed` limit). Any other format: 512 MiB.
MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_YAML_BYTES = 64 * 1024 * 1024
YAML_SUFFIXES = (".yaml", ".yml")


def size_text(n_bytes: float) -> str:
    """Bytes for people: 3 significant digits in kB, MB or GB (decimal units).

    Parameters
    ----------
    n_bytes : float
        A size, bytes.

    Returns
    -------
    str
        E.g. ``"21.3 kB"``, ``"2.13 MB"``.
    """
    for unit, scale in (("GB", 1e9), ("MB", 1e6)):
        if n_bytes >= 0.95 * scale:
            return f"{n_bytes / scale:.3g} {unit}"
    return f"{n_bytes / 1e3:.3g} kB"


def parquet_rows(path: Path) -> int | None:
    """Rows of a Parquet file from its footer (None if it is not readable Parquet).

    Parameters
    ----------
    path : Path
        A file that may be Parquet.

    Returns
    -------
    int or None
        The row count of its footer, or None.
    """
    import pyarrow.parquet as pq

    try:
        return pq.read_metadata(path).num_rows
    except (OSError, ValueError):  # not Parquet: the reader reports it
        return None


def parse_bytes(path: str | Path) -> int:
    """Estimated peak memory of parsing the file ``path`` whole, from its size and format
    alone (a Parquet topology: from its footer's rows); 0 for formats not listed.

    Parameters
    ----------
    path : str or Path
        The file to read (its format from the extension).

    Returns
    -------
    int
        Estimated peak parsing memory, bytes.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        rows = parquet_rows(path)
        return 0 if rows is None else PARQUET_FIXED_BYTES + PARQUET_BYTES_PER_ROW * rows
    size = path.stat().st_size
    factor = PARSE_BYTES_PER_FILE_BYTE.get(suffix, 0)
    if suffix in (".yaml", ".yml") and size < C_LOADER_MIN_CHARS:
        factor = SMALL_YAML_BYTES_PER_FILE_BYTE
    return factor * size


def available_memory_bytes() -> int | None:
    """Bytes this process can still get: Linux's ``MemAvailable``, bounded by the memory
    limit of the cgroup it runs in (a container) less what the cgroup uses; None where
    the OS does not say."""
    found = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),  # cgroup v2
        (
            "/sys/fs/cgroup/memory/memory.limit_in_bytes",  # cgroup v1
            "/sys/fs/cgroup/memory/memory.usage_in_bytes",
        ),
    ):
        try:
            limit = Path(limit_file).read_text().strip()
            if limit != "max" and int(limit) < 1 << 60:  # v1 writes "no limit" as ~2^63
                found.append(max(0, int(limit) - int(Path(usage_file).read_text())))
        except (OSError, ValueError):
            continue
    return min(found) if found else None


def check_parse_memory(path: str | Path, file: str | None = None) -> int:
    """Refuse (InputError naming ``file``, field ``<document>``) a file larger than its
    format's limit (``MAX_YAML_BYTES``, ``MAX_FILE_BYTES``) or whose parsing would need
    more memory than is available; return the parsing estimate, bytes. Call it before
    reading the file: it looks at the size (a Parquet file: the footer) only.

    Parameters
    ----------
    path : str or Path
        The file to read.
    file : str or None, default None
        The name used in the error (default: ``path``).

    Returns
    -------
    int
        The parsing estimate, bytes (from :func:`parse_bytes`).
    """
    path = Path(path)
    needed = parse_bytes(path)
    size = path.stat().st_size
    suffix = path.suffix.lower()
    limit = MAX_YAML_BYTES if suffix in YAML_SUFFIXES else MAX_FILE_BYTES
    if size > limit and suffix not in PARQUET_SUFFIXES:
        limit_text = f"the {size_text(limit)} limit" + (
            " for YAML" if limit == MAX_YAML_BYTES else ""
        )
        raise InputError.single(
            file or str(path),
            "",
            f"too large to read: this {size_text(size)} file is larger than {limit_text}; "
            f"parsing this {describe_file(path, needed)}; {advice(path, over_limit=True)}",
        )
    available = available_memory_bytes()
    if available is not None and needed > available:
        raise InputError.single(
            file or str(path),
            "",
            f"too large to read: parsing this {describe_file(path, needed)}, more than the "
            f"{size_text(available)} of memory available; {advice(path)}",
        )
    return needed


def describe_file(path: Path, needed: int) -> str:
    """``21.3 kB YAML file needs about 2.13 MB (100 bytes per byte of file, measured)``.

    Parameters
    ----------
    path : Path
        The file.
    needed : int
        Its parsing estimate, bytes.

    Returns
    -------
    str
        The file's size, format and memory need in words.
    """
    kind = path.suffix.lower().lstrip(".").upper()
    if path.suffix.lower() in PARQUET_SUFFIXES:
        rows = parquet_rows(path) or 0
        per = f"{size_text(PARQUET_FIXED_BYTES)} + {PARQUET_BYTES_PER_ROW} bytes per row"
        return f"{kind} file of {rows:,} rows needs about {size_text(needed)} ({per}, measured)"
    size = path.stat().st_size
    return (
        f"{size_text(size)} {kind} file needs about {size_text(needed)} "
        f"({needed // max(size, 1)} bytes per byte of file, measured)"
    )


def advice(path: Path, over_limit: bool = False) -> str:
    """What to do about a file too large to read (``over_limit``: above its format's
    size limit, so not readable here on any machine).

    Parameters
    ----------
    path : Path
        The file.
    over_limit : bool, default False
        True if it is above its format's size limit.

    Returns
    -------
    str
        One sentence of advice (convert to the columnar format, split it, use a larger
        machine).
    """
    if path.suffix.lower() not in YAML_SUFFIXES:
        return "free memory, or read it on a machine with more"
    if over_limit:
        return (
            "write large networks as JSON (about 3x less memory to read) or Parquet (about "
            "10x less): topology generate, import-cables, import-fibre and convert write "
            "both; convert this file with another YAML parser"
        )
    return (
        "a topology saved as JSON needs about 3x less memory to read, as Parquet about "
        "10x less (resilience-sim topology convert, on a machine where it fits); or free "
        "memory"
    )


__all__ = [
    "C_LOADER_MIN_CHARS",
    "MAX_FILE_BYTES",
    "MAX_YAML_BYTES",
    "PARSE_BYTES_PER_FILE_BYTE",
    "available_memory_bytes",
    "check_parse_memory",
    "parse_bytes",
    "size_text",
]
