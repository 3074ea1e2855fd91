"""Cascades and recovery logistics: exact traces worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import fixed, make_topology, scenario_on

from resilience_sim import simulate
from resilience_sim.geo import KM_PER_NAUTICAL_MILE, haversine_km


def events(result, replication=0):
    ev = result.events[result.events.replication == replication]
    return [(round(t, 9), a, e) for t, a, e in zip(ev.time_h, ev.asset, ev.event, strict=True)]


def powered_star(battery_h=(4.0, 0.0), feed="sub"):
    """ex (core) with two cell sites fed from substation `sub` (or a grid region)."""
    nodes = [
        {"id": "ex", "kind": "exchange"},
        {"id": "sub", "kind": "power_substation"},
        {
            "id": "s1",
            "kind": "cell_site",
            "population": 10,
            "power_feed": feed,
            "battery_h": battery_h[0],
        },
        {
            "id": "s2",
            "kind": "cell_site",
            "population": 30,
            "power_feed": feed,
            "battery_h": battery_h[1],
        },
    ]
    links = [
        {"id": f"l{i}", "source": "ex", "target": f"s{i}", "kind": "microwave"} for i in (1, 2)
    ]
    return make_topology(nodes, links, "powered")


def test_battery_delays_the_outage_and_the_peak_comes_later():
    """Grid down at t=0 for 10 h, no physical damage: s2 (no battery) is down 0-10 h,
    s1 (4 h battery) is down 4-10 h. The peak outage (all 40 users) is at 4 h, not 0."""
    scenario = scenario_on(
        powered_star((4.0, 0.0)),
        hazards=[{"type": "asset_failure", "assets": ["sub"], "duration_h": 10.0}],
    )
    result = simulate(scenario)
    assert events(result) == [
        (0.0, "sub", "fail"),
        (0.0, "s2", "fail"),
        (4.0, "s1", "fail"),
        (10.0, "sub", "repair"),
        (10.0, "s1", "repair"),
        (10.0, "s2", "repair"),
    ]
    ev = result.events
    assert ev[ev.asset == "s1"].propagated.tolist() == [True, False]
    assert "backup exhausted after 4 h" in ev[ev.asset == "s1"].cause.iloc[0]
    tl = result.timeline
    assert tl.served_domestic_frac.tolist() == pytest.approx([0.25, 0.0, 1.0])
    assert result.summary.t_peak_h.iloc[0] == 4.0
    assert result.summary.propagated_failure_frac.iloc[0] == pytest.approx(2 / 3)


def test_power_returning_before_the_battery_runs_out_changes_nothing():
    scenario = scenario_on(
        powered_star((4.0, 6.0)),
        hazards=[{"type": "asset_failure", "assets": ["sub"], "duration_h": 3.0}],
    )
    assert events(simulate(scenario)) == [(0.0, "sub", "fail"), (3.0, "sub", "repair")]


def test_generator_fuel_extends_the_battery():
    topo = powered_star((4.0, 0.0))
    nodes = [n.model_dump() for n in topo.nodes]
    nodes[2]["fuel_h"] = 5.0
    links = [e.model_dump() for e in topo.links]
    scenario = scenario_on(
        make_topology(nodes, links),
        hazards=[{"type": "asset_failure", "assets": ["sub"], "duration_h": 20.0}],
    )
    s1 = [(t, e) for t, a, e in events(simulate(scenario)) if a == "s1"]
    assert s1 == [(9.0, "fail"), (20.0, "repair")]


def test_physically_damaged_site_stays_down_after_power_returns():
    scenario = scenario_on(
        powered_star((1.0, 1.0)),
        hazards=[
            {"type": "asset_failure", "assets": ["sub"], "duration_h": 5.0},
            {"type": "asset_failure", "assets": ["s1"], "at_h": 2.0},
        ],
        recovery={
            "crews": [{"depot": "s1", "kinds": ["cell_site"]}],
            "repair_h": {"cell_site": fixed(10.0)},
        },
    )
    s1 = [(t, e) for t, a, e in events(simulate(scenario)) if a == "s1"]
    # battery keeps it up to 1 h; damaged at 2 h (already down); repaired at 12 h
    assert s1 == [(1.0, "fail"), (12.0, "repair")]


def test_grid_region_feed_loses_power_with_a_grid_outage():
    from resilience_sim.engine import plan_crews, simulate_replication
    from resilience_sim.hazards.base import GridOutage
    from resilience_sim.scenario import Recovery
    from resilience_sim.topology import compile_topology

    arrays = compile_topology(powered_star((2.0, 0.0), feed="north-grid"))
    assert arrays.grid_regions == ("north-grid",)
    outage = GridOutage(np.array([0]), np.array([1.0]), np.array([5.0]), "storm")
    recovery = Recovery()
    log = simulate_replication(
        arrays, [outage], recovery, plan_crews(recovery, arrays), np.random.default_rng(0), 50.0
    )
    names = arrays.asset_ids
    trace = [
        (t, str(names[a]), e) for t, a, e in zip(log.time_h, log.asset_idx, log.event, strict=True)
    ]
    assert trace == [(1.0, "s2", 0), (3.0, "s1", 0), (6.0, "s1", 1), (6.0, "s2", 1)]


def test_mutual_dependency_fails_and_returns_together():
    """A depends on B and B on A: damaging A takes both down; repairing A brings both back."""
    nodes = [
        {"id": "ex", "kind": "exchange"},
        {"id": "a", "kind": "operations_centre", "depends_on": ["b"]},
        {"id": "b", "kind": "data_center", "depends_on": ["a"]},
        {"id": "cell", "kind": "cell_site", "population": 5, "depends_on": ["b"]},
    ]
    links = [
        {"id": f"l-{x}", "source": "ex", "target": x, "kind": "terrestrial_fiber"}
        for x in ("a", "b", "cell")
    ]
    scenario = scenario_on(
        make_topology(nodes, links),
        hazards=[
            {
                "type": "asset_failure",
                "assets": ["a"],
                "at_h": 1.0,
                "duration_h": 4.0,
                "label": "fire",
            }
        ],
    )
    result = simulate(scenario)
    assert events(result) == [
        (1.0, "a", "fail"),
        (1.0, "b", "fail"),
        (1.0, "cell", "fail"),
        (5.0, "a", "repair"),
        (5.0, "b", "repair"),
        (5.0, "cell", "repair"),
    ]
    causes = result.events.set_index("asset").cause
    assert causes["cell"].iloc[0] == "depends on b <- depends on a <- fire"


def test_two_faults_one_ship_queue_with_transit_by_hand():
    """Faults 1,000 km apart along the equator (0, 0) and (0, 8.993 deg); one ship in
    port at the first fault, 10 kn, no mobilisation, repair 96 h fixed.
    Repair 1 ends at 96 h; the ship sails 1,000 km / (10 x 1.852 km/h) = 54.0 h;
    repair 2 ends at 96 + 54.0 + 96 = 246.0 h."""
    lon2 = 1000.0 / float(haversine_km(0, 0, 0, 1))  # degrees of longitude for 1,000 km
    nodes = [
        {"id": "ex", "kind": "exchange", "lat": 0.0, "lon": 0.0},
        {"id": "ls1", "kind": "landing_station", "lat": 0.0, "lon": 0.0, "population": 1},
        {"id": "ls2", "kind": "landing_station", "lat": 0.0, "lon": lon2, "population": 1},
    ]
    links = [
        {
            "id": "c1",
            "source": "ex",
            "target": "ls1",
            "kind": "submarine_cable",
            "route": [[0.0, 0.0], [0.0, 0.0001]],
        },
        {
            "id": "c2",
            "source": "ex",
            "target": "ls2",
            "kind": "submarine_cable",
            "route": [[0.0, lon2 - 0.0001], [0.0, lon2]],
        },
    ]
    scenario = scenario_on(
        make_topology(nodes, links),
        horizon_h=1000.0,
        hazards=[
            {"type": "asset_failure", "assets": ["c1"], "at_h": 0.0},
            {"type": "asset_failure", "assets": ["c2"], "at_h": 1.0},
        ],
        recovery={
            "cable_ships": [
                {
                    "name": "ship",
                    "port": {"lat": 0.0, "lon": 0.00005},
                    "speed_kn": 10.0,
                    "mobilise_h": 0.0,
                    "repair_h": fixed(96.0),
                }
            ]
        },
    )
    repairs = {a: t for t, a, e in events(simulate(scenario)) if e == "repair"}
    transit = 1000.0 / (10.0 * KM_PER_NAUTICAL_MILE)
    assert repairs["c1"] == pytest.approx(96.0, abs=1e-3)
    assert repairs["c2"] == pytest.approx(96.0 + transit + 96.0, abs=0.01)


def test_ship_permit_delay_and_weather():
    nodes = [
        {"id": "ex", "kind": "exchange", "lat": 0.0, "lon": 0.0},
        {"id": "ls", "kind": "landing_station", "lat": 0.0, "lon": 0.0, "population": 1},
    ]
    links = [{"id": "c", "source": "ex", "target": "ls", "kind": "submarine_cable"}]
    scenario = scenario_on(
        make_topology(nodes, links),
        horizon_h=2000.0,
        hazards=[{"type": "asset_failure", "assets": ["c"]}],
        recovery={
            "cable_ships": [
                {
                    "name": "s",
                    "port": {"lat": 0.0, "lon": 0.0},
                    "mobilise_h": 24.0,
                    "permit_delay_h": 100.0,
                    "weather_downtime_frac": 0.2,
                    "repair_h": fixed(80.0),
                }
            ]
        },
    )
    (repair,) = [t for t, _, e in events(simulate(scenario)) if e == "repair"]
    assert repair == pytest.approx(100.0 + 80.0 / 0.8)  # permit, then 80 h at 80 % uptime


def policy_case(policy: str):
    """One crew at the depot; a small site (5 users) fails first, a big one (50) second,
    both at t=0; repair 10 h each, no travel."""
    nodes = [
        {"id": "ex", "kind": "exchange"},
        {"id": "small", "kind": "cell_site", "population": 5},
        {"id": "big", "kind": "cell_site", "population": 50, "critical": False},
        {"id": "hospital", "kind": "cell_site", "population": 1, "critical": True},
    ]
    links = [
        {"id": f"l-{x}", "source": "ex", "target": x, "kind": "microwave"}
        for x in ("small", "big", "hospital")
    ]
    return scenario_on(
        make_topology(nodes, links),
        hazards=[{"type": "asset_failure", "assets": ["small", "big", "hospital"]}],
        recovery={
            "policy": policy,
            "crews": [{"depot": "ex"}],
            "repair_h": {"cell_site": fixed(10.0)},
        },
    )


def repair_order(scenario):
    return [a for _, a, e in events(simulate(scenario)) if e == "repair"]


def test_most_users_first_beats_fifo():
    assert repair_order(policy_case("fifo")) == ["small", "big", "hospital"]
    assert repair_order(policy_case("most_users_first")) == ["big", "small", "hospital"]
    fifo = simulate(policy_case("fifo")).summary.unserved_user_h_domestic.iloc[0]
    greedy = simulate(policy_case("most_users_first")).summary.unserved_user_h_domestic.iloc[0]
    # fifo: 5*10 + 50*20 + 1*30 = 1080; greedy: 50*10 + 5*20 + 1*30 = 630
    assert (fifo, greedy) == (1080.0, 630.0)


def test_critical_first():
    assert repair_order(policy_case("critical_first"))[0] == "hospital"


def test_custom_policy_is_loaded_from_the_named_module(tmp_path, monkeypatch):
    (tmp_path / "my_policy.py").write_text(
        "def last_first(jobs, context):\n    return len(jobs) - 1\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert repair_order(policy_case("my_policy:last_first")) == ["hospital", "big", "small"]


def test_closed_region_delays_the_start():
    nodes = [
        {"id": "ex", "kind": "exchange", "region": "open"},
        {"id": "s", "kind": "cell_site", "population": 5, "region": "zone"},
    ]
    links = [{"id": "l", "source": "ex", "target": "s", "kind": "microwave"}]
    scenario = scenario_on(
        make_topology(nodes, links),
        hazards=[{"type": "asset_failure", "assets": ["s"]}],
        recovery={
            "crews": [{"depot": "ex"}],
            "repair_h": {"cell_site": fixed(3.0)},
            "closed_areas": [{"regions": ["zone"], "until_h": 48.0}],
        },
    )
    assert repair_order(scenario) == ["s"]
    (t,) = [t for t, _, e in events(simulate(scenario)) if e == "repair"]
    assert t == 51.0


def capacity_topology():
    nodes = [
        {"id": "abroad", "kind": "gateway", "international": True},
        {"id": "ls", "kind": "landing_station"},
        {"id": "ex", "kind": "exchange"},
        {"id": "town", "kind": "cell_site", "population": 1000, "demand_gbps": 5.0},
    ]
    links = [
        {
            "id": "cable",
            "source": "abroad",
            "target": "ls",
            "kind": "submarine_cable",
            "capacity_gbps": 10.0,
        },
        {"id": "l1", "source": "ls", "target": "ex", "kind": "terrestrial_fiber"},
        {"id": "l2", "source": "ex", "target": "town", "kind": "terrestrial_fiber"},
    ]
    return make_topology(nodes, links, "cap")


def test_satellite_stopgap_carries_its_share_of_demand():
    """10 Gbit/s cable cut at 0, a 0.1 Gbit/s satellite stopgap at the exchange from 24 h,
    5 Gbit/s demand: served_international_capacity_frac = 1 before, 0 until 24 h,
    0.1 / 5 = 0.02 while the stopgap is the only path."""
    scenario = scenario_on(
        capacity_topology(),
        horizon_h=200.0,
        hazards=[{"type": "asset_failure", "assets": ["cable"]}],
        recovery={
            "stopgaps": [
                {"type": "satellite_gateway", "node": "ex", "after_h": 24.0, "capacity_gbps": 0.1}
            ]
        },
    )
    result = simulate(scenario)
    tl = result.timeline
    assert tl.time_h.tolist() == [0.0, 24.0]
    assert tl.served_international_capacity_frac.tolist() == pytest.approx([0.0, 0.02])
    assert tl.served_international_frac.tolist() == [0.0, 1.0]  # reachable again via satellite
    assert tl.satellite_share.iloc[1] == pytest.approx(1.0)
    assert tl.assets_down.tolist() == [1, 1]  # the stopgap link is not counted
    ev = result.events
    assert ev.cause.iloc[-1].startswith("stopgap stopgap-0-ex-satellite deployed")
    # capacity loss: all demand for 24 h, then 98 % of it for the remaining 176 h
    loss = result.summary.international_capacity_loss_h.iloc[0]
    assert loss == pytest.approx(24.0 + 176.0 * 0.98)


def test_capacity_is_shared_when_demand_exceeds_it():
    scenario = scenario_on(capacity_topology(), horizon_h=10.0)
    assert simulate(scenario).timeline.served_international_capacity_frac.iloc[0] == 1.0
    topo = capacity_topology()
    nodes = [n.model_dump() for n in topo.nodes]
    nodes[3]["demand_gbps"] = 40.0
    tight = make_topology(nodes, [e.model_dump() for e in topo.links])
    frac = simulate(scenario_on(tight, horizon_h=10.0)).timeline
    assert frac.served_international_capacity_frac.iloc[0] == pytest.approx(10.0 / 40.0)


def test_cell_on_wheels_takes_over_a_failed_site_until_repaired():
    nodes = [
        {"id": "ex", "kind": "exchange", "region": "r"},
        {"id": "s1", "kind": "cell_site", "population": 5, "region": "r"},
        {"id": "s2", "kind": "cell_site", "population": 50, "region": "r"},
    ]
    links = [
        {"id": f"l-{x}", "source": "ex", "target": x, "kind": "microwave"} for x in ("s1", "s2")
    ]
    scenario = scenario_on(
        make_topology(nodes, links),
        hazards=[{"type": "asset_failure", "assets": ["s1", "s2"]}],
        recovery={
            "crews": [{"depot": "ex"}],
            "repair_h": {"cell_site": fixed(30.0)},
            "stopgaps": [{"type": "cell_on_wheels", "region": "r", "units": 1, "after_h": 6.0}],
        },
    )
    # the unit goes to the bigger site s2 at 6 h; crews repair s1 at 30 h, s2 at 60 h
    assert events(simulate(scenario)) == [
        (0.0, "s1", "fail"),
        (0.0, "s2", "fail"),
        (6.0, "s2", "repair"),
        (30.0, "s1", "repair"),
    ]


def test_portable_generator_powers_a_site_for_its_fuel():
    topo = powered_star((0.0, 0.0))
    scenario = scenario_on(
        topo,
        hazards=[{"type": "asset_failure", "assets": ["sub"], "duration_h": 90.0}],
        recovery={
            "stopgaps": [
                {
                    "type": "generator",
                    "region": "unassigned",
                    "units": 1,
                    "after_h": 10.0,
                    "fuel_h": 24.0,
                }
            ]
        },
    )
    s2 = [(t, e) for t, a, e in events(simulate(scenario)) if a == "s2"]
    # s2 (30 users) gets the generator at 10 h, runs dry at 34 h, mains back at 90 h
    assert s2 == [(0.0, "fail"), (10.0, "repair"), (34.0, "fail"), (90.0, "repair")]


@pytest.mark.parametrize(
    ("recovery", "field"),
    [
        (
            {
                "stopgaps": [
                    {"type": "satellite_gateway", "node": "nope", "after_h": 1, "capacity_gbps": 1}
                ]
            },
            "recovery.stopgaps[0].node",
        ),
        (
            {
                "stopgaps": [
                    {"type": "cell_on_wheels", "region": "atlantis", "units": 1, "after_h": 1}
                ]
            },
            "recovery.stopgaps[0].region",
        ),
        (
            {"closed_areas": [{"regions": ["atlantis"], "until_h": 5}]},
            "recovery.closed_areas[0].regions[0]",
        ),
        ({"closed_areas": [{"until_h": 5}]}, "recovery.closed_areas[0].regions"),
        ({"policy": "fastest"}, "recovery.policy"),
        (
            {"cable_ships": [{"name": "x", "port": {"lat": 0, "lon": 0}, "speed_kn": -1}]},
            "recovery.cable_ships[0].speed_kn",
        ),
    ],
)
def test_bad_recovery_sections_name_the_field(line, recovery, field):
    from resilience_sim import InputError

    with pytest.raises(InputError) as caught:
        scenario_on(line, recovery=recovery)
    assert f"<scenario>: {field}: " in str(caught.value)


def detour_topology(capacity_gbps=10.0):
    """G (international) - A - C and a longer detour G - B - D - C; C needs 4 Gbit/s,
    D 1 Gbit/s. Shortest-path loads: A 4, B 1, D 1 (C goes via A)."""
    nodes = [
        {"id": "G", "kind": "gateway", "international": True},
        {"id": "A", "kind": "exchange"},
        {"id": "B", "kind": "exchange"},
        {"id": "D", "kind": "aggregation", "population": 1, "demand_gbps": 1.0},
        {"id": "C", "kind": "cell_site", "population": 4, "demand_gbps": 4.0},
    ]
    pairs = [("G", "A"), ("A", "C"), ("G", "B"), ("B", "D"), ("D", "C")]
    links = [
        {
            "id": f"{u}-{v}",
            "source": u,
            "target": v,
            "kind": "terrestrial_fiber",
            "capacity_gbps": capacity_gbps,
        }
        for u, v in pairs
    ]
    return make_topology(nodes, links, "detour")


def test_shortest_path_loads_and_congestion_by_hand():
    from resilience_sim.engine.traffic import route_traffic
    from resilience_sim.topology import compile_topology

    arrays = compile_topology(detour_topology(capacity_gbps=2.0))
    demand = np.array([0, 0, 0, 1.0, 4.0])
    up = np.ones(arrays.n_assets, dtype=bool)
    routed = route_traffic(arrays, up, demand)
    assert routed.through_gbps.tolist() == [5.0, 4.0, 1.0, 1.0, 4.0]
    # C's 4 Gbit/s cross G-A and A-C of 2 Gbit/s: half delivered; D gets all of its 1
    assert routed.delivered_share.tolist() == [1.0, 0.5, 1.0, 1.0, 0.5]
    assert routed.carried_frac == pytest.approx((1.0 + 2.0) / 5.0)
    up[arrays.asset_index["A-C"]] = False  # the load shifts to the detour
    routed = route_traffic(arrays, up, demand)
    assert routed.through_gbps.tolist() == [5.0, 0.0, 5.0, 5.0, 4.0]
    # G-B carries 5 on 2: 0.4 of everything below B is delivered
    assert routed.delivered_share.tolist() == pytest.approx([1.0, 1.0, 0.4, 0.4, 0.4])


def test_motter_lai_overload_trips_the_detour():
    """Cutting A-C moves C's 4 Gbit/s onto B and D: loads 5 > (1 + 0.5) x 1, so both
    trip at the same instant, recorded as propagated overload failures."""
    scenario = scenario_on(
        detour_topology(),
        hazards=[{"type": "asset_failure", "assets": ["A-C"], "at_h": 1.0}],
        overload={"alpha": 0.5},
    )
    result = simulate(scenario)
    ev = result.events
    tripped = ev[ev.cause.str.startswith("overload")]
    assert sorted(tripped.asset) == ["B", "D"]
    assert (tripped.time_h == 1.0).all() and tripped.propagated.all()
    calm = simulate(
        scenario_on(
            detour_topology(),
            hazards=scenario.spec.hazards
            and [{"type": "asset_failure", "assets": ["A-C"], "at_h": 1.0}],
            overload={"alpha": 5.0},
        )
    )
    assert not calm.events.cause.str.startswith("overload").any()


def _run_records(topology, records, recovery=None, horizon_h=100.0, demand=None):
    """Run the engine on hand-made records and evaluate service from its log."""
    from resilience_sim.engine import plan_crews, served_over_time, simulate_replication
    from resilience_sim.scenario import Recovery
    from resilience_sim.topology import compile_topology

    arrays = compile_topology(topology)
    recovery = Recovery.model_validate(recovery or {})
    log = simulate_replication(
        arrays, records, recovery, plan_crews(recovery, arrays), np.random.default_rng(0), horizon_h
    )
    served = served_over_time(arrays, log.to_arrays(), demand)
    return arrays, log, served


def test_ddos_capacity_loss_degrades_capacity_not_reachability():
    """The 10 Gbit/s cable keeps 20 % (2 of 5 Gbit/s demand -> 0.4) from 2 h to 8 h."""
    from resilience_sim.hazards.base import CapacityLoss

    topo = capacity_topology()
    cable = 4  # 4 nodes, then links: cable is the first link
    loss = CapacityLoss(
        np.array([cable]), np.array([2.0]), np.array([6.0]), np.array([0.2]), "ddos"
    )
    _, log, served = _run_records(topo, [loss], demand=np.array([0, 0, 0, 5.0]))
    assert log.event == [2, 2] and log.value == [0.2, 1.0]
    assert served.time_h.tolist() == [0.0, 2.0, 8.0]
    assert served.international_capacity.tolist() == pytest.approx([1.0, 0.4, 1.0])
    assert served.international.tolist() == [1000.0, 1000.0, 1000.0]


def test_route_hijack_cuts_international_service_of_the_region():
    from resilience_sim.hazards.base import RouteHijack

    topo = capacity_topology()  # every node in region 'unassigned' (index 0)
    hijack = RouteHijack(np.array([0]), np.array([1.0]), np.array([3.0]), "bgp")
    arrays, log, served = _run_records(topo, [hijack], demand=np.array([0, 0, 0, 5.0]))
    assert log.asset_idx == [arrays.n_assets, arrays.n_assets]  # the region as subject
    assert served.international.tolist() == [1000.0, 0.0, 1000.0]
    assert served.domestic.tolist() == [1000.0, 1000.0, 1000.0]
    assert served.international_capacity.tolist() == pytest.approx([1.0, 0.0, 1.0])


def test_ransomware_blocks_crews_until_the_centre_is_back():
    """The operations centre is down 0-10 h (self-restoring); crews are blocked meanwhile,
    so the 2 h repair of the site starts at 10 h and ends at 12 h."""
    from resilience_sim.hazards.base import CrewImpairment, Damage

    nodes = [
        {"id": "ex", "kind": "exchange"},
        {"id": "noc", "kind": "operations_centre"},
        {"id": "s", "kind": "cell_site", "population": 3},
    ]
    links = [
        {"id": "l1", "source": "ex", "target": "noc", "kind": "terrestrial_fiber"},
        {"id": "l2", "source": "ex", "target": "s", "kind": "microwave"},
    ]
    topo = make_topology(nodes, links)
    centre = Damage.uniform(np.array([1]), 0.0, 10.0, "ransomware")
    site = Damage(asset_idx=[2], onset_h=[0.0], duration_h=[np.nan], cause="storm", repair_h=[2.0])
    blocked = CrewImpairment(1, float("inf"), (), "ransomware")
    _, log, _ = _run_records(topo, [centre, site, blocked], recovery={"crews": [{"depot": "ex"}]})
    repairs = [
        (t, a) for t, a, e in zip(log.time_h, log.asset_idx, log.event, strict=True) if e == 1
    ]
    assert repairs == [(10.0, 1), (12.0, 2)]
    slowed = CrewImpairment(1, 3.0, (), "ransomware")
    _, log, _ = _run_records(topo, [centre, site, slowed], recovery={"crews": [{"depot": "ex"}]})
    assert [t for t, e in zip(log.time_h, log.event, strict=True) if e == 1] == [6.0, 10.0]
