"""The benchmark workload: a synthetic national network, a regional disaster, one replication.

A regional disaster takes down every node and link of the regions nearest a random
epicentre, adding regions until about ``DISASTER_SHARE`` of the nodes are inside; crews
at every regional seat repair everything (FIFO) and the horizon is long enough for a
full recovery. Service is connectivity only (``demand_gbps_per_user: 0``): the
international-capacity max-flow is measured on its own (see run.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from resilience_sim.engine import EventArrays, simulate_planned
from resilience_sim.engine.fast_service import served_over_time_fast
from resilience_sim.experiments.study import StudyContext
from resilience_sim.hazards import sample_hazards
from resilience_sim.metrics import summarize_replication
from resilience_sim.rng import replication_rngs, replication_seeds
from resilience_sim.scenario import Scenario
from resilience_sim.topology import Topology, compile_topology
from resilience_sim.topology.generate import generate_topology

DISASTER_SHARE = 0.20  # share of nodes inside the struck regions (the issue's ~20 %)
CREWS_PER_1000_NODES = 20  # assumed; the last repair ends after ~70-75 days (measured)
HORIZON_H = 24.0 * 365  # long enough for every repair to finish


@dataclass
class Workload:
    """One size of the benchmark, built once."""

    n_nodes: int
    topology: Topology
    context: StudyContext
    generate_s: float
    compile_s: float

    @property
    def arrays(self):
        return self.context.arrays


def build_workload(n_nodes: int, seed: int = 1) -> Workload:
    """Generate the national network, compile it and set up the disaster scenario."""
    started = time.perf_counter()
    topology = generate_topology("national", n_nodes, seed)
    generated = time.perf_counter()
    arrays = compile_topology(topology)
    compiled = time.perf_counter()
    scenario = disaster_scenario(topology, arrays, seed)
    context = StudyContext.build(scenario, arrays=arrays)
    return Workload(n_nodes, topology, context, generated - started, compiled - generated)


def disaster_scenario(topology: Topology, arrays, seed: int) -> Scenario:
    """Regional outage of ~20 % of the nodes; crews at every regional seat's exchange."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 8])))
    n = arrays.n_nodes
    names = list(arrays.region_names)
    domestic = [r for r in names if r != "abroad"]
    region = arrays.region_of_node
    lat, lon = arrays.asset_lat[:n], arrays.asset_lon[:n]
    centre = {r: (lat[region == i].mean(), lon[region == i].mean()) for i, r in enumerate(names)}
    size = np.bincount(region, minlength=len(names)) / n
    epicentre = centre[domestic[rng.integers(1, len(domestic))]]  # not the capital's region
    by_distance = sorted(domestic, key=lambda r: np.hypot(*np.subtract(centre[r], epicentre)))
    struck, share = [], 0.0
    for r in by_distance:
        s = size[names.index(r)]
        if share + s <= DISASTER_SHARE * 1.15:
            struck.append(r)
            share += s
        if share >= DISASTER_SHARE * 0.9:
            break
    # the seat of a region is its first exchange (exchanges are numbered by town size)
    kinds = arrays.asset_kinds[:n]
    seats = {}
    for i in np.flatnonzero(kinds == "exchange"):
        seats.setdefault(names[region[i]], str(arrays.asset_ids[i]))
    total_crews = max(len(seats), round(CREWS_PER_1000_NODES * n / 1000))
    counts = np.maximum(1, np.round(size[[names.index(r) for r in seats]] * total_crews))
    crews = [{"depot": d, "count": int(c)} for d, c in zip(seats.values(), counts, strict=True)]
    data = {
        "name": f"regional disaster on {topology.name}",
        "horizon_h": HORIZON_H,
        "hazards": [{"type": "regional_outage", "regions": struck, "label": "regional disaster"}],
        "recovery": {"policy": "fifo", "crews": crews},
        "service": {"demand_gbps_per_user": 0.0},
    }
    return Scenario.from_dict(data, topology)


@dataclass
class Replication:
    """One replication's event log and timings (wall seconds of each stage, and CPU)."""

    events: EventArrays
    served: object
    seconds: dict[str, float]
    damages: list

    @property
    def time_h(self) -> np.ndarray:
        return self.events.time_h

    @property
    def asset_idx(self) -> np.ndarray:
        return self.events.asset_idx

    @property
    def event(self) -> np.ndarray:
        return self.events.event


def run_replication(workload: Workload, k: int, seed: int = 1) -> Replication:
    """Replication ``k`` through the real engine (on the study's compiled plan, as
    studies run it), with the fast service model."""
    ctx = workload.context
    spec = ctx.scenario.spec
    seed_seq = replication_seeds(seed, k + 1)[k]
    clock = [time.perf_counter()]
    cpu_started = time.process_time()

    def lap() -> float:
        clock.append(time.perf_counter())
        return clock[-1] - clock[-2]

    rngs = replication_rngs(seed_seq)
    damages = sample_hazards(spec, ctx.topology, ctx.arrays, rngs["hazards"])
    t_hazards = lap()
    log = simulate_planned(ctx.arrays, ctx.plan, damages, rngs["repairs"])
    events = log.to_arrays()
    t_engine = lap()
    served = served_over_time_fast(ctx.arrays, events, ctx.demand_gbps)
    t_service = lap()
    summarize_replication(served, ctx.baseline, spec.horizon_hours, events)
    t_metrics = lap()
    seconds = {
        "hazards": t_hazards,
        "engine": t_engine,
        "service": t_service,
        "metrics": t_metrics,
    }
    seconds["total"] = sum(seconds.values())
    seconds["total_cpu"] = time.process_time() - cpu_started  # robust on a shared machine
    return Replication(events, served, seconds, damages)
