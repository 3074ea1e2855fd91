"""Fast service model: the served-population timeline of an event log, without a pass per time.

Engine layer, after the SimPy run; returns exactly what
:func:`resilience_sim.engine.service.served_over_time` returns (same rows, same
values), at a cost that no longer grows with the number of distinct event times.

How:

1. **Net changes per batch.** Events at one time form a batch; the last event of
   an asset in a batch decides its state, and changes that leave an asset as it
   was are dropped (all with one sort).
2. **Segments.** A batch holding any failure starts a segment and gets one
   ``connected_components`` pass on the state after it (as the reference does).
3. **Repair runs, offline.** Inside a segment only repairs happen, so components
   only merge and a node, once served, stays served. The batch at which a node
   becomes served is a bottleneck (minimax) path distance: contract the
   segment-start components, give every link that comes back the batch at which it
   and both its end nodes are up, join the components holding a core node at the
   segment start (or a core node that comes back) to a virtual source, and the
   batch at which a component first reaches the core is the largest weight on its
   path to the source in a minimum spanning tree (one ``minimum_spanning_tree``,
   one ``breadth_first_order``, then pointer jumping up the tree). The same for
   international nodes.
4. **Rows.** Served population per batch = the segment's first row plus the
   cumulative sum of the population that becomes served at each batch
   (``np.bincount``), per region too.

No Python loop runs per event or per node; the loops are per segment (failure
batch) and per tree level doubling. With integer populations (as persons are)
every value equals the reference's exactly; with fractional populations the sums
are taken in a different order and agree to rounding (~1e-15 relative).
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import breadth_first_order, minimum_spanning_tree

from resilience_sim.engine.replay import up_down_codes
from resilience_sim.engine.routing import Routing
from resilience_sim.engine.service import (
    ServedPopulation,
    capacity_over_time,
    component_has,
    component_labels,
    population_served,
)
from resilience_sim.engine.state import (
    FAIL,
    HIJACK_END,
    HIJACK_START,
    REPAIR,
    EventArrays,
    accepts_loose_log,
)
from resilience_sim.topology.compile import NetworkArrays


@accepts_loose_log(
    "arrays, time_h, asset_idx, event, demand_gbps, value, capacity_interval_h, routing, "
    "with_latency"
)
def served_over_time_fast(
    arrays: NetworkArrays,
    events: EventArrays,
    demand_gbps: np.ndarray | None = None,
    capacity_interval_h: float | None = None,
    routing: Routing = "shortest",
    with_latency: bool = False,
) -> ServedPopulation:
    """Replay an event log and return the served population at every distinct event time.

    Same contract as the reference
    (:func:`~resilience_sim.engine.service.served_over_time_reference`): one row per
    distinct time, the first row at t = 0 after any events at t = 0; stopgaps on
    standby start down; regions whose traffic is hijacked lose international service.
    The capacity columns (a max-flow and a routing per time, the log's ``value``
    giving degraded capacities) are evaluated per row as the reference does (not
    faster), or, with ``capacity_interval_h``, only at the rows :func:`capacity_rows`
    picks. (The older loose form ``served_over_time_fast(arrays, time_h, asset_idx,
    event, demand_gbps, value, ...)`` still works, with a ``DeprecationWarning``.)

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    events : EventArrays
        The event log.
    demand_gbps : numpy.ndarray, optional
        ``(n_nodes,)`` international demand, Gbit/s (NaN capacity columns without).
    capacity_interval_h : float, optional
        Hours between evaluations of the capacity columns in repair-only stretches
        (every row when None).
    routing : {"shortest", "widest"}
        How traffic is routed for the routed share.
    with_latency : bool
        Keep the mean path latency (ms) per row.

    Returns
    -------
    ServedPopulation
        One row per distinct event time, equal to the reference's.
    """
    time_h, asset_idx = events.time_h, events.asset_idx
    times = events.row_times_h
    n_rows = len(times)
    initial_up = ~arrays.standby
    event = up_down_codes(arrays, asset_idx, events.event)
    up_down = (event == FAIL) | (event == REPAIR)  # the rest changes capacity or routing only
    batch, asset, up = net_changes(
        times, time_h[up_down], asset_idx[up_down], event[up_down], initial_up
    )
    counted = ~arrays.standby[asset]  # stopgaps never count as assets down
    assets_down = np.cumsum(
        np.bincount(batch[~up & counted], minlength=n_rows)
        - np.bincount(batch[up & counted], minlength=n_rows)
    )

    pop = arrays.population
    n_regions = len(arrays.region_names)
    domestic = np.empty(n_rows)
    international = np.empty(n_rows)
    reg_dom = np.empty((n_rows, n_regions))
    reg_intl = np.empty((n_rows, n_regions))

    asset_up = initial_up.copy()
    starts = np.union1d([0], batch[~up])  # batches that open a segment: need a full pass
    ends = np.append(starts[1:], n_rows)
    for b0, b1 in zip(starts.tolist(), ends.tolist(), strict=True):
        lo, mid, hi = np.searchsorted(batch, [b0, b0 + 1, b1])
        asset_up[asset[lo:mid]] = up[lo:mid]
        n_comp, labels, node_up = component_labels(arrays, asset_up)
        run = None
        if b1 > b0 + 1:  # repair-only batches follow: contract and weigh the links coming back
            run = _RepairRun(
                arrays, asset_up, labels, asset[mid:hi], batch[mid:hi] - b0, b1 - b0 - 1
            )
        for sources, total, by_region in (
            (arrays.is_core, domestic, reg_dom),
            (arrays.is_international, international, reg_intl),
        ):
            has_source = component_has(n_comp, labels, node_up, sources)
            total[b0], by_region[b0] = population_served(arrays, node_up & has_source[labels])
            if run is not None:
                newly = run.served_batch(has_source, sources)
                _fill_rows(total, by_region, b0, b1, newly, pop, arrays.region_of_node)
        asset_up[asset[mid:hi]] = True
    _remove_hijacked(arrays, times, time_h, asset_idx, event, international, reg_intl)
    evaluate = None  # without demand the capacity columns are NaN: nothing to pick
    if demand_gbps is not None and np.any(demand_gbps > 0):
        evaluate = capacity_rows(times, time_h, event, capacity_interval_h)
    capacity, satellite, routed, latency = capacity_over_time(
        arrays, events, demand_gbps, evaluate, routing, with_latency
    )
    return ServedPopulation(
        time_h=times.copy(),  # the timeline owns its arrays
        domestic=domestic,
        international=international,
        by_region_domestic=reg_dom,
        by_region_international=reg_intl,
        assets_down=assets_down.astype(np.int64),
        international_capacity=capacity,
        satellite_share=satellite,
        international_routed=routed,
        international_latency_ms=latency if with_latency else None,
    )


def net_changes(
    times: np.ndarray,
    time_h: np.ndarray,
    asset_idx: np.ndarray,
    event: np.ndarray,
    initial_up: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """State changes per batch, sorted by batch.

    For each asset and batch the last event decides; a batch that leaves an asset as
    it was (fail then repair, or a repair of an up asset) contributes nothing. A step
    inside :func:`served_over_time_fast`, on the log's fail and repair events only.

    Parameters
    ----------
    times : numpy.ndarray
        ``(n_rows,)`` the timeline's row times, h (:attr:`EventArrays.row_times_h`).
    time_h, asset_idx, event : numpy.ndarray
        ``(n,)`` the fail and repair events: times (h), assets, codes (FAIL or REPAIR).
    initial_up : numpy.ndarray
        ``(n_assets,)`` bool, the state before t = 0.

    Returns
    -------
    tuple of numpy.ndarray
        ``(batch, asset, is_up)``: the row (index into ``times``) of each change, the
        asset, and whether it is up after it.
    """
    batch = np.searchsorted(times, time_h)
    key = asset_idx * len(times) + batch
    order = np.argsort(key, kind="stable")
    key = key[order]
    keep = np.ones(len(key), dtype=bool)
    keep[:-1] = key[1:] != key[:-1]
    last = order[keep]  # the last event of each (asset, batch)
    asset, batch, is_up = asset_idx[last], batch[last], event[last] == REPAIR
    was_up = np.ones(len(is_up), dtype=bool)
    was_up[1:] = is_up[:-1]
    first = np.ones(len(asset), dtype=bool)  # the first batch of each asset
    first[1:] = asset[1:] != asset[:-1]
    was_up[first] = initial_up[asset[first]]
    changed = is_up != was_up
    by_batch = np.argsort(batch[changed], kind="stable")
    return batch[changed][by_batch], asset[changed][by_batch], is_up[changed][by_batch]


class _RepairRun:
    """The repair-only batches of one segment, as a contracted, weighted graph.

    Vertices are the components at the segment start (``labels``); every link that
    comes back during the run joins its end components with weight = the batch
    (1..n_batches, relative to the segment start) from which it and both its end
    nodes are up.
    """

    def __init__(
        self,
        arrays: NetworkArrays,
        asset_up: np.ndarray,
        labels: np.ndarray,
        repaired: np.ndarray,
        repaired_at: np.ndarray,
        n_batches: int,
    ):
        n = arrays.n_nodes
        self.labels, self.n_batches = labels, n_batches
        self.never = never = n_batches + 1
        up_at = np.where(asset_up, 0, never)
        up_at[repaired] = repaired_at
        self.node_at = node_at = up_at[:n]
        link_at = np.maximum(
            up_at[n:], np.maximum(node_at[arrays.link_src], node_at[arrays.link_dst])
        )
        back = np.flatnonzero((link_at > 0) & (link_at < never))
        u, v = labels[arrays.link_src[back]], labels[arrays.link_dst[back]]
        join = u != v
        self.u, self.v, self.w = u[join], v[join], link_at[back][join]

    def served_batch(self, has_source: np.ndarray, is_source: np.ndarray) -> np.ndarray:
        """Batch (1..n_batches) from which each node is served; 0 where nothing changes.

        ``has_source`` flags the segment-start components holding an up source node
        (core or international); source nodes that come back during the run join too.
        """
        labels, node_at, never = self.labels, self.node_at, self.never
        late = np.flatnonzero(is_source & (node_at > 0) & (node_at < never))
        if len(self.u) == 0 and len(late) == 0:
            return np.zeros(len(labels), dtype=np.int64)
        src_comp = np.concatenate([np.flatnonzero(has_source), labels[late]])
        src_at = np.concatenate([np.zeros(np.count_nonzero(has_source), np.int64), node_at[late]])
        m = len(self.u)
        comps, inverse = np.unique(np.concatenate([self.u, self.v, src_comp]), return_inverse=True)
        root = len(comps)  # vertices 0..root-1 are components; root is the virtual source
        dist = _bottleneck_from(
            root,
            np.concatenate([inverse[:m], inverse[2 * m :]]),
            np.concatenate([inverse[m : 2 * m], np.full(len(src_comp), root)]),
            np.concatenate([self.w, src_at]) + 1,  # csgraph reads a weight of 0 as no edge
        )[:root] - 1  # fmt: skip
        comp_at = np.zeros(len(has_source), dtype=np.int64)
        comp_at[comps] = np.where((dist > 0) & (dist < never), dist, 0)
        return comp_at[labels]


def _bottleneck_from(root: int, a: np.ndarray, b: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Minimax path weight from ``root`` to every vertex 0..root (huge where unreachable).

    The path between two vertices in a minimum spanning tree minimises its largest
    weight, so the answer is the largest weight on the tree path to ``root``.
    """
    size = root + 1
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    order = np.lexsort((weight, hi, lo))  # keep the lightest of parallel edges
    lo, hi, weight = lo[order], hi[order], weight[order]
    first = np.append(True, (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1]))
    graph = coo_matrix((weight[first], (lo[first], hi[first])), shape=(size, size)).tocsr()
    tree = minimum_spanning_tree(graph).tocoo()
    reached, pred = breadth_first_order(tree, root, directed=False, return_predecessors=True)
    child = np.where(pred[tree.col] == tree.row, tree.col, tree.row)
    in_tree = pred[child] >= 0  # edges of other trees of the forest never reach the root
    dist = np.full(size, np.iinfo(np.int64).max, dtype=np.int64)
    dist[root] = 0
    dist[child[in_tree]] = tree.data[in_tree].astype(np.int64)
    up = np.where(pred >= 0, pred, root)  # pointer jumping: max of weights up to the root
    up[root] = root
    while True:
        hop = up[reached]
        if np.all(hop == root):
            break
        dist[reached] = np.maximum(dist[reached], dist[hop])
        up[reached] = up[hop]
    return dist


