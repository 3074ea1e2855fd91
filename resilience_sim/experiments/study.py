"""Run a scenario's replications and collect tidy result tables (experiments layer).

Everything that depends only on the topology and the scenario (compiled arrays,
undamaged baseline, the engine's compiled plan: crew plan, policy, closed areas,
stopgaps, ...) is built once per study as a :class:`StudyContext`;
each replication then draws from its own generators (see :mod:`resilience_sim.rng`).
Replications are cut into batches (:func:`plan_batches`) that an executor
(:mod:`resilience_sim.experiments.executors`) runs anywhere; the batch tables are put
back in replication order, so results do not depend on the executor, the number of
workers or the batch size.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from resilience_sim.engine import (
    EVENT_NAMES,
    CrewPlan,
    EventArrays,
    ReplicationPlan,
    ServedPopulation,
    baseline_population,
    compile_plan,
    plan_crews,
    simulate_planned,
)
from resilience_sim.engine.disconnection import Interdependency, compile_rules
from resilience_sim.engine.fast_service import served_over_time_fast
from resilience_sim.engine.fuel import FuelLog
from resilience_sim.engine.operator_service_fast import served_per_operator
from resilience_sim.engine.operators import (
    OperatorModel,
    OperatorServed,
    baseline_per_operator,
    operator_model_of,
)
from resilience_sim.errors import InputError
from resilience_sim.experiments.executors import Executor, ExecutorName, make_executor
from resilience_sim.experiments.runfolder.manifest import execution_record
from resilience_sim.hazards import sample_hazards, warn_unrepairable
from resilience_sim.metrics import (
    aggregate_summary,
    daily_outage_causes,
    empty_outage_causes,
    served_fraction,
    summarize_replication,
)
from resilience_sim.metrics.fuel_logistics import (
    empty_fuel_trips,
    empty_road_closures,
    fuel_trip_rows,
    road_closure_rows,
)
from resilience_sim.metrics.giant_component import empty_table as empty_giant_table
from resilience_sim.metrics.giant_component import giant_component_rows, operator_index
from resilience_sim.metrics.operators import (
    OPERATOR_SUMMARY_COLUMNS,
    operator_timeline,
    summarize_operators,
    with_operator_totals,
)
from resilience_sim.rng import replication_rngs, replication_seeds
from resilience_sim.scenario import Scenario
from resilience_sim.scenario.custom_policy import CustomPolicy
from resilience_sim.scenario.loader import check_custom_policy
from resilience_sim.scenario.recovery import with_stopgap_links
from resilience_sim.scenario.schema import ScenarioSpec
from resilience_sim.threats import THREAT_SAMPLERS
from resilience_sim.topology import NetworkArrays, Topology, compile_topology

TABLES = ("timeline", "events", "summary", "regional", "outage_causes")
# tables written only when the scenario asks for them (output.<name>); regional and
# outage_causes by default
OPTIONAL_TABLES = ("regional", "outage_causes", "giant_component")
# Per-operator tables: in every batch (empty without operators), written to a run folder
# only when the scenario declares operators (docs/operators.md).
OPERATOR_TABLES = ("operators", "operator_summary")
# Fuel logistics tables: in every batch (empty without power.fuel), written to a run folder
# only with power.fuel (road_closures only with power.fuel.roads; docs/power.md).
FUEL_TABLES = ("fuel_trips", "road_closures")
ALL_TABLES = (*TABLES, "giant_component", *OPERATOR_TABLES, *FUEL_TABLES)

# Batches per worker when the batch size is not given: several, so that a slow batch
# does not leave the other workers idle at the end and progress moves smoothly.
_BATCHES_PER_WORKER = 4
# At most this many replications per batch: the work an interrupted long study can
# lose per worker, and the granularity of its progress (assumed; ~2 s of work per batch
# for the shipped island scenario at ~20 ms of CPU per replication).
MAX_BATCH_SIZE = 100


def plan_options(
    spec: ScenarioSpec,
    topology: Topology,
    demand_gbps: np.ndarray,
    custom_policy: CustomPolicy | None,
    interdependency: Interdependency | None,
) -> dict[str, Any]:
    """The keyword options of :func:`~resilience_sim.engine.plan.compile_plan` for a
    scenario: the one place that maps the scenario's sections onto the plan's options.

    Parameters
    ----------
    spec : ScenarioSpec
        The scenario's settings.
    topology : Topology
        The study's topology (the scenario's, plus standby stopgap links).
    demand_gbps : numpy.ndarray
        ``(n_nodes,)`` international demand per node, Gb/s.
    custom_policy : CustomPolicy or None
        The resolved custom ``recovery.policy`` (None: a built-in one).
    interdependency : Interdependency or None
        The compiled dependency rules (None: none).

    Returns
    -------
    dict[str, Any]
        Option name -> value.
    """
    overload = spec.overload
    return {
        "demand_gbps": demand_gbps,
        "overload_alpha": overload.alpha if overload is not None else None,
        "start_date": spec.start_date,
        "custom_policy": custom_policy,
        "interdependency": interdependency,
        "routing": spec.service.routing,
        "overload_load": overload.load if overload is not None else "demand",
        "overload_pivots": overload.pivots if overload is not None else None,
        "power": spec.power,
        "topology": topology,
        "hazards": tuple(spec.hazards),
    }


@dataclass(frozen=True)
class StudyContext:
    """What every replication of a study shares; built once, sent to each worker once."""

    scenario: Scenario
    arrays: NetworkArrays
    baseline: ServedPopulation
    topology: Topology  # the scenario's, plus standby stopgap links (matches arrays)
    demand_gbps: np.ndarray  # (n_nodes,) international demand per node
    plan: ReplicationPlan  # what the engine computes once for every replication
    operator_of_node: np.ndarray | None = None  # (n_nodes,) index into operators, -1 none
    operators: tuple[str, ...] = ()
    operator_model: OperatorModel | None = None  # when the scenario declares operators
    operator_baseline: OperatorServed | None = None

    @property
    def crew_plan(self) -> CrewPlan:
        """Each asset's depot and trip (part of the plan)."""
        return self.plan.crew_plan

    @property
    def custom_policy(self) -> CustomPolicy | None:
        """``recovery.policy`` resolved once, if custom (part of the plan)."""
        return self.plan.custom_policy

    @property
    def interdependency(self) -> Interdependency | None:
        """The scenario's dependency rules, compiled (part of the plan; None: none)."""
        return self.plan.interdependency

    @property
    def plan_options(self) -> dict[str, Any]:
        """The keyword options its plan was compiled with (:func:`plan_options`), for
        :func:`~resilience_sim.engine.plan.compile_plan` or
        :func:`~resilience_sim.engine.simulation.simulate_replication`."""
        spec = self.scenario.spec
        return plan_options(
            spec, self.topology, self.demand_gbps, self.custom_policy, self.interdependency
        )

    @property
    def capacity_demand_gbps(self) -> np.ndarray | None:
        """Demand for the capacity-aware columns, or None when the scenario turns them off."""
        return self.demand_gbps if self.scenario.spec.service.capacity_model else None

    @classmethod
    def build(
        cls,
        scenario: Scenario,
        arrays: NetworkArrays | None = None,
        baseline: ServedPopulation | None = None,
    ) -> StudyContext:
        """Compile ``scenario`` (reusing ``arrays``/``baseline`` already compiled for this
        scenario, if given); warns about unrepairable damage. A custom policy is
        resolved, checked and probed here, once per study, before any replication.

        Parameters
        ----------
        scenario : Scenario
            The checked scenario.
        arrays : NetworkArrays or None, default None
            Already compiled arrays (None: compiled here).
        baseline : ServedPopulation or None, default None
            Already computed baseline (None: computed here).

        Returns
        -------
        StudyContext
            The context.
        """
        file = str(scenario.source or scenario.name)
        custom_policy = check_custom_policy(scenario.spec, file)
        topology, standby = with_stopgap_links(
            scenario.topology, list(scenario.spec.recovery.stopgaps)
        )
        if arrays is None:
            arrays = compile_topology(topology, standby)
        warn_unrepairable(scenario.spec, topology, arrays, file)
        spec = scenario.spec
        demand = node_demand_gbps(arrays, spec.service.demand_gbps_per_user)
        if baseline is None:
            baseline = baseline_population(arrays, demand if spec.service.capacity_model else None)
        operator_of_node, operators = operator_index(
            topology.node_table.column("operator").to_pylist()
        )
        model = op_baseline = None
        if spec.operators:
            model = operator_model_of(
                topology,
                arrays,
                spec.operators,
                spec.roaming,
                spec.service.coverage_km,
                spec.service.site_capacity_factor,
            )
            op_baseline = baseline_per_operator(arrays, model)
            baseline = with_operator_totals(baseline, op_baseline)
        interdependency = (
            compile_rules(arrays, topology, list(spec.dependencies)) if spec.dependencies else None
        )
        plan = compile_plan(
            arrays,
            spec.recovery,
            plan_crews(spec.recovery, arrays),
            spec.horizon_hours,
            **plan_options(spec, topology, demand, custom_policy, interdependency),
        )
        return cls(
            scenario,
            arrays,
            baseline,
            topology,
            demand,
            plan,
            operator_of_node,
            operators,
            model,
            op_baseline,
        )


