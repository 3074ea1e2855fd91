"""The report's "Sites out by cause" section: a daily stacked bar and a region x cause table.

Reports stage: reads the run folder's ``outage_causes`` table in chunks of whole
replications (bounded memory) and shows the mean across replications of the sites out
at the end of each day, by cause class, and by region and cause (the form regulators
publish after disasters; docs/power.md#outage-causes).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from resilience_sim.reports.page import figure_div, table
from resilience_sim.reports.run_folder import RunFolder

CAUSE_COLOURS = {
    "structural": "#7f3b08",
    "power": "#e08214",
    "upstream": "#8073ac",
    "cyber": "#d6604d",
    "congestion": "#4393c3",
}
MAX_DAYS_IN_TABLE = 30


def mean_sites_out(run: RunFolder) -> pd.DataFrame:
    """Mean sites out per (day, region, cause_class) across all replications of the run
    (a replication without a row counts 0).

    Parameters
    ----------
    run : RunFolder
        The run folder.

    Returns
    -------
    pandas.DataFrame
        Rows ``day, region, cause_class, sites_out``.
    """
    columns = ["day", "region", "cause_class", "sites_out"]
    sums = [
        chunk.groupby(columns[:3]).sites_out.sum()
        for chunk in run.iter_replications("outage_causes", columns)
    ]
    if not sums:
        return pd.DataFrame(columns=columns)
    total = pd.concat(sums).groupby(level=[0, 1, 2]).sum()
    return (total / len(run.summary)).rename("sites_out").reset_index()


def outage_cause_section(run: RunFolder) -> str:
    """HTML of the section: figure, table and a note (or why there is nothing to show).

    Parameters
    ----------
    run : RunFolder
        The run folder.

    Returns
    -------
    str
        The section's HTML.
    """
    if not (run.path / "outage_causes.parquet").is_file():
        return "<p>The run folder has no outage_causes table (written since it was added).</p>"
    mean = mean_sites_out(run)
    if mean.empty:
        return "<p>No site was out of service at the end of any day.</p>"
    note = (
        "<p class='note'>Sites (nodes with users) out of service at the end of each day, "
        "mean across replications. A down site counts under the cause that began its "
        "outage; a working site cut off from the core counts as upstream (backhaul). "
        "Table: by region and cause"
    )
    days = sorted(mean.day.unique())
    if len(days) > MAX_DAYS_IN_TABLE:
        note += f", the first {MAX_DAYS_IN_TABLE} days of {len(days)}"
    return (
        figure_div(daily_figure(mean), "outage-causes")
        + table(region_cause_table(mean, days[:MAX_DAYS_IN_TABLE]))
        + note
        + ".</p>"
    )


def daily_figure(mean: pd.DataFrame) -> go.Figure:
    """Stacked bars of the mean sites out per day, one colour per cause class.

    Parameters
    ----------
    mean : pandas.DataFrame
        The table of :func:`mean_sites_out`.

    Returns
    -------
    go.Figure
        The figure.
    """
    by_day = mean.groupby(["day", "cause_class"]).sites_out.sum().unstack(fill_value=0.0)
    fig = go.Figure()
    for cause in [c for c in CAUSE_COLOURS if c in by_day.columns]:
        fig.add_trace(
            go.Bar(
                x=by_day.index,
                y=by_day[cause],
                name=cause,
                marker_color=CAUSE_COLOURS[cause],
            )
        )
    fig.update_layout(
        barmode="stack",
        title="Sites out of service at the end of each day, by cause (mean)",
        xaxis_title="day",
        yaxis_title="sites",
        height=420,
        template="plotly_white",
    )
    return fig


def region_cause_table(mean: pd.DataFrame, days: list) -> pd.DataFrame:
    """One row per (region, cause), one column per day, mean sites out (rounded to 0.1).

    Parameters
    ----------
    mean : pandas.DataFrame
        The table of :func:`mean_sites_out`.
    days : list
        The days shown.

    Returns
    -------
    pandas.DataFrame
        The table.
    """
    wide = (
        mean[mean.day.isin(days)]
        .pivot_table(
            index=["region", "cause_class"],
            columns="day",
            values="sites_out",
            aggfunc="sum",
            fill_value=0.0,
        )
        .reindex(columns=days, fill_value=0.0)
        .round(1)
    )
    wide.columns = [f"day {d}" for d in wide.columns]
    return wide.reset_index().rename(columns={"cause_class": "cause"})
