"""Plotly figures of a run: recovery, regions, equity, distributions.

Reports stage (this package is the only importer of plotly). The timeline and
regional tables are read in chunks of whole replications
(:meth:`~resilience_sim.reports.run_folder.RunFolder.iter_replications`), so a figure of
a study of any size is drawn in bounded memory.

User text that plotly draws (labels, region names) is HTML-escaped first: plotly
renders a subset of HTML in text, and shows escaped entities as plain text.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from resilience_sim.metrics import (
    DistinctTimes,
    region_outage_hours,
    stream_curve_quantiles,
    time_grid,
)
from resilience_sim.metrics.equity import WORST_SHARE, lorenz_on_grid
from resilience_sim.reports.replay import RunReplay
from resilience_sim.reports.run_folder import RunFolder

_BAND = {"domestic": "rgba(31,119,180,0.2)", "international": "rgba(214,39,40,0.2)"}
_LINE = {"domestic": "rgb(31,119,180)", "international": "rgb(214,39,40)"}
_BAR = "#2c7bb6"
TEMPLATE = "plotly_white"
_CAPACITY = "served_international_capacity_frac"


def recovery_curves(run: RunFolder) -> go.Figure:
    """Served fraction over time: median across replications with a 5-95 % band.

    Parameters
    ----------
    run : RunFolder
        The run folder.

    Returns
    -------
    go.Figure
        The figure.
    """
    grid, has_capacity = _recovery_grid(run)
    days = grid / 24.0
    columns = ["served_domestic_frac", "served_international_frac"]
    columns += [_CAPACITY] if has_capacity else []
    curves = stream_curve_quantiles(
        lambda: run.iter_replications("timeline", ["time_h", *columns]),
        columns,
        grid,
        len(run.summary),
    )
    fig = go.Figure()
    for service in ("domestic", "international"):
        p5, p50, p95 = curves[f"served_{service}_frac"]
        fig.add_trace(
            go.Scatter(
                x=days,
                y=p95,
                mode="lines",
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
                name=f"{service} p95",
                line_shape="hv",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=days,
                y=p5,
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor=_BAND[service],
                name=f"{service} 5-95 %",
                line_shape="hv",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=days,
                y=p50,
                mode="lines",
                name=f"{service} median",
                line={"color": _LINE[service]},
                line_shape="hv",
            )
        )
    onsets: dict[float, list[str]] = {}
    for i, hazard in enumerate(run.scenario.get("hazards", [])):
        label = html.escape(hazard.get("label") or f"hazards[{i}]: {hazard['type']}")
        onsets.setdefault(float(hazard.get("at_h", 0.0)), []).append(label)
    for at_h in onsets:
        fig.add_vline(x=at_h / 24.0, line_dash="dot", line_color="grey")
    if onsets:
        fig.add_trace(
            go.Scatter(
                x=[t / 24.0 for t in onsets],
                y=[1.03] * len(onsets),
                mode="markers",
                marker={"symbol": "triangle-down", "size": 11, "color": "black"},
                name="hazard onset",
                hovertext=[f"{t:g} h: " + "; ".join(labels) for t, labels in onsets.items()],
                hoverinfo="text",
            )
        )
    stopgaps = run.scenario.get("recovery", {}).get("stopgaps", [])
    if stopgaps:
        fig.add_trace(
            go.Scatter(
                x=[g["after_h"] / 24.0 for g in stopgaps],
                y=[1.03] * len(stopgaps),
                mode="markers",
                marker={"symbol": "star", "size": 11, "color": "seagreen"},
                name="stopgap arrives",
                hovertext=[
                    html.escape(
                        f"{g['after_h']:g} h: {g['type']} ({g.get('node') or g.get('region', '')})"
                    )
                    for g in stopgaps
                ],
                hoverinfo="text",
            )
        )
    if has_capacity:
        median = curves[_CAPACITY][1]
        fig.add_trace(
            go.Scatter(
                x=days,
                y=median,
                mode="lines",
                name="international capacity median (share of demand carried)",
                line={"color": _LINE["international"], "dash": "dash"},
                line_shape="hv",
            )
        )
    fig.update_layout(
        title="Served users over time (share of the undamaged network)",
        xaxis_title="days from scenario start",
        yaxis_title="served fraction",
        yaxis_range=[0, 1.05],
        hovermode="x unified",
        height=460,
        template=TEMPLATE,
    )
    return fig


LATENCY = "international_latency_ms"


def latency_curve(run: RunFolder) -> go.Figure:
    """Demand-weighted mean path latency of the routed international traffic over time:
    median across replications with a 5-95 % band (timelines with ``international_latency_ms``,
    i.e. widest routing or ``service.report_latency``).

    Parameters
    ----------
    run : RunFolder
        The run folder.

    Returns
    -------
    go.Figure
        The figure.
    """
    grid, _ = _recovery_grid(run)
    curves = stream_curve_quantiles(
        lambda: run.iter_replications("timeline", ["time_h", LATENCY]),
        [LATENCY],
        grid,
        len(run.summary),
    )
    p5, p50, p95 = curves[LATENCY]
    days = grid / 24.0
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=days,
            y=p95,
            mode="lines",
            line={"width": 0},
            showlegend=False,
            hoverinfo="skip",
            name="p95",
            line_shape="hv",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=days,
            y=p5,
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor=_BAND["international"],
            name="5-95 %",
            line_shape="hv",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=days,
            y=p50,
            mode="lines",
            name="median",
            line={"color": _LINE["international"]},
            line_shape="hv",
        )
    )
    fig.update_layout(
        title="International path latency (one way, mean weighted by demand routed)",
        xaxis_title="days from scenario start",
        yaxis_title="ms",
        hovermode="x unified",
        height=360,
        template=TEMPLATE,
    )
    return fig


def _recovery_grid(run: RunFolder) -> tuple[np.ndarray, bool]:
    """The time grid of the recovery curves, and whether the capacity column has values
    (one pass over the timeline's times)."""
    times = DistinctTimes(run.horizon_h)
    has_capacity = False
    for chunk in run.iter_replications("timeline", ["time_h", _CAPACITY]):
        times.add(chunk.time_h.to_numpy())
        has_capacity = has_capacity or (_CAPACITY in chunk and bool(chunk[_CAPACITY].notna().any()))
    return time_grid(run.horizon_h, times.values), has_capacity


def region_outage(run: RunFolder) -> go.Figure:
    """Mean outage hours per user by region, with the 5-95 % range across replications.

    Parameters
    ----------
    run : RunFolder
        The run folder.

    Returns
    -------
    go.Figure
        The figure.
    """
    columns = ["time_h", "region", "served_domestic_frac"]
    parts = [
        region_outage_hours(chunk, run.horizon_h)
        for chunk in run.iter_replications("regional", columns)
    ]
    parts = [p for p in parts if not p.empty]  # an empty part would make the columns object
    hours = (
        pd.concat(parts, ignore_index=True)
        if parts
        else region_outage_hours(run.empty_table("regional"), run.horizon_h)
    )
    stats = (
        hours.groupby("region")
        .outage_h.agg(
            mean="mean", p5=lambda x: np.percentile(x, 5), p95=lambda x: np.percentile(x, 95)
        )
        .sort_values("mean", ascending=False)
    )
    fig = go.Figure(
        go.Bar(
            x=[html.escape(str(r)) for r in stats.index],
            y=stats["mean"],
            error_y={
                "type": "data",
                "symmetric": False,
                "array": (stats["p95"] - stats["mean"]).to_numpy(),
                "arrayminus": (stats["mean"] - stats["p5"]).to_numpy(),
            },
            name="mean outage hours per user",
            marker_color=_BAR,
        )
    )
    fig.update_layout(
        title="Which communities wait longest: outage hours per user by region "
        "(mean, 5-95 % range)",
        xaxis_title="region",
        yaxis_title="hours",
        height=420,
        template=TEMPLATE,
    )
    return fig


def distribution(run: RunFolder, column: str, title: str, unit: str) -> go.Figure:
    """Histogram of one summary metric across replications.

    Parameters
    ----------
    run : RunFolder
        The run folder.
    column : str
        A summary column.
    title : str
        The figure title.
    unit : str
        The axis unit.

    Returns
    -------
    go.Figure
        The figure.
    """
    fig = go.Figure(
        go.Histogram(x=run.summary[column].dropna(), nbinsx=30, name=column, marker_color=_BAR)
    )
    fig.update_layout(
        title=title, xaxis_title=unit, yaxis_title="replications", height=340, template=TEMPLATE
    )
    return fig


# Line colours of the per-operator curves (plotly's qualitative "D3" palette, red left out:
# it is the all-users curve's colour).
OPERATOR_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf")


def operator_equity_medians(replay: RunReplay, grid: np.ndarray) -> list[np.ndarray | None]:
    """Per operator, the median Lorenz-style curve of its own users on ``grid``.

    Each operator's units (operator x place: its users there, the hours they were
    without service in the per-operator model) across the replayed replications in
    which its users lost service; None for an operator whose users never did.

    Parameters
    ----------
    replay : RunReplay
        The replayed run (with ``operators``).
    grid : numpy.ndarray
        Population shares, 0..1.

    Returns
    -------
    list[numpy.ndarray or None]
        One ``(len(grid),)`` curve (0..1) or None per operator.
    """
    ops = replay.operators
    if ops is None:
        return []
    return [
        _median_curve(ops.outage_h, ops.unit_users, ops.unit_op == op, grid)
        for op in range(len(ops.ids))
    ]


def _lorenz_rows(outage_h: np.ndarray, users: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """``(n, len(grid))``: :func:`lorenz_on_grid` of each row of ``outage_h``, the rows
    without an outage (NaN curves) left out."""
    curves = np.vstack([lorenz_on_grid(hours, users, grid) for hours in outage_h])
    curves = curves.reshape(-1, len(grid))
    return curves[~np.isnan(curves).any(axis=1)]


def _median_curve(
    outage_h: np.ndarray, users: np.ndarray, mine: np.ndarray, grid: np.ndarray
) -> np.ndarray | None:
    """Median over the rows of ``outage_h`` of the Lorenz-style curve of the units
    ``mine``; None when no row has an outage."""
    curves = _lorenz_rows(outage_h[:, mine], users[mine], grid)
    return np.median(curves, axis=0) if len(curves) else None


def equity_curve(replay: RunReplay) -> go.Figure:
    """Lorenz-style curve: share of unserved user-hours borne by the worst-served users.

    Median and 5-95 % band across the replayed replications (those with any outage),
    with the line of equal burden and the worst-served 20 % marked; with operators, one
    dashed median curve per operator (:func:`operator_equity_medians`).

    Parameters
    ----------
    replay : RunReplay
        The replayed run.

    Returns
    -------
    go.Figure
        The figure.
    """
    grid = np.linspace(0.0, 1.0, 101)
    population = replay.arrays.population
    curves = _lorenz_rows(replay.outage_h, population, grid)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=[0, 100],
            y=[0, 100],
            mode="lines",
            line={"color": "grey", "dash": "dot"},
            name="equal burden",
            hoverinfo="skip",
        )
    )
    if len(curves):
        p5, p50, p95 = np.percentile(curves, [5, 50, 95], axis=0)
        pct = 100 * grid
        fig.add_trace(
            go.Scatter(
                x=pct,
                y=100 * p95,
                mode="lines",
                line={"width": 0},
                showlegend=False,
                hoverinfo="skip",
                name="p95",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=pct,
                y=100 * p5,
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor="rgba(178,24,43,0.18)",
                name="5-95 % across replications",
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=pct,
                y=100 * p50,
                mode="lines",
                line={"color": "rgb(178,24,43)"},
                name="median",
                hovertemplate="worst-served %{x:.0f} % of users bear %{y:.0f} % "
                "of unserved user-hours<extra></extra>",
            )
        )
        share = float(np.interp(100 * WORST_SHARE, pct, 100 * p50))
        fig.add_trace(
            go.Scatter(
                x=[100 * WORST_SHARE],
                y=[share],
                mode="markers+text",
                marker={"size": 10, "color": "rgb(178,24,43)"},
                text=[f"{share:.0f} %"],
                textposition="middle right",
                name=f"worst-served {100 * WORST_SHARE:.0f} %",
                hoverinfo="skip",
            )
        )
    if replay.operators is not None:
        ops = replay.operators
        every = _median_curve(ops.outage_h, ops.unit_users, np.ones(len(ops.unit_op), bool), grid)
        if every is not None:
            fig.add_trace(
                go.Scatter(
                    x=100 * grid,
                    y=100 * every,
                    mode="lines",
                    line={"color": "black", "dash": "dot", "width": 1.5},
                    name="median, all operators' users (per-operator model)",
                    hovertemplate="all operators: worst-served %{x:.0f} % of users bear "
                    "%{y:.0f} % of unserved user-hours<extra></extra>",
                )
            )
        for op, median in enumerate(operator_equity_medians(replay, grid)):
            if median is None:
                continue
            fig.add_trace(
                go.Scatter(
                    x=100 * grid,
                    y=100 * median,
                    mode="lines",
                    line={"color": OPERATOR_COLOURS[op % len(OPERATOR_COLOURS)], "dash": "dash"},
                    name=f"median, {html.escape(ops.names[op])}'s users",
                    hovertemplate=f"{html.escape(ops.names[op])}: worst-served %{{x:.0f}} % "
                    "of its users bear %{y:.0f} % of its unserved user-hours<extra></extra>",
                )
            )
    fig.update_layout(
        title="Who bears the outage: cumulative share of unserved user-hours, "
        "users ordered from worst served",
        xaxis_title="share of users, worst served first (%)",
        yaxis_title="share of unserved user-hours (%)",
        xaxis_range=[0, 100],
        yaxis_range=[0, 102],
        height=420,
        template=TEMPLATE,
    )
    return fig
