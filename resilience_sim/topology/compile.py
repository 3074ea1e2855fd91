"""Compile a :class:`Topology` into flat numpy arrays for the engine's hot path.

Assets share one index space: nodes are ``0 .. n_nodes-1`` in file order and
links follow as ``n_nodes .. n_nodes+n_links-1``. The engine keeps one boolean
"up" mask over that space; nothing downstream walks a networkx graph.
"""

from __future__ import annotations

from collections.abc import Mapping
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
    power_feed_node: np.ndarray  # (n_nodes,) int: feeding power_substation node, -1 none
    power_feed_region: np.ndarray  # (n_nodes,) int: index into grid_regions, -1 none
    grid_regions: tuple[str, ...]  # grid-region names used as power feeds
    battery_h: np.ndarray  # (n_nodes,) hours on battery after mains loss
    fuel_h: np.ndarray  # (n_nodes,) generator hours on a full tank
    critical: np.ndarray  # (n_nodes,) bool
    demand_gbps: np.ndarray  # (n_nodes,) NaN = from population x demand per user
    dependency_src: np.ndarray  # (n_deps,) asset index that depends ...
    dependency_dst: np.ndarray  # (n_deps,) ... on this asset index
    link_latency_ms: np.ndarray  # (n_links,) NaN unknown
    standby: np.ndarray  # (n_assets,) bool: stopgap assets, down until deployed
    deploy_at_h: np.ndarray  # (n_assets,) deployment time of standby assets, NaN others

    @property
    def n_assets(self) -> int:
        return self.n_nodes + self.n_links

    def indices_of(self, asset_ids: list[str]) -> np.ndarray:
        return np.fromiter(
            (self.asset_index[a] for a in asset_ids), dtype=np.int64, count=len(asset_ids)
        )

    def live_links(self, asset_up: np.ndarray) -> np.ndarray:
        """Links that carry traffic: up, with both end nodes up. Shape ``(n_links,)``."""
        node_up = asset_up[: self.n_nodes]
        return asset_up[self.n_nodes :] & node_up[self.link_src] & node_up[self.link_dst]

    def capacity_gbps(self, capacity_frac: np.ndarray | None = None) -> np.ndarray:
        """Link capacities, Gbit/s, scaled by the remaining share (DDoS) when given."""
        if capacity_frac is None:
            return self.link_capacity_gbps
        return self.link_capacity_gbps * capacity_frac

    def nodes_of_link_assets(self, link_asset_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """End-node indices of links given by their asset index."""
        j = np.asarray(link_asset_idx) - self.n_nodes
        return self.link_src[j], self.link_dst[j]


def compile_topology(
    topology: Topology, standby: Mapping[str, float] | None = None
) -> NetworkArrays:
    """Build the :class:`NetworkArrays` view of ``topology`` (O(n_nodes + n_links)).

    ``standby`` maps the ids of stopgap assets to their deployment time (hours):
    they start down and are not part of the undamaged network.
    """
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
    feed_node = np.full(n, -1, dtype=np.int64)
    feed_region = np.full(n, -1, dtype=np.int64)
    grid_regions: dict[str, int] = {}
    for i, node in enumerate(nodes):
        if node.power_feed is None:
            continue
        if node.power_feed in topology.node_index:
            feed_node[i] = topology.node_index[node.power_feed]
        else:
            feed_region[i] = grid_regions.setdefault(node.power_feed, len(grid_regions))
    index = {**topology.node_index, **{e.id: n + j for j, e in enumerate(links)}}
    deps = [(i, index[d]) for i, node in enumerate(nodes) for d in node.depends_on]
    deploy_at_h = np.full(n + m, np.nan)
    for asset_id, at_h in (standby or {}).items():
        deploy_at_h[index[asset_id]] = at_h
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
        power_feed_node=feed_node,
        power_feed_region=feed_region,
        grid_regions=tuple(grid_regions),
        battery_h=np.array([node.battery_h for node in nodes], dtype=float),
        fuel_h=np.array([node.fuel_h for node in nodes], dtype=float),
        critical=np.array([node.critical for node in nodes], dtype=bool),
        demand_gbps=np.array(
            [np.nan if node.demand_gbps is None else node.demand_gbps for node in nodes],
            dtype=float,
        ),
        dependency_src=np.array([a for a, _ in deps], dtype=np.int64),
        dependency_dst=np.array([b for _, b in deps], dtype=np.int64),
        link_latency_ms=np.array(
            [np.nan if e.latency_ms is None else e.latency_ms for e in links], dtype=float
        ),
        standby=~np.isnan(deploy_at_h),
        deploy_at_h=deploy_at_h,
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
