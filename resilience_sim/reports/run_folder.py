"""Read a run folder back: the manifest, the tables and the input snapshots."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from resilience_sim.errors import InputError


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
        return cls(path=path, manifest=manifest, scenario=scenario, **tables)

    @property
    def horizon_h(self) -> float:
        return float(self.manifest["horizon_h"])
