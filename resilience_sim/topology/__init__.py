"""Topology: the network model, its file formats and its compiled array view."""

from resilience_sim.topology.compile import NetworkArrays, compile_topology
from resilience_sim.topology.io import read_topology, write_topology
from resilience_sim.topology.model import (
    ASSET_KINDS,
    LINK_KINDS,
    NODE_KINDS,
    Link,
    LinkKind,
    Node,
    NodeKind,
    Topology,
    TopologyDocument,
)

__all__ = [
    "ASSET_KINDS",
    "LINK_KINDS",
    "NODE_KINDS",
    "Link",
    "LinkKind",
    "NetworkArrays",
    "Node",
    "NodeKind",
    "Topology",
    "TopologyDocument",
    "compile_topology",
    "read_topology",
    "write_topology",
]
