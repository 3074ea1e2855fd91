"""Snapshots of a study's inputs in its folder, their content hashes, and reading them.

``scenario.json`` (the validated scenario, every default filled in) and
``topology.json`` (the topology in the native format) let a report be redrawn and a
run be reproduced or resumed without the original files. Their SHA-256 is recorded in
the manifest (``snapshots``) or ``progress.json``, and checked before they are used: a
snapshot edited or damaged after the run is refused with an InputError.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from resilience_sim.errors import InputError
from resilience_sim.experiments.runfolder.folder import sha256_file, write_bytes_hashed
from resilience_sim.experiments.runfolder.names import (
    SCENARIO_SNAPSHOT,
    SNAPSHOT_FILES,
    TOPOLOGY_SNAPSHOT,
)
from resilience_sim.scenario import Scenario, ScenarioSpec, check_references
from resilience_sim.topology import read_topology
from resilience_sim.topology.io.native import topology_to_dict
from resilience_sim.validation import validate_document


def input_record(scenario: Scenario) -> dict:
    """The manifest fields that identify a study's inputs (files and their SHA-256).

    Parameters
    ----------
    scenario : Scenario
        The checked scenario.

    Returns
    -------
    dict
        The fields.
    """
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
    }


def write_snapshots(folder: Path, scenario: Scenario) -> dict[str, str]:
    """Write ``scenario.json`` and ``topology.json`` into ``folder``; return each file's
    SHA-256 (hex) by name, for the manifest's ``snapshots``.

    Parameters
    ----------
    folder : Path
        The folder.
    scenario : Scenario
        The checked scenario.

    Returns
    -------
    dict[str, str]
        File name -> SHA-256.
    """
    scenario_text = scenario.spec.model_dump_json(indent=2) + "\n"
    topology_text = json.dumps(topology_to_dict(scenario.topology), ensure_ascii=False) + "\n"
    return {
        SCENARIO_SNAPSHOT: write_bytes_hashed(folder / SCENARIO_SNAPSHOT, scenario_text.encode()),
        TOPOLOGY_SNAPSHOT: write_bytes_hashed(folder / TOPOLOGY_SNAPSHOT, topology_text.encode()),
    }


def check_snapshots(folder: Path, recorded: object, record_file: Path) -> None:
    """InputError unless every snapshot ``recorded`` (name -> SHA-256, as written by
    :func:`write_snapshots`) is in ``folder`` with that hash. ``None`` (a folder written
    before snapshots were hashed) checks nothing; ``record_file`` is named in errors
    about the record itself.

    Parameters
    ----------
    folder : Path
        The folder.
    recorded : object
        The recorded hashes.
    record_file : Path
        The file they were recorded in (named in errors).
    """
    if recorded is None:
        return
    if not isinstance(recorded, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in recorded.items()
    ):
        raise InputError.single(
            str(record_file), "snapshots", "expected a mapping of file name to SHA-256"
        )
    for name, digest in recorded.items():
        if name not in SNAPSHOT_FILES:
            raise InputError.single(
                str(record_file), f"snapshots.{name}", "not a snapshot of this format"
            )
        path = folder / name
        if not path.is_file():
            raise InputError.single(str(path), "", "snapshot missing from the run folder")
        if sha256_file(path) != digest:
            raise InputError.single(
                str(path),
                "",
                f"snapshot changed since the run (its SHA-256 differs from the one in "
                f"{record_file.name}); the run folder was edited or damaged and no longer "
                "records the inputs as run",
            )


def scenario_from_snapshots(folder: Path, inputs: dict) -> Scenario:
    """The scenario as run, rebuilt from ``folder``'s scenario.json and topology.json;
    ``inputs`` (manifest fields, :func:`input_record`) name the original files. Check
    the snapshots first (:func:`check_snapshots`).

    Parameters
    ----------
    folder : Path
        The folder.
    inputs : dict
        The manifest's input record.

    Returns
    -------
    Scenario
        The scenario.
    """
    file = str(folder / SCENARIO_SNAPSHOT)
    try:
        document = json.loads((folder / SCENARIO_SNAPSHOT).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError.single(file, "", f"cannot read: {exc}") from None
    spec = validate_document(ScenarioSpec, document, file)
    topology = read_topology(folder / TOPOLOGY_SNAPSHOT)
    check_references(spec, topology, file)
    return Scenario(
        spec=spec,
        topology=topology,
        source=_path_or_none(inputs.get("scenario_file")),
        topology_source=_path_or_none(inputs.get("topology_file")),
    )


def _path_or_none(text: str | None) -> Path | None:
    return Path(text) if text else None
