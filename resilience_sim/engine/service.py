"""Service model: which access nodes reach the national core and an international node,
and how much international demand the surviving capacity can carry.

The one home of service evaluation. Both timelines of an event log are built from the
pieces here:

* the components pass (:func:`component_labels`, :func:`component_has`,
  :func:`served_masks`) and the population it serves (:func:`population_served`);
* the capacity columns (:func:`international_capacity`, :func:`capacity_row`) and the
  one loop that evaluates them over a replay (:func:`capacity_over_time`);
* the result type (:class:`ServedPopulation`).

:func:`served_over_time_reference` (also under its historical public name
``served_over_time``) is the **reference implementation**: one components pass per
distinct event time, every change at that time applied first. Studies use
:func:`resilience_sim.engine.fast_service.served_over_time_fast`, which returns the
same rows without a pass per time and is tested against this reference.

Works on the compiled arrays only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, maximum_flow

from resilience_sim.engine.replay import replay
from resilience_sim.engine.routing import Routing
from resilience_sim.engine.state import EventArrays, accepts_loose_log
from resilience_sim.engine.traffic import route_traffic
from resilience_sim.topology.compile import NetworkArrays

# maximum_flow needs int32 capacities: count in units of 100 kbit/s (max ~214 Tbit/s).
_UNIT_GBPS = 1e-4
_INT32_MAX = np.iinfo(np.int32).max


class LinkGraph:
    """Every link as a CSR pattern sorted once, masked per network state without a sort:
    for many :func:`served_masks` calls on one network (about 2.7x faster at 10k nodes)."""

    def __init__(self, arrays: NetworkArrays):
        self.arrays = arrays
        self.order = np.lexsort((arrays.link_dst, arrays.link_src))  # rows, sorted columns
        self.indices = arrays.link_dst[self.order].astype(np.int32)
        counts = np.bincount(arrays.link_src, minlength=arrays.n_nodes)
        self.indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)

    def live(self, asset_up: np.ndarray) -> csr_matrix:
        """The graph of the live links (up, with both ends up).

        Parameters
        ----------
        asset_up : numpy.ndarray
            ``(n_assets,)`` bool, which assets are up.

        Returns
        -------
        scipy.sparse.csr_matrix
            ``(n_nodes, n_nodes)`` int8, one entry per live link (source to target).
        """
        n = self.arrays.n_nodes
        data = self.arrays.live_links(asset_up)[self.order].astype(np.int8)
        graph = csr_matrix((data, self.indices.copy(), self.indptr.copy()), shape=(n, n))
        graph.has_sorted_indices = True
        graph.eliminate_zeros()  # in place: hence the copies above
        return graph


def component_labels(
    arrays: NetworkArrays, asset_up: np.ndarray, graph: LinkGraph | None = None
) -> tuple[int, np.ndarray, np.ndarray]:
    """The components pass: connected components of the live network.

    Live links are up links whose two end nodes are up; a down node is a component
    of its own. One ``connected_components`` pass on a masked CSR matrix.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    asset_up : numpy.ndarray
        ``(n_assets,)`` bool, which assets are up.
    graph : LinkGraph, optional
        A :class:`LinkGraph` of ``arrays`` built once, for many calls (same labels up
        to their numbering).

    Returns
    -------
    tuple of (int, numpy.ndarray, numpy.ndarray)
        ``(n_components, labels (n_nodes,), node_up (n_nodes,))``.
    """
    n = arrays.n_nodes
    node_up = asset_up[:n]
    if graph is not None:
        live_graph = graph.live(asset_up)
    else:
        live = arrays.live_links(asset_up)
        src, dst = arrays.link_src[live], arrays.link_dst[live]
        ones = np.ones(len(src), dtype=np.int8)
        live_graph = coo_matrix((ones, (src, dst)), shape=(n, n)).tocsr()
    n_components, labels = connected_components(live_graph, directed=False)
    return n_components, labels, node_up


def component_has(
    n_components: int, labels: np.ndarray, node_up: np.ndarray, sources: np.ndarray
) -> np.ndarray:
    """Which components hold an up source node (core or international).

    Parameters
    ----------
    n_components : int
        Number of components (from :func:`component_labels`).
    labels : numpy.ndarray
        ``(n_nodes,)`` component of each node.
    node_up : numpy.ndarray
        ``(n_nodes,)`` bool, which nodes are up.
    sources : numpy.ndarray
        ``(n_nodes,)`` bool, the source nodes (``arrays.is_core`` or
        ``arrays.is_international``).

    Returns
    -------
    numpy.ndarray
        ``(n_components,)`` bool. A node is served from these sources when it is up
        and its component is flagged.
    """
    has_source = np.zeros(n_components, dtype=bool)
    has_source[labels[sources & node_up]] = True
    return has_source


def served_masks(
    arrays: NetworkArrays,
    asset_up: np.ndarray,
    hijacked: np.ndarray | None = None,
    graph: LinkGraph | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Which nodes are served, domestically and internationally, at one network state.

    A node is served domestically when it is up and in the same connected component
    (over up links whose two end nodes are up) as an up core node; internationally
    when that component holds an up international node and its region's international
    traffic is not hijacked.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    asset_up : numpy.ndarray
        ``(n_assets,)`` bool, which assets are up.
    hijacked : numpy.ndarray, optional
        ``(n_regions,)`` int, > 0 while a region's international traffic is diverted.
    graph : LinkGraph, optional
        A :class:`LinkGraph` of ``arrays`` built once, for many calls.

    Returns
    -------
    tuple of (numpy.ndarray, numpy.ndarray)
        ``(domestic, international)`` boolean masks, ``(n_nodes,)`` each.
    """
    n_components, labels, node_up = component_labels(arrays, asset_up, graph)
    has_core = component_has(n_components, labels, node_up, arrays.is_core)
    has_intl = component_has(n_components, labels, node_up, arrays.is_international)
    international = node_up & has_intl[labels]
    if hijacked is not None and hijacked.any():
        international &= hijacked[arrays.region_of_node] == 0
    return node_up & has_core[labels], international


