"""Hazard `regional_outage`: every asset in named regions, or within a radius of a point."""

from __future__ import annotations

import numpy as np

from resilience_sim.geo import haversine_km
from resilience_sim.hazards.base import Damage
from resilience_sim.scenario.schema import RegionalOutage
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import Topology


def affected_assets(
    hazard: RegionalOutage, topology: Topology, arrays: NetworkArrays
) -> np.ndarray:
    """Asset indices inside the outage area, filtered by ``hazard.kinds``.

    By region: nodes whose region is named, and links whose two end nodes both are.
    By circle: nodes within ``radius_km`` (great circle) of the centre, and links with
    any point of their geometry (route vertices, else end points) inside it.
    Nodes without coordinates are never inside a circle.

    Parameters
    ----------
    hazard : RegionalOutage
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
    n = arrays.n_nodes
    if hazard.regions:
        wanted = np.isin(np.asarray(arrays.region_names, dtype=object), hazard.regions)
        node_in = wanted[arrays.region_of_node] if len(wanted) else np.zeros(n, bool)
        link_in = node_in[arrays.link_src] & node_in[arrays.link_dst]
    else:
        lat0, lon0, r = hazard.center.lat, hazard.center.lon, hazard.radius_km
        d = haversine_km(lat0, lon0, arrays.asset_lat[:n], arrays.asset_lon[:n])
        node_in = np.nan_to_num(d, nan=np.inf) <= r
        link_in = np.zeros(arrays.n_links, dtype=bool)
        for j, link in enumerate(topology.links):
            points = np.asarray(topology.link_points(link), dtype=float).reshape(-1, 2)
            if len(points):
                link_in[j] = bool(np.any(haversine_km(lat0, lon0, points[:, 0], points[:, 1]) <= r))
    inside = np.concatenate([node_in, link_in])
    if hazard.kinds is not None:
        inside &= np.isin(arrays.asset_kinds, hazard.kinds)
    return np.flatnonzero(inside)


def sample_regional_outage(
    hazard: RegionalOutage, topology: Topology, arrays: NetworkArrays, cause: str
) -> Damage:
    """Return the damage of a regional outage (deterministic: no random draw).

    Parameters
    ----------
    hazard : RegionalOutage
        The hazard's scenario entry.
    topology : Topology
        The network.
    arrays : NetworkArrays
        The compiled network.
    cause : str
        The cause label put on the records (``hazards.hazard_cause``).

    Returns
    -------
    Damage
        The outages.
    """
    return Damage.uniform(
        affected_assets(hazard, topology, arrays), hazard.at_h, hazard.duration_h, cause
    )
