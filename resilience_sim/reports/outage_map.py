"""The report's map: nodes and links coloured by state over the representative replication.

Reports stage. The event log of the representative (median) replication is
replayed (:func:`resilience_sim.engine.replay.replay`) and, at each
frame time, the engine's ``served_masks`` gives who is served. One animation
frame per distinct event time, at most ``MAX_FRAMES`` (evenly spaced over the
distinct times when there are more, always keeping the first and last), plus a
first frame of the undamaged network. The map opens on the frame with the fewest
users served. Frames carry only what changes: node colours and the failed links.

With operators, a selector above the map switches between all users (the node states
above) and each operator's users alone: the representative replication replayed through
the per-operator service model (``served_per_operator(..., per_unit=True)``), one marker
per place where the operator has users (a grid cell on large maps), coloured by the share
of them served at each frame (docs/operators.md, "In the report").
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from resilience_sim.engine import served_masks
from resilience_sim.engine.replay import replay as replay_log
from resilience_sim.metrics.equity import log_arrays
from resilience_sim.reports import geomap
from resilience_sim.reports.basemap import MapView, geo_layout
from resilience_sim.reports.replay import OperatorReplay, RunReplay
from resilience_sim.reports.run_folder import RunFolder

MAX_FRAMES = 150

# node state codes, relative to the undamaged network
SERVED, DOMESTIC_ONLY, CUT_OFF, DOWN, NEVER_SERVED = range(5)
STATES = (
    (SERVED, "served", "#1a9641"),
    (DOMESTIC_ONLY, "domestic service only (no international)", "#f1b60d"),
    (CUT_OFF, "up, but cut off from the national core", "#f46d43"),
    (DOWN, "failed (down)", "#b2182b"),
    (NEVER_SERVED, "not served even when undamaged", "#9e9e9e"),
)
_STATE_SCALE = [
    [bound, colour]
    for code, _, colour in STATES
    for bound in (code / len(STATES), (code + 1) / len(STATES))
]
_CELL_SCALE = [[0.0, "#b2182b"], [0.5, "#f46d43"], [0.8, "#f1b60d"], [1.0, "#1a9641"]]
_DOWN_LINK = "#d7191c"


def frame_times(distinct_h: np.ndarray, max_frames: int = MAX_FRAMES) -> np.ndarray:
    """At most ``max_frames`` of the distinct event times, evenly spaced, ends kept.

    Parameters
    ----------
    distinct_h : numpy.ndarray
        Distinct event times, hours, sorted.
    max_frames : int, default MAX_FRAMES
        Most frames.

    Returns
    -------
    numpy.ndarray
        Frame times, hours.

    Examples
    --------
    >>> frame_times(np.arange(10.0), 4).tolist()
    [0.0, 3.0, 6.0, 9.0]
    """
    if len(distinct_h) <= max_frames:
        return distinct_h
    pick = np.unique(np.round(np.linspace(0, len(distinct_h) - 1, max_frames)).astype(int))
    return distinct_h[pick]


def node_states(
    asset_up: np.ndarray,
    domestic: np.ndarray,
    international: np.ndarray,
    base_domestic: np.ndarray,
    base_international: np.ndarray,
) -> np.ndarray:
    """State code per node (SERVED ... NEVER_SERVED), relative to the undamaged network.

    Parameters
    ----------
    asset_up : numpy.ndarray
        ``(n_assets,)`` bool: which assets are up.
    domestic, international : numpy.ndarray
        ``(n_nodes,)`` bool: nodes served now.
    base_domestic, base_international : numpy.ndarray
        ``(n_nodes,)`` bool: nodes the undamaged network serves.

    Returns
    -------
    numpy.ndarray
        ``(n_nodes,)`` state codes.
    """
    n = len(domestic)
    codes = np.full(n, SERVED, dtype=np.int8)
    codes[base_international & ~international] = DOMESTIC_ONLY
    codes[~domestic] = CUT_OFF
    codes[~base_domestic] = NEVER_SERVED
    codes[~asset_up[:n]] = DOWN
    return codes


def outage_map(run: RunFolder, replay: RunReplay, view: MapView) -> go.Figure:
    """The animated map of the representative replication, framed on ``view``.

    Parameters
    ----------
    run : RunFolder
        The run folder.
    replay : RunReplay
        Its replay.
    view : MapView
        The map window.

    Returns
    -------
    go.Figure
        The animated figure.
    """
    topology, arrays = replay.topology, replay.arrays
    large = topology.n_nodes > geomap.MAX_NODES
    links = geomap.drawn_links(topology)
    link_pos = {int(j): k for k, j in enumerate(links)}

    events = run.replication_rows("events", replay.representative)
    log = log_arrays(arrays, events)
    wanted = set(frame_times(log.row_times_h).tolist())

    undamaged = ~arrays.standby  # stopgaps on standby are not part of the undamaged network
    base_dom, base_intl = served_masks(arrays, undamaged)
    pop = arrays.population
    base_users = float(pop @ base_dom)
    lat, lon = geomap.node_lat_lon(topology)
    cells = geomap.grid_cells(lat, lon, pop * base_dom) if large else None
    shown = geomap.key_nodes(topology) if large else geomap.located_nodes(topology)

    layer = (
        _OperatorLayer(replay.operators, arrays, topology, shown, cells, replay.representative)
        if replay.operators is not None
        else None
    )

    def snapshot(
        label: str, t_h: float | None, asset_up: np.ndarray, hijacked: np.ndarray | None = None
    ) -> dict:
        dom, intl = served_masks(arrays, asset_up, hijacked)
        state = node_states(asset_up, dom, intl, base_dom, base_intl)
        failed = ~asset_up & ~arrays.standby  # as the engine counts assets down
        down_links = np.array(
            [j for j in np.flatnonzero(failed[arrays.n_nodes :]) if int(j) in link_pos], int
        )
        served = float(pop @ dom) / base_users if base_users > 0 else float("nan")
        when = "undamaged network" if t_h is None else f"t = {t_h:,.4g} h (day {t_h / 24:.1f})"
        frame = {
            "name": label,
            "label": "undamaged" if t_h is None else time_label(t_h, run.horizon_h),
            "served": served,
            "title": f"{when}: {100 * served:.1f} % of users served domestically, "
            f"{int(failed.sum()):,} assets down",
            "nodes": state[shown].tolist(),
            "down": _failed_links(topology, arrays, down_links, large),
        }
        if cells is not None:
            served_cell = np.bincount(
                cells.cell_of_node[cells.cell_of_node >= 0],
                weights=(pop * dom)[cells.cell_of_node >= 0],
                minlength=cells.n_cells,
            )
            frame["cells"] = np.round(served_cell / cells.population, 3).tolist()
        if layer is not None:
            frame["operators"] = layer.shares(t_h)
            frame["title"] += "<br><sup>" + layer.summary(t_h) + "</sup>"
        return frame

    snapshots = [snapshot("undamaged", None, undamaged)]
    for state in replay_log(arrays, log):
        if state.time_h in wanted:
            snapshots.append(
                snapshot(f"t={state.time_h!r}", state.time_h, state.asset_up, state.hijacked)
            )

    traces = _static_link_traces(topology, arrays, links, large)
    n_static = len(traces)
    traces.append(_down_links_trace(snapshots[0]["down"], large))
    hover_nodes = [
        geomap.node_hover(topology, int(i))
        + _outage_line(replay.representative_outage_h[i], replay.representative)
        for i in shown
    ]
    traces.append(
        {
            "type": "scattergeo",
            "name": "nodes" if not large else "core and international nodes",
            "lat": lat[shown].tolist(),
            "lon": lon[shown].tolist(),
            "mode": "markers",
            "hovertext": hover_nodes,
            "hoverinfo": "text",
            "showlegend": False,
            "marker": {
                "symbol": [geomap.NODE_SYMBOLS[topology.nodes[i].kind.value] for i in shown],
                "size": geomap.node_sizes(pop[shown]).tolist(),
                "color": snapshots[0]["nodes"],
                "cmin": 0,
                "cmax": len(STATES),
                "colorscale": _STATE_SCALE,
                "line": {"color": "white", "width": 0.8},
            },
        }
    )
    animated = [n_static, n_static + 1]
    node_trace = n_static + 1
    cells_trace = None
    if cells is not None:
        traces.append(_cells_trace(cells, snapshots[0]["cells"]))
        cells_trace = len(traces) - 1
        animated.append(cells_trace)
    operator_traces = []
    if layer is not None:
        for op, shares in enumerate(snapshots[0]["operators"]):
            traces.append(layer.trace(op, shares))
            operator_traces.append(len(traces) - 1)
        animated.extend(operator_traces)
    legend_start = len(traces)
    traces.extend(_state_legend())

    peak = min(range(len(snapshots)), key=lambda k: (snapshots[k]["served"], k))
    frames = [_frame(s, cells is not None, animated) for s in snapshots]
    for trace, data in zip(animated, frames[peak]["data"], strict=True):
        traces[trace] = _merge(traces[trace], data)
    layout = {
        "title": {"text": snapshots[peak]["title"], "font": {"size": 15}},
        "geo": geo_layout(view),
        "height": geomap.MAP_HEIGHT_PX,
        "margin": {"l": 10, "r": 10, "t": 50, "b": 90},
        "legend": {
            "x": 0.01,
            "y": 0.99,
            "bgcolor": "rgba(255,255,255,0.85)",
            "bordercolor": "#cccccc",
            "borderwidth": 1,
            "font": {"size": 11},
        },
        "sliders": [_slider(snapshots, peak)],
        "updatemenus": [_play_buttons()]
        + (
            [
                _operator_selector(
                    layer.names,
                    len(traces),
                    [node_trace, cells_trace],
                    operator_traces,
                    range(legend_start, len(traces)),
                )
            ]
            if layer is not None
            else []
        ),
        "hoverlabel": {"align": "left"},
    }
    return go.Figure({"data": traces, "layout": layout, "frames": frames}, skip_invalid=False)


def _outage_line(hours: float, replication: int) -> str:
    if np.isnan(hours):
        return ""
    return f"<br>without domestic service {hours:,.1f} h in replication {replication}"


def _static_link_traces(topology, arrays, links: np.ndarray, large: bool) -> list[dict]:
    kinds = np.array([topology.links[j].kind.value for j in links])
    traces = []
    for kind, (colour, dash) in geomap.LINK_STYLES.items():
        members = links[kinds == kind]
        if len(members) == 0:
            continue
        la, lo = geomap.link_polylines(topology, members, straight=large)
        traces.append(
            {
                "type": "scattergeo",
                "name": kind.replace("_", " "),
                "lat": la,
                "lon": lo,
                "mode": "lines",
                "line": {"color": colour, "width": 1.6, "dash": dash},
                "hoverinfo": "skip",
                "opacity": 0.8,
            }
        )
    mid_lat = arrays.asset_lat[arrays.n_nodes + links]
    mid_lon = arrays.asset_lon[arrays.n_nodes + links]
    traces.append(
        {
            "type": "scattergeo",
            "name": "link details",
            "lat": np.round(mid_lat, 4).tolist(),
            "lon": np.round(mid_lon, 4).tolist(),
            "mode": "markers",
            "marker": {"size": 6, "color": "rgba(60,60,60,0.25)", "symbol": "circle"},
            "hovertext": [geomap.link_hover(topology, arrays, int(j)) for j in links],
            "hoverinfo": "text",
            "showlegend": False,
        }
    )
    return traces


def _failed_links(topology, arrays, links: np.ndarray, large: bool) -> tuple[list, list]:
    """Geometry of failed links: their lines, or (large maps) one point at each middle."""
    if not large:
        return geomap.link_polylines(topology, links)
    return (
        np.round(arrays.asset_lat[arrays.n_nodes + links], 4).tolist(),
        np.round(arrays.asset_lon[arrays.n_nodes + links], 4).tolist(),
    )


def _down_links_trace(down: tuple[list, list], large: bool) -> dict:
    style = (
        {"mode": "markers", "marker": {"symbol": "x", "color": _DOWN_LINK, "size": 7}}
        if large
        else {"mode": "lines", "line": {"color": _DOWN_LINK, "width": 3.5}}
    )
    return {
        "type": "scattergeo",
        "name": "failed link",
        "lat": down[0] or [None],
        "lon": down[1] or [None],
        "hoverinfo": "skip",
        "showlegend": True,
        **style,
    }


def _cells_trace(cells, served_share: list[float]) -> dict:
    return {
        "type": "scattergeo",
        "name": f"users in {cells.size_deg:.2g}° grid cells",
        "lat": np.round(cells.lat, 4).tolist(),
        "lon": np.round(cells.lon, 4).tolist(),
        "mode": "markers",
        "hovertext": [f"{p:,.0f} users in this cell" for p in cells.population],
        "hoverinfo": "text",
        "marker": {
            "size": geomap.node_sizes(cells.population).tolist(),
            "color": served_share,
            "cmin": 0,
            "cmax": 1,
            "colorscale": _CELL_SCALE,
            "colorbar": {"title": {"text": "share served"}, "len": 0.5},
            "line": {"width": 0},
            "opacity": 0.85,
        },
    }


def _state_legend() -> list[dict]:
    """Legend entries for the node colours (the node trace itself has one colour per point)."""
    return [
        {
            "type": "scattergeo",
            "name": label,
            "lat": [None],
            "lon": [None],
            "mode": "markers",
            "marker": {"color": colour, "size": 10},
            "hoverinfo": "skip",
            "legendgroup": "states",
        }
        for _, label, colour in STATES
    ]


def _frame(snapshot: dict, has_cells: bool, animated: list[int]) -> dict:
    down_lat, down_lon = snapshot["down"]
    data = [
        {"type": "scattergeo", "lat": down_lat or [None], "lon": down_lon or [None]},
        {"type": "scattergeo", "marker": {"color": snapshot["nodes"]}},
    ]
    if has_cells:
        data.append({"type": "scattergeo", "marker": {"color": snapshot["cells"]}})
    for shares in snapshot.get("operators", []):
        data.append({"type": "scattergeo", "marker": {"color": shares}})
    return {
        "name": snapshot["name"],
        "data": data,
        "traces": animated,
        "layout": {"title": {"text": snapshot["title"]}},
    }


class _OperatorLayer:
    """One map trace per operator: its users' places (nodes, or grid cells on large maps)
    coloured by the share of them served, from the per-operator model's replay of the
    representative replication."""

    def __init__(
        self,
        ops: OperatorReplay,
        arrays,
        topology,
        shown: np.ndarray,
        cells,
        replication: int,
    ):
        self.names = ops.names
        served = ops.representative_served
        self.time_h = served.time_h
        self.unit_served = served.unit_domestic
        users = ops.unit_users
        self.unit_op, self.unit_users = ops.unit_op, users
        self.op_users = np.bincount(ops.unit_op, weights=users, minlength=len(ops.ids))
        lat, lon = geomap.node_lat_lon(topology)
        self.points = []  # per operator: (unit indices, point of each unit, n_points)
        self.where, self.hover, self.sizes = [], [], []
        hours = ops.representative_outage_h
        if cells is not None:
            point_of_node = cells.cell_of_node
        else:
            on_map = np.zeros(arrays.n_nodes, dtype=bool)
            on_map[shown] = True
            point_of_node = np.where(on_map, np.arange(arrays.n_nodes), -1)
        point = point_of_node[ops.unit_node]  # each unit's point on the map (-1: off it)
        for op in range(len(ops.ids)):
            mine = (ops.unit_op == op) & (users > 0)
            units = np.flatnonzero(mine & (point >= 0))
            keys, inverse = np.unique(point[units], return_inverse=True)
            n = len(keys)
            base = np.bincount(inverse, weights=users[units], minlength=n)
            burden = np.bincount(inverse, weights=users[units] * hours[units], minlength=n)
            self.points.append((units, inverse, n, base))
            if cells is not None:
                self.where.append((cells.lat[keys], cells.lon[keys]))
                places = [f"grid cell at {cells.lat[c]:.3f}, {cells.lon[c]:.3f}" for c in keys]
            else:
                self.where.append((lat[keys], lon[keys]))
                places = [topology.nodes[int(i)].name or topology.nodes[int(i)].id for i in keys]
            self.hover.append(
                [
                    f"<b>{geomap.esc(place)}</b><br>{geomap.esc(ops.names[op])}: "
                    f"{b:,.0f} users<br>without service {h:,.1f} h (user-weighted) "
                    f"in replication {replication}"
                    for place, b, h in zip(places, base, burden / base, strict=True)
                ]
            )
            self.sizes.append(geomap.node_sizes(base).tolist())

    def _row(self, t_h: float) -> int:
        return max(int(np.searchsorted(self.time_h, t_h, side="right")) - 1, 0)

    def summary(self, t_h: float | None) -> str:
        """``"served domestically: A 20.0 %, B 90.0 %"``: each operator's users served at
        ``t_h`` (all its places, also those off the map) as a share of the undamaged
        (names HTML-escaped)."""
        if t_h is None:
            served = self.op_users
        else:
            got = np.minimum(self.unit_served[self._row(t_h)], self.unit_users)
            served = np.bincount(self.unit_op, weights=got, minlength=len(self.names))
        parts = [
            f"{geomap.esc(name)} {100 * s / u:.1f} %" if u > 0 else f"{geomap.esc(name)} -"
            for name, s, u in zip(self.names, served, self.op_users, strict=True)
        ]
        return "served domestically: " + ", ".join(parts)

    def shares(self, t_h: float | None) -> list[list[float]]:
        """Per operator, the share of its users served at each of its points at ``t_h``
        (the undamaged network: None)."""
        if t_h is None:
            return [np.ones(n).tolist() for _, _, n, _ in self.points]
        served = self.unit_served[self._row(t_h)]
        out = []
        for units, inverse, n, base in self.points:
            got = np.bincount(inverse, weights=served[units], minlength=n)
            out.append(np.round(np.minimum(got / base, 1.0), 3).tolist())
        return out

    def trace(self, op: int, shares: list[float]) -> dict:
        """The hidden scattergeo trace of operator ``op``."""
        lat, lon = self.where[op]
        return {
            "type": "scattergeo",
            "name": f"{geomap.esc(self.names[op])}'s users",
            "lat": np.round(lat, 4).tolist(),
            "lon": np.round(lon, 4).tolist(),
            "mode": "markers",
            "visible": False,
            "hovertext": self.hover[op],
            "hoverinfo": "text",
            "marker": {
                "size": self.sizes[op],
                "color": shares,
                "cmin": 0,
                "cmax": 1,
                "colorscale": _CELL_SCALE,
                "colorbar": {"title": {"text": "share served"}, "len": 0.5},
                "line": {"color": "white", "width": 0.8},
            },
        }


def _operator_selector(
    names: tuple[str, ...],
    n_traces: int,
    all_users: list[int | None],
    operator_traces: list[int],
    legend: range,
) -> dict:
    """The dropdown: all users (node states, cells, legend) or one operator's trace."""

    def visible(show: set[int]) -> list[bool]:
        hidden = set(operator_traces) | {t for t in all_users if t is not None} | set(legend)
        return [k in show or k not in hidden for k in range(n_traces)]

    everyone = {t for t in all_users if t is not None} | set(legend)
    buttons = [
        {"label": "all users", "method": "restyle", "args": [{"visible": visible(everyone)}]}
    ]
    for op, trace in enumerate(operator_traces):
        buttons.append(
            {
                "label": f"{geomap.esc(names[op])}'s users",
                "method": "restyle",
                "args": [{"visible": visible({trace})}],
            }
        )
    return {
        "type": "dropdown",
        "name": "operator",
        "direction": "down",
        "x": 0.99,
        "xanchor": "right",
        "y": 1.0,
        "yanchor": "top",
        "showactive": True,
        "active": 0,
        "buttons": buttons,
    }


