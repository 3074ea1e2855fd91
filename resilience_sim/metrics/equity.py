"""Equity metrics: who bears the outage, from per-access-node outage hours.

Metrics stage (topology -> scenario -> hazards -> engine -> metrics). The summary
metrics aggregate served population; equity needs each access node's own outage
hours, so this module replays an event log with the engine's
:func:`~resilience_sim.engine.replay.replay` and evaluates
:func:`~resilience_sim.engine.served_masks` once per distinct event time (never
per event), then integrates each node's unserved time over the horizon.

Burden is measured in *unserved user-hours*: node ``i`` with ``population[i]``
users unserved for ``outage_h[i]`` hours carries ``population[i] * outage_h[i]``.
Sorting users from the worst served down gives a Lorenz-style curve; its value at
a population share ``s`` is the share of all unserved user-hours borne by the
worst-served ``s`` of the population (0.2 for the headline figure). An equal
burden gives ``s``; a burden carried entirely by the worst-off fifth gives 1.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from resilience_sim.engine import EVENT_NAMES, served_masks
from resilience_sim.engine.operator_service_fast import served_per_operator
from resilience_sim.engine.operators import OperatorModel, OperatorServed
from resilience_sim.engine.replay import replay
from resilience_sim.engine.state import EventArrays
from resilience_sim.metrics.summary import step_widths
from resilience_sim.topology import NetworkArrays

WORST_SHARE = 0.2  # the headline: share of the burden borne by the worst-served 20 % of users
# Replications the report replays at most (assumed): a sample this large pins the equity
# figures down, and keeps their outage hours (replayed x nodes) and curves (replayed x
# 101 points) bounded whatever the number of replications (reports/replay.py).
MAX_REPLAYED = 10_000


def log_arrays(arrays: NetworkArrays, events: pd.DataFrame) -> EventArrays:
    """One replication's rows of an events table as the engine's event log.

    Assets by their index, regions (subjects of hijack events, ``asset_kind ==
    "region"``) as ``n_assets + region index``, event names as codes,
    ``capacity_frac`` as the value (NaN if absent), and ``cause``, ``cause_class`` and
    ``propagated`` when the table has them. A table whose times go back (not one
    replication in the order it happened) is refused by :class:`EventArrays`.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network the events were simulated on.
    events : pandas.DataFrame
        One replication's rows of an events table.

    Returns
    -------
    EventArrays
        The replication's event log.
    """
    codes = {name: code for code, name in enumerate(EVENT_NAMES)}
    is_region = (events.asset_kind == "region").to_numpy() if "asset_kind" in events else None
    ids = events.asset.to_numpy(dtype=object)
    if is_region is not None and is_region.any():
        region_index = {r: k for k, r in enumerate(arrays.region_names)}
        subject = np.array(
            [
                arrays.n_assets + region_index[a] if region else arrays.asset_index[a]
                for a, region in zip(ids, is_region, strict=True)
            ],
            dtype=np.int64,
        )
    else:
        subject = arrays.indices_of(ids.tolist())
    value = (
        events.capacity_frac.to_numpy(dtype=float)
        if "capacity_frac" in events
        else np.full(len(events), np.nan)
    )
    optional = {
        name: events[name].to_numpy(dtype=dtype)
        for name, dtype in (("cause", object), ("cause_class", object), ("propagated", bool))
        if name in events
    }
    return EventArrays(
        events.time_h.to_numpy(dtype=float),
        subject,
        events.event.map(codes).to_numpy(dtype=np.int8),
        value=value,
        **optional,
    )


def node_outage_hours(
    arrays: NetworkArrays,
    events: EventArrays,
    until_h: float,
    cache: dict[bytes, np.ndarray] | None = None,
) -> np.ndarray:
    """Hours within ``[0, until_h]`` that each node is without domestic service.

    Returns shape ``(n_nodes,)``, hours in ``[0, until_h]``; NaN for nodes the
    undamaged network does not serve (their outage is by design, not by damage,
    as for the served fractions; stopgaps on standby are not part of it). One
    connected-components pass per distinct event time; each state holds until the
    next event time or the horizon. ``cache`` (a dict shared between calls) keeps
    the unserved mask of each network state seen, so replications that pass through
    the same states (common in small networks) skip the pass.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    events : EventArrays
        The replication's event log (see :func:`log_arrays`).
    until_h : float
        The end of the metric window, hours (a study's horizon).
    cache : dict[bytes, numpy.ndarray] or None, default None
        Network state -> unserved mask, shared between calls.

    Returns
    -------
    numpy.ndarray
        ``(n_nodes,)`` outage hours per node.
    """
    baseline, _ = served_masks(arrays, ~arrays.standby)
    hours = np.zeros(arrays.n_nodes)
    t_prev, unserved = None, None
    for state in replay(arrays, events):
        t = state.time_h
        if t_prev is not None:
            hours += (min(t, until_h) - min(t_prev, until_h)) * unserved
        t_prev, unserved = t, _unserved(arrays, state.asset_up, baseline, cache)
    if t_prev is not None:
        hours += max(until_h - t_prev, 0.0) * unserved
    return np.where(baseline, hours, np.nan)


_CACHE_CELLS = 50_000_000  # booleans kept in a state cache (~50 MB)


def _unserved(
    arrays: NetworkArrays,
    asset_up: np.ndarray,
    baseline: np.ndarray,
    cache: dict[bytes, np.ndarray] | None,
) -> np.ndarray:
    """Nodes served in the undamaged network but not domestically in state ``asset_up``."""
    key = np.packbits(asset_up).tobytes() if cache is not None else b""
    if cache is not None and key in cache:
        return cache[key]
    domestic, _ = served_masks(arrays, asset_up)
    unserved = baseline & ~domestic
    if cache is not None and (len(cache) + 1) * arrays.n_nodes <= _CACHE_CELLS:
        cache[key] = unserved
    return unserved


def replication_logs(
    arrays: NetworkArrays, events: pd.DataFrame, replications: list[int] | np.ndarray
) -> Iterator[EventArrays]:
    """The event log (:func:`log_arrays`) of each listed replication of an events table.

    A replication without rows in ``events`` (nothing happened in it) gets an empty log.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    events : pandas.DataFrame
        An events table of the run folder (rows of any number of replications).
    replications : list[int] or numpy.ndarray
        The replications, in the order their logs are yielded.

    Yields
    ------
    EventArrays
        One replication's event log.
    """
    by_rep = dict(tuple(events.groupby("replication", sort=False)))
    for rep in replications:
        log = by_rep.get(rep)
        if log is None:  # a replication in which nothing happened
            log = events.iloc[:0]
        yield log_arrays(arrays, log)


def replication_outage_hours(
    arrays: NetworkArrays,
    events: pd.DataFrame,
    until_h: float,
    replications: list[int] | np.ndarray,
    cache: dict[bytes, np.ndarray] | None = None,
) -> np.ndarray:
    """Per-node outage hours for each listed replication of an events table.

    ``events`` has the run folder's columns (``replication``, ``time_h``, ``asset``,
    ``event``; ``asset_kind`` and ``capacity_frac`` when present), in the order they
    happened within each replication. Returns shape ``(len(replications), n_nodes)``
    (see :func:`node_outage_hours`). ``cache``: a state cache shared with other calls
    on the same arrays (a table read in chunks); a new one per call by default.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    events : pandas.DataFrame
        An events table of the run folder.
    until_h : float
        The end of the metric window, hours (a study's horizon).
    replications : list[int] or numpy.ndarray
        The replications to compute.
    cache : dict[bytes, numpy.ndarray] or None, default None
        A state cache shared with other calls (see :func:`node_outage_hours`).

    Returns
    -------
    numpy.ndarray
        ``(len(replications), n_nodes)`` outage hours.
    """
    cache = {} if cache is None else cache
    rows = [
        node_outage_hours(arrays, log, until_h, cache)
        for log in replication_logs(arrays, events, replications)
    ]
    return np.vstack(rows) if rows else np.empty((0, arrays.n_nodes))


def unit_outage(
    served: OperatorServed, baseline_users: np.ndarray, until_h: float
) -> tuple[np.ndarray, np.ndarray]:
    """Unserved user-hours and outage hours of each unit (operator x place) of a replication.

    A unit ``u`` served ``b_u`` users domestically in the undamaged network
    (``baseline_users``) and ``s_u(t)`` at time ``t`` (``served.unit_domestic``, a step
    function from each row's time on; undamaged before the first row). Its unserved
    user-hours are the integral over ``[0, until_h]`` of ``max(b_u - s_u(t), 0)``; its
    outage hours are those divided by ``b_u``: the hours with nobody served when service
    is all or nothing (a site down, cut off), and hours weighted by the share not served
    when a site's capacity is shared out. NaN outage hours for units the undamaged network
    does not serve (``b_u = 0``), as :func:`node_outage_hours` does for nodes.

    Parameters
    ----------
    served : OperatorServed
        The replication's per-operator service with ``unit_domestic``
        (``served_per_operator(..., per_unit=True)``).
    baseline_users : numpy.ndarray
        ``(n_units,)`` users served in the undamaged network
        (:func:`~resilience_sim.engine.operators.baseline_unit_served`).
    until_h : float
        The end of the metric window, hours (a study's horizon).

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray]
        ``(unserved_user_h, outage_h)``, each ``(n_units,)``.
    """
    if served.unit_domestic is None:
        raise ValueError("unit_outage needs served.unit_domestic (per_unit=True)")
    short = np.clip(baseline_users[None, :] - served.unit_domestic, 0.0, None)
    unserved = step_widths(served.time_h, until_h) @ short  # time_h has t = 0: never empty
    with np.errstate(divide="ignore", invalid="ignore"):
        hours = np.where(baseline_users > 0, unserved / baseline_users, np.nan)
    return unserved, hours


def replication_unit_outage_hours(
    arrays: NetworkArrays,
    model: OperatorModel,
    baseline_users: np.ndarray,
    events: pd.DataFrame,
    until_h: float,
    replications: list[int] | np.ndarray,
) -> np.ndarray:
    """Outage hours of every unit (operator x place) for each listed replication.

    The per-operator counterpart of :func:`replication_outage_hours`: each
    replication's log through the engine's
    :func:`~resilience_sim.engine.operator_service_fast.served_per_operator` with
    ``per_unit=True``, then :func:`unit_outage`.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    model : OperatorModel
        The study's operator model.
    baseline_users : numpy.ndarray
        ``(n_units,)`` users each unit has served in the undamaged network.
    events : pandas.DataFrame
        An events table of the run folder.
    until_h : float
        The end of the metric window, hours (a study's horizon).
    replications : list[int] or numpy.ndarray
        The replications to compute.

    Returns
    -------
    numpy.ndarray
        ``(len(replications), n_units)`` outage hours (NaN: not served when undamaged).
    """
    served = (
        served_per_operator(arrays, model, log, per_unit=True)
        for log in replication_logs(arrays, events, replications)
    )
    rows = [unit_outage(s, baseline_users, until_h)[1] for s in served]
    return np.vstack(rows) if rows else np.empty((0, len(baseline_users)))


def lorenz_curve(outage_h: np.ndarray, population: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative shares of users (worst served first) and of unserved user-hours.

    Nodes with NaN hours or no population are left out. Returns two arrays of
    length ``k + 1`` starting at ``(0, 0)`` and ending at ``(1, 1)``; between
    points the curve is linear (users of one node share its hours equally).
    When nobody lost service the burden share is NaN throughout.

    Parameters
    ----------
    outage_h : numpy.ndarray
        ``(n_nodes,)`` outage hours per node.
    population : numpy.ndarray
        ``(n_nodes,)`` users per node.

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray]
        ``(user_share, burden_share)``, each ``(k + 1,)``, 0..1.

    Examples
    --------
    >>> x, y = lorenz_curve(np.array([0.0, 10.0]), np.array([300.0, 100.0]))
    >>> x.tolist(), y.tolist()
    ([0.0, 0.25, 1.0], [0.0, 1.0, 1.0])
    """
    keep = ~np.isnan(outage_h) & (population > 0)
    hours, users = outage_h[keep], population[keep]
    order = np.lexsort((np.arange(len(hours)), -hours))  # worst first, stable
    users, burden = users[order], users[order] * hours[order]
    x = np.concatenate([[0.0], np.cumsum(users)])
    y = np.concatenate([[0.0], np.cumsum(burden)])
    total_users, total_burden = x[-1], y[-1]
    x = x / total_users if total_users > 0 else np.full_like(x, np.nan)
    y = y / total_burden if total_burden > 0 else np.full_like(y, np.nan)
    return x, y


def worst_served_share(
    outage_h: np.ndarray, population: np.ndarray, share: float = WORST_SHARE
) -> float:
    """Share of unserved user-hours borne by the worst-served ``share`` of users.

    The Lorenz-style curve of :func:`lorenz_curve` at ``share``: in ``[share, 1]``
    when anyone lost service, NaN when nobody did.

    Parameters
    ----------
    outage_h : numpy.ndarray
        ``(n_nodes,)`` outage hours per node.
    population : numpy.ndarray
        ``(n_nodes,)`` users per node.
    share : float, default WORST_SHARE
        Share of users, 0..1.

    Returns
    -------
    float
        Share of unserved user-hours, 0..1 (NaN if none).

    Examples
    --------
    >>> worst_served_share(np.array([0.0, 10.0, 30.0]), np.array([50.0, 25.0, 25.0]), 0.4)
    0.9
    """
    x, y = lorenz_curve(outage_h, population)
    if np.isnan(y).any() or np.isnan(x).any():
        return float("nan")
    return float(np.interp(share, x, y))


def lorenz_on_grid(outage_h: np.ndarray, population: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """The Lorenz-style curve sampled at population shares ``grid`` (NaN if no burden).

    Parameters
    ----------
    outage_h : numpy.ndarray
        ``(n_nodes,)`` outage hours per node.
    population : numpy.ndarray
        ``(n_nodes,)`` users per node.
    grid : numpy.ndarray
        Population shares, 0..1.

    Returns
    -------
    numpy.ndarray
        ``(len(grid),)`` burden shares, 0..1.
    """
    x, y = lorenz_curve(outage_h, population)
    if np.isnan(y).any() or np.isnan(x).any():
        return np.full(len(grid), np.nan)
    return np.interp(grid, x, y)
