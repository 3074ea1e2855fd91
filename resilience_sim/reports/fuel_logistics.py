"""The report's "Fuel logistics" section (scenarios with ``power.fuel``).

Reports stage: reads the run folder's ``fuel_trips`` table (and ``road_closures`` with
roads), only the columns it needs, and shows per day the mean deliveries and litres
delivered per replication, the sites waiting for fuel at the end of the day, the median
and 90th percentile of the wait from request to fuel in the tank, and (with roads) the
road segments closed at the end of the day; then the sites with the longest waits
(docs/power.md#fuel-logistics-tables).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from resilience_sim.metrics.fuel_logistics import daily_fuel_logistics, worst_served_sites
from resilience_sim.reports.page import figure_div, table
from resilience_sim.reports.run_folder import RunFolder

TRIP_COLUMNS = ["kind", "node", "requested_h", "arrive_h", "cancelled_h", "litres", "wait_h"]
WORST_SITES = 10


def has_fuel(run: RunFolder) -> bool:
    """Whether the run folder holds fuel logistics (a scenario with ``power.fuel``).

    Parameters
    ----------
    run : RunFolder
        The run folder.

    Returns
    -------
    bool
        True when ``fuel_trips.parquet`` is there.
    """
    return (run.path / "fuel_trips.parquet").is_file()


def fuel_section(run: RunFolder) -> str:
    """HTML of the section (heading included), or ``""`` without fuel logistics.

    Parameters
    ----------
    run : RunFolder
        The run folder.

    Returns
    -------
    str
        The section's HTML.
    """
    if not has_fuel(run):
        return ""
    head = "<h2 id='fuel'>Fuel logistics</h2>"
    trips = pd.read_parquet(run.path / "fuel_trips.parquet", columns=TRIP_COLUMNS)
    if trips.empty:
        return head + "<p>No site asked for fuel in any replication.</p>"
    roads_file = run.path / "road_closures.parquet"
    closures = (
        pd.read_parquet(roads_file, columns=["closed_from_h", "reopen_h"])
        if roads_file.is_file()
        else None
    )
    n = len(run.summary)
    daily = daily_fuel_logistics(trips, closures, run.horizon_h, n)
    worst = worst_served_sites(trips, run.horizon_h, WORST_SITES)
    worst = worst.assign(requests=worst.requests / n, unserved=worst.unserved / n).round(
        {"requests": 2, "unserved": 2, "mean_wait_h": 1, "max_wait_h": 1}
    )
    worst = worst.rename(
        columns={"requests": "requests per replication", "unserved": "open at end per replication"}
    )
    shown = daily.round(
        {
            "deliveries": 1,
            "litres": 0,
            "sites_waiting": 1,
            "wait_p50_h": 1,
            "wait_p90_h": 1,
            "segments_closed": 1,
        }
    )
    note = (
        "<p class='note'>Mean per replication, per day: truck deliveries and litres "
        "delivered, sites waiting for fuel at the end of the day (asked, neither "
        "refuelled nor back on mains)"
        + (", road segments closed at the end of the day" if closures is not None else "")
        + "; the median and 90th percentile of the wait from a site's request to fuel in "
        "its tank, over the deliveries of that day in every replication. Table below: "
        f"the {WORST_SITES} sites with the longest single wait (a request still open at "
        "the horizon waits until the horizon).</p>"
    )
    return (
        head
        + figure_div(daily_figure(daily), "fuel-logistics")
        + table(shown)
        + "<h3>Worst-served sites</h3>"
        + table(worst)
        + note
    )


def daily_figure(daily: pd.DataFrame) -> go.Figure:
    """Deliveries and waiting sites (bars), waits (lines) and closed roads, per day.

    Parameters
    ----------
    daily : pandas.DataFrame
        The table of :func:`~resilience_sim.metrics.fuel_logistics.daily_fuel_logistics`.

    Returns
    -------
    go.Figure
        The figure.
    """
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(
        go.Bar(x=daily.day, y=daily.deliveries, name="deliveries", marker_color="#2b8cbe")
    )
    fig.add_trace(
        go.Bar(x=daily.day, y=daily.sites_waiting, name="sites waiting", marker_color="#e08214")
    )
    if "segments_closed" in daily.columns:
        fig.add_trace(
            go.Bar(
                x=daily.day,
                y=daily.segments_closed,
                name="road segments closed",
                marker_color="#7f3b08",
            )
        )
    for column, name, dash in (
        ("wait_p50_h", "median wait", "solid"),
        ("wait_p90_h", "p90 wait", "dot"),
    ):
        fig.add_trace(
            go.Scatter(
                x=daily.day,
                y=daily[column],
                name=f"{name} (h)",
                mode="lines+markers",
                line={"color": "#4d4d4d", "dash": dash},
            ),
            secondary_y=True,
        )
    fig.update_layout(
        barmode="group",
        title="Fuel deliveries, waiting sites and closed roads per day (mean per replication)",
        xaxis_title="day",
        height=420,
        template="plotly_white",
    )
    fig.update_yaxes(title_text="count", secondary_y=False)
    fig.update_yaxes(title_text="wait from request to fuel, h", secondary_y=True)
    return fig
