"""Native topology format: YAML or JSON, documented field by field in docs/topology-format.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from resilience_sim.topology.cache import load_cached
from resilience_sim.topology.checks import build_topology
from resilience_sim.topology.model import Topology, TopologyDocument
from resilience_sim.validation import read_document, validate_document


def read_native(path: str | Path, document: Any = None) -> Topology:
    """Read a native YAML/JSON topology file; raise InputError naming the file and field.

    ``document``: the file's content, if the caller has parsed it already. A large
    file is read from the compiled cache when its bytes were read before
    (:mod:`resilience_sim.topology.cache`).
    """
    path = Path(path)

    def parse(path: Path) -> Topology:
        file = str(path)
        parsed = read_document(path) if document is None else document
        return build_topology(validate_document(TopologyDocument, parsed, file), file)

    if path.is_file():
        return load_cached(path, parse)
    return parse(path)


def topology_to_dict(topology: Topology) -> dict:
    """The native document as plain data; fields left at their defaults are omitted."""
    return topology.to_document().model_dump(mode="json", exclude_defaults=True) | {
        "name": topology.name
    }


def write_native(topology: Topology, path: str | Path) -> None:
    """Write ``topology`` as YAML (``.yaml``/``.yml``) or JSON (``.json``)."""
    path = Path(path)
    data = topology_to_dict(topology)
    if path.suffix.lower() == ".json":
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    else:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=None)
    _atomic_write_text(path, text)


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
