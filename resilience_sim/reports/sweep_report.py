"""report.html of a sweep folder: how the metrics respond to the swept parameters.

Reports stage: reads only the folder written by ``experiments.sweep.write_sweep``
(``manifest.json``, ``sweep_summary.csv``: one row per setting x metric with the
mean, p5, p50, p95 and ``n_nan`` across replications). One figure per metric: the
mean against the first parameter with the 5-95 % range of the replications as error
bars; with more parameters, one line per combination of the others (for two: one
line per value of the second). Parameter paths and values are user text and are
HTML-escaped.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from resilience_sim.errors import InputError
from resilience_sim.experiments.runfolder import read_manifest
from resilience_sim.reports.figures import TEMPLATE
from resilience_sim.reports.page import figure_div, fmt, render_page, table, write_page
from resilience_sim.reports.study_folder import REPORT_NAME, read_table

# metrics drawn, with label and unit (docs/metrics.md); every metric is in sweep_summary.csv
SWEEP_METRICS = {
    "unserved_user_h_domestic": ("Unserved user-hours, domestic", "user-hours"),
    "unserved_user_h_international": ("Unserved user-hours, international", "user-hours"),
    "peak_outage_frac": ("Peak outage", "share of users"),
    "t_restore_90_h": ("Time to 90 % recovery", "hours"),
}


@dataclass(frozen=True)
class SweepFolder:
    """A sweep run folder: manifest, swept parameter paths (in grid order) and the
    per setting x metric summary."""

    path: Path
    manifest: dict
    params: list[str]
    summary: pd.DataFrame

    @classmethod
    def read(cls, path: str | Path) -> SweepFolder:
        """Read a sweep folder (manifest and ``sweep_summary.csv``).

        Parameters
        ----------
        path : str or Path
            The folder.

        Returns
        -------
        SweepFolder
            The folder's contents.
        """
        path = Path(path)
        manifest = read_manifest(path)
        summary = read_table(path, "sweep_summary.csv")
        columns = list(summary.columns)
        if "setting" not in columns or "metric" not in columns:
            raise InputError.single(
                str(path), "sweep_summary.csv", "expected columns setting and metric"
            )
        params = list(manifest.get("params") or columns[1 : columns.index("metric")])
        missing = [p for p in params if p not in columns]
        if missing:
            raise InputError.single(
                str(path), "sweep_summary.csv", f"no column for parameter {missing[0]!r}"
            )
        return cls(path, manifest, params, summary.sort_values("setting", kind="stable"))

    @property
    def replications(self) -> int:
        """Replications per setting."""
        return int(self.manifest.get("replications", 0))


def write_sweep_report(run_dir: str | Path) -> Path:
    """Write ``report.html`` into the sweep folder ``run_dir`` and return its path.

    Parameters
    ----------
    run_dir : str or Path
        The sweep folder.

    Returns
    -------
    Path
        The report's path.
    """
    folder = SweepFolder.read(run_dir)
    return write_page(render_sweep_report(folder), folder.path / REPORT_NAME)


def _axis_values(values: pd.Series) -> list:
    """Numbers as they are; anything else as escaped text (a categorical axis)."""
    if pd.api.types.is_numeric_dtype(values):
        return values.tolist()
    return [html.escape(str(v)) for v in values]


def response_figure(folder: SweepFolder, metric: str) -> go.Figure:
    """Mean of ``metric`` against the first parameter, error bars p5-p95; one line per
    combination of the other parameters' values (in grid order).

    Parameters
    ----------
    folder : SweepFolder
        The sweep folder.
    metric : str
        The metric drawn.

    Returns
    -------
    go.Figure
        The figure.
    """
    label, unit = SWEEP_METRICS.get(metric, (metric, ""))
    rows = folder.summary[folder.summary.metric == metric]
    x_param, others = folder.params[0], folder.params[1:]
    groups = rows.groupby(others, sort=False, dropna=False) if others else [((), rows)]
    fig = go.Figure()
    n = folder.replications
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        name = ", ".join(f"{p} = {v}" for p, v in zip(others, key, strict=True)) or label
        mean = group["mean"].to_numpy(dtype=float)
        missing = group["n_nan"].to_numpy(dtype=int)
        fig.add_trace(
            go.Scatter(
                x=_axis_values(group[x_param]),
                y=mean,
                mode="lines+markers",
                name=html.escape(name),
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": np.nan_to_num(group["p95"].to_numpy(dtype=float) - mean),
                    "arrayminus": np.nan_to_num(mean - group["p5"].to_numpy(dtype=float)),
                },
                customdata=np.column_stack([group["p5"], group["p95"], missing]),
                hovertemplate="mean %{y:,.4g} (5-95 %: %{customdata[0]:,.4g} - "
                f"%{{customdata[1]:,.4g}}); no value in %{{customdata[2]}} of {n}<extra></extra>",
            )
        )
    fig.update_layout(
        title=f"{label}: mean and 5-95 % range across replications",
        xaxis_title=html.escape(x_param),
        yaxis_title=unit,
        showlegend=bool(others),
        height=420,
        template=TEMPLATE,
    )
    return fig


def settings_table(folder: SweepFolder) -> pd.DataFrame:
    """One row per setting: the parameter values and each drawn metric's mean (p5-p95).

    Parameters
    ----------
    folder : SweepFolder
        The sweep folder.

    Returns
    -------
    pandas.DataFrame
        The table, text cells.
    """
    s = folder.summary
    settings = s.drop_duplicates("setting")[["setting", *folder.params]].set_index("setting")
    out = settings.astype(str)
    for metric, (label, _) in SWEEP_METRICS.items():
        rows = s[s.metric == metric].set_index("setting")
        if rows.empty:
            continue
        out[label] = [
            f"{fmt(float(r['mean']))} ({fmt(float(r['p5']))} – {fmt(float(r['p95']))})"
            for _, r in rows.loc[settings.index].iterrows()
        ]
    return out.reset_index()


def render_sweep_report(folder: SweepFolder) -> str:
    """The whole sweep page as a string.

    Parameters
    ----------
    folder : SweepFolder
        The sweep folder.

    Returns
    -------
    str
        The HTML page.
    """
    esc = html.escape
    m = folder.manifest
    swept = "; ".join(
        f"{p} = {', '.join(str(v) for v in m.get('params', {}).get(p, []))}" for p in folder.params
    )
    metrics = [k for k in SWEEP_METRICS if (folder.summary.metric == k).any()]
    sections = [
        f"<h1>{esc(str(m.get('scenario', '')))}: sweep</h1>",
        "<p class='meta'>"
        f"topology {esc(str(m.get('topology', '')))} &middot; "
        f"{m.get('n_settings', folder.summary.setting.nunique())} settings x "
        f"{folder.replications} replications on common random numbers &middot; seed "
        f"{m.get('seed')} &middot; created {esc(str(m.get('created_utc', '')))} &middot; "
        f"resilience-sim {esc(str(m.get('versions', {}).get('resilience-sim', '?')))}</p>",
        f"<p class='meta'>Swept: {esc(swept)}</p>",
        "<h2 id='response'>Response to the swept parameters</h2>",
        "<p class='note'>Marker: mean across the replications of a setting; bar: 5th to "
        "95th percentile of the replications. Every setting uses the same replication "
        "seeds, so the differences between settings are not sampling noise in the "
        "hazards drawn. Time to 90 % recovery leaves out replications that never "
        "recovered within the horizon (hover: how many).</p>",
    ]
    sections += [figure_div(response_figure(folder, k), f"sweep-{k}") for k in metrics]
    sections += [
        "<h2 id='table'>Settings</h2>",
        table(settings_table(folder)),
        "<p class='note'>Mean (5-95 %). Every metric of every setting is in "
        "sweep_summary.csv, every replication in sweep.csv.</p>",
    ]
    title = f"{m.get('scenario', '')} - sweep - resilience-sim report"
    return render_page(title, "\n".join(sections))
