"""Read a run folder back: the manifest, the tables and the input snapshots.

Reports stage: a report reads only the run folder, so it can be redrawn
without re-simulating (docs/results.md lists the files).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from resilience_sim.errors import InputError
from resilience_sim.topology import Topology, read_topology


@dataclass(frozen=True)
class RunFolder:
    """Everything a report needs, read only from the run folder."""

    path: Path
    manifest: dict
    scenario: dict
    timeline: pd.DataFrame
    regional: pd.DataFrame | None  # absent when the scenario turned it off
    events: pd.DataFrame
    summary: pd.DataFrame
    topology: Topology | None = None  # absent in run folders written before the snapshot

    @classmethod
    def read(cls, path: str | Path) -> RunFolder:
        path = Path(path)
        manifest_file = path / "manifest.json"
        if not manifest_file.is_file():
            raise InputError.single(
                str(path), "manifest.json", "not a run folder (no manifest.json)"
            )
        try:
            manifest = json.loads(manifest_file.read_text())
            scenario = json.loads((path / "scenario.json").read_text())
            tables = {
                name: pd.read_parquet(path / f"{name}.parquet")
                for name in ("timeline", "events", "summary")
            }
            regional = path / "regional.parquet"
            tables["regional"] = pd.read_parquet(regional) if regional.is_file() else None
        except (OSError, ValueError) as exc:
            raise InputError.single(
                str(path), "", f"incomplete or unreadable run folder: {exc}"
            ) from None
        snapshot = path / "topology.json"
        topology = read_topology(snapshot) if snapshot.is_file() else None
        return cls(path=path, manifest=manifest, scenario=scenario, topology=topology, **tables)

    @property
    def horizon_h(self) -> float:
        return float(self.manifest["horizon_h"])

    @property
    def replications(self) -> list[int]:
        return sorted(int(r) for r in self.summary.replication)


def median_replication(summary: pd.DataFrame) -> int:
    """The replication whose domestic unserved user-hours is the median (lower on ties)."""
    order = summary.sort_values(["unserved_user_h_domestic", "replication"], kind="stable")
    return int(order.replication.iloc[(len(order) - 1) // 2])
