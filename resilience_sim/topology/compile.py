"""Compile a :class:`Topology` into flat numpy arrays for the engine's hot path.

Assets share one index space: nodes are ``0 .. n_nodes-1`` in file order and
links follow as ``n_nodes .. n_nodes+n_links-1``. The engine keeps one boolean
"up" mask over that space; nothing downstream walks a networkx graph.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from resilience_sim.geo import haversine_km, polyline_length_km
from resilience_sim.topology.model import NodeKind, Topology


class AssetIndex(Mapping[str, int]):
    """Asset id -> asset index, without building a dict until one pays.

    A dict of every id costs seconds and ~250 MB at 2.4 million assets, and most uses
    look up a few ids or one list of them. Below :data:`DICT_ASSETS` assets, or once
    :data:`DICT_AFTER_LOOKUPS` single lookups were made, a dict is built and kept;
    until then a lookup (``index[id]``, ``in``, :meth:`positions` of a list) is one
    Arrow hash pass over the ids. Same answers either way; unknown ids raise KeyError.
    """

    __slots__ = ("_arrow", "_dict", "_ids", "_lookups")

    def __init__(self, ids: np.ndarray, arrow_ids: pa.ChunkedArray | None = None):
        self._ids = ids  # (n_assets,) str, the asset ids in index order
        self._arrow = arrow_ids  # the same ids as Arrow strings (built on use if None)
        self._dict: dict[str, int] | None = None
        self._lookups = 0

    def _map(self) -> dict[str, int]:
        if self._dict is None:
            self._dict = dict(zip(self._ids.tolist(), range(len(self._ids)), strict=True))
        return self._dict

    def _use_dict(self) -> bool:
        return self._dict is not None or len(self._ids) < DICT_ASSETS

    def __getitem__(self, key: str) -> int:
        self._lookups += 1
        if self._use_dict() or self._lookups > DICT_AFTER_LOOKUPS:
            return self._map()[key]
        return int(self.positions([key])[0])

    def __contains__(self, key: object) -> bool:
        try:
            self[key]  # type: ignore[index]
        except (KeyError, TypeError, pa.ArrowException):
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(self._map())

    def __len__(self) -> int:
        return len(self._ids)

    def positions(self, asset_ids: Sequence[str]) -> np.ndarray:
        """Indices of ``asset_ids`` (int64); KeyError naming the first unknown id.

        Parameters
        ----------
        asset_ids : Sequence[str]
            Asset ids.

        Returns
        -------
        numpy.ndarray
            ``(len(asset_ids),)`` indices.
        """
        if not len(asset_ids):
            return np.empty(0, dtype=np.int64)
        if self._use_dict():
            lookup = self._map()
            return np.fromiter((lookup[a] for a in asset_ids), dtype=np.int64, count=len(asset_ids))
        if self._arrow is None:
            self._arrow = pa.chunked_array([pa.array(self._ids.tolist(), pa.string())])
        found = pc.index_in(pa.array(list(asset_ids), pa.string()), value_set=self._arrow)
        if found.null_count:
            first = int(np.flatnonzero(np.asarray(found.is_null()))[0])
            raise KeyError(asset_ids[first])
        return np.asarray(found.to_numpy(), dtype=np.int64)

    def __reduce__(self):  # pickled to workers as the ids (and the dict if built)
        return (_rebuilt_index, (self._ids, self._dict))


def _rebuilt_index(ids: np.ndarray, lookup: dict[str, int] | None) -> AssetIndex:
    index = AssetIndex(ids)
    index._dict = lookup
    return index


DICT_ASSETS = 100_000  # smaller topologies: a dict at once (assumed break-even, ~0.1 s)
DICT_AFTER_LOOKUPS = 64  # then single lookups in a loop get the dict


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
    asset_index: AssetIndex  # a Mapping id -> index
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
        """Number of assets: nodes then links."""
        return self.n_nodes + self.n_links

    def indices_of(self, asset_ids: Sequence[str]) -> np.ndarray:
        """Asset indices of ``asset_ids`` (KeyError for an unknown id).

        Parameters
        ----------
        asset_ids : Sequence[str]
            Asset ids.

        Returns
        -------
        numpy.ndarray
            ``(len(asset_ids),)`` indices.
        """
        return self.asset_index.positions(asset_ids)

    def either_end(self, node_flag: np.ndarray) -> np.ndarray:
        """A per-node flag as a per-asset one: a link has it when either end node does.

        Parameters
        ----------
        node_flag : numpy.ndarray
            ``(n_nodes,)`` bool.

        Returns
        -------
        numpy.ndarray
            ``(n_assets,)`` bool: the nodes' flags, then the links'.
        """
        return np.concatenate([node_flag, node_flag[self.link_src] | node_flag[self.link_dst]])

    def live_links(self, asset_up: np.ndarray) -> np.ndarray:
        """Links that carry traffic: up, with both end nodes up. Shape ``(n_links,)``.

        Parameters
        ----------
        asset_up : numpy.ndarray
            ``(n_assets,)`` bool: which assets are up.

        Returns
        -------
        numpy.ndarray
            ``(n_links,)`` bool.
        """
        node_up = asset_up[: self.n_nodes]
        return asset_up[self.n_nodes :] & node_up[self.link_src] & node_up[self.link_dst]

    def capacity_gbps(self, capacity_frac: np.ndarray | None = None) -> np.ndarray:
        """Link capacities, Gbit/s, scaled by the remaining share (DDoS) when given.

        Parameters
        ----------
        capacity_frac : numpy.ndarray or None, default None
            ``(n_links,)`` remaining capacity share, 0..1 (None: full).

        Returns
        -------
        numpy.ndarray
            ``(n_links,)`` capacities, Gbit/s.
        """
        if capacity_frac is None:
            return self.link_capacity_gbps
        return self.link_capacity_gbps * capacity_frac


def compile_topology(
    topology: Topology, standby: Mapping[str, float] | None = None
) -> NetworkArrays:
    """Build the :class:`NetworkArrays` view of ``topology`` (O(n_nodes + n_links)).

    Works on the topology's column tables (no Node or Link objects). ``standby`` maps
    the ids of stopgap assets to their deployment time (hours): they start down and
    are not part of the undamaged network.

    Parameters
    ----------
    topology : Topology
        The network.
    standby : Mapping[str, float] or None, default None
        Stopgap asset id -> deployment time, hours (None: none).

    Returns
    -------
    NetworkArrays
        The compiled arrays.
    """
    nodes, links = topology.node_table, topology.link_table
    n, m = nodes.num_rows, links.num_rows
    node_ids = _strings(nodes, "id")
    link_ids = _strings(links, "id")
    asset_ids = np.concatenate([node_ids, link_ids])
    asset_kinds = np.concatenate([_strings(nodes, "kind"), _strings(links, "kind")])
    feed = nodes.column("power_feed")
    src, dst, feed_node = _indices(
        [links.column("source"), links.column("target"), feed], nodes.column("id")
    )

    node_lat, node_lon = _floats(nodes, "lat"), _floats(nodes, "lon")
    lat = np.concatenate([node_lat, np.full(m, np.nan)])
    lon = np.concatenate([node_lon, np.full(m, np.nan)])
    link_lat, link_lon = lat[n:], lon[n:]  # views
    routes = links.column("route").combine_chunks()
    has_route = ~np.asarray(routes.is_null(), dtype=bool)
    # links without a route: the middle of their located end points
    ends_lat = np.column_stack([node_lat[src], node_lat[dst]])
    ends_lon = np.column_stack([node_lon[src], node_lon[dst]])
    located = ~np.isnan(ends_lat)
    both = ~has_route & located.all(axis=1)
    link_lat[both], link_lon[both] = _midpoints(
        ends_lat[both, 0], ends_lon[both, 0], ends_lat[both, 1], ends_lon[both, 1]
    )
    one = ~has_route & (located.sum(axis=1) == 1)
    pick = np.where(located[one, 0], 0, 1)
    link_lat[one] = ends_lat[one][np.arange(pick.size), pick]
    link_lon[one] = ends_lon[one][np.arange(pick.size), pick]
    route_points = [None] * m
    if has_route.any():
        offsets = np.asarray(routes.offsets)
        flat = np.asarray(routes.values.values, dtype=float).reshape(-1, 2)
        for j in np.flatnonzero(has_route):
            route_points[j] = points = flat[offsets[j] : offsets[j + 1]]
            k = len(points)
            if k % 2:
                link_lat[j], link_lon[j] = points[k // 2]
            else:
                link_lat[j], link_lon[j] = _midpoint(
                    tuple(points[k // 2 - 1].tolist()), tuple(points[k // 2].tolist())
                )
    lengths = _floats(links, "length_km")
    for j in np.flatnonzero(np.isnan(lengths)):
        # link by link (numpy's vectorised sin/cos can differ from the scalar path in the
        # last bit, and results must not depend on how many links are missing a length)
        if route_points[j] is not None:
            lengths[j] = polyline_length_km(route_points[j])
        elif both[j]:
            lengths[j] = float(
                haversine_km(ends_lat[j, 0], ends_lon[j, 0], ends_lat[j, 1], ends_lon[j, 1])
            )

    regions = nodes.column("region").combine_chunks().dictionary_encode()
    region_names = tuple(regions.dictionary.to_pylist())  # in order of first appearance
    core = _bools(nodes, "core")
    if not core.any():
        core = asset_kinds[:n] == NodeKind.EXCHANGE.value
    international = _bools(nodes, "international")
    if not international.any():
        international = asset_kinds[:n] == NodeKind.GATEWAY.value
    feed_region = np.full(n, -1, dtype=np.int64)
    by_region = pc.filter(feed, pc.and_(pc.is_valid(feed), pc.equal(feed_node, -1)))
    grid = by_region.combine_chunks().dictionary_encode() if len(by_region) else None
    grid_regions = tuple(grid.dictionary.to_pylist()) if grid is not None else ()
    if grid is not None:
        feed_region[(feed_node == -1) & ~np.asarray(feed.is_null(), dtype=bool)] = np.asarray(
            grid.indices
        )
    id_chunks = [*nodes.column("id").chunks, *links.column("id").chunks]
    index = AssetIndex(asset_ids, pa.chunked_array([c.cast(pa.string()) for c in id_chunks]))
    deps = nodes.column("depends_on").combine_chunks()
    dependency_src = np.asarray(pc.list_parent_indices(deps), dtype=np.int64)
    dependency_dst = index.positions(pc.list_flatten(deps).to_pylist())
    deploy_at_h = np.full(n + m, np.nan)
    standby = dict(standby or {})
    deploy_at_h[index.positions(list(standby))] = list(standby.values())
    return NetworkArrays(
        n_nodes=n,
        n_links=m,
        asset_ids=asset_ids,
        asset_kinds=asset_kinds,
        asset_lat=lat,
        asset_lon=lon,
        link_src=src.astype(np.int32),
        link_dst=dst.astype(np.int32),
        link_capacity_gbps=_floats(links, "capacity_gbps"),
        link_length_km=lengths,
        population=_floats(nodes, "population"),
        region_of_node=np.asarray(regions.indices, dtype=np.int32),
        region_names=region_names,
        is_core=core,
        is_international=international,
        asset_index=index,
        hardening_factor=np.concatenate(
            [_floats(nodes, "hardening_factor"), _floats(links, "hardening_factor")]
        ),
        power_feed_node=feed_node,
        power_feed_region=feed_region,
        grid_regions=grid_regions,
        battery_h=_floats(nodes, "battery_h"),
        fuel_h=_floats(nodes, "fuel_h"),
        critical=_bools(nodes, "critical"),
        demand_gbps=_floats(nodes, "demand_gbps"),
        dependency_src=dependency_src,
        dependency_dst=dependency_dst,
        link_latency_ms=_floats(links, "latency_ms"),
        standby=~np.isnan(deploy_at_h),
        deploy_at_h=deploy_at_h,
    )


def _strings(table: pa.Table, name: str) -> np.ndarray:
    """A string column as a numpy object array of str."""
    return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=object).reshape(-1)


def _floats(table: pa.Table, name: str) -> np.ndarray:
    """A float column as a fresh float64 array, NaN for null (None)."""
    column = pc.fill_null(table.column(name).cast(pa.float64()), np.nan)
    return np.array(column.to_numpy(), dtype=float)


def _bools(table: pa.Table, name: str) -> np.ndarray:
    return np.array(table.column(name).to_numpy(zero_copy_only=False), dtype=bool)


def _indices(
    columns: list[pa.ChunkedArray], ids: pa.ChunkedArray, missing: int = -1
) -> list[np.ndarray]:
    """Index of each value of each column in ``ids`` (first match), ``missing`` where
    absent or null: one ``index_in`` call, so one hash table of ``ids``."""
    chunks = [c.cast(ids.type) if c.type != ids.type else c for col in columns for c in col.chunks]
    at = pc.fill_null(pc.index_in(pa.chunked_array(chunks, type=ids.type), value_set=ids), missing)
    flat = np.asarray(at.to_numpy(), dtype=np.int64)
    return [part.copy() for part in np.split(flat, np.cumsum([len(c) for c in columns])[:-1])]


def _midpoints(lat_a, lon_a, lat_b, lon_b) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_midpoint` elementwise (the same IEEE operations, so the same bits)."""
    lon_b = np.where(
        np.abs(lon_b - lon_a) > 180.0, lon_b + np.where(lon_b < lon_a, 360.0, -360.0), lon_b
    )
    lon = 0.5 * (lon_a + lon_b)
    lon = np.where(lon > 180.0, lon - 360.0, np.where(lon < -180.0, lon + 360.0, lon))
    return 0.5 * (lat_a + lat_b), lon


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
