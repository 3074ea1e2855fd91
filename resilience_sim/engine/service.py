"""Service model: which access nodes reach the national core and an international node.

Works on the compiled arrays only. One ``scipy.sparse.csgraph.connected_components``
pass per distinct event time (all changes at the same time are applied first).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from resilience_sim.engine.state import REPAIR
from resilience_sim.topology.compile import NetworkArrays


def served_masks(arrays: NetworkArrays, asset_up: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(domestic, international)`` boolean masks over nodes.

    A node is served domestically when it is up and in the same connected component
    (over up links whose two end nodes are up) as an up core node; internationally
    when that component holds an up international node.
    """
    n = arrays.n_nodes
    node_up = asset_up[:n]
    live = asset_up[n:] & node_up[arrays.link_src] & node_up[arrays.link_dst]
    src, dst = arrays.link_src[live], arrays.link_dst[live]
    graph = coo_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n)).tocsr()
    n_components, labels = connected_components(graph, directed=False)
    has_core = np.zeros(n_components, dtype=bool)
    has_core[labels[arrays.is_core & node_up]] = True
    has_intl = np.zeros(n_components, dtype=bool)
    has_intl[labels[arrays.is_international & node_up]] = True
    return node_up & has_core[labels], node_up & has_intl[labels]


@dataclass(frozen=True)
class ServedPopulation:
    """Served population over time: one row per distinct event time.

    ``time_h (k,)``; ``domestic``/``international (k,)`` persons served from that time
    until the next; ``by_region_*`` ``(k, n_regions)``; ``assets_down (k,)``.
    """

    time_h: np.ndarray
    domestic: np.ndarray
    international: np.ndarray
    by_region_domestic: np.ndarray
    by_region_international: np.ndarray
    assets_down: np.ndarray


def _served_population(arrays: NetworkArrays, asset_up: np.ndarray):
    dom, intl = served_masks(arrays, asset_up)
    pop = arrays.population
    r = len(arrays.region_names)
    return (
        float(pop @ dom),
        float(pop @ intl),
        np.bincount(arrays.region_of_node, weights=pop * dom, minlength=r),
        np.bincount(arrays.region_of_node, weights=pop * intl, minlength=r),
    )


def baseline_population(arrays: NetworkArrays) -> ServedPopulation:
    """Served population of the undamaged network (one row at t = 0)."""
    return served_over_time(arrays, np.empty(0), np.empty(0, np.int64), np.empty(0, np.int8))


def served_over_time(
    arrays: NetworkArrays, time_h: np.ndarray, asset_idx: np.ndarray, event: np.ndarray
) -> ServedPopulation:
    """Replay an event log and evaluate service once per distinct event time.

    Events must be in the order they happened. The first row is always t = 0
    (after any events at t = 0).
    """
    asset_up = np.ones(arrays.n_assets, dtype=bool)
    times = np.unique(np.concatenate([[0.0], time_h]))
    # events are sorted by time, so each distinct time owns one contiguous slice
    bounds = np.searchsorted(time_h, times, side="right")
    rows = []
    start = 0
    for stop in bounds:
        # the last event of an asset in the batch decides its state
        batch_assets = asset_idx[start:stop][::-1]
        batch_events = event[start:stop][::-1]
        assets, last = np.unique(batch_assets, return_index=True)
        asset_up[assets] = batch_events[last] == REPAIR
        start = stop
        rows.append((*_served_population(arrays, asset_up), arrays.n_assets - asset_up.sum()))
    dom, intl, reg_dom, reg_intl, down = zip(*rows, strict=True)
    return ServedPopulation(
        time_h=times,
        domestic=np.asarray(dom),
        international=np.asarray(intl),
        by_region_domestic=np.vstack(reg_dom),
        by_region_international=np.vstack(reg_intl),
        assets_down=np.asarray(down, dtype=np.int64),
    )
