"""Map pieces shared by the run report and ``topology show``: view, geometry, styles, hover.

Reports stage. Everything is arrays and plotly trace dicts; user text (ids, names,
regions, cable systems) is HTML-escaped before it reaches a trace, because plotly
renders a subset of HTML in hover labels.

Large topologies are drawn reduced so a page stays small (see docs/report.md):
above ``MAX_NODES`` nodes the access nodes are aggregated into grid cells and only
core and international nodes are drawn one by one; above ``MAX_LINKS`` links only
the highest-capacity ``MAX_LINKS`` links are drawn, straight from end to end.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import numpy as np

from resilience_sim.reports.basemap import MapView
from resilience_sim.topology import NetworkArrays, Topology

MAX_NODES = 2_000
MAX_LINKS = 2_000
MAX_CELLS = 1_500
MAP_HEIGHT_PX = 680
_MAP_ASPECT = 1.95  # width / height of the geo domain: ~1056 x 540 px in a 1100 px page
_COORD_DECIMALS = 4  # ~11 m

NODE_SYMBOLS = {
    "exchange": "square",
    "aggregation": "square-open",
    "cell_site": "circle",
    "landing_station": "diamond",
    "ixp": "hexagon",
    "gateway": "star",
    "data_center": "hexagon-open",
    "satellite_ground_station": "triangle-up",
    "power_substation": "cross",
    "operations_centre": "pentagon",
}
LINK_STYLES = {  # colour and dash per link kind
    "submarine_cable": ("#1f5fa8", "solid"),
    "terrestrial_fiber": ("#555555", "solid"),
    "microwave": ("#2a9d8f", "dash"),
    "satellite": ("#8e6bbf", "dot"),
}


def esc(value: object) -> str:
    """HTML-escape user text for a plotly label.

    Parameters
    ----------
    value : object
        The text (any value, converted with ``str``).

    Returns
    -------
    str
        The escaped text.
    """
    return html.escape(str(value))


def located_nodes(topology: Topology) -> np.ndarray:
    """Indices of nodes with a location.

    Parameters
    ----------
    topology : Topology
        The network.

    Returns
    -------
    numpy.ndarray
        Node indices.
    """
    return np.array([i for i, n in enumerate(topology.nodes) if n.has_location], dtype=np.int64)


def node_lat_lon(topology: Topology) -> tuple[np.ndarray, np.ndarray]:
    """``(lat, lon)`` of every node, degrees; NaN where unknown.

    Parameters
    ----------
    topology : Topology
        The network.

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray]
        ``(lat (n_nodes,), lon (n_nodes,))``, decimal degrees.
    """
    lat = np.array([np.nan if n.lat is None else n.lat for n in topology.nodes], dtype=float)
    lon = np.array([np.nan if n.lon is None else n.lon for n in topology.nodes], dtype=float)
    return lat, lon


def national_view(topology: Topology) -> tuple[MapView, list[int]]:
    """The map window: nodes that are not international nodes, fitted to the map's shape.

    International nodes (gateways abroad, teleports) usually sit far away and would
    shrink the national network to a dot; they are left out of the window (the page
    names them and the map can be zoomed out). Returns the view and the indices of
    located nodes outside it.

    Parameters
    ----------
    topology : Topology
        The network.

    Returns
    -------
    tuple[MapView, list[int]]
        ``(view, indices of located nodes outside it)``.
    """
    lat, lon = node_lat_lon(topology)
    international = set(topology.international_node_ids())
    inside = np.array(
        [n.has_location and n.id not in international for n in topology.nodes], dtype=bool
    )
    if not inside.any():
        inside = ~np.isnan(lat)
    view = fit_aspect(MapView.around(lat[inside], lon[inside]), _MAP_ASPECT)
    outside = [
        i
        for i in np.flatnonzero(~np.isnan(lat))
        if not (view.lat_min <= lat[i] <= view.lat_max and _lon_in(lon[i], view))
    ]
    return view, outside


def _lon_in(lon: float, view: MapView) -> bool:
    return any(view.lon_min <= lon + s <= view.lon_max for s in (-360.0, 0.0, 360.0))


def _mercator_y(lat_deg: float) -> float:
    lat = math.radians(max(min(lat_deg, 85.0), -85.0))
    return math.log(math.tan(math.pi / 4 + lat / 2))


def fit_aspect(view: MapView, aspect: float) -> MapView:
    """Widen the view (never narrow it) so its Mercator width / height is ``aspect``.

    Parameters
    ----------
    view : MapView
        The map window.
    aspect : float
        Wanted width / height on the Mercator map.

    Returns
    -------
    MapView
        The widened window.
    """
    width = math.radians(view.lon_max - view.lon_min)
    height = _mercator_y(view.lat_max) - _mercator_y(view.lat_min)
    if width / max(height, 1e-9) < aspect:
        half = min(math.degrees(aspect * height) / 2, 180.0)
        c = view.center_lon
        return MapView(c - half, c + half, view.lat_min, view.lat_max)
    # too wide: grow the latitude span around the middle in Mercator y
    y_mid = 0.5 * (_mercator_y(view.lat_max) + _mercator_y(view.lat_min))
    half_y = width / aspect / 2

    def lat_of(y: float) -> float:
        return math.degrees(2 * math.atan(math.exp(y)) - math.pi / 2)

    return MapView(
        view.lon_min,
        view.lon_max,
        max(lat_of(y_mid - half_y), -85.0),
        min(lat_of(y_mid + half_y), 85.0),
    )


def drawn_links(topology: Topology) -> np.ndarray:
    """Indices of links drawn on the map: all, or the ``MAX_LINKS`` of highest capacity.

    Parameters
    ----------
    topology : Topology
        The network.

    Returns
    -------
    numpy.ndarray
        Link indices.
    """
    n = topology.n_links
    if n <= MAX_LINKS:
        return np.arange(n)
    capacity = np.array([e.capacity_gbps for e in topology.links])
    order = np.lexsort((np.arange(n), -capacity))
    return np.sort(order[:MAX_LINKS])


def link_polylines(
    topology: Topology, links: np.ndarray, straight: bool = False
) -> tuple[list, list]:
    """``lat``/``lon`` lists of the links' geometries separated by ``None`` (one trace).

    Routes are followed unless ``straight`` (end to end); links without two located
    points are skipped. Coordinates are rounded to ~11 m to keep the page small.

    Parameters
    ----------
    topology : Topology
        The network.
    links : numpy.ndarray
        Link indices.
    straight : bool, default False
        Draw end to end, not along routes.

    Returns
    -------
    tuple[list, list]
        ``(lat, lon)`` lists with ``None`` between links.
    """
    lats: list = []
    lons: list = []
    for j in links:
        link = topology.links[j]
        points = topology.link_points(link)
        if straight and len(points) > 2:
            points = [points[0], points[-1]]
        if len(points) < 2:
            continue
        lats.extend([round(p[0], _COORD_DECIMALS) for p in points] + [None])
        lons.extend([round(p[1], _COORD_DECIMALS) for p in points] + [None])
    return lats, lons


def link_hover(topology: Topology, arrays: NetworkArrays, j: int) -> str:
    """Hover text (HTML) of link ``j``: id, kind, ends, capacity, length.

    Parameters
    ----------
    topology : Topology
        The network.
    arrays : NetworkArrays
        The compiled network.
    j : int
        Link index.

    Returns
    -------
    str
        The text.
    """
    link = topology.links[j]
    length = arrays.link_length_km[j]
    parts = [
        f"<b>{esc(link.id)}</b>",
        f"{esc(link.kind.value)}: {esc(link.source)} – {esc(link.target)}",
        f"capacity {link.capacity_gbps:,.3g} Gbit/s",
    ]
    if not np.isnan(length):
        parts.append(f"length {length:,.0f} km")
    if link.cable_system:
        parts.append(f"cable system {esc(link.cable_system)}")
    if link.srlg:
        parts.append("shared-risk groups " + esc(", ".join(link.srlg)))
    return "<br>".join(parts)


def node_hover(topology: Topology, i: int) -> str:
    """Hover text (HTML) of node ``i``: name or id, kind, region and more.

    Parameters
    ----------
    topology : Topology
        The network.
    i : int
        Node index.

    Returns
    -------
    str
        The text.
    """
    node = topology.nodes[i]
    title = esc(node.name) + f" <i>({esc(node.id)})</i>" if node.name else esc(node.id)
    parts = [
        f"<b>{title}</b>",
        f"{esc(node.kind.value)}, region {esc(node.region)}",
    ]
    if node.population:
        parts.append(f"{node.population:,.0f} users")
    if node.core:
        parts.append("national core")
    if node.international:
        parts.append("international node")
    if node.capacity_gbps is not None:
        parts.append(f"switching {node.capacity_gbps:,.3g} Gbit/s")
    if node.battery_h or node.fuel_h:
        parts.append(f"battery {node.battery_h:g} h, fuel {node.fuel_h:g} h")
    return "<br>".join(parts)


def node_sizes(population: np.ndarray) -> np.ndarray:
    """Marker diameter in px: 7 for infrastructure, 8 to 17 growing with sqrt(users).

    Parameters
    ----------
    population : numpy.ndarray
        ``(n,)`` users per node.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` diameters, px.
    """
    pop = np.asarray(population, dtype=float)
    top = pop.max() if len(pop) and pop.max() > 0 else 1.0
    return np.round(np.where(pop > 0, 8 + 9 * np.sqrt(pop / top), 7), 1)


@dataclass(frozen=True)
class GridCells:
    """Access nodes aggregated into lat/lon grid cells (large topologies).

    ``cell_of_node (n_nodes,)`` cell index or -1 (not aggregated); ``lat``/``lon``
    population-weighted cell centres; ``population`` persons per cell; ``size_deg``.
    """

    cell_of_node: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    population: np.ndarray
    size_deg: float

    @property
    def n_cells(self) -> int:
        """Number of occupied grid cells."""
        return len(self.population)


def grid_cells(lat: np.ndarray, lon: np.ndarray, population: np.ndarray) -> GridCells:
    """Aggregate located nodes with users into at most ``MAX_CELLS`` square grid cells.

    The cell size starts at 1/60 of the larger span and grows by 1.5x until the
    occupied cells are few enough.

    Parameters
    ----------
    lat, lon : numpy.ndarray
        ``(n,)`` located nodes, decimal degrees.
    population : numpy.ndarray
        ``(n,)`` users per node.

    Returns
    -------
    GridCells
        The cells.
    """
    members = np.flatnonzero((population > 0) & ~np.isnan(lat) & ~np.isnan(lon))
    span = max(np.ptp(lat[members]) if len(members) else 1.0, 1e-3)
    span = max(span, np.ptp(lon[members]) if len(members) else 1.0)
    size = span / 60.0
    while True:
        keys = np.floor(lat[members] / size).astype(np.int64) * 1_000_003 + np.floor(
            lon[members] / size
        ).astype(np.int64)
        unique, cell = np.unique(keys, return_inverse=True)
        if len(unique) <= MAX_CELLS:
            break
        size *= 1.5
    pop = population[members]
    weight = np.bincount(cell, weights=pop, minlength=len(unique))
    cell_of_node = np.full(len(lat), -1, dtype=np.int64)
    cell_of_node[members] = cell
    return GridCells(
        cell_of_node=cell_of_node,
        lat=np.bincount(cell, weights=pop * lat[members], minlength=len(unique)) / weight,
        lon=np.bincount(cell, weights=pop * lon[members], minlength=len(unique)) / weight,
        population=weight,
        size_deg=size,
    )


def key_nodes(topology: Topology) -> np.ndarray:
    """Nodes drawn one by one on a large map: core and international nodes (at most MAX_NODES).

    Parameters
    ----------
    topology : Topology
        The network.

    Returns
    -------
    numpy.ndarray
        Node indices.
    """
    wanted = set(topology.core_node_ids()) | set(topology.international_node_ids())
    idx = [i for i, n in enumerate(topology.nodes) if n.id in wanted and n.has_location]
    return np.asarray(idx[:MAX_NODES], dtype=np.int64)
