"""Replay a run folder's event logs on its topology snapshot, for the map and equity sections.

Reports stage. Per-node outage hours come from :mod:`resilience_sim.metrics.equity`
(one connected-components pass per distinct event time). A study with many
replications or of a large network is replayed in part: replications are taken in
index order (their seeds are independent, so this is a random sample) until
``EVAL_BUDGET`` node-evaluations (distinct event times x assets, summed) are
spent or ``MAX_REPLAYED`` replications taken; the representative (median)
replication is always replayed first. The event log is read in chunks of whole
replications, so memory holds the outage hours of the replayed replications, not
the study's events.

With operators, the same replications also go through the per-operator service model
(:func:`~resilience_sim.engine.operator_service_fast.served_per_operator` with
``per_unit=True``, then :func:`~resilience_sim.metrics.equity.unit_outage`): outage hours
of every unit (operator x place), for the map's operator selector and the per-operator
equity curves (docs/operators.md, "In the report"). One pass over the event log builds
each replayed replication's log once for both models.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from resilience_sim.engine.operator_service_fast import served_per_operator
from resilience_sim.engine.operators import OperatorModel, OperatorServed, baseline_unit_served
from resilience_sim.experiments.study import StudyContext
from resilience_sim.metrics.equity import (
    MAX_REPLAYED,
    node_outage_hours,
    replication_logs,
    unit_outage,
)
from resilience_sim.reports.run_folder import RunFolder, median_replication
from resilience_sim.scenario import Scenario
from resilience_sim.topology import NetworkArrays, Topology

EVAL_BUDGET = 3e8  # node-evaluations; ~30 s of connected-components passes on 2 cores
# The events table's columns the replay reads (not the causes).
_REPLAY_COLUMNS = ("time_h", "asset", "asset_kind", "event", "capacity_frac")


@dataclass(frozen=True)
class OperatorReplay:
    """Outage hours per unit (operator x place) of the replayed replications.

    ``ids``/``names`` per operator; units ``(n_units,)``: ``unit_node`` (node index),
    ``unit_op`` (index into ``ids``), ``unit_users`` (users served in the undamaged
    network); ``outage_h (len(replications), n_units)`` hours
    (:func:`~resilience_sim.metrics.equity.unit_outage`), NaN for units the undamaged
    network does not serve; ``model`` the study's operator model;
    ``representative_served`` the representative replication through it
    (``served_per_operator(..., per_unit=True)``, for the map).
    """

    model: OperatorModel
    names: tuple[str, ...]
    unit_users: np.ndarray
    outage_h: np.ndarray
    representative_served: OperatorServed

    @property
    def ids(self) -> tuple[str, ...]:
        """The operators' ids (``model.ids``)."""
        return self.model.ids

    @property
    def unit_node(self) -> np.ndarray:
        """``(n_units,)`` node index of each unit (``model.unit_node``)."""
        return self.model.unit_node

    @property
    def unit_op(self) -> np.ndarray:
        """``(n_units,)`` index into ``ids`` of each unit's operator (``model.unit_op``)."""
        return self.model.unit_op

    @property
    def representative_outage_h(self) -> np.ndarray:
        """``(n_units,)`` outage hours of the representative replication."""
        return self.outage_h[0]


@dataclass(frozen=True)
class RunReplay:
    """Per-node outage hours of the replayed replications.

    ``replications`` lists the replayed ones (the representative first);
    ``outage_h (len(replications), n_nodes)`` hours without domestic service, NaN
    for nodes the undamaged network does not serve; ``n_replications`` in the run;
    ``operators``: the same replications per operator (None without operators).
    """

    topology: Topology
    arrays: NetworkArrays
    representative: int
    replications: list[int]
    outage_h: np.ndarray
    n_replications: int
    operators: OperatorReplay | None = None

    @property
    def representative_outage_h(self) -> np.ndarray:
        """``(n_nodes,)`` outage hours of the representative replication."""
        return self.outage_h[0]


