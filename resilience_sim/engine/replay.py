"""Replay an event log as network states, one per distinct event time.

The one place that turns the event log (an :class:`~resilience_sim.engine.state.EventArrays`)
back into network states: which assets are up, how much capacity each link keeps, which
regions have their international traffic hijacked. Service evaluation, reports and
equity metrics all iterate this.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from resilience_sim.engine.state import (
    DEGRADE,
    FAIL,
    HIJACK_END,
    HIJACK_START,
    REPAIR,
    STOPGAP_RELEASED,
    EventArrays,
    accepts_loose_log,
)
from resilience_sim.topology.compile import NetworkArrays


@dataclass
class ReplayState:
    """The network at one time: arrays are updated in place between yields.

    Attributes: ``time_h`` (float, h), ``asset_up`` ``(n_assets,)`` bool,
    ``capacity_frac`` ``(n_links,)`` remaining share of each link's capacity,
    ``hijacked`` ``(n_regions,)`` int, > 0 while international traffic is diverted.
    """

    time_h: float
    asset_up: np.ndarray  # (n_assets,) bool
    capacity_frac: np.ndarray  # (n_links,) remaining share of each link's capacity
    hijacked: np.ndarray  # (n_regions,) int, > 0 while international traffic is diverted


@accepts_loose_log("arrays, time_h, asset_idx, event, value")
def replay(arrays: NetworkArrays, events: EventArrays) -> Iterator[ReplayState]:
    """The network state after all events of each distinct time, starting at t = 0.

    Stopgaps on standby start down. The same :class:`ReplayState` is updated in place
    and yielded once per row of :attr:`EventArrays.row_times_h`. (The older loose form
    ``replay(arrays, time_h, asset_idx, event, value=None)`` still works, with a
    ``DeprecationWarning``.)

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    events : EventArrays
        The event log.

    Returns
    -------
    Iterator[ReplayState]
        One state per distinct event time (and t = 0), in time order.
    """
    n_assets = arrays.n_assets
    state = ReplayState(
        0.0,
        ~arrays.standby,
        np.ones(arrays.n_links),
        np.zeros(len(arrays.region_names), dtype=np.int64),
    )
    time_h, asset_idx, value = events.time_h, events.asset_idx, events.value
    event = up_down_codes(arrays, asset_idx, events.event)
    times = events.row_times_h
    bounds = np.searchsorted(time_h, times, side="right")
    start = 0
    for t, stop in zip(times, bounds, strict=True):
        ev = event[start:stop]
        assets = asset_idx[start:stop]
        up_down = (ev == FAIL) | (ev == REPAIR)
        if up_down.all():
            _apply_up_down(state.asset_up, assets, ev)
        else:
            _apply_up_down(state.asset_up, assets[up_down], ev[up_down])
            degrade = ev == DEGRADE
            state.capacity_frac[assets[degrade] - arrays.n_nodes] = value[start:stop][degrade]
            regions = assets - n_assets
            np.add.at(state.hijacked, regions[ev == HIJACK_START], 1)
            np.add.at(state.hijacked, regions[ev == HIJACK_END], -1)
        start = stop
        state.time_h = float(t)
        yield state


def up_down_codes(arrays: NetworkArrays, asset_idx: np.ndarray, event: np.ndarray) -> np.ndarray:
    """The event codes with the release of a stopgap link read as its failure.

    The end of a cover on a site (STOPGAP_RELEASED on a node) changes nothing by
    itself and stays as it is.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network (its ``standby`` mask).
    asset_idx : numpy.ndarray
        ``(n,)`` the events' subjects.
    event : numpy.ndarray
        ``(n,)`` the events' codes.

    Returns
    -------
    numpy.ndarray
        ``event`` itself when no stopgap link is released, else a copy with those
        releases as FAIL.
    """
    released = np.flatnonzero(np.asarray(event) == STOPGAP_RELEASED)
    if len(released) == 0:
        return event
    event = np.array(event, copy=True)
    on_link = arrays.standby[np.asarray(asset_idx)[released]]
    event[released[on_link]] = FAIL
    return event


def _apply_up_down(asset_up: np.ndarray, assets: np.ndarray, events: np.ndarray) -> None:
    # the last event of an asset in the batch decides its state
    reversed_assets = assets[::-1]
    unique, last = np.unique(reversed_assets, return_index=True)
    asset_up[unique] = events[::-1][last] == REPAIR