def _fill_rows(total, by_region, b0, b1, newly, pop, region_of_node) -> None:
    """Rows b0+1..b1-1: row b0 plus the cumulative population served from each batch on."""
    n_batches = b1 - b0 - 1
    n_regions = by_region.shape[1]
    nodes = np.flatnonzero(newly)
    at = newly[nodes]
    weights = pop[nodes]
    gain = np.bincount(at, weights=weights, minlength=n_batches + 1)
    total[b0 + 1 : b1] = total[b0] + np.cumsum(gain)[1:]
    gain_r = np.bincount(
        at * n_regions + region_of_node[nodes],
        weights=weights,
        minlength=(n_batches + 1) * n_regions,
    ).reshape(n_batches + 1, n_regions)
    by_region[b0 + 1 : b1] = by_region[b0] + np.cumsum(gain_r, axis=0)[1:]


def open_hijacks(
    arrays: NetworkArrays,
    times: np.ndarray,
    time_h: np.ndarray,
    asset_idx: np.ndarray,
    codes: np.ndarray,
    n_regions: int,
) -> np.ndarray:
    """Open hijacks per region at each row of a timeline.

    Hijack events name region ``r`` as asset ``n_assets + r``; the count is a cumulative
    sum of +1 (start) and -1 (end) over the rows.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    times : numpy.ndarray
        ``(n_rows,)`` the timeline's rows (``events.row_times_h``), hours.
    time_h : numpy.ndarray
        ``(n_events,)`` each event's time, hours.
    asset_idx : numpy.ndarray
        ``(n_events,)`` each event's subject (asset, or ``n_assets`` + region).
    codes : numpy.ndarray
        ``(n_events,)`` event codes (:func:`~resilience_sim.engine.replay.up_down_codes`).
    n_regions : int
        Number of regions.

    Returns
    -------
    numpy.ndarray
        ``(n_rows, n_regions)`` int64 open counts.
    """
    hijack = (codes == HIJACK_START) | (codes == HIJACK_END)
    open_ = np.zeros((len(times), n_regions), dtype=np.int64)
    if hijack.any():
        row = np.searchsorted(times, time_h[hijack])
        region = asset_idx[hijack] - arrays.n_assets
        np.add.at(open_, (row, region), np.where(codes[hijack] == HIJACK_START, 1, -1))
    return np.cumsum(open_, axis=0)


