"""Compile a :class:`Topology` into flat numpy arrays for the engine's hot path.

Assets share one index space: nodes are ``0 .. n_nodes-1`` in file order and
links follow as ``n_nodes .. n_nodes+n_links-1``. The engine keeps one boolean
"up" mask over that space; nothing downstream walks a networkx graph.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from resilience_sim.topology.model import Topology


@dataclass(frozen=True, eq=False)
class NetworkArrays:
    """Array view of a topology. Shapes: ``(n_nodes,)``, ``(n_links,)`` or ``(n_assets,)``."""

    n_nodes: int
    n_links: int
    asset_ids: np.ndarray  # (n_assets,) str
    asset_kinds: np.ndarray  # (n_assets,) str
    asset_lat: np.ndarray  # (n_assets,) deg; a link's is the middle of its geometry; NaN unknown
    asset_lon: np.ndarray  # (n_assets,) deg
    link_src: np.ndarray  # (n_links,) int32 node index
    link_dst: np.ndarray  # (n_links,) int32 node index
    link_capacity_gbps: np.ndarray  # (n_links,)
    link_length_km: np.ndarray  # (n_links,) NaN where unknown
    population: np.ndarray  # (n_nodes,) persons served
    region_of_node: np.ndarray  # (n_nodes,) int32 index into region_names
    region_names: tuple[str, ...]
    is_core: np.ndarray  # (n_nodes,) bool: reaching one means domestic service
    is_international: np.ndarray  # (n_nodes,) bool: reaching one means international service
    asset_index: dict[str, int]
    hardening_factor: np.ndarray  # (n_assets,) multiplies fragility medians

    @property
    def n_assets(self) -> int:
        return self.n_nodes + self.n_links

    def indices_of(self, asset_ids: list[str]) -> np.ndarray:
        return np.fromiter(
            (self.asset_index[a] for a in asset_ids), dtype=np.int64, count=len(asset_ids)
        )

    def nodes_of_link_assets(self, link_asset_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """End-node indices of links given by their asset index."""
        j = np.asarray(link_asset_idx) - self.n_nodes
        return self.link_src[j], self.link_dst[j]


def compile_topology(topology: Topology) -> NetworkArrays:
    """Build the :class:`NetworkArrays` view of ``topology`` (O(n_nodes + n_links))."""
    nodes, links = topology.nodes, topology.links
    n, m = len(nodes), len(links)
    asset_ids = np.array([a for a, _ in topology.iter_assets()] or [], dtype=object)
    asset_kinds = np.array([k for _, k in topology.iter_assets()] or [], dtype=object)

    lat = np.full(n + m, np.nan)
    lon = np.full(n + m, np.nan)
    for i, node in enumerate(nodes):
        if node.has_location:
            lat[i], lon[i] = node.lat, node.lon
    for j, link in enumerate(links):
        points = topology.link_points(link)
        if points:
            lat[n + j], lon[n + j] = (
                points[len(points) // 2]
                if len(points) % 2
                else _midpoint(points[len(points) // 2 - 1], points[len(points) // 2])
            )

    src = np.array([topology.node_index[e.source] for e in links], dtype=np.int32)
    dst = np.array([topology.node_index[e.target] for e in links], dtype=np.int32)
    lengths = [topology.link_length_km(e) for e in links]
    region_names = tuple(topology.regions)
    region_idx = {r: i for i, r in enumerate(region_names)}
    core = set(topology.core_node_ids())
    international = set(topology.international_node_ids())
    return NetworkArrays(
        n_nodes=n,
        n_links=m,
        asset_ids=asset_ids,
        asset_kinds=asset_kinds,
        asset_lat=lat,
        asset_lon=lon,
        link_src=src,
        link_dst=dst,
        link_capacity_gbps=np.array([e.capacity_gbps for e in links], dtype=float),
        link_length_km=np.array([np.nan if x is None else x for x in lengths], dtype=float),
        population=np.array([node.population for node in nodes], dtype=float),
        region_of_node=np.array([region_idx[node.region] for node in nodes], dtype=np.int32),
        region_names=region_names,
        is_core=np.array([node.id in core for node in nodes], dtype=bool),
        is_international=np.array([node.id in international for node in nodes], dtype=bool),
        asset_index={a: i for i, a in enumerate(asset_ids)},
        hardening_factor=np.array(
            [a.hardening_factor for a in (*nodes, *links)] or [], dtype=float
        ),
    )


def _midpoint(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    """Plain average of two nearby points, taking the short way across the antimeridian.

    Good enough for locating a repair job: route segments are short.
    """
    lon_a, lon_b = a[1], b[1]
    if abs(lon_b - lon_a) > 180.0:
        lon_b += 360.0 if lon_b < lon_a else -360.0
    lon = 0.5 * (lon_a + lon_b)
    if lon > 180.0:
        lon -= 360.0
    elif lon < -180.0:
        lon += 360.0
    return (0.5 * (a[0] + b[0]), lon)
