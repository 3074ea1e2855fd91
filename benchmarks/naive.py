"""The naive reference: networkx, reachability recomputed after every event.

What a first implementation would do, and the baseline of the issue's speed-up
targets: keep a networkx graph of the live network, apply one event at a time
(removing or re-adding nodes and edges), and after each event find the connected
components and sum the population that reaches a core (an international) node.
The row of a time is the state after its last event.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import networkx as nx
import numpy as np

from resilience_sim.engine.state import REPAIR
from resilience_sim.topology.compile import NetworkArrays


class NaiveService:
    """A live networkx graph kept in step with an event log (initially all assets up)."""

    def __init__(self, arrays: NetworkArrays):
        self.arrays = arrays
        n = arrays.n_nodes
        self.up = ~arrays.standby.copy()
        self.graph = nx.MultiGraph()
        self.graph.add_nodes_from(i for i in range(n) if self.up[i])
        self.incident: list[list[int]] = [[] for _ in range(n)]
        for j, (u, v) in enumerate(
            zip(arrays.link_src.tolist(), arrays.link_dst.tolist(), strict=True)
        ):
            self.incident[u].append(j)
            self.incident[v].append(j)
            if self.up[n + j] and self.up[u] and self.up[v]:
                self.graph.add_edge(u, v, key=j)

    def apply(self, asset: int, is_up: bool) -> None:
        """Apply one event to the graph."""
        a, n = self.arrays, self.arrays.n_nodes
        if self.up[asset] == is_up:
            return
        self.up[asset] = is_up
        if asset >= n:
            j = asset - n
            u, v = int(a.link_src[j]), int(a.link_dst[j])
            if not (self.up[u] and self.up[v]):
                return
            if is_up:
                self.graph.add_edge(u, v, key=j)
            else:
                self.graph.remove_edge(u, v, key=j)
        elif is_up:
            self.graph.add_node(asset)
            for j in self.incident[asset]:
                u, v = int(a.link_src[j]), int(a.link_dst[j])
                if self.up[n + j] and self.up[u] and self.up[v]:
                    self.graph.add_edge(u, v, key=j)
        else:
            self.graph.remove_node(asset)

    def served_row(self) -> tuple[float, float, np.ndarray, np.ndarray]:
        """``(domestic, international, by_region_domestic, by_region_international)`` now."""
        a = self.arrays
        dom = np.zeros(a.n_nodes, dtype=bool)
        intl = np.zeros(a.n_nodes, dtype=bool)
        for component in nx.connected_components(self.graph):
            members = np.fromiter(component, dtype=np.int64, count=len(component))
            if a.is_core[members].any():
                dom[members] = True
            if a.is_international[members].any():
                intl[members] = True
        pop, r = a.population, len(a.region_names)
        return (
            float(pop @ dom),
            float(pop @ intl),
            np.bincount(a.region_of_node, weights=pop * dom, minlength=r),
            np.bincount(a.region_of_node, weights=pop * intl, minlength=r),
        )


def naive_timeline(
    arrays: NetworkArrays,
    time_h: np.ndarray,
    asset_idx: np.ndarray,
    event: np.ndarray,
    sample: Sequence[int] | None = None,
    service: NaiveService | None = None,
) -> tuple[dict[int, tuple], float, float]:
    """Replay the log the naive way; return ``(rows, seconds, estimated_full_seconds)``.

    ``rows`` maps a row index (into the distinct times, t = 0 first) to its served
    values. Reachability is recomputed after every event, or, with ``sample`` (event
    positions, each the last event of its time), only after those: the full cost is
    then estimated as the graph updates actually done plus the mean recompute time
    times the number of events. Without events the single row is t = 0. ``service``:
    a fresh :class:`NaiveService` of ``arrays`` built beforehand (its build is not timed
    either way).
    """
    service = NaiveService(arrays) if service is None else service
    times = np.unique(np.concatenate([[0.0], time_h]))
    row_of_event = np.searchsorted(times, time_h)
    last_of_row = np.full(len(times), -1)
    last_of_row[row_of_event] = np.arange(len(time_h))
    wanted = set(range(len(time_h))) if sample is None else set(sample)
    rows: dict[int, tuple] = {}
    recompute_s = 0.0
    recomputes = 0
    started = time.perf_counter()
    if last_of_row[0] < 0:  # no event at t = 0: the undamaged row
        rows[0] = service.served_row()
    for e, (asset, code) in enumerate(zip(asset_idx.tolist(), event.tolist(), strict=True)):
        service.apply(asset, code == REPAIR)
        if e in wanted:
            t0 = time.perf_counter()
            values = service.served_row()
            recompute_s += time.perf_counter() - t0
            recomputes += 1
            if last_of_row[row_of_event[e]] == e:
                rows[int(row_of_event[e])] = values
    seconds = time.perf_counter() - started
    if sample is None:
        return rows, seconds, seconds
    per_event = recompute_s / max(recomputes, 1)
    return rows, seconds, seconds - recompute_s + per_event * len(time_h)
