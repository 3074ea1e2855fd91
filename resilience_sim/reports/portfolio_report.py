"""report.html of a portfolio folder: cost against avoided outage, with intervals.

Reports stage: reads only the folder written by ``experiments.portfolio.write_portfolio``
(``manifest.json``, ``portfolios.csv``, ``interactions.csv``). One figure: every
evaluated portfolio at its annual cost and expected avoided unserved user-hours a year,
with the confidence interval of the benefit as error bars and the equity figure (worst
region's outage hours a year) as colour; the Pareto front joined by a line, the chosen
portfolio ringed. Then the front and the interaction tables. User text is escaped.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from resilience_sim.reports.figures import TEMPLATE
from resilience_sim.reports.page import figure_div, render_page, table, write_page
from resilience_sim.reports.study_folder import REPORT_NAME, read_manifest, read_table


def portfolio_figure(portfolios: pd.DataFrame, confidence: float) -> go.Figure:
    """Annual cost vs benefit, error bars, equity colour, front line, chosen ring.

    Parameters
    ----------
    portfolios : pandas.DataFrame
        The portfolios table.
    confidence : float
        Confidence level of the intervals, 0..1.

    Returns
    -------
    go.Figure
        The figure.
    """
    p = portfolios
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=p.annual_cost_musd,
            y=p.benefit_user_h_per_year,
            mode="markers",
            name="portfolio",
            text=p.portfolio,
            error_y={
                "type": "data",
                "array": p.benefit_high - p.benefit_user_h_per_year,
                "arrayminus": p.benefit_user_h_per_year - p.benefit_low,
                "thickness": 1,
            },
            marker={
                "size": 9,
                "color": p.worst_region_outage_h_per_year,
                "colorscale": "Viridis",
                "colorbar": {"title": "worst region, h/yr"},
            },
            hovertemplate="%{text}<br>%{x:.3g} MUSD/yr<br>%{y:,.0f} user-h/yr avoided"
            "<extra></extra>",
        )
    )
    front = p[p.pareto].sort_values("annual_cost_musd")
    fig.add_trace(
        go.Scatter(
            x=front.annual_cost_musd,
            y=front.benefit_user_h_per_year,
            mode="lines",
            name="Pareto front",
            line={"color": "#444", "dash": "dot"},
            hoverinfo="skip",
        )
    )
    chosen = p[p.chosen]
    fig.add_trace(
        go.Scatter(
            x=chosen.annual_cost_musd,
            y=chosen.benefit_user_h_per_year,
            mode="markers",
            name="chosen",
            marker={"size": 18, "symbol": "circle-open", "color": "#d62728", "line": {"width": 2}},
            hoverinfo="skip",
        )
    )
    fig.update_layout(
        template=TEMPLATE,
        xaxis={"title": "annual cost, million USD a year"},
        yaxis={"title": f"avoided unserved user-hours a year ({confidence:.0%} interval)"},
        height=520,
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def render_portfolio_report(folder: Path) -> str:
    """The whole page as a string.

    Parameters
    ----------
    folder : Path
        The portfolio folder.

    Returns
    -------
    str
        The HTML page.
    """
    esc = html.escape
    m = read_manifest(folder)
    portfolios = read_table(folder, "portfolios.csv")
    interactions = read_table(folder, "interactions.csv")
    budget = (
        "no budget" if m["budget_musd"] is None else f"{m['budget_of']} ≤ {m['budget_musd']:g} MUSD"
    )
    shown = portfolios[portfolios.pareto | portfolios.chosen][
        [
            c
            for c in (
                "portfolio",
                "capex_musd",
                "annual_cost_musd",
                "benefit_user_h_per_year",
                "benefit_low",
                "benefit_high",
                "net_benefit_musd_per_year",
                "worst_region_outage_h_per_year",
                "pareto_with_equity",
                "chosen",
            )
            if c in portfolios
        ]
    ].sort_values("annual_cost_musd")
    sections = [
        f"<h1>{esc(m['name'])}: investment portfolios</h1>",
        f"<p class='meta'>{len(portfolios)} portfolios evaluated ({esc(m['method'])}) on "
        f"{m['n_events']} events of {esc(m['event_set'])} &middot; metric {esc(m['metric'])} "
        f"&middot; {esc(budget)} &middot; objective {esc(m['objective'])} &middot; created "
        f"{esc(m['created_utc'])}</p>",
        f"<p>Chosen: <b>{esc(' + '.join(m['chosen']) or 'nothing')}</b>.</p>",
        figure_div(portfolio_figure(portfolios, m["confidence"]), "portfolio-front"),
        "<p class='note'>Benefits are paired differences to the portfolio of no investment "
        "on common random numbers. A milp run assumes additive benefits; the interactions "
        "table shows how far evaluated combinations differ from the sum of their parts.</p>",
        "<h2>Pareto front and choice</h2>",
        table(shown),
        "<h2>Interactions</h2>",
        table(interactions) if len(interactions) else "<p>No combination evaluated.</p>",
    ]
    return render_page(f"{m['name']}: portfolios", "\n".join(sections))


def write_portfolio_report(run_dir: str | Path) -> Path:
    """Write ``report.html`` into a portfolio folder and return its path.

    Parameters
    ----------
    run_dir : str or Path
        The portfolio folder.

    Returns
    -------
    Path
        The report's path.
    """
    folder = Path(run_dir)
    return write_page(render_portfolio_report(folder), folder / REPORT_NAME)
