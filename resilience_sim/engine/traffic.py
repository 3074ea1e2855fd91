"""Traffic on shortest paths: link loads, congestion and node loads for overload cascades.

International demand of every access node flows from the nearest international node
(fewest hops) along the breadth-first shortest-path tree over working links; parallel
links between two nodes act as one bundle with their capacities added. A bundle whose
load exceeds its capacity congests: the traffic through it is delivered in proportion
capacity / load (degraded service, not failure), and a node's delivered share is the
smallest such ratio on its path. Everything is vectorised by tree depth.

Simplifications: single shortest path per node (no load balancing over equal-cost
paths); hop count, not length or latency, defines "shortest".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import breadth_first_order, shortest_path

from resilience_sim.topology.compile import NetworkArrays


@dataclass(frozen=True)
class RoutedTraffic:
    """Loads and delivery on the shortest-path tree. Shapes ``(n_nodes,)``.

    ``through_gbps``: demand routed through each node (its own plus its subtree's;
    0 when unreachable); ``delivered_share``: share of the node's own demand delivered
    (0 when unreachable); ``carried_frac``: delivered / total demand.
    """

    through_gbps: np.ndarray
    delivered_share: np.ndarray
    carried_frac: float


def route_traffic(
    arrays: NetworkArrays,
    asset_up: np.ndarray,
    demand_gbps: np.ndarray,
    capacity_frac: np.ndarray | None = None,
    hijacked: np.ndarray | None = None,
) -> RoutedTraffic:
    """Route every access node's demand from the international nodes (see module doc).

    ``capacity_frac`` scales link capacities (DDoS); nodes of hijacked regions get
    nothing delivered (their demand still counts in the total).
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
    levels = [reached[depth[reached] == d] for d in range(1, int(depth.max()) + 1)]
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
    return RoutedTraffic(
        through_gbps=through[:n],
        delivered_share=delivered[:n],
        carried_frac=carried / total if total > 0 else float("nan"),
    )


def overloaded_nodes(
    through_gbps: np.ndarray, initial_gbps: np.ndarray, alpha: float, node_up: np.ndarray
) -> np.ndarray:
    """Motter-Lai: up nodes whose load exceeds ``(1 + alpha)`` x their initial load.

    Load is the demand routed through the node (a demand-weighted betweenness on the
    gateway shortest-path tree, rather than all-pairs betweenness); nodes that carried
    nothing initially never overload.
    """
    return np.flatnonzero(
        node_up & (initial_gbps > 0) & (through_gbps > (1 + alpha) * initial_gbps)
    )
