"""Roads for the fuel trucks: a graph compiled once per study, closures per replication.

Engine layer (docs/power.md#roads). With ``power.fuel.roads`` the trucks of
:mod:`resilience_sim.engine.fuel` drive the shortest open road path instead of
great-circle km x ``road_factor``:

* :func:`compile_roads` (once per study, in the
  :class:`~resilience_sim.engine.plan.ReplicationPlan`)
  builds the road graph from a GeoJSON file or from the routes of the topology's
  terrestrial links (``from_links``; fibre is commonly laid along roads: `assumed`),
  joins every node and depot to its nearest road vertex (the leg to it is off-road,
  great-circle km x ``road_factor``), finds each segment's closed-area closure and each
  road-damage rule's hazard intensity and arrival time at the segment's midpoint;
* :class:`RoadConditions` (per replication) draws which segments the hazards close and
  for how long (two uniforms per segment and rule-hazard pair, from the replication's
  ``roads`` generator, whatever closes), and answers travel times with
  ``scipy.sparse.csgraph.dijkstra`` on the graph of the segments open at that time,
  cached per road state, truck speed and start vertex.

The closure curve of a rule is lognormal: a segment at intensity ``I`` closes with
probability ``Phi(ln(I / above) / beta)``, or exactly when ``I >= above`` for ``beta`` 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree
from scipy.special import ndtr

from resilience_sim.engine.closed_areas import ClosedAreas
from resilience_sim.geo import EARTH_RADIUS_KM, haversine_km, unit_vectors
from resilience_sim.hazards.cyclone_wind import peak_gust
from resilience_sim.hazards.earthquake import median_pga_at_g
from resilience_sim.hazards.flood import flood_depth_at_m, flood_onset_at_h, node_elevation_m
from resilience_sim.hazards.kit.durations import duration_quantile
from resilience_sim.scenario.distributions import Duration, Lognormal
from resilience_sim.scenario.inputs.roads import read_road_file
from resilience_sim.scenario.power import RoadNetwork
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import Topology

# Per hazard type: (closure intensity, clearance hours). Flood: 0.3 m, the depth at which
# a passenger car starts to float (FEMA, quoted by SDSU Extension "Floodwater: Road
# Crossing Hazards"; Ready.gov: "a foot of water will float many vehicles"); the rest `assumed`
# (docs/power.md#roads).
ROAD_DAMAGE_DEFAULTS: dict[str, tuple[float, Duration]] = {
    "flood": (0.3, Lognormal(dist="lognormal", median_h=24.0, sigma=0.5)),
    "tropical_cyclone": (40.0, Lognormal(dist="lognormal", median_h=12.0, sigma=0.5)),
    "earthquake": (0.3, Lognormal(dist="lognormal", median_h=48.0, sigma=0.5)),
}
_ROUND = 1e7  # vertices closer than 1e-7 deg (about 1 cm) are one vertex


@dataclass(frozen=True)
class RoadHazard:
    """One road-damage rule applied to one hazard: its intensity and arrival per segment.

    ``intensity``: ``(n_edges,)`` in the rule's unit (m, m/s, g), 0 where the hazard does
    not reach; ``onset_h``: ``(n_edges,)`` hours, NaN where it does not arrive.
    """

    label: str
    intensity: np.ndarray
    onset_h: np.ndarray
    above: float
    beta: float
    clearance: Duration


def closure_probability(intensity: np.ndarray, above: float, beta: float) -> np.ndarray:
    """The lognormal closure curve at ``intensity``.

    Parameters
    ----------
    intensity : numpy.ndarray
        Hazard intensity per segment (m, m/s or g); NaN or 0 never closes.
    above : float
        The curve's median (same unit).
    beta : float
        Lognormal dispersion; 0 gives a step at ``above``.

    Returns
    -------
    numpy.ndarray
        ``Phi(ln(intensity / above) / beta)`` per segment (or ``intensity >= above``).
    """
    x = np.nan_to_num(np.asarray(intensity, dtype=float), nan=0.0)
    if beta == 0.0:
        return (x >= above).astype(float)
    with np.errstate(divide="ignore"):
        return np.where(x > 0, ndtr(np.log(np.maximum(x, 1e-300) / above) / beta), 0.0)


@dataclass(frozen=True, eq=False)
class RoadGraph:
    """The road network of a study (read-only). Shapes: ``(n_vertices,)``, ``(n_edges,)``.

    ``edge_limit_kmh``: a segment's speed limit (inf: none); ``node_vertex`` /
    ``depot_vertex``: the nearest road vertex (-1 for unlocated nodes) and
    ``node_offroad_km`` / ``depot_offroad_km`` the great-circle km to it;
    ``area_until_h``: when closed areas let each segment open (None: not applied);
    ``hazards``: one :class:`RoadHazard` per rule and hazard, file order.
    """

    vertex_lat: np.ndarray
    vertex_lon: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_km: np.ndarray
    edge_limit_kmh: np.ndarray
    edge_mid_lat: np.ndarray
    edge_mid_lon: np.ndarray
    node_vertex: np.ndarray
    node_offroad_km: np.ndarray
    depot_vertex: np.ndarray
    depot_offroad_km: np.ndarray
    area_until_h: np.ndarray | None
    hazards: tuple[RoadHazard, ...] = ()

    @property
    def n_vertices(self) -> int:
        """Number of road vertices."""
        return len(self.vertex_lat)

    @property
    def n_edges(self) -> int:
        """Number of road segments."""
        return len(self.edge_u)


# -- building the graph ----------------------------------------------------------------


def _file_lines(roads: RoadNetwork):
    lines = read_road_file(roads.file)
    limit = lines.speed_kmh.copy()
    for i, road_class in enumerate(lines.road_class):
        if math.isnan(limit[i]) and road_class in roads.class_speed_kmh:
            limit[i] = roads.class_speed_kmh[road_class]
    elevation = np.nan_to_num(lines.elevation_m, nan=0.0)
    return list(lines.parts), np.where(np.isnan(limit), np.inf, limit), elevation


def _link_lines(roads: RoadNetwork, arrays: NetworkArrays, topology: Topology | None):
    if topology is None:
        raise ValueError("roads.from_links needs the topology (the links' routes)")
    n = arrays.n_nodes
    kinds = arrays.asset_kinds[n:]
    chosen = np.flatnonzero(np.isin(kinds, list(roads.from_links)))
    routes = topology.link_column("route")
    node_elev = np.nan_to_num(node_elevation_m(topology), nan=0.0)
    parts, elevation = [], []
    lat, lon = arrays.asset_lat, arrays.asset_lon
    for j in chosen.tolist():
        s, t = int(arrays.link_src[j]), int(arrays.link_dst[j])
        points = [tuple(p) for p in routes[j]] if routes[j] is not None else []
        for end, at_start in ((s, True), (t, False)):
            p = (float(lat[end]), float(lon[end]))
            if math.isnan(p[0] + p[1]):
                continue
            if not points:
                points.append(p)
            elif at_start and points[0] != p:
                points.insert(0, p)
            elif not at_start and points[-1] != p:
                points.append(p)
        if len(points) >= 2:
            parts.append(np.asarray(points, dtype=float))
            elevation.append(0.5 * (node_elev[s] + node_elev[t]))
    return parts, np.full(len(parts), np.inf), np.asarray(elevation, dtype=float)


def _nearest(
    to_lat: np.ndarray, to_lon: np.ndarray, lat: np.ndarray, lon: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Index of the nearest located ``to`` point of each point (-1: the point or every
    ``to`` point unlocated) and the great-circle km to it (0 where -1); one KD-tree."""
    lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    index = np.full(len(lat), -1, dtype=np.int64)
    km = np.zeros(len(lat))
    targets = np.flatnonzero(~np.isnan(to_lat + to_lon))
    located = np.flatnonzero(~np.isnan(lat + lon))
    if len(targets) == 0 or len(located) == 0:
        return index, km
    tree = cKDTree(unit_vectors(to_lat[targets], to_lon[targets]))
    chord, idx = tree.query(unit_vectors(lat[located], lon[located]))
    index[located] = targets[idx]
    km[located] = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(np.asarray(chord) / 2.0, 0.0, 1.0))
    return index, km


