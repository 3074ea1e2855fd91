"""Hazard ``flood``: river/pluvial flood, storm surge and tsunami inundation (hazards layer).

Scenario parameters (:class:`Flood`) -> water depth at each node (water level minus
the node's ``elevation_m``) -> damage state from depth-damage fragility curves per
asset kind -> :class:`Damage`, with onset at ``at_h`` or, for a tsunami with an
origin, at its arrival time. Documented in ``docs/hazards/flood.md``.

Only nodes are damaged: buried fibre and submarine cables are built to lie wet, and
their flood-sensitive parts (landing station, exchange, cabinets) are nodes.
"""

from __future__ import annotations

import numpy as np

from resilience_sim.geo import EARTH_RADIUS_KM, haversine_km, unit_vectors
from resilience_sim.hazards.base import Damage
from resilience_sim.hazards.kit.cache import per_hazard
from resilience_sim.hazards.kit.fragility import FragilitySet
from resilience_sim.hazards.kit.graded import (
    failure_state_index,
    footprint_assets,
    fragility_library,
    lognormal_restoration,
    node_sites,
    restoration_library,
    sample_graded_damage,
)
from resilience_sim.hazards.kit.route_faults import distance_to_polyline_km, wrap_lon
from resilience_sim.hazards.kit.routes import points_in_polygon
from resilience_sim.scenario.common import RestorationSpec
from resilience_sim.scenario.hazard_specs.flood import Flood
from resilience_sim.scenario.inputs.raster import RASTER_UNITS, sample_raster
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import Topology

INTENSITY_MEASURE = "depth_m"  # water depth above the node's elevation_m, m
STANDARD_GRAVITY_MS2 = 9.80665
# Representative open-ocean depth for the shallow-water speed sqrt(g h) when neither
# speed_kmh nor ocean_depth_m is given (assumed: order of the deep Pacific floor).
DEFAULT_OCEAN_DEPTH_M = 4000.0
# Tsunami flow (velocity, debris) destroys at depths where still water only soaks:
# extensive and complete medians are multiplied by this factor for source: tsunami
# (assumed; see docs/hazards/flood.md).
TSUNAMI_FLOW_FACTOR = 0.5
_BLOCK_ELEMENTS = 2_000_000  # point x coast-vertex elements per block

# Built-in library, all `assumed` (no sourced telecom depth-damage curve was available):
# kind -> (still-water depth medians m for slight .. complete; lognormal beta;
#          lognormal median repair hours per state). Chosen as in docs/hazards/flood.md;
# the test suite checks this table against the docs.
_BUILDING = ((0.10, 0.30, 1.00, 2.00), 0.40, (24.0, 72.0, 336.0, 1440.0))
LIBRARY_TABLE: dict[str, tuple[tuple[float, ...], float, tuple[float, ...]]] = {
    "exchange": _BUILDING,
    "aggregation": _BUILDING,
    "landing_station": _BUILDING,
    "ixp": _BUILDING,
    "gateway": _BUILDING,
    "data_center": _BUILDING,
    "operations_centre": _BUILDING,
    "satellite_ground_station": _BUILDING,
    "cell_site": ((0.20, 0.50, 1.00, 2.50), 0.40, (12.0, 48.0, 168.0, 720.0)),
    "power_substation": ((0.20, 0.50, 1.00, 2.00), 0.40, (24.0, 96.0, 336.0, 1440.0)),
}
REPAIR_SIGMA = 0.5  # lognormal sigma of every built-in repair time (assumed)
SOURCE = "assumed; see docs/hazards/flood.md"


def _tsunami_medians(medians: tuple[float, ...]) -> tuple[float, ...]:
    slight, moderate, extensive, complete = medians
    f = TSUNAMI_FLOW_FACTOR
    # never below the moderate median: the curves must stay ordered
    return slight, moderate, max(moderate, f * extensive), max(moderate, f * complete)


FRAGILITY: dict[str, FragilitySet] = {
    kind: FragilitySet.from_parameters(INTENSITY_MEASURE, medians, (beta,) * 4, SOURCE)
    for kind, (medians, beta, _) in LIBRARY_TABLE.items()
}
TSUNAMI_FRAGILITY: dict[str, FragilitySet] = {
    kind: FragilitySet.from_parameters(
        INTENSITY_MEASURE, _tsunami_medians(medians), (beta,) * 4, SOURCE
    )
    for kind, (medians, beta, _) in LIBRARY_TABLE.items()
}
RESTORATION: dict[str, RestorationSpec] = {
    kind: lognormal_restoration(repair, REPAIR_SIGMA)
    for kind, (_, _, repair) in LIBRARY_TABLE.items()
}


