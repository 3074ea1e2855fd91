"""File names of run folders, folder names and UTC stamps (docs/results.md).

Every file a run folder, a partial run folder or another study folder holds is named
here once; writers and readers take the names from this module.
"""

from __future__ import annotations

import datetime as dt
import re

MANIFEST_FILE = "manifest.json"
SCENARIO_SNAPSHOT = "scenario.json"
TOPOLOGY_SNAPSHOT = "topology.json"
SNAPSHOT_FILES = (SCENARIO_SNAPSHOT, TOPOLOGY_SNAPSHOT)
PROGRESS_FILE = "progress.json"
PARTIAL_SUFFIX = ".partial"
BATCHES_DIR = "batches"
SUMMARY_CSV = "summary.csv"
SUMMARY_STATS_CSV = "summary_stats.csv"
REPORT_FILE = "report.html"
_STAMP = "%Y-%m-%dT%H:%M:%SZ"


def table_file(table: str) -> str:
    """``<table>.parquet``: the file of one of the study's tables.

    Parameters
    ----------
    table : str
        A table name.

    Returns
    -------
    str
        The file name.
    """
    return f"{table}.parquet"


def slugify(text: str) -> str:
    """A file-name-safe slug: lower case letters, digits and dashes (at most 60 chars).

    Parameters
    ----------
    text : str
        The text.

    Returns
    -------
    str
        The slug.
    """
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:60].strip("-") or "scenario"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def utc_text(moment: dt.datetime) -> str:
    """``2026-12-07T01:52:13Z``: the stamp of ``created_utc`` fields.

    Parameters
    ----------
    moment : dt.datetime
        A timezone-aware time.

    Returns
    -------
    str
        The stamp.
    """
    return moment.strftime(_STAMP)


def parse_utc(text: str) -> dt.datetime:
    """The moment of a :func:`utc_text` stamp (timezone-aware, UTC).

    Parameters
    ----------
    text : str
        A stamp.

    Returns
    -------
    dt.datetime
        The moment.
    """
    return dt.datetime.strptime(text, _STAMP).replace(tzinfo=dt.UTC)


def run_stem(name: str, created: dt.datetime) -> str:
    """``<slug>-<UTC timestamp>``: the name of a run folder (before any ``-2``).

    Parameters
    ----------
    name : str
        The study's name.
    created : dt.datetime
        When (UTC).

    Returns
    -------
    str
        The folder name.
    """
    return f"{slugify(name)}-{created.strftime('%Y%m%dT%H%M%SZ')}"
