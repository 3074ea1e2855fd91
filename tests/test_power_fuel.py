"""Back-up power, battery recharge and fuel trucks: exact timelines worked out by hand,
and the sampled battery mix against its distribution."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import fixed, make_topology, scenario_on

from resilience_sim import simulate
from resilience_sim.engine.backup import sample_backup
from resilience_sim.geo import haversine_km
from resilience_sim.scenario.power import PowerSpec
from resilience_sim.topology import compile_topology

# ex (the depot) at (0, 0); s1 half a degree east, s2 half a degree west, on the equator
D_KM = float(haversine_km(0.0, 0.0, 0.0, 0.5))  # 55.6 km, the same both ways


def sites(fed=("s1",), critical=(), battery_h=0.0, fuel_h=0.0):
    nodes = [{"id": "ex", "kind": "exchange", "lat": 0.0, "lon": 0.0, "region": "r0"}]
    for name, lon, users, region in (("s1", 0.5, 10, "r1"), ("s2", -0.5, 30, "r2")):
        node = {
            "id": name,
            "kind": "cell_site",
            "lat": 0.0,
            "lon": lon,
            "population": users,
            "region": region,
            "critical": name in critical,
            "battery_h": battery_h,
            "fuel_h": fuel_h,
        }
        if name in fed:
            node["power_feed"] = "north"
        nodes.append(node)
    links = [
        {"id": f"l{i}", "source": "ex", "target": f"s{i}", "kind": "microwave"} for i in (1, 2)
    ]
    return make_topology(nodes, links, "fuel")


def grid_down(at_h, restore_h):
    return {
        "type": "power_grid_outage",
        "grid_regions": ["north"],
        "at_h": at_h,
        "restore_h": fixed(restore_h),
    }


def generator_sites(recharge_h=4.0, **fuel):
    """Every cell site: a 2 h battery and a generator with a 10 h tank (25 L at 2.5 L/h);
    one truck at ex, 5 km/h, straight roads, 0.5 h to pump."""
    trucks = {
        "depot": "d",
        "count": 1,
        "speed_kmh": 5.0,
        "capacity_l": fuel.pop("capacity_l", 1000.0),
    }
    return {
        "recharge_h": recharge_h,
        "backup": [
            {
                "kinds": ["cell_site"],
                "battery_h": [{"share": 1.0, "hours": fixed(2.0)}],
                "generator_share": 1.0,
                "tank_h": fixed(10.0),
            }
        ],
        "fuel": {
            "depots": [{"name": "d", "node": "ex"}],
            "trucks": [trucks],
            "road_factor": 1.0,
            "pump_h": 0.5,
            "burn_l_per_h": 2.5,
            **fuel,
        },
    }


def events(result):
    ev = result.events
    return [
        (round(t, 9), a, e, c)
        for t, a, e, c in zip(ev.time_h, ev.asset, ev.event, ev.cause_class, strict=True)
    ]


TRIP_H = D_KM / 5.0  # 11.12 h from the depot to either site


def test_generator_then_battery_then_down_until_the_truck_arrives():
    """Grid down 0-30 h. s1 runs its generator 0-10 h (asks for fuel at half tank, 5 h;
    the truck leaves then), its battery 10-12 h, is down from 12 h until the truck has
    driven 11.12 h and pumped 0.5 h: up at 5 + 11.12 + 0.5 = 16.62 h. The truck, with
    fuel left, tops s1 up where it stands until mains returns: no more outage."""
    scenario = scenario_on(sites(), hazards=[grid_down(0.0, 30.0)], power=generator_sites())
    up_h = round(5.0 + TRIP_H + 0.5, 9)
    assert events(simulate(scenario)) == [
        (12.0, "s1", "fail", "power"),
        (up_h, "s1", "repair", "power"),
    ]
    cause = simulate(scenario).events.cause.tolist()
    assert cause[0].startswith("power: backup exhausted after 12 h")
    assert cause[1] == "generator refuelled by truck"


@pytest.mark.parametrize(
    ("policy", "first"),
    [("critical_first", "s1"), ("most_users_first", "s2"), ("fifo", "s1")],
)
def test_one_truck_with_one_tank_fill_serves_the_policy_s_site_first(policy, first):
    """Both sites ask at 5 h (s1 critical, s2 has more users); both are down at 12 h.
    The truck carries one fill (25 L): the policy's first site is up at 16.62 h, runs its
    generator to 26.62 h and its battery (recharged by the generator in 4 h) to 28.62 h.
    The truck drives home (27.74 h), loads and heads for the other site (asked at 5 h,
    before the first site asked again at 21.62 h), but mains returns at 30 h first."""
    scenario = scenario_on(
        sites(fed=("s1", "s2"), critical=("s1",)),
        hazards=[grid_down(0.0, 30.0)],
        power=generator_sites(capacity_l=25.0, policy=policy),
    )
    up_h = round(5.0 + TRIP_H + 0.5, 9)
    assert events(simulate(scenario)) == [
        (12.0, "s1", "fail", "power"),
        (12.0, "s2", "fail", "power"),
        (up_h, first, "repair", "power"),
        (round(up_h + 12.0, 9), first, "fail", "power"),
        (30.0, "s1", "repair", "power"),
        (30.0, "s2", "repair", "power"),
    ]


def test_a_closed_area_holds_the_truck_until_it_opens():
    """s1's region is closed until 20 h: the truck leaves at 20 h, s1 (down since 12 h)
    is up at 20 + 11.12 + 0.5 = 31.62 h; mains returns at 40 h."""
    scenario = scenario_on(
        sites(),
        hazards=[grid_down(0.0, 40.0)],
        power=generator_sites(),
        recovery={"closed_areas": [{"regions": ["r1"], "until_h": 20.0}]},
    )
    assert events(simulate(scenario)) == [
        (12.0, "s1", "fail", "power"),
        (round(20.0 + TRIP_H + 0.5, 9), "s1", "repair", "power"),
    ]


@pytest.mark.parametrize(("recharge_h", "second_fail_h"), [(8.0, 9.0), (0.0, 12.0)])
def test_a_battery_recharges_linearly_after_mains_returns(recharge_h, second_fail_h):
    """A 4 h battery, no generator. Grid down 0-6 h: down 4-6 h. Down again from 8 h:
    after 2 h on mains the battery holds 2/8 x 4 = 1 h, so it fails at 9 h (recharge 8 h);
    with instant recharge it is full and fails at 12 h. Mains back at 18 h."""
    power = {
        "recharge_h": recharge_h,
        "backup": [
            {
                "battery_h": [{"share": 1.0, "hours": fixed(4.0)}],
                "generator_share": 0.0,
                "tank_h": fixed(1.0),
            }
        ],
    }
    scenario = scenario_on(
        sites(), hazards=[grid_down(0.0, 6.0), grid_down(8.0, 10.0)], power=power
    )
    assert [e[:3] for e in events(simulate(scenario))] == [
        (4.0, "s1", "fail"),
        (6.0, "s1", "repair"),
        (second_fail_h, "s1", "fail"),
        (18.0, "s1", "repair"),
    ]


def test_an_empty_power_section_keeps_the_topology_s_backup():
    """battery_h 4 + fuel_h 5 from the topology: down at 9 h with or without the section."""
    topo = sites(battery_h=4.0, fuel_h=5.0)
    without = simulate(scenario_on(topo, hazards=[grid_down(0.0, 20.0)]))
    with_section = simulate(scenario_on(topo, hazards=[grid_down(0.0, 20.0)], power={}))
    assert (
        events(without)
        == events(with_section)
        == [
            (9.0, "s1", "fail", "power"),
            (20.0, "s1", "repair", "power"),
        ]
    )


def test_sampled_battery_mix_matches_its_distribution():
    """70 % of sites 2-4 h, 25 % 6-8 h, 5 % 24 h; 30 % with a generator. Each band's
    share within 4 binomial standard errors, the mean within 4 standard errors."""
    n = 20_000
    nodes = [{"id": f"c{i}", "kind": "cell_site"} for i in range(n)]
    arrays = compile_topology(make_topology(nodes, [], "many"))
    power = PowerSpec.model_validate(
        {
            "backup": [
                {
                    "kinds": ["cell_site"],
                    "battery_h": [
                        {"share": 0.7, "hours": {"dist": "uniform", "low_h": 2, "high_h": 4}},
                        {"share": 0.25, "hours": {"dist": "uniform", "low_h": 6, "high_h": 8}},
                        {"share": 0.05, "hours": fixed(24.0)},
                    ],
                    "generator_share": 0.3,
                    "tank_h": fixed(48.0),
                }
            ]
        }
    )
    backup = sample_backup(power, arrays, np.random.default_rng(12345))
    b = backup.battery_h
    for share, inside in (
        (0.7, (b >= 2) & (b <= 4)),
        (0.25, (b >= 6) & (b <= 8)),
        (0.05, b == 24.0),
    ):
        se = np.sqrt(share * (1 - share) / n)
        assert abs(inside.mean() - share) < 4 * se
    # mean 0.7 x 3 + 0.25 x 7 + 0.05 x 24 = 5.05 h; E[X^2] = 47.667, sd = 4.708 h
    assert abs(b.mean() - 5.05) < 4 * 4.708 / np.sqrt(n)
    has = backup.tank_h > 0
    assert abs(has.mean() - 0.3) < 4 * np.sqrt(0.3 * 0.7 / n)
    assert set(np.unique(backup.tank_h[has])) == {48.0}
    again = sample_backup(power, arrays, np.random.default_rng(12345))
    assert np.array_equal(again.battery_h, b)


# -- grid restoration by area, staged ------------------------------------------------


def grid_sites(n_per_region: int):
    """ex (core) and n cell sites (no battery) in each of grid regions north and south."""
    nodes = [{"id": "ex", "kind": "exchange"}]
    links = []
    for feed in ("north", "south"):
        for i in range(n_per_region):
            nodes.append(
                {"id": f"{feed}-{i}", "kind": "cell_site", "population": 1, "power_feed": feed}
            )
            links.append(
                {
                    "id": f"l-{feed}-{i}",
                    "source": "ex",
                    "target": f"{feed}-{i}",
                    "kind": "microwave",
                }
            )
    return make_topology(nodes, links, "grid")


def restored_at(result):
    ev = result.events
    rep = ev[ev.event == "repair"]
    return dict(zip(rep.asset, rep.time_h, strict=True))


def test_each_area_has_its_own_restore_time():
    hazard = {
        "type": "power_grid_outage",
        "grid_regions": ["north", "south"],
        "at_h": 2.0,
        "restore_h": fixed(10.0),
        "restore_by_region": {"south": fixed(50.0)},
    }
    back = restored_at(simulate(scenario_on(grid_sites(2), hazards=[hazard])))
    assert back == {"north-0": 12.0, "north-1": 12.0, "south-0": 52.0, "south-1": 52.0}


def test_staged_restoration_returns_each_stage_at_its_factor_in_its_share():
    """Stages 60 % at 1 x, 30 % at 2 x, 10 % at 5 x a fixed 10 h: every site of 1,000 per
    region is back at 10, 20 or 50 h, the shares within 4 binomial standard errors."""
    n = 1000
    stages = [
        {"share": 0.6, "factor": 1.0},
        {"share": 0.3, "factor": 2.0},
        {"share": 0.1, "factor": 5.0},
    ]
    hazard = {
        "type": "power_grid_outage",
        "grid_regions": ["north", "south"],
        "restore_h": fixed(10.0),
        "stages": stages,
    }
    back = np.array(
        list(restored_at(simulate(scenario_on(grid_sites(n), hazards=[hazard]))).values())
    )
    assert len(back) == 2 * n and set(np.unique(back)) == {10.0, 20.0, 50.0}
    for stage, hours in zip(stages, (10.0, 20.0, 50.0), strict=True):
        p = stage["share"]
        assert abs((back == hours).mean() - p) < 4 * np.sqrt(p * (1 - p) / (2 * n))


def test_stages_must_add_up_and_not_get_faster():
    from resilience_sim.scenario.hazard_specs.power_grid_outage import PowerGridOutage

    base = {"type": "power_grid_outage", "grid_regions": ["north"], "restore_h": fixed(1.0)}
    with pytest.raises(ValueError, match="add up to 1"):
        PowerGridOutage.model_validate({**base, "stages": [{"share": 0.5, "factor": 1.0}]})
    with pytest.raises(ValueError, match="must not decrease"):
        PowerGridOutage.model_validate(
            {**base, "stages": [{"share": 0.5, "factor": 2.0}, {"share": 0.5, "factor": 1.0}]}
        )
    with pytest.raises(ValueError, match="not one of grid_regions"):
        PowerGridOutage.model_validate({**base, "restore_by_region": {"west": fixed(2.0)}})


def test_trucks_of_a_fleet_reach_only_their_regions():
    """The fleet serves r2 only (another island): s1 (r1) is down 12-30 h, until mains."""
    power = generator_sites()
    power["fuel"]["trucks"][0]["regions"] = ["r2"]
    scenario = scenario_on(sites(), hazards=[grid_down(0.0, 30.0)], power=power)
    assert events(simulate(scenario)) == [
        (12.0, "s1", "fail", "power"),
        (30.0, "s1", "repair", "power"),
    ]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            lambda p: p["backup"][0].update(regions=["atlantis"]),
            "power.backup[0].regions[0]",
            "no region 'atlantis'",
        ),
        (
            lambda p: p["fuel"]["depots"][0].update(node="nowhere"),
            "power.fuel.depots[0].node",
            "no node with id 'nowhere'",
        ),
        (
            lambda p: p["fuel"]["trucks"][0].update(depot="elsewhere"),
            "power.fuel",
            "unknown fuel depot 'elsewhere'",
        ),
        (
            lambda p: p["backup"][0]["battery_h"][0].update(share=0.5),
            "power.backup[0].battery_h",
            "shares must add up to 1",
        ),
        (lambda p: p["backup"][0].pop("tank_h"), "power.backup[0].tank_h", "needed with"),
    ],
)
def test_bad_power_sections_name_the_file_and_field(tmp_path, change, field, message):
    import yaml

    from resilience_sim import InputError, load_scenario
    from resilience_sim.topology.io import write_topology

    write_topology(sites(), tmp_path / "topo.yaml")
    power = generator_sites()
    change(power)
    doc = {"name": "x", "topology": "topo.yaml", "horizon_h": 10, "power": power}
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(doc))
    with pytest.raises(InputError) as err:
        load_scenario(tmp_path / "s.yaml")
    text = str(err.value)
    assert f"s.yaml: {field}" in text and message in text


def test_a_site_without_coordinates_is_reached_at_once_like_a_crew_would():
    """No lat/lon at s1: the trip takes no time, only the 0.5 h of pumping. s1 asks at
    5 h and is refilled at 5.5 h, long before the tank runs dry: no outage at all."""
    topo = sites()
    nodes = [n.model_dump(exclude_none=True) for n in topo.nodes]
    for node in nodes:
        if node["id"] == "s1":
            node.pop("lat"), node.pop("lon")
    links = [e.model_dump(exclude_none=True) for e in topo.links]
    scenario = scenario_on(
        make_topology(nodes, links), hazards=[grid_down(0.0, 30.0)], power=generator_sites()
    )
    assert events(simulate(scenario)) == []


def test_the_shipped_fuel_scenario_is_bit_identical_whatever_the_batches():
    """Draws of the power generator belong to each replication: batches of 1 or of 3 give
    the same events and outage-cause tables; the sampled back-up differs between
    replications (not every replication's outage is the same)."""
    from pathlib import Path

    import resilience_sim as rs

    path = Path(__file__).resolve().parents[1] / "scenarios" / "pacific_island_cyclone_fuel.yaml"
    scenario = rs.load_scenario(path)
    one = simulate(scenario, replications=3, seed=11, batch_size=1)
    three = simulate(scenario, replications=3, seed=11, batch_size=3)
    assert one.events.equals(three.events)
    assert one.outage_causes.equals(three.outage_causes)
    assert one.summary.unserved_user_h_domestic.nunique() == 3


def test_a_variant_can_replace_the_power_section():
    """Baseline: the only fleet serves r2, so s1 is down 12-30 h. Variant `reach_r1`: the
    same section with the fleet on r1 as well, s1 is back at 16.62 h. A variant naming an
    unknown region is refused with its field."""
    from resilience_sim import InputError
    from resilience_sim.scenario.variant_build import build_variant

    base = generator_sites()
    base["fuel"]["trucks"][0]["regions"] = ["r2"]
    better = generator_sites()
    better["fuel"]["trucks"][0]["regions"] = ["r1", "r2"]
    scenario = scenario_on(
        sites(),
        hazards=[grid_down(0.0, 30.0)],
        power=base,
        variants={"reach_r1": {"capex_musd": 0.1, "power": better}},
    )
    assert events(simulate(scenario))[1] == (30.0, "s1", "repair", "power")
    up_h = round(5.0 + TRIP_H + 0.5, 9)
    assert events(simulate(build_variant(scenario, "reach_r1")))[1][:2] == (up_h, "s1")
    wrong = generator_sites()
    wrong["fuel"]["trucks"][0]["regions"] = ["r9"]
    with pytest.raises(InputError, match=r"variants\.bad\.power\.fuel\.trucks\[0\]\.regions\[0\]"):
        scenario_on(sites(), power=base, variants={"bad": {"power": wrong}})


def test_an_empty_power_section_gives_the_same_log_on_a_national_network():
    """The per-site state machine without rules, recharge or trucks is the old model: on a
    2,000-node synthetic network a regional outage and two substations out for a while
    (hundreds of sites on battery, then down) give the same event log with and without
    `power: {}`."""
    from resilience_sim.scenario import Scenario
    from resilience_sim.topology.generate import generate_topology

    topology = generate_topology("national", 2000, 7)
    regions = [r for r in topology.regions if r != "abroad"]
    exchange = next(n.id for n in topology.nodes if n.kind.value == "exchange")
    data = {
        "name": "regional outage",
        "horizon_h": 24.0 * 60,
        "hazards": [
            {"type": "regional_outage", "regions": regions[1:3]},
            {
                "type": "power_grid_outage",
                "substations": ["ps-10", "ps-02"],
                "at_h": 5.0,
                "restore_h": {"dist": "lognormal", "median_h": 30.0, "sigma": 0.5},
            },
        ],
        "recovery": {"crews": [{"depot": exchange, "count": 20}]},
        "service": {"demand_gbps_per_user": 0.0},
    }
    without = simulate(Scenario.from_dict(data, topology), seed=3).events
    with_section = simulate(Scenario.from_dict({**data, "power": {}}, topology), seed=3).events
    assert (without.cause_class == "power").sum() > 200
    assert without.equals(with_section)
