"""The compiled plan of a study's replications (engine/plan.py) and the modules split out of
Replication (closed areas, stopgaps, cyber effects, overload): parts worked by hand, and
one plan reused by every replication (and pickled) giving the logs of a fresh plan each."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import numpy as np
import pytest
from conftest import fixed, scenario_on

from resilience_sim.engine import compile_plan, simulate_planned, simulate_replication
from resilience_sim.engine.closed_areas import ClosedAreas
from resilience_sim.engine.crews import plan_crews
from resilience_sim.engine.simulation import closed_until_h
from resilience_sim.engine.state import DEGRADE, REPAIR, EventLog
from resilience_sim.errors import InputError
from resilience_sim.experiments.multi_study import build_contexts
from resilience_sim.experiments.study import StudyContext, replication_damages
from resilience_sim.geo import haversine_km
from resilience_sim.hazards import sample_hazards
from resilience_sim.hazards.base import CapacityLoss
from resilience_sim.rng import replication_rngs, replication_seeds
from resilience_sim.scenario import load_scenario
from resilience_sim.scenario.schema import Overload
from resilience_sim.topology import compile_topology

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def closed_scenario(line, **fields):
    """Region r2 (b, c) closed until 50 h; a 5 km circle around a until 80 h; one crew
    at ex."""
    return scenario_on(
        line,
        recovery={
            "crews": [{"depot": "ex", "count": 1}],
            "closed_areas": [
                {"regions": ["r2"], "until_h": 50.0},
                {"center": {"lat": 0.0, "lon": 0.2}, "radius_km": 5.0, "until_h": 80.0},
            ],
            "repair_h": {"cell_site": fixed(10.0)},
        },
        **fields,
    )


def test_closed_areas_by_hand(line):
    scenario = closed_scenario(line)
    arrays = compile_topology(line)
    areas = ClosedAreas.compile(scenario.spec.recovery, arrays)
    # nodes gw ex a b c, then links gw-ex ex-a a-b b-c: a link is closed with either end
    assert areas.until_h.tolist() == [0, 0, 0, 50, 50, 0, 0, 50, 50]
    assert areas.reopen_h == (50.0, 80.0)
    # a is 0 km from the circle's centre; b is 11.1 km away (0.1 deg of longitude)
    assert areas.opens_at(2, 0.0, 0.2) == 80.0
    assert areas.opens_at(3, 0.0, 0.3) == 50.0
    assert areas.opens_at(1, 0.0, 0.1) == 0.0
    # a located fault on link ex-a (asset 6) inside the circle waits for it
    assert areas.opens_at(6, 0.0, 0.19) == 80.0
    assert areas.opens_at(6, 0.0, 0.15) == 0.0  # 5.6 km from the centre
    # every node's opening at its own position, compiled once (the fuel trucks' array)
    n = arrays.n_nodes
    expected = [areas.opens_at(i, arrays.asset_lat[i], arrays.asset_lon[i]) for i in range(n)]
    assert areas.node_opens_h.tolist() == expected == [0.0, 0.0, 80.0, 50.0, 50.0]
    # the region array is the public closed_until_h, still importable from the engine
    np.testing.assert_array_equal(closed_until_h(scenario.spec.recovery, arrays), areas.until_h)


def test_only_circles_keep_no_per_asset_array(line):
    scenario = scenario_on(
        line,
        recovery={
            "closed_areas": [
                {"center": {"lat": 0.0, "lon": 0.2}, "radius_km": 5.0, "until_h": 80.0}
            ]
        },
    )
    areas = ClosedAreas.compile(scenario.spec.recovery, compile_topology(line))
    assert areas.until_h is None
    assert areas.opens_at(4, 0.0, 0.4) == 0.0
    assert areas.opens_at(2, 0.0, 0.2) == 80.0


def test_crews_wait_for_the_closed_areas(line):
    """One crew at ex (11.1 km from a, 22.2 km from b); a and b fail at 0 h, 10 h
    repairs. b's region opens at 50 h, a's circle at 80 h: the crew takes b first."""
    scenario = closed_scenario(line, hazards=[{"type": "asset_failure", "assets": ["a", "b"]}])
    context = StudyContext.build(scenario)
    arrays = context.arrays
    rngs = replication_rngs(replication_seeds(1, 1)[0])
    damages = sample_hazards(scenario.spec, context.topology, arrays, rngs["hazards"])
    log = simulate_planned(arrays, context.plan, damages, rngs["repairs"])
    repairs = [
        (t, str(arrays.asset_ids[a]))
        for t, a, e in zip(log.time_h, log.asset_idx, log.event, strict=True)
        if e == REPAIR
    ]
    crew = scenario.spec.recovery.crews[0]
    hours_per_km = scenario.spec.recovery.detour_factor / crew.speed_kmh
    trip_a = float(haversine_km(0.0, 0.1, 0.0, 0.2)) * hours_per_km
    trip_b = float(haversine_km(0.0, 0.1, 0.0, 0.3)) * hours_per_km
    b_done = 50.0 + trip_b + 10.0  # leaves when r2 opens
    a_done = max(80.0, b_done + trip_b) + trip_a + 10.0  # back at ex, then a from 80 h
    assert [name for _, name in repairs] == ["b", "a"]
    assert [t for t, _ in repairs] == pytest.approx([b_done, a_done])


def test_stopgap_plan_by_hand(line):
    scenario = scenario_on(
        line,
        recovery={
            "stopgaps": [
                {"type": "satellite_gateway", "node": "b", "after_h": 12.0, "capacity_gbps": 1.0},
                {
                    "type": "satellite_gateway",
                    "node": "a",
                    "redeploy_to": ["c"],
                    "after_h": 6.0,
                    "capacity_gbps": 1.0,
                    "release": "on_restore",
                },
                {"type": "cell_on_wheels", "region": "r2", "units": 1, "after_h": 3.0},
                {"type": "generator", "region": "r1", "units": 1, "after_h": 4.0},
            ]
        },
    )
    context = StudyContext.build(scenario)
    arrays, plan = context.arrays, context.plan.stopgaps
    index = {str(a): i for i, a in enumerate(arrays.asset_ids)}
    # the fixed terminal deploys itself at 12 h; the releasable one decides where it works
    assert plan.deploy == ((index["stopgap-0-b-satellite"], 12.0),)
    assert [s.node for s in plan.terminals.specs] == ["a"]
    assert plan.terminals.sites[0].tolist() == [index["a"], index["c"]]
    assert plan.terminals.links[0].tolist() == [
        index["stopgap-1-a-satellite"],
        index["stopgap-1-c-satellite"],
    ]
    assert [s.type for s in plan.regional] == ["cell_on_wheels", "generator"]
    assert plan.region_cell_sites["r2"].tolist() == [index["b"], index["c"]]
    assert plan.region_nodes["r1"].tolist() == [index["a"]]
    assert context.plan.standby.tolist() == sorted(
        index[k]
        for k in ("stopgap-0-b-satellite", "stopgap-1-a-satellite", "stopgap-1-c-satellite")
    )


def test_overlapping_capacity_losses_multiply(line):
    """Link a-b keeps 0.5 from 0 to 10 h and 0.4 from 5 to 20 h: 0.5, 0.2, 0.4, 1."""
    arrays = compile_topology(line)
    link = int(np.flatnonzero(arrays.asset_ids == "l-a-b")[0])
    loss = CapacityLoss(
        asset_idx=np.array([link, link]),
        onset_h=np.array([0.0, 5.0]),
        duration_h=np.array([10.0, 15.0]),
        remaining_frac=np.array([0.5, 0.4]),
        cause="ddos",
    )
    recovery = scenario_on(line).spec.recovery
    log = simulate_replication(
        arrays, [loss], recovery, plan_crews(recovery, arrays), np.random.default_rng(1), 30.0
    )
    degrade = [
        (t, v) for t, e, v in zip(log.time_h, log.event, log.value, strict=True) if e == DEGRADE
    ]
    assert [t for t, _ in degrade] == [0.0, 5.0, 10.0, 20.0]
    assert [v for _, v in degrade] == pytest.approx([0.5, 0.2, 0.4, 1.0])
    assert log.cause == ["ddos", "ddos", "ddos ended", "ddos ended"]


def with_overload(scenario, **overload):
    return dataclasses.replace(
        scenario, spec=scenario.spec.model_copy(update={"overload": Overload(**overload)})
    )


def feature_contexts():
    """Shipped scenarios with closed areas and stopgaps, power and fuel trucks (and on
    roads the storm closes), crew
    impairment, capacity loss; and the typhoon with both overload loads."""
    names = [
        "pacific_island_eruption",
        "pacific_island_cyclone_fuel",
        "pacific_island_cyclone_roads",
        "landlocked_ransomware",
        "archipelago_ddos_ixp_typhoon",
        "cyber_during_cyclone",
    ]
    scenarios = {n: load_scenario(SCENARIOS / f"{n}.yaml") for n in names}
    typhoon = load_scenario(SCENARIOS / "archipelago_typhoon.yaml")
    scenarios["typhoon overload"] = with_overload(typhoon, alpha=0.05)
    scenarios["typhoon betweenness"] = with_overload(
        typhoon, alpha=0.1, load="betweenness", pivots=15
    )
    return scenarios


@pytest.mark.parametrize("name", list(feature_contexts()))
def test_one_plan_for_every_replication_equals_a_fresh_plan_each(name):
    """Replications run one after the other on the study's plan (and on a pickled copy)
    give the logs of simulate_replication, which compiles a plan per call: no
    replication changes the plan."""
    scenario = feature_contexts()[name]
    context = StudyContext.build(scenario)
    spec, arrays = scenario.spec, context.arrays
    copied = pickle.loads(pickle.dumps(context.plan))
    for seed_seq in replication_seeds(7, 4):
        rngs = replication_rngs(seed_seq)
        damages = replication_damages(context, rngs)
        logs = []
        for plan in (context.plan, copied, None):
            rngs = replication_rngs(seed_seq)
            if plan is not None:
                logs.append(
                    simulate_planned(
                        arrays, plan, damages, rngs["repairs"], rngs["power"], rngs["roads"]
                    )
                )
                continue
            logs.append(
                simulate_replication(
                    arrays,
                    damages,
                    spec.recovery,
                    context.crew_plan,
                    rngs["repairs"],
                    spec.horizon_hours,
                    power_rng=rngs["power"],
                    roads_rng=rngs["roads"],
                    **context.plan_options,
                )
            )
        assert len(logs[0]) > 0
        for log in logs[1:]:
            assert_same_log(log, logs[0])


def assert_same_log(got: EventLog, expected: EventLog) -> None:
    for field in ("time_h", "asset_idx", "event", "cause", "propagated", "cause_class"):
        assert getattr(got, field) == getattr(expected, field), field
    np.testing.assert_array_equal(got.values(), expected.values())  # NaN equal to NaN


def test_overload_loads_are_those_of_the_undamaged_network(line):
    """Demand 1 Mbit/s per user (a 100, b 50, c 25) routed to gw along the line: a node
    carries its own demand and its subtree's, computed once in the plan."""
    scenario = scenario_on(line, overload={"alpha": 0.5}, service={"demand_gbps_per_user": 0.001})
    plan = StudyContext.build(scenario).plan
    assert plan.overload.alpha == 0.5
    assert plan.overload.initial_load.tolist() == pytest.approx([0.175, 0.175, 0.175, 0.075, 0.025])
    assert StudyContext.build(scenario_on(line)).plan.overload is None


