"""N-k criticality: which single assets, shared-risk groups and pairs cut the most users.

Experiments layer (... -> engine -> metrics -> experiments -> reports -> cli). Every
failure set is evaluated exactly with :func:`resilience_sim.engine.served_masks` on the
compiled arrays: users lost = users served by the undamaged network - users served with
the set down (a failed node's own users count as lost), domestic and international.

k = 1 evaluates every asset (or group): one connected-components pass each.

k = 2 does not evaluate all pairs. A pair matters beyond its two members when it cuts
users that neither member cuts alone (its *excess* over the sum of the single losses is
positive); such a pair is a cut of the augmented graph (see
:mod:`resilience_sim.experiments.cut_structure`) in which neither element is a cut.
Candidates are found structurally and then evaluated exactly:

* assets: for every node and every non-bridge link ``a``, one DFS of the graph without
  ``a`` lists the bridges and articulation points there; a bridge that is no bridge of
  the whole graph, or an articulation point that cuts off a user it does not cut off
  alone, pairs with ``a``. Bridges of the whole graph never take part in such a pair:
  a simple path to the root never runs through a bridge unless that bridge alone cuts it.
* groups: two groups pair when their links' cycle-space labels have a dependency that
  neither group has alone (GF(2) rank of the union below the sum of the ranks).

Both tests run for the domestic and the international target sets. The result lists
pairs with a positive excess in either; pairs whose loss is just the sum of their
members' (two unrelated spurs) are left out.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from resilience_sim.engine import served_masks
from resilience_sim.errors import InputError
from resilience_sim.experiments.cut_structure import (
    AugmentedGraph,
    cycle_space_labels,
    dfs_cuts,
    gf2_rank,
)
from resilience_sim.experiments.risk_groups import (
    DEFAULT_BUFFER_KM,
    DEFAULT_MIN_SHARED_KM,
    RiskGroup,
    group_operators,
    risk_groups,
)
from resilience_sim.experiments.runfolder import (
    build_manifest,
    run_stem,
    utc_now,
    write_folder,
    write_manifest,
)
from resilience_sim.topology import NetworkArrays, Topology, compile_topology

By = Literal["asset", "srlg"]
AssetChoice = Literal["all", "nodes", "links"]
# relative tolerance on a population difference: losses are sums of floats
_REL_TOL = 1e-9
# seed of the cycle-space labels: a fixed internal constant, not a simulation stream;
# it only decides which candidate pairs are evaluated, never a result
_LABEL_SEED = 20250101


@dataclass
class CriticalityResult:
    """Ranked failure sets and the shared-risk groups used (``by = "srlg"``).

    ``table``: one row per failure set, most users lost first (see docs/experiments.md
    for the columns); ``groups``: every shared-risk group with its sources and links;
    ``n_candidates``: failure sets evaluated; ``n_possible``: failure sets of size k.
    """

    topology: Topology
    k: int
    by: By
    table: pd.DataFrame
    groups: pd.DataFrame
    n_candidates: int
    n_possible: int


class Evaluator:
    """Users lost when a set of assets is down, by exact evaluation with served_masks."""

    def __init__(self, arrays: NetworkArrays):
        self.arrays = arrays
        up = np.ones(arrays.n_assets, dtype=bool)
        dom, intl = served_masks(arrays, up)
        self.served_domestic = dom
        self.served_international = intl
        pop = arrays.population
        self.base = np.array([pop @ dom, pop @ intl])
        self.tolerance = _REL_TOL * max(1.0, float(pop.sum()))

    def served(self, assets: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """``(domestic, international)`` served masks over nodes with ``assets`` down.

        Parameters
        ----------
        assets : Sequence[int]
            Asset indices down.

        Returns
        -------
        tuple[numpy.ndarray, numpy.ndarray]
            ``(domestic (n_nodes,), international (n_nodes,))`` bool.
        """
        up = np.ones(self.arrays.n_assets, dtype=bool)
        up[list(assets)] = False
        return served_masks(self.arrays, up)

    def lost(self, assets: Sequence[int]) -> np.ndarray:
        """Users lost ``[domestic, international]`` with ``assets`` down, persons.

        Parameters
        ----------
        assets : Sequence[int]
            Asset indices down.

        Returns
        -------
        numpy.ndarray
            ``(2,)`` users lost.
        """
        dom, intl = self.served(assets)
        pop = self.arrays.population
        return self.base - np.array([pop @ dom, pop @ intl])


def criticality(
    topology: Topology,
    k: int = 1,
    by: By = "asset",
    buffer_km: float = DEFAULT_BUFFER_KM,
    min_shared_km: float = DEFAULT_MIN_SHARED_KM,
    assets: AssetChoice = "all",
) -> CriticalityResult:
    """Rank single failures (``k = 1``) or pairs (``k = 2``) of assets or shared-risk groups.

    ``assets`` (``by = "asset"`` only) limits the failure sets to nodes or to links;
    ``buffer_km`` and ``min_shared_km`` set how corridors are derived (risk_groups).

    Parameters
    ----------
    topology : Topology
        The network.
    k : int, default 1
        Failures per set, 1 or 2.
    by : By, default 'asset'
        ``asset`` (single assets) or ``srlg`` (shared-risk groups).
    buffer_km : float, default DEFAULT_BUFFER_KM
        Corridor half-width, km.
    min_shared_km : float, default DEFAULT_MIN_SHARED_KM
        Shortest shared length making a corridor, km.
    assets : AssetChoice, default 'all'
        ``all``, ``nodes`` or ``links``.

    Returns
    -------
    CriticalityResult
        The ranked failure sets.
    """
    if k not in (1, 2):
        raise InputError.single("<api>", "k", f"must be 1 or 2, got {k!r}")
    if by not in ("asset", "srlg"):
        raise InputError.single("<api>", "by", f"must be 'asset' or 'srlg', got {by!r}")
    if assets not in ("all", "nodes", "links"):
        raise InputError.single("<api>", "assets", f"must be all, nodes or links, got {assets!r}")
    if buffer_km < 0 or min_shared_km < 0:
        raise InputError.single("<api>", "buffer_km", "buffer and shared length must be >= 0")
    arrays = compile_topology(topology)
    evaluator = Evaluator(arrays)
    groups = risk_groups(topology, buffer_km, min_shared_km)
    group_table = groups_frame(groups, topology)
    if by == "asset":
        members = [[i] for i in range(arrays.n_assets)]
        names = [(arrays.asset_ids[i], arrays.asset_kinds[i]) for i in range(arrays.n_assets)]
        is_node = np.arange(arrays.n_assets) < arrays.n_nodes
        allowed = {"all": np.ones_like(is_node), "nodes": is_node, "links": ~is_node}[assets]
    else:
        members = [[arrays.asset_index[link_id] for link_id in g.link_ids] for g in groups]
        names = [(g.name, "; ".join(g.sources)) for g in groups]
        allowed = np.ones(len(groups), dtype=bool)
    singles = np.array([evaluator.lost(m) for m in members]).reshape(-1, 2)
    n_allowed = int(allowed.sum())
    if k == 1:
        keep = np.flatnonzero(allowed)
        table = _single_table([names[i] for i in keep], by, singles[keep], evaluator.base)
        return CriticalityResult(topology, 1, by, table, group_table, n_allowed, n_allowed)
    if by == "asset":
        pairs = asset_pair_candidates(arrays, evaluator)
    else:
        pairs = group_pair_candidates(arrays, members)
    pairs = {(a, b) for a, b in pairs if allowed[a] and allowed[b]}
    rows = []
    for a, b in sorted(pairs):
        lost = evaluator.lost(sorted(set(members[a]) | set(members[b])))
        excess = lost - singles[a] - singles[b]
        if (excess > evaluator.tolerance).any():
            rows.append((a, b, *lost, *excess))
    table = _pair_table(names, by, rows, evaluator.base)
    n_possible = n_allowed * (n_allowed - 1) // 2
    return CriticalityResult(topology, 2, by, table, group_table, len(pairs), n_possible)


def asset_pair_candidates(arrays: NetworkArrays, evaluator: Evaluator) -> set[tuple[int, int]]:
    """Asset pairs ``(i, j)``, ``i < j``, that may cut users neither cuts alone.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    evaluator : Evaluator
        Evaluates failure sets.

    Returns
    -------
    set[tuple[int, int]]
        Index pairs.
    """
    n = arrays.n_nodes
    pop = arrays.population
    candidates: set[tuple[int, int]] = set()
    single_served: dict[int, np.ndarray] = {}
    for metric, targets in enumerate((arrays.is_core, arrays.is_international)):
        graph = AugmentedGraph.build(arrays, targets)
        root = graph.root
        whole_bridges = set(dfs_cuts(graph).bridges())
        served_base = evaluator.served_domestic if metric == 0 else evaluator.served_international
        firsts = list(range(n)) + [n + e for e in range(arrays.n_links) if e not in whole_bridges]
        for a in firsts:
            if a < n:
                cuts = dfs_cuts(graph, removed_vertices=[a])
            else:
                cuts = dfs_cuts(graph, removed_edges=[a - n])
            for edge, child in cuts.bridges().items():
                new_bridge = edge < arrays.n_links and edge not in whole_bridges
                if new_bridge and (pop[cuts.subtree(child)] > 0).any():
                    candidates.add(tuple(sorted((a, n + edge))))
            for v, children in cuts.articulation_points(root).items():
                if v == a:
                    continue
                cut_off = np.concatenate([cuts.subtree(c) for c in children])
                cut_off = cut_off[(pop[cut_off] > 0) & served_base[cut_off]]
                if not len(cut_off):
                    continue
                key = (v, metric)
                if key not in single_served:
                    single_served[key] = evaluator.served([v])[metric]
                if single_served[key][cut_off].any():
                    candidates.add(tuple(sorted((a, v))))
    return candidates


def group_pair_candidates(arrays: NetworkArrays, members: list[list[int]]) -> set[tuple[int, int]]:
    """Group pairs ``(i, j)``, ``i < j``, whose links hold a cut that neither holds alone.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    members : list[list[int]]
        Asset indices of each group.

    Returns
    -------
    set[tuple[int, int]]
        Index pairs.
    """
    n = arrays.n_nodes
    rng = np.random.default_rng(_LABEL_SEED)
    candidates: set[tuple[int, int]] = set()
    for targets in (arrays.is_core, arrays.is_international):
        labels = cycle_space_labels(AugmentedGraph.build(arrays, targets), rng)
        sets = [[int(labels[i - n]) for i in m if i >= n] for m in members]
        ranks = [gf2_rank(s) for s in sets]
        active = [i for i, r in enumerate(ranks) if r > 0]  # all-bridge groups never pair
        for i, j in itertools.combinations(active, 2):
            if gf2_rank(sets[i] + sets[j]) < ranks[i] + ranks[j]:
                candidates.add((i, j))
    return candidates


def groups_frame(groups: list[RiskGroup], topology: Topology) -> pd.DataFrame:
    """The shared-risk groups as a table: name, sources, number of links, links, and the
    operators whose links they hold (``shared`` for links without an operator).

    Parameters
    ----------
    groups : list[RiskGroup]
        The shared-risk groups.
    topology : Topology
        The network.

    Returns
    -------
    pandas.DataFrame
        The table.
    """
    return pd.DataFrame(
        {
            "group": [g.name for g in groups],
            "sources": ["; ".join(g.sources) for g in groups],
            "n_links": [len(g.link_ids) for g in groups],
            "links": [" ".join(g.link_ids) for g in groups],
            "operators": [" ".join(group_operators(topology, g)) for g in groups],
        }
    )


def _shares(lost: np.ndarray, base: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(base > 0, lost / np.where(base > 0, base, 1.0), np.nan)


def _single_table(labels, by: By, singles: np.ndarray, base: np.ndarray) -> pd.DataFrame:
    name, detail = ("asset", "kind") if by == "asset" else ("group", "sources")
    table = pd.DataFrame(
        {
            name: [str(a) for a, _ in labels],
            detail: [str(b) for _, b in labels],
            "users_lost_domestic": singles[:, 0],
            "users_lost_international": singles[:, 1],
        }
    )
    return _ranked(table, base)


def _pair_table(labels, by: By, rows: list, base: np.ndarray) -> pd.DataFrame:
    name, detail = ("asset", "kind") if by == "asset" else ("group", "sources")
    rows_array = np.asarray([r[2:] for r in rows], dtype=float).reshape(-1, 4)
    table = pd.DataFrame(
        {
            f"{name}_a": [str(labels[r[0]][0]) for r in rows],
            f"{detail}_a": [str(labels[r[0]][1]) for r in rows],
            f"{name}_b": [str(labels[r[1]][0]) for r in rows],
            f"{detail}_b": [str(labels[r[1]][1]) for r in rows],
            "users_lost_domestic": rows_array[:, 0],
            "users_lost_international": rows_array[:, 1],
            "excess_domestic": rows_array[:, 2],
            "excess_international": rows_array[:, 3],
        }
    )
    return _ranked(table, base)


def _ranked(table: pd.DataFrame, base: np.ndarray) -> pd.DataFrame:
    """Add shares of the undamaged service and rank: domestic loss, then international."""
    table["share_lost_domestic"] = _shares(table.users_lost_domestic.to_numpy(), base[0])
    table["share_lost_international"] = _shares(table.users_lost_international.to_numpy(), base[1])
    table = table.sort_values(
        ["users_lost_domestic", "users_lost_international"],
        ascending=False,
        kind="stable",
    ).reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table


CRITICALITY_FILES = ("criticality.parquet", "criticality.csv", "risk_groups.csv")


def write_criticality(result: CriticalityResult, results_dir: str | Path) -> Path:
    """Write ``criticality.parquet``/``.csv``, ``risk_groups.csv`` and ``manifest.json`` to a
    new folder under ``results_dir`` (atomically, like a run folder) and return its path.

    Parameters
    ----------
    result : CriticalityResult
        The criticality ranking.
    results_dir : str or Path
        The folder the new results folder goes in.

    Returns
    -------
    Path
        The new folder.
    """
    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    created = utc_now()
    stem = run_stem(f"{result.topology.name} criticality k{result.k} {result.by}", created)

    def fill(folder: Path) -> None:
        parquet, csv, groups = CRITICALITY_FILES
        result.table.to_parquet(folder / parquet, index=False)
        result.table.to_csv(folder / csv, index=False)
        result.groups.to_csv(folder / groups, index=False)
        fields = {
            "topology": result.topology.name,
            "k": result.k,
            "by": result.by,
            "failure_sets_possible": result.n_possible,
            "failure_sets_evaluated": result.n_candidates,
            "rows": len(result.table),
        }
        write_manifest(folder, build_manifest("criticality", created, fields, CRITICALITY_FILES))

    return write_folder(results_dir, stem, fill)
