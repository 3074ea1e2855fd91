"""Traffic on shortest paths: link loads, congestion and node loads for overload cascades.

International demand of every access node flows from the nearest international node
(fewest hops) along the breadth-first shortest-path tree over working links; parallel
links between two nodes act as one bundle with their capacities added. A bundle whose
load exceeds its capacity congests: the traffic through it is delivered in proportion
capacity / load (degraded service, not failure), and a node's delivered share is the
smallest such ratio on its path. Everything is vectorised by tree depth.

Simplifications: single path per node (no load balancing over equal-cost paths); with
``routing="shortest"`` (the default) hop count, not length or latency, defines
"shortest"; ``routing="widest"`` routes by bottleneck capacity with latency as the
tie-break (:mod:`resilience_sim.engine.routing`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import breadth_first_order, shortest_path

from resilience_sim.engine.routing import (
    Routing,
    bundle_latency,
    link_latency_ms,
    tree_levels,
    widest_tree,
)
from resilience_sim.topology.compile import NetworkArrays


@dataclass(frozen=True)
class RoutedTraffic:
    """Loads and delivery on the shortest-path tree. Shapes ``(n_nodes,)``.

    ``through_gbps``: demand routed through each node (its own plus its subtree's;
    0 when unreachable); ``delivered_share``: share of the node's own demand delivered
    (0 when unreachable); ``carried_frac``: delivered / total demand. With latency asked
    for: ``latency_ms`` one-way path latency from the international node (NaN when
    unreachable) and ``mean_latency_ms``, its mean weighted by the demand of the routed
    nodes (NaN without any); otherwise ``None`` and NaN.
    """

    through_gbps: np.ndarray
    delivered_share: np.ndarray
    carried_frac: float
    latency_ms: np.ndarray | None = None
    mean_latency_ms: float = float("nan")


def route_traffic(
    arrays: NetworkArrays,
    asset_up: np.ndarray,
    demand_gbps: np.ndarray,
    capacity_frac: np.ndarray | None = None,
    hijacked: np.ndarray | None = None,
    routing: Routing = "shortest",
    with_latency: bool = False,
) -> RoutedTraffic:
    """Route every access node's demand from the international nodes (see module doc).

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    asset_up : numpy.ndarray
        ``(n_assets,)`` bool, the working nodes and links.
    demand_gbps : numpy.ndarray
        ``(n_nodes,)`` float, international demand of each node, Gbit/s.
    capacity_frac : numpy.ndarray or None
        ``(n_links,)`` float, share of each link's capacity left (0..1, DDoS); None: all.
    hijacked : numpy.ndarray or None
        ``(n_regions,)`` int, > 0 for a hijacked region: its nodes get nothing delivered
        (their demand still counts in the total). None: none.
    routing : Routing
        ``"shortest"`` (fewest hops) or ``"widest"`` (bottleneck capacity, then latency).
    with_latency : bool
        Also compute the path latencies.

    Returns
    -------
    RoutedTraffic
        Gbit/s through each node, delivered shares (0..1), carried fraction (0..1, NaN
        without demand) and, with ``with_latency``, latencies in ms.
    """
    n = arrays.n_nodes
    source = n  # a super-source joined to every up international node
    node_up = asset_up[:n]
    live = arrays.live_links(asset_up)
    src, dst = arrays.link_src[live], arrays.link_dst[live]
    capacity = arrays.capacity_gbps(capacity_frac)
    cap = capacity[live]
    gateways = np.flatnonzero(arrays.is_international & node_up)
    rows = np.concatenate([src, dst, np.full(len(gateways), source)])
    cols = np.concatenate([dst, src, gateways])
    caps = np.concatenate([cap, cap, np.full(len(gateways), np.inf)])
    bundle = coo_matrix((caps, (rows, cols)), shape=(n + 1, n + 1)).tocsr()  # sums parallels
    latency = None
    if routing == "widest" or with_latency:
        link_ms = link_latency_ms(arrays.link_latency_ms[live], arrays.link_length_km[live])
        latency = bundle_latency(
            rows,
            cols,
            np.concatenate([cap, cap, np.ones(len(gateways))]),
            np.concatenate([link_ms, link_ms, np.zeros(len(gateways))]),
            n + 1,
        )
    if routing == "widest":
        pred = widest_tree(bundle, latency, source)
        reached = np.flatnonzero(pred >= 0)
        tree = coo_matrix(
            (np.ones(len(reached)), (pred[reached], reached)), shape=(n + 1, n + 1)
        ).tocsr()
        hops = shortest_path(tree, indices=source, unweighted=True, directed=True)
    else:
        order, pred = breadth_first_order(bundle, source, directed=True, return_predecessors=True)
        reached = order[1:]  # without the super-source
        hops = shortest_path(bundle, indices=source, unweighted=True, directed=True)
    depth = np.where(np.isfinite(hops), hops, -1).astype(np.int64)
    receiving = node_up
    if hijacked is not None and hijacked.any():
        receiving = node_up & (hijacked[arrays.region_of_node] == 0)
    demand = np.where(receiving, demand_gbps, 0.0)
    through = np.zeros(n + 1)
    through[reached] = demand[reached]
    levels = tree_levels(reached, depth[reached])
    for nodes in reversed(levels):  # deepest first: add each subtree to its parent
        np.add.at(through, pred[nodes], through[nodes])
    edge_cap = np.asarray(bundle[pred[reached], reached]).ravel()
    ratio = np.ones(n + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio[reached] = np.where(
            through[reached] > 0, np.minimum(1.0, edge_cap / through[reached]), 1.0
        )
    delivered = np.zeros(n + 1)
    delivered[source] = 1.0
    for nodes in levels:  # top down: the bottleneck on the path so far
        delivered[nodes] = np.minimum(delivered[pred[nodes]], ratio[nodes])
    total = float(demand_gbps.sum())
    carried = float((demand[:n] * delivered[:n]).sum())
    path_ms, mean_ms = None, float("nan")
    if with_latency:
        path_ms = _path_latency(latency, pred, reached, levels, source)[:n]
        routed = np.isfinite(path_ms) & (demand > 0)
        if routed.any():
            mean_ms = float(np.average(path_ms[routed], weights=demand[routed]))
    return RoutedTraffic(
        through_gbps=through[:n],
        delivered_share=delivered[:n],
        carried_frac=carried / total if total > 0 else float("nan"),
        latency_ms=path_ms,
        mean_latency_ms=mean_ms,
    )


def _path_latency(latency, pred, reached, levels, source) -> np.ndarray:
    """One-way latency from the super-source along the tree, ms (NaN unreachable)."""
    path = np.full(len(pred), np.nan)
    path[source] = 0.0
    hop = np.zeros(len(pred))
    hop[reached] = np.asarray(latency[pred[reached], reached]).ravel()
    for nodes in levels:  # top down
        path[nodes] = path[pred[nodes]] + hop[nodes]
    return path


def overloaded_nodes(
    through_gbps: np.ndarray, initial_gbps: np.ndarray, alpha: float, node_up: np.ndarray
) -> np.ndarray:
    """Up nodes whose load exceeds ``(1 + alpha)`` x their initial load.

    The engine's default load is the demand routed through the node (a demand-weighted
    betweenness on the gateway tree, rather than all-pairs betweenness); with
    ``overload.load: betweenness`` it is the all-pairs betweenness of
    :mod:`resilience_sim.engine.motter_lai`. Nodes that carried nothing initially never
    overload.

    Parameters
    ----------
    through_gbps : numpy.ndarray
        ``(n_nodes,)`` float, the current load (Gbit/s, or betweenness).
    initial_gbps : numpy.ndarray
        ``(n_nodes,)`` float, the load in the undamaged network, same unit.
    alpha : float
        Tolerance, >= 0.
    node_up : numpy.ndarray
        ``(n_nodes,)`` bool, the working nodes.

    Returns
    -------
    numpy.ndarray
        int64 indices of the overloaded up nodes, ascending.
    """
    return np.flatnonzero(
        node_up & (initial_gbps > 0) & (through_gbps > (1 + alpha) * initial_gbps)
    )
