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
(:func:`~resilience_sim.metrics.equity.replication_unit_outage_hours`): outage hours of
every unit (operator x place), for the map's operator selector and the per-operator
equity curves (docs/operators.md, "In the report").
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from resilience_sim.engine.operators import OperatorModel, baseline_unit_served
from resilience_sim.experiments.study import StudyContext
from resilience_sim.metrics.equity import (
    MAX_REPLAYED,
    replication_outage_hours,
    replication_unit_outage_hours,
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
    network does not serve; ``model`` the study's operator model (the map replays the
    representative replication through it).
    """

    model: OperatorModel
    ids: tuple[str, ...]
    names: tuple[str, ...]
    unit_node: np.ndarray
    unit_op: np.ndarray
    unit_users: np.ndarray
    outage_h: np.ndarray

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
    hours = _outage_hours(run, arrays, chosen)
    operators = None
    if context.operator_model is not None:
        operators = _operator_replay(run, context, chosen)
    return RunReplay(
        topology=context.topology,
        arrays=arrays,
        representative=representative,
        replications=chosen,
        outage_h=hours,
        n_replications=len(run.replications),
        operators=operators,
    )


def _operator_replay(run: RunFolder, context: StudyContext, chosen: list[int]) -> OperatorReplay:
    """Unit outage hours of the ``chosen`` replications (rows in that order)."""
    arrays, model = context.arrays, context.operator_model
    assert model is not None
    baseline = baseline_unit_served(arrays, model)
    wanted, rows = set(chosen), {}
    for chunk in run.iter_replications("events", _REPLAY_COLUMNS):
        here = [int(r) for r in pd.unique(chunk.replication) if int(r) in wanted]
        hours = replication_unit_outage_hours(arrays, model, baseline, chunk, run.horizon_h, here)
        rows.update(zip(here, hours, strict=True))
    quiet = [r for r in chosen if r not in rows]
    if quiet:
        empty = run.empty_table("events")
        hours = replication_unit_outage_hours(arrays, model, baseline, empty, run.horizon_h, quiet)
        rows.update(zip(quiet, hours, strict=True))
    names = {op.id: op.name or op.id for op in context.scenario.spec.operators}
    return OperatorReplay(
        model=model,
        ids=model.ids,
        names=tuple(names.get(i, i) for i in model.ids),
        unit_node=model.unit_node,
        unit_op=model.unit_op,
        unit_users=baseline,
        outage_h=np.vstack([rows[r] for r in chosen]) if chosen else np.empty((0, len(baseline))),
    )


def _distinct_times(run: RunFolder) -> pd.Series:
    """Distinct event times per replication (replications with events only)."""
    parts = [
        chunk.groupby("replication").time_h.nunique()
        for chunk in run.iter_replications("events", ["time_h"])
    ]
    return pd.concat(parts) if parts else pd.Series(dtype=np.int64)


def _outage_hours(run: RunFolder, arrays: NetworkArrays, chosen: list[int]) -> np.ndarray:
    """:func:`replication_outage_hours` of the ``chosen`` replications (rows in that
    order), reading the events a chunk at a time."""
    wanted, rows = set(chosen), {}
    cache: dict[bytes, np.ndarray] = {}  # shared: the same states recur across chunks
    for chunk in run.iter_replications("events", _REPLAY_COLUMNS):
        here = [int(r) for r in pd.unique(chunk.replication) if int(r) in wanted]
        hours = replication_outage_hours(arrays, chunk, run.horizon_h, here, cache)
        rows.update(zip(here, hours, strict=True))
    quiet = [r for r in chosen if r not in rows]  # replications in which nothing happened
    if quiet:
        empty = run.empty_table("events")
        hours = replication_outage_hours(arrays, empty, run.horizon_h, quiet, cache)
        rows.update(zip(quiet, hours, strict=True))
    return np.vstack([rows[r] for r in chosen]) if chosen else np.empty((0, arrays.n_nodes))


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
