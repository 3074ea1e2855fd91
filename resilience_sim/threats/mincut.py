"""The min-cut attacker: which ``k`` links to cut to cut off the most users (threats layer).

Users are the population of up nodes that reach an *anchor* (an international node, or a
core node) on the live network; anchors' own users cannot be cut off by cutting links.
Choosing the ``k`` links that disconnect the most users is a budgeted cut problem (NP-hard
in general). The attacker solves its Lagrangian relaxation exactly by parametric minimum
cuts: for a price ``c`` (users one cut link is worth), the cut maximising
``users cut off - c x links cut`` is a minimum s-t cut of the network

    super-source --inf--> every anchor;  link --1 unit per c users--> (both directions);
    user node v --pop_v--> super-sink;   links the attacker cannot cut: inf.

Sweeping ``c`` geometrically (factor sqrt 2) from the total population down to below the
smallest user's share per link gives the cuts on the upper convex hull of (links cut,
users cut off); the attacker takes the best one within the budget, applies it, and repeats
on what is left with the remaining budget until nothing more can be cut off. When the
minimum cut separating every user is within the budget this returns a minimum cut
(exactly); between hull points it is a heuristic.

Cost: about ``2 log2(total_pop x n_links / min_pop)`` ``scipy.sparse.csgraph.maximum_flow``
calls per round (~50 for a national network). Done once per study (the plan is cached).
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import breadth_first_order, maximum_flow

from resilience_sim.threats.graph import live_links, reaching
from resilience_sim.topology.compile import NetworkArrays

_SCALE = 1_000_000  # total user population, in capacity units of maximum_flow (int32)
_INF = np.iinfo(np.int32).max // 4  # larger than any finite cut


def users_cut_off(
    arrays: NetworkArrays, asset_up: np.ndarray, anchors: np.ndarray, cut_links: np.ndarray
) -> float:
    """Users reaching ``anchors`` now who do not once the links ``cut_links`` (link
    positions) are cut.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    asset_up : numpy.ndarray
        ``(n_assets,)`` bool: which assets are up.
    anchors : numpy.ndarray
        ``(n_nodes,)`` bool mask of anchor nodes.
    cut_links : numpy.ndarray
        Link positions cut.

    Returns
    -------
    float
        Users, count.
    """
    before = reaching(arrays, asset_up, anchors)
    trial = asset_up.copy()
    trial[arrays.n_nodes + np.asarray(cut_links, dtype=np.int64)] = False
    after = reaching(arrays, trial, anchors)
    return float(arrays.population[before & ~after].sum())


def min_cut_attack(
    arrays: NetworkArrays,
    asset_up: np.ndarray,
    anchors: np.ndarray,
    budget_links: int,
    cuttable: np.ndarray,
) -> np.ndarray:
    """Link positions (sorted) the attacker cuts, at most ``budget_links`` of them.

    ``anchors``: bool mask over nodes; ``cuttable``: bool mask over links the attacker can
    reach. See the module docstring for the method.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    asset_up : numpy.ndarray
        ``(n_assets,)`` bool: which assets are up.
    anchors : numpy.ndarray
        ``(n_nodes,)`` bool mask of anchor nodes.
    budget_links : int
        Most links cut.
    cuttable : numpy.ndarray
        ``(n_links,)`` bool: links the attacker can reach.

    Returns
    -------
    numpy.ndarray
        Sorted link positions.
    """
    up = asset_up.copy()
    chosen: list[int] = []
    budget = budget_links
    while budget > 0:
        cut = _best_hull_cut(arrays, up, anchors, budget, cuttable)
        if len(cut) == 0:
            break
        chosen.extend(cut.tolist())
        up[arrays.n_nodes + cut] = False
        budget -= len(cut)
    return np.sort(np.asarray(chosen, dtype=np.int64))


def _best_hull_cut(
    arrays: NetworkArrays,
    asset_up: np.ndarray,
    anchors: np.ndarray,
    budget: int,
    cuttable: np.ndarray,
) -> np.ndarray:
    """Among the parametric minimum cuts with at most ``budget`` links, the one cutting off
    the most users (then the fewest links); empty if none cuts off anyone."""
    served = reaching(arrays, asset_up, anchors)
    users = served & (arrays.population > 0) & ~anchors
    live = live_links(arrays, asset_up)
    usable = live & cuttable
    if not users.any() or not usable.any():
        return np.empty(0, dtype=np.int64)
    total = float(arrays.population[users].sum())
    smallest = float(arrays.population[users].min())
    best: tuple[float, int, tuple[int, ...]] = (0.0, 0, ())
    seen: set[tuple[int, ...]] = set()
    price = total
    while price >= smallest / (usable.sum() + 1):
        cut = _parametric_cut(arrays, asset_up, anchors, users, live, usable, price / total)
        price /= np.sqrt(2.0)
        key = tuple(cut.tolist())
        if key in seen or not 0 < len(cut) <= budget:
            continue
        seen.add(key)
        lost = users_cut_off(arrays, asset_up, anchors, cut)
        if (lost, -len(cut)) > (best[0], -best[1]) and lost > 0:
            best = (lost, len(cut), key)
    return np.asarray(best[2], dtype=np.int64)


def _parametric_cut(
    arrays: NetworkArrays,
    asset_up: np.ndarray,
    anchors: np.ndarray,
    users: np.ndarray,
    live: np.ndarray,
    usable: np.ndarray,
    price_share: float,
) -> np.ndarray:
    """Link positions of a minimum cut at a price of ``price_share`` x total users per link."""
    n = arrays.n_nodes
    source, sink = n, n + 1
    link_cap = np.where(usable, max(1, round(price_share * _SCALE)), _INF)[live]
    src, dst = arrays.link_src[live], arrays.link_dst[live]
    user_idx = np.flatnonzero(users)
    pop = arrays.population[user_idx]
    user_cap = np.maximum(1, np.round(pop / pop.sum() * _SCALE)).astype(np.int64)
    anchor_idx = np.flatnonzero(anchors & asset_up[:n])
    rows = np.concatenate([src, dst, np.full(len(anchor_idx), source), user_idx])
    cols = np.concatenate([dst, src, anchor_idx, np.full(len(user_idx), sink)])
    caps = np.concatenate([link_cap, link_cap, np.full(len(anchor_idx), _INF), user_cap])
    graph = coo_matrix((caps.astype(np.int64), (rows, cols)), shape=(n + 2, n + 2)).tocsr()
    graph.data = np.minimum(graph.data, _INF).astype(np.int32)  # parallel links add up
    flow = maximum_flow(graph, source, sink).flow
    residual = csr_matrix(graph.astype(np.int64) - flow.astype(np.int64))
    residual.data[residual.data < 0] = 0
    residual.eliminate_zeros()
    reached = np.zeros(n + 2, dtype=bool)
    reached[breadth_first_order(residual, source, directed=True, return_predecessors=False)] = True
    positions = np.flatnonzero(live)
    crossing = reached[arrays.link_src[positions]] != reached[arrays.link_dst[positions]]
    return positions[crossing & usable[positions]]
