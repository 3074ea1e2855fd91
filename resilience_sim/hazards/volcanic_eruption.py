"""Hazard `volcanic_eruption`: sites destroyed, links under ash, cables broken (hazards layer).

From the scenario's :class:`~resilience_sim.scenario.hazard_specs.volcanic_eruption.
VolcanicEruption` (vent, VEI, radii) and the topology to a ``Damage`` record:

* every node, and every terrestrial fibre or microwave link with a point of its route,
  within the damage radius is destroyed (damage state complete; needs a repair);
* every asset of ``ash_kinds`` within the ash radius is off the air for
  ``ash_duration_h`` and then returns by itself -- or, with ``ash_remaining_frac``, a link
  keeps that share of its capacity for that time (a ``CapacityLoss``; it stays up);
* every submarine cable gets a Poisson number of faults with mean ``faults_per_km`` x
  the km of its route inside the cable-fault radius, uniform along that part of the
  route, and at least one (at its point nearest the vent) if it passes within the
  near-field radius. Each fault is its own repair job at its location.

Damage at distance ``d`` from the vent starts at ``at_h + d / front_speed_kmh``; ash
arrives at ``at_h + d / ash_speed_kmh``. Model, parameters and sources:
docs/hazards/volcanic_eruption.md.

Draw pattern: one uniform per destroyed asset (repair time), then two per route piece
of every submarine cable (:func:`~resilience_sim.hazards.kit.route_faults.sample_route_faults`),
whatever is damaged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from resilience_sim.geo import haversine_km
from resilience_sim.hazards.base import COMPLETE, CapacityLoss, Damage
from resilience_sim.hazards.kit.assemble import DamageBuilder
from resilience_sim.hazards.kit.cache import per_hazard
from resilience_sim.hazards.kit.durations import repair_hours
from resilience_sim.hazards.kit.route_faults import (
    RoutePieces,
    route_pieces,
    sample_route_faults,
    wrap_lon,
)
from resilience_sim.scenario.hazard_specs.volcanic_eruption import VolcanicEruption
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import LINK_KINDS, Topology

LAND_LINK_KINDS = ("terrestrial_fiber", "microwave")  # destroyed inside the damage radius
GROUND_TERMINAL_KINDS = ("satellite",)  # located by their two ground terminals only
CABLE_KINDS = ("submarine_cable",)


def volcanic_eruption_intensity(
    hazard: VolcanicEruption, topology: Topology, arrays: NetworkArrays
) -> np.ndarray:
    """Distance from the vent to every asset, km, shape ``(n_assets,)`` (the intensity
    measure of this hazard: smaller is worse).

    Nodes: great-circle distance. Satellite links: the nearer ground terminal. Other
    links: the nearest middle of a route piece
    (:data:`~resilience_sim.hazards.kit.route_faults.PIECE_KM` long), so at most half a
    piece more than the true least distance. NaN where the asset has no location.

    Parameters
    ----------
    hazard : VolcanicEruption
        The hazard's scenario entry.
    topology : Topology
        The network.
    arrays : NetworkArrays
        The compiled network.

    Returns
    -------
    numpy.ndarray
        ``(n_assets,)`` distances, km.
    """
    lat0, lon0 = hazard.vent.lat, hazard.vent.lon
    n = arrays.n_nodes
    out = np.full(arrays.n_assets, np.nan)
    out[:n] = haversine_km(lat0, lon0, arrays.asset_lat[:n], arrays.asset_lon[:n])
    routed = tuple(k for k in LINK_KINDS if k not in GROUND_TERMINAL_KINDS)
    pieces = route_pieces(topology, arrays, routed)
    nearest = np.full(arrays.n_links, np.inf)
    np.minimum.at(nearest, pieces.link, haversine_km(lat0, lon0, pieces.mid_lat, pieces.mid_lon))
    nearest[np.isinf(nearest)] = np.nan
    terminals = np.fmin(out[arrays.link_src], out[arrays.link_dst])
    is_terminal = np.isin(arrays.asset_kinds[n:], GROUND_TERMINAL_KINDS)
    out[n:] = np.where(is_terminal, terminals, nearest)
    return out


@dataclass(frozen=True)
class EruptionFootprint:
    """What an eruption can reach (deterministic; shapes noted per field).

    ``destroyed``/``ash``: asset indices with their distances from the vent (km).
    ``pieces``: every submarine-cable route piece, with ``expected`` faults per piece.
    ``near_links`` are the
    link positions of cables passing within the near-field radius and ``near_piece``
    the index of each one's piece nearest the vent.
    """

    destroyed: np.ndarray
    destroyed_km: np.ndarray
    ash: np.ndarray
    ash_km: np.ndarray
    pieces: RoutePieces
    expected: np.ndarray
    near_links: np.ndarray
    near_piece: np.ndarray

    def assets(self, n_nodes: int) -> np.ndarray:
        """Every asset index the eruption can take down.

        Parameters
        ----------
        n_nodes : int
            Nodes in the network.

        Returns
        -------
        numpy.ndarray
            Asset indices.
        """
        cables = self.pieces.link[self.expected > 0]
        return np.unique(
            np.concatenate([self.destroyed, self.ash, n_nodes + cables, n_nodes + self.near_links])
        )


def eruption_footprint(
    hazard: VolcanicEruption, topology: Topology, arrays: NetworkArrays
) -> EruptionFootprint:
    """Destroyed and ash-covered assets and the cable-fault rates of ``hazard``.

    Parameters
    ----------
    hazard : VolcanicEruption
        The hazard's scenario entry.
    topology : Topology
        The network.
    arrays : NetworkArrays
        The compiled network.

    Returns
    -------
    EruptionFootprint
        The footprint.
    """
    damage_km, ash_km, fault_km, near_km = hazard.radii_km()
    distance = volcanic_eruption_intensity(hazard, topology, arrays)
    within = np.nan_to_num(distance, nan=np.inf)
    kinds = arrays.asset_kinds
    can_be_destroyed = np.isin(kinds, LAND_LINK_KINDS)
    can_be_destroyed[: arrays.n_nodes] = True
    destroyed = np.flatnonzero(can_be_destroyed & (within <= damage_km))
    ash = np.flatnonzero(np.isin(kinds, hazard.ash_kinds) & (within <= ash_km))

    pieces = route_pieces(topology, arrays, CABLE_KINDS)
    piece_km = haversine_km(hazard.vent.lat, hazard.vent.lon, pieces.mid_lat, pieces.mid_lon)
    expected = np.where(piece_km <= fault_km, hazard.faults_per_km * pieces.km, 0.0)
    first = nearest_piece_per_link(pieces.link, piece_km)
    near = first[piece_km[first] <= near_km]
    return EruptionFootprint(
        destroyed=destroyed,
        destroyed_km=distance[destroyed],
        ash=ash,
        ash_km=distance[ash],
        pieces=pieces,
        expected=expected,
        near_links=pieces.link[near],
        near_piece=near,
    )


def nearest_piece_per_link(link: np.ndarray, km: np.ndarray) -> np.ndarray:
    """Index of each link's piece with the least ``km``, one per link present.

    Parameters
    ----------
    link : numpy.ndarray
        ``(n_pieces,)`` link of each piece.
    km : numpy.ndarray
        ``(n_pieces,)`` distances, km.

    Returns
    -------
    numpy.ndarray
        Piece indices.
    """
    order = np.lexsort((km, link))
    if len(order) == 0:
        return order
    return order[np.r_[True, link[order][1:] != link[order][:-1]]]


def volcanic_eruption_footprint(
    hazard: VolcanicEruption, topology: Topology, arrays: NetworkArrays
) -> np.ndarray:
    """Asset indices the eruption can take down (empty: its footprint touches nothing).

    Parameters
    ----------
    hazard : VolcanicEruption
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
    return eruption_footprint(hazard, topology, arrays).assets(arrays.n_nodes)


