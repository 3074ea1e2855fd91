"""report.html of a sensitivity folder: Sobol indices per output, at N and 2N.

Reports stage: reads only the folder written by
``experiments.sensitivity.write_sensitivity`` (``manifest.json``, ``indices.csv``). One
bar chart per output: first-order and total indices of every factor at 2N with their
bootstrap intervals, and the N estimates as markers (the convergence check). User text
is escaped.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from resilience_sim.reports.figures import TEMPLATE
from resilience_sim.reports.page import figure_div, render_page, table, write_page
from resilience_sim.reports.study_folder import REPORT_NAME, read_manifest, read_table


def indices_figure(indices: pd.DataFrame, output: str, n: int, confidence: float) -> go.Figure:
    """S1 and ST bars at 2N with intervals; the N estimates as diamonds.

    Parameters
    ----------
    indices : pandas.DataFrame
        The indices table.
    output : str
        The output metric.
    n : int
        The base sample size N.
    confidence : float
        Confidence level of the intervals, 0..1.

    Returns
    -------
    go.Figure
        The figure.
    """
    rows = indices[indices.output == output]
    large, small = rows[rows.n == 2 * n], rows[rows.n == n]
    fig = go.Figure()
    for key, colour in (("S1", "#1f77b4"), ("ST", "#ff7f0e")):
        fig.add_trace(
            go.Bar(
                x=large.factor,
                y=large[key],
                name=f"{key} (N = {2 * n}, {confidence:.0%} interval)",
                marker_color=colour,
                error_y={"type": "data", "array": large[f"{key}_conf"]},
                offsetgroup=key,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=small.factor,
                y=small[key],
                mode="markers",
                name=f"{key} (N = {n})",
                marker={"symbol": "diamond", "color": "#222", "size": 8},
                offsetgroup=key,
            )
        )
    fig.update_layout(
        template=TEMPLATE,
        barmode="group",
        scattermode="group",
        title=output,
        yaxis={"title": "Sobol index", "range": [min(0.0, float(rows.S1.min()) - 0.05), 1.05]},
        height=420,
        legend={"orientation": "h", "y": -0.25},
    )
    return fig


def render_sensitivity_report(folder: Path) -> str:
    """The whole sensitivity page as a string: design, indices figures and table.

    Parameters
    ----------
    folder : Path
        The sensitivity folder.

    Returns
    -------
    str
        The HTML page.
    """
    esc = html.escape
    m = read_manifest(folder)
    spec = m["spec"]
    indices = read_table(folder, "indices.csv")
    n = int(spec["n"])
    factors = ", ".join(f"{f['name']} [{f['low']:g}, {f['high']:g}]" for f in spec["factors"])
    sections = [
        f"<h1>{esc(m['name'])}: global sensitivity</h1>",
        f"<p class='meta'>factors {esc(factors)} &middot; N = {n} and {2 * n} &middot; "
        f"{spec['replications']} replication(s) per point &middot; {m['n_studies']} studies "
        f"&middot; created {esc(m['created_utc'])}</p>",
        "<p class='note'>S1: share of the output's variance due to the factor alone; ST: "
        "including its interactions. Indices are converged when the N and 2N estimates "
        f"differ by at most {spec['tolerance']:g}.</p>",
    ]
    for k, output in enumerate(spec["outputs"]):
        figure = indices_figure(indices, output, n, spec["confidence"])
        sections.append(figure_div(figure, f"sobol-{k}"))
    sections += ["<h2>All indices</h2>", table(indices)]
    return render_page(f"{m['name']}: sensitivity", "\n".join(sections))


def write_sensitivity_report(run_dir: str | Path) -> Path:
    """Write ``report.html`` into a sensitivity folder and return its path.

    Parameters
    ----------
    run_dir : str or Path
        The sensitivity folder.

    Returns
    -------
    Path
        The report's path.
    """
    folder = Path(run_dir)
    return write_page(render_sensitivity_report(folder), folder / REPORT_NAME)
