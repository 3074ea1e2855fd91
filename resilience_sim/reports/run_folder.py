"""Read a run folder back: the manifest, the tables and the input snapshots.

Reports stage: a report reads only the run folder, so it can be redrawn
without re-simulating (docs/results.md lists the files).

Only the summary (one row per replication) is read up front. The timeline, events
and regional tables grow with the study, so the report reads them in chunks of whole
replications (:meth:`RunFolder.iter_replications`, the columns it needs, one row group
at a time) or one replication at a time (:meth:`RunFolder.replication_rows`); the
``timeline``, ``events`` and ``regional`` attributes read a whole table on first use.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from resilience_sim.errors import InputError
from resilience_sim.experiments.runfolder import (
    SCENARIO_SNAPSHOT,
    TOPOLOGY_SNAPSHOT,
    read_manifest,
)
from resilience_sim.topology import Topology, read_topology

CHUNK_ROWS = 65_536  # rows read at a time by iter_replications (plus one replication's)


@dataclass(frozen=True)
class RunFolder:
    """Everything a report needs, read only from the run folder."""

    path: Path
    manifest: dict
    scenario: dict
    summary: pd.DataFrame
    has_regional: bool  # False when the scenario turned the regional table off
    topology: Topology | None = None  # absent in run folders written before the snapshot

    @classmethod
    def read(cls, path: str | Path) -> RunFolder:
        """Read a run folder: manifest, scenario snapshot, summary (other tables on first use).

        Parameters
        ----------
        path : str or Path
            The run folder.

        Returns
        -------
        RunFolder
            The folder; InputError if it is not a readable run folder.
        """
        path = Path(path)
        manifest = read_manifest(path)
        has_regional = (path / "regional.parquet").is_file()
        try:
            scenario = json.loads((path / SCENARIO_SNAPSHOT).read_text(encoding="utf-8"))
            summary = pd.read_parquet(path / "summary.parquet")
            for name in ("timeline", "events", "regional")[: 3 if has_regional else 2]:
                pq.read_schema(path / f"{name}.parquet")  # present and a parquet file
        except (OSError, ValueError) as exc:
            raise _unreadable(path, exc) from None
        snapshot = path / TOPOLOGY_SNAPSHOT
        topology = read_topology(snapshot) if snapshot.is_file() else None
        return cls(
            path=path,
            manifest=manifest,
            scenario=scenario,
            summary=summary,
            has_regional=has_regional,
            topology=topology,
        )

    @property
    def horizon_h(self) -> float:
        """The run's horizon, hours."""
        return float(self.manifest["horizon_h"])

    @property
    def replications(self) -> list[int]:
        """The replication numbers, sorted."""
        return sorted(int(r) for r in self.summary.replication)

    # -- whole tables (read on first use) ---------------------------------------------

    @cached_property
    def timeline(self) -> pd.DataFrame:
        """The whole timeline table."""
        return self._read_table("timeline")

    @cached_property
    def events(self) -> pd.DataFrame:
        """The whole events table."""
        return self._read_table("events")

    @cached_property
    def regional(self) -> pd.DataFrame | None:
        """The whole regional table (None if the run has none)."""
        return self._read_table("regional") if self.has_regional else None

    def _read_table(self, table: str, **options) -> pd.DataFrame:
        try:
            return pd.read_parquet(self.path / f"{table}.parquet", **options)
        except (OSError, ValueError) as exc:
            raise _unreadable(self.path, exc) from None

    # -- bounded reads ----------------------------------------------------------------

    def columns(self, table: str) -> list[str]:
        """The columns of ``table`` (from the parquet footer; no rows read).

        Parameters
        ----------
        table : str
            A table name (``timeline``, ``events``...).

        Returns
        -------
        list[str]
            Column names.
        """
        try:
            return pq.read_schema(self.path / f"{table}.parquet").names
        except (OSError, ValueError) as exc:
            raise _unreadable(self.path, exc) from None

    def iter_replications(
        self, table: str, columns: Sequence[str] | None = None
    ) -> Iterator[pd.DataFrame]:
        """``table`` in chunks of whole replications, in the file's (replication) order.

        Reads ``replication`` and those of ``columns`` the file has (all columns if
        None), about ``CHUNK_ROWS`` rows at a time: a replication cut by a chunk
        boundary is held back and joined to the next chunk.

        Parameters
        ----------
        table : str
            A table name.
        columns : Sequence[str] or None, default None
            Columns to read (None: all).

        Yields
        ------
        pandas.DataFrame
            Rows of whole replications.
        """
        present = self.columns(table)
        wanted = None
        if columns is not None:
            wanted = ["replication", *(c for c in columns if c in present and c != "replication")]
        held: pd.DataFrame | None = None
        try:
            parquet = pq.ParquetFile(self.path / f"{table}.parquet")
            for batch in parquet.iter_batches(batch_size=CHUNK_ROWS, columns=wanted):
                frame = batch.to_pandas()
                if held is not None:
                    frame = pd.concat([held, frame], ignore_index=True)
                if frame.empty:
                    continue
                replication = frame.replication.to_numpy()
                others = np.flatnonzero(replication != replication[-1])
                cut = int(others[-1]) + 1 if len(others) else 0  # the last replication's start
                if cut:
                    yield frame.iloc[:cut]
                held = frame.iloc[cut:]
        except (OSError, ValueError) as exc:
            raise _unreadable(self.path, exc) from None
        if held is not None and not held.empty:
            yield held

    def replication_rows(self, table: str, replication: int) -> pd.DataFrame:
        """The rows of one replication of ``table`` (row groups of others are skipped).

        Parameters
        ----------
        table : str
            A table name.
        replication : int
            The replication number.

        Returns
        -------
        pandas.DataFrame
            Its rows.
        """
        return self._read_table(table, filters=[("replication", "==", replication)])

    def empty_table(self, table: str) -> pd.DataFrame:
        """``table``'s columns with no rows.

        Parameters
        ----------
        table : str
            A table name.

        Returns
        -------
        pandas.DataFrame
            An empty table with its columns.
        """
        try:
            return pq.read_schema(self.path / f"{table}.parquet").empty_table().to_pandas()
        except (OSError, ValueError) as exc:
            raise _unreadable(self.path, exc) from None


def _unreadable(path: Path, exc: Exception) -> InputError:
    return InputError.single(str(path), "", f"incomplete or unreadable run folder: {exc}")


def median_replication(summary: pd.DataFrame) -> int:
    """The replication whose domestic unserved user-hours is the median (lower on ties).

    Parameters
    ----------
    summary : pandas.DataFrame
        The summary table.

    Returns
    -------
    int
        The replication number.
    """
    order = summary.sort_values(["unserved_user_h_domestic", "replication"], kind="stable")
    return int(order.replication.iloc[(len(order) - 1) // 2])