def _remove_hijacked(arrays, times, time_h, asset_idx, event, international, reg_intl) -> None:
    """Zero the international service of regions while their traffic is hijacked.

    Regions with an open count (:func:`open_hijacks`) other than 0 lose it.
    """
    if not ((event == HIJACK_START) | (event == HIJACK_END)).any():
        return
    open_ = open_hijacks(arrays, times, time_h, asset_idx, event, reg_intl.shape[1])
    lost = open_ != 0  # as the reference: any open count masks
    international -= np.where(lost, reg_intl, 0.0).sum(axis=1)
    reg_intl[lost] = 0.0


def capacity_rows(
    times: np.ndarray, time_h: np.ndarray, event: np.ndarray, interval_h: float | None
) -> np.ndarray:
    """Where the capacity columns are evaluated.

    Every row without ``interval_h``. Otherwise the first row, every row with an event
    other than a repair (a failure, a capacity change, a hijack starting or ending), and,
    in between, the first row at least ``interval_h`` after the last evaluated one. Only
    repairs happen between two evaluated rows, so the max-flow there is at least the
    held value (adding edges and sinks never lowers a max-flow).

    Parameters
    ----------
    times : numpy.ndarray
        ``(n_rows,)`` the timeline's row times, h.
    time_h, event : numpy.ndarray
        ``(n,)`` the events' times (h) and codes.
    interval_h : float or None
        Hours between evaluations in repair-only stretches; None: every row.

    Returns
    -------
    numpy.ndarray
        ``(n_rows,)`` bool, the rows to evaluate.
    """
    n_rows = len(times)
    if interval_h is None:
        return np.ones(n_rows, dtype=bool)
    forced = np.union1d([0], np.searchsorted(times, time_h[event != REPAIR]))
    evaluate = np.zeros(n_rows, dtype=bool)
    row = 0
    while row < n_rows:  # one pass per evaluated row
        evaluate[row] = True
        next_forced = forced[np.searchsorted(forced, row, side="right") :][:1]
        due = np.searchsorted(times, times[row] + interval_h)
        row = int(min(due, next_forced[0])) if len(next_forced) else int(due)
    return evaluate
