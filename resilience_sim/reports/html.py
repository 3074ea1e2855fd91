"""Write report.html: one self-contained page that works offline.

plotly.js is embedded once in the page; every figure is a div drawn from JSON.
All user text (scenario, asset and region names, causes) is HTML-escaped.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.offline

from resilience_sim.metrics import aggregate_summary
from resilience_sim.reports import figures
from resilience_sim.reports.run_folder import RunFolder

REPORT_NAME = "report.html"
_MAX_EVENT_ROWS = 200


def write_report(run_dir: str | Path) -> Path:
    """Write ``report.html`` into the run folder ``run_dir`` and return its path."""
    run = RunFolder.read(run_dir)
    page = render_report(run)
    target = run.path / REPORT_NAME
    tmp = run.path / f".{REPORT_NAME}.tmp"
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(target)
    return target


def render_report(run: RunFolder) -> str:
    """The whole report page as a string."""
    esc = html.escape
    m = run.manifest
    sections = [
        f"<h1>{esc(m['scenario'])}</h1>",
        f"<p class='meta'>{esc(run.scenario.get('description', ''))}</p>",
        "<p class='meta'>"
        f"topology {esc(m['topology'])} &middot; {m['replications']} replications &middot; "
        f"seed {m['seed']} &middot; horizon {m['horizon_h'] / 24:.1f} days &middot; "
        f"created {esc(m['created_utc'])} &middot; resilience-sim "
        f"{esc(m['versions'].get('resilience-sim', '?'))}</p>",
        "<h2>Headline figures</h2>",
        _headline_cards(run),
        "<h2>Recovery</h2>",
        _figure_div(figures.recovery_curves(run), "recovery-curves"),
        "<h2>Regions</h2>",
        (
            _figure_div(figures.region_outage(run), "region-outage")
            if run.regional is not None
            else "<p>The per-region timeline was not recorded (output.regional: false).</p>"
        ),
        "<h2>Distributions across replications</h2>",
        _figure_div(
            figures.distribution(
                run, "unserved_user_h_domestic", "Unserved user-hours (domestic)", "user-hours"
            ),
            "dist-unserved",
        ),
        _figure_div(
            figures.distribution(run, "t_restore_90_h", "Time to 90 % recovery", "hours"),
            "dist-t90",
        ),
        "<h2>All summary metrics</h2>",
        _table(aggregate_summary(run.summary).reset_index()),
        "<h2>Event log of the median replication</h2>",
        _median_replication_events(run),
    ]
    return _PAGE.format(
        title=esc(m["scenario"]), plotlyjs=plotly.offline.get_plotlyjs(), body="\n".join(sections)
    )


def _figure_div(fig, div_id: str) -> str:
    return fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        config={"displaylogo": False, "responsive": True},
    )


def median_replication(summary: pd.DataFrame) -> int:
    """The replication whose domestic unserved user-hours is the median (lower on ties)."""
    order = summary.sort_values(["unserved_user_h_domestic", "replication"], kind="stable")
    return int(order.replication.iloc[(len(order) - 1) // 2])


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of a binomial proportion."""
    if n == 0:
        return (math.nan, math.nan)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def _headline_cards(run: RunFolder) -> str:
    s = run.summary
    n = len(s)

    def interval(column: str, scale: float = 1.0, fmt: str = "{:,.0f}") -> str:
        values = s[column].dropna().to_numpy() * scale
        if len(values) == 0:
            return "never within the horizon"
        lo, hi = np.percentile(values, [5, 95])
        text = f"{fmt.format(values.mean())} <small>(90 %: {fmt.format(lo)}–{fmt.format(hi)})"
        missing = n - len(values)
        if missing:
            text += f"; not reached in {missing} of {n}"
        return text + "</small>"

    isolated = int((s.international_isolation_h > 0).sum())
    lo, hi = wilson_interval(isolated, n)
    cards = [
        ("Peak outage (share of users)", interval("peak_outage_frac", 100, "{:.1f} %")),
        ("Time to 90 % recovery", interval("t_restore_90_h", 1 / 24, "{:.1f} d")),
        ("Unserved user-hours, domestic", interval("unserved_user_h_domestic")),
        ("Unserved user-hours, international", interval("unserved_user_h_international")),
        (
            "Probability of total international isolation",
            f"{100 * isolated / n:.0f} % <small>(95 % CI {100 * lo:.0f}–{100 * hi:.0f} %; "
            f"{isolated} of {n} replications)</small>",
        ),
    ]
    return (
        "<div class='cards'>"
        + "".join(
            f"<div class='card'><div class='label'>{label}</div>"
            f"<div class='value'>{value}</div></div>"
            for label, value in cards
        )
        + "</div>"
    )


def _median_replication_events(run: RunFolder) -> str:
    rep = median_replication(run.summary)
    events = run.events[run.events.replication == rep].drop(columns="replication")
    note = f"<p>Replication {rep}: {len(events)} state changes"
    if len(events) > _MAX_EVENT_ROWS:
        note += f" (first {_MAX_EVENT_ROWS} shown; all are in events.parquet)"
        events = events.head(_MAX_EVENT_ROWS)
    return note + ".</p>" + _table(events)


def _table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for values in frame.itertuples(index=False):
        cells = "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in values)
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _fmt(value) -> str:
    if isinstance(value, float | np.floating):
        return "NaN" if math.isnan(value) else f"{value:,.4g}"
    return str(value)


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} - resilience-sim report</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }}
h1 {{ margin-bottom: 0.2em; }} .meta {{ color: #555; margin: 0.2em 0; }}
.cards {{ display: flex; flex-wrap: wrap; gap: 12px; }}
.card {{ border: 1px solid #ddd; border-radius: 6px; padding: 10px 14px; min-width: 200px; }}
.card .label {{ color: #555; font-size: 0.9em; }} .card .value {{ font-size: 1.3em; }}
table {{ border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1.5em; }}
th, td {{ border-bottom: 1px solid #eee; padding: 3px 8px; text-align: left; }}
</style>
<script type="text/javascript">{plotlyjs}</script>
</head>
<body>
{body}
</body>
</html>
"""
