"""Cable repair logistics: hand-worked ship schedules, a fleet-queue oracle, importer fields.

Geometry of the hand-worked cases: cables along the equator, so the great-circle
distance of d degrees of longitude is R * d * pi / 180 with R = 6371.0088 km
(``KM_PER_DEG`` = 111.19508 km) and a ship at 10 knots makes 18.52 km/h.
"""

from __future__ import annotations

import datetime
import math
from pathlib import Path

import numpy as np
import pytest
from conftest import fixed, make_topology, scenario_on

from resilience_sim import InputError, simulate
from resilience_sim.engine import plan_crews, simulate_replication
from resilience_sim.engine.ships import weather_stretch_h
from resilience_sim.geo import EARTH_RADIUS_KM, KM_PER_NAUTICAL_MILE
from resilience_sim.hazards import Damage
from resilience_sim.hazards.cable_fault import point_along_route
from resilience_sim.scenario import Recovery
from resilience_sim.topology import compile_topology

KM_PER_DEG = EARTH_RADIUS_KM * math.pi / 180.0
KMH = 10.0 * KM_PER_NAUTICAL_MILE  # 10 knots in km/h
DEPTH_TABLE = [[0.0, 48.0], [1000.0, 96.0], [5000.0, 128.0]]


def equator_cables(n_cables: int = 1):
    """Landing stations at (0, 0) and (0, 10); cables c0.. with a straight route between
    them, 1000 km long (``length_km``), depth 0 m at the ends and 4000 m in the middle."""
    nodes = [
        {"id": "a", "kind": "landing_station", "lat": 0.0, "lon": 0.0, "population": 10},
        {"id": "b", "kind": "landing_station", "lat": 0.0, "lon": 10.0, "international": True},
    ]
    links = [
        {
            "id": f"c{i}",
            "source": "a",
            "target": "b",
            "kind": "submarine_cable",
            "length_km": 1000.0,
            "route": [[0.0, 0.0], [0.0, 5.0], [0.0, 10.0]],
            "route_depth_m": [0.0, 4000.0, 0.0],
        }
        for i in range(n_cables)
    ]
    return make_topology(nodes, links, "equator")


def ship(**fields) -> dict:
    return {
        "name": "s",
        "port": {"lat": 0.0, "lon": 0.0},
        "speed_kn": 10.0,
        "mobilise_h": 24.0,
        "repair_h": fixed(96.0),
        **fields,
    }


def repair_times(scenario) -> dict[str, list[float]]:
    ev = simulate(scenario, replications=1).events
    out: dict[str, list[float]] = {}
    for t, asset, event in zip(ev.time_h, ev.asset, ev.event, strict=True):
        if event == "repair":
            out.setdefault(asset, []).append(float(t))
    return out


def faults(*rows, **extra):
    """A cable_fault hazard with located faults ``(cable, at_km, depth_m or None)``."""
    return {
        "type": "cable_fault",
        "faults": [
            {"cable": c, "at_km": km, **({} if d is None else {"depth_m": d})} for c, km, d in rows
        ],
        **extra,
    }


def test_route_point_and_depth_at_a_km():
    """500 of 1000 km is the middle of the drawn route: (0, 5), depth 4000 m; 250 km is a
    quarter: (0, 2.5) and 2000 m (linear between route points)."""
    route = [(0.0, 0.0), (0.0, 5.0), (0.0, 10.0)]
    assert point_along_route(route, [0.0, 4000.0, 0.0], 0.5) == pytest.approx((0.0, 5.0, 4000.0))
    assert point_along_route(route, [0.0, 4000.0, 0.0], 0.25) == pytest.approx((0.0, 2.5, 2000.0))


