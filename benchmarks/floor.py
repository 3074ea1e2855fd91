"""The floor: the same repair schedule in SimPy alone, plus one connectivity pass.

No state, no log, no policy: one process per repair job that waits for its
creation time, holds a crew of its depot (a ``simpy.Resource``, first come first
served) for travel + repair + travel back, and releases it. That is the least any
engine built on SimPy pays for the schedule; add one
``scipy.sparse.csgraph.connected_components`` pass, the least a service model pays.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import simpy

from resilience_sim.engine.crews import NO_DEPOT, CrewPlan
from resilience_sim.engine.service import component_labels
from resilience_sim.scenario.schema import Recovery
from resilience_sim.topology.compile import NetworkArrays


@dataclass(frozen=True)
class Jobs:
    """Repair jobs in creation order: depot, creation time, one-way travel and repair, hours."""

    asset: np.ndarray
    depot: np.ndarray
    created_h: np.ndarray
    travel_h: np.ndarray
    repair_h: np.ndarray


def repair_jobs(
    arrays: NetworkArrays,
    damages: list,
    recovery: Recovery,
    crew_plan: CrewPlan,
    rng: np.random.Generator,
) -> Jobs:
    """The crew jobs the engine creates for ``damages`` (durations drawn in the same order).

    Each damaged asset needing a crew becomes one job when its damage strikes
    (earliest first within a damage, damages in order); an asset already awaiting
    repair is not queued twice; kinds no depot repairs get no job.
    """
    jobs: list[tuple[int, int, float, float, float]] = []
    awaiting: set[int] = set()
    durations: dict[str, object] = {}
    events = []
    for d, damage in enumerate(damages):
        for k in np.argsort(damage.onset_h, kind="stable"):
            if np.isnan(damage.duration_h[k]):
                events.append((float(damage.onset_h[k]), d, int(k)))
    events.sort(key=lambda e: e[0])  # stable: damages in order at equal times
    for onset, d, k in events:
        asset = int(damages[d].asset_idx[k])
        depot = int(crew_plan.depot_of_asset[asset])
        if asset in awaiting or depot == NO_DEPOT:
            continue
        awaiting.add(asset)
        kind = str(arrays.asset_kinds[asset])
        if kind not in durations:
            durations[kind] = recovery.repair_duration(kind)
        repair_h = durations[kind].sample(rng)
        lat, lon = float(arrays.asset_lat[asset]), float(arrays.asset_lon[asset])
        jobs.append((asset, depot, onset, crew_plan.travel_to(depot, lat, lon), repair_h))
    columns = list(zip(*jobs, strict=True)) if jobs else [()] * 5
    return Jobs(*(np.asarray(c) for c in columns))


def replay_jobs(jobs: Jobs, crew_counts: tuple[int, ...]) -> np.ndarray:
    """Run the schedule in SimPy; return each job's repair completion time, hours."""
    env = simpy.Environment()
    depots = [simpy.Resource(env, capacity=c) for c in crew_counts]
    done = np.full(len(jobs.asset), np.nan)

    def job(i: int, depot: simpy.Resource, created_h: float, travel_h: float, repair_h: float):
        if created_h > env.now:
            yield env.timeout(created_h - env.now)
        with depot.request() as request:
            yield request
            yield env.timeout(travel_h + repair_h)
            done[i] = env.now
            if travel_h > 0:
                yield env.timeout(travel_h)

    for i, (d, c, t, r) in enumerate(
        zip(
            jobs.depot.tolist(),
            jobs.created_h.tolist(),
            jobs.travel_h.tolist(),
            jobs.repair_h.tolist(),
            strict=True,
        )
    ):
        env.process(job(i, depots[d], c, t, r))
    env.run()
    return done


def floor_seconds(
    arrays: NetworkArrays, jobs: Jobs, crew_counts: tuple[int, ...]
) -> tuple[float, np.ndarray]:
    """Time the SimPy replay plus one connected-components pass.

    Returns ``(wall s, CPU s, completion time of each job in hours)``.
    """
    started, cpu_started = time.perf_counter(), time.process_time()
    done = replay_jobs(jobs, crew_counts)
    component_labels(arrays, np.ones(arrays.n_assets, dtype=bool))
    return time.perf_counter() - started, time.process_time() - cpu_started, done
