"""Columnar topology format: one Parquet file, read without building per-node objects.

Topology layer (docs/topology-format.md, "Parquet"). One file holds both tables: the
node rows first, then the link rows, in separate row groups. Node fields are columns
``node_<field>``, link fields ``link_<field>`` (the other table's columns are null in
a row group, which Parquet stores in a few bytes); the column types are derived from
the pydantic models (:mod:`resilience_sim.topology.table`), so new model fields become
columns by themselves. The file's key-value metadata ``resilience_sim`` holds the
network's ``name``, ``description``, ``n_nodes``, ``n_links`` and the format version.

Reading checks every field rule on whole columns and every id and reference with
Arrow kernels; a row that breaks a rule gets exactly the message it would get in a
YAML file (:mod:`resilience_sim.topology.column_checks`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from resilience_sim.atomic_write import atomic_output
from resilience_sim.errors import InputError
from resilience_sim.memory import check_parse_memory
from resilience_sim.topology.checks import checked_topology
from resilience_sim.topology.column_checks import document_problems, screen_table
from resilience_sim.topology.model import Link, Node, Topology
from resilience_sim.topology.table import model_schema

PARQUET_SUFFIXES = (".parquet",)
FORMAT_VERSION = 1
METADATA_KEY = b"resilience_sim"
NODE_PREFIX, LINK_PREFIX = "node_", "link_"
ROW_GROUP_ROWS = 256 * 1024  # assumed: a few MB per column chunk; reads stream by group


def file_schema(metadata: dict | None = None) -> pa.Schema:
    """The Parquet file's schema: every node column, then every link column.

    Parameters
    ----------
    metadata : dict or None, default None
        Schema metadata (None: none).

    Returns
    -------
    pyarrow.Schema
        The schema.
    """
    fields = [
        pa.field(prefix + f.name, f.type)
        for prefix, model in ((NODE_PREFIX, Node), (LINK_PREFIX, Link))
        for f in model_schema(model)
    ]
    meta = {METADATA_KEY: json.dumps(metadata).encode()} if metadata else None
    return pa.schema(fields, metadata=meta)


def write_parquet(topology: Topology, path: str | Path) -> None:
    """Write ``topology`` as a columnar ``.parquet`` file (atomically: temp file, rename).

    Parameters
    ----------
    topology : Topology
        The network.
    path : str or Path
        The ``.parquet`` file.
    """
    path = Path(path)
    nodes, links = topology.node_table, topology.link_table
    meta = {
        "format": "resilience-sim topology",
        "version": FORMAT_VERSION,
        "name": topology.name,
        "description": topology.description,
        "n_nodes": nodes.num_rows,
        "n_links": links.num_rows,
    }
    schema = file_schema(meta)
    with atomic_output(path) as tmp, pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        for table, prefix in ((nodes, NODE_PREFIX), (links, LINK_PREFIX)):
            if table.num_rows:
                writer.write_table(_padded(table, prefix, schema), ROW_GROUP_ROWS)


def _padded(table: pa.Table, prefix: str, schema: pa.Schema) -> pa.Table:
    """``table`` under the file schema: its columns prefixed, the other table's all null."""
    n = table.num_rows
    arrays = [
        table.column(f.name[len(prefix) :]) if f.name.startswith(prefix) else pa.nulls(n, f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(arrays, schema=schema.remove_metadata())


def read_parquet(path: str | Path) -> Topology:
    """Read a columnar topology file; raise InputError naming the file and field.

    Parameters
    ----------
    path : str or Path
        The ``.parquet`` file.

    Returns
    -------
    Topology
        The topology.
    """
    file = str(path)
    path = Path(path)
    if path.is_dir():
        raise InputError.single(file, "", "expected a file, found a folder")
    if not path.is_file():
        raise InputError.single(file, "", "file not found")
    check_parse_memory(path, file)  # from the footer's rows, before the columns
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError.single(file, "", f"not a Parquet file ({exc})") from None
    meta = _metadata(parquet, file)
    n_nodes, n_links = meta["n_nodes"], meta["n_links"]
    nodes = _read_rows(parquet, file, NODE_PREFIX, 0, n_nodes)
    links = _read_rows(parquet, file, LINK_PREFIX, n_nodes, n_links)
    problems = document_problems(meta.get("name"), meta.get("description"), n_nodes, file)
    nodes, node_problems = screen_table(Node, nodes, file, "nodes")
    links, link_problems = screen_table(Link, links, file, "links")
    problems += node_problems + link_problems
    if problems:
        raise InputError(problems)
    topology = Topology.from_tables(meta["name"], nodes, links, meta.get("description", ""))
    return checked_topology(topology, file)


def _metadata(parquet: pq.ParquetFile, file: str) -> dict:
    raw = (parquet.schema_arrow.metadata or {}).get(METADATA_KEY)
    if raw is None:
        raise InputError.single(
            file, "", "not a resilience-sim topology (no 'resilience_sim' metadata)"
        )
    try:
        meta = json.loads(raw)
        rows = parquet.metadata.num_rows
        if not isinstance(meta, dict) or meta.get("n_nodes", -1) + meta.get("n_links", -1) != rows:
            raise ValueError
    except (ValueError, TypeError):
        raise InputError.single(
            file, "", "its 'resilience_sim' metadata does not match the rows of the file"
        ) from None
    if meta.get("version") != FORMAT_VERSION:
        raise InputError.single(
            file, "", f"format version {meta.get('version')!r}; expected {FORMAT_VERSION}"
        )
    return meta


def _read_rows(parquet: pq.ParquetFile, file: str, prefix: str, start: int, count: int):
    """Rows ``start .. start+count`` of the file's ``prefix`` columns, prefix removed."""
    groups, row = [], 0
    for i in range(parquet.num_row_groups):
        k = parquet.metadata.row_group(i).num_rows
        if start <= row and row + k <= start + count:
            groups.append(i)
        elif row < start + count and row + k > start:
            raise InputError.single(file, "", "a row group holds both nodes and links")
        row += k
    names = [c for c in parquet.schema_arrow.names if c.startswith(prefix)]
    if groups:
        table = parquet.read_row_groups(groups, columns=names)
    else:
        table = parquet.schema_arrow.empty_table().select(names)
    return table.rename_columns([c[len(prefix) :] for c in names]).replace_schema_metadata()


__all__ = ["PARQUET_SUFFIXES", "read_parquet", "write_parquet"]