def _intensity(hazard, above, lat, lon, elevation_m, region, arrays):
    """Intensity and arrival time of ``hazard`` at the segment midpoints."""
    if hazard.type == "flood":
        depth = flood_depth_at_m(hazard, lat, lon, elevation_m, region, arrays.region_names)
        return depth, flood_onset_at_h(hazard, lat, lon)
    if hazard.type == "tropical_cyclone":
        peak = peak_gust(hazard, lat, lon, np.full(len(lat), above))
        onset = np.where(np.isnan(peak.t_cross_h), peak.t_peak_h, peak.t_cross_h)
        return peak.gust_ms, onset
    pga = np.nan_to_num(median_pga_at_g(hazard, lat, lon), nan=0.0)
    return pga, np.full(len(lat), float(hazard.at_h))


def compile_roads(
    roads: RoadNetwork,
    arrays: NetworkArrays,
    depot_lat: np.ndarray,
    depot_lon: np.ndarray,
    *,
    topology: Topology | None = None,
    hazards: tuple = (),
    closed_areas: ClosedAreas | None = None,
) -> RoadGraph:
    """The road graph of a study (see the module docstring).

    Parameters
    ----------
    roads : RoadNetwork
        The scenario's ``power.fuel.roads``.
    arrays : NetworkArrays
        The compiled network (node positions, regions, link kinds and ends).
    depot_lat, depot_lon : numpy.ndarray
        The fuel depots' positions, degrees.
    topology : Topology, optional
        The topology (link routes, node elevations); needed with ``from_links``.
    hazards : tuple
        The scenario's hazards; each road-damage rule applies to those of its type.
    closed_areas : ClosedAreas, optional
        The study's compiled closed areas (applied unless ``roads.closed_areas`` is
        false): a segment opens when its midpoint would, with the region closures of
        the node nearest it.

    Returns
    -------
    RoadGraph
        Vertices, segments (km, speed limit km/h), the snapped nodes and depots (km
        off-road), the closed-area opening per segment (h) and the hazards' intensity
        and arrival (h) per segment.
    """
    if roads.file is not None:
        parts, limit, elevation = _file_lines(roads)
    else:
        parts, limit, elevation = _link_lines(roads, arrays, topology)
    if not parts:
        raise ValueError(f"roads: no located links of kinds {roads.from_links} to lay roads along")
    points = np.concatenate(parts)
    keys = np.round(points * _ROUND).astype(np.int64)
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    vertex_lat, vertex_lon = points[first, 0], points[first, 1]
    starts = np.cumsum([0] + [len(p) for p in parts])
    u, v, lim, elev = [], [], [], []
    for k, part in enumerate(parts):
        ids = inverse[starts[k] : starts[k] + len(part)]
        u.append(ids[:-1])
        v.append(ids[1:])
        lim.append(np.full(len(part) - 1, limit[k]))
        elev.append(np.full(len(part) - 1, elevation[k]))
    edge_u, edge_v = np.concatenate(u), np.concatenate(v)
    keep = edge_u != edge_v
    edge_u, edge_v = edge_u[keep], edge_v[keep]
    edge_limit = np.concatenate(lim)[keep]
    edge_elev = np.concatenate(elev)[keep]
    ulat, ulon, vlat, vlon = (
        vertex_lat[edge_u],
        vertex_lon[edge_u],
        vertex_lat[edge_v],
        vertex_lon[edge_v],
    )
    edge_km = haversine_km(ulat, ulon, vlat, vlon)
    # the midpoint on the sphere (normalised mean of the unit vectors)
    mid = unit_vectors(ulat, ulon) + unit_vectors(vlat, vlon)
    mid /= np.linalg.norm(mid, axis=1, keepdims=True)
    mid_lat = np.degrees(np.arcsin(np.clip(mid[:, 2], -1.0, 1.0)))
    mid_lon = np.degrees(np.arctan2(mid[:, 1], mid[:, 0]))
    n = arrays.n_nodes
    node_lat, node_lon = arrays.asset_lat[:n], arrays.asset_lon[:n]
    node_vertex, node_km = _nearest(vertex_lat, vertex_lon, node_lat, node_lon)
    depot_vertex, depot_km = _nearest(vertex_lat, vertex_lon, depot_lat, depot_lon)
    # a segment is in the region of the node nearest its midpoint (-1: no located node)
    mid_node = _nearest(node_lat, node_lon, mid_lat, mid_lon)[0]
    region = np.full(len(mid_node), -1, dtype=np.int64)
    region[mid_node >= 0] = np.asarray(arrays.region_of_node)[mid_node[mid_node >= 0]]
    area_until = None
    if roads.closed_areas and closed_areas is not None and closed_areas.reopen_h:
        area_until = closed_areas.opens_at_points(mid_node, mid_lat, mid_lon)
    road_hazards = []
    for i, rule in enumerate(roads.damage):
        above_default, clearance_default = ROAD_DAMAGE_DEFAULTS[rule.hazard]
        above = rule.above if rule.above is not None else above_default
        clearance = rule.clearance_h if rule.clearance_h is not None else clearance_default
        for j, hazard in enumerate(hazards):
            if hazard.type != rule.hazard:
                continue
            intensity, onset = _intensity(
                hazard, above, mid_lat, mid_lon, edge_elev, region, arrays
            )
            for values in (intensity, onset):
                values.setflags(write=False)
            label = f"damage[{i}] x hazards[{j}] ({getattr(hazard, 'label', None) or hazard.type})"
            road_hazards.append(RoadHazard(label, intensity, onset, above, rule.beta, clearance))
    return RoadGraph(
        vertex_lat,
        vertex_lon,
        edge_u,
        edge_v,
        edge_km,
        edge_limit,
        mid_lat,
        mid_lon,
        node_vertex,
        node_km,
        depot_vertex,
        depot_km,
        area_until,
        tuple(road_hazards),
    )