def test_busy_ship_permit_area_and_depth_schedule():
    """Fault at t=0, 500 km along c0: (0, 5), depth 3000 m (field). The ship is busy until
    100 h, mobilises 24 h in port, sails 5 deg = 555.975 km at 18.52 km/h = 30.020 h, so it
    is on site at 154.020 h; the fault lies in a permit area of 200 h, so work starts at
    200 h. On site at 3000 m: 96 + (3000 - 1000) / 4000 x (128 - 96) = 112 h -> 312 h."""
    area = [[-1.0, 4.0], [-1.0, 6.0], [1.0, 6.0], [1.0, 4.0], [-1.0, 4.0]]
    scenario = scenario_on(
        equator_cables(),
        horizon_h=2000.0,
        hazards=[faults(("c0", 500.0, 3000.0))],
        recovery={
            "cable_ships": [ship(available_from_h=100.0, on_site_by_depth=DEPTH_TABLE)],
            "cable_logistics": {
                "permit_areas": [{"name": "territorial", "polygon": area, "delay_h": 200.0}]
            },
        },
    )
    assert repair_times(scenario) == {"c0": [pytest.approx(312.0)]}


def test_permit_area_elsewhere_does_not_delay():
    """Same fault, the permit area far away: on site at 124 + 555.975 / 18.52 h, then the
    depth from the route (4000 m at the middle): 96 + 3000/4000 x 32 = 120 h."""
    area = [[10.0, 40.0], [10.0, 41.0], [11.0, 41.0], [10.0, 40.0]]
    scenario = scenario_on(
        equator_cables(),
        horizon_h=2000.0,
        hazards=[faults(("c0", 500.0, None))],
        recovery={
            "cable_ships": [ship(available_from_h=100.0, on_site_by_depth=DEPTH_TABLE)],
            "cable_logistics": {
                "permit_areas": [{"name": "far", "polygon": area, "delay_h": 900.0}]
            },
        },
    )
    expected = 124.0 + 5 * KM_PER_DEG / KMH + 120.0
    assert repair_times(scenario) == {"c0": [pytest.approx(expected, rel=1e-12)]}


def test_spares_wait_for_a_delivery_at_the_depot():
    """Spares needed: 2 km + 2 x 3 km (3000 m) = 8 km; the ship has none and the depot at
    (0, -2) has 5 km until 50 km arrive at 300 h. Mobilise 24 h, sail 2 deg = 12.008 h
    (at the depot at 36.008 h), wait to 300 h, load 24 h, sail 7 deg = 42.028 h to the
    fault, 112 h on site: 324 + 7 x 111.195 / 18.52 + 112 = 478.028 h."""
    scenario = scenario_on(
        equator_cables(),
        horizon_h=2000.0,
        hazards=[faults(("c0", 500.0, 3000.0))],
        recovery={
            "cable_ships": [ship(on_site_by_depth=DEPTH_TABLE)],
            "cable_logistics": {
                "spare_depots": [
                    {
                        "name": "depot",
                        "location": {"lat": 0.0, "lon": -2.0},
                        "stock_km": 5.0,
                        "deliveries": [{"at_h": 300.0, "km": 50.0}],
                    }
                ]
            },
        },
    )
    expected = 324.0 + 7 * KM_PER_DEG / KMH + 112.0
    assert repair_times(scenario) == {"c0": [pytest.approx(expected, rel=1e-12)]}


def test_spares_on_board_skip_the_depot():
    """With 10 km on board (>= 8 km) the ship sails straight: 24 + 30.020 + 112 h."""
    scenario = scenario_on(
        equator_cables(),
        horizon_h=2000.0,
        hazards=[faults(("c0", 500.0, 3000.0))],
        recovery={
            "cable_ships": [ship(on_site_by_depth=DEPTH_TABLE, spares_on_board_km=10.0)],
            "cable_logistics": {
                "spare_depots": [
                    {"name": "d", "location": {"lat": 0.0, "lon": -2.0}, "stock_km": 0.0}
                ]
            },
        },
    )
    expected = 24.0 + 5 * KM_PER_DEG / KMH + 112.0
    assert repair_times(scenario) == {"c0": [pytest.approx(expected, rel=1e-12)]}


def test_a_repair_no_depot_can_supply_stays_down():
    scenario = scenario_on(
        equator_cables(),
        horizon_h=2000.0,
        hazards=[faults(("c0", 500.0, 3000.0))],
        recovery={
            "cable_ships": [ship()],
            "cable_logistics": {
                "spare_depots": [
                    {"name": "d", "location": {"lat": 0.0, "lon": -2.0}, "stock_km": 7.9}
                ]
            },
        },
    )
    assert repair_times(scenario) == {}


