"""One replication as a SimPy discrete-event simulation.

Hazard damage is applied at its onset times; damaged assets become repair jobs
for field crews (or cable ships, for submarine-cable faults); power loss drains
batteries; declared dependencies propagate failures; stopgaps arrive after their
delay. Every state change goes through the
:class:`~resilience_sim.engine.state.NetworkState` into one event log. Who is
served is computed afterwards from that log by :mod:`resilience_sim.engine.service`.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence

import numpy as np
import simpy

from resilience_sim.engine.backup import attach_backup
from resilience_sim.engine.crews import NO_DEPOT, CrewPlan
from resilience_sim.engine.dependencies import DependencyGraph
from resilience_sim.engine.disconnection import Interdependency
from resilience_sim.engine.motter_lai import OverloadLoad, betweenness_load, pivot_nodes
from resilience_sim.engine.policies import make_policy
from resilience_sim.engine.power import PowerModel
from resilience_sim.engine.recovery import CrewDepots, Job
from resilience_sim.engine.routing import Routing
from resilience_sim.engine.ships import ShipFleet
from resilience_sim.engine.state import (
    CONGESTION,
    DEGRADE,
    HIJACK_END,
    HIJACK_START,
    EventLog,
    NetworkState,
)
from resilience_sim.engine.stopgaps import CellsOnWheels, SatelliteTerminals
from resilience_sim.engine.traffic import overloaded_nodes, route_traffic
from resilience_sim.geo import haversine_km
from resilience_sim.hazards.base import (
    CapacityLoss,
    CrewImpairment,
    Damage,
    GridOutage,
    RouteHijack,
)
from resilience_sim.scenario.custom_policy import CustomPolicy
from resilience_sim.scenario.power import PowerSpec
from resilience_sim.scenario.recovery import CellOnWheels, PortableGenerators, SatelliteGateway
from resilience_sim.scenario.schema import Recovery
from resilience_sim.topology.compile import NetworkArrays


def simulate_replication(
    arrays: NetworkArrays,
    damages: Sequence[Damage | GridOutage | CapacityLoss | RouteHijack | CrewImpairment],
    recovery: Recovery,
    crew_plan: CrewPlan,
    rng: np.random.Generator,
    horizon_h: float,
    demand_gbps: np.ndarray | None = None,
    overload_alpha: float | None = None,
    start_date: datetime.date | None = None,
    custom_policy: CustomPolicy | None = None,
    interdependency: Interdependency | None = None,
    routing: Routing = "shortest",
    overload_load: OverloadLoad = "demand",
    overload_pivots: int | None = None,
    power: PowerSpec | None = None,
    power_rng: np.random.Generator | None = None,
) -> EventLog:
    """Run one replication to ``horizon_h`` hours and return its event log.

    ``rng`` draws repair durations only (when a crew job is created or a ship
    starts a repair), so hazard draws and repair draws never shift each other.
    With ``overload_alpha`` (and ``demand_gbps``) the Motter-Lai overload cascade runs.
    ``start_date``: the calendar date at hour 0 (seasonal weather of the cable ships).
    ``custom_policy``: the study's resolved ``recovery.policy`` when it names a user
    function (resolved here otherwise).
    ``interdependency``: the scenario's dependency rules compiled with the topology's
    ``depends_on`` (:func:`~resilience_sim.engine.disconnection.compile_rules`).
    ``routing``: how the overload cascade routes traffic (shortest or widest paths);
    ``overload_load``/``overload_pivots``: its load model (see :meth:`Replication.enable_overload`).
    ``power``: the scenario's power section (sites' back-up drawn from ``power_rng``).
    """
    run = Replication(arrays, recovery, crew_plan, rng, start_date, custom_policy, interdependency)
    if power is not None:
        run.attach_power(power, power_rng)
    if overload_alpha is not None and demand_gbps is not None:
        run.enable_overload(demand_gbps, overload_alpha, routing, overload_load, overload_pivots)
    for damage in damages:
        if isinstance(damage, GridOutage):
            run.env.process(run.power.grid_outage(damage))
        elif isinstance(damage, CapacityLoss):
            run.env.process(run.apply_capacity_loss(damage))
        elif isinstance(damage, RouteHijack):
            run.env.process(run.apply_hijack(damage))
        elif isinstance(damage, CrewImpairment):
            run.add_crew_impairment(damage)
        else:
            run.env.process(run.apply_damage(damage))
    run.env.run(until=horizon_h)
    return run.log


class Replication:
    """The SimPy environment and the models of one replication, wired together."""

    def __init__(
        self,
        arrays: NetworkArrays,
        recovery: Recovery,
        crew_plan: CrewPlan,
        rng: np.random.Generator,
        start_date: datetime.date | None = None,
        custom_policy: CustomPolicy | None = None,
        interdependency: Interdependency | None = None,
    ):
        self.env = simpy.Environment()
        self.arrays, self.recovery, self.crew_plan, self.rng = arrays, recovery, crew_plan, rng
        self.log = EventLog()
        if interdependency is not None:
            deps = interdependency.deps
        else:
            deps = DependencyGraph(arrays.dependency_src, arrays.dependency_dst, arrays.n_assets)
        self.state = NetworkState(arrays.n_assets, self.log, deps)
        self.interdependency = interdependency if interdependency else None
        if self.interdependency is not None:
            self._disconnection_due = False
            self.state.on_physical_change = self._schedule_disconnection_check
            self._schedule_disconnection_check()  # largest-component rules apply from t = 0
        self.state.names = arrays.asset_ids
        self.state.hold_in_standby(np.flatnonzero(arrays.standby))
        self.power = PowerModel(self.env, self.state, arrays)
        policy = make_policy(recovery.policy, arrays, self.state, custom_policy)
        self.crews = CrewDepots(self.env, self.state, crew_plan, policy)
        self.ships = ShipFleet(
            self.env,
            self.state,
            list(recovery.cable_ships),
            policy,
            rng,
            recovery.cable_logistics,
            arrays.asset_ids,
            start_date,
        )
        self.closed_until_h = closed_until_h(recovery, arrays)
        self._durations: dict = {}
        self._capacity_factors: dict[int, list[float]] = {}
        self._seq = 0
        for area in recovery.closed_areas:
            self.env.process(self._reopen(area.until_h))
        self._schedule_stopgaps()

    def attach_power(self, power: PowerSpec, rng: np.random.Generator) -> None:
        """Sampled back-up per site, recharge and fuel trucks (engine/backup.py, fuel.py)."""
        a = self.arrays
        attach_backup(
            self.power,
            power,
            a,
            rng,
            lambda node: self._opens_at(node, float(a.asset_lat[node]), float(a.asset_lon[node])),
            [area.until_h for area in self.recovery.closed_areas],
        )

    # -- damage ----------------------------------------------------------------------

    def apply_damage(self, damage: Damage):
        """Process: wait for each onset in ``damage`` (earliest first), take the asset down.

        A NaN duration needs a repair job; a finite one is a self-restoring outage.
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
        ``km``/``depth_m``: where along the cable and how deep a cable fault is."""
        arrays = self.arrays
        at_asset = math.isnan(lat)  # no fault location: the trip is precomputed per asset
        if at_asset:
            lat, lon = float(arrays.asset_lat[asset]), float(arrays.asset_lon[asset])
        self._seq += 1
        job = Job(self._seq, asset, self.env.now, lat, lon, repair_h)
        if self.ships and arrays.asset_kinds[asset] == "submarine_cable":
            self.ships.submit(job, km, depth_m)
            return
        depot = self.crew_plan.depot_of_asset[asset]
        if depot == NO_DEPOT:
            return
        if math.isnan(job.repair_h):
            kind = arrays.asset_kinds[asset]
            if kind not in self._durations:
                self._durations[kind] = self.recovery.repair_duration(kind)
            job.repair_h = self._durations[kind].sample(self.rng)
        job.travel_h = (
            float(self.crew_plan.travel_h[asset])
            if at_asset
            else self.crew_plan.travel_to(depot, lat, lon)
        )
        job.open_at_h = self._opens_at(asset, lat, lon)
        self.crews.submit(depot, job)

    def _opens_at(self, asset: int, lat: float, lon: float) -> float:
        until = float(self.closed_until_h[asset])
        for area in self.recovery.closed_areas:
            if area.center is not None:
                km = float(haversine_km(area.center.lat, area.center.lon, lat, lon))
                if km <= area.radius_km:
                    until = max(until, area.until_h)
        return until

    def _reopen(self, at_h: float):
        yield self.env.timeout(at_h)
        self.crews.wake_all()

    # -- cyber effects that are not failures ----------------------------------------

    def apply_capacity_loss(self, loss: CapacityLoss):
        """Process: scale link capacities at each onset, undo after each duration.

        Overlapping losses on a link multiply; each change is a DEGRADE event whose
        value is the link's remaining share of capacity.
        """
        for k in np.argsort(loss.onset_h, kind="stable"):
            wait = loss.onset_h[k] - self.env.now
            if wait > 0:
                yield self.env.timeout(wait)
            link = int(loss.asset_idx[k]) - self.arrays.n_nodes
            frac = float(np.clip(loss.remaining_frac[k], 0.0, 1.0))
            self._scale_capacity(link, frac, loss.cause, remove=False)
            self.env.process(
                self._end_capacity_loss(link, frac, float(loss.duration_h[k]), loss.cause)
            )

    def _end_capacity_loss(self, link: int, frac: float, duration_h: float, cause: str):
        yield self.env.timeout(duration_h)
        self._scale_capacity(link, frac, f"{cause} ended", remove=True)

    def _scale_capacity(self, link: int, frac: float, cause: str, remove: bool) -> None:
        factors = self._capacity_factors.setdefault(link, [])
        if remove:
            factors.remove(frac)
        else:
            factors.append(frac)
        remaining = float(np.prod(factors)) if factors else 1.0
        self.log.record(self.env.now, self.arrays.n_nodes + link, DEGRADE, cause, value=remaining)

    def apply_hijack(self, hijack: RouteHijack):
        """Process: divert each region's international traffic for its duration."""
        n_assets = self.arrays.n_assets
        for k in np.argsort(hijack.onset_h, kind="stable"):
            wait = hijack.onset_h[k] - self.env.now
            if wait > 0:
                yield self.env.timeout(wait)
            subject = n_assets + int(hijack.region_idx[k])
            self.log.record(self.env.now, subject, HIJACK_START, hijack.cause)
            self.env.process(self._end_hijack(subject, float(hijack.duration_h[k]), hijack.cause))

    def _end_hijack(self, subject: int, duration_h: float, cause: str):
        yield self.env.timeout(duration_h)
        self.log.record(self.env.now, subject, HIJACK_END, f"{cause} mitigated")

    def add_crew_impairment(self, impairment: CrewImpairment) -> None:
        """Crews of the named depots are slowed or blocked while the centre is down."""
        self.crews.impairments.append(impairment)
        centre = impairment.centre_idx
        self.state.listeners.append(
            lambda t_h, asset, up: self.crews.wake_all() if asset == centre and up else None
        )

    # -- overload cascade ------------------------------------------------------------

    def enable_overload(
        self,
        demand_gbps: np.ndarray,
        alpha: float,
        routing: Routing = "shortest",
        load: OverloadLoad = "demand",
        pivots: int | None = None,
    ) -> None:
        """Check loads once per instant after any change; trip overloaded nodes.

        ``load``: the demand routed through a node (default) or its all-pairs betweenness
        (Motter-Lai's own load, :mod:`resilience_sim.engine.motter_lai`; ``pivots``
        samples its sources)."""
        self._demand, self._alpha, self._routing = demand_gbps, alpha, routing
        self._load_model = load
        self._pivots = pivot_nodes(self.arrays.n_nodes, pivots)
        self._initial_load = self._loads()
        self._overload_check_due = False
        self.state.listeners.append(lambda t_h, asset, up: self._schedule_overload_check())

    def _schedule_overload_check(self) -> None:
        if not self._overload_check_due:
            self._overload_check_due = True
            self.env.process(self._check_overload())

    def _check_overload(self):
        yield self.env.timeout(0)  # after every change of this instant
        self._overload_check_due = False
        n = self.arrays.n_nodes
        load = self._loads()
        tripped = overloaded_nodes(load, self._initial_load, self._alpha, self.state.up[:n])
        unit = " Gbit/s" if self._load_model == "demand" else " shortest paths"
        for node in tripped:
            cause = (
                f"overload: {load[node]:.3g}{unit} > (1 + {self._alpha:g})"
                f" x {self._initial_load[node]:.3g}"
            )
            if self.state.damage(
                self.env.now, int(node), cause, propagated=True, cause_class=CONGESTION
            ):
                self.start_repair(int(node), float("nan"), float("nan"), float("nan"))

    def _loads(self) -> np.ndarray:
        """``(n_nodes,)`` load of every node under the overload model."""
        if self._load_model == "betweenness":
            return betweenness_load(self.arrays, self.state.up, self._pivots)
        return route_traffic(
            self.arrays, self.state.up, self._demand, routing=self._routing
        ).through_gbps

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

    # -- stopgaps ----------------------------------------------------------------------

    def _schedule_stopgaps(self) -> None:
        for asset, at_h in zip(
            np.flatnonzero(self.arrays.standby),
            self.arrays.deploy_at_h[self.arrays.standby],
            strict=True,
        ):
            if math.isfinite(at_h):  # releasable terminals deploy themselves
                self.env.process(self._deploy(int(asset), float(at_h)))
        satellites = [s for s in self.recovery.stopgaps if isinstance(s, SatelliteGateway)]
        releasable = [(i, s) for i, s in enumerate(satellites) if s.release == "on_restore"]
        if releasable:
            SatelliteTerminals(self.env, self.state, self.arrays, releasable)
        self.cells_on_wheels = CellsOnWheels(self.env, self.state, self.arrays)
        for stopgap in self.recovery.stopgaps:
            if isinstance(stopgap, CellOnWheels | PortableGenerators):
                self.env.process(self._regional_stopgap(stopgap))

    def _deploy(self, asset: int, at_h: float):
        yield self.env.timeout(at_h)
        self.state.bring_up(self.env.now, asset, f"stopgap {self.arrays.asset_ids[asset]} deployed")

    def _regional_stopgap(self, stopgap: CellOnWheels | PortableGenerators):
        """Process: at arrival, serve the most populous eligible sites of the region."""
        yield self.env.timeout(stopgap.after_h)
        if isinstance(stopgap, CellOnWheels):
            self.cells_on_wheels.cover(stopgap, stopgap.units)
            return
        a = self.arrays
        region = a.region_names.index(stopgap.region)
        in_region = np.flatnonzero(a.region_of_node == region)
        wanted = in_region[self.power.supply_lost[in_region] > 0]
        chosen = wanted[np.argsort(-a.population[wanted], kind="stable")][: stopgap.units]
        for node in chosen:
            cause = f"stopgap {stopgap.type} in {stopgap.region}"
            self.env.process(self.power.run_generator(int(node), stopgap.fuel_h, cause))


def closed_until_h(recovery: Recovery, arrays: NetworkArrays) -> np.ndarray:
    """Per asset, when crews may start work there because of region closures (0 = open).

    A link is inside a closed region when either end node is. Circular areas are
    checked per job (a fault has its own location).
    """
    until = np.zeros(arrays.n_assets)
    names = np.asarray(arrays.region_names, dtype=object)
    for area in recovery.closed_areas:
        if not area.regions:
            continue
        closed = np.isin(names, area.regions)[arrays.region_of_node]
        inside = np.concatenate([closed, closed[arrays.link_src] | closed[arrays.link_dst]])
        until[inside] = np.maximum(until[inside], area.until_h)
    return until
