"""The compiled plan of a study's replications: what is the same in every one, computed once.

Engine layer. A replication (:class:`~resilience_sim.engine.simulation.Replication`)
draws its own damage, repair times and back-up, but much of what it needs depends only
on the topology and the scenario: the resolved restoration policy and the critical
assets, the dependency graph, the standby stopgaps and the regions they go to, the
closed areas per asset, who feeds whom with power, the cable ships' zones and permit
areas, the repair-duration distribution per asset kind, the undamaged loads of the
overload cascade, the nodes each back-up rule applies to, and the fuel depots, fleets
and road graph. :func:`compile_plan`
computes them once; :class:`~resilience_sim.experiments.study.StudyContext` holds the
plan and sends it to every worker with the compiled arrays (it pickles: plain arrays,
dicts, tuples and the scenario's pydantic models). Every part is read-only during a
replication, so one plan serves every replication of a process.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass

import numpy as np

from resilience_sim.engine.backup import backup_rule_nodes
from resilience_sim.engine.closed_areas import ClosedAreas
from resilience_sim.engine.crews import CrewPlan
from resilience_sim.engine.dependencies import DependencyGraph
from resilience_sim.engine.disconnection import Interdependency
from resilience_sim.engine.fuel import FuelPlan
from resilience_sim.engine.motter_lai import OverloadLoad
from resilience_sim.engine.overload import OverloadPlan, compile_overload
from resilience_sim.engine.policies import PolicyPlan, compile_policy
from resilience_sim.engine.power import PowerFeeds
from resilience_sim.engine.routing import Routing
from resilience_sim.engine.ships import FleetPlan
from resilience_sim.engine.stopgaps import StopgapPlan, compile_stopgaps
from resilience_sim.scenario.custom_policy import CustomPolicy
from resilience_sim.scenario.power import PowerSpec
from resilience_sim.scenario.schema import DEFAULT_REPAIR_H, Recovery
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import Topology


@dataclass(frozen=True)
class ReplicationPlan:
    """Everything the replications of one study share (see the module docstring).

    Compiled for one :class:`~resilience_sim.topology.compile.NetworkArrays`, which is
    passed beside it (the study context holds both).
    """

    recovery: Recovery
    crew_plan: CrewPlan
    horizon_h: float
    start_date: datetime.date | None  # calendar date at hour 0 (ships' weather)
    policy: PolicyPlan
    dependencies: DependencyGraph | None  # declared dependencies (None: none)
    interdependency: Interdependency | None  # disconnection rules (None: none)
    standby: np.ndarray  # indices of the standby stopgap assets
    power_feeds: PowerFeeds
    closed_areas: ClosedAreas
    stopgaps: StopgapPlan
    fleet: FleetPlan
    repair_durations: dict  # asset kind -> repair-duration distribution
    overload: OverloadPlan | None = None  # with an overload section (and demand)
    power: PowerSpec | None = None  # the scenario's power section
    backup_rules: tuple[np.ndarray, ...] | None = None  # nodes per power.backup rule
    fuel: FuelPlan | None = None  # depots, fleets' nodes, road graph (with power.fuel)

    @property
    def custom_policy(self) -> CustomPolicy | None:
        """The resolved custom ``recovery.policy`` (None for a built-in one)."""
        return self.policy.custom


def compile_plan(
    arrays: NetworkArrays,
    recovery: Recovery,
    crew_plan: CrewPlan,
    horizon_h: float,
    *,
    demand_gbps: np.ndarray | None = None,
    overload_alpha: float | None = None,
    start_date: datetime.date | None = None,
    custom_policy: CustomPolicy | None = None,
    interdependency: Interdependency | None = None,
    routing: Routing = "shortest",
    overload_load: OverloadLoad = "demand",
    overload_pivots: int | None = None,
    power: PowerSpec | None = None,
    topology: Topology | None = None,
    hazards: tuple = (),
) -> ReplicationPlan:
    """The plan of a study's replications on ``arrays``: what is the same in every one.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    recovery : Recovery
        The scenario's recovery section.
    crew_plan : CrewPlan
        The study's crews (:func:`~resilience_sim.engine.crews.plan_crews`).
    horizon_h : float
        The simulated time, hours.
    demand_gbps : numpy.ndarray or None
        ``(n_nodes,)`` traffic demand, Gb/s, for the overload cascade.
    overload_alpha : float or None
        The Motter-Lai tolerance; with ``demand_gbps`` the overload cascade runs.
    start_date : datetime.date or None
        The calendar date at hour 0 (seasonal weather of the cable ships).
    custom_policy : CustomPolicy or None
        The study's resolved ``recovery.policy`` when it names a user function (resolved
        here otherwise).
    interdependency : Interdependency or None
        The scenario's dependency rules compiled with the topology's ``depends_on``
        (:func:`~resilience_sim.engine.disconnection.compile_rules`).
    routing : {"shortest", "widest"}
        How the overload cascade routes traffic.
    overload_load : OverloadLoad
        The overload cascade's load model
        (:func:`~resilience_sim.engine.overload.compile_overload`).
    overload_pivots : int or None
        Pivots for sampled betweenness load (None: all pairs).
    power : PowerSpec or None
        The scenario's power section (sites' back-up and fuel).
    topology : Topology or None
        The scenario's topology, read only for a road network (``power.fuel.roads``
        ``from_links`` routes).
    hazards : tuple
        The scenario's hazard specs, read only for the hazards that close roads.

    Returns
    -------
    ReplicationPlan
        The compiled plan, shared by every replication and never changed by one; it
        pickles for the executors.

    Raises
    ------
    InputError
        For a maintenance zone naming a cable the topology lacks, and for an unknown
        custom policy when ``custom_policy`` is not given.
    """
    if interdependency is not None:
        deps = interdependency.deps
    else:
        deps = DependencyGraph(arrays.dependency_src, arrays.dependency_dst, arrays.n_assets)
    closed_areas = ClosedAreas.compile(recovery, arrays)
    overload = None
    if overload_alpha is not None and demand_gbps is not None:
        overload = compile_overload(
            arrays, demand_gbps, overload_alpha, routing, overload_load, overload_pivots
        )
    plan = ReplicationPlan(
        recovery=recovery,
        crew_plan=crew_plan,
        horizon_h=horizon_h,
        start_date=start_date,
        policy=compile_policy(recovery.policy, arrays, custom_policy),
        dependencies=deps if deps else None,
        interdependency=interdependency if interdependency else None,
        standby=np.flatnonzero(arrays.standby),
        power_feeds=PowerFeeds.compile(arrays),
        closed_areas=closed_areas,
        stopgaps=compile_stopgaps(recovery, arrays),
        fleet=FleetPlan.compile(recovery.cable_logistics, arrays.asset_ids),
        repair_durations={kind: recovery.repair_duration(kind) for kind in DEFAULT_REPAIR_H},
        overload=overload,
        power=power,
        backup_rules=backup_rule_nodes(power, arrays) if power is not None else None,
        fuel=(
            FuelPlan.compile(
                power.fuel, arrays, topology=topology, hazards=hazards, closed_areas=closed_areas
            )
            if power is not None and power.fuel is not None
            else None
        ),
    )
    _write_protect(plan)
    return plan


def _write_protect(part: object, seen: set[int] | None = None) -> None:
    """Make every numpy array reachable from ``part`` (dataclass fields, tuples, lists,
    dict values) read-only, so a replication that wrote into the shared plan would fail
    at once instead of changing the next replication's plan. Arrays the plan shares with
    the compiled network become read-only there too; the network is read-only during a
    study as well."""
    seen = set() if seen is None else seen
    if id(part) in seen:
        return
    seen.add(id(part))
    if isinstance(part, np.ndarray):
        part.setflags(write=False)
    elif dataclasses.is_dataclass(part) and not isinstance(part, type):
        for field in dataclasses.fields(part):
            _write_protect(getattr(part, field.name), seen)
    elif isinstance(part, tuple | list):
        for item in part:
            _write_protect(item, seen)
    elif isinstance(part, dict):
        for item in part.values():
            _write_protect(item, seen)


__all__ = ["ReplicationPlan", "compile_plan"]