def node_demand_gbps(arrays: NetworkArrays, per_user_gbps: float) -> np.ndarray:
    """International demand per node, Gbit/s: ``demand_gbps`` if set, else population x
    the scenario's demand per user.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    per_user_gbps : float
        Demand per user, Gbit/s.

    Returns
    -------
    numpy.ndarray
        ``(n_nodes,)`` Gbit/s.
    """
    return np.where(
        np.isnan(arrays.demand_gbps), arrays.population * per_user_gbps, arrays.demand_gbps
    )


@dataclass
class ReplicationOutput:
    """The tables of one replication, as column arrays."""

    replication: int
    served: ServedPopulation
    events: EventArrays  # the event log (value: remaining capacity share of degrade events)
    summary: dict[str, float]
    outage_causes: pd.DataFrame  # sites out by region and cause at the end of each day
    giant_component: pd.DataFrame | None = None  # with output.giant_component
    operators: OperatorServed | None = None  # served users per operator (with operators)
    operator_summary: list[dict] | None = None  # one row per operator
    fuel: FuelLog | None = None  # truck trips and road closures (with power.fuel)


def replication_damages(context: StudyContext, rngs: dict[str, np.random.Generator]) -> list:
    """The hazard and threat records of one replication, drawn from its ``rngs``
    (:func:`~resilience_sim.rng.replication_rngs`: hazards and threats streams).

    Parameters
    ----------
    context : StudyContext
        The compiled study (shared by every replication).
    rngs : dict[str, numpy.random.Generator]
        The replication's generators by purpose.

    Returns
    -------
    list
        The records.
    """
    return sample_hazards(
        context.scenario.spec,
        context.topology,
        context.arrays,
        rngs["hazards"],
        threat_samplers=THREAT_SAMPLERS,
        threat_rng=rngs["threats"],
    )


