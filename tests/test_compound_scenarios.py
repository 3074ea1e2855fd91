"""Several hazards in one scenario, at different times, end to end through ``simulate``.

Exact event traces on hand-built cases (the SimPy style of test), a mixed random
scenario on the shipped island topology, and a scenario whose hazards reach nothing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import fixed, make_topology, scenario_on

import resilience_sim as rs
from resilience_sim.geo import KM_PER_NAUTICAL_MILE, haversine_km
from resilience_sim.hazards.kit.footprint import empty_footprints
from resilience_sim.topology import compile_topology

ISLAND = Path(__file__).resolve().parent.parent / "topologies" / "pacific_island.yaml"


def trace(result, replication=0):
    ev = result.events[result.events.replication == replication]
    return [(round(t, 6), a, e) for t, a, e in zip(ev.time_h, ev.asset, ev.event, strict=True)]


def colocated_island():
    """Everything at (0, 0): exchange ``ex`` (core, crew depot), gateway ``gw``, cell
    sites ``s1`` (region r1, 100 users, by fibre) and ``s2`` (50 users, by microwave)."""
    nodes = [
        {"id": "ex", "kind": "exchange", "lat": 0.0, "lon": 0.0, "region": "core"},
        {"id": "gw", "kind": "gateway", "lat": 0.0, "lon": 0.0, "region": "core"},
        {
            "id": "s1",
            "kind": "cell_site",
            "lat": 0.0,
            "lon": 0.0,
            "region": "r1",
            "population": 100,
        },
        {
            "id": "s2",
            "kind": "cell_site",
            "lat": 0.0,
            "lon": 0.0,
            "region": "core",
            "population": 50,
        },
    ]
    links = [
        {"id": "f-gw", "source": "ex", "target": "gw", "kind": "terrestrial_fiber"},
        {"id": "f1", "source": "ex", "target": "s1", "kind": "terrestrial_fiber"},
        {"id": "mw", "source": "ex", "target": "s2", "kind": "microwave"},
    ]
    return make_topology(nodes, links, "colocated")


def test_outage_then_damage_then_ash_at_different_times():
    """t = 0: a regional outage takes r1 (s1) down for 10 h (self-restoring).
    t = 0.5: s1 is also damaged; the co-located crew repairs it in 4 h (done 4.5 h), but
    s1 stays down until the outage ends at 10 h (down while any reason holds).
    t = 1: a VEI-4 eruption 0.5 deg east: nothing within its 10 km damage radius, but the
    microwave hop (55.597 km away, inside the 80 km ash radius) goes off the air when
    the ash arrives, 1 + 55.597 / 36 = 2.544 h, for 72 h (back at 74.544 h).

    Served domestic share (150 users): 100 % until 0, then 50/150 (s2 only) until the
    ash cuts s2 at 2.544, 0 until s1 is back at 10, 100/150 until 74.544, then 100 %."""
    ash_h = 1.0 + float(haversine_km(0, 0, 0, 0.5)) / 36.0
    scenario = scenario_on(
        colocated_island(),
        hazards=[
            {"type": "regional_outage", "regions": ["r1"], "at_h": 0.0, "duration_h": 10.0},
            {"type": "asset_failure", "assets": ["s1"], "at_h": 0.5},
            {"type": "volcanic_eruption", "vent": {"lat": 0.0, "lon": 0.5}, "vei": 4, "at_h": 1.0},
        ],
        recovery={"crews": [{"depot": "ex", "count": 1}], "repair_h": {"cell_site": fixed(4.0)}},
    )
    result = rs.simulate(scenario, replications=1, seed=0)
    assert trace(result) == [
        (0.0, "s1", "fail"),
        (round(ash_h, 6), "mw", "fail"),
        (10.0, "s1", "repair"),
        (round(ash_h + 72.0, 6), "mw", "repair"),
    ]
    timeline = result.timeline
    assert timeline.time_h.tolist() == pytest.approx([0.0, ash_h, 10.0, ash_h + 72.0])
    assert timeline.served_domestic_frac.tolist() == pytest.approx([50 / 150, 0, 100 / 150, 1])


def test_ash_fade_degrades_capacity_while_an_outage_holds_a_site_down():
    """As above, but ash leaves the microwave hop 25 % of its capacity instead of cutting
    it: a ``degrade`` event to 0.25 when the ash arrives and back to 1 after 72 h; s2
    keeps its connectivity (reachability is unchanged)."""
    ash_h = 1.0 + float(haversine_km(0, 0, 0, 0.5)) / 36.0
    scenario = scenario_on(
        colocated_island(),
        hazards=[
            {"type": "regional_outage", "regions": ["r1"], "at_h": 0.0, "duration_h": 10.0},
            {
                "type": "volcanic_eruption",
                "vent": {"lat": 0.0, "lon": 0.5},
                "vei": 4,
                "at_h": 1.0,
                "ash_remaining_frac": 0.25,
            },
        ],
    )
    result = rs.simulate(scenario, replications=1, seed=0)
    assert trace(result) == [
        (0.0, "s1", "fail"),
        (round(ash_h, 6), "mw", "degrade"),
        (10.0, "s1", "repair"),
        (round(ash_h + 72.0, 6), "mw", "degrade"),
    ]
    mw = result.events[result.events.asset == "mw"]
    assert mw.capacity_frac.tolist() == [0.25, 1.0]
    assert result.timeline.served_domestic_frac.tolist() == pytest.approx([1 / 3, 1 / 3, 1, 1])


def cable_island():
    """Gateway ``w`` (0, 0) and exchange ``e`` (0, 2) joined by cable X along the
    equator (route vertex at lon 1); cell site ``c`` at ``e`` with 100 users."""
    nodes = [
        {"id": "w", "kind": "gateway", "lat": 0.0, "lon": 0.0, "international": True},
        {"id": "e", "kind": "exchange", "lat": 0.0, "lon": 2.0},
        {"id": "c", "kind": "cell_site", "lat": 0.0, "lon": 2.0, "population": 100},
    ]
    links = [
        {
            "id": "X",
            "source": "w",
            "target": "e",
            "kind": "submarine_cable",
            "route": [[0.0, 0.0], [0.0, 1.0], [0.0, 2.0]],
        },
        {"id": "f", "source": "e", "target": "c", "kind": "terrestrial_fiber"},
    ]
    return make_topology(nodes, links, "cable-island")


def test_an_anchor_fault_during_an_ongoing_cable_repair_is_a_second_job():
    """t = 0: X breaks (no location: the job is at the route's middle point, (0, 1)).
    The ship waits in port at (0, 1), sails 0 km and repairs for 48 h: done at 48 h, but X
    stays down -- at t = 10 a dragged anchor broke it again at (0, 1.5), a second job.
    The ship then sails 55.597 km at 10 kn (18.52 km/h) = 3.002 h and repairs 48 h: X is
    back at 48 + 3.002 + 48 = 99.002 h. One fail, one repair: down while any fault is."""
    sail_h = float(haversine_km(0, 1.0, 0, 1.5)) / (10.0 * KM_PER_NAUTICAL_MILE)
    scenario = scenario_on(
        cable_island(),
        horizon_h=200.0,
        hazards=[
            {"type": "asset_failure", "assets": ["X"], "at_h": 0.0},
            {
                "type": "cable_fault",
                "label": "anchor",
                "at_h": 10.0,
                "anchor_drag": {"track": [[-0.5, 1.5], [0.5, 1.5]], "width_km": 1.0},
            },
        ],
        recovery={
            "cable_ships": [
                {
                    "name": "ship",
                    "port": {"lat": 0.0, "lon": 1.0},
                    "speed_kn": 10.0,
                    "mobilise_h": 0.0,
                    "repair_h": fixed(48.0),
                }
            ]
        },
    )
    result = rs.simulate(scenario, replications=1, seed=0)
    assert trace(result) == [(0.0, "X", "fail"), (round(96.0 + sail_h, 6), "X", "repair")]
    timeline = result.timeline
    assert timeline.time_h.tolist() == pytest.approx([0.0, 96.0 + sail_h])
    assert timeline.served_international_frac.tolist() == [0.0, 1.0]


def test_mixed_hazards_on_the_island_in_one_scenario():
    """On the shipped island, with random draws: an eruption at t = 0 (cuts the cables
    near Tongatapu, ash on the satellite and microwave links), a tsunami outage of
    Ha'apai at 0.5 h, a strong geomagnetic storm at 5 h tripping the one cable still up
    (Ha'apai - Vava'u, 12 repeaters at 10 km spacing, each failing with p = 0.51 at its
    low geomagnetic latitude: P(trip) = 1 - 0.49**12 > 0.999) for 12 h, and an anchor
    dragged across that cable at 24 h. Every hazard leaves failures under its own label,
    none before its onset, and the same seed gives the same tables."""
    topo = rs.load_topology(ISLAND)
    hazards = [
        {
            "type": "volcanic_eruption",
            "label": "eruption",
            "vent": {"lat": -20.55, "lon": -175.39},
            "vei": 5,
        },
        {"type": "regional_outage", "label": "tsunami", "regions": ["haapai"], "at_h": 0.5},
        {
            "type": "geomagnetic_storm",
            "label": "storm",
            "at_h": 5.0,
            "dst_nt": -3000.0,
            "repeater_spacing_km": 10.0,
            "repeater_failure_probability": 1.0,
            "duration_h": 12.0,
        },
        {
            "type": "cable_fault",
            "label": "anchor",
            "at_h": 24.0,
            "anchor_drag": {
                "track": [[-19.5, -174.4], [-19.5, -173.9]],
                "width_km": 2.0,
                "speed_kn": 6.0,
            },
        },
    ]
    scenario = rs.Scenario.from_dict(
        {
            "name": "compound",
            "horizon_days": 40,
            "hazards": hazards,
            "recovery": {
                "crews": [{"depot": "nukualofa-operations-centre", "count": 2}],
                "cable_ships": [{"name": "ship", "port": {"lat": -18.14, "lon": 178.44}}],
            },
        },
        topo,
    )
    first = rs.simulate(scenario, replications=5, seed=11)
    again = rs.simulate(scenario, replications=5, seed=11)
    pd.testing.assert_frame_equal(first.events, again.events)
    pd.testing.assert_frame_equal(first.summary, again.summary)
    fails = first.events[first.events.event == "fail"]
    onset = {"eruption": 0.0, "tsunami": 0.5, "storm": 5.0, "anchor": 24.0}
    for label, at_h in onset.items():
        mine = fails[fails.cause == label]
        assert sorted(mine.replication.unique()) == list(range(5)), label
        assert (mine.time_h >= at_h).all(), label
    for label in ("storm", "anchor"):
        assert set(fails[fails.cause == label].asset) == {"tdc-haapai-vavau"}
    # the trip clears by itself 12 h later; the anchor fault waits for the ship
    storm_end = first.events[first.events.cause == "storm ended"]
    np.testing.assert_allclose(storm_end.time_h, 17.0)


@pytest.mark.filterwarnings("ignore::resilience_sim.InputWarning")
def test_hazards_that_reach_nothing_run_and_are_reported():
    """A vent, a ship track and an outage circle all far from the network: every hazard
    runs and damages nothing; empty_footprints names each one for the run summary."""
    topo = cable_island()
    far = {"lat": -40.0, "lon": 100.0}
    scenario = scenario_on(
        topo,
        hazards=[
            {"type": "volcanic_eruption", "vent": far, "vei": 6},
            {
                "type": "cable_fault",
                "label": "stray anchor",
                "anchor_drag": {"track": [[-40.0, 100.0], [-41.0, 101.0]], "width_km": 5.0},
            },
            {"type": "regional_outage", "center": far, "radius_km": 50.0},
            {"type": "asset_failure", "assets": ["c"], "at_h": 1.0},
        ],
    )
    assert empty_footprints(scenario.spec, topo, compile_topology(topo)) == [
        "hazards[0] (volcanic_eruption): its footprint touches no asset",
        "hazards[1] (cable_fault 'stray anchor'): its footprint touches no asset",
        "hazards[2] (regional_outage): its footprint touches no asset",
    ]
    result = rs.simulate(scenario, replications=2, seed=0)
    assert set(result.events.asset) == {"c"}  # only the named failure happened
