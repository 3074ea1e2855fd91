"""Hazard `cable_fault`: submarine-cable faults from anchors and fishing (hazards layer).

From the scenario's :class:`~resilience_sim.scenario.hazard_specs.cable_fault.CableFault`
to located faults, each its own repair job:

* **anchor drag**: the ship's track, buffered by half of ``width_km`` on each side, is
  the swept corridor. Every stretch of a submarine cable's route inside the corridor
  is one crossing; it breaks with ``fault_probability``, at the middle of the stretch,
  at ``at_h + s / speed`` where ``s`` is the distance along the track to that point.
  Geometry on the azimuthal equidistant plane about the track's centre
  (:mod:`resilience_sim.hazards.kit.routes`).
* **fishing zones**: in each polygon, a Poisson number of faults per km of cable route
  inside (``faults_per_km`` for the event, or ``faults_per_km_day`` x ``window_days``),
  placed uniformly along the route inside; per-day faults fall uniformly in the window
  ``[at_h, at_h + 24 window_days]``, per-event faults at ``at_h``.
* **located faults** (``faults``): a fault at ``at_km`` along a named cable, placed on
  its route at the same share of the route's drawn length (the straight line between
  its ends without a route), with its depth from ``depth_m`` or interpolated along the
  route from the link's ``route_depth_m``; no draw.

Model, units and sources: docs/hazards/cable_fault.md.

Draw pattern (fixed by the scenario and the topology, never by the outcome): one uniform
per anchor crossing, then per zone two uniforms per submarine-cable route piece
(:func:`~resilience_sim.hazards.kit.route_faults.sample_route_faults`) and one more per
piece for the time of per-day faults.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from resilience_sim.errors import InputError
from resilience_sim.geo import KM_PER_NAUTICAL_MILE, haversine_km
from resilience_sim.hazards.base import Damage
from resilience_sim.hazards.kit.assemble import DamageBuilder
from resilience_sim.hazards.kit.cache import per_hazard
from resilience_sim.hazards.kit.route_faults import RoutePieces, route_pieces, sample_route_faults
from resilience_sim.hazards.kit.routes import (
    PlanarRoutes,
    distance_along_polyline_km,
    pieces_in_corridor,
    points_in_polygon,
    project,
    route_segments,
    spherical_centre,
)
from resilience_sim.scenario.hazard_specs.cable_fault import (
    AnchorDrag,
    CableFault,
    FishingZone,
    LocatedFault,
)
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import Topology

CABLE_KINDS = ("submarine_cable",)


@dataclass(frozen=True)
class AnchorCrossings:
    """Where a dragged anchor crosses cables; shapes ``(n_crossings,)``.

    ``link``: link position of the cable; ``lat``/``lon``: the middle of the stretch
    of route inside the corridor; ``along_km``: distance along the track to it.
    """

    link: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    along_km: np.ndarray

    def __len__(self) -> int:
        return len(self.link)


def anchor_crossings(
    drag: AnchorDrag, topology: Topology, arrays: NetworkArrays
) -> AnchorCrossings:
    """Every crossing of a submarine cable by the corridor swept along ``drag.track``.

    Parameters
    ----------
    drag : AnchorDrag
        The anchor drag.
    topology : Topology
        The network.
    arrays : NetworkArrays
        The compiled network.

    Returns
    -------
    AnchorCrossings
        The crossings.
    """
    track = np.asarray(drag.track, dtype=float)
    lat0, lon0 = spherical_centre(track[:, 0], track[:, 1])
    cables = np.flatnonzero(np.isin(arrays.asset_kinds[arrays.n_nodes :], CABLE_KINDS))
    routes = PlanarRoutes.build(route_segments(topology, arrays), lat0, lon0, links=cables)
    tx, ty = project(track[:, 0], track[:, 1], lat0, lon0)
    pieces = pieces_in_corridor(routes, tx, ty, 0.5 * drag.width_km)
    link, x, y = pieces.stretch_midpoints(routes)
    lat, lon = routes.to_latlon(x, y)
    along = distance_along_polyline_km(tx, ty, x, y) if len(link) else np.empty(0)
    return AnchorCrossings(link, lat, lon, along)


def zone_expected_faults(
    zone: FishingZone, pieces: RoutePieces, window_days: float | None
) -> np.ndarray:
    """Expected faults per route piece from one zone, shape ``(n_pieces,)``.

    A piece counts as inside when its middle is (pieces are at most
    :data:`~resilience_sim.hazards.kit.route_faults.PIECE_KM` long). The polygon is
    tested on the azimuthal equidistant plane about its centre.

    Parameters
    ----------
    zone : FishingZone
        The fishing zone.
    pieces : RoutePieces
        Route pieces of the submarine cables.
    window_days : float or None
        Days over which ``faults_per_km_day`` rates apply (None: the zone has a
        per-event ``faults_per_km``).

    Returns
    -------
    numpy.ndarray
        ``(n_pieces,)`` expected faults.
    """
    ring = np.asarray(zone.polygon, dtype=float)
    lat0, lon0 = spherical_centre(ring[:-1, 0], ring[:-1, 1])
    qx, qy = project(ring[:, 0], ring[:, 1], lat0, lon0)
    px, py = project(pieces.mid_lat, pieces.mid_lon, lat0, lon0)
    inside = points_in_polygon(px, py, qx, qy)
    rate = (
        zone.faults_per_km
        if zone.faults_per_km is not None
        else zone.faults_per_km_day * float(window_days)
    )
    return np.where(inside, rate * pieces.km, 0.0)


@dataclass(frozen=True)
class FaultSites:
    """Where the located faults of a hazard are; shapes ``(n_faults,)``."""

    link: np.ndarray  # link positions
    lat: np.ndarray
    lon: np.ndarray
    km: np.ndarray  # along the cable from its source end
    depth_m: np.ndarray  # NaN: unknown


def located_fault_sites(faults: list[LocatedFault], topology: Topology) -> FaultSites:
    """Position and depth of each located fault (module docstring); ``InputError`` for a
    cable that is not a submarine-cable link or a km beyond its length.

    Parameters
    ----------
    faults : list[LocatedFault]
        The located faults of the scenario.
    topology : Topology
        The network.

    Returns
    -------
    FaultSites
        Position and depth of each fault.
    """
    rows = []
    for i, fault in enumerate(faults):
        where = f"faults[{i}]"
        link_pos = topology.link_index.get(fault.cable)
        link = topology.links[link_pos] if link_pos is not None else None
        if link is None or link.kind.value not in CABLE_KINDS:
            raise InputError.single(
                "scenario", f"{where}.cable", f"{fault.cable!r} is no submarine-cable link"
            )
        length_km = topology.link_length_km(link)
        if length_km is None or fault.at_km > length_km:
            raise InputError.single(
                "scenario",
                f"{where}.at_km",
                f"{fault.at_km:g} km is beyond the {length_km or 0:g} km of {fault.cable!r}",
            )
        points = link.route or [
            _end_point(topology, link.source),
            _end_point(topology, link.target),
        ]
        share = fault.at_km / length_km if length_km > 0 else 0.0
        lat, lon, depth = point_along_route(points, link.route_depth_m, share)
        rows.append(
            (link_pos, lat, lon, fault.at_km, fault.depth_m if fault.depth_m is not None else depth)
        )
    cols = list(zip(*rows, strict=True)) if rows else [[]] * 5
    return FaultSites(
        np.asarray(cols[0], dtype=np.int64),
        *(np.asarray(c, dtype=float) for c in cols[1:]),
    )


def point_along_route(
    points: list[tuple[float, float]], depths_m: list[float] | None, share: float
) -> tuple[float, float, float]:
    """``(lat, lon, depth_m)`` at ``share`` (0-1) of a route's great-circle length,
    linear inside the segment (depth NaN without ``depths_m``).

    Parameters
    ----------
    points : list[tuple[float, float]]
        The route, ``(lat, lon)`` decimal degrees.
    depths_m : list[float] or None
        Water depth at each route point, m (None: unknown).
    share : float
        Share of the route's length, 0..1.

    Returns
    -------
    tuple[float, float, float]
        ``(lat, lon, depth_m)``.
    """
    pts = np.asarray(points, dtype=float)
    seg_km = haversine_km(pts[:-1, 0], pts[:-1, 1], pts[1:, 0], pts[1:, 1])
    cum = np.concatenate([[0.0], np.cumsum(seg_km)])
    target = share * cum[-1]
    k = int(min(np.searchsorted(cum, target, side="right") - 1, len(seg_km) - 1))
    t = (target - cum[k]) / seg_km[k] if seg_km[k] > 0 else 0.0
    (lat1, lon1), (lat2, lon2) = pts[k], pts[k + 1]
    if abs(lon2 - lon1) > 180.0:  # the short way across the antimeridian
        lon2 += 360.0 if lon2 < lon1 else -360.0
    lon = (lon1 + t * (lon2 - lon1) + 180.0) % 360.0 - 180.0
    depth = (
        float(depths_m[k] + t * (depths_m[k + 1] - depths_m[k])) if depths_m is not None else np.nan
    )
    return float(lat1 + t * (lat2 - lat1)), float(lon), depth


def _end_point(topology: Topology, node_id: str) -> tuple[float, float]:
    node = topology.node(node_id)
    if not node.has_location:
        raise InputError.single(
            "scenario", "faults", f"cable end {node_id!r} has no location and the link no route"
        )
    return (node.lat, node.lon)


def cable_fault_intensity(
    hazard: CableFault, topology: Topology, arrays: NetworkArrays
) -> np.ndarray:
    """Expected number of faults per asset, shape ``(n_assets,)`` (0 off the footprint).

    Parameters
    ----------
    hazard : CableFault
        The hazard's scenario entry.
    topology : Topology
        The network.
    arrays : NetworkArrays
        The compiled network.

    Returns
    -------
    numpy.ndarray
        ``(n_assets,)`` expected faults.
    """
    out = np.zeros(arrays.n_assets)
    if hazard.anchor_drag is not None:
        crossings = anchor_crossings(hazard.anchor_drag, topology, arrays)
        np.add.at(out, arrays.n_nodes + crossings.link, hazard.anchor_drag.fault_probability)
    pieces = route_pieces(topology, arrays, CABLE_KINDS)
    for zone in hazard.fishing_zones:
        expected = zone_expected_faults(zone, pieces, hazard.window_days)
        np.add.at(out, arrays.n_nodes + pieces.link, expected)
    if hazard.faults:
        sites = located_fault_sites(hazard.faults, topology)
        np.add.at(out, arrays.n_nodes + sites.link, 1.0)
    return out


def cable_fault_footprint(
    hazard: CableFault, topology: Topology, arrays: NetworkArrays
) -> np.ndarray:
    """Asset indices that can get a fault (empty: the footprint touches no cable).

    Parameters
    ----------
    hazard : CableFault
        The hazard's scenario entry.
    topology : Topology
        The network.
    arrays : NetworkArrays
        The compiled network.

    Returns
    -------
    numpy.ndarray
        Asset indices.
    """
    return np.flatnonzero(cable_fault_intensity(hazard, topology, arrays) > 0)


def sample_cable_fault(
    hazard: CableFault,
    topology: Topology,
    arrays: NetworkArrays,
    rng: np.random.Generator,
    cause: str,
) -> Damage:
    """Draw the located faults of anchor drag and fishing zones.

    Parameters
    ----------
    hazard : CableFault
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
        The located faults.
    """
    out = DamageBuilder()
    drag = hazard.anchor_drag
    if drag is not None:
        crossings = per_hazard(
            arrays, drag, "crossings", lambda: anchor_crossings(drag, topology, arrays)
        )
        breaks = rng.random(len(crossings)) < drag.fault_probability
        onset = hazard.at_h + (
            crossings.along_km / (drag.speed_kn * KM_PER_NAUTICAL_MILE)
            if drag.speed_kn is not None
            else 0.0
        )
        out.add(
            arrays.n_nodes + crossings.link[breaks],
            np.broadcast_to(onset, breaks.shape)[breaks],
            fault_lat=crossings.lat[breaks],
            fault_lon=crossings.lon[breaks],
        )
    pieces = route_pieces(topology, arrays, CABLE_KINDS)
    for zone in hazard.fishing_zones:
        expected = per_hazard(
            arrays,
            zone,
            "expected",
            lambda zone=zone: zone_expected_faults(zone, pieces, hazard.window_days),
        )
        faults, piece = sample_route_faults(pieces, expected, arrays, rng, cause)
        u_time = rng.random(len(pieces))
        onset = np.full(len(piece), hazard.at_h)
        if zone.faults_per_km_day is not None:
            # k faults of one piece: the j-th at fraction (j + u) / k of the window, as
            # sample_route_faults spreads their positions along the piece
            counts = np.bincount(piece, minlength=len(pieces))
            j = np.arange(len(piece)) - (np.cumsum(counts) - counts)[piece]
            fraction = (j + u_time[piece]) / counts[piece]
            onset = hazard.at_h + 24.0 * hazard.window_days * fraction
        out.add(faults.asset_idx, onset, fault_lat=faults.fault_lat, fault_lon=faults.fault_lon)
    if hazard.faults:
        sites = per_hazard(
            arrays, hazard, "located", lambda: located_fault_sites(hazard.faults, topology)
        )
        onset = [f.at_h if f.at_h is not None else hazard.at_h for f in hazard.faults]
        out.add(
            arrays.n_nodes + sites.link,
            np.asarray(onset, dtype=float),
            fault_lat=sites.lat,
            fault_lon=sites.lon,
            fault_km=sites.km,
            fault_depth_m=sites.depth_m,
        )
    return out.build(cause)


__all__ = [
    "AnchorCrossings",
    "FaultSites",
    "anchor_crossings",
    "cable_fault_footprint",
    "cable_fault_intensity",
    "located_fault_sites",
    "point_along_route",
    "sample_cable_fault",
    "zone_expected_faults",
]
