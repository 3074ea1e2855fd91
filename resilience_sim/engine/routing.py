"""Capacity-aware routing trees: widest paths with latency as the tie-break.

Engine layer, used by :mod:`resilience_sim.engine.traffic`. Traffic flows from a
super-source joined to every working international node over *bundles* (parallel live
links between two nodes, capacities added). ``widest`` routing gives every node a path of
the largest bottleneck capacity (the max-min path, exact: the path in a maximum
spanning tree); among the paths with that bottleneck its next hop is the one on the
latency-shortest path (Dijkstra over the bundles of at least that capacity), then the
fewest hops. So after a cable repair, traffic leaves a 1-hop satellite stopgap of
1 Gbit/s for a 2-hop repaired cable of 100 Gbit/s, which hop-count routing never does.

Cost: one minimum spanning tree plus one Dijkstra per distinct bottleneck capacity among
the nodes (a few: capacities come in a handful of sizes); all on scipy.sparse arrays.

Latency of a link: its ``latency_ms`` if set, else its length at the speed of light in
fibre (4.9 us/km for a group index of 1.468, a standard single-mode figure; `assumed`),
else 0. A bundle's latency is the capacity-weighted mean of its links'.
"""

from __future__ import annotations

import itertools
from typing import Literal

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import (
    breadth_first_order,
    dijkstra,
    minimum_spanning_tree,
    shortest_path,
)

Routing = Literal["shortest", "widest"]

MS_PER_KM = 1.468 / 299_792.458 * 1e3  # one-way fibre latency, ms per km (assumed n = 1.468)
_HOP_MS = 1e-6  # per-hop weight: fewest hops among equal latencies, keeps weights positive


def link_latency_ms(latency_ms: np.ndarray, length_km: np.ndarray) -> np.ndarray:
    """One-way latency per link, ms: given, else from the length, else 0.

    Parameters
    ----------
    latency_ms : numpy.ndarray
        ``(n_links,)`` float, the links' declared latency, ms (NaN: not given).
    length_km : numpy.ndarray
        ``(n_links,)`` float, the links' length, km (NaN: unknown).

    Returns
    -------
    numpy.ndarray
        ``(n_links,)`` float, ms (the length at :data:`MS_PER_KM` where no latency is given).
    """
    derived = np.where(np.isnan(length_km), 0.0, length_km * MS_PER_KM)
    return np.where(np.isnan(latency_ms), derived, latency_ms)


def bundle_latency(
    rows: np.ndarray, cols: np.ndarray, capacity: np.ndarray, latency: np.ndarray, size: int
) -> csr_matrix:
    """Capacity-weighted mean latency of the parallel links of each bundle.

    The plain mean where all the bundle's links have zero capacity.

    Parameters
    ----------
    rows, cols : numpy.ndarray
        ``(m,)`` int, the vertex pair of each (directed) link entry.
    capacity : numpy.ndarray
        ``(m,)`` float, each entry's capacity, Gbit/s (the weights).
    latency : numpy.ndarray
        ``(m,)`` float, each entry's one-way latency, ms.
    size : int
        Number of vertices (the matrix is ``size x size``).

    Returns
    -------
    scipy.sparse.csr_matrix
        ``(size, size)`` float, one entry per bundle, ms.
    """
    weight = np.where(capacity > 0, capacity, 0.0)
    cap_sum = coo_matrix((weight, (rows, cols)), shape=(size, size)).tocsr()
    lat_sum = coo_matrix((weight * latency, (rows, cols)), shape=(size, size)).tocsr()
    count = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(size, size)).tocsr()
    plain = coo_matrix((latency, (rows, cols)), shape=(size, size)).tocsr()
    out = count.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out.data = np.where(cap_sum.data > 0, lat_sum.data / cap_sum.data, plain.data / count.data)
    return out


def widest_tree(bundle: csr_matrix, latency: csr_matrix, source: int) -> np.ndarray:
    """Predecessor of every vertex on its widest path from ``source`` (-9999 unreachable).

    See the module doc for the tie-break.

    Parameters
    ----------
    bundle : scipy.sparse.csr_matrix
        ``(size, size)`` bundle capacities, Gbit/s (symmetric, ``inf`` on the
        super-source edges, which may go one way only).
    latency : scipy.sparse.csr_matrix
        ``(size, size)`` the bundles' latencies on the same entries, ms.
    source : int
        The source vertex (the super-source).

    Returns
    -------
    numpy.ndarray
        ``(size,)`` int64, predecessor of each vertex (-9999 for the source and
        unreachable vertices).
    """
    bundle = bundle.maximum(bundle.T).tocsr()  # the super-source edges go one way only
    latency = latency.maximum(latency.T).tocsr()
    coo = bundle.tocoo()
    bottleneck, reached = _bottleneck(bundle, source)
    weight = np.asarray(latency[coo.row, coo.col]).ravel() + _HOP_MS
    pred = np.full(bundle.shape[0], -9999, dtype=np.int64)
    for b in np.unique(bottleneck[reached])[::-1]:  # widest first
        keep = coo.data >= b
        graph = coo_matrix((weight[keep], (coo.row[keep], coo.col[keep])), shape=bundle.shape)
        _, via = dijkstra(graph.tocsr(), indices=source, return_predecessors=True)
        nodes = reached[bottleneck[reached] == b]
        pred[nodes] = via[nodes]
    return pred


def _bottleneck(bundle: csr_matrix, source: int) -> tuple[np.ndarray, np.ndarray]:
    """Largest bottleneck capacity from ``source`` to every vertex (-inf unreachable), and
    the reached vertices: the min capacity on the path in a maximum spanning tree."""
    size = bundle.shape[0]
    coo = bundle.tocoo()
    values = np.unique(coo.data)  # ascending; ranks make the weights positive integers
    flipped = len(values) + 1 - np.searchsorted(values, coo.data)
    tree = minimum_spanning_tree(coo_matrix((flipped, (coo.row, coo.col)), shape=coo.shape))
    tree = (tree + tree.T).tocsr()
    order, pred = breadth_first_order(tree, source, directed=False, return_predecessors=True)
    reached = order[1:]
    hops = shortest_path(tree, indices=source, unweighted=True, directed=False)
    depth = np.where(np.isfinite(hops), hops, -1).astype(np.int64)
    capacity = np.full(size, -np.inf)
    capacity[reached] = np.asarray(bundle[pred[reached], reached]).ravel()
    bottleneck = np.full(size, -np.inf)
    bottleneck[source] = np.inf
    for at in tree_levels(reached, depth[reached]):
        bottleneck[at] = np.minimum(bottleneck[pred[at]], capacity[at])
    return bottleneck, reached


def tree_levels(nodes: np.ndarray, depth: np.ndarray) -> list[np.ndarray]:
    """``nodes`` grouped by ``depth`` (1, 2, ...), each group in the given order.

    One stable sort, not a pass per level (widest-path trees can be thousands deep).

    Parameters
    ----------
    nodes : numpy.ndarray
        ``(k,)`` int, vertex indices.
    depth : numpy.ndarray
        ``(k,)`` int, depth of each in its tree, >= 1.

    Returns
    -------
    list of numpy.ndarray
        One int array per depth ``1..max(depth)`` (empty for a depth with no node);
        ``[]`` when ``nodes`` is empty.
    """
    if len(nodes) == 0:
        return []
    order = np.argsort(depth, kind="stable")
    bounds = np.searchsorted(depth[order], np.arange(1, int(depth.max()) + 2))
    return [nodes[order[a:b]] for a, b in itertools.pairwise(bounds)]
