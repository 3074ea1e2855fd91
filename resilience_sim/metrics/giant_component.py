"""Largest connected component over time: the whole network, per region, per operator.

Metrics stage. Replays a replication's event log (:func:`~resilience_sim.engine.replay.replay`)
and, once per distinct event time, takes one ``scipy.sparse.csgraph.connected_components``
pass per scope over the live network (up links whose two end nodes are up):

- ``total``: the whole network;
- ``region``: each region's own subgraph (its nodes and the live links between two of
  them), all regions in one pass (links across regions are dropped);
- ``operator``: each operator's subgraph likewise (nodes with ``Node.operator`` set; links
  between two nodes of the operator, whatever the link's own operator).

``largest_component_frac`` is the largest component's node count over the scope's node
count (standby stopgap links count once deployed), which is what percolation theory
predicts: for an Erdos-Renyi graph of mean degree k the giant fraction S solves
S = 1 - exp(-k S), and with a share p of nodes kept at random, S = p (1 - exp(-k S)).
Cost: 1 to 3 passes per distinct event time, so it is opt-in (``output.giant_component``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from resilience_sim.engine.replay import replay
from resilience_sim.engine.state import EventArrays
from resilience_sim.topology.compile import NetworkArrays

COLUMNS = (
    "replication",
    "time_h",
    "scope",
    "group",
    "largest_component_nodes",
    "nodes",
    "largest_component_frac",
)


def largest_per_group(
    n_nodes: int,
    link_src: np.ndarray,
    link_dst: np.ndarray,
    asset_up: np.ndarray,
    group: np.ndarray,
    n_groups: int,
) -> np.ndarray:
    """Node count of the largest live component inside each group, ``(n_groups,)`` int.

    ``group (n_nodes,)`` is each node's group (-1: in none); only live links (up, both
    ends up) between two nodes of the same group count. One components pass.

    Parameters
    ----------
    n_nodes : int
        Nodes in the network.
    link_src, link_dst : numpy.ndarray
        ``(n_links,)`` end node indices.
    asset_up : numpy.ndarray
        ``(n_nodes + n_links,)`` bool, nodes first: which assets are up.
    group : numpy.ndarray
        ``(n_nodes,)`` group of each node, -1 for none.
    n_groups : int
        Number of groups.

    Returns
    -------
    numpy.ndarray
        ``(n_groups,)`` int node counts.
    """
    node_up = asset_up[:n_nodes]
    live = asset_up[n_nodes:] & node_up[link_src] & node_up[link_dst]
    live &= (group[link_src] == group[link_dst]) & (group[link_src] >= 0)
    src, dst = link_src[live], link_dst[live]
    graph = coo_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n_nodes, n_nodes))
    n_comp, labels = connected_components(graph.tocsr(), directed=False)
    counted = node_up & (group >= 0)
    size = np.bincount(labels[counted], minlength=n_comp)
    comp_group = np.full(n_comp, -1, dtype=np.int64)
    comp_group[labels[counted]] = group[counted]
    largest = np.zeros(n_groups, dtype=np.int64)
    has = comp_group >= 0
    np.maximum.at(largest, comp_group[has], size[has])
    return largest


def giant_component_rows(
    replication: int,
    arrays: NetworkArrays,
    events: EventArrays,
    operator_of_node: np.ndarray | None = None,
    operators: tuple[str, ...] = (),
) -> pd.DataFrame:
    """The giant-component table of one replication (columns :data:`COLUMNS`).

    A row for every scope and group at t = 0, then only where a group's largest
    component changed. ``operator_of_node (n_nodes,)`` indexes ``operators`` (-1: none).

    Parameters
    ----------
    replication : int
        The replication number put on the rows.
    arrays : NetworkArrays
        The compiled network.
    events : EventArrays
        The replication's event log.
    operator_of_node : numpy.ndarray or None, default None
        ``(n_nodes,)`` operator index of each node, -1 for none.
    operators : tuple[str, ...], default ()
        Operator names.

    Returns
    -------
    pandas.DataFrame
        The table, columns :data:`COLUMNS`.
    """
    n = arrays.n_nodes
    scopes = [("total", ("",), np.zeros(n, dtype=np.int64))]
    scopes.append(("region", arrays.region_names, arrays.region_of_node.astype(np.int64)))
    if operator_of_node is not None and len(operators):
        scopes.append(("operator", operators, np.asarray(operator_of_node, dtype=np.int64)))
    sizes = [np.bincount(g[g >= 0], minlength=len(names)) for _, names, g in scopes]
    src, dst = arrays.link_src.astype(np.int64), arrays.link_dst.astype(np.int64)
    times, per_scope = [], [[] for _ in scopes]
    for state in replay(arrays, events):
        times.append(state.time_h)
        for rows, (_, names, group) in zip(per_scope, scopes, strict=True):
            rows.append(largest_per_group(n, src, dst, state.asset_up, group, len(names)))
    frames = []
    times_arr = np.asarray(times)
    for rows, (scope, names, _), size in zip(per_scope, scopes, sizes, strict=True):
        largest = np.vstack(rows)  # (n_times, n_groups)
        changed = np.ones(largest.shape, dtype=bool)
        changed[1:] = largest[1:] != largest[:-1]
        row, col = np.nonzero(changed)
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(size[col] > 0, largest[row, col] / size[col], np.nan)
        frames.append(
            pd.DataFrame(
                {
                    "replication": np.full(len(row), replication, dtype=np.int64),
                    "time_h": times_arr[row],
                    "scope": np.full(len(row), scope, dtype=object),
                    "group": np.asarray(names, dtype=object)[col],
                    "largest_component_nodes": largest[row, col],
                    "nodes": size[col].astype(np.int64),
                    "largest_component_frac": frac,
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)
    return table.sort_values(["time_h"], kind="stable", ignore_index=True)


def empty_table() -> pd.DataFrame:
    """The table with its columns and types but no rows (the scenario did not ask for it)."""
    return pd.DataFrame(
        {
            "replication": np.empty(0, np.int64),
            "time_h": np.empty(0),
            "scope": np.empty(0, dtype=object),
            "group": np.empty(0, dtype=object),
            "largest_component_nodes": np.empty(0, np.int64),
            "nodes": np.empty(0, np.int64),
            "largest_component_frac": np.empty(0),
        }
    )


def operator_index(operator_column: list[str | None]) -> tuple[np.ndarray, tuple[str, ...]]:
    """Each node's operator as an index into the sorted operator names (-1: none).

    Parameters
    ----------
    operator_column : list[str or None]
        Each node's operator, None for none.

    Returns
    -------
    tuple[numpy.ndarray, tuple[str, ...]]
        ``(index (n_nodes,), names)``.
    """
    names = tuple(sorted({o for o in operator_column if o is not None}))
    at = {o: i for i, o in enumerate(names)}
    return np.array([at.get(o, -1) if o is not None else -1 for o in operator_column]), names
