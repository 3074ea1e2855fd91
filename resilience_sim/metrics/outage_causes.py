"""Sites out by region, by cause, day by day (the ``outage_causes`` table; metrics layer).

The form regulators publish after disasters (e.g. the FCC's daily DIRS reports of cell
sites out by county and cause): at the end of each day of the horizon, every site that
is out of service is counted once, under one cause class:

- a site that is down takes the ``cause_class`` of the fail event that began its down
  interval (``structural``, ``power``, ``upstream`` for a failed declared dependency,
  ``cyber``, ``congestion``);
- a site that is up but cut off from every core node (its backhaul or the links behind
  it are down) counts as ``upstream``.

Sites are the nodes with users (``population > 0``) that are served in the undamaged
network. Computed from the event log alone (one connected-components pass per day with
events), so it can be recomputed from a run folder. A down interval keeps the class of
the reason that began it: a site damaged and then without power counts as structural
until it is back.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from resilience_sim.engine import FAIL, REPAIR, served_masks
from resilience_sim.engine.service import LinkGraph, ServedPopulation
from resilience_sim.engine.state import CAUSE_CLASSES, UPSTREAM, EventArrays
from resilience_sim.topology.compile import NetworkArrays

OUTAGE_CAUSE_COLUMNS = ("replication", "day", "time_h", "region", "cause_class", "sites_out")


def day_ends_h(until_h: float) -> np.ndarray:
    """The snapshot times: the end of each day, the last one clipped to the window's end.

    Parameters
    ----------
    until_h : float
        The end of the metric window, hours.

    Returns
    -------
    numpy.ndarray
        Snapshot times, hours (24, 48, ..., until_h).
    """
    n_days = max(1, math.ceil(until_h / 24.0 - 1e-9))
    return np.minimum(24.0 * np.arange(1, n_days + 1), until_h)


def daily_outage_causes(
    arrays: NetworkArrays,
    replication: int,
    events: EventArrays,
    until_h: float,
    served: ServedPopulation | None = None,
) -> pd.DataFrame:
    """Rows ``(replication, day, time_h, region, cause_class, sites_out)`` with
    ``sites_out > 0`` (a missing row is 0); ``day`` 1 ends at 24 h.

    ``events``: the event log (its ``cause_class`` column); ``until_h``: the window's
    end, hours (a study's horizon).
    ``served``: the replication's timeline (from the same log), if at hand: a day whose
    served population is that of its working sites has no site cut off, and skips the
    connected-components pass.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    replication : int
        The replication number put on the rows.
    events : EventArrays
        The replication's event log (its ``cause_class`` column).
    until_h : float
        The end of the metric window, hours (a study's horizon).
    served : ServedPopulation or None, default None
        The replication's timeline, if at hand.

    Returns
    -------
    pandas.DataFrame
        The daily outage-cause table.
    """
    n = arrays.n_nodes
    graph = LinkGraph(arrays)
    up0 = ~arrays.standby
    sites = (arrays.population > 0) & served_masks(arrays, up0, graph=graph)[0]
    # the shortcut needs every populated node to be a site (none unreachable by design)
    shortcut = served is not None and bool(np.array_equal(sites, arrays.population > 0))
    site_users = np.where(sites, arrays.population, 0.0)
    classes = {name: k for k, name in enumerate(CAUSE_CLASSES)}
    time_h, asset_idx, code = events.time_h, events.asset_idx, events.event
    class_code = np.array([classes.get(c, -1) for c in events.cause_class], dtype=np.int8)
    up_down = (code == FAIL) | (code == REPAIR)
    t, assets, ev, cls = time_h[up_down], asset_idx[up_down], code[up_down], class_code[up_down]
    asset_up = up0.copy()
    down_class = np.full(n, -1, dtype=np.int8)  # class of the current down interval
    region_of = arrays.region_of_node
    n_regions, n_classes = len(arrays.region_names), len(CAUSE_CLASSES)
    upstream = CAUSE_CLASSES.index(UPSTREAM)
    rows: list[tuple[int, float, np.ndarray]] = []
    start, domestic = 0, None
    for day, end_h in enumerate(day_ends_h(until_h), start=1):
        stop = int(np.searchsorted(t, end_h, side="right"))
        if stop > start or domestic is None:  # a day without events keeps the last mask
            _apply(asset_up, down_class, assets[start:stop], ev[start:stop], cls[start:stop], n)
            if shortcut and _all_working_sites_served(served, end_h, site_users, asset_up[:n]):
                domestic = asset_up[:n]
            else:
                domestic = served_masks(arrays, asset_up, graph=graph)[0]
        start = stop
        node_up = asset_up[:n]
        # -1 cannot occur for a down node (every fail has a class); count it as structural
        out_class = np.where(node_up, upstream, np.maximum(down_class, 0))
        out = sites & ~domestic
        counts = np.zeros((n_regions, n_classes), dtype=np.int64)
        np.add.at(counts, (region_of[out], out_class[out]), 1)
        rows.append((day, float(end_h), counts))
    return _frame(replication, rows, arrays.region_names)


def _all_working_sites_served(
    served: ServedPopulation, at_h: float, site_users: np.ndarray, node_up: np.ndarray
) -> bool:
    """Whether the timeline's served population at ``at_h`` is that of every working site."""
    row = int(np.searchsorted(served.time_h, at_h, side="right")) - 1
    working = float(site_users[node_up].sum())
    return bool(abs(float(served.domestic[row]) - working) <= 1e-9 * max(working, 1.0))


def _apply(asset_up, down_class, assets, events, classes, n_nodes) -> None:
    """The last event of each asset in the chunk decides its state (and a node's class)."""
    if len(assets) == 0:
        return
    unique, last = np.unique(assets[::-1], return_index=True)
    is_up = events[::-1][last] == REPAIR
    asset_up[unique] = is_up
    nodes = unique < n_nodes
    down_class[unique[nodes]] = np.where(is_up[nodes], -1, classes[::-1][last][nodes])


def empty_outage_causes() -> pd.DataFrame:
    """The table with no rows (``output.outage_causes: false``), with its column types."""
    return _frame(0, [], ())


def _frame(replication: int, rows, region_names) -> pd.DataFrame:
    none = np.empty(0, dtype=np.int64)
    days, ends, regions, classes, counts = [none], [np.empty(0)], [none], [none], [none]
    for day, end_h, table in rows:
        r, c = np.nonzero(table)
        days.append(np.full(len(r), day, dtype=np.int64))
        ends.append(np.full(len(r), end_h))
        regions.append(r)
        classes.append(c)
        counts.append(table[r, c])
    region_idx, class_idx = np.concatenate(regions), np.concatenate(classes)
    return pd.DataFrame(
        {
            "replication": np.full(len(region_idx), replication, dtype=np.int64),
            "day": np.concatenate(days),
            "time_h": np.concatenate(ends).astype(float),
            "region": np.asarray(region_names, dtype=object)[region_idx].astype(str),
            "cause_class": np.asarray(CAUSE_CLASSES, dtype=object)[class_idx].astype(str),
            "sites_out": np.concatenate(counts).astype(np.int64),
        }
    )
