"""The HTML page shell shared by the run report and ``topology show``.

Reports stage. One self-contained file: plotly.js embedded once, every figure a
div drawn from JSON, the base map inlined (see :mod:`basemap`), nothing fetched.
Every piece of user text must be escaped by the caller; :func:`table` escapes cells.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.offline

from resilience_sim.atomic_write import write_text_atomic


def figure_div(fig: go.Figure, div_id: str) -> str:
    """A figure as a ``<div>`` plus the script that draws it (plotly.js not included).

    Parameters
    ----------
    fig : go.Figure
        The figure.
    div_id : str
        The ``<div>``'s id.

    Returns
    -------
    str
        The HTML.
    """
    return fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        auto_play=False,  # animated figures (the map) open on their chosen frame
        config={"displaylogo": False, "responsive": True, "scrollZoom": True},
    )


def table(frame: pd.DataFrame) -> str:
    """An HTML table of a DataFrame, every header and cell escaped.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.

    Returns
    -------
    str
        The HTML.
    """
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for values in frame.itertuples(index=False):
        cells = "".join(f"<td>{html.escape(fmt(v))}</td>" for v in values)
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def fmt(value) -> str:
    """Cell text: whole units with separators from 1,000 up, else 4 significant digits.

    Parameters
    ----------
    value : object
        A cell value.

    Returns
    -------
    str
        The text.

    Examples
    --------
    >>> fmt(4746959.2), fmt(0.88331), fmt(float("nan")), fmt(12)
    ('4,746,959', '0.8833', 'NaN', '12')
    """
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return "NaN"
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    return str(value)


def render_page(title: str, body: str, head_extra: str = "") -> str:
    """The whole page; ``title`` is escaped here, ``body`` and ``head_extra`` must be safe.

    Parameters
    ----------
    title : str
        The page title.
    body : str
        Safe HTML of the body.
    head_extra : str, default ''
        Safe HTML added to ``<head>``.

    Returns
    -------
    str
        The HTML page.
    """
    return _PAGE.format(
        title=html.escape(title),
        plotlyjs=plotly.offline.get_plotlyjs(),
        head_extra=head_extra,
        body=body,
    )


def write_page(page: str, target: Path) -> Path:
    """Write atomically (temporary file, then rename; OutputError if the disk is full)
    and return the path.

    Parameters
    ----------
    page : str
        The HTML page.
    target : Path
        The file.

    Returns
    -------
    Path
        ``target``.
    """
    return write_text_atomic(target, page)


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5em auto;
       max-width: 1100px; padding: 0 12px; color: #222; line-height: 1.4; }}
h1 {{ margin-bottom: 0.2em; font-size: 1.7em; }}
h2 {{ margin-top: 1.6em; border-bottom: 2px solid #e4e4e4; padding-bottom: 0.15em; }}
.meta {{ color: #555; margin: 0.2em 0; }}
.note {{ color: #444; font-size: 0.92em; margin: 0.3em 0 0.6em; }}
.cards {{ display: flex; flex-wrap: wrap; gap: 12px; }}
.card {{ border: 1px solid #ddd; border-left: 4px solid #2c7bb6; border-radius: 6px;
        padding: 10px 14px; min-width: 200px; flex: 1 1 200px; background: #fafcfe; }}
.card .label {{ color: #555; font-size: 0.88em; }}
.card .value {{ font-size: 1.35em; font-weight: 600; }}
.card .value small {{ font-weight: normal; color: #555; font-size: 0.62em; display: block; }}
table {{ border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1.5em; }}
th, td {{ border-bottom: 1px solid #eee; padding: 3px 8px; text-align: left; }}
th {{ background: #f4f4f4; }}
nav a {{ margin-right: 1em; }}
</style>
<script type="text/javascript">{plotlyjs}</script>
{head_extra}
</head>
<body>
{body}
</body>
</html>
"""