def population_served(arrays: NetworkArrays, served: np.ndarray) -> tuple[float, np.ndarray]:
    """Persons served, in total and per region.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network (population and region of each node).
    served : numpy.ndarray
        ``(n_nodes,)`` bool, the served nodes.

    Returns
    -------
    tuple of (float, numpy.ndarray)
        ``(persons, by_region (n_regions,))``.
    """
    pop = arrays.population
    by_region = np.bincount(
        arrays.region_of_node, weights=pop * served, minlength=len(arrays.region_names)
    )
    return float(pop @ served), by_region


def international_capacity(
    arrays: NetworkArrays,
    asset_up: np.ndarray,
    demand_gbps: np.ndarray,
    capacity_frac: np.ndarray | None = None,
    hijacked: np.ndarray | None = None,
) -> tuple[float, float]:
    """Share of international demand the surviving network can carry, and the share of
    the carried traffic that crosses a satellite link.

    Max-flow from a super-source joined to every up international node, over up links
    (capacity both ways), to a super-sink fed by every up access node with its demand.
    Demand of down nodes and of hijacked regions is lost; capacities are counted in
    units of 100 kbit/s (``maximum_flow`` needs int32).

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    asset_up : numpy.ndarray
        ``(n_assets,)`` bool, which assets are up.
    demand_gbps : numpy.ndarray
        ``(n_nodes,)`` international demand, Gbit/s.
    capacity_frac : numpy.ndarray, optional
        ``(n_links,)`` remaining share of each link's capacity (DDoS); full when None.
    hijacked : numpy.ndarray, optional
        ``(n_regions,)`` int, > 0 while a region's traffic is diverted.

    Returns
    -------
    tuple of (float, float)
        ``(carried / total demand, satellite share)``: the satellite share counts flow on
        satellite links, capped at 1; both NaN without demand.
    """
    total = float(demand_gbps.sum())
    if total <= 0:
        return float("nan"), float("nan")
    n = arrays.n_nodes
    source, sink = n, n + 1
    node_up = asset_up[:n]
    live = arrays.live_links(asset_up)
    src, dst = arrays.link_src[live], arrays.link_dst[live]
    capacity = arrays.capacity_gbps(capacity_frac)
    cap = _units(capacity[live])
    gateways = np.flatnonzero(arrays.is_international & node_up)
    reachable_demand = node_up & (demand_gbps > 0)
    if hijacked is not None and hijacked.any():
        reachable_demand &= hijacked[arrays.region_of_node] == 0
    sinks = np.flatnonzero(reachable_demand)
    demand = _units(demand_gbps[sinks])
    rows = np.concatenate([src, dst, np.full(len(gateways), source), sinks])
    cols = np.concatenate([dst, src, gateways, np.full(len(sinks), sink)])
    caps = np.concatenate([cap, cap, np.full(len(gateways), _INT32_MAX // 4), demand])
    graph = coo_matrix((caps.astype(np.int64), (rows, cols)), shape=(n + 2, n + 2)).tocsr()
    graph.data = np.minimum(graph.data, _INT32_MAX).astype(np.int32)  # parallel links add up
    result = maximum_flow(graph, source, sink)
    carried = result.flow_value * _UNIT_GBPS
    satellite = live & (arrays.asset_kinds[n:] == "satellite")
    on_satellite = 0.0
    if carried > 0 and satellite.any():
        flow = result.flow.tocsr()
        s_src, s_dst = arrays.link_src[satellite], arrays.link_dst[satellite]
        on_satellite = float(np.abs(np.asarray(flow[s_src, s_dst])).sum()) * _UNIT_GBPS
    share = min(1.0, on_satellite / carried) if carried > 0 else float("nan")
    return min(1.0, carried / total), share


def _units(gbps: np.ndarray) -> np.ndarray:
    return np.minimum(np.round(np.asarray(gbps) / _UNIT_GBPS), _INT32_MAX).astype(np.int64)


@dataclass(frozen=True)
class ServedPopulation:
    """Served population over time: one row per distinct event time.

    ``time_h (k,)``; ``domestic``/``international (k,)`` persons served from that time
    until the next; ``by_region_*`` ``(k, n_regions)``; ``assets_down (k,)`` (stopgaps
    on standby not counted); ``international_capacity (k,)`` share of international
    demand the surviving capacity can carry (max-flow), ``satellite_share (k,)`` and
    ``international_routed (k,)`` the share delivered on shortest paths with congestion
    (all NaN without demand).
    """

    time_h: np.ndarray
    domestic: np.ndarray
    international: np.ndarray
    by_region_domestic: np.ndarray
    by_region_international: np.ndarray
    assets_down: np.ndarray
    international_capacity: np.ndarray
    satellite_share: np.ndarray
    international_routed: np.ndarray
    international_latency_ms: np.ndarray | None = None  # (k,) when asked for


def baseline_population(
    arrays: NetworkArrays, demand_gbps: np.ndarray | None = None
) -> ServedPopulation:
    """Served population of the undamaged network (one row at t = 0).

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    demand_gbps : numpy.ndarray, optional
        ``(n_nodes,)`` international demand, Gbit/s; the capacity columns are NaN
        without it.

    Returns
    -------
    ServedPopulation
        One row.
    """
    return served_over_time_reference(arrays, EventArrays.empty(), demand_gbps)


def served_over_time_reference(
    arrays: NetworkArrays,
    events: EventArrays,
    demand_gbps: np.ndarray | None = None,
    routing: Routing = "shortest",
    with_latency: bool = False,
) -> ServedPopulation:
    """The reference timeline: replay an event log, one components pass per distinct time.

    The first row is always t = 0 (after any events at t = 0). Stopgaps on standby
    start down. Studies use
    :func:`~resilience_sim.engine.fast_service.served_over_time_fast`, which returns
    the same rows.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    events : EventArrays
        The event log (its ``value`` column gives degraded capacities).
    demand_gbps : numpy.ndarray, optional
        ``(n_nodes,)`` international demand, Gbit/s: the capacity columns are
        evaluated at every row (NaN without demand).
    routing : {"shortest", "widest"}
        How traffic is routed for the routed share.
    with_latency : bool
        Keep the mean path latency (ms) per row.

    Returns
    -------
    ServedPopulation
        One row per distinct event time.
    """
    rows = []
    for state in replay(arrays, events):
        asset_up = state.asset_up
        dom, intl = served_masks(arrays, asset_up, state.hijacked)
        down = int((~asset_up & ~arrays.standby).sum())
        rows.append(
            (state.time_h, *population_served(arrays, dom), *population_served(arrays, intl), down)
        )
    times, dom, reg_dom, intl, reg_intl, down = zip(*rows, strict=True)
    capacity, satellite, routed, latency = capacity_over_time(
        arrays, events, demand_gbps, None, routing, with_latency
    )
    return ServedPopulation(
        time_h=np.asarray(times),
        domestic=np.asarray(dom),
        international=np.asarray(intl),
        by_region_domestic=np.vstack(reg_dom),
        by_region_international=np.vstack(reg_intl),
        assets_down=np.asarray(down, dtype=np.int64),
        international_capacity=capacity,
        satellite_share=satellite,
        international_routed=routed,
        international_latency_ms=latency if with_latency else None,
    )


# The reference under its historical public name; the older loose form
# served_over_time(arrays, time_h, asset_idx, event, demand_gbps, value, ...) still works,
# with a DeprecationWarning.
served_over_time = accepts_loose_log(
    "arrays, time_h, asset_idx, event, demand_gbps, value, routing, with_latency",
    "served_over_time",
)(served_over_time_reference)


def capacity_over_time(
    arrays: NetworkArrays,
    events: EventArrays,
    demand_gbps: np.ndarray | None,
    evaluate: np.ndarray | None = None,
    routing: Routing = "shortest",
    with_latency: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The capacity columns of a timeline: one :func:`capacity_row` per evaluated row.

    The one loop both timelines use. Rows not in ``evaluate`` hold the last
    evaluated values.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    events : EventArrays
        The event log (its ``value`` column gives degraded capacities).
    demand_gbps : numpy.ndarray or None
        ``(n_nodes,)`` international demand, Gbit/s; None or no positive demand: every
        column is NaN and nothing is evaluated.
    evaluate : numpy.ndarray, optional
        ``(n_rows,)`` bool, the rows to evaluate (the first must be); every row when
        None.
    routing : {"shortest", "widest"}
        How traffic is routed for the routed share.
    with_latency : bool
        Compute the mean path latency (ms; NaN otherwise).

    Returns
    -------
    tuple of numpy.ndarray
        ``(capacity, satellite_share, routed, latency_ms)``, ``(n_rows,)`` each.
    """
    if demand_gbps is None or not np.any(demand_gbps > 0):
        nan = np.full(len(events.row_times_h), np.nan)
        return nan, nan, nan, nan
    rows: list[tuple[float, float, float, float]] = []
    for k, state in enumerate(replay(arrays, events)):
        if evaluate is not None and not evaluate[k]:
            rows.append(rows[-1])
            continue
        up, frac, hijacked = state.asset_up, state.capacity_frac, state.hijacked
        rows.append(capacity_row(arrays, up, demand_gbps, frac, hijacked, routing, with_latency))
    return tuple(np.asarray(column, dtype=float) for column in zip(*rows, strict=True))


def capacity_row(
    arrays: NetworkArrays,
    asset_up: np.ndarray,
    demand_gbps: np.ndarray,
    capacity_frac: np.ndarray,
    hijacked: np.ndarray,
    routing: Routing = "shortest",
    with_latency: bool = False,
) -> tuple[float, float, float, float]:
    """The capacity columns at one network state.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    asset_up : numpy.ndarray
        ``(n_assets,)`` bool, which assets are up.
    demand_gbps : numpy.ndarray
        ``(n_nodes,)`` international demand, Gbit/s.
    capacity_frac : numpy.ndarray
        ``(n_links,)`` remaining share of each link's capacity.
    hijacked : numpy.ndarray
        ``(n_regions,)`` int, > 0 while a region's traffic is diverted.
    routing : {"shortest", "widest"}
        How traffic is routed.
    with_latency : bool
        Compute the mean path latency.

    Returns
    -------
    tuple of float
        Max-flow share of demand, satellite share of the carried traffic, routed share,
        mean path latency (ms, NaN unless ``with_latency``).
    """
    routed = route_traffic(
        arrays, asset_up, demand_gbps, capacity_frac, hijacked, routing, with_latency
    )
    return (
        *international_capacity(arrays, asset_up, demand_gbps, capacity_frac, hijacked),
        routed.carried_frac,
        routed.mean_latency_ms,
    )