def test_two_faults_within_the_span_are_one_visit():
    """Faults at 500 km (4000 m, from the route) and 530 km (depth_m 3600): one visit that
    replaces the 30 km between them. On site: table at the deeper 4000 m = 120 h, plus
    30 km / (90 / 384 km/h) = 128 h. The ship sails to the first fault the policy (fifo)
    takes, 5 deg: 24 + 30.020 + 248 h; both faults are repaired at that time."""
    scenario = scenario_on(
        equator_cables(),
        horizon_h=2000.0,
        hazards=[faults(("c0", 500.0, None), ("c0", 530.0, 3600.0))],
        recovery={"cable_ships": [ship(on_site_by_depth=DEPTH_TABLE, visit_span_km=50.0)]},
    )
    expected = 24.0 + 5 * KM_PER_DEG / KMH + 120.0 + 128.0
    assert repair_times(scenario) == {"c0": [pytest.approx(expected, rel=1e-12)]}


def test_two_faults_beyond_the_span_are_two_visits():
    """Span 10 km < 30 km: the first visit ends at 24 + 30.020 + 120 h; the ship sails
    the 30 km of route (0.3 deg: 500 -> 530 km of 1000 km is 5 -> 5.3 deg) = 1.801 h and
    works 96 + 2600/4000 x 32 = 116.8 h; the cable is up only then."""
    scenario = scenario_on(
        equator_cables(),
        horizon_h=2000.0,
        hazards=[faults(("c0", 500.0, None), ("c0", 530.0, 3600.0))],
        recovery={"cable_ships": [ship(on_site_by_depth=DEPTH_TABLE, visit_span_km=10.0)]},
    )
    expected = 24.0 + 5.3 * KM_PER_DEG / KMH + 120.0 + 116.8
    assert repair_times(scenario) == {"c0": [pytest.approx(expected, rel=1e-9)]}


def zone_scenario(released: bool):
    return scenario_on(
        equator_cables(2),
        horizon_h=3000.0,
        hazards=[faults(("c1", 500.0, 3000.0))],
        recovery={
            "cable_ships": [
                ship(
                    name="north",
                    zones=["north"],
                    on_site_by_depth=DEPTH_TABLE,
                    released_to=[{"zone": "south", "from_h": 50.0}] if released else [],
                ),
                ship(
                    name="south",
                    zones=["south"],
                    on_site_by_depth=DEPTH_TABLE,
                    available_from_h=1000.0,
                    available_at={"lat": 0.0, "lon": 5.0},
                ),
            ],
            "cable_logistics": {
                "maintenance_zones": [
                    {"name": "north", "cables": ["c0"]},
                    {"name": "south", "cables": ["c1"]},
                ]
            },
        },
    )


def test_zone_ship_busy_elsewhere_is_waited_for():
    """c1 is in zone south, whose ship is busy until 1000 h, then free at sea on the
    fault's spot (no mobilisation, no sailing): 1000 + 112 h. The idle north ship may
    not serve c1."""
    assert repair_times(zone_scenario(released=False)) == {"c1": [pytest.approx(1112.0)]}


def test_ship_released_to_another_zone_takes_the_fault():
    """The north ship is released to zone south at 50 h: mobilises 24 h, sails 30.020 h,
    works 112 h: 50 + 24 + 555.975 / 18.52 + 112 h."""
    expected = 50.0 + 24.0 + 5 * KM_PER_DEG / KMH + 112.0
    assert repair_times(zone_scenario(released=True)) == {
        "c1": [pytest.approx(expected, rel=1e-12)]
    }


def test_weather_stretch_across_a_month_end():
    """From 00:00 on 25 January, January (7 days = 168 h left) loses half its time:
    168 h give 84 h of work; the remaining 16 h are done in a calm February: 184 h."""
    downtime = [0.5] + [0.0] * 11
    assert weather_stretch_h(0.0, 100.0, datetime.date(2026, 1, 25), downtime) == 184.0
    assert weather_stretch_h(0.0, 50.0, datetime.date(2026, 1, 25), downtime) == 100.0
    assert weather_stretch_h(0.0, 50.0, datetime.date(2026, 3, 1), downtime) == 50.0


