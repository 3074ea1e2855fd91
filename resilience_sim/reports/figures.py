"""Plotly figures of a run (this package is the only importer of plotly).

User text that plotly draws (labels, region names) is HTML-escaped first: plotly
renders a subset of HTML in text, and shows escaped entities as plain text.
"""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go

from resilience_sim.metrics import curve_quantiles, region_outage_hours, time_grid
from resilience_sim.reports.run_folder import RunFolder

_BAND = {"domestic": "rgba(31,119,180,0.2)", "international": "rgba(214,39,40,0.2)"}
_LINE = {"domestic": "rgb(31,119,180)", "international": "rgb(214,39,40)"}


def recovery_curves(run: RunFolder) -> go.Figure:
    """Served fraction over time: median across replications with a 5-95 % band."""
    grid = time_grid(run.horizon_h, run.timeline.time_h.to_numpy())
    days = grid / 24.0
    fig = go.Figure()
    for service in ("domestic", "international"):
        p5, p50, p95 = curve_quantiles(run.timeline, f"served_{service}_frac", grid)
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
    fig.update_layout(
        title="Served users over time (share of the undamaged network)",
        xaxis_title="days from scenario start",
        yaxis_title="served fraction",
        yaxis_range=[0, 1.05],
        hovermode="x unified",
        height=460,
    )
    return fig


def region_outage(run: RunFolder) -> go.Figure:
    """Mean outage hours per user by region, with the 5-95 % range across replications."""
    hours = region_outage_hours(run.regional, run.horizon_h)
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
        )
    )
    fig.update_layout(
        title="Which communities wait longest: outage hours per user by region "
        "(mean, 5-95 % range)",
        xaxis_title="region",
        yaxis_title="hours",
        height=420,
    )
    return fig


def distribution(run: RunFolder, column: str, title: str, unit: str) -> go.Figure:
    """Histogram of one summary metric across replications."""
    fig = go.Figure(go.Histogram(x=run.summary[column].dropna(), nbinsx=30, name=column))
    fig.update_layout(title=title, xaxis_title=unit, yaxis_title="replications", height=340)
    return fig
