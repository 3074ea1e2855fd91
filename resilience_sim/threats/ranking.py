"""How an attacker ranks candidate assets on the (possibly damaged) network (threats layer).

A scorer maps ``(arrays, asset_up, candidates)`` to one score per candidate (higher is
attacked first); ``candidates`` are asset indices, all nodes or all links. Scores are
computed on the live network given by ``asset_up`` (see :mod:`resilience_sim.threats.graph`),
so an adaptive attacker calls the same scorer again after every removal.

- ``degree``: a node's number of live links; a link's number of live links touching it
  (degree of both ends minus 2): the edge degree.
- ``betweenness``: hop-count shortest-path betweenness (exact, or from random pivots).
- ``population``: users who lose domestic or international service if this asset alone
  goes down now (one connected-components pass per candidate and service).
- ``international_capacity``: Gbit/s of the asset's live links abroad, a link abroad being
  one with exactly one end at an international node (what an attacker reads off a cable
  map: landing stations, earth stations and the cables themselves).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from resilience_sim.threats.graph import (
    betweenness,
    live_links,
    node_degree,
    served_users,
)
from resilience_sim.topology.compile import NetworkArrays

Scorer = Callable[[NetworkArrays, np.ndarray, np.ndarray], np.ndarray]


def degree_score(arrays: NetworkArrays, asset_up: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Node degree, or edge degree for link candidates (0 for a dead link).

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    asset_up : numpy.ndarray
        ``(n_assets,)`` bool: which assets are up.
    candidates : numpy.ndarray
        Asset indices.

    Returns
    -------
    numpy.ndarray
        ``(len(candidates),)`` scores.
    """
    n = arrays.n_nodes
    degree = node_degree(arrays, asset_up)
    is_node = candidates < n
    score = np.zeros(len(candidates))
    score[is_node] = degree[candidates[is_node]]
    links = candidates[~is_node] - n
    live = live_links(arrays, asset_up)[links]
    edge_degree = degree[arrays.link_src[links]] + degree[arrays.link_dst[links]] - 2
    score[~is_node] = np.where(live, edge_degree, 0)
    return score


def betweenness_scorer(pivots: int | None, rng: np.random.Generator) -> Scorer:
    """A betweenness scorer: exact, or estimated from ``pivots`` up nodes drawn per call.

    Parameters
    ----------
    pivots : int or None
        Pivot nodes per call (None: exact).
    rng : numpy.random.Generator
        Draws the pivots.

    Returns
    -------
    Scorer
        The scorer.
    """

    def score(arrays: NetworkArrays, asset_up: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        sources = None
        if pivots is not None:
            up_nodes = np.flatnonzero(asset_up[: arrays.n_nodes])
            sources = rng.choice(up_nodes, size=min(pivots, len(up_nodes)), replace=False)
        with_links = bool((candidates >= arrays.n_nodes).any())
        node_bc, link_bc = betweenness(arrays, asset_up, sources, with_links=with_links)
        return np.concatenate([node_bc, link_bc])[candidates]

    return score


def population_score(
    arrays: NetworkArrays, asset_up: np.ndarray, candidates: np.ndarray
) -> np.ndarray:
    """Users who lose domestic or international service if the candidate alone goes down.

    Cost: two connected-components passes per candidate, ``O(n_candidates x n_links)``.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    asset_up : numpy.ndarray
        ``(n_assets,)`` bool: which assets are up.
    candidates : numpy.ndarray
        Asset indices.

    Returns
    -------
    numpy.ndarray
        ``(len(candidates),)`` users.
    """
    domestic, international = served_users(arrays, asset_up)
    score = np.zeros(len(candidates))
    trial = asset_up.copy()
    for i, asset in enumerate(candidates):
        if not asset_up[asset]:
            continue
        trial[asset] = False
        dom, intl = served_users(arrays, trial)
        trial[asset] = True
        lost = (domestic & ~dom) | (international & ~intl)
        score[i] = float(arrays.population[lost].sum())
    return score


def international_capacity_score(
    arrays: NetworkArrays, asset_up: np.ndarray, candidates: np.ndarray
) -> np.ndarray:
    """Gbit/s of live links abroad at a node (none for international nodes), or of the
    link itself if it is a live link abroad.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    asset_up : numpy.ndarray
        ``(n_assets,)`` bool: which assets are up.
    candidates : numpy.ndarray
        Asset indices.

    Returns
    -------
    numpy.ndarray
        ``(len(candidates),)`` Gbit/s.
    """
    n = arrays.n_nodes
    intl = arrays.is_international
    abroad = live_links(arrays, asset_up) & (intl[arrays.link_src] != intl[arrays.link_dst])
    capacity = np.where(abroad, arrays.link_capacity_gbps, 0.0)
    at_node = np.bincount(arrays.link_src, weights=capacity, minlength=n) + np.bincount(
        arrays.link_dst, weights=capacity, minlength=n
    )
    at_node[intl] = 0.0
    return np.concatenate([at_node, capacity])[candidates]


def scorer_for(rank_by: str, rng: np.random.Generator, pivots: int | None = None) -> Scorer:
    """The scorer of a ``rank_by`` name other than ``random``.

    Parameters
    ----------
    rank_by : str
        ``degree``, ``betweenness``, ``population`` or ``international_capacity``.
    rng : numpy.random.Generator
        Draws betweenness pivots.
    pivots : int or None, default None
        Betweenness pivots per call (None: exact).

    Returns
    -------
    Scorer
        The scorer.
    """
    if rank_by == "betweenness":
        return betweenness_scorer(pivots, rng)
    return {
        "degree": degree_score,
        "population": population_score,
        "international_capacity": international_capacity_score,
    }[rank_by]


def rank(scores: np.ndarray) -> np.ndarray:
    """Positions of ``scores`` from highest to lowest; ties keep their order.

    Parameters
    ----------
    scores : numpy.ndarray
        Scores.

    Returns
    -------
    numpy.ndarray
        Positions, highest score first.
    """
    return np.argsort(-np.asarray(scores, dtype=float), kind="stable")