def season_scenario(start_date: str):
    return scenario_on(
        equator_cables(),
        horizon_h=3000.0,
        start_date=start_date,
        hazards=[faults(("c0", 500.0, 3000.0))],
        recovery={
            "cable_ships": [ship(on_site_by_depth=DEPTH_TABLE, mobilise_h=0.0)],
            "cable_logistics": {
                "weather_windows": [{"months": [11, 12, 1, 2, 3, 4], "downtime_frac": 0.4}]
            },
        },
    )


def test_the_same_fault_takes_longer_in_the_cyclone_season():
    """On site from 30.020 h: in June (calm) 112 h; in January at 40 % downtime 112 / 0.6
    = 186.667 h (the work ends well inside January either way)."""
    sail = 5 * KM_PER_DEG / KMH
    calm = repair_times(season_scenario("2026-06-01"))["c0"][0]
    stormy = repair_times(season_scenario("2026-01-01"))["c0"][0]
    assert calm == pytest.approx(sail + 112.0, rel=1e-12)
    assert stormy == pytest.approx(sail + 112.0 / 0.6, rel=1e-12)


def test_two_ships_share_a_queue_as_the_exponential_oracle_says():
    """N = 12 faults at t=0 on co-located cables, two ships on the spot (no travel, no
    mobilisation), exponential on-site time of mean m = 96 h, fifo. While both ships work
    departures come at rate 2/m, so the k-th of the first N-1 repairs ends at expected
    k m / 2 and the last at (N-1) m / 2 + m. The mean repair time over the N faults is
    their average; 400 replications, tolerance 4 standard errors of the sample mean."""
    n, mean_h, reps = 12, 96.0, 400
    nodes = [
        {"id": "a", "kind": "landing_station", "lat": 0.0, "lon": 0.0, "population": 1},
        {"id": "b", "kind": "landing_station", "lat": 0.0, "lon": 0.0, "international": True},
    ]
    links = [
        {"id": f"c{i}", "source": "a", "target": "b", "kind": "submarine_cable"} for i in range(n)
    ]
    arrays = compile_topology(make_topology(nodes, links))
    cables = [arrays.asset_index[f"c{i}"] for i in range(n)]
    damage = Damage(
        asset_idx=cables,
        onset_h=np.zeros(n),
        duration_h=np.full(n, np.nan),
        cause="x",
        fault_lat=np.zeros(n),
        fault_lon=np.zeros(n),
    )
    one = {"port": {"lat": 0.0, "lon": 0.0}, "mobilise_h": 0.0}
    one["repair_h"] = {"dist": "exponential", "mean_h": mean_h}
    recovery = Recovery.model_validate(
        {"cable_ships": [{"name": "s1", **one}, {"name": "s2", **one}]}
    )
    plan = plan_crews(recovery, arrays)
    means = []
    for r in range(reps):
        log = simulate_replication(arrays, [damage], recovery, plan, np.random.default_rng(r), 1e6)
        repairs = [t for t, e in zip(log.time_h, log.event, strict=True) if e == 1]
        assert len(repairs) == n
        means.append(np.mean(repairs))
    expected = (sum(k * mean_h / 2 for k in range(1, n)) + (n - 1) * mean_h / 2 + mean_h) / n
    se = np.std(means, ddof=1) / math.sqrt(reps)
    assert abs(np.mean(means) - expected) < 4 * se


@pytest.mark.parametrize(
    ("recovery", "field"),
    [
        (
            {"cable_ships": [ship(zones=["nowhere"])]},
            "recovery: cable_ships[0].zones[0]: unknown maintenance zone 'nowhere'",
        ),
        (
            {"cable_logistics": {"weather_windows": [{"months": [1, 2]}, {"months": [2]}]}},
            "recovery.cable_logistics.weather_windows[0].downtime_frac",
        ),
        (
            {"cable_ships": [ship(on_site_by_depth=[[100.0, 5.0], [50.0, 6.0]])]},
            "recovery.cable_ships[0].on_site_by_depth",
        ),
    ],
)
def test_bad_logistics_name_the_field(recovery, field):
    with pytest.raises(InputError) as caught:
        scenario_on(equator_cables(), recovery=recovery)
    assert field in str(caught.value)