def run_replication(
    context: StudyContext,
    replication: int,
    seed_seq: np.random.SeedSequence,
    summary_only: bool = False,
) -> ReplicationOutput:
    """Sample hazards, simulate recovery and evaluate service for one replication.

    ``summary_only``: skip the tables only the run folder needs (the daily outage causes).

    Parameters
    ----------
    context : StudyContext
        The compiled study (shared by every replication).
    replication : int
        The replication number.
    seed_seq : numpy.random.SeedSequence
        Its seed.
    summary_only : bool, default False
        Compute only the summary row.

    Returns
    -------
    ReplicationOutput
        The replication's tables.
    """
    spec = context.scenario.spec
    rngs = replication_rngs(seed_seq)
    damages = replication_damages(context, rngs)
    log = simulate_planned(
        context.arrays, context.plan, damages, rngs["repairs"], rngs["power"], rngs["roads"]
    )
    events = log.to_arrays()
    served = served_over_time_fast(
        context.arrays,
        events,
        context.capacity_demand_gbps,
        spec.service.capacity_interval_h,
        spec.service.routing,
        spec.service.latency_column,
    )
    ops = op_summary = None
    if context.operator_model is not None:
        ops = served_per_operator(context.arrays, context.operator_model, events)
        served = with_operator_totals(served, ops)
        op_summary = summarize_operators(
            served,
            ops,
            context.baseline,
            context.operator_baseline,
            context.operator_model.ids,
            spec.horizon_hours,
            events,
        )
    summary = summarize_replication(served, context.baseline, spec.horizon_hours, events)
    causes = (
        daily_outage_causes(context.arrays, replication, events, spec.horizon_hours, served)
        if spec.output.outage_causes and not summary_only
        else empty_outage_causes()
    )
    giant = None
    if spec.output.giant_component:
        giant = giant_component_rows(
            replication,
            context.arrays,
            events,
            context.operator_of_node,
            context.operators,
        )
    return ReplicationOutput(
        replication, served, events, summary, causes, giant, ops, op_summary, log.fuel
    )


