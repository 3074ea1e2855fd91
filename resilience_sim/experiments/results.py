"""The run folder: tidy tables plus manifest.json, written atomically.

A run is first written to a hidden temporary folder beside its final place and
renamed into ``<results>/<scenario-slug>-<UTC timestamp>/`` only when complete,
so a crash never leaves a half-written run folder that looks finished.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import re
import shutil
from importlib import metadata
from pathlib import Path

from resilience_sim.experiments.study import SimulationResult
from resilience_sim.topology.io.native import topology_to_dict

TABLES = ("timeline", "events", "summary", "regional")
_PACKAGES = (
    "resilience-sim",
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "simpy",
    "networkx",
    "pydantic",
)


def slugify(text: str) -> str:
    """A file-name-safe slug: lower case letters, digits and dashes (at most 60 chars)."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:60].strip("-") or "scenario"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def build_manifest(result: SimulationResult, created: dt.datetime) -> dict:
    scenario = result.scenario
    spec_json = scenario.spec.model_dump_json().encode()
    return {
        "scenario": scenario.name,
        "scenario_file": str(scenario.source) if scenario.source else None,
        "scenario_sha256": (
            sha256_file(scenario.source)
            if scenario.source
            else hashlib.sha256(spec_json).hexdigest()
        ),
        "topology": scenario.topology.name,
        "topology_file": str(scenario.topology_source) if scenario.topology_source else None,
        "topology_sha256": (
            sha256_file(scenario.topology_source) if scenario.topology_source else None
        ),
        "seed": result.seed,
        "replications": result.replications,
        "horizon_h": scenario.horizon_h,
        "wall_time_s": round(result.wall_time_s, 3),
        "created_utc": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "versions": package_versions(),
    }


def write_run(result: SimulationResult, results_dir: str | Path) -> Path:
    """Write ``result`` to a new run folder under ``results_dir`` and return its path."""
    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    created = dt.datetime.now(dt.UTC)
    stem = f"{slugify(result.scenario.name)}-{created.strftime('%Y%m%dT%H%M%SZ')}"
    tmp = results_dir / f".{stem}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        tables = [t for t in TABLES if t != "regional" or result.scenario.spec.output.regional]
        for table in tables:
            getattr(result, table).to_parquet(tmp / f"{table}.parquet", index=False)
        result.summary.to_csv(tmp / "summary.csv", index=False)
        result.aggregate().to_csv(tmp / "summary_stats.csv")
        # Snapshots of the inputs, so a report can be redrawn (and a run reproduced)
        # without the original files.
        scenario = result.scenario
        (tmp / "scenario.json").write_text(scenario.spec.model_dump_json(indent=2) + "\n")
        (tmp / "topology.json").write_text(
            json.dumps(topology_to_dict(scenario.topology), ensure_ascii=False) + "\n"
        )
        manifest = build_manifest(result, created)
        manifest["files"] = [f"{t}.parquet" for t in tables] + [
            "summary.csv",
            "summary_stats.csv",
            "scenario.json",
            "topology.json",
        ]
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        final = _free_name(results_dir, stem)
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def _free_name(parent: Path, stem: str) -> Path:
    candidate, n = parent / stem, 2
    while candidate.exists():
        candidate, n = parent / f"{stem}-{n}", n + 1
    return candidate
