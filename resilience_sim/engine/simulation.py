"""One replication as a SimPy discrete-event simulation.

Hazard damage is applied at its onset times; damaged assets become repair jobs
for field crews (or cable ships, for submarine-cable faults); power loss drains
batteries; declared dependencies propagate failures; stopgaps arrive after their
delay. Every state change goes through the
:class:`~resilience_sim.engine.state.NetworkState` into one event log. Who is
served is computed afterwards from that log by :mod:`resilience_sim.engine.service`.

:class:`Replication` is the coordinator: it builds the models of one replication
from the study's compiled :class:`~resilience_sim.engine.plan.ReplicationPlan`, hands
each record to its model, and owns damage, repair dispatch and the disconnection check.
The models live in their own modules: power (``power``, ``backup``, ``fuel``), crews
(``recovery``) and ships (``ships``), cyber effects (``cyber``), closed areas
(``closed_areas``), stopgaps (``stopgaps``), the overload cascade (``overload``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import simpy

from resilience_sim.engine.backup import attach_backup
from resilience_sim.engine.closed_areas import closed_until_h, schedule_reopenings
from resilience_sim.engine.crews import NO_DEPOT, CrewPlan
from resilience_sim.engine.cyber import CyberEffects
from resilience_sim.engine.overload import OverloadCheck
from resilience_sim.engine.plan import ReplicationPlan, compile_plan
from resilience_sim.engine.power import PowerModel
from resilience_sim.engine.recovery import CrewDepots, Job
from resilience_sim.engine.ships import ShipFleet
from resilience_sim.engine.state import EventLog, NetworkState
from resilience_sim.engine.stopgaps import Stopgaps
from resilience_sim.hazards.base import (
    CapacityLoss,
    CrewImpairment,
    Damage,
    GridOutage,
    RouteHijack,
)
from resilience_sim.scenario.power import PowerSpec
from resilience_sim.scenario.schema import Recovery
from resilience_sim.topology.compile import NetworkArrays

Record = Damage | GridOutage | CapacityLoss | RouteHijack | CrewImpairment


def simulate_replication(
    arrays: NetworkArrays,
    damages: Sequence[Record],
    recovery: Recovery,
    crew_plan: CrewPlan,
    rng: np.random.Generator,
    horizon_h: float,
    *,
    power_rng: np.random.Generator | None = None,
    roads_rng: np.random.Generator | None = None,
    **plan_options: Any,
) -> EventLog:
    """Run one replication to ``horizon_h`` hours and return its event log.

    This compiles the study's plan for one run; a study compiles it once
    (:func:`~resilience_sim.engine.plan.compile_plan`) and calls :func:`simulate_planned`.
    ``rng`` draws repair durations only (when a crew job is created or a ship starts a
    repair), so hazard draws and repair draws never shift each other.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    damages : sequence of Record
        The replication's hazard and threat records (damage, grid outages, capacity
        losses, hijacks, crew impairments).
    recovery : Recovery
        The scenario's recovery section.
    crew_plan : CrewPlan
        The study's crews (:func:`~resilience_sim.engine.crews.plan_crews`).
    rng : numpy.random.Generator
        The ``repairs`` stream.
    horizon_h : float
        The simulated time, hours.
    power_rng : numpy.random.Generator or None
        The ``power`` stream (sites' back-up), with a power section.
    roads_rng : numpy.random.Generator or None
        The ``roads`` stream (road damage), with a road network.
    **plan_options : Any
        The keyword options of :func:`~resilience_sim.engine.plan.compile_plan`
        (``demand_gbps``, ``overload_alpha``, ``start_date``, ``custom_policy``,
        ``interdependency``, ``routing``, ``overload_load``, ``overload_pivots``,
        ``power``, ``topology``, ``hazards``).

    Returns
    -------
    EventLog
        The replication's event log.
    """
    plan = compile_plan(arrays, recovery, crew_plan, horizon_h, **plan_options)
    return simulate_planned(arrays, plan, damages, rng, power_rng, roads_rng)


def simulate_planned(
    arrays: NetworkArrays,
    plan: ReplicationPlan,
    damages: Sequence[Record],
    rng: np.random.Generator,
    power_rng: np.random.Generator | None = None,
    roads_rng: np.random.Generator | None = None,
) -> EventLog:
    """Run one replication of the study compiled as ``plan`` (on ``arrays``) to its
    horizon and return its event log.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    plan : ReplicationPlan
        The study's plan (:func:`~resilience_sim.engine.plan.compile_plan`).
    damages : sequence of Record
        The replication's hazard and threat records.
    rng : numpy.random.Generator
        The ``repairs`` stream (repair durations).
    power_rng : numpy.random.Generator or None
        The ``power`` stream (sites' back-up), with a power section.
    roads_rng : numpy.random.Generator or None
        The ``roads`` stream (road damage), with a road network.

    Returns
    -------
    EventLog
        The replication's event log (``fuel``: its
        :class:`~resilience_sim.engine.fuel.FuelLog`, with ``power.fuel``).
    """
    run = Replication(arrays, plan, rng, power_rng, roads_rng)
    for damage in damages:
        run.apply(damage)
    run.env.run(until=plan.horizon_h)
    backup = run.power.backup
    if backup is not None and backup.fuel is not None:
        run.log.fuel = backup.fuel.fuel_log()
    return run.log


class Replication:
    """The SimPy environment and the models of one replication, wired together.

    Built in a fixed order (the order of the SimPy events and of the state listeners
    depends on it): state and disconnection check, power, crews and ships, closed-area
    reopenings, stopgaps, then back-up power and the overload check.
    """

    def __init__(
        self,
        arrays: NetworkArrays,
        plan: ReplicationPlan,
        rng: np.random.Generator,
        power_rng: np.random.Generator | None = None,
        roads_rng: np.random.Generator | None = None,
    ):
        self.env = simpy.Environment()
        self.arrays, self.plan, self.rng = arrays, plan, rng
        self.log = EventLog()
        self.state = NetworkState(arrays.n_assets, self.log, plan.dependencies)
        self.interdependency = plan.interdependency
        if self.interdependency is not None:
            self._disconnection_due = False
            self.state.on_physical_change = self._schedule_disconnection_check
            self._schedule_disconnection_check()  # largest-component rules apply from t = 0
        self.state.names = arrays.asset_ids
        self.state.hold_in_standby(plan.standby)
        self.power = PowerModel(self.env, self.state, arrays, plan.power_feeds)
        policy = plan.policy.bind(arrays, self.state)
        self.crews = CrewDepots(self.env, self.state, plan.crew_plan, policy)
        self.ships = ShipFleet(
            self.env,
            self.state,
            list(plan.recovery.cable_ships),
            policy,
            rng,
            plan.recovery.cable_logistics,
            arrays.asset_ids,
            plan.start_date,
            plan.fleet,
        )
        self.closed_areas = plan.closed_areas
        self._seq = 0
        schedule_reopenings(self.env, plan.closed_areas, self.crews.wake_all)
        self.stopgaps = Stopgaps(self.env, self.state, arrays, self.power, plan.stopgaps)
        self.cyber = CyberEffects(self.env, self.state, self.crews, arrays.n_nodes, arrays.n_assets)
        if plan.power is not None:
            self.attach_power(plan.power, power_rng, roads_rng)
        self.overload = None
        if plan.overload is not None:
            self.overload = OverloadCheck(
                self.env, self.state, arrays, plan.overload, self._repair_overloaded
            )

    def attach_power(
        self,
        power: PowerSpec,
        rng: np.random.Generator,
        roads_rng: np.random.Generator | None = None,
    ) -> None:
        """Sampled back-up per site, recharge and fuel trucks (engine/backup.py, fuel.py).

        Parameters
        ----------
        power : PowerSpec
            The scenario's power section.
        rng : numpy.random.Generator
            The ``power`` stream (sites' back-up).
        roads_rng : numpy.random.Generator or None
            The ``roads`` stream (road damage), with a road network.
        """
        a = self.arrays
        attach_backup(
            self.power,
            power,
            a,
            rng,
            self.closed_areas.node_opens_h,
            list(self.closed_areas.reopen_h),
            self.plan.backup_rules,
            self.plan.fuel,
            roads_rng,
        )

    def apply(self, record: Record) -> None:
        """Hand one hazard or threat record to its model (at its onsets).

        Parameters
        ----------
        record : Record
            A damage, grid outage, capacity loss, route hijack or crew impairment.
        """
        if isinstance(record, GridOutage):
            self.env.process(self.power.grid_outage(record))
        elif isinstance(record, CapacityLoss):
            self.env.process(self.cyber.apply_capacity_loss(record))
        elif isinstance(record, RouteHijack):
            self.env.process(self.cyber.apply_hijack(record))
        elif isinstance(record, CrewImpairment):
            self.cyber.add_crew_impairment(record)
        else:
            self.env.process(self.apply_damage(record))

    # -- damage ----------------------------------------------------------------------

    def apply_damage(self, damage: Damage):
        """Process: wait for each onset in ``damage`` (earliest first), take the asset down.

        A NaN duration needs a repair job; a finite one is a self-restoring outage.

        Parameters
        ----------
        damage : Damage
            The record: per entry an asset, onset and duration (hours), repair hours and
            fault location.
        """
        located = damage.has_fault_location().tolist()
        # Python lists: per-element access to numpy arrays costs ~0.1-1 us a time
        onset_h, asset_idx = damage.onset_h.tolist(), damage.asset_idx.tolist()
        duration_h, repair_h = damage.duration_h.tolist(), damage.repair_h.tolist()
        fault_lat, fault_lon = damage.fault_lat.tolist(), damage.fault_lon.tolist()
        fault_km, fault_depth_m = damage.fault_km.tolist(), damage.fault_depth_m.tolist()
        for k in np.argsort(damage.onset_h, kind="stable").tolist():
            wait = onset_h[k] - self.env.now
            if wait > 0:
                yield self.env.timeout(wait)
            asset = asset_idx[k]
            if math.isnan(duration_h[k]):
                if self.state.damage(
                    self.env.now, asset, damage.cause, located[k], cause_class=damage.cause_class
                ):
                    self.start_repair(
                        asset,
                        repair_h[k],
                        fault_lat[k],
                        fault_lon[k],
                        fault_km[k],
                        fault_depth_m[k],
                    )
            else:
                self.state.take_down(
                    self.env.now, asset, damage.cause, cause_class=damage.cause_class
                )
                self._self_restore(asset, duration_h[k], damage.cause)

    def _self_restore(self, asset: int, duration_h: float, cause: str) -> None:
        ended = f"{cause} ended"
        self.env.timeout(duration_h).callbacks.append(
            lambda _: self.state.bring_up(self.env.now, asset, ended)
        )

    # -- repairs -----------------------------------------------------------------------

    def start_repair(
        self,
        asset: int,
        repair_h: float,
        lat: float,
        lon: float,
        km: float = math.nan,
        depth_m: float = math.nan,
    ) -> None:
        """Queue a repair job with a ship (submarine-cable faults, if ships exist) or
        the asset's depot; with neither, the asset stays down to the horizon.

        Parameters
        ----------
        asset : int
            Asset index.
        repair_h : float
            Drawn repair hours on site (NaN: drawn when the job starts).
        lat, lon : float
            The fault's position, degrees (NaN: the asset's own).
        km : float
            Where along the cable the fault is, km from its first end (NaN: unknown).
        depth_m : float
            Water depth at a cable fault, m (NaN: unknown).
        """
        arrays = self.arrays
        at_asset = math.isnan(lat)  # no fault location: the trip is precomputed per asset
        if at_asset:
            lat, lon = float(arrays.asset_lat[asset]), float(arrays.asset_lon[asset])
        self._seq += 1
        job = Job(self._seq, asset, self.env.now, lat, lon, repair_h)
        if self.ships and arrays.asset_kinds[asset] == "submarine_cable":
            self.ships.submit(job, km, depth_m)
            return
        depot = self.plan.crew_plan.depot_of_asset[asset]
        if depot == NO_DEPOT:
            return
        if math.isnan(job.repair_h):
            job.repair_h = self.plan.repair_durations[arrays.asset_kinds[asset]].sample(self.rng)
        job.travel_h = (
            float(self.plan.crew_plan.travel_h[asset])
            if at_asset
            else self.plan.crew_plan.travel_to(depot, lat, lon)
        )
        job.open_at_h = self._opens_at(asset, lat, lon)
        self.crews.submit(depot, job)

    def _opens_at(self, asset: int, lat: float, lon: float) -> float:
        """When work may start on ``asset`` at (``lat``, ``lon``): closed areas."""
        return self.closed_areas.opens_at(asset, lat, lon)

    def _repair_overloaded(self, node: int) -> None:
        """A repair job for a node the overload cascade tripped."""
        self.start_repair(node, float("nan"), float("nan"), float("nan"))

    # -- failure by disconnection -----------------------------------------------------

    def _schedule_disconnection_check(self) -> None:
        if not self._disconnection_due:
            self._disconnection_due = True
            self.env.process(self._check_disconnection())

    def _check_disconnection(self):
        """Process: once per instant with a physical change, after all of them, hold
        down the members cut off at the fixed point and release the reconnected."""
        yield self.env.timeout(0)
        self._disconnection_due = False
        state, system = self.state, self.interdependency
        point = system.fixed_point(state.physically_up())
        held = state.disconnected[: self.arrays.n_nodes]
        for node in np.flatnonzero(held & ~point.disconnected).tolist():
            state.set_disconnected(self.env.now, node, False, "reconnected")
        for node in np.flatnonzero(point.disconnected & ~held).tolist():
            cause = system.describe(int(point.rule[node]))
            state.set_disconnected(self.env.now, node, True, cause)


__all__ = ["Replication", "closed_until_h", "simulate_planned", "simulate_replication"]