@dataclass(frozen=True)
class Batch:
    """Consecutive replications ``first, first+1, ...``, one seed sequence each."""

    first: int
    seed_seqs: tuple[np.random.SeedSequence, ...]

    @property
    def size(self) -> int:
        """Replications in the batch."""
        return len(self.seed_seqs)

    def replications(self) -> Iterator[tuple[int, np.random.SeedSequence]]:
        return enumerate(self.seed_seqs, start=self.first)


def default_batch_size(n_replications: int, n_workers: int) -> int:
    """Replications per batch: about 4 batches per worker, at most ``MAX_BATCH_SIZE``.

    Parameters
    ----------
    n_replications : int
        Replications.
    n_workers : int
        Workers.

    Returns
    -------
    int
        Replications per batch.
    """
    per_batch = math.ceil(n_replications / (_BATCHES_PER_WORKER * max(1, n_workers)))
    return max(1, min(MAX_BATCH_SIZE, per_batch))


def plan_batches(seed: int, n_replications: int, batch_size: int) -> list[Batch]:
    """Cut replications ``0..n-1`` of the study seeded ``seed`` into batches.

    Parameters
    ----------
    seed : int
        The study seed.
    n_replications : int
        Replications.
    batch_size : int
        Replications per batch.

    Returns
    -------
    list[Batch]
        The batches.
    """
    seeds = replication_seeds(seed, n_replications)
    return [
        Batch(first, tuple(seeds[first : first + batch_size]))
        for first in range(0, n_replications, batch_size)
    ]


def run_batch(context: StudyContext, batch: Batch) -> dict[str, pd.DataFrame]:
    """Run one batch and return its tables (an executor task).

    Parameters
    ----------
    context : StudyContext
        The compiled study (shared by every replication).
    batch : Batch
        The batch.

    Returns
    -------
    dict[str, pandas.DataFrame]
        Table name -> rows.
    """
    return collect_tables(
        context, [run_replication(context, k, s) for k, s in batch.replications()]
    )


def run_batch_summary(context: StudyContext, batch: Batch) -> pd.DataFrame:
    """Run one batch and return only its summary table (an executor task for sweeps).

    Parameters
    ----------
    context : StudyContext
        The compiled study (shared by every replication).
    batch : Batch
        The batch.

    Returns
    -------
    pandas.DataFrame
        The summary rows.
    """
    return summary_table(
        [run_replication(context, k, s, summary_only=True) for k, s in batch.replications()]
    )


def execute(
    executor: Executor,
    fn: Callable[[Any, Any], Any],
    shared: Any,
    items: Sequence[Any],
    sizes: Sequence[int],
    progress: Callable[[int], None] | None = None,
    done: int = 0,
) -> Iterator[tuple[int, Any]]:
    """Run ``fn(shared, item)`` on ``executor``, yielding ``(i, result)`` as items finish.

    ``progress`` gets the number of replications finished (``done`` before this call,
    plus ``sizes[i]`` per item) once the caller has handled the item (e.g. written it).
    Close the iterator (``contextlib.closing``) to cancel the rest on an exception.

    Parameters
    ----------
    executor : Executor
        The executor.
    fn : Callable[[Any, Any], Any]
        ``fn(shared, item)``.
    shared : Any
        Sent once to each worker.
    items : Sequence[Any]
        The work items.
    sizes : Sequence[int]
        Replications of each item (for ``progress``).
    progress : Callable[[int], None] or None, default None
        Called with the number of replications finished so far (None: nothing).
    done : int, default 0
        Replications already finished.

    Yields
    ------
    tuple[int, Any]
        ``(i, result)``.
    """
    with contextlib.closing(executor.imap_unordered(fn, shared, items)) as results:
        for i, result in results:
            yield i, result
            done += sizes[i]
            if progress is not None:
                progress(done)