def test_weather_windows_need_a_start_date():
    with pytest.raises(InputError) as caught:
        scenario_on(
            equator_cables(),
            recovery={
                "cable_logistics": {"weather_windows": [{"months": [1], "downtime_frac": 0.3}]}
            },
        )
    assert "start_date: needed" in str(caught.value)


def test_a_fault_beyond_the_cable_end_is_an_input_error():
    scenario = scenario_on(equator_cables(), hazards=[faults(("c0", 1500.0, None))])
    with pytest.raises(InputError) as caught:
        simulate(scenario, replications=1)
    assert "faults[0].at_km: 1500 km is beyond the 1000 km of 'c0'" in str(caught.value)


def test_graphml_keeps_owners_year_and_depths(tmp_path):
    from resilience_sim.topology.io.graphml import read_graphml, write_graphml

    nodes = [
        {"id": "a", "kind": "landing_station", "lat": 0.0, "lon": 0.0},
        {"id": "b", "kind": "landing_station", "lat": 0.0, "lon": 1.0},
    ]
    links = [
        {
            "id": "c",
            "source": "a",
            "target": "b",
            "kind": "submarine_cable",
            "route": [[0.0, 0.0], [0.0, 1.0]],
            "owners": ["Tonga Cable Ltd", "Digicel"],
            "ready_for_service_year": 2013,
            "route_depth_m": [10.0, 20.0],
        }
    ]
    topology = make_topology(nodes, links)
    write_graphml(topology, tmp_path / "t.graphml")
    back = read_graphml(tmp_path / "t.graphml")
    assert back.links == topology.links


DATA = Path("/work/shared/data/submarine-cables")


def test_importer_keeps_owners_and_ready_for_service_year():
    """Tonga Cable: 827 km Suva - Nuku'alofa, RFS 2013 (PARAMETERS.md); owners as listed
    in the data's cable/tonga-cable.json."""
    if not (DATA / "cable" / "cable-geo.json").is_file():
        pytest.skip("TeleGeography data not in /work/shared/data")
    import warnings

    from resilience_sim.topology.io.submarine_cables import read_submarine_cables

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        topology = read_submarine_cables(DATA, ["Tonga"])
    (tonga,) = [e for e in topology.links if e.cable_system == "Tonga Cable"]
    assert tonga.ready_for_service_year == 2013
    assert tonga.owners == [
        "Digicel Tonga",
        "Government of Tonga",
        "Tonga Communications Corporation",
    ]


def test_shared_trunks_of_different_systems_are_risk_groups():
    """a1 (system A) runs (0, 0) - (0, 2); b1 (B) runs (0, 1) - (0, 3) on the same line, so
    they share 1 deg = 111 km; c1 (C) runs (0, 2.5) - (0, 4): shares 0.5 deg with b1 only.
    One corridor holds all three; the trunks are A+B = {a1, b1} and B+C = {b1, c1}."""
    from resilience_sim.experiments.risk_groups import risk_groups

    nodes = [
        {"id": f"n{i}", "kind": "landing_station", "lat": 0.0, "lon": lon}
        for i, lon in enumerate([0.0, 2.0, 1.0, 3.0, 2.5, 4.0])
    ]
    links = [
        {
            "id": name,
            "source": f"n{2 * k}",
            "target": f"n{2 * k + 1}",
            "kind": "submarine_cable",
            "cable_system": system,
            "route": [[0.0, nodes[2 * k]["lon"]], [0.0, nodes[2 * k + 1]["lon"]]],
        }
        for k, (name, system) in enumerate([("a1", "A"), ("b1", "B"), ("c1", "C")])
    ]
    groups = {g.name: g for g in risk_groups(make_topology(nodes, links))}
    assert groups["corridor-1"].link_ids == ("a1", "b1", "c1")
    assert groups["trunk:A+B"].link_ids == ("a1", "b1")
    assert groups["trunk:B+C"].link_ids == ("b1", "c1")
    assert groups["trunk:A+B"].sources == ("shared trunk A + B",)
