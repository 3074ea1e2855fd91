"""Descriptive statistics of a topology (counts, lengths, capacity, reachability)."""

from __future__ import annotations

from collections import Counter

import networkx as nx

from resilience_sim.topology.model import Topology


def topology_stats(topology: Topology) -> dict:
    """Counts per kind and region, total length (km) and capacity (Gbit/s) per link kind,
    connected components, and the core / international node ids.

    Parameters
    ----------
    topology : Topology
        The network.

    Returns
    -------
    dict
        The statistics.
    """
    g = topology.to_networkx()
    length_by_kind: Counter[str] = Counter()
    capacity_by_kind: Counter[str] = Counter()
    unknown_length = 0
    for link in topology.links:
        length = topology.link_length_km(link)
        if length is None:
            unknown_length += 1
        else:
            length_by_kind[link.kind.value] += length
        capacity_by_kind[link.kind.value] += link.capacity_gbps
    population_by_region: Counter[str] = Counter()
    for node in topology.nodes:
        population_by_region[node.region] += node.population
    return {
        "name": topology.name,
        "n_nodes": topology.n_nodes,
        "n_links": topology.n_links,
        "nodes_by_kind": dict(Counter(n.kind.value for n in topology.nodes)),
        "links_by_kind": dict(Counter(e.kind.value for e in topology.links)),
        "link_length_km_by_kind": {k: round(v, 1) for k, v in length_by_kind.items()},
        "links_without_length": unknown_length,
        "capacity_gbps_by_kind": dict(capacity_by_kind),
        "regions": topology.regions,
        "population_by_region": dict(population_by_region),
        "population_total": float(sum(population_by_region.values())),
        "access_nodes": sum(1 for n in topology.nodes if n.population > 0),
        "connected_components": nx.number_connected_components(g),
        "core_nodes": topology.core_node_ids(),
        "international_nodes": topology.international_node_ids(),
    }
