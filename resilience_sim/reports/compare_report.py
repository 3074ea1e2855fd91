"""report.html of a comparison folder: variants ranked against the baseline.

Reports stage: reads only the folder written by ``experiments.compare.write_comparison``
(``manifest.json``, ``comparison.parquet``). Figures: per metric, each variant's mean
with the 90 % interval across replications (p5-p95), and the paired difference to
the baseline with its confidence interval; cost per avoided user-hour and
benefit-cost ratio with their intervals where the comparison has them; then the
ranked table. Variant names and descriptions are user text and are HTML-escaped.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from resilience_sim.experiments.compare import COMPARED_METRICS
from resilience_sim.experiments.runfolder import read_manifest
from resilience_sim.reports.figures import TEMPLATE
from resilience_sim.reports.page import figure_div, fmt, render_page, table, write_page
from resilience_sim.reports.study_folder import REPORT_NAME, read_table

# label and unit of each compared metric (docs/metrics.md)
METRIC_LABELS = {
    "unserved_user_h_domestic": ("Unserved user-hours, domestic", "user-hours"),
    "unserved_user_h_international": ("Unserved user-hours, international", "user-hours"),
    "resilience_loss_h": ("Resilience loss", "hours"),
    "t_restore_90_h": ("Time to 90 % recovery", "hours"),
}
# (figure id, title, metrics drawn together: same unit)
_GROUPS = (
    ("user-h", "Unserved user-hours", COMPARED_METRICS[:2]),
    ("hours", "Resilience loss and time to 90 % recovery", COMPARED_METRICS[2:]),
)
_COLOURS = ("rgb(31,119,180)", "rgb(214,39,40)")
# economics columns drawn when any variant has a value: (column, title, unit, log axis);
# the cost per avoided user-hour spans orders of magnitude (it grows without bound as
# the avoided hours approach zero), hence the log axis
ECONOMICS = (
    ("cost_per_avoided_user_h_usd", "Cost per avoided user-hour", "USD per user-hour", True),
    ("benefit_cost_ratio", "Benefit-cost ratio", "benefit / cost", False),
)


@dataclass(frozen=True)
class ComparisonFolder:
    """A comparison run folder: its manifest and the ranked table (one row per variant)."""

    path: Path
    manifest: dict
    table: pd.DataFrame

    @classmethod
    def read(cls, path: str | Path) -> ComparisonFolder:
        """Read a comparison folder (manifest and ``comparison.parquet``).

        Parameters
        ----------
        path : str or Path
            The folder.

        Returns
        -------
        ComparisonFolder
            The folder's contents.
        """
        path = Path(path)
        manifest = read_manifest(path)
        return cls(path, manifest, read_table(path, "comparison.parquet"))

    @property
    def labels(self) -> list[str]:
        """Variant names in rank order, HTML-escaped for plotly (axis ticks)."""
        return [html.escape(str(v)) for v in self.table.variant]


def write_comparison_report(run_dir: str | Path) -> Path:
    """Write ``report.html`` into the comparison folder ``run_dir`` and return its path.

    Parameters
    ----------
    run_dir : str or Path
        The comparison folder.

    Returns
    -------
    Path
        The report's path.
    """
    folder = ComparisonFolder.read(run_dir)
    return write_page(render_comparison_report(folder), folder.path / REPORT_NAME)


def interval_figure(
    folder: ComparisonFolder,
    series: list[tuple[str, str, str, str]],
    unit: str,
    log_x: bool = False,
) -> go.Figure:
    """One panel per series, variants down the side (rank 1 on top): a marker at the
    ``centre`` column with error bars to the ``low`` and ``high`` columns; ``series``:
    (panel title, centre, low, high). NaN bounds draw no bar on that side, a NaN centre
    no marker. Panels share the variant axis, each has its own scale in ``unit``.

    Parameters
    ----------
    folder : ComparisonFolder
        The comparison folder.
    series : list[tuple[str, str, str, str]]
        ``(panel title, centre, low, high)`` column names per panel.
    unit : str
        The axis unit.
    log_x : bool, default False
        Logarithmic value axes.

    Returns
    -------
    go.Figure
        The figure.
    """
    t = folder.table
    fig = make_subplots(
        rows=1,
        cols=len(series),
        shared_yaxes=True,
        subplot_titles=[title for title, *_ in series],
        horizontal_spacing=0.06,
    )
    for i, (name, centre, low, high) in enumerate(series):
        c = t[centre].to_numpy(dtype=float)
        fig.add_trace(
            go.Scatter(
                x=c,
                y=folder.labels,
                mode="markers",
                name=name,
                showlegend=False,
                marker={"size": 10, "color": _COLOURS[i % len(_COLOURS)]},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": np.nan_to_num(t[high].to_numpy(dtype=float) - c),
                    "arrayminus": np.nan_to_num(c - t[low].to_numpy(dtype=float)),
                },
                customdata=np.column_stack([t[low], t[high]]),
                hovertemplate="%{x:,.4g} [%{customdata[0]:,.4g}, %{customdata[1]:,.4g}]"
                f"<extra>%{{y}}: {name}</extra>",
            ),
            row=1,
            col=i + 1,
        )
        fig.update_xaxes(title_text=unit, type="log" if log_x else None, row=1, col=i + 1)
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_layout(height=150 + 36 * len(t), margin={"t": 60}, template=TEMPLATE)
    return fig


def spread_figure(folder: ComparisonFolder, metrics: tuple[str, ...]) -> go.Figure:
    """Mean of each metric per variant with its 90 % interval across replications.

    Parameters
    ----------
    folder : ComparisonFolder
        The comparison folder.
    metrics : tuple[str, ...]
        The metrics drawn.

    Returns
    -------
    go.Figure
        The figure.
    """
    series = [(METRIC_LABELS[m][0], f"{m}_mean", f"{m}_p5", f"{m}_p95") for m in metrics]
    return interval_figure(folder, series, METRIC_LABELS[metrics[0]][1])


def difference_figure(folder: ComparisonFolder, metrics: tuple[str, ...]) -> go.Figure:
    """Paired difference to the baseline per variant with its confidence interval.

    Parameters
    ----------
    folder : ComparisonFolder
        The comparison folder.
    metrics : tuple[str, ...]
        The metrics drawn.

    Returns
    -------
    go.Figure
        The figure.
    """
    series = [
        (METRIC_LABELS[m][0], f"{m}_diff", f"{m}_diff_low", f"{m}_diff_high") for m in metrics
    ]
    fig = interval_figure(folder, series, METRIC_LABELS[metrics[0]][1] + " (variant - baseline)")
    fig.add_vline(x=0.0, line_dash="dot", line_color="grey", row="all", col="all")
    return fig


def economics_figure(
    folder: ComparisonFolder, column: str, title: str, unit: str, log_x: bool = False
) -> go.Figure:
    """One economics figure per variant with its interval (NaN where it has none).

    Parameters
    ----------
    folder : ComparisonFolder
        The comparison folder.
    column : str
        The economics column (with ``_low``/``_high`` bounds).
    title : str
        The panel title.
    unit : str
        The axis unit.
    log_x : bool, default False
        Logarithmic value axis.

    Returns
    -------
    go.Figure
        The figure.
    """
    series = [(title, column, f"{column}_low", f"{column}_high")]
    return interval_figure(folder, series, unit, log_x)


def has_values(frame: pd.DataFrame, column: str) -> bool:
    """Whether any variant has a finite value in ``column``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The comparison table.
    column : str
        A column.

    Returns
    -------
    bool
        True if any value is finite.
    """
    return bool(np.isfinite(frame[column].to_numpy(dtype=float)).any())


def render_comparison_report(folder: ComparisonFolder) -> str:
    """The whole comparison page as a string.

    Parameters
    ----------
    folder : ComparisonFolder
        The comparison folder.

    Returns
    -------
    str
        The HTML page.
    """
    esc = html.escape
    m = folder.manifest
    level = f"{100 * float(m.get('confidence', 0.95)):.0f} %"
    economics = m.get("economics", {})
    metric = economics.get("benefit_metric", COMPARED_METRICS[1])
    sections = [
        f"<h1>{esc(str(m.get('scenario', '')))}: comparison of variants</h1>",
        "<p class='meta'>"
        f"topology {esc(str(m.get('topology', '')))} &middot; {m.get('replications')} "
        f"replications per variant on common random numbers &middot; seed {m.get('seed')} "
        f"&middot; created {esc(str(m.get('created_utc', '')))} &middot; resilience-sim "
        f"{esc(str(m.get('versions', {}).get('resilience-sim', '?')))}</p>",
        f"<p class='meta'>Ranked by the mean of {esc(metric)} (lowest first; ties by "
        "annual cost).</p>",
        "<nav><a href='#spread'>Outcomes</a><a href='#difference'>Difference to "
        "baseline</a><a href='#economics'>Economics</a><a href='#table'>Table</a></nav>",
        "<h2 id='spread'>Outcomes per variant</h2>",
        "<p class='note'>Marker: mean across replications; bar: 90 % interval of the "
        "replications (5th to 95th percentile). Time to 90 % recovery leaves out "
        "replications that never recovered within the horizon.</p>",
    ]
    for key, _, metrics in _GROUPS:
        sections.append(figure_div(spread_figure(folder, metrics), f"spread-{key}"))
    sections += [
        "<h2 id='difference'>Difference to the baseline</h2>",
        "<p class='note'>Mean of the paired differences (variant minus baseline, "
        f"replication by replication) with its {level} t confidence interval; below "
        "zero is better. Replication k of every variant sees the same hazard draws, "
        "so the interval is that of the investment's effect, not of the hazard.</p>",
    ]
    for key, _, metrics in _GROUPS:
        sections.append(figure_div(difference_figure(folder, metrics), f"diff-{key}"))
    sections.append("<h2 id='economics'>Economics</h2>")
    sections.append(_economics_note(economics))
    drawn = [e for e in ECONOMICS if has_values(folder.table, e[0])]
    for column, title, unit, log_x in drawn:
        fig = economics_figure(folder, column, title, unit, log_x)
        sections.append(figure_div(fig, column))
    if not drawn:
        sections.append(
            "<p>No variant avoids user-hours, so there is no cost per avoided "
            "user-hour or benefit-cost ratio.</p>"
        )
    sections += [
        "<h2 id='table'>Tables</h2>",
        "<h3>Variants and economics</h3>",
        table(economics_table(folder.table)),
        "<h3>Outcomes</h3>",
        table(outcome_table(folder.table, level)),
        "<p class='note'>Every column is in comparison.csv; each variant's "
        "per-replication summary in summary.csv.</p>",
    ]
    title = f"{m.get('scenario', '')} - comparison - resilience-sim report"
    return render_page(title, "\n".join(sections))


def _economics_note(economics: dict) -> str:
    if not economics:
        return ""
    value = economics.get("value_per_user_h_usd")
    text = (
        f"Annual cost: capex annualised at {100 * economics.get('discount_rate', 0):.1f} % "
        "over the variant's lifetime, plus opex. Avoided user-hours per year: avoided per "
        f"event x {economics.get('event_frequency_per_year', 1):g} events per year. "
    )
    text += (
        f"Benefit: {value:g} USD per avoided user-hour. "
        if value is not None
        else "No value per user-hour was given (--value-per-user-h), so no benefit-cost ratio. "
    )
    text += (
        "Bars: the interval that follows from the confidence interval of the avoided "
        "user-hours; none when that interval includes zero."
    )
    return f"<p class='note'>{html.escape(text)}</p>"


def _interval(low: float, high: float) -> str:
    """``low – high`` as cell text, empty when both are NaN."""
    return "" if np.isnan(low) and np.isnan(high) else f"{fmt(low)} – {fmt(high)}"


def economics_table(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per variant in rank order: description, costs, avoided user-hours, cost
    per avoided user-hour and benefit-cost ratio with their intervals (text cells).

    Parameters
    ----------
    frame : pandas.DataFrame
        The comparison table.

    Returns
    -------
    pandas.DataFrame
        The table, text cells.
    """
    rows = []
    for r in frame.to_dict("records"):
        baseline = r["variant"] == "baseline"
        row = {
            "rank": r["rank"],
            "variant": r["variant"],
            "description": r["description"],
            "annual cost (MUSD/yr)": fmt(float(r["annual_cost_musd"])),
            "avoided user-h per year": "—"
            if baseline
            else fmt(float(r["avoided_user_h_per_year"])),
        }
        for column, title, _, _ in ECONOMICS:
            interval = _interval(r[f"{column}_low"], r[f"{column}_high"])
            row[title] = (
                "—" if baseline else fmt(float(r[column])) + (f" [{interval}]" if interval else "")
            )
        rows.append(row)
    return pd.DataFrame(rows)


def outcome_table(frame: pd.DataFrame, level: str) -> pd.DataFrame:
    """One row per variant x compared metric in rank order: mean, 90 % interval across
    replications and the paired difference to the baseline with its interval.

    Parameters
    ----------
    frame : pandas.DataFrame
        The comparison table.
    level : str
        The confidence level's label in the difference column's header (``95 %``).

    Returns
    -------
    pandas.DataFrame
        The table, text cells.
    """
    rows = []
    for r in frame.to_dict("records"):
        for m in COMPARED_METRICS:
            label, unit = METRIC_LABELS[m]
            rows.append(
                {
                    "rank": r["rank"],
                    "variant": r["variant"],
                    "metric": f"{label} ({unit})",
                    "mean": fmt(float(r[f"{m}_mean"])),
                    "p5 – p95": _interval(r[f"{m}_p5"], r[f"{m}_p95"]),
                    f"difference to baseline [{level} CI]": "—"
                    if r["variant"] == "baseline"
                    else f"{fmt(float(r[f'{m}_diff']))} "
                    f"[{_interval(r[f'{m}_diff_low'], r[f'{m}_diff_high'])}]",
                }
            )
    return pd.DataFrame(rows)
