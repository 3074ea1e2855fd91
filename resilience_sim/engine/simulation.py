"""One replication as a SimPy discrete-event simulation.

Hazard damage is applied at its onset times; damaged assets become repair jobs
that queue for the limited crews of their depot; every state change goes through
the :class:`~resilience_sim.engine.state.NetworkState` into one event log. Who is
served is computed afterwards from that log by :mod:`resilience_sim.engine.service`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import simpy

from resilience_sim.engine.crews import NO_DEPOT, CrewPlan
from resilience_sim.engine.state import EventLog, NetworkState
from resilience_sim.hazards.base import Damage
from resilience_sim.scenario.schema import Recovery
from resilience_sim.topology.compile import NetworkArrays


def simulate_replication(
    arrays: NetworkArrays,
    damages: Sequence[Damage],
    recovery: Recovery,
    crew_plan: CrewPlan,
    rng: np.random.Generator,
    horizon_h: float,
) -> EventLog:
    """Run one replication to ``horizon_h`` hours and return its event log.

    ``rng`` draws the repair durations only (one draw per repair job, when the
    job is created), so hazard draws and repair draws never shift each other.
    """
    env = simpy.Environment()
    log = EventLog()
    state = NetworkState(arrays.n_assets, log)
    depots = [simpy.Resource(env, capacity=count) for count in crew_plan.crew_counts]
    durations = {}

    def start_repair(asset: int, repair_h: float, fault_lat: float, fault_lon: float) -> None:
        depot = crew_plan.depot_of_asset[asset]
        if depot == NO_DEPOT:
            return  # nobody can repair this kind: it stays down to the horizon
        if np.isnan(repair_h):
            kind = arrays.asset_kinds[asset]
            if kind not in durations:
                durations[kind] = recovery.repair_duration(kind)
            repair_h = durations[kind].sample(rng)
        travel_h = (
            float(crew_plan.travel_h[asset])
            if np.isnan(fault_lat)
            else crew_plan.travel_to(depot, fault_lat, fault_lon)
        )
        cause = f"crew from {crew_plan.depot_names[depot]}"
        env.process(repair_job(env, state, asset, depots[depot], travel_h, repair_h, cause))

    for damage in damages:
        env.process(apply_damage(env, state, damage, start_repair))
    env.run(until=horizon_h)
    return log


def apply_damage(env: simpy.Environment, state: NetworkState, damage: Damage, start_repair):
    """Wait for each onset in ``damage`` (earliest first) and take the asset down.

    Damage with a NaN duration needs a crew (``start_repair`` queues the job, with
    the entry's repair time and fault location); a finite duration starts a
    :func:`self_restore` instead.
    """
    located = damage.has_fault_location()
    for k in np.argsort(damage.onset_h, kind="stable"):
        wait = damage.onset_h[k] - env.now
        if wait > 0:
            yield env.timeout(wait)
        asset = int(damage.asset_idx[k])
        duration = damage.duration_h[k]
        if np.isnan(duration):
            if state.damage(env.now, asset, damage.cause, is_separate_fault=bool(located[k])):
                start_repair(
                    asset,
                    float(damage.repair_h[k]),
                    float(damage.fault_lat[k]),
                    float(damage.fault_lon[k]),
                )
        else:
            state.take_down(env.now, asset, damage.cause)
            env.process(self_restore(env, state, asset, float(duration), damage.cause))


def self_restore(
    env: simpy.Environment, state: NetworkState, asset: int, duration_h: float, cause: str
):
    """Wait ``duration_h`` hours, then lift one outage reason from ``asset``."""
    yield env.timeout(duration_h)
    state.bring_up(env.now, asset, f"{cause} ended")


def repair_job(
    env: simpy.Environment,
    state: NetworkState,
    asset: int,
    crews: simpy.Resource,
    travel_h: float,
    repair_h: float,
    cause: str,
):
    """Wait for a crew of the depot, travel, repair, and travel back.

    The asset returns at the end of the repair; the crew is free again only
    when it is back at the depot. Jobs are served first come, first served.
    """
    with crews.request() as request:
        yield request
        yield env.timeout(travel_h + repair_h)
        state.repair(env.now, asset, cause)
        if travel_h > 0:
            yield env.timeout(travel_h)
