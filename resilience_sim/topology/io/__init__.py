"""Topology readers and writers, chosen by file extension."""

from __future__ import annotations

from pathlib import Path

from resilience_sim.errors import InputError
from resilience_sim.topology.io.columnar import PARQUET_SUFFIXES, read_parquet, write_parquet
from resilience_sim.topology.io.native import read_native, write_native
from resilience_sim.topology.model import Topology
from resilience_sim.validation import as_path

NATIVE_SUFFIXES = (".yaml", ".yml", ".json")


def read_topology(path: str | Path) -> Topology:
    """Read a topology: native YAML/JSON, columnar ``.parquet``, GraphML (``.graphml``) or
    Topology Zoo GML (``.gml``).

    Parameters
    ----------
    path : str or Path
        The file (format by extension).

    Returns
    -------
    Topology
        The topology.
    """
    suffix = as_path(path).suffix.lower()
    if suffix in NATIVE_SUFFIXES:
        return read_native(path)
    if suffix in PARQUET_SUFFIXES:
        return read_parquet(path)
    if suffix == ".graphml":
        from resilience_sim.topology.io.graphml import read_graphml

        return read_graphml(path)
    if suffix == ".gml":
        from resilience_sim.topology.io.zoo import read_zoo_gml

        return read_zoo_gml(path)
    raise InputError.single(
        str(path),
        "",
        f"unknown topology format {suffix!r}; use .yaml, .yml, .json, .parquet, .graphml or .gml",
    )


def write_topology(topology: Topology, path: str | Path) -> None:
    """Write a topology as native YAML/JSON, columnar Parquet or GraphML, by extension.

    Parameters
    ----------
    topology : Topology
        The network.
    path : str or Path
        The file (format by extension).
    """
    suffix = Path(path).suffix.lower()
    if suffix in NATIVE_SUFFIXES:
        return write_native(topology, path)
    if suffix in PARQUET_SUFFIXES:
        return write_parquet(topology, path)
    if suffix == ".graphml":
        from resilience_sim.topology.io.graphml import write_graphml

        return write_graphml(topology, path)
    raise InputError.single(
        str(path),
        "",
        f"cannot write topology format {suffix!r}; use .yaml, .yml, .json, .parquet or .graphml",
    )


__all__ = ["read_topology", "write_topology"]
