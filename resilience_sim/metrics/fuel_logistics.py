"""Fuel truck trips and road closures as tables, and their daily figures (metrics layer).

The engine records each replication's fuel logistics as a
:class:`~resilience_sim.engine.fuel.FuelLog` (typed arrays, no random draw); this module
turns it into the ``fuel_trips`` and ``road_closures`` tables of a run folder
(docs/power.md#fuel-logistics-tables) and computes, from those tables alone, the daily
figures of the report's "Fuel logistics" section.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from resilience_sim.engine.fuel import CANCELLED, DELIVERY, TRIP_KINDS, FuelLog, wait_reason_names
from resilience_sim.engine.roads import RoadGraph
from resilience_sim.metrics.outage_causes import day_ends_h
from resilience_sim.topology.compile import NetworkArrays

FUEL_TRIP_COLUMNS = {
    "replication": "int64",
    "kind": "str",
    "truck": "int64",
    "depot": "str",
    "node": "str",
    "requested_h": "float64",
    "depart_h": "float64",
    "arrive_h": "float64",
    "cancelled_h": "float64",
    "drive_h": "float64",
    "km": "float64",
    "by_road": "bool",
    "litres": "float64",
    "fuel_h": "float64",
    "wait_h": "float64",
    "wait_reason": "str",
}
ROAD_CLOSURE_COLUMNS = {
    "replication": "int64",
    "segment": "int64",
    "from_lat": "float64",
    "from_lon": "float64",
    "to_lat": "float64",
    "to_lon": "float64",
    "km": "float64",
    "closed_from_h": "float64",
    "reopen_h": "float64",
    "cause": "str",
}


def _empty(columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=t) for c, t in columns.items()})


def empty_fuel_trips() -> pd.DataFrame:
    """The ``fuel_trips`` table with no rows (its columns and dtypes)."""
    return _empty(FUEL_TRIP_COLUMNS)


def empty_road_closures() -> pd.DataFrame:
    """The ``road_closures`` table with no rows (its columns and dtypes)."""
    return _empty(ROAD_CLOSURE_COLUMNS)


def fuel_trip_rows(
    replication: int,
    log: FuelLog,
    arrays: NetworkArrays,
    depot_names: list[str],
    burn_l_per_h: float,
) -> pd.DataFrame:
    """The ``fuel_trips`` rows of one replication (columns: docs/power.md).

    Parameters
    ----------
    replication : int
        The replication number.
    log : FuelLog
        Its recorded fuel logistics.
    arrays : NetworkArrays
        The compiled network (node ids).
    depot_names : list of str
        ``power.fuel.depots`` names, in file order.
    burn_l_per_h : float
        The generators' burn rate, l/h (``fuel_h`` = litres / burn).

    Returns
    -------
    pandas.DataFrame
        One row per trip or request, in the order recorded.
    """
    n = log.n_trips
    node_ids = np.append(np.asarray(arrays.asset_ids[: arrays.n_nodes], dtype=object), "")
    depots = np.append(np.asarray(depot_names, dtype=object), "")
    # wait: request to fuel in the tank (deliveries), to the start home (trips to a depot)
    ended = np.where(log.kind == DELIVERY, log.arrive_h, log.depart_h)
    ended = np.where(log.kind == CANCELLED, log.cancelled_h, ended)
    frame = pd.DataFrame(
        {
            "replication": np.full(n, replication, dtype=np.int64),
            "kind": np.asarray(TRIP_KINDS)[log.kind],
            "truck": log.truck,
            "depot": depots[log.depot].astype(str),
            "node": node_ids[log.node].astype(str),
            "requested_h": log.requested_h,
            "depart_h": log.depart_h,
            "arrive_h": log.arrive_h,
            "cancelled_h": log.cancelled_h,
            "drive_h": log.drive_h,
            "km": log.km,
            "by_road": log.by_road,
            "litres": log.litres,
            "fuel_h": log.litres / burn_l_per_h,
            "wait_h": ended - log.requested_h,
            "wait_reason": wait_reason_names(log.wait).astype(str),
        }
    )
    return frame.astype(FUEL_TRIP_COLUMNS)


def road_closure_rows(
    replication: int, log: FuelLog, roads: RoadGraph, horizon_h: float
) -> pd.DataFrame:
    """The ``road_closures`` rows of one replication: each closure interval of a road
    segment that begins before the horizon, in the order drawn (hazard rules, then
    closed areas).

    Parameters
    ----------
    replication : int
        The replication number.
    log : FuelLog
        Its recorded fuel logistics (the closure intervals).
    roads : RoadGraph
        The study's road graph (segment ends, km).
    horizon_h : float
        The scenario's horizon, hours.

    Returns
    -------
    pandas.DataFrame
        One row per closure (``reopen_h`` inf: not before the end of the storm's record).
    """
    keep = np.flatnonzero(log.closure_start_h < horizon_h)
    e = log.closure_edge[keep]
    u, v = roads.edge_u[e], roads.edge_v[e]
    frame = pd.DataFrame(
        {
            "replication": np.full(len(e), replication, dtype=np.int64),
            "segment": e,
            "from_lat": roads.vertex_lat[u],
            "from_lon": roads.vertex_lon[u],
            "to_lat": roads.vertex_lat[v],
            "to_lon": roads.vertex_lon[v],
            "km": roads.edge_km[e],
            "closed_from_h": log.closure_start_h[keep],
            "reopen_h": log.closure_end_h[keep],
            "cause": np.asarray(log.cause_labels, dtype=object)[log.closure_cause[keep]].astype(str)
            if len(e)
            else np.zeros(0, dtype=str),
        }
    )
    return frame.astype(ROAD_CLOSURE_COLUMNS)


def daily_fuel_logistics(
    trips: pd.DataFrame, closures: pd.DataFrame | None, horizon_h: float, replications: int
) -> pd.DataFrame:
    """Per day, the mean per replication of: deliveries and litres delivered, sites
    waiting for fuel at the end of the day, and (with roads) road segments closed at the
    end of the day; and the median and 90th percentile of the wait from request to
    delivery of the deliveries made that day (over every replication).

    Parameters
    ----------
    trips : pandas.DataFrame
        The ``fuel_trips`` table.
    closures : pandas.DataFrame or None
        The ``road_closures`` table (None: no roads).
    horizon_h : float
        The horizon, hours.
    replications : int
        Replications of the study (the mean's denominator: a replication without a row
        counts as 0).

    Returns
    -------
    pandas.DataFrame
        Columns ``day``, ``time_h`` (end of the day), ``deliveries``, ``litres``,
        ``sites_waiting``, ``wait_p50_h``, ``wait_p90_h`` and, with roads,
        ``segments_closed``.
    """
    ends = day_ends_h(horizon_h)
    n = max(1, replications)
    kind = trips["kind"].to_numpy()
    delivered = trips[(kind == "delivery") & (trips["arrive_h"].to_numpy() <= horizon_h)]
    at = delivered["arrive_h"].to_numpy()
    day_of = np.searchsorted(ends, at, side="left")  # day k holds (ends[k-1], ends[k]]
    litres = np.nan_to_num(delivered["litres"].to_numpy(), nan=0.0)
    waits = delivered["wait_h"].to_numpy()
    requests = trips[kind != "to_depot"]
    req_h = requests["requested_h"].to_numpy()
    # a request stops waiting when fuel is in the tank, mains is back, or never
    done_h = np.where(
        requests["kind"].to_numpy() == "delivery",
        requests["arrive_h"].to_numpy(),
        requests["cancelled_h"].to_numpy(),
    )
    done_h = np.where(np.isnan(done_h), math.inf, done_h)
    if closures is not None:
        c0, c1 = closures["closed_from_h"].to_numpy(), closures["reopen_h"].to_numpy()
    rows = []
    for k, t1 in enumerate(ends.tolist()):
        in_day = day_of == k
        w = waits[in_day]
        row = {
            "day": k + 1,
            "time_h": t1,
            "deliveries": float(in_day.sum()) / n,
            "litres": float(litres[in_day].sum()) / n,
            "sites_waiting": float(((req_h <= t1) & (done_h > t1)).sum()) / n,
            "wait_p50_h": float(np.median(w)) if len(w) else math.nan,
            "wait_p90_h": float(np.quantile(w, 0.9)) if len(w) else math.nan,
        }
        if closures is not None:
            row["segments_closed"] = float(((c0 <= t1) & (t1 < c1)).sum()) / n
        rows.append(row)
    return pd.DataFrame(rows)


def worst_served_sites(trips: pd.DataFrame, horizon_h: float, top: int = 10) -> pd.DataFrame:
    """The sites with the longest waits for fuel, over every replication.

    A request still open at the horizon waits until the horizon.

    Parameters
    ----------
    trips : pandas.DataFrame
        The ``fuel_trips`` table.
    horizon_h : float
        The horizon, hours.
    top : int, default 10
        Rows to keep.

    Returns
    -------
    pandas.DataFrame
        ``node``, ``requests``, ``unserved`` (requests open at the horizon),
        ``mean_wait_h``, ``max_wait_h``, longest ``max_wait_h`` first.
    """
    requests = trips[trips["kind"] != "to_depot"]
    if requests.empty:
        return pd.DataFrame(columns=["node", "requests", "unserved", "mean_wait_h", "max_wait_h"])
    wait = requests["wait_h"].to_numpy()
    open_at_end = requests["kind"].to_numpy() == "unserved"
    wait = np.where(open_at_end, horizon_h - requests["requested_h"].to_numpy(), wait)
    frame = pd.DataFrame(
        {"node": requests["node"].to_numpy(), "wait_h": wait, "unserved": open_at_end}
    )
    out = frame.groupby("node", sort=True).agg(
        requests=("wait_h", "size"),
        unserved=("unserved", "sum"),
        mean_wait_h=("wait_h", "mean"),
        max_wait_h=("wait_h", "max"),
    )
    out = out.reset_index().sort_values(["max_wait_h", "node"], ascending=[False, True])
    return out.head(top).reset_index(drop=True)


__all__ = [
    "FUEL_TRIP_COLUMNS",
    "ROAD_CLOSURE_COLUMNS",
    "daily_fuel_logistics",
    "empty_fuel_trips",
    "empty_road_closures",
    "fuel_trip_rows",
    "road_closure_rows",
    "worst_served_sites",
]