def in_polygon(lat: np.ndarray, lon: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Whether each point lies inside a closed ``(k, 2)`` lat/lon polygon.

    Planar within the polygon's extent: the even-odd rule on (longitude, latitude) as
    plane coordinates, longitudes taken relative to the first vertex so a polygon may
    cross the antimeridian. A point exactly on an edge may fall either side; NaN
    points are outside.

    Parameters
    ----------
    lat, lon : numpy.ndarray
        ``(n,)`` points, decimal degrees.
    polygon : numpy.ndarray
        ``(k, 2)`` lat/lon vertices, decimal degrees.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` bool.
    """
    poly = np.asarray(polygon, dtype=float)
    lon0 = poly[0, 1]
    x = np.nan_to_num(wrap_lon(np.asarray(lon, dtype=float) - lon0), nan=np.inf)
    return points_in_polygon(
        x, np.asarray(lat, dtype=float), wrap_lon(poly[:, 1] - lon0), poly[:, 0]
    )


def distance_to_coast_km(
    lat: np.ndarray, lon: np.ndarray, coast: np.ndarray, reach_km: float
) -> np.ndarray:
    """Great-circle distance (km) from each point to the ``coast`` polyline, for points
    that may lie within ``reach_km`` of it; inf for the others and for NaN points.

    Points are skipped when even their distance to the nearest coast vertex less half
    the longest coast segment (a lower bound of the distance to the polyline) exceeds
    the reach; work goes in blocks of bounded memory.

    Parameters
    ----------
    lat, lon : numpy.ndarray
        ``(n,)`` points, decimal degrees.
    coast : numpy.ndarray
        ``(k, 2)`` lat/lon coastline, decimal degrees.
    reach_km : float
        Largest distance of interest, km.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` distances, km.
    """
    line = np.asarray(coast, dtype=float).reshape(-1, 2)
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    vertices = unit_vectors(line[:, 0], line[:, 1])
    half_segment_km = 0.5 * float(
        np.max(haversine_km(line[:-1, 0], line[:-1, 1], line[1:, 0], line[1:, 1]), initial=0.0)
    )
    out = np.full(lat.shape, np.inf)
    located = np.flatnonzero(~np.isnan(lat + lon))
    block = max(1, _BLOCK_ELEMENTS // len(line))
    for start in range(0, len(located), block):
        i = located[start : start + block]
        cos_nearest = np.clip((unit_vectors(lat[i], lon[i]) @ vertices.T).max(axis=1), -1, 1)
        i = i[EARTH_RADIUS_KM * np.arccos(cos_nearest) - half_segment_km <= reach_km]
        if len(i):
            out[i] = distance_to_polyline_km(lat[i], lon[i], line[:, 0], line[:, 1])
    return out


def node_elevation_m(topology: Topology) -> np.ndarray:
    """Ground (or equipment-floor) elevation of every node, m above datum.

    Parameters
    ----------
    topology : Topology
        The network.

    Returns
    -------
    numpy.ndarray
        ``(n_nodes,)`` elevations, m.
    """
    return np.array(topology.node_column("elevation_m"), dtype=float)


def water_level_at_m(
    hazard: Flood,
    lat: np.ndarray,
    lon: np.ndarray,
    region: np.ndarray,
    region_names: tuple[str, ...] | list[str],
) -> np.ndarray:
    """Water surface at points, m above datum; NaN where the water does not reach.

    Area: ``water_level_m`` inside the polygon (or the named regions). Coast: ``runup_m
    * (1 - d / inundation_distance_km)`` at distance d (km) from the coastline, for d
    below the inundation distance.

    Parameters
    ----------
    hazard : Flood
        The hazard's scenario entry.
    lat, lon : numpy.ndarray
        ``(n,)`` points, decimal degrees.
    region : numpy.ndarray
        ``(n,)`` region index of each point into ``region_names`` (-1: none).
    region_names : sequence of str
        The network's region names.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` water surface, m.
    """
    if hazard.coast is not None:
        reach = hazard.inundation_distance_km
        d = distance_to_coast_km(lat, lon, np.asarray(hazard.coast), reach)
        return np.where(d < reach, hazard.runup_m * (1.0 - d / reach), np.nan)
    if hazard.polygon is not None:
        inside = in_polygon(lat, lon, np.asarray(hazard.polygon))
    else:
        names = np.asarray(region_names, dtype=object)
        inside = np.zeros(len(lat), bool)
        if len(names):
            known = region >= 0
            inside[known] = np.isin(names, hazard.regions)[region[known]]
    return np.where(inside, hazard.water_level_m, np.nan)


def water_level_m(hazard: Flood, topology: Topology, arrays: NetworkArrays) -> np.ndarray:
    """Water surface over every node, m above datum (:func:`water_level_at_m` at the
    nodes); NaN where the water does not reach.

    Parameters
    ----------
    hazard : Flood
        The hazard's scenario entry.
    topology : Topology
        The network.
    arrays : NetworkArrays
        The compiled network.

    Returns
    -------
    numpy.ndarray
        ``(n_nodes,)`` water surface, m.
    """
    n = arrays.n_nodes
    return water_level_at_m(
        hazard,
        arrays.asset_lat[:n],
        arrays.asset_lon[:n],
        arrays.region_of_node,
        arrays.region_names,
    )


def raster_depth_at_m(hazard: Flood, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Water depth above ground (m) at points from the scenario's depth raster; NaN (no
    water) at nodata, outside the raster and at NaN points.

    Parameters
    ----------
    hazard : Flood
        The hazard's scenario entry.
    lat, lon : numpy.ndarray
        ``(n,)`` points, decimal degrees.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` depths, m.
    """
    raster = hazard.raster
    depth = sample_raster(raster.path, lat, lon, band=raster.band, method=raster.interpolation)
    return depth * RASTER_UNITS["depth_m"][raster.units]


def raster_depth_m(hazard: Flood, arrays: NetworkArrays) -> np.ndarray:
    """Water depth above ground (m) at every node from the scenario's depth raster
    (:func:`raster_depth_at_m` at the nodes).

    Parameters
    ----------
    hazard : Flood
        The hazard's scenario entry.
    arrays : NetworkArrays
        The compiled network.

    Returns
    -------
    numpy.ndarray
        ``(n_nodes,)`` depths, m.
    """
    n = arrays.n_nodes
    return raster_depth_at_m(hazard, arrays.asset_lat[:n], arrays.asset_lon[:n])


def flood_depth_at_m(
    hazard: Flood,
    lat: np.ndarray,
    lon: np.ndarray,
    elevation_m: np.ndarray | None,
    region: np.ndarray,
    region_names: tuple[str, ...] | list[str],
) -> np.ndarray:
    """Water depth (m) at points, at least 0: the raster's depth, else the water level
    (:func:`water_level_at_m`) minus the ground elevation.

    Parameters
    ----------
    hazard : Flood
        The hazard's scenario entry.
    lat, lon : numpy.ndarray
        ``(n,)`` points, decimal degrees.
    elevation_m : numpy.ndarray or None
        ``(n,)`` ground elevation, m above datum (unused with a raster).
    region : numpy.ndarray
        ``(n,)`` region index of each point (-1: none).
    region_names : sequence of str
        The network's region names.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` depths, m (0 where dry).
    """
    if hazard.raster is not None:
        depth = raster_depth_at_m(hazard, lat, lon)
    else:
        depth = water_level_at_m(hazard, lat, lon, region, region_names) - elevation_m
    return np.maximum(np.nan_to_num(depth, nan=0.0), 0.0)


def flood_intensity(hazard: Flood, topology: Topology, arrays: NetworkArrays) -> np.ndarray:
    """Water depth (m) per asset, shape ``(n_assets,)``: level minus elevation (or the
    raster's depth), at least 0, at nodes; NaN for links (not assessed). Computed once
    per (arrays, hazard); read-only.

    Parameters
    ----------
    hazard : Flood
        The hazard's scenario entry.
    topology : Topology
        The network.
    arrays : NetworkArrays
        The compiled network.

    Returns
    -------
    numpy.ndarray
        ``(n_assets,)`` depths, m.
    """

    def compute() -> np.ndarray:
        n = arrays.n_nodes
        out = np.full(arrays.n_assets, np.nan)
        out[:n] = flood_depth_at_m(
            hazard,
            arrays.asset_lat[:n],
            arrays.asset_lon[:n],
            node_elevation_m(topology) if hazard.raster is None else None,
            arrays.region_of_node,
            arrays.region_names,
        )
        out.setflags(write=False)
        return out

    return per_hazard(arrays, hazard, "flood.depth_m", compute)


def tsunami_speed_kmh(hazard: Flood) -> float:
    """Propagation speed: ``speed_kmh``, else the shallow-water speed sqrt(g h), km/h.

    Parameters
    ----------
    hazard : Flood
        The hazard's scenario entry.

    Returns
    -------
    float
        Speed, km/h.
    """
    if hazard.speed_kmh is not None:
        return hazard.speed_kmh
    depth = hazard.ocean_depth_m if hazard.ocean_depth_m is not None else DEFAULT_OCEAN_DEPTH_M
    return float(np.sqrt(STANDARD_GRAVITY_MS2 * depth) * 3.6)


def flood_onset_at_h(hazard: Flood, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """When the water reaches points, hours: ``at_h``, plus for a tsunami with an origin
    the great-circle distance from it divided by the propagation speed.

    Parameters
    ----------
    hazard : Flood
        The hazard's scenario entry.
    lat, lon : numpy.ndarray
        ``(n,)`` points, decimal degrees (NaN: no distance added).

    Returns
    -------
    numpy.ndarray
        ``(n,)`` onsets, hours.
    """
    if hazard.origin is None:
        return np.full(len(lat), hazard.at_h)
    d = haversine_km(hazard.origin.lat, hazard.origin.lon, lat, lon)
    return hazard.at_h + np.nan_to_num(d, nan=0.0) / tsunami_speed_kmh(hazard)


def flood_onset_h(hazard: Flood, arrays: NetworkArrays) -> np.ndarray:
    """When the water reaches every node, hours (:func:`flood_onset_at_h` at the nodes).

    Parameters
    ----------
    hazard : Flood
        The hazard's scenario entry.
    arrays : NetworkArrays
        The compiled network.

    Returns
    -------
    numpy.ndarray
        ``(n_nodes,)`` onsets, hours.
    """
    n = arrays.n_nodes
    return flood_onset_at_h(hazard, arrays.asset_lat[:n], arrays.asset_lon[:n])


def _library(hazard: Flood) -> dict[str, FragilitySet]:
    builtin = TSUNAMI_FRAGILITY if hazard.source == "tsunami" else FRAGILITY
    return fragility_library(builtin, hazard, INTENSITY_MEASURE)


def flood_footprint(hazard: Flood, topology: Topology, arrays: NetworkArrays) -> np.ndarray:
    """Node indices the flood can take down (failure probability >= 1e-6); empty if none.

    Parameters
    ----------
    hazard : Flood
        The hazard's scenario entry.
    topology : Topology
        The network.
    arrays : NetworkArrays
        The compiled network.

    Returns
    -------
    numpy.ndarray
        Node indices.
    """
    depth = flood_intensity(hazard, topology, arrays)[: arrays.n_nodes]
    return footprint_assets(
        depth, node_sites(arrays), arrays, _library(hazard), failure_state_index(hazard)
    )


def sample_flood(
    hazard: Flood,
    topology: Topology,
    arrays: NetworkArrays,
    rng: np.random.Generator,
    cause: str,
) -> Damage:
    """Return the flood damage of one replication (two uniforms per node, whatever fails).

    Parameters
    ----------
    hazard : Flood
        The hazard's scenario entry.
    topology : Topology
        The network.
    arrays : NetworkArrays
        The compiled network.
    rng : numpy.random.Generator
        The random stream for this draw (from ``rng.py``).
    cause : str
        The cause label put on the records (``hazards.hazard_cause``).

    Returns
    -------
    Damage
        The failures.
    """
    return sample_graded_damage(
        hazard,
        node_sites(arrays),
        flood_intensity(hazard, topology, arrays)[: arrays.n_nodes],
        flood_onset_h(hazard, arrays),
        _library(hazard),
        restoration_library(RESTORATION, hazard),
        arrays,
        rng,
        cause,
    )


__all__ = [
    "FRAGILITY",
    "LIBRARY_TABLE",
    "RESTORATION",
    "TSUNAMI_FRAGILITY",
    "flood_depth_at_m",
    "flood_footprint",
    "flood_intensity",
    "flood_onset_at_h",
    "flood_onset_h",
    "raster_depth_at_m",
    "raster_depth_m",
    "sample_flood",
    "tsunami_speed_kmh",
    "water_level_at_m",
    "water_level_m",
]