def test_unknown_custom_policy_fails_when_the_plan_is_compiled(line):
    recovery = scenario_on(line).spec.recovery.model_copy(update={"policy": "nowhere.mod:fn"})
    arrays = compile_topology(line)
    with pytest.raises(InputError, match="nowhere"):
        compile_plan(arrays, recovery, plan_crews(recovery, arrays), 10.0)


def test_settings_share_the_equal_parts_of_their_plans(line):
    """Two settings that differ only in the policy: one arrays object, one crew plan,
    one closed-areas part; two policies."""
    first = closed_scenario(line)
    second = dataclasses.replace(
        first,
        spec=first.spec.model_copy(
            update={"recovery": first.spec.recovery.model_copy(update={"policy": "critical_first"})}
        ),
    )
    a, b = build_contexts([first, second])
    assert b.arrays is a.arrays
    assert b.plan is not a.plan
    assert b.plan.crew_plan is a.plan.crew_plan
    assert b.crew_plan is a.crew_plan
    assert b.plan.closed_areas is a.plan.closed_areas
    assert b.plan.policy is not a.plan.policy
    assert b.plan.policy.rule.__name__ == "CriticalFirst"
    assert a.plan.policy.rule.__name__ == "Fifo"


def test_the_plan_is_write_protected(line):
    """Every array of a compiled plan (closed areas, stopgaps, overload loads, ...) is
    read-only: a replication writing into the shared plan fails at once."""
    scenario = scenario_on(line, overload={"alpha": 0.5}, service={"demand_gbps_per_user": 0.001})
    plan = StudyContext.build(scenario).plan
    with pytest.raises(ValueError, match="read-only"):
        plan.overload.initial_load[0] = 0.0
    writable = []

    def walk(part, path):
        if isinstance(part, np.ndarray):
            if part.flags.writeable:
                writable.append(path)
        elif dataclasses.is_dataclass(part) and not isinstance(part, type):
            for field in dataclasses.fields(part):
                walk(getattr(part, field.name), f"{path}.{field.name}")
        elif isinstance(part, tuple | list):
            for k, item in enumerate(part):
                walk(item, f"{path}[{k}]")
        elif isinstance(part, dict):
            for key, item in part.items():
                walk(item, f"{path}[{key!r}]")

    walk(plan, "plan")
    assert writable == []