def sample_volcanic_eruption(
    hazard: VolcanicEruption,
    topology: Topology,
    arrays: NetworkArrays,
    rng: np.random.Generator,
    cause: str,
) -> Damage | tuple[Damage, CapacityLoss]:
    """Draw one eruption's damage: destroyed sites, ash outages, located cable faults.

    With ``ash_remaining_frac`` the ash on links is a :class:`CapacityLoss` returned
    beside the ``Damage`` (the links stay up with that share of their capacity).

    Parameters
    ----------
    hazard : VolcanicEruption
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
    Damage or tuple[Damage, CapacityLoss]
        The damage (and the ash capacity loss).
    """
    fp = per_hazard(
        arrays, hazard, "footprint", lambda: eruption_footprint(hazard, topology, arrays)
    )
    u_repair = rng.random(len(fp.destroyed))
    faults, _ = sample_route_faults(fp.pieces, fp.expected, arrays, rng, cause)

    out = DamageBuilder()
    kinds = arrays.asset_kinds[fp.destroyed]
    repair_h = np.full(len(fp.destroyed), np.nan)
    for kind, duration in hazard.repair_h.items():
        mask = kinds == kind
        repair_h[mask] = repair_hours(duration, u_repair[mask])
    out.add(
        fp.destroyed,
        hazard.at_h + fp.destroyed_km / hazard.front_speed_kmh,
        damage_state=COMPLETE,
        repair_h=repair_h,
    )
    ash_onset_h = hazard.at_h + fp.ash_km / hazard.ash_speed_kmh
    degraded = np.zeros(len(fp.ash), dtype=bool)
    if hazard.ash_remaining_frac is not None:
        degraded = fp.ash >= arrays.n_nodes  # links keep part of their capacity
    out.add(fp.ash[~degraded], ash_onset_h[~degraded], duration_h=hazard.ash_duration_h)

    # the near field: a cable the draw left intact still gets one fault, nearest the vent
    faulted = np.unique(faults.asset_idx - arrays.n_nodes)
    forced = fp.near_piece[~np.isin(fp.near_links, faulted)]
    pieces = fp.pieces
    lat = np.concatenate([faults.fault_lat, 0.5 * (pieces.lat0[forced] + pieces.lat1[forced])])
    lon = np.concatenate(
        [faults.fault_lon, wrap_lon(0.5 * (pieces.lon0[forced] + pieces.lon1[forced]))]
    )
    asset = np.concatenate([faults.asset_idx, arrays.n_nodes + pieces.link[forced]])
    fault_km = haversine_km(hazard.vent.lat, hazard.vent.lon, lat, lon)
    out.add(asset, hazard.at_h + fault_km / hazard.front_speed_kmh, fault_lat=lat, fault_lon=lon)
    if hazard.ash_remaining_frac is None:
        return out.build(cause)
    n = int(degraded.sum())
    fade = CapacityLoss(
        asset_idx=fp.ash[degraded],
        onset_h=ash_onset_h[degraded],
        duration_h=np.full(n, hazard.ash_duration_h),
        remaining_frac=np.full(n, hazard.ash_remaining_frac),
        cause=cause,
    )
    return out.build(cause), fade


__all__ = [
    "EruptionFootprint",
    "eruption_footprint",
    "sample_volcanic_eruption",
    "volcanic_eruption_footprint",
    "volcanic_eruption_intensity",
]
