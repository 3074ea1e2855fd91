"""Hazard `power_grid_outage`: which grid regions and substations lose power, for how long."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import fixed, make_topology, scenario_on

import resilience_sim as rs
from resilience_sim.hazards import sample_hazards
from resilience_sim.hazards.base import Damage, GridOutage
from resilience_sim.hazards.power_grid_outage import sample_power_grid_outage
from resilience_sim.topology import compile_topology


def grid() -> rs.Topology:
    """gw - ex - {c1, c2}; c1 is fed straight from grid region north-grid (3 h battery),
    c2 from substation ps (2 h battery), ps from grid region south-grid; ps2 feeds nothing."""
    nodes = [
        {"id": "gw", "kind": "gateway", "lat": 0.0, "lon": 0.0},
        {"id": "ex", "kind": "exchange", "lat": 0.0, "lon": 0.1},
        {
            "id": "ps",
            "kind": "power_substation",
            "lat": 0.0,
            "lon": 0.1,
            "power_feed": "south-grid",
        },
        {"id": "ps2", "kind": "power_substation", "lat": 0.0, "lon": 0.3},
        {
            "id": "c1",
            "kind": "cell_site",
            "lat": 0.0,
            "lon": 0.2,
            "population": 100,
            "power_feed": "north-grid",
            "battery_h": 3,
        },
        {
            "id": "c2",
            "kind": "cell_site",
            "lat": 0.0,
            "lon": 0.2,
            "population": 50,
            "power_feed": "ps",
            "battery_h": 2,
        },
    ]
    links = [
        {"id": "l1", "source": "gw", "target": "ex", "kind": "terrestrial_fiber"},
        {"id": "l2", "source": "ex", "target": "c1", "kind": "terrestrial_fiber"},
        {"id": "l3", "source": "ex", "target": "c2", "kind": "terrestrial_fiber"},
    ]
    return make_topology(nodes, links, "grid")


def outage(**fields) -> dict:
    return {"type": "power_grid_outage", "restore_h": fixed(10.0), **fields}


def test_regions_become_grid_outages_and_substations_self_restoring_damage():
    topo = grid()
    arrays = compile_topology(topo)
    spec = scenario_on(
        topo, hazards=[outage(at_h=2.0, grid_regions=["north-grid"], substations=["ps2"])]
    ).spec
    region, substations = sample_power_grid_outage(
        spec.hazards[0], topo, arrays, np.random.default_rng(0), "cut"
    )
    assert isinstance(region, GridOutage) and isinstance(substations, Damage)
    assert [arrays.grid_regions[r] for r in region.region_idx] == ["north-grid"]
    np.testing.assert_array_equal(region.onset_h, [2.0])
    np.testing.assert_array_equal(region.duration_h, [10.0])
    assert arrays.asset_ids[substations.asset_idx].tolist() == ["ps2"]
    np.testing.assert_array_equal(substations.onset_h, [2.0])
    np.testing.assert_array_equal(substations.duration_h, [10.0])  # self-restoring
    assert not substations.has_fault_location().any()
    # sample_hazards hands both records to the engine, in order
    records = sample_hazards(spec, topo, arrays, np.random.default_rng(0))
    assert [type(r) for r in records] == [GridOutage, Damage]


def test_event_trace_through_the_power_model():
    """Outage at 1 h, restored after 10 h. c1 (fed by north-grid) lasts its 3 h battery:
    down 4 h -> 11 h. ps goes down at 1 h; c2, fed by it, lasts 2 h: down 3 h -> 11 h."""
    topo = grid()
    scenario = scenario_on(
        topo, hazards=[outage(at_h=1.0, grid_regions=["north-grid"], substations=["ps"])]
    )
    events = rs.simulate(scenario, replications=1, seed=0).events
    trace = sorted(zip(events.time_h, events.asset, events.event, strict=True))
    assert trace == [
        (1.0, "ps", "fail"),
        (3.0, "c2", "fail"),
        (4.0, "c1", "fail"),
        (11.0, "c1", "repair"),
        (11.0, "c2", "repair"),
        (11.0, "ps", "repair"),
    ]


def test_a_region_feeding_a_substation_cascades_through_it():
    """south-grid feeds ps (no battery), which feeds c2 (2 h): ps is down 0 -> 10 h,
    c2 2 -> 10 h."""
    topo = grid()
    scenario = scenario_on(topo, hazards=[outage(grid_regions=["south-grid"])])
    events = rs.simulate(scenario, replications=1, seed=0).events
    trace = sorted(zip(events.time_h, events.asset, events.event, strict=True))
    assert trace == [
        (0.0, "ps", "fail"),
        (2.0, "c2", "fail"),
        (10.0, "c2", "repair"),
        (10.0, "ps", "repair"),
    ]


def test_restoration_times_follow_the_distribution():
    """4,000 substations with restore_h lognormal (median 48 h, sigma 0.5), one draw each:
    the share restored by 48 h is 0.5 and by 48 exp(0.5) h is Phi(1) = 0.841345.
    Binomial SE = sqrt(p (1 - p) / 4000) = 0.0079 and 0.0058; allow 4 SE."""
    n = 4000
    topo = make_topology(
        [{"id": f"s{i}", "kind": "power_substation", "lat": 0.0, "lon": 0.0} for i in range(n)],
        [],
    )
    restore = {"dist": "lognormal", "median_h": 48.0, "sigma": 0.5}
    spec = scenario_on(
        topo, hazards=[outage(substations=[f"s{i}" for i in range(n)], restore_h=restore)]
    ).spec
    _, damage = sample_power_grid_outage(
        spec.hazards[0], topo, compile_topology(topo), np.random.default_rng(12345), "cut"
    )
    for t_h, p in ((48.0, 0.5), (48.0 * math.exp(0.5), 0.841345)):
        share = np.mean(damage.duration_h <= t_h)
        assert abs(share - p) < 4 * math.sqrt(p * (1 - p) / n)


def test_a_substation_keeps_its_draw_whatever_else_is_named():
    """One uniform per grid region and per node, whatever is named (common random
    numbers): naming another substation does not change ps2's restoration time."""
    topo = grid()
    arrays = compile_topology(topo)
    restore = {"dist": "exponential", "mean_h": 24.0}
    durations = []
    for names in (["ps2"], ["ps", "ps2"]):
        spec = scenario_on(topo, hazards=[outage(substations=names, restore_h=restore)]).spec
        _, damage = sample_power_grid_outage(
            spec.hazards[0], topo, arrays, np.random.default_rng(5), "cut"
        )
        durations.append(
            dict(zip(arrays.asset_ids[damage.asset_idx], damage.duration_h, strict=True))
        )
    assert durations[0]["ps2"] == durations[1]["ps2"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"grid_regions": ["west-grid"]}, "hazards[0].grid_regions[0]", "no grid region"),
        ({"grid_regions": ["ps"]}, "hazards[0].grid_regions[0]", "no grid region 'ps'"),
        ({"substations": ["ex"]}, "hazards[0].substations[0]", "is of kind exchange"),
        ({"substations": ["nowhere"]}, "hazards[0].substations[0]", "no node with id"),
        ({}, "hazards[0].grid_regions", "at least one grid region or substation"),
        (
            {"grid_regions": ["north-grid"], "duration_h": 5.0},
            "hazards[0].duration_h",
            "restore_h",
        ),
    ],
)
def test_bad_input_names_the_field(fields, field, message):
    with pytest.raises(rs.InputError) as info:
        scenario_on(grid(), hazards=[outage(**fields)])
    text = str(info.value)
    assert f"<scenario>: {field}: " in text, text
    assert message in text, text


def test_restore_h_is_required():
    with pytest.raises(rs.InputError, match=r"hazards\[0\]\.restore_h: required field"):
        scenario_on(grid(), hazards=[{"type": "power_grid_outage", "grid_regions": ["north-grid"]}])
