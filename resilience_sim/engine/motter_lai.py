"""Motter-Lai cascade on betweenness load (Motter & Lai, Phys. Rev. E 66, 065102, 2002).

Engine layer. The load of a node is its shortest-path betweenness over all pairs of
working nodes (every pair exchanging one unit along its shortest paths, split over
equal-length ones); its capacity is ``(1 + alpha)`` times its load in the undamaged
network. After a removal the loads are recomputed; nodes above capacity fail, which
shifts load again, until no node is overloaded. This is *separate* from the
demand-routed overload model (:func:`resilience_sim.engine.traffic.overloaded_nodes`:
load = international demand routed through a node on the gateway tree), which is the
one the engine uses by default; ``overload.load: betweenness`` selects this one.

Betweenness comes from :func:`resilience_sim.threats.graph.betweenness` (Brandes,
block-sparse). All pairs cost O(n_nodes x n_links) per evaluation (~3.5 s at 2,000 nodes);
``pivots`` samples the sources (every ``n / pivots``-th node, a fixed set so that load
differences are not sampling noise), scaled to an estimate of all pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from resilience_sim.threats.graph import betweenness, largest_component_share
from resilience_sim.topology.compile import NetworkArrays

OverloadLoad = Literal["demand", "betweenness"]


def pivot_nodes(n_nodes: int, pivots: int | None) -> np.ndarray | None:
    """A fixed, evenly spaced set of ``pivots`` source nodes (None: all nodes).

    Parameters
    ----------
    n_nodes : int
        Number of nodes.
    pivots : int or None
        How many sources to sample; None for all.

    Returns
    -------
    numpy.ndarray or None
        Sorted int64 node indices, or None when every node is a source (``pivots`` is
        None or at least ``n_nodes``).
    """
    if pivots is None or pivots >= n_nodes:
        return None
    return np.unique(np.linspace(0, n_nodes - 1, pivots).round().astype(np.int64))


def betweenness_load(
    arrays: NetworkArrays, asset_up: np.ndarray, pivots: np.ndarray | None = None
) -> np.ndarray:
    """Betweenness load of every node over the live network.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    asset_up : numpy.ndarray
        ``(n_assets,)`` bool, the working nodes and links.
    pivots : numpy.ndarray or None
        Source nodes (:func:`pivot_nodes`); only the up ones are used. None: all pairs.

    Returns
    -------
    numpy.ndarray
        ``(n_nodes,)`` float, the load (0 for down nodes).
    """
    sources = None
    if pivots is not None:
        sources = pivots[asset_up[pivots]]
    return betweenness(arrays, asset_up, sources, with_links=False)[0]


@dataclass(frozen=True)
class Cascade:
    """The end of a cascade: ``failed`` nodes by round (round 0: the removed ones) and
    ``g`` = largest component after / before (Motter and Lai's G = N'/N)."""

    failed: list[np.ndarray]
    g: float
    asset_up: np.ndarray


def motter_lai_cascade(
    arrays: NetworkArrays,
    removed: np.ndarray,
    alpha: float,
    asset_up: np.ndarray | None = None,
    pivots: np.ndarray | None = None,
) -> Cascade:
    """Remove nodes and run the Motter-Lai cascade to its end.

    Capacities are ``(1 + alpha)`` x the loads before removal.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    removed : numpy.ndarray
        Node indices removed at round 0 (int).
    alpha : float
        Tolerance parameter, >= 0: capacity = (1 + alpha) x initial load.
    asset_up : numpy.ndarray or None
        ``(n_assets,)`` bool starting state; None for the undamaged network (standby
        assets down). Not modified.
    pivots : numpy.ndarray or None
        Source nodes for the loads (:func:`pivot_nodes`); None: all pairs.

    Returns
    -------
    Cascade
        The failed nodes by round, G (largest component after / before, NaN if the
        starting network has none) and the final state.
    """
    up = (~arrays.standby if asset_up is None else asset_up).copy()
    before = largest_component_share(arrays, up)
    capacity = (1.0 + alpha) * betweenness_load(arrays, up, pivots)
    up[np.asarray(removed, dtype=np.int64)] = False
    failed = [np.asarray(removed, dtype=np.int64)]
    n = arrays.n_nodes
    while True:
        load = betweenness_load(arrays, up, pivots)
        tripped = np.flatnonzero(up[:n] & (load > capacity * (1 + 1e-12)))
        if len(tripped) == 0:
            break
        up[tripped] = False
        failed.append(tripped)
    after = largest_component_share(arrays, up)
    return Cascade(failed, after / before if before > 0 else float("nan"), up)
