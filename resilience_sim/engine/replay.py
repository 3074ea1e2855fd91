"""Replay an event log as network states, one per distinct event time.

The one place that turns the flat event log back into arrays: which assets are up,
how much capacity each link keeps, which regions have their international traffic
hijacked. Service evaluation, reports and equity metrics all iterate this.
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
)
from resilience_sim.topology.compile import NetworkArrays


@dataclass
class ReplayState:
    """The network at one time: arrays are updated in place between yields."""

    time_h: float
    asset_up: np.ndarray  # (n_assets,) bool
    capacity_frac: np.ndarray  # (n_links,) remaining share of each link's capacity
    hijacked: np.ndarray  # (n_regions,) int, > 0 while international traffic is diverted


def replay(
    arrays: NetworkArrays,
    time_h: np.ndarray,
    asset_idx: np.ndarray,
    event: np.ndarray,
    value: np.ndarray | None = None,
) -> Iterator[ReplayState]:
    """Yield the state after all events of each distinct time, starting at t = 0.

    Events must be in the order they happened. Stopgaps on standby start down.
    """
    n_assets = arrays.n_assets
    state = ReplayState(
        0.0,
        ~arrays.standby,
        np.ones(arrays.n_links),
        np.zeros(len(arrays.region_names), dtype=np.int64),
    )
    value = np.full(len(time_h), np.nan) if value is None else value
    event = up_down_codes(arrays, asset_idx, event)
    times = np.unique(np.concatenate([[0.0], time_h]))
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
    """``event`` with the release of a stopgap link read as its failure (FAIL); the end of
    a cover on a site changes nothing by itself and stays as it is."""
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
