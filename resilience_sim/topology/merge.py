"""Join a second topology into a first one: landing stations to their nearest exchange;
or add international gateways declared by position.

Part of the topology stage (``topology import-cells --cables``). An imported cable
topology (``topology import-cables``) has landing stations but no land network; a
cell-site topology has exchanges but no cables. :func:`join_landing_stations` puts the
two node and link lists together and links every *domestic* landing station (not
``international``) to the ``n_exchanges`` nearest exchanges of the first topology
(default 2, ``assumed``: a cable station with two diverse backhaul routes, so that one
exchange is not the only way abroad) by terrestrial fibre, those within ``max_km``; the
landing stations with none so close stay reachable over their cables only. A joining
link (``<landing>--<exchange>``, 100 Gbit/s ``assumed``) stands for the backhaul from
the cable station to the city, which no dataset gives.

:func:`add_gateways` is for a planner without cable data (``topology import-cells
--gateway LAT,LON,ID``): each gateway is a ``gateway`` node with ``international: true``
(reaching it means international service) joined the same way to its nearest exchanges,
so the international exit is declared, not inferred.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from resilience_sim.errors import InputError
from resilience_sim.geo import haversine_km
from resilience_sim.topology.checks import checked_topology
from resilience_sim.topology.model import Link, LinkKind, Node, NodeKind, Topology
from resilience_sim.topology.table import table_from_columns

DEFAULT_JOIN_MAX_KM = 100.0  # assumed: a cable station's backhaul to a regional exchange
JOIN_CAPACITY_GBPS = 100.0  # assumed
JOIN_EXCHANGES = 2  # assumed


@dataclass(frozen=True)
class Joined:
    """The merged topology and the landing stations joined / left on their cables."""

    topology: Topology
    joined: list[tuple[str, str, float]]  # (landing id, exchange id, km), nearest first
    n_not_joined: int


def located(topology: Topology, kind: NodeKind, domestic_only: bool = False) -> np.ndarray:
    """Row indices of located nodes of ``kind`` (optionally not ``international``).

    Parameters
    ----------
    topology : Topology
        The network.
    kind : NodeKind
        The node kind.
    domestic_only : bool, default False
        Leave out ``international`` nodes.

    Returns
    -------
    numpy.ndarray
        Row indices.
    """
    kinds = np.asarray(topology.node_column("kind"), dtype=object)
    lat = topology.node_column("lat")
    keep = (kinds == kind.value) & np.array([v is not None for v in lat], dtype=bool)
    if domestic_only:
        keep &= ~np.asarray(topology.node_column("international"), dtype=bool)
    return np.flatnonzero(keep)


def join_landing_stations(
    base: Topology,
    cables: Topology,
    *,
    max_km: float = DEFAULT_JOIN_MAX_KM,
    n_exchanges: int = JOIN_EXCHANGES,
    file: str = "--cables",
) -> Joined:
    """``base`` then ``cables``, domestic landing stations joined to ``base``'s exchanges.

    Parameters
    ----------
    base : Topology
        The domestic network.
    cables : Topology
        The imported cables.
    max_km : float, default DEFAULT_JOIN_MAX_KM
        Longest join, km.
    n_exchanges : int, default JOIN_EXCHANGES
        Exchanges each landing station joins.
    file : str, default '--cables'
        The option named in errors.

    Returns
    -------
    Joined
        The merged topology and the joins.
    """
    if not (np.isfinite(max_km) and max_km > 0):
        raise InputError.single("--cables-max-km", str(max_km), "must be a positive number of km")
    exchanges = located(base, NodeKind.EXCHANGE)
    if exchanges.size == 0:
        raise InputError.single(file, "nodes", "the network to join has no located exchange")
    landings = located(cables, NodeKind.LANDING_STATION, domestic_only=True)
    ex_ids, ex_lat, ex_lon = _id_lat_lon(base, exchanges)
    lp_ids, lp_lat, lp_lon = _id_lat_lon(cables, landings)
    joined = []
    n_not_joined = 0
    for i in range(len(landings)):
        km = haversine_km(lp_lat[i], lp_lon[i], ex_lat, ex_lon)
        near = [j for j in np.argsort(km, kind="stable")[:n_exchanges] if km[j] <= max_km]
        n_not_joined += not near
        joined += [(str(lp_ids[i]), str(ex_ids[j]), round(float(km[j]), 3)) for j in near]
    columns = {
        "id": [f"{a}--{b}" for a, b, _ in joined],
        "source": [a for a, _, _ in joined],
        "target": [b for _, b, _ in joined],
        "kind": [LinkKind.TERRESTRIAL_FIBER.value] * len(joined),
        "capacity_gbps": [JOIN_CAPACITY_GBPS] * len(joined),
        "length_km": [km for _, _, km in joined],
    }
    links = pa.concat_tables(
        [base.link_table, cables.link_table, table_from_columns(Link, columns, len(joined))]
    )
    nodes = pa.concat_tables([base.node_table, cables.node_table])
    description = f"{base.description} {cables.description}".strip()
    topology = Topology.from_tables(base.name, nodes, links, description)
    return Joined(checked_topology(topology, file), joined, n_not_joined)


@dataclass(frozen=True)
class Gateway:
    """An international gateway declared by the user: id and position (deg)."""

    id: str
    lat: float
    lon: float


def add_gateways(
    base: Topology,
    gateways: list[Gateway],
    *,
    n_exchanges: int = JOIN_EXCHANGES,
    file: str = "--gateway",
) -> Joined:
    """``base`` plus international ``gateway`` nodes, each joined by terrestrial fibre
    (``JOIN_CAPACITY_GBPS``, great-circle length) to its ``n_exchanges`` nearest
    exchanges, whatever the distance.

    Parameters
    ----------
    base : Topology
        The network.
    gateways : list[Gateway]
        The gateways to add.
    n_exchanges : int, default JOIN_EXCHANGES
        Exchanges each gateway joins.
    file : str, default '--gateway'
        The option named in errors.

    Returns
    -------
    Joined
        The merged topology and the joins.
    """
    exchanges = located(base, NodeKind.EXCHANGE)
    if exchanges.size == 0:
        raise InputError.single(file, "", "the network has no located exchange to join")
    ex_ids, ex_lat, ex_lon = _id_lat_lon(base, exchanges)
    joined = []
    for g in gateways:
        km = haversine_km(g.lat, g.lon, ex_lat, ex_lon)
        near = np.argsort(km, kind="stable")[:n_exchanges]
        joined += [(g.id, str(ex_ids[j]), round(float(km[j]), 3)) for j in near]
    node_columns = {
        "id": [g.id for g in gateways],
        "kind": [NodeKind.GATEWAY.value] * len(gateways),
        "lat": [g.lat for g in gateways],
        "lon": [g.lon for g in gateways],
        "international": [True] * len(gateways),
    }
    link_columns = {
        "id": [f"{a}--{b}" for a, b, _ in joined],
        "source": [a for a, _, _ in joined],
        "target": [b for _, b, _ in joined],
        "kind": [LinkKind.TERRESTRIAL_FIBER.value] * len(joined),
        "capacity_gbps": [JOIN_CAPACITY_GBPS] * len(joined),
        "length_km": [km for _, _, km in joined],
    }
    nodes = pa.concat_tables(
        [base.node_table, table_from_columns(Node, node_columns, len(gateways))]
    )
    links = pa.concat_tables([base.link_table, table_from_columns(Link, link_columns, len(joined))])
    topology = Topology.from_tables(base.name, nodes, links, base.description)
    return Joined(checked_topology(topology, file), joined, 0)


def _id_lat_lon(topology: Topology, rows: np.ndarray):
    """Ids, latitudes and longitudes of the (located) node rows ``rows``."""
    ids, lat, lon = (
        np.asarray(topology.node_column(c), dtype=object)[rows] for c in ("id", "lat", "lon")
    )
    return ids, lat.astype(float), lon.astype(float)
