"""Cell sites -> a topology: backhaul to aggregation nodes, exchanges and a fibre core.

Part of the topology stage, after :mod:`resilience_sim.topology.io.opencellid` has
clustered cells into sites. Data sources give site positions, operators and radios
but not the transport network behind them, so it is inferred with one documented
heuristic (docs/data-import.md, "Cell sites"):

1. **Aggregation nodes**: the sites are binned into square grid cells of
   ``aggregation_km`` (default 20 km, ``assumed``); each non-empty cell gets an
   ``aggregation`` node at the mean position of its sites.
2. **Backhaul**: each site is linked to its *nearest* aggregation node. The link is
   ``microwave`` when the distance is at most ``microwave_max_km`` (default 10 km,
   ``assumed``), else ``terrestrial_fiber``. Fibre is the preferred medium where it is
   available, and wireless backhaul is used where fibre is not, mostly in semi-rural
   and rural areas (ITU-R WP5C working document towards a report on the use of the
   fixed service for backhaul for IMT, Annex 7 to Doc. 5C/298, May 2014); microwave
   links are turned towards aggregation points that have fibre (Hilt, "Availability
   and fade margin calculations for 5G microwave and millimeter-wave anyhaul links",
   Appl. Sci. 9(23) 5240, 2019). The 10 km limit for one hop is ``assumed``: the
   higher microwave bands, more exposed to rain, suit short hops of up to a few
   kilometres (Hansryd and Edstam, "Microwave capacity evolution", Ericsson Review),
   and no source we read gives one figure. A 20 km cell's corners are 14 km from its
   centre, so sparse cells get some fibre backhaul; dense ones are all microwave.
3. **Exchanges**: aggregation nodes are binned the same way into cells of
   ``exchange_km`` (default 30 km, ``assumed``), each cell an ``exchange`` at the
   site-weighted mean position; each aggregation node links by fibre to its nearest
   exchange. With a ``backbone`` topology, aggregation nodes link instead to the
   backbone's nearest located ``exchange`` node, and no exchanges are created.
4. **Core**: created exchanges are joined by fibre along the minimum spanning tree of
   their great-circle distances plus each exchange's link to its two nearest others
   (``assumed``: a meshed core without single points of failure between neighbours).

Capacities are ``assumed`` orders of magnitude (no source): 1 Gbit/s microwave and
10 Gbit/s fibre backhaul, 10 Gbit/s aggregation uplinks, 100 Gbit/s core. Cell sites
keep 3 h of battery (ordinary Japanese base station, NTT DOCOMO 2011 statements, in
shared/reference/PARAMETERS.md) and are fed by the grid region ``grid-<region>`` (one per
exchange area, ``assumed``), so a ``power_grid_outage`` of that region drains them;
aggregation nodes and exchanges have no ``power_feed`` (``assumed`` to keep power).
Everything is built as columns (no per-site objects), so 100,000 cells import in
seconds (docs/data-import.md gives the figure).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import cKDTree

from resilience_sim.errors import InputError
from resilience_sim.geo import EARTH_RADIUS_KM, haversine_km, unit_vectors
from resilience_sim.topology.checks import checked_topology
from resilience_sim.topology.io.opencellid import Sites
from resilience_sim.topology.merge import located
from resilience_sim.topology.model import Link, LinkKind, Node, NodeKind, Topology
from resilience_sim.topology.table import table_from_columns

DEFAULT_AGGREGATION_KM = 20.0  # assumed, module docstring
DEFAULT_EXCHANGE_KM = 30.0  # assumed
DEFAULT_MICROWAVE_MAX_KM = 10.0  # assumed
SITE_BATTERY_H = 3.0  # NTT DOCOMO 2011 (PARAMETERS.md, "Backup power at sites")
MICROWAVE_GBPS = 1.0  # assumed
BACKHAUL_FIBRE_GBPS = 10.0  # assumed
UPLINK_GBPS = 10.0  # assumed
CORE_GBPS = 100.0  # assumed
CORE_NEIGHBOURS = 2  # assumed
KM_PER_DEG_LAT = np.pi * EARTH_RADIUS_KM / 180.0


@dataclass(frozen=True)
class BackhaulCounts:
    """What the heuristic built (printed by ``topology import-cells``)."""

    n_sites: int
    n_shared_sites: int
    n_aggregation: int
    n_exchanges: int
    n_microwave: int
    n_fibre_backhaul: int


def grid_cells(lat: np.ndarray, lon: np.ndarray, cell_km: float) -> np.ndarray:
    """Label of the square grid cell of side ``cell_km`` that holds each point.

    Rows are bands of ``cell_km`` of latitude from the equator; each band is cut into
    columns of ``cell_km`` measured along the band's centre latitude, so cells are
    ``cell_km`` x ``cell_km`` to within the band's change of scale. Labels are
    ``0..k-1`` in order of (row, column).

    Parameters
    ----------
    lat, lon : numpy.ndarray
        ``(n,)`` points, decimal degrees.
    cell_km : float
        Cell side, km.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` int labels.
    """
    lat, lon = np.asarray(lat, float), np.asarray(lon, float)
    row = np.floor(lat * KM_PER_DEG_LAT / cell_km).astype(np.int64)
    centre = np.radians((row + 0.5) * cell_km / KM_PER_DEG_LAT)
    km_per_deg_lon = KM_PER_DEG_LAT * np.maximum(np.cos(centre), 1e-6)
    col = np.floor((lon + 180.0) * km_per_deg_lon / cell_km).astype(np.int64)
    _, label = np.unique(np.column_stack([row, col]), axis=0, return_inverse=True)
    return label.reshape(-1)


def mean_positions(
    lat: np.ndarray, lon: np.ndarray, label: np.ndarray, weight: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(Weighted) mean position of the points of each label, on the sphere, degrees.

    Parameters
    ----------
    lat, lon : numpy.ndarray
        ``(n,)`` points, decimal degrees.
    label : numpy.ndarray
        ``(n,)`` label ``0..k-1`` of each point.
    weight : numpy.ndarray or None, default None
        ``(n,)`` weights (None: equal).

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray]
        ``(lat (k,), lon (k,))``, decimal degrees.
    """
    xyz = unit_vectors(lat, lon)
    if weight is not None:
        xyz = xyz * np.asarray(weight, float)[:, None]
    k = int(label.max()) + 1
    mean = np.column_stack([np.bincount(label, xyz[:, j], k) for j in range(3)])
    mlat = np.degrees(np.arctan2(mean[:, 2], np.hypot(mean[:, 0], mean[:, 1])))
    mlon = np.degrees(np.arctan2(mean[:, 1], mean[:, 0]))
    return mlat, mlon


def nearest(
    from_lat: np.ndarray, from_lon: np.ndarray, to_lat: np.ndarray, to_lon: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Index of the nearest ``to`` point for each ``from`` point and its distance, km.

    Parameters
    ----------
    from_lat, from_lon : numpy.ndarray
        ``(n,)`` points, decimal degrees.
    to_lat, to_lon : numpy.ndarray
        ``(m,)`` points, decimal degrees.

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray]
        ``(index (n,), distance_km (n,))``.
    """
    tree = cKDTree(unit_vectors(to_lat, to_lon))
    _, idx = tree.query(unit_vectors(from_lat, from_lon))
    idx = np.asarray(idx, dtype=np.int64)
    return idx, haversine_km(from_lat, from_lon, to_lat[idx], to_lon[idx])


def grid_hubs(
    lat: np.ndarray, lon: np.ndarray, cell_km: float, weight: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hubs at the (weighted) mean of each grid cell's points; each point's nearest hub.

    Returns ``(hub of each point, its distance km, hub lat, hub lon)``. A hub that is no
    point's nearest (its cell's points all lie nearer a neighbouring hub) is dropped.

    Parameters
    ----------
    lat, lon : numpy.ndarray
        ``(n,)`` points, decimal degrees.
    cell_km : float
        Cell side, km.
    weight : numpy.ndarray or None, default None
        ``(n,)`` weights (None: equal).

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray, numpy.ndarray]
        ``(hub (n,), distance_km (n,), hub_lat (k,), hub_lon (k,))``.
    """
    hub_lat, hub_lon = mean_positions(lat, lon, grid_cells(lat, lon, cell_km), weight)
    hub, km = nearest(lat, lon, hub_lat, hub_lon)
    used = np.unique(hub)
    renumber = np.full(len(hub_lat), -1, dtype=np.int64)
    renumber[used] = np.arange(len(used))
    return renumber[hub], km, hub_lat[used], hub_lon[used]


def core_links(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Pairs ``(i, j)``, ``i < j``: minimum spanning tree plus each point's nearest others.

    The spanning tree is over all pairs (O(n^2) memory: meant for exchanges, a few
    hundred per country, not for sites).

    Parameters
    ----------
    lat, lon : numpy.ndarray
        ``(n,)`` points, decimal degrees.

    Returns
    -------
    numpy.ndarray
        ``(k, 2)`` index pairs.
    """
    n = len(lat)
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    ii, jj = np.triu_indices(n, 1)
    # + 1 mm so that coincident exchanges still count as an edge of the graph
    dist = haversine_km(lat[ii], lon[ii], lat[jj], lon[jj]) + 1e-6
    tree = minimum_spanning_tree(coo_matrix((dist, (ii, jj)), shape=(n, n))).tocoo()
    pairs = [np.column_stack([tree.row, tree.col])]
    k = min(CORE_NEIGHBOURS + 1, n)
    _, idx = cKDTree(unit_vectors(lat, lon)).query(unit_vectors(lat, lon), k=k)
    pairs.append(np.column_stack([np.repeat(np.arange(n), k - 1), idx[:, 1:].reshape(-1)]))
    pairs = np.sort(np.vstack(pairs).astype(np.int64), axis=1)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    return np.unique(pairs, axis=0)


def build_cell_network(
    sites: Sites,
    *,
    name: str,
    description: str = "",
    population: np.ndarray | None = None,
    aggregation_km: float = DEFAULT_AGGREGATION_KM,
    exchange_km: float = DEFAULT_EXCHANGE_KM,
    microwave_max_km: float = DEFAULT_MICROWAVE_MAX_KM,
    backbone: Topology | None = None,
    backbone_file: str = "--backbone",
) -> tuple[Topology, BackhaulCounts]:
    """The topology of ``sites`` with inferred backhaul (module docstring).

    Parameters
    ----------
    sites : Sites
        Physical sites (:func:`~resilience_sim.topology.io.opencellid.cluster_sites`).
    name : str
        The topology's name.
    description : str, default ""
        The topology's description.
    population : numpy.ndarray or None, optional
        Users per site, persons, shape ``(n_sites,)``; 0 when None.
    aggregation_km, exchange_km : float
        Grid cell sides for aggregation nodes / exchanges, km.
    microwave_max_km : float
        Longest site-to-aggregation link built as microwave, km.
    backbone : Topology or None, optional
        An existing topology whose located exchanges the aggregation nodes join;
        its nodes and links come first in the result, unchanged.
    backbone_file : str, default "--backbone"
        The name given to the backbone in errors.

    Returns
    -------
    topology : Topology
        The cell network.
    counts : BackhaulCounts
        How many links of each backhaul kind were built.

    Raises
    ------
    InputError
        No site, a non-positive size, a backbone without a located exchange, or an id
        of the backbone that clashes with a created one.
    """
    n = len(sites.lat)
    if n == 0:
        raise InputError.single("cells", "", "no cell site to build a network from")
    for option, value in (
        ("--aggregation-km", aggregation_km),
        ("--exchange-km", exchange_km),
        ("--microwave-max-km", microwave_max_km),
    ):
        if not (np.isfinite(value) and value > 0):
            raise InputError.single(option, str(value), "must be a positive number of km")
    lat, lon = np.asarray(sites.lat, float), np.asarray(sites.lon, float)
    users = np.zeros(n) if population is None else np.asarray(population, float)

    site_agg, site_km, agg_lat, agg_lon = grid_hubs(lat, lon, aggregation_km)
    n_agg = len(agg_lat)
    agg_sites = np.bincount(site_agg, minlength=n_agg).astype(float)

    if backbone is None:
        agg_ex, _, ex_lat, ex_lon = grid_hubs(agg_lat, agg_lon, exchange_km, agg_sites)
        ex_ids = _ids("exchange", len(ex_lat))
        ex_region = ex_ids
        core = core_links(ex_lat, ex_lon)
    else:
        ex_ids, ex_lat, ex_lon, ex_region = _backbone_exchanges(backbone, backbone_file)
        agg_ex, _ = nearest(agg_lat, agg_lon, ex_lat, ex_lon)
        core = np.zeros((0, 2), dtype=np.int64)
    ex_ids, ex_region = np.asarray(ex_ids, dtype=object), np.asarray(ex_region, dtype=object)

    site_ids = _ids("site", n)
    agg_ids = _ids("agg", n_agg)
    agg_region = ex_region[agg_ex]
    site_region = agg_region[site_agg]
    microwave = site_km <= microwave_max_km
    new_ex = backbone is None
    n_ex_new = len(ex_ids) if new_ex else 0

    def rounded(values: np.ndarray) -> list[float]:
        return np.round(np.asarray(values, float), 6).tolist()

    node_columns = {
        "id": site_ids + agg_ids + (ex_ids.tolist() if new_ex else []),
        "kind": [NodeKind.CELL_SITE.value] * n
        + [NodeKind.AGGREGATION.value] * n_agg
        + [NodeKind.EXCHANGE.value] * n_ex_new,
        "lat": rounded(np.concatenate([lat, agg_lat, ex_lat if new_ex else []])),
        "lon": rounded(np.concatenate([lon, agg_lon, ex_lon if new_ex else []])),
        "region": site_region.tolist()
        + agg_region.tolist()
        + (ex_region.tolist() if new_ex else []),
        "population": np.concatenate([users, np.zeros(n_agg + n_ex_new)]).tolist(),
        "power_feed": [f"grid-{r}" for r in site_region.tolist()] + [None] * (n_agg + n_ex_new),
        "battery_h": [SITE_BATTERY_H] * n + [0.0] * (n_agg + n_ex_new),
        "operator": list(sites.operator) + [None] * (n_agg + n_ex_new),
        "radios": [list(r) for r in sites.radios] + [[] for _ in range(n_agg + n_ex_new)],
    }
    n_nodes = n + n_agg + n_ex_new

    src = [np.asarray(site_ids, dtype=object), np.asarray(agg_ids, dtype=object)]
    dst = [np.asarray(agg_ids, dtype=object)[site_agg], ex_ids[agg_ex]]
    kinds = [
        np.where(microwave, LinkKind.MICROWAVE.value, LinkKind.TERRESTRIAL_FIBER.value),
        np.full(n_agg, LinkKind.TERRESTRIAL_FIBER.value, dtype=object),
    ]
    caps = [np.where(microwave, MICROWAVE_GBPS, BACKHAUL_FIBRE_GBPS), np.full(n_agg, UPLINK_GBPS)]
    km = [site_km, haversine_km(agg_lat, agg_lon, ex_lat[agg_ex], ex_lon[agg_ex])]
    ops = [np.asarray(sites.operator, dtype=object), np.full(n_agg, None, dtype=object)]
    if len(core):
        src.append(ex_ids[core[:, 0]])
        dst.append(ex_ids[core[:, 1]])
        kinds.append(np.full(len(core), LinkKind.TERRESTRIAL_FIBER.value, dtype=object))
        caps.append(np.full(len(core), CORE_GBPS))
        km.append(
            haversine_km(
                ex_lat[core[:, 0]], ex_lon[core[:, 0]], ex_lat[core[:, 1]], ex_lon[core[:, 1]]
            )
        )
        ops.append(np.full(len(core), None, dtype=object))
    src_all, dst_all = np.concatenate(src), np.concatenate(dst)
    link_columns = {
        "id": [f"{a}--{b}" for a, b in zip(src_all.tolist(), dst_all.tolist(), strict=True)],
        "source": src_all.tolist(),
        "target": dst_all.tolist(),
        "kind": np.concatenate(kinds).tolist(),
        "capacity_gbps": np.concatenate(caps).astype(float).tolist(),
        "length_km": np.round(np.concatenate(km), 3).tolist(),
        "operator": np.concatenate(ops).tolist(),
    }
    nodes = table_from_columns(Node, node_columns, n_nodes)
    links = table_from_columns(Link, link_columns, len(src_all))
    if backbone is not None:
        nodes = pa.concat_tables([backbone.node_table, nodes])
        links = pa.concat_tables([backbone.link_table, links])
    topology = checked_topology(Topology.from_tables(name, nodes, links, description), name)
    counts = BackhaulCounts(
        n_sites=n,
        n_shared_sites=sum(1 for op in sites.operators if len(op) > 1),
        n_aggregation=n_agg,
        n_exchanges=len(ex_ids),
        n_microwave=int(microwave.sum()),
        n_fibre_backhaul=int((~microwave).sum()),
    )
    return topology, counts


def _ids(prefix: str, k: int) -> list[str]:
    width = len(str(k))
    return [f"{prefix}-{j:0{width}d}" for j in range(1, k + 1)]


def _backbone_exchanges(backbone: Topology, file: str):
    rows = located(backbone, NodeKind.EXCHANGE)
    if rows.size == 0:
        raise InputError.single(file, "nodes", "no exchange node with lat/lon to attach sites to")

    def column(name: str) -> np.ndarray:
        return np.asarray(backbone.node_column(name), dtype=object)[rows]

    return (
        column("id").tolist(),
        column("lat").astype(float),
        column("lon").astype(float),
        column("region").tolist(),
    )
