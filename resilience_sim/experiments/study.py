"""Run a scenario's replications and collect tidy result tables.

Everything that depends only on the topology and the scenario (compiled arrays,
crew plan, undamaged baseline) is built once per study; each replication then
draws from its own generators (see :mod:`resilience_sim.rng`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from resilience_sim.engine import (
    EVENT_NAMES,
    CrewPlan,
    ServedPopulation,
    baseline_population,
    plan_crews,
    served_over_time,
    simulate_replication,
)
from resilience_sim.errors import InputError
from resilience_sim.hazards import sample_hazards, warn_unrepairable
from resilience_sim.metrics import aggregate_summary, served_fraction, summarize_replication
from resilience_sim.rng import replication_rngs, replication_seeds
from resilience_sim.scenario import Scenario
from resilience_sim.topology import NetworkArrays, compile_topology


@dataclass(frozen=True)
class StudyContext:
    """What every replication of a study shares; built once."""

    scenario: Scenario
    arrays: NetworkArrays
    crew_plan: CrewPlan
    baseline: ServedPopulation

    @classmethod
    def build(cls, scenario: Scenario) -> StudyContext:
        arrays = compile_topology(scenario.topology)
        warn_unrepairable(
            scenario.spec, scenario.topology, arrays, str(scenario.source or scenario.name)
        )
        return cls(
            scenario,
            arrays,
            plan_crews(scenario.spec.recovery, arrays),
            baseline_population(arrays),
        )


@dataclass
class ReplicationOutput:
    """The tables of one replication, as column arrays."""

    replication: int
    served: ServedPopulation
    event_time_h: np.ndarray
    event_asset_idx: np.ndarray
    event_code: np.ndarray
    event_cause: list[str]
    summary: dict[str, float]


def run_replication(
    context: StudyContext, replication: int, seed_seq: np.random.SeedSequence
) -> ReplicationOutput:
    """Sample hazards, simulate recovery and evaluate service for one replication."""
    spec = context.scenario.spec
    rngs = replication_rngs(seed_seq)
    damages = sample_hazards(spec, context.scenario.topology, context.arrays, rngs["hazards"])
    log = simulate_replication(
        context.arrays,
        damages,
        spec.recovery,
        context.crew_plan,
        rngs["repairs"],
        spec.horizon_hours,
    )
    time_h, asset_idx, code = log.as_arrays()
    served = served_over_time(context.arrays, time_h, asset_idx, code)
    summary = summarize_replication(served, context.baseline, spec.horizon_hours)
    return ReplicationOutput(replication, served, time_h, asset_idx, code, log.cause, summary)


@dataclass
class SimulationResult:
    """Tidy results of a study: one DataFrame per table (see docs/results.md)."""

    scenario: Scenario
    seed: int
    replications: int
    timeline: pd.DataFrame
    regional: pd.DataFrame
    events: pd.DataFrame
    summary: pd.DataFrame
    wall_time_s: float
    aggregate_: pd.DataFrame | None = field(default=None, repr=False)

    def aggregate(self) -> pd.DataFrame:
        """Mean, p5, p50, p95 (and NaN count) of every summary metric across replications."""
        if self.aggregate_ is None:
            self.aggregate_ = aggregate_summary(self.summary)
        return self.aggregate_


def simulate(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> SimulationResult:
    """Run ``replications`` replications of ``scenario`` (defaults from the scenario file).

    ``progress`` is called with the number of replications finished so far.
    The same seed gives bit-identical tables.
    """
    if not isinstance(scenario, Scenario):
        raise InputError.single("<api>", "scenario", "expected a Scenario from load_scenario()")
    n = scenario.spec.replications if replications is None else replications
    seed = scenario.spec.seed if seed is None else seed
    if not isinstance(n, int) or n < 1:
        raise InputError.single("<api>", "replications", f"must be a positive integer, got {n!r}")
    if not isinstance(seed, int) or seed < 0:
        raise InputError.single("<api>", "seed", f"must be a non-negative integer, got {seed!r}")
    started = time.perf_counter()
    context = StudyContext.build(scenario)
    outputs = []
    for k, seed_seq in enumerate(replication_seeds(seed, n)):
        outputs.append(run_replication(context, k, seed_seq))
        if progress is not None:
            progress(k + 1)
    tables = collect_tables(context, outputs)
    return SimulationResult(
        scenario=scenario,
        seed=seed,
        replications=n,
        wall_time_s=time.perf_counter() - started,
        **tables,
    )


def collect_tables(
    context: StudyContext, outputs: list[ReplicationOutput]
) -> dict[str, pd.DataFrame]:
    """Stack replication outputs into the timeline, regional, events and summary tables."""
    arrays, baseline = context.arrays, context.baseline
    regions = np.asarray(arrays.region_names, dtype=object)
    timeline, regional, events = [], [], []
    for out in outputs:
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
                }
            )
        )
        r = len(regions)
        regional.append(
            pd.DataFrame(
                {
                    "replication": np.full(k * r, out.replication, dtype=np.int64),
                    "time_h": np.repeat(s.time_h, r),
                    "region": np.tile(regions, k),
                    "served_domestic_frac": served_fraction(
                        s.by_region_domestic, baseline.by_region_domestic[0]
                    ).ravel(),
                    "served_international_frac": served_fraction(
                        s.by_region_international, baseline.by_region_international[0]
                    ).ravel(),
                }
            )
        )
        events.append(
            pd.DataFrame(
                {
                    "replication": np.full(len(out.event_time_h), out.replication, dtype=np.int64),
                    "time_h": out.event_time_h,
                    "asset": arrays.asset_ids[out.event_asset_idx].astype(str),
                    "asset_kind": arrays.asset_kinds[out.event_asset_idx].astype(str),
                    "event": np.asarray(EVENT_NAMES, dtype=object)[out.event_code].astype(str),
                    "cause": np.asarray(out.event_cause, dtype=object).astype(str),
                }
            )
        )
    summary = pd.DataFrame([{"replication": o.replication, **o.summary} for o in outputs])
    return {
        "timeline": pd.concat(timeline, ignore_index=True),
        "regional": pd.concat(regional, ignore_index=True),
        "events": pd.concat(events, ignore_index=True),
        "summary": summary,
    }
