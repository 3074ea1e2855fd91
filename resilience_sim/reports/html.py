"""Write report.html: one self-contained page about a run that works offline.

Reports stage: reads only the run folder (:class:`RunFolder`; its big tables in chunks,
so the report of a study of any size is drawn in bounded memory). Sections: headline
figures, the outage map of the representative replication, recovery curves,
regions and equity, sites out by cause day by day, distributions, the metric table and
the event log (what each shows and how it is computed: docs/report.md). All user text
(scenario, asset and region names, causes, hazard labels) is HTML-escaped.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np

from resilience_sim.metrics import aggregate_summary
from resilience_sim.metrics.equity import WORST_SHARE, worst_served_share
from resilience_sim.reports import figures, geomap
from resilience_sim.reports.basemap import geo_assets_script
from resilience_sim.reports.compare_report import write_comparison_report
from resilience_sim.reports.fuel_logistics import fuel_section, has_fuel
from resilience_sim.reports.operators_section import has_operators, operators_section
from resilience_sim.reports.outage_causes import outage_cause_section
from resilience_sim.reports.outage_map import STATES, outage_map
from resilience_sim.reports.page import figure_div, render_page, table, write_page
from resilience_sim.reports.portfolio_report import write_portfolio_report
from resilience_sim.reports.replay import RunReplay, replay_run
from resilience_sim.reports.risk_report import write_risk_report
from resilience_sim.reports.run_folder import RunFolder, median_replication
from resilience_sim.reports.sensitivity_report import write_sensitivity_report
from resilience_sim.reports.study_folder import REPORT_NAME, folder_kind
from resilience_sim.reports.sweep_report import write_sweep_report

_MAX_EVENT_ROWS = 200

__all__ = ["REPORT_NAME", "median_replication", "render_report", "wilson_interval", "write_report"]


def write_report(run_dir: str | Path) -> Path:
    """Write ``report.html`` into the run folder ``run_dir`` and return its path: the
    comparison or sweep report for those folders (:func:`folder_kind`), else the run's.

    Parameters
    ----------
    run_dir : str or Path
        A run, comparison, sweep, annual-risk, portfolio or sensitivity folder.

    Returns
    -------
    Path
        The report's path.
    """
    kind = folder_kind(run_dir)
    if kind == "comparison":
        return write_comparison_report(run_dir)
    if kind == "sweep":
        return write_sweep_report(run_dir)
    if kind == "annual_risk":
        return write_risk_report(run_dir)
    if kind == "portfolio":
        return write_portfolio_report(run_dir)
    if kind == "sensitivity":
        return write_sensitivity_report(run_dir)
    run = RunFolder.read(run_dir)
    return write_page(render_report(run), run.path / REPORT_NAME)


def render_report(run: RunFolder, replay: RunReplay | None = None) -> str:
    """The whole report page as a string (``replay``: a :func:`replay_run` of ``run``,
    computed here when not given).

    Parameters
    ----------
    run : RunFolder
        The run folder.
    replay : RunReplay or None, default None
        Its replay (None: computed here).

    Returns
    -------
    str
        The HTML page.
    """
    esc = html.escape
    m = run.manifest
    replay = replay if replay is not None else replay_run(run)
    shares = _equity_shares(replay) if replay is not None else None
    head_extra, map_section = _map_section(run, replay)
    sections = [
        f"<h1>{esc(m['scenario'])}</h1>",
        f"<p class='meta'>{esc(run.scenario.get('description', ''))}</p>",
        "<p class='meta'>"
        f"topology {esc(m['topology'])} &middot; {m['replications']} replications &middot; "
        f"seed {m['seed']} &middot; horizon {m['horizon_h'] / 24:.1f} days &middot; "
        f"created {esc(m['created_utc'])} &middot; resilience-sim "
        f"{esc(m['versions'].get('resilience-sim', '?'))}</p>",
        "<nav><a href='#headline'>Headline</a><a href='#map'>Map</a>"
        "<a href='#recovery'>Recovery</a><a href='#regions'>Regions and equity</a>"
        "<a href='#causes'>Sites out by cause</a>"
        + ("<a href='#fuel'>Fuel logistics</a>" if has_fuel(run) else "")
        + ("<a href='#operators'>Operators</a>" if has_operators(run) else "")
        + "<a href='#distributions'>Distributions</a><a href='#metrics'>All metrics</a>"
        "<a href='#events'>Event log</a></nav>",
        "<h2 id='headline'>Headline figures</h2>",
        _headline_cards(run, shares, replay),
        "<p class='note'>Mean across replications, with the 5-95 % range of the "
        "replications in small print.</p>",
        "<h2 id='map'>Map of a representative replication</h2>",
        map_section,
        "<h2 id='recovery'>Recovery</h2>",
        figure_div(figures.recovery_curves(run), "recovery-curves"),
        (
            figure_div(figures.latency_curve(run), "latency-curve")
            if figures.LATENCY in run.columns("timeline")
            else ""
        ),
        "<h2 id='regions'>Regions and equity</h2>",
        (
            figure_div(figures.region_outage(run), "region-outage")
            if run.has_regional
            else "<p>The per-region timeline was not recorded (output.regional: false).</p>"
        ),
        _equity_section(replay),
        "<h2 id='causes'>Sites out by region, by cause, day by day</h2>",
        outage_cause_section(run),
        fuel_section(run),
        operators_section(run),
        "<h2 id='distributions'>Distributions across replications</h2>",
        figure_div(
            figures.distribution(
                run, "unserved_user_h_domestic", "Unserved user-hours (domestic)", "user-hours"
            ),
            "dist-unserved",
        ),
        figure_div(
            figures.distribution(run, "t_restore_90_h", "Time to 90 % recovery", "hours"),
            "dist-t90",
        ),
        "<h2 id='metrics'>All summary metrics</h2>",
        table(aggregate_summary(run.summary).reset_index()),
        "<h2 id='events'>Event log of the representative (median) replication</h2>",
        _median_replication_events(run),
    ]
    return render_page(f"{m['scenario']} - resilience-sim report", "\n".join(sections), head_extra)


def _map_section(run: RunFolder, replay: RunReplay | None) -> tuple[str, str]:
    """The base-map script for the page head and the map section's HTML."""
    if replay is None:
        return "", "<p>The run folder has no topology snapshot (topology.json).</p>"
    topology = replay.topology
    view, outside = geomap.national_view(topology)
    fig = outage_map(run, replay, view)
    legend = "; ".join(
        f"<span style='color:{colour}'>&#9679;</span> {html.escape(label)}"
        for _, label, colour in STATES
    )
    notes = [
        f"<p class='note'>Replication {replay.representative} (the median by domestic "
        "unserved user-hours). Drag the slider or press play to step through every "
        "moment the network changed; the map opens at the moment with the fewest users "
        f"served. Node colours: {legend}. Failed links are drawn in red. Marker shape "
        "shows the node kind, size the users served; hover for details. Scroll to zoom.</p>"
    ]
    if replay.operators is not None:
        notes.append(
            "<p class='note'>Operators: the selector at the top right shows one operator's "
            "users alone, place by place, coloured by the share of them served at that "
            "moment (the per-operator service model: market shares, each operator's own "
            "sites and backhaul, coverage, roaming, shared site capacity; docs/operators.md). "
            "Hover gives each place's hours without service in this replication "
            "(user-weighted where a site's capacity is shared out).</p>"
        )
    if outside:
        names = ", ".join(
            html.escape(topology.nodes[i].name or topology.nodes[i].id) for i in outside[:8]
        )
        more = f" and {len(outside) - 8} more" if len(outside) > 8 else ""
        notes.append(
            f"<p class='note'>Outside the window (international nodes): {names}{more}; "
            "links to them run off the edge. Zoom out to see them.</p>"
        )
    if topology.n_nodes > geomap.MAX_NODES or topology.n_links > geomap.MAX_LINKS:
        notes.append(
            f"<p class='note'>Large network ({topology.n_nodes:,} nodes, "
            f"{topology.n_links:,} links): users are shown aggregated in grid cells "
            "coloured by the share served, nodes one by one only for the national core "
            f"and international nodes, and at most {geomap.MAX_LINKS:,} links (highest "
            "capacity first).</p>"
        )
    return geo_assets_script(view), figure_div(fig, "outage-map") + "".join(notes)