def _merge(trace: dict, update: dict) -> dict:
    merged = dict(trace)
    for key, value in update.items():
        merged[key] = {**trace.get(key, {}), **value} if isinstance(value, dict) else value
    return merged


def time_label(t_h: float, horizon_h: float) -> str:
    """Short slider label: hours for horizons up to 3 days, else days.

    Parameters
    ----------
    t_h : float
        The time, hours.
    horizon_h : float
        The run's horizon, hours.

    Returns
    -------
    str
        The label.

    Examples
    --------
    >>> time_label(44.6692, 1440.0), time_label(900.0, 1440.0), time_label(5.25, 48.0)
    ('1.9 d', '38 d', '5.2 h')
    """
    value, unit = (t_h, "h") if horizon_h <= 72.0 else (t_h / 24, "d")
    return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"


def _slider(snapshots: list[dict], active: int, n_labels: int = 10) -> dict:
    """One step per frame; only ``n_labels`` evenly spaced steps carry a visible label."""
    labelled = set(np.round(np.linspace(0, len(snapshots) - 1, n_labels)).astype(int).tolist())
    return {
        "active": active,
        "currentvalue": {"visible": False},
        "pad": {"t": 10, "b": 0},
        "len": 0.82,
        "x": 0.18,
        "font": {"size": 11},
        "steps": [
            {
                "label": s["label"] if k in labelled else "",
                "method": "animate",
                "args": [
                    [s["name"]],
                    {
                        "mode": "immediate",
                        "frame": {"duration": 0, "redraw": True},
                        "transition": {"duration": 0},
                    },
                ],
            }
            for k, s in enumerate(snapshots)
        ],
    }


def _play_buttons() -> dict:
    return {
        "type": "buttons",
        "direction": "left",
        "x": 0.0,
        "y": 0,
        "yanchor": "top",
        "xanchor": "left",
        "pad": {"t": 35, "r": 10},
        "showactive": False,
        "buttons": [
            {
                "label": "▶ play",
                "method": "animate",
                "args": [
                    None,
                    {
                        "frame": {"duration": 400, "redraw": True},
                        "fromcurrent": True,
                        "transition": {"duration": 0},
                    },
                ],
            },
            {
                "label": "❚❚ pause",
                "method": "animate",
                "args": [
                    [None],
                    {"mode": "immediate", "frame": {"duration": 0, "redraw": False}},
                ],
            },
        ],
    }
