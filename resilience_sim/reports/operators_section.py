"""The report's "Operators" section: per-operator figures of a run with operators.

Reports stage: reads ``operator_summary.parquet`` (one row per replication and operator)
and ``operators.parquet`` (served fractions per operator over time, in chunks of whole
replications) from the run folder; empty when the scenario declared no operators
(docs/operators.md, docs/report.md).
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from resilience_sim.metrics import DistinctTimes, stream_curve_quantiles, time_grid
from resilience_sim.reports.page import figure_div, table
from resilience_sim.reports.run_folder import RunFolder

TEMPLATE = "plotly_white"
_COLUMNS = {
    "unserved_user_h_domestic": "unserved user-h, domestic",
    "unserved_user_h_international": "unserved user-h, international",
    "peak_outage_frac": "peak outage share",
    "t_restore_90_h": "h to 90 % recovery",
    "roaming_user_h_domestic": "user-h served by roaming",
}


def has_operators(run: RunFolder) -> bool:
    """Whether the run has per-operator results (``operator_summary.parquet``).

    Parameters
    ----------
    run : RunFolder
        The run folder.

    Returns
    -------
    bool
        True if it has.
    """
    return (run.path / "operator_summary.parquet").is_file()


def operators_section(run: RunFolder) -> str:
    """Heading, table of per-operator means and the per-operator recovery figure.

    Parameters
    ----------
    run : RunFolder
        The run folder.

    Returns
    -------
    str
        The section's HTML (empty without operators).
    """
    if not has_operators(run):
        return ""
    summary = pd.read_parquet(run.path / "operator_summary.parquet")
    names = {o["id"]: o.get("name") or o["id"] for o in run.scenario.get("operators", [])}
    means = summary.groupby("operator", sort=False)[list(_COLUMNS)].mean().reset_index()
    means.insert(1, "name", [names.get(o, o) for o in means.operator])
    means = means.rename(columns={c: f"mean {label}" for c, label in _COLUMNS.items()})
    roaming = run.scenario.get("roaming")
    mandate = (
        f"Emergency roaming from {roaming['from_h']:g} h"
        + (f" to {roaming['until_h']:g} h" if roaming.get("until_h") is not None else "")
        + f" for {', '.join(roaming.get('operators') or names)}."
        if roaming
        else "No emergency roaming mandate."
    )
    return "\n".join(
        [
            "<h2 id='operators'>Operators</h2>",
            f"<p class='note'>{html.escape(mandate)} Each operator's figures are relative to "
            "its own users served by the undamaged network; totals above are their sum "
            "(docs/operators.md).</p>",
            table(means),
            figure_div(operator_curves(run, list(means.operator)), "operator-curves"),
        ]
    )


def operator_curves(run: RunFolder, operators: list[str]) -> go.Figure:
    """Median domestic served fraction per operator over time (across replications).

    Parameters
    ----------
    run : RunFolder
        The run folder.
    operators : list[str]
        The operator ids.

    Returns
    -------
    go.Figure
        The figure.
    """
    times = DistinctTimes(run.horizon_h)
    for chunk in run.iter_replications("operators", ["time_h"]):
        times.add(chunk.time_h.to_numpy())
    grid = time_grid(run.horizon_h, times.values)
    fig = go.Figure()
    for op in operators:
        curves = stream_curve_quantiles(
            lambda op=op: (
                c[c.operator == op]
                for c in run.iter_replications(
                    "operators", ["time_h", "operator", "served_domestic_frac"]
                )
            ),
            ["served_domestic_frac"],
            grid,
            len(run.summary),
        )
        _, p50, _ = curves["served_domestic_frac"]
        fig.add_trace(go.Scatter(x=grid / 24.0, y=p50, mode="lines", name=html.escape(op)))
    fig.update_layout(
        template=TEMPLATE,
        xaxis_title="days",
        yaxis_title="share of the operator's users served (median)",
        yaxis_range=[0, 1.05],
        height=360,
        margin={"t": 20},
    )
    return fig


__all__ = ["has_operators", "operator_curves", "operators_section"]
