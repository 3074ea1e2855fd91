"""Replay a run folder's event logs on its topology snapshot, for the map and equity sections.

Reports stage. Per-node outage hours come from :mod:`resilience_sim.metrics.equity`
(one connected-components pass per distinct event time). A study with many
replications of a large network is replayed in part: replications are taken in
index order (their seeds are independent, so this is a random sample) until
``EVAL_BUDGET`` node-evaluations (distinct event times x assets, summed) are
spent; the representative (median) replication is always replayed first.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from resilience_sim.experiments.study import StudyContext
from resilience_sim.metrics.equity import replication_outage_hours
from resilience_sim.reports.run_folder import RunFolder, median_replication
from resilience_sim.scenario import Scenario
from resilience_sim.topology import NetworkArrays, Topology

EVAL_BUDGET = 3e8  # node-evaluations; ~30 s of connected-components passes on 2 cores


@dataclass(frozen=True)
class RunReplay:
    """Per-node outage hours of the replayed replications.

    ``replications`` lists the replayed ones (the representative first);
    ``outage_h (len(replications), n_nodes)`` hours without domestic service, NaN
    for nodes the undamaged network does not serve; ``n_replications`` in the run.
    """

    topology: Topology
    arrays: NetworkArrays
    representative: int
    replications: list[int]
    outage_h: np.ndarray
    n_replications: int

    @property
    def representative_outage_h(self) -> np.ndarray:
        return self.outage_h[0]


def replay_run(run: RunFolder) -> RunReplay | None:
    """Replay ``run`` within the budget; None when the folder has no topology snapshot.

    The arrays are rebuilt as the study built them (the scenario's stopgap links
    added, on standby), so the event log's asset ids and states match.
    """
    if run.topology is None:
        return None
    scenario = Scenario.from_dict(run.scenario, run.topology, str(run.path / "scenario.json"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the run already warned about its inputs
        context = StudyContext.build(scenario)
    arrays = context.arrays
    representative = median_replication(run.summary)
    chosen = _within_budget(run.events, run.replications, representative, arrays.n_assets)
    hours = replication_outage_hours(arrays, run.events, run.horizon_h, chosen)
    return RunReplay(
        topology=context.topology,
        arrays=arrays,
        representative=representative,
        replications=chosen,
        outage_h=hours,
        n_replications=len(run.replications),
    )


def _within_budget(
    events: pd.DataFrame, replications: list[int], first: int, n_assets: int
) -> list[int]:
    distinct = events.groupby("replication").time_h.nunique()
    order = [first] + [r for r in replications if r != first]
    chosen, spent = [], 0.0
    for rep in order:
        cost = (int(distinct.get(rep, 0)) + 1) * n_assets
        if chosen and spent + cost > EVAL_BUDGET:
            break
        chosen.append(rep)
        spent += cost
    return chosen
