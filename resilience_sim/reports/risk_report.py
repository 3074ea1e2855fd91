"""report.html of an annual-risk folder: the exceedance curves with their confidence bands.

Reports stage: reads only the folder written by
``experiments.annual_risk.write_annual_risk`` (``manifest.json``,
``exceedance_curve.csv``, ``return_periods.csv``, ``events.csv``). One figure: the
aggregate (all events of a year) and largest-event annual losses against the return
period (log axis), each a line with its bootstrap band; then the expected annual loss
with its intervals and the table of 10- to 250-year losses. User text is escaped.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from resilience_sim.reports.figures import TEMPLATE
from resilience_sim.reports.page import figure_div, fmt, render_page, table, write_page
from resilience_sim.reports.study_folder import REPORT_NAME, read_manifest, read_table

_SERIES = (
    ("aggregate_user_h", "all events of a year (aggregate)", "#1f77b4", "rgba(31,119,180,0.2)"),
    ("occurrence_user_h", "largest event of a year", "#d62728", "rgba(214,39,40,0.2)"),
)


def exceedance_figure(curve: pd.DataFrame, confidence: float) -> go.Figure:
    """Loss against return period, one line per series with its band.

    Parameters
    ----------
    curve : pandas.DataFrame
        The exceedance-curve table.
    confidence : float
        Confidence level of the bands, 0..1.

    Returns
    -------
    go.Figure
        The figure.
    """
    fig = go.Figure()
    curve = curve[curve.return_period_years >= 1.0]
    x = curve.return_period_years.to_numpy()
    for column, label, colour, fill in _SERIES:
        fig.add_trace(
            go.Scatter(
                x=x, y=curve[f"{column}_high"], mode="lines", line={"width": 0},
                hoverinfo="skip", showlegend=False, legendgroup=column,
            )
        )  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=x, y=curve[f"{column}_low"], mode="lines", line={"width": 0}, fill="tonexty",
                fillcolor=fill, name=f"{confidence:.0%} interval", legendgroup=column,
                hoverinfo="skip",
            )
        )  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=x, y=curve[column], mode="lines+markers", name=label, legendgroup=column,
                line={"color": colour}, marker={"size": 4},
                hovertemplate="%{x:.3g}-year loss: %{y:,.0f} user-hours<extra></extra>",
            )
        )  # fmt: skip
    fig.update_layout(
        template=TEMPLATE,
        xaxis={
            "type": "log",
            "title": "return period, years",
            "range": [0.0, float(np.log10(max(float(x.max()), 10.0)))] if len(x) else None,
        },
        yaxis={"title": "unserved user-hours in a year"},
        height=480,
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def render_risk_report(folder: Path) -> str:
    """The whole page as a string.

    Parameters
    ----------
    folder : Path
        The annual-risk folder.

    Returns
    -------
    str
        The HTML page.
    """
    esc = html.escape
    m = read_manifest(folder)
    curve = read_table(folder, "exceedance_curve.csv")
    periods = read_table(folder, "return_periods.csv")
    events = read_table(folder, "events.csv")
    level = f"{m['confidence']:.0%}"
    money = ""
    if m.get("value_per_user_h_usd") is not None:
        money = (
            f"<p>Expected annual loss at {m['value_per_user_h_usd']:g} USD per user-hour: "
            f"<b>{fmt(m['expected_annual_loss_usd'])} USD</b> "
            f"({level} interval {fmt(m['expected_annual_loss_usd_low'])} to "
            f"{fmt(m['expected_annual_loss_usd_high'])}).</p>"
        )
    shown = periods[
        ["return_period_years"]
        + [c for c in periods.columns if c.startswith(("aggregate_user_h", "occurrence_user_h"))]
    ]
    sections = [
        f"<h1>{esc(m['event_set'])}: annual risk</h1>",
        f"<p class='meta'>{m['n_years']} simulated years x {m['replications']} "
        f"replication(s) per event &middot; {len(events)} events &middot; metric "
        f"{esc(m['metric'])} &middot; {m['n_bootstrap']} bootstrap resamples of the years "
        f"&middot; created {esc(m['created_utc'])}</p>",
        "<h2>Expected annual unserved user-hours</h2>",
        f"<p><b>{fmt(m['expected_annual_user_h'])}</b> user-hours a year; {level} interval "
        f"{fmt(m['expected_annual_user_h_low'])} to {fmt(m['expected_annual_user_h_high'])} "
        f"(normal, standard error {fmt(m['expected_annual_user_h_se'])} over years), "
        f"{fmt(m['expected_annual_user_h_boot_low'])} to "
        f"{fmt(m['expected_annual_user_h_boot_high'])} (bootstrap).</p>",
        money,
        "<h2>Exceedance curve</h2>",
        figure_div(exceedance_figure(curve, m["confidence"]), "exceedance-curve"),
        "<p class='note'>The T-year loss (exceeded with probability at most 1/T a year) is "
        f"the floor(N/T)-th largest of the N simulated "
        f"annual losses; bands are {level} bootstrap intervals over the simulated years. "
        "Return periods beyond the catalogue's length are blank.</p>",
        "<h2>Return-period losses</h2>",
        table(shown),
    ]
    return render_page(f"{m['event_set']}: annual risk", "\n".join(sections))


def write_risk_report(run_dir: str | Path) -> Path:
    """Write ``report.html`` into an annual-risk folder and return its path.

    Parameters
    ----------
    run_dir : str or Path
        The annual-risk folder.

    Returns
    -------
    Path
        The report's path.
    """
    folder = Path(run_dir)
    return write_page(render_risk_report(folder), folder / REPORT_NAME)
