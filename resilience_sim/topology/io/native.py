"""Native topology format: YAML or JSON, documented field by field in docs/topology-format.md."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml
from pydantic import BaseModel

from resilience_sim.atomic_write import write_text_atomic
from resilience_sim.topology.cache import load_cached
from resilience_sim.topology.checks import build_topology
from resilience_sim.topology.model import Link, Node, Topology, TopologyDocument
from resilience_sim.validation import read_document, validate_document


def read_native(path: str | Path, document: Any = None) -> Topology:
    """Read a native YAML/JSON topology file; raise InputError naming the file and field.

    ``document``: the file's content, if the caller has parsed it already. A large
    file is read from the compiled cache when its bytes were read before
    (:mod:`resilience_sim.topology.cache`).

    Parameters
    ----------
    path : str or Path
        The ``.yaml``, ``.yml`` or ``.json`` file.
    document : Any, default None
        The parsed content (None: read the file).

    Returns
    -------
    Topology
        The topology.
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
    """The native document as plain data; fields left at their defaults are omitted.

    Built from the column tables (what ``TopologyDocument.model_dump(mode="json",
    exclude_defaults=True)`` gives, without building a Node or Link object).

    Parameters
    ----------
    topology : Topology
        The network.

    Returns
    -------
    dict
        The document.
    """
    data: dict[str, Any] = {"name": topology.name}
    if topology.description:
        data["description"] = topology.description
    data["nodes"] = _rows(Node, topology.node_table)
    links = _rows(Link, topology.link_table)
    if links:
        data["links"] = links
    return data


def _rows(model: type[BaseModel], table: pa.Table) -> list[dict]:
    """One dict per row, fields equal to their default left out, in field order."""
    columns = []
    for name, info in model.model_fields.items():
        default = info.default_factory() if info.default_factory is not None else info.default
        values = table.column(name).to_pylist()
        if info.is_required():
            columns.append((name, values, None, False))
        else:
            columns.append((name, values, _plain(default), True))
    rows: list[dict] = [{} for _ in range(table.num_rows)]
    for name, values, default, optional in columns:
        for row, value in zip(rows, values, strict=True):
            if not optional or value != default:
                row[name] = value
    return rows


def _plain(value: Any) -> Any:
    """A default as the column holds it (an enum as its value)."""
    return value.value if isinstance(value, Enum) else value


def write_native(topology: Topology, path: str | Path) -> None:
    """Write ``topology`` as YAML (``.yaml``/``.yml``) or JSON (``.json``).

    Parameters
    ----------
    topology : Topology
        The network.
    path : str or Path
        The ``.yaml``, ``.yml`` or ``.json`` file.
    """
    path = Path(path)
    data = topology_to_dict(topology)
    if path.suffix.lower() == ".json":
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    else:
        # libyaml's emitter when PyYAML has it: the same text (checked on the shipped
        # topologies in tests/test_columnar.py), about 3x faster
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        text = yaml.dump(
            data, Dumper=dumper, sort_keys=False, allow_unicode=True, default_flow_style=None
        )
    write_text_atomic(path, text)
