"""Engine: exact event traces on hand-built cases (the SimPy style of test)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import fixed, make_topology, scenario_on

from resilience_sim import InputWarning, simulate
from resilience_sim.engine import plan_crews
from resilience_sim.geo import haversine_km
from resilience_sim.topology import compile_topology


def trace(result, replication=0):
    ev = result.events[result.events.replication == replication]
    return [(round(t, 9), a, e) for t, a, e in zip(ev.time_h, ev.asset, ev.event, strict=True)]


def depot_star(n_sites: int = 3):
    """A depot exchange with n co-located cell sites (zero travel)."""
    nodes = [{"id": "depot", "kind": "exchange", "lat": 1.0, "lon": 1.0}]
    links = []
    for i in range(n_sites):
        nodes.append({"id": f"s{i}", "kind": "cell_site", "lat": 1.0, "lon": 1.0, "population": 10})
        links.append(
            {"id": f"l{i}", "source": "depot", "target": f"s{i}", "kind": "terrestrial_fiber"}
        )
    return make_topology(nodes, links, "star")


def test_one_crew_three_equal_jobs_finish_at_1x_2x_3x():
    scenario = scenario_on(
        depot_star(3),
        hazards=[{"type": "asset_failure", "assets": ["s0", "s1", "s2"]}],
        recovery={"crews": [{"depot": "depot", "count": 1}], "repair_h": {"cell_site": fixed(4)}},
    )
    result = simulate(scenario, replications=1, seed=0)
    assert trace(result) == [
        (0.0, "s0", "fail"),
        (0.0, "s1", "fail"),
        (0.0, "s2", "fail"),
        (4.0, "s0", "repair"),
        (8.0, "s1", "repair"),
        (12.0, "s2", "repair"),
    ]


def test_two_crews_share_three_jobs():
    scenario = scenario_on(
        depot_star(3),
        hazards=[{"type": "asset_failure", "assets": ["s0", "s1", "s2"]}],
        recovery={"crews": [{"depot": "depot", "count": 2}], "repair_h": {"cell_site": fixed(4)}},
    )
    repairs = [t for t, _, e in trace(simulate(scenario, replications=1)) if e == "repair"]
    assert repairs == [4.0, 4.0, 8.0]


def test_repair_of_the_cut_returns_service_at_the_repair_time(line):
    # The crew is at node b, 11.1 km from the cut link's midpoint... compute the trip exactly.
    arrays = compile_topology(line)
    i = arrays.asset_index["l-a-b"]
    speed = 20.0
    km = float(haversine_km(0.0, 0.3, arrays.asset_lat[i], arrays.asset_lon[i]))
    travel_h = km * 1.3 / speed
    scenario = scenario_on(
        line,
        hazards=[{"type": "asset_failure", "assets": ["l-a-b"], "at_h": 10.0}],
        recovery={
            "crews": [{"depot": "b", "count": 1, "speed_kmh": speed}],
            "repair_h": {"terrestrial_fiber": fixed(6.0)},
        },
    )
    result = simulate(scenario, replications=1)
    assert trace(result) == [
        (10.0, "l-a-b", "fail"),
        (round(10.0 + travel_h + 6.0, 9), "l-a-b", "repair"),
    ]
    tl = result.timeline
    assert tl.time_h.tolist() == pytest.approx([0.0, 10.0, 16.0 + travel_h])
    # b and c (75 of 175 users) are cut between the failure and the repair.
    assert tl.served_domestic_frac.tolist() == pytest.approx([1.0, 100 / 175, 1.0])


def test_crew_returns_to_depot_before_the_next_job():
    # Two sites 1 degree of longitude from the depot on the equator; speed chosen so
    # the one-way trip is exactly 2 h: jobs end at 2+3=5 (then back at 7) and 7+2+3=12.
    km = float(haversine_km(0.0, 0.0, 0.0, 1.0))
    nodes = [{"id": "depot", "kind": "exchange", "lat": 0.0, "lon": 0.0}]
    nodes += [
        {"id": f"s{i}", "kind": "cell_site", "lat": 0.0, "lon": 1.0, "population": 1}
        for i in range(2)
    ]
    links = [
        {"id": f"l{i}", "source": "depot", "target": f"s{i}", "kind": "microwave"} for i in range(2)
    ]
    scenario = scenario_on(
        make_topology(nodes, links),
        hazards=[{"type": "asset_failure", "assets": ["s0", "s1"]}],
        recovery={
            "crews": [{"depot": "depot", "count": 1, "speed_kmh": km * 1.3 / 2.0}],
            "repair_h": {"cell_site": fixed(3.0)},
        },
    )
    repairs = [t for t, _, e in trace(simulate(scenario)) if e == "repair"]
    assert repairs == pytest.approx([5.0, 12.0])


def test_self_restoring_outage_needs_no_crew(line):
    scenario = scenario_on(
        line,
        hazards=[
            {
                "type": "regional_outage",
                "regions": ["r2"],
                "at_h": 1.0,
                "duration_h": 5.0,
                "label": "power cut",
            }
        ],
    )
    result = simulate(scenario)
    assert trace(result) == [
        (1.0, "b", "fail"),
        (1.0, "c", "fail"),
        (1.0, "l-b-c", "fail"),
        (6.0, "b", "repair"),
        (6.0, "c", "repair"),
        (6.0, "l-b-c", "repair"),
    ]
    assert set(result.events.cause) == {"power cut", "power cut ended"}


def test_damage_during_a_timed_outage_stays_down_until_repaired(line):
    scenario = scenario_on(
        line,
        hazards=[
            {"type": "asset_failure", "assets": ["b"], "at_h": 0.0, "duration_h": 3.0},
            {"type": "asset_failure", "assets": ["b"], "at_h": 1.0},
        ],
        recovery={"crews": [{"depot": "b", "count": 1}], "repair_h": {"cell_site": fixed(10.0)}},
    )
    # Down at 0 (outage), damaged at 1 (no new event: already down), outage ends at 3
    # (still damaged), repaired at 1 + 10 = 11.
    assert trace(simulate(scenario)) == [(0.0, "b", "fail"), (11.0, "b", "repair")]


def test_second_damage_to_a_broken_asset_adds_no_job(line):
    scenario = scenario_on(
        line,
        hazards=[
            {"type": "asset_failure", "assets": ["b"], "at_h": 0.0},
            {"type": "asset_failure", "assets": ["b"], "at_h": 2.0},
        ],
        recovery={"crews": [{"depot": "b", "count": 1}], "repair_h": {"cell_site": fixed(5.0)}},
    )
    assert trace(simulate(scenario)) == [(0.0, "b", "fail"), (5.0, "b", "repair")]


def test_asset_no_crew_can_repair_stays_down_to_the_horizon(line):
    scenario = scenario_on(
        line,
        hazards=[{"type": "asset_failure", "assets": ["l-gw-ex", "l-a-b"]}],
        recovery={
            "crews": [{"depot": "ex", "kinds": ["terrestrial_fiber"]}],
            "repair_h": {"terrestrial_fiber": fixed(2.0)},
        },
    )
    with pytest.warns(InputWarning, match=r"hazards\[0\]: no crew repairs submarine_cable"):
        result = simulate(scenario)
    assert [(a, e) for _, a, e in trace(result)] == [
        ("l-gw-ex", "fail"),
        ("l-a-b", "fail"),
        ("l-a-b", "repair"),
    ]
    summary = result.summary.iloc[0]
    assert summary.international_isolation_h == pytest.approx(100.0)


def test_repairs_after_the_horizon_do_not_happen(line):
    scenario = scenario_on(
        line,
        horizon_h=10.0,
        hazards=[{"type": "asset_failure", "assets": ["l-a-b"], "at_h": 5.0}],
        recovery={"crews": [{"depot": "a"}], "repair_h": {"terrestrial_fiber": fixed(50.0)}},
    )
    result = simulate(scenario)
    assert trace(result) == [(5.0, "l-a-b", "fail")]
    assert math.isnan(result.summary.t_restore_100_h.iloc[0])


def test_nearest_capable_depot_gets_the_job(line):
    arrays = compile_topology(line)
    scenario = scenario_on(
        line,
        recovery={
            "crews": [
                {"depot": "gw", "kinds": ["cell_site"]},
                {"depot": "c", "count": 1},
                {"depot": "ex", "kinds": ["submarine_cable"]},
            ]
        },
    )
    plan = plan_crews(scenario.spec.recovery, arrays)
    depot = {a: plan.depot_names[plan.depot_of_asset[i]] for a, i in arrays.asset_index.items()}
    assert depot["a"] == "gw"  # 0.2 deg from gw, 0.2 from c: the tie goes to the first listed
    assert depot["b"] == "c"
    assert depot["l-gw-ex"] == "ex"  # gw is nearer but its crews only repair cell sites
    assert depot["l-a-b"] == "c"
    assert plan.travel_h[arrays.asset_index["c"]] == 0.0
    assert np.isfinite(plan.travel_h).all()


def test_no_unrepairable_warning_when_crews_cover_the_damage(line, recwarn):
    scenario = scenario_on(
        line,
        hazards=[
            {"type": "regional_outage", "regions": ["r2"]},  # b, c, l-b-c
            {"type": "asset_failure", "assets": ["l-gw-ex"], "duration_h": 1.0},
        ],
        recovery={"crews": [{"depot": "ex", "kinds": ["cell_site", "microwave"]}]},
    )
    simulate(scenario)
    assert not [w for w in recwarn if issubclass(w.category, InputWarning)]


def test_a_cable_with_two_faults_is_down_until_both_are_repaired(line):
    """Two located faults on one link, one crew at gw (0, 0): faults at (0, 1) and (0, 2)
    degrees of longitude. Trips are 111.195 km and 222.39 km at 100 km/h with detour 1:
    job 1 ends at 1.11195 + 5 = 6.11195 h, the crew is back at 7.2239 h; job 2 ends at
    7.2239 + 2.2239 + 3 = 12.4478 h. The link is up only then."""
    from resilience_sim.engine import simulate_replication
    from resilience_sim.hazards import Damage
    from resilience_sim.scenario import Recovery

    arrays = compile_topology(line)
    cable = arrays.asset_index["l-gw-ex"]
    damage = Damage(
        asset_idx=[cable, cable],
        onset_h=[0.0, 0.0],
        duration_h=[np.nan, np.nan],
        cause="quake",
        repair_h=[5.0, 3.0],
        fault_lat=[0.0, 0.0],
        fault_lon=[1.0, 2.0],
    )
    recovery = Recovery.model_validate(
        {"crews": [{"depot": "gw", "speed_kmh": 100.0}], "detour_factor": 1.0}
    )
    log = simulate_replication(
        arrays, [damage], recovery, plan_crews(recovery, arrays), np.random.default_rng(0), 100.0
    )
    km1 = float(haversine_km(0, 0, 0, 1))
    km2 = float(haversine_km(0, 0, 0, 2))
    expected_up = 2 * km1 / 100 + km2 / 100 + 5.0 + 3.0
    assert log.event == [0, 1]  # one fail, one repair: the link stays down in between
    assert log.time_h[0] == 0.0
    assert log.time_h[1] == pytest.approx(expected_up)


def test_unlocated_damage_to_a_broken_site_merges_but_presampled_repair_is_used(line):
    from resilience_sim.engine import simulate_replication
    from resilience_sim.hazards import Damage
    from resilience_sim.scenario import Recovery

    arrays = compile_topology(line)
    b = arrays.asset_index["b"]
    damage = Damage(
        asset_idx=[b, b],
        onset_h=[0.0, 1.0],
        duration_h=[np.nan, np.nan],
        cause="x",
        repair_h=[7.5, 100.0],
    )
    recovery = Recovery.model_validate({"crews": [{"depot": "b"}]})
    log = simulate_replication(
        arrays, [damage], recovery, plan_crews(recovery, arrays), np.random.default_rng(0), 100.0
    )
    assert list(zip(log.time_h, log.event, strict=True)) == [(0.0, 0), (7.5, 1)]