def _equity_shares(replay: RunReplay) -> np.ndarray:
    """Worst-served share per replayed replication (NaN where nobody lost service)."""
    population = replay.arrays.population
    return np.array([worst_served_share(h, population) for h in replay.outage_h])


def _equity_section(replay: RunReplay | None) -> str:
    if replay is None:
        return "<p>Equity needs the topology snapshot (topology.json), which is missing.</p>"
    sampled = len(replay.replications)
    note = (
        "<p class='note'>Each access node's hours without domestic service are "
        "recomputed from the event log; users are ordered from the worst served. "
        f"The curve at {100 * WORST_SHARE:.0f} % is the headline equity figure; the "
        f"dotted diagonal is an equal burden. Replications replayed: {sampled} of "
        f"{replay.n_replications}"
        + (
            " (replay budget reached; see docs/report.md)"
            if sampled < replay.n_replications
            else ""
        )
        + ".</p>"
    )
    if replay.operators is not None:
        note += (
            "<p class='note'>Operators: each dashed curve orders one operator's users "
            "(operator x place) by their hours without service in the per-operator service "
            "model; the dotted black curve does the same for all operators' users together. "
            "The red curve and band are the node-level model (a node's users are out when "
            "the node is cut off from the core), which ignores market shares, coverage and "
            "roaming, so the two can differ (docs/operators.md).</p>"
        )
    return figure_div(figures.equity_curve(replay), "equity") + note


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of a binomial proportion.

    Parameters
    ----------
    successes : int
        Successes.
    n : int
        Trials.
    z : float, default 1.96
        Standard-normal quantile of the interval.

    Returns
    -------
    tuple[float, float]
        ``(low, high)``, 0..1.
    """
    if n == 0:
        return (math.nan, math.nan)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def _spread(
    values: np.ndarray, n: int, fmt: str, missing_label: str = "not reached in", extra: str = ""
) -> str:
    """Mean with the 5-95 % range, how many of ``n`` have no value (NaN), and ``extra``."""
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return "never within the horizon"
    lo, hi = np.percentile(values, [5, 95])
    text = f"{fmt.format(values.mean())} <small>(5-95 %: {fmt.format(lo)}–{fmt.format(hi)})"
    missing = n - len(values)
    if missing:
        text += f"; {missing_label} {missing} of {n}"
    return text + extra + "</small>"


def _headline_cards(run: RunFolder, shares: np.ndarray | None, replay: RunReplay | None) -> str:
    s = run.summary
    n = len(s)

    def interval(column: str, scale: float = 1.0, fmt: str = "{:,.0f}") -> str:
        return _spread(s[column].to_numpy(dtype=float) * scale, n, fmt)

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
    if shares is not None and replay is not None:
        sampled = len(shares) < replay.n_replications
        extra = f"; {len(shares)} of {replay.n_replications} replayed" if sampled else ""
        cards.append(
            (
                f"Outage borne by the worst-served {100 * WORST_SHARE:.0f} % of users",
                _spread(100 * shares, len(shares), "{:.0f} %", "no outage in", extra),
            )
        )
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
    events = run.replication_rows("events", rep).drop(columns="replication")
    note = f"<p>Replication {rep}: {len(events)} state changes"
    deployed = events.cause.str.startswith("stopgap ") & (events.event == "repair")
    released = events.event == "stopgap_released"
    if deployed.any() or released.any():
        note += (
            f"; stopgaps: {int(deployed.sum())} deployed or taking over a site,"
            f" {int(released.sum())} released"
        )
    if len(events) > _MAX_EVENT_ROWS:
        note += f" (first {_MAX_EVENT_ROWS} shown; all are in events.parquet)"
        events = events.head(_MAX_EVENT_ROWS)
    return note + ".</p>" + table(events)