class SimulationResult:
    """Tidy results of a study: one DataFrame per table (see docs/results.md).

    ``run_dir`` is the run folder when the study was written to disk (``run_study``);
    ``execution`` says how the replications were run (executor, workers, batch size).
    A table not given is read from ``run_dir`` on first access and kept: the result of
    ``run_study`` holds only the summary (one row per replication), so a study too large
    for memory can still be returned, and ``.timeline``, ``.regional`` and ``.events``
    read as before when they fit. ``regional`` is empty when the run folder has none
    (``output.regional: false``).
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        replications: int,
        timeline: pd.DataFrame | None = None,
        regional: pd.DataFrame | None = None,
        events: pd.DataFrame | None = None,
        summary: pd.DataFrame | None = None,
        outage_causes: pd.DataFrame | None = None,
        operators: pd.DataFrame | None = None,
        operator_summary: pd.DataFrame | None = None,
        wall_time_s: float = 0.0,
        giant_component: pd.DataFrame | None = None,
        aggregate_: pd.DataFrame | None = None,
        fuel_trips: pd.DataFrame | None = None,
        road_closures: pd.DataFrame | None = None,
        run_dir: Path | None = None,
        execution: dict | None = None,
    ):
        self.scenario = scenario
        self.execution = execution  # executor, workers, batch size (runfolder manifest)
        self.seed = seed
        self.replications = replications
        self.wall_time_s = wall_time_s
        self.aggregate_ = aggregate_
        self.run_dir = run_dir
        self._tables = {
            "timeline": timeline,
            "regional": regional,
            "events": events,
            "summary": summary,
            "outage_causes": outage_causes,
            "giant_component": giant_component,
            "operators": operators,
            "operator_summary": operator_summary,
            "fuel_trips": fuel_trips,
            "road_closures": road_closures,
        }

    def __repr__(self) -> str:
        return (
            f"SimulationResult(scenario={self.scenario.name!r}, seed={self.seed}, "
            f"replications={self.replications}, run_dir={self.run_dir!r})"
        )

    @property
    def timeline(self) -> pd.DataFrame:
        """The timeline table (docs/results.md)."""
        return self._table("timeline")

    @property
    def regional(self) -> pd.DataFrame:
        """The regional timeline table."""
        return self._table("regional")

    @property
    def events(self) -> pd.DataFrame:
        """The events table."""
        return self._table("events")

    @property
    def summary(self) -> pd.DataFrame:
        """The summary table, one row per replication."""
        return self._table("summary")

    @property
    def giant_component(self) -> pd.DataFrame:
        """Largest connected component over time (``output.giant_component``; else empty)."""
        return self._table("giant_component")

    @property
    def outage_causes(self) -> pd.DataFrame:
        """Sites out by region, cause class and day (docs/power.md#outage-causes)."""
        return self._table("outage_causes")

    @property
    def operators(self) -> pd.DataFrame:
        """Served fractions per operator over time (empty without operators)."""
        return self._table("operators")

    @property
    def operator_summary(self) -> pd.DataFrame:
        """Summary figures per replication and operator (empty without operators)."""
        return self._table("operator_summary")

    @property
    def fuel_trips(self) -> pd.DataFrame:
        """Fuel truck trips and requests (docs/power.md; empty without ``power.fuel``)."""
        return self._table("fuel_trips")

    @property
    def road_closures(self) -> pd.DataFrame:
        """Road segment closures (docs/power.md; empty without ``power.fuel.roads``)."""
        return self._table("road_closures")

    def _table(self, name: str) -> pd.DataFrame:
        table = self._tables[name]
        if table is None:
            if self.run_dir is None:
                raise ValueError(f"the {name} table was neither given nor written to a run folder")
            file = Path(self.run_dir) / f"{name}.parquet"
            if file.is_file():
                table = pd.read_parquet(file)
            elif name in OPERATOR_TABLES:  # no operators declared
                table = _stacked([], OPERATOR_COLUMNS[name])
            elif name == "fuel_trips":  # no power.fuel
                table = empty_fuel_trips()
            elif name == "road_closures":
                table = empty_road_closures()
            else:
                table = pd.DataFrame()
            self._tables[name] = table
        return table

    def aggregate(self) -> pd.DataFrame:
        """Mean, p5, p50, p95 (and NaN count) of every summary metric across replications."""
        if self.aggregate_ is None:
            self.aggregate_ = aggregate_summary(self.summary)
        return self.aggregate_


def study_arguments(
    scenario: Scenario, replications: int | None, seed: int | None
) -> tuple[int, int]:
    """Check the API arguments of a study; fill in the scenario's replications and seed.

    Parameters
    ----------
    scenario : Scenario
        The checked scenario.
    replications : int or None
        Replications to run (None: the scenario's).
    seed : int or None
        The study seed (None: the scenario's).

    Returns
    -------
    tuple[int, int]
        ``(replications, seed)``.
    """
    if not isinstance(scenario, Scenario):
        raise InputError.single("<api>", "scenario", "expected a Scenario from load_scenario()")
    n = scenario.spec.replications if replications is None else replications
    seed = scenario.spec.seed if seed is None else seed
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise InputError.single("<api>", "replications", f"must be a positive integer, got {n!r}")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise InputError.single("<api>", "seed", f"must be a non-negative integer, got {seed!r}")
    return n, seed


def check_batch_size(batch_size: int | None) -> None:
    """InputError (``<api>: batch_size``) unless ``batch_size`` is None or a positive integer.

    Parameters
    ----------
    batch_size : int or None
        The argument.
    """
    if batch_size is not None and (
        not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1
    ):
        raise InputError.single(
            "<api>", "batch_size", f"must be a positive integer, got {batch_size!r}"
        )


def simulate(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    executor: Executor | ExecutorName | None = None,
    batch_size: int | None = None,
) -> SimulationResult:
    """Run ``replications`` replications of ``scenario`` (defaults from the scenario file).

    ``executor``: ``"sequential"`` (the default), ``"local"`` (all cores), ``"dask"``
    (a local Dask cluster) or an :class:`~resilience_sim.experiments.executors.Executor`
    object (which the caller closes). ``batch_size``: replications per task (default
    :func:`default_batch_size`). ``progress`` is called with the number of replications
    finished so far. The same seed gives bit-identical tables whatever the executor,
    workers and batch size. Everything is kept in memory; ``run_study`` writes batches
    to disk as they finish instead.

    Parameters
    ----------
    scenario : Scenario
        The checked scenario.
    replications : int or None, default None
        Replications to run (None: the scenario's).
    seed : int or None, default None
        The study seed (None: the scenario's).
    progress : Callable[[int], None] or None, default None
        Called with the number of replications finished so far (None: nothing).
    executor : Executor or ExecutorName or None, default None
        An executor object or name (``sequential``, ``local``, ``dask``); see
        ``make_executor``.
    batch_size : int or None, default None
        Replications per batch (None: ``default_batch_size``).

    Returns
    -------
    SimulationResult
        The study's tables.
    """
    n, seed = study_arguments(scenario, replications, seed)
    started = time.perf_counter()
    execution: dict = {}
    parts = _run_batches(scenario, n, seed, run_batch, progress, executor, batch_size, execution)
    return SimulationResult(
        scenario=scenario,
        seed=seed,
        replications=n,
        wall_time_s=time.perf_counter() - started,
        execution=execution,
        **concat_tables(parts),
    )


def simulate_summary(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    executor: Executor | ExecutorName | None = None,
    batch_size: int | None = None,
) -> pd.DataFrame:
    """The summary table of :func:`simulate` (the same, bit for bit) without the other
    tables: memory holds one summary row per replication (``rerun`` of a large study).

    Parameters
    ----------
    scenario : Scenario
        The checked scenario.
    replications : int or None, default None
        Replications to run (None: the scenario's).
    seed : int or None, default None
        The study seed (None: the scenario's).
    progress : Callable[[int], None] or None, default None
        Called with the number of replications finished so far (None: nothing).
    executor : Executor or ExecutorName or None, default None
        An executor object or name (``sequential``, ``local``, ``dask``); see
        ``make_executor``.
    batch_size : int or None, default None
        Replications per batch (None: ``default_batch_size``).

    Returns
    -------
    pandas.DataFrame
        The summary table.
    """
    n, seed = study_arguments(scenario, replications, seed)
    parts = _run_batches(scenario, n, seed, run_batch_summary, progress, executor, batch_size)
    return pd.concat(parts, ignore_index=True)


def _run_batches(
    scenario: Scenario,
    n: int,
    seed: int,
    task: Callable[[StudyContext, Batch], Any],
    progress: Callable[[int], None] | None,
    executor: Executor | ExecutorName | None,
    batch_size: int | None,
    execution: dict | None = None,
) -> list[Any]:
    """``task(context, batch)`` of every batch of the study, in batch order; fills
    ``execution`` with the executor, workers and batch size used."""
    check_batch_size(batch_size)
    context = StudyContext.build(scenario)
    runner, owned = make_executor(executor)
    try:
        size = batch_size or default_batch_size(n, runner.n_workers)
        if execution is not None:
            execution.update(execution_record(runner.name, runner.n_workers, size))
        batches = plan_batches(seed, n, size)
        parts: list[Any] = [None] * len(batches)
        sizes = [b.size for b in batches]
        with contextlib.closing(execute(runner, task, context, batches, sizes, progress)) as work:
            for i, part in work:
                parts[i] = part
    finally:
        if owned:
            runner.close()
    return parts


def concat_tables(parts: Sequence[dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """Stack batch tables (given in replication order) into the study's tables.

    Parameters
    ----------
    parts : Sequence[dict[str, pandas.DataFrame]]
        Each batch's tables.

    Returns
    -------
    dict[str, pandas.DataFrame]
        Table name -> rows.
    """
    return {t: pd.concat([p[t] for p in parts], ignore_index=True) for t in ALL_TABLES}


def summary_table(outputs: list[ReplicationOutput]) -> pd.DataFrame:
    """One row per replication: ``replication`` and the metrics of docs/metrics.md.

    Parameters
    ----------
    outputs : list[ReplicationOutput]
        Replication outputs.

    Returns
    -------
    pandas.DataFrame
        The summary table.
    """
    return pd.DataFrame([{"replication": o.replication, **o.summary} for o in outputs])


def regions_affected(served: ServedPopulation, baseline: ServedPopulation) -> np.ndarray:
    """Per timeline row, the number of regions where some users lost domestic service.

    Parameters
    ----------
    served : ServedPopulation
        The replication's timeline.
    baseline : ServedPopulation
        The undamaged network's timeline.

    Returns
    -------
    numpy.ndarray
        ``(n_rows,)`` counts.
    """
    base = baseline.by_region_domestic[0]
    return ((served.by_region_domestic < base - 1e-9) & (base > 0)).sum(axis=1)


def regional_rows(
    replication: int, served: ServedPopulation, baseline: ServedPopulation, regions: np.ndarray
) -> pd.DataFrame:
    """The per-region timeline as step functions: a row for every region at the first
    time, then only where a region's served fractions changed since its previous row
    (17 regions x 3,100 times would otherwise be 53,000 rows per replication at 10k
    nodes, 94 % of them repeats).

    Parameters
    ----------
    replication : int
        The replication number.
    served : ServedPopulation
        The replication's timeline.
    baseline : ServedPopulation
        The undamaged network's timeline.
    regions : numpy.ndarray
        Region names.

    Returns
    -------
    pandas.DataFrame
        The regional rows.
    """
    domestic = served_fraction(served.by_region_domestic, baseline.by_region_domestic[0])
    international = served_fraction(
        served.by_region_international, baseline.by_region_international[0]
    )
    changed = np.ones(domestic.shape, dtype=bool)
    changed[1:] = ~(
        _same(domestic[1:], domestic[:-1]) & _same(international[1:], international[:-1])
    )
    row, col = np.nonzero(changed)  # row-major: by time, then region
    return pd.DataFrame(
        {
            "replication": np.full(len(row), replication, dtype=np.int64),
            "time_h": served.time_h[row],
            "region": regions[col],
            "served_domestic_frac": domestic[row, col],
            "served_international_frac": international[row, col],
        }
    )


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise equal, NaN equal to NaN."""
    return (a == b) | (np.isnan(a) & np.isnan(b))


def collect_tables(
    context: StudyContext, outputs: list[ReplicationOutput]
) -> dict[str, pd.DataFrame]:
    """Stack replication outputs into the timeline, regional, events and summary tables.

    Parameters
    ----------
    context : StudyContext
        The compiled study (shared by every replication).
    outputs : list[ReplicationOutput]
        Replication outputs.

    Returns
    -------
    dict[str, pandas.DataFrame]
        Table name -> rows.
    """
    arrays, baseline = context.arrays, context.baseline
    regions = np.asarray(arrays.region_names, dtype=object)
    # event subjects: assets, then regions (hijack events)
    subject_ids = np.concatenate([arrays.asset_ids, regions]).astype(str)
    subject_kinds = np.concatenate(
        [arrays.asset_kinds, np.full(len(regions), "region", dtype=object)]
    ).astype(str)
    timeline, regional, events, operators, op_summary = [], [], [], [], []
    fuel_trips, road_closures = [empty_fuel_trips()], [empty_road_closures()]
    fuel_plan = context.plan.fuel  # set exactly when the scenario has power.fuel
    horizon_h = context.scenario.spec.horizon_hours
    if fuel_plan is not None:
        fuel_spec = context.scenario.spec.power.fuel
        depots = [d.name for d in fuel_spec.depots]
    for out in outputs:
        if out.fuel is not None:  # only with power.fuel
            fuel_trips.append(
                fuel_trip_rows(out.replication, out.fuel, arrays, depots, fuel_spec.burn_l_per_h)
            )
            if fuel_plan.roads is not None:
                road_closures.append(
                    road_closure_rows(out.replication, out.fuel, fuel_plan.roads, horizon_h)
                )
        s = out.served
        k = len(s.time_h)
        timeline.append(
            pd.DataFrame(
                {
                    "replication": np.full(k, out.replication, dtype=np.int64),
                    "time_h": s.time_h,
                    "served_domestic_frac": served_fraction(s.domestic, baseline.domestic[0]),
                    "served_international_frac": served_fraction(
                        s.international, baseline.international[0]
                    ),
                    "assets_down": s.assets_down,
                    "served_international_capacity_frac": s.international_capacity,
                    "satellite_share": s.satellite_share,
                    "served_international_routed_frac": s.international_routed,
                    "regions_affected": regions_affected(s, baseline),
                    **(
                        {"international_latency_ms": s.international_latency_ms}
                        if s.international_latency_ms is not None
                        else {}
                    ),
                }
            )
        )
        regional.append(regional_rows(out.replication, s, baseline, regions))
        if out.operators is not None:
            ids = context.operator_model.ids
            operators.append(
                operator_timeline(out.replication, out.operators, context.operator_baseline, ids)
            )
            op_summary.append(
                pd.DataFrame([{"replication": out.replication, **r} for r in out.operator_summary])
            )
        ev = out.events
        events.append(
            pd.DataFrame(
                {
                    "replication": np.full(len(ev), out.replication, dtype=np.int64),
                    "time_h": ev.time_h,
                    "asset": subject_ids[ev.asset_idx],
                    "asset_kind": subject_kinds[ev.asset_idx],
                    "event": np.asarray(EVENT_NAMES, dtype=object)[ev.event].astype(str),
                    "cause": ev.cause.astype(str),
                    "propagated": ev.propagated,
                    "capacity_frac": ev.value,
                    "cause_class": ev.cause_class.astype(str),
                }
            )
        )
    return {
        "timeline": pd.concat(timeline, ignore_index=True),
        "regional": pd.concat(regional, ignore_index=True),
        "events": pd.concat(events, ignore_index=True),
        "summary": summary_table(outputs),
        "outage_causes": pd.concat([o.outage_causes for o in outputs], ignore_index=True),
        "giant_component": pd.concat(
            [o.giant_component for o in outputs if o.giant_component is not None]
            or [empty_giant_table()],
            ignore_index=True,
        ),
        "operators": _stacked(operators, OPERATOR_COLUMNS["operators"]),
        "operator_summary": _stacked(op_summary, OPERATOR_COLUMNS["operator_summary"]),
        "fuel_trips": pd.concat(fuel_trips, ignore_index=True),
        "road_closures": pd.concat(road_closures, ignore_index=True),
    }


OPERATOR_COLUMNS = {
    "operators": (
        "replication",
        "time_h",
        "operator",
        "served_domestic_frac",
        "served_international_frac",
        "roaming_domestic_users",
        "roaming_international_users",
    ),
    "operator_summary": ("replication", "operator", *OPERATOR_SUMMARY_COLUMNS),
}


def _stacked(frames: list[pd.DataFrame], columns: Sequence[str]) -> pd.DataFrame:
    """The frames stacked, or an empty table with ``columns`` when there are none."""
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in columns})
    return pd.concat(frames, ignore_index=True)