# -- one replication ---------------------------------------------------------------------


class RoadConditions:
    """Which road segments are closed when, in one replication, and travel times.

    Built from the study's :class:`RoadGraph` and the replication's ``roads``
    generator: per rule-hazard pair (file order) one uniform per segment decides closure
    and one its clearance time (inverse CDF), drawn for every segment whatever closes.
    A segment is closed over ``[start, end)`` of each of its intervals
    (``interval_edge``, ``interval_start_h``, ``interval_end_h``; ``interval_cause``
    indexes ``cause_labels``).
    """

    def __init__(self, graph: RoadGraph, rng: np.random.Generator | None):
        self.graph = graph
        edges, starts, ends, causes = [], [], [], []
        if graph.hazards and rng is None:
            raise ValueError("road damage needs the replication's roads generator")
        for k, hz in enumerate(graph.hazards):
            u_close = rng.random(graph.n_edges)
            u_clear = rng.random(graph.n_edges)
            p_close = closure_probability(hz.intensity, hz.above, hz.beta)
            closed = (u_close < p_close) & ~np.isnan(hz.onset_h)
            e = np.flatnonzero(closed)
            edges.append(e)
            starts.append(hz.onset_h[e])
            ends.append(hz.onset_h[e] + duration_quantile(hz.clearance, u_clear[e]))
            causes.append(np.full(len(e), k, dtype=np.int64))
        if graph.area_until_h is not None:
            e = np.flatnonzero(graph.area_until_h > 0)
            edges.append(e)
            starts.append(np.zeros(len(e)))
            ends.append(graph.area_until_h[e])
            causes.append(np.full(len(e), len(graph.hazards), dtype=np.int64))
        cat = lambda parts, dt: np.concatenate(parts) if parts else np.zeros(0, dt)  # noqa: E731
        self.interval_edge = cat(edges, np.int64)
        self.interval_start_h = cat(starts, float)
        self.interval_end_h = cat(ends, float)
        # what closed each interval: an index into cause_labels (the graph's hazards, then
        # "closed area"); recorded for the road_closures table, no draw depends on it
        self.interval_cause = cat(causes, np.int64)
        self.cause_labels = (*(hz.label for hz in graph.hazards), "closed area")
        times = np.concatenate([self.interval_start_h, self.interval_end_h])
        self.change_h = np.unique(times[np.isfinite(times) & (times > 0)])
        self._masks: dict[int, tuple[int, np.ndarray]] = {}  # interval -> (state id, mask)
        self._state_ids: dict[bytes, int] = {}
        self._graphs: dict[tuple[int, float], csr_matrix] = {}
        self._hours: dict[tuple[int, float, int], np.ndarray] = {}

    @property
    def reopen_h(self) -> list[float]:
        """Every time a segment reopens, h (sorted, unique)."""
        ends = self.interval_end_h
        return np.unique(ends[np.isfinite(ends)]).tolist()

    def closed_at(self, t_h: float) -> np.ndarray:
        """Which segments are closed at ``t_h`` hours.

        Parameters
        ----------
        t_h : float
            Time, hours.

        Returns
        -------
        numpy.ndarray
            ``(n_edges,)`` bool, True where the segment is closed (read-only).
        """
        return self._state(t_h)[1]

    def _state(self, t_h: float) -> tuple[int, np.ndarray]:
        """``(id, closed mask)`` of the road state at ``t_h``: equal masks share an id."""
        k = int(np.searchsorted(self.change_h, t_h, side="right"))
        state = self._masks.get(k)
        if state is None:
            active = (self.interval_start_h <= t_h) & (t_h < self.interval_end_h)
            mask = np.zeros(self.graph.n_edges, bool)
            mask[self.interval_edge[active]] = True
            mask.setflags(write=False)
            state_id = self._state_ids.setdefault(mask.tobytes(), len(self._state_ids))
            state = self._masks[k] = (state_id, mask)
        return state

    def _graph(self, closed: np.ndarray, key: int, speed_kmh: float) -> csr_matrix:
        matrix = self._graphs.get((key, speed_kmh))
        if matrix is None:
            g = self.graph
            e = np.flatnonzero(~closed)
            hours = g.edge_km[e] / np.minimum(g.edge_limit_kmh[e], speed_kmh)
            a, b = np.minimum(g.edge_u[e], g.edge_v[e]), np.maximum(g.edge_u[e], g.edge_v[e])
            order = np.lexsort((hours, b, a))  # the fastest of parallel segments
            a, b, hours = a[order], b[order], hours[order]
            first = np.ones(len(a), bool)
            first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
            n = g.n_vertices
            a, b, hours = a[first], b[first], np.maximum(hours[first], 1e-12)
            # both directions once here (a < b: no entry twice), so dijkstra runs directed
            # instead of making the graph undirected on every call
            matrix = csr_matrix(
                (np.concatenate([hours, hours]), (np.concatenate([a, b]), np.concatenate([b, a]))),
                shape=(n, n),
            )
            self._graphs[(key, speed_kmh)] = matrix
        return matrix

    def hours_from(self, vertex: int, t_h: float, speed_kmh: float) -> np.ndarray:
        """Hours by open road from ``vertex`` to every vertex at ``t_h`` (inf: no path).

        Parameters
        ----------
        vertex : int
            Start vertex.
        t_h : float
            Time, h: the road state then (kept for the whole trip).
        speed_kmh : float
            The truck's speed, km/h (a segment's limit caps it).

        Returns
        -------
        numpy.ndarray
            ``(n_vertices,)`` hours (read-only; cached per road state, speed and vertex).
        """
        key, closed = self._state(t_h)
        hours = self._hours.get((key, speed_kmh, vertex))
        if hours is None:
            matrix = self._graph(closed, key, speed_kmh)
            hours = dijkstra(matrix, directed=True, indices=vertex)
            hours.setflags(write=False)
            self._hours[(key, speed_kmh, vertex)] = hours
        return hours


__all__ = [
    "ROAD_DAMAGE_DEFAULTS",
    "RoadConditions",
    "RoadGraph",
    "RoadHazard",
    "closure_probability",
    "compile_roads",
]
