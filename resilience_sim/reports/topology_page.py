"""``topology show``: an offline HTML map of a topology (kinds, capacities, routes, regions).

Reports stage. The same map pieces as the run report (:mod:`geomap`, the inlined
base map of :mod:`basemap`), with nodes coloured and shaped by kind, links by kind
with a line width per capacity class, and tables of kinds and regions. Large
topologies are reduced as in the report (grid cells for users; see geomap).
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from resilience_sim.reports import geomap
from resilience_sim.reports.basemap import MapView, geo_assets_script, geo_layout
from resilience_sim.reports.page import figure_div, render_page, table, write_page
from resilience_sim.topology import NODE_KINDS, Topology, compile_topology
from resilience_sim.topology.stats import topology_stats

# line width (px) per capacity class, lower bounds in Gbit/s
CAPACITY_CLASSES = ((100.0, 4.5, "≥ 100 Gbit/s"), (10.0, 3.0, "10–100 Gbit/s"),
                    (1.0, 1.8, "1–10 Gbit/s"), (0.0, 1.0, "< 1 Gbit/s"))  # fmt: skip
_PALETTE = ("#1f77b4", "#17becf", "#2ca02c", "#9467bd", "#8c564b",
            "#d62728", "#e377c2", "#ff7f0e", "#7f7f7f", "#bcbd22")  # fmt: skip
NODE_COLOURS = dict(zip(NODE_KINDS, _PALETTE, strict=True))


def capacity_class(capacity_gbps: np.ndarray) -> np.ndarray:
    """Index into CAPACITY_CLASSES of each capacity (0 = the highest class).

    Parameters
    ----------
    capacity_gbps : numpy.ndarray
        Capacities, Gbit/s.

    Returns
    -------
    numpy.ndarray
        Class indices.

    Examples
    --------
    >>> capacity_class(np.array([400.0, 100.0, 40.0, 1.0, 0.05])).tolist()
    [0, 0, 1, 2, 3]
    """
    bounds = np.array([c[0] for c in CAPACITY_CLASSES])
    return np.argmax(np.asarray(capacity_gbps)[:, None] >= bounds[None, :], axis=1)


def topology_figure(topology: Topology, view: MapView) -> go.Figure:
    """The topology on the base map: one trace per link kind and capacity class, per node kind.

    Parameters
    ----------
    topology : Topology
        The network.
    view : MapView
        The map window.

    Returns
    -------
    go.Figure
        The figure.
    """
    arrays = compile_topology(topology)
    large = topology.n_nodes > geomap.MAX_NODES
    links = geomap.drawn_links(topology)
    traces = []
    kinds = np.array([topology.links[j].kind.value for j in links])
    classes = capacity_class(arrays.link_capacity_gbps[links]) if len(links) else links
    for kind, (colour, dash) in geomap.LINK_STYLES.items():
        for c, (_, width, label) in enumerate(CAPACITY_CLASSES):
            members = links[(kinds == kind) & (classes == c)]
            if len(members) == 0:
                continue
            lat, lon = geomap.link_polylines(topology, members, straight=large)
            traces.append(
                {
                    "type": "scattergeo",
                    "name": label,
                    "legendgroup": kind,
                    "legendgrouptitle": {"text": kind.replace("_", " ")},
                    "lat": lat,
                    "lon": lon,
                    "mode": "lines",
                    "line": {"color": colour, "width": width, "dash": dash},
                    "hoverinfo": "skip",
                    "opacity": 0.85,
                }
            )
    if len(links):
        traces.append(
            {
                "type": "scattergeo",
                "name": "link details",
                "lat": np.round(arrays.asset_lat[arrays.n_nodes + links], 4).tolist(),
                "lon": np.round(arrays.asset_lon[arrays.n_nodes + links], 4).tolist(),
                "mode": "markers",
                "marker": {"size": 6, "color": "rgba(60,60,60,0.25)"},
                "hovertext": [geomap.link_hover(topology, arrays, int(j)) for j in links],
                "hoverinfo": "text",
                "showlegend": False,
            }
        )
    lat, lon = geomap.node_lat_lon(topology)
    if large:
        cells = geomap.grid_cells(lat, lon, arrays.population)
        traces.append(
            {
                "type": "scattergeo",
                "name": f"users ({cells.size_deg:.2g}° grid cells)",
                "lat": np.round(cells.lat, 4).tolist(),
                "lon": np.round(cells.lon, 4).tolist(),
                "mode": "markers",
                "marker": {
                    "size": geomap.node_sizes(cells.population).tolist(),
                    "color": NODE_COLOURS["cell_site"],
                    "opacity": 0.6,
                },
                "hovertext": [f"{p:,.0f} users in this cell" for p in cells.population],
                "hoverinfo": "text",
            }
        )
        shown = geomap.key_nodes(topology)
    else:
        shown = geomap.located_nodes(topology)
    node_kinds = np.array([topology.nodes[i].kind.value for i in shown])
    sizes = geomap.node_sizes(arrays.population)
    for kind in NODE_KINDS:
        members = shown[node_kinds == kind]
        if len(members) == 0:
            continue
        traces.append(
            {
                "type": "scattergeo",
                "name": kind.replace("_", " "),
                "legendgroup": "nodes",
                "legendgrouptitle": {"text": "nodes"},
                "lat": lat[members].tolist(),
                "lon": lon[members].tolist(),
                "mode": "markers",
                "marker": {
                    "symbol": geomap.NODE_SYMBOLS[kind],
                    "size": sizes[members].tolist(),
                    "color": NODE_COLOURS[kind],
                    "line": {"color": "white", "width": 0.8},
                },
                "hovertext": [geomap.node_hover(topology, int(i)) for i in members],
                "hoverinfo": "text",
            }
        )
    layout = {
        "title": {"text": geomap.esc(topology.name), "font": {"size": 15}},
        "geo": geo_layout(view),
        "height": geomap.MAP_HEIGHT_PX,
        "margin": {"l": 10, "r": 10, "t": 50, "b": 10},
        "legend": {"font": {"size": 11}, "groupclick": "toggleitem"},
        "hoverlabel": {"align": "left"},
    }
    return go.Figure({"data": traces, "layout": layout})


def render_topology_page(topology: Topology, source: str) -> str:
    """The whole page for ``topology`` read from ``source`` (a file name, shown escaped).

    Parameters
    ----------
    topology : Topology
        The network.
    source : str
        Where it was read from.

    Returns
    -------
    str
        The HTML page.
    """
    esc = html.escape
    view, outside = geomap.national_view(topology)
    stats = topology_stats(topology)
    located = len(geomap.located_nodes(topology))
    notes = []
    if located < topology.n_nodes:
        notes.append(f"{topology.n_nodes - located:,} nodes have no location and are not drawn.")
    if outside:
        names = ", ".join(esc(topology.nodes[i].name or topology.nodes[i].id) for i in outside[:8])
        more = f" and {len(outside) - 8} more" if len(outside) > 8 else ""
        notes.append(f"Outside the window (international nodes): {names}{more}; zoom out.")
    if topology.n_nodes > geomap.MAX_NODES or topology.n_links > geomap.MAX_LINKS:
        notes.append(
            "Large network: users are drawn aggregated in grid cells, nodes one by one only "
            f"for the national core and international nodes, and at most "
            f"{geomap.MAX_LINKS:,} links (highest capacity first)."
        )
    body = [
        f"<h1>{esc(topology.name)}</h1>",
        f"<p class='meta'>{esc(topology.description)}</p>",
        f"<p class='meta'>{esc(source)} &middot; {topology.n_nodes:,} nodes &middot; "
        f"{topology.n_links:,} links &middot; {stats['population_total']:,.0f} users &middot; "
        f"{stats['connected_components']} connected component(s)</p>",
        figure_div(topology_figure(topology, view), "topology-map"),
        "<p class='note'>Marker shape and colour: node kind; size: users served. Line "
        "colour and dash: link kind; width: capacity. Cables follow their routes. Hover "
        "for details; click legend entries to hide them; scroll to zoom.</p>",
        "".join(f"<p class='note'>{n}</p>" for n in notes),
        "<h2>Regions</h2>",
        table(_regions(topology)),
        "<h2>Nodes</h2>",
        table(pd.DataFrame(sorted(stats["nodes_by_kind"].items()), columns=["node kind", "count"])),
        "<h2>Links</h2>",
        table(
            pd.DataFrame(
                [
                    (
                        kind,
                        count,
                        stats["link_length_km_by_kind"].get(kind, float("nan")),
                        stats["capacity_gbps_by_kind"][kind],
                    )
                    for kind, count in sorted(stats["links_by_kind"].items())
                ],
                columns=["link kind", "count", "length km", "capacity Gbit/s"],
            )
        ),
    ]
    return render_page(
        f"{topology.name} - resilience-sim topology", "\n".join(body), geo_assets_script(view)
    )


def _regions(topology: Topology) -> pd.DataFrame:
    rows = {}
    for node in topology.nodes:
        row = rows.setdefault(node.region, [node.region, 0, 0, 0.0])
        row[1] += 1
        row[2] += node.population > 0
        row[3] += node.population
    return pd.DataFrame(rows.values(), columns=["region", "nodes", "access nodes", "users"])


def write_topology_page(topology: Topology, source: str, target: str | Path) -> Path:
    """Write the topology page to ``target`` (atomically) and return its path.

    Parameters
    ----------
    topology : Topology
        The network.
    source : str
        Where it was read from.
    target : str or Path
        The HTML file.

    Returns
    -------
    Path
        ``target``.
    """
    return write_page(render_topology_page(topology, source), Path(target))