def replay_run(run: RunFolder) -> RunReplay | None:
    """Replay ``run`` within the budget; None when the folder has no topology snapshot.

    The arrays are rebuilt as the study built them (the scenario's stopgap links
    added, on standby), so the event log's asset ids and states match.

    Parameters
    ----------
    run : RunFolder
        The run folder.

    Returns
    -------
    RunReplay or None
        The replay, or None.
    """
    if run.topology is None:
        return None
    scenario = Scenario.from_dict(run.scenario, run.topology, str(run.path / "scenario.json"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the run already warned about its inputs
        context = StudyContext.build(scenario)
    arrays = context.arrays
    representative = median_replication(run.summary)
    distinct = _distinct_times(run)
    chosen = _within_budget(distinct, run.replications, representative, arrays.n_assets)
    hours, operators = _replay_hours(run, context, chosen)
    return RunReplay(
        topology=context.topology,
        arrays=arrays,
        representative=representative,
        replications=chosen,
        outage_h=hours,
        n_replications=len(run.replications),
        operators=operators,
    )


def _replay_hours(
    run: RunFolder, context: StudyContext, chosen: list[int]
) -> tuple[np.ndarray, OperatorReplay | None]:
    """Node outage hours (:func:`~resilience_sim.metrics.equity.replication_outage_hours`)
    of the ``chosen`` replications (rows in that order) and, with operators, their units'
    (:func:`~resilience_sim.metrics.equity.replication_unit_outage_hours`), reading the
    events a chunk at a time, once: each replication's log is built once for both."""
    arrays, model = context.arrays, context.operator_model
    baseline = baseline_unit_served(arrays, model) if model is not None else None
    node_rows: dict[int, np.ndarray] = {}
    unit_rows: dict[int, np.ndarray] = {}
    served_rows: dict[int, OperatorServed] = {}
    cache: dict[bytes, np.ndarray] = {}  # shared: the same states recur across chunks

    def replay(events: pd.DataFrame, reps: list[int]) -> None:
        for rep, log in zip(reps, replication_logs(arrays, events, reps), strict=True):
            node_rows[rep] = node_outage_hours(arrays, log, run.horizon_h, cache)
            if model is not None:
                served = served_per_operator(arrays, model, log, per_unit=True)
                unit_rows[rep] = unit_outage(served, baseline, run.horizon_h)[1]
                if rep == chosen[0]:  # the representative: the map replays it
                    served_rows[rep] = served

    wanted = set(chosen)
    for chunk in run.iter_replications("events", _REPLAY_COLUMNS):
        replay(chunk, [int(r) for r in pd.unique(chunk.replication) if int(r) in wanted])
    quiet = [r for r in chosen if r not in node_rows]  # replications in which nothing happened
    if quiet:
        replay(run.empty_table("events"), quiet)
    hours = np.vstack([node_rows[r] for r in chosen]) if chosen else np.empty((0, arrays.n_nodes))
    if model is None:
        return hours, None
    names = {op.id: op.name or op.id for op in context.scenario.spec.operators}
    operators = OperatorReplay(
        model=model,
        names=tuple(names.get(i, i) for i in model.ids),
        unit_users=baseline,
        outage_h=np.vstack([unit_rows[r] for r in chosen]),
        representative_served=served_rows[chosen[0]],
    )
    return hours, operators


def _distinct_times(run: RunFolder) -> pd.Series:
    """Distinct event times per replication (replications with events only)."""
    parts = [
        chunk.groupby("replication").time_h.nunique()
        for chunk in run.iter_replications("events", ["time_h"])
    ]
    return pd.concat(parts) if parts else pd.Series(dtype=np.int64)


def _within_budget(
    distinct: pd.Series, replications: list[int], first: int, n_assets: int
) -> list[int]:
    """Replications to replay: ``first``, then the others in index order, within
    ``EVAL_BUDGET`` node-evaluations and ``MAX_REPLAYED`` replications."""
    order = [first] + [r for r in replications if r != first]
    chosen, spent = [], 0.0
    for rep in order:
        cost = (int(distinct.get(rep, 0)) + 1) * n_assets
        if chosen and (spent + cost > EVAL_BUDGET or len(chosen) >= MAX_REPLAYED):
            break
        chosen.append(rep)
        spent += cost
    return chosen
