"""The fuel logistics tables (fuel_trips, road_closures): exact rows on the hand-worked
one-truck timelines of test_power_fuel / test_fuel_roads, the same tables whatever the
batches and workers, the run folder, and the report's "Fuel logistics" section."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import scenario_on
from test_fuel_roads import CUT_EX_M, DIRECT, DIRECT_KM, SPEED, flood_over_ex_m, fuel_with_roads
from test_fuel_roads import road_file as make_road_file
from test_power_fuel import D_KM, TRIP_H, events, generator_sites, grid_down, sites

import resilience_sim as rs
from resilience_sim.experiments.runs import StudyInterrupted, resume_study, run_study
from resilience_sim.metrics.fuel_logistics import (
    FUEL_TRIP_COLUMNS,
    ROAD_CLOSURE_COLUMNS,
    daily_fuel_logistics,
    worst_served_sites,
)
from resilience_sim.reports import write_report

pytestmark = pytest.mark.filterwarnings("ignore:.*footprint touches no asset")
SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
COLUMNS = ["kind", "truck", "depot", "node", "requested_h", "depart_h", "arrive_h"]


def rows(frame: pd.DataFrame, columns=COLUMNS) -> list[tuple]:
    return [
        tuple(round(v, 9) if isinstance(v, float) else v for v in row)
        for row in frame[columns].itertuples(index=False)
    ]


def test_one_truck_s_trips_are_the_hand_worked_timeline():
    """Grid down 0-30 h (test_power_fuel's first timeline). s1's 10 h tank asks at half
    tank, 5 h; the truck leaves the depot then, drives 55.6 km in 11.12 h, pumps 0.5 h:
    fuel in at 16.62 h, the whole tank (10 h x 2.5 L/h = 25 L). It stays at s1: the tank
    asks again at 16.62 + 5 = 21.62 h, is topped up at 22.12 h with the 5.5 h burnt
    (13.75 L), and again at 27.12 / 27.62 h; mains returns at 30 h before the next ask."""
    scenario = scenario_on(sites(), hazards=[grid_down(0.0, 30.0)], power=generator_sites())
    result = rs.simulate(scenario)
    trips = result.fuel_trips
    up = 5.0 + TRIP_H + 0.5
    assert rows(trips) == [
        ("delivery", 0, "d", "s1", 5.0, 5.0, round(up, 9)),
        ("delivery", 0, "d", "s1", round(up + 5.0, 9), round(up + 5.0, 9), round(up + 5.5, 9)),
        ("delivery", 0, "d", "s1", round(up + 10.5, 9), round(up + 10.5, 9), round(up + 11, 9)),
    ]
    assert trips.litres.tolist() == pytest.approx([25.0, 13.75, 13.75])
    assert trips.fuel_h.tolist() == pytest.approx([10.0, 5.5, 5.5])
    assert trips.drive_h.tolist() == pytest.approx([TRIP_H, 0.0, 0.0])
    assert trips.km.tolist() == pytest.approx([D_KM, 0.0, 0.0])
    assert trips.wait_h.tolist() == pytest.approx([TRIP_H + 0.5, 0.5, 0.5])
    assert trips.wait_reason.tolist() == ["", "", ""]
    assert not trips.by_road.any()
    assert (trips.replication == 0).all()
    assert list(trips.columns) == list(FUEL_TRIP_COLUMNS)
    # the fuel arrives when the event log says s1 is back
    assert events(result)[1] == (round(up, 9), "s1", "repair", "power")
    assert result.road_closures.empty  # no roads


def test_a_one_fill_truck_drives_home_and_the_second_site_waits_for_it():
    """One 25 L fill, fifo, both sites ask at 5 h (test_power_fuel's policy timeline):
    s1 is filled at 16.62 h, the empty truck drives home (arrives 27.74 h), loads and
    takes s2 (waiting since 5 h: no truck) at 27.74 h, fuel in at 39.36 h. s1 asks again
    at 21.62 h and is dropped when mains returns at 30 h; the truck then drives home."""
    scenario = scenario_on(
        sites(fed=("s1", "s2"), critical=("s1",)),
        hazards=[grid_down(0.0, 30.0)],
        power=generator_sites(capacity_l=25.0, policy="fifo"),
    )
    trips = rs.simulate(scenario).fuel_trips
    t = TRIP_H
    up = 5.0 + t + 0.5
    got = trips[["kind", "node", "wait_reason"]].values.tolist()
    assert got == [
        ["delivery", "s1", ""],
        ["to_depot", "", ""],
        ["delivery", "s2", "no_truck"],
        ["cancelled", "s1", "no_truck"],
        ["to_depot", "", ""],
    ]
    np.testing.assert_allclose(
        trips.depart_h, [5.0, up, up + t, np.nan, up + 2 * t + 0.5], rtol=0, atol=1e-9
    )
    np.testing.assert_allclose(
        trips.arrive_h, [up, up + t, up + 2 * t + 0.5, np.nan, up + 3 * t + 0.5], atol=1e-9
    )
    np.testing.assert_allclose(trips.cancelled_h, [np.nan, np.nan, np.nan, 30.0, np.nan])
    np.testing.assert_allclose(trips.litres, [25.0, np.nan, 25.0, np.nan, np.nan])
    np.testing.assert_allclose(trips.wait_h[2], up + 2 * t + 0.5 - 5.0, atol=1e-9)


def test_a_closed_area_shows_as_the_reason_and_an_open_request_as_unserved():
    """s1's region closed until 20 h: the truck leaves at 20 h (asked at 5 h), reason
    closed_area. Closed until 150 h, past the 100 h horizon: one unserved row."""
    recovery = {"closed_areas": [{"regions": ["r1"], "until_h": 20.0}]}
    scenario = scenario_on(
        sites(), hazards=[grid_down(0.0, 40.0)], power=generator_sites(), recovery=recovery
    )
    first = rs.simulate(scenario).fuel_trips.iloc[0]
    assert (first.kind, first.requested_h, first.depart_h) == ("delivery", 5.0, 20.0)
    assert first.arrive_h == pytest.approx(20.0 + TRIP_H + 0.5)
    assert first.wait_reason == "closed_area"
    recovery = {"closed_areas": [{"regions": ["r1"], "until_h": 150.0}]}
    scenario = scenario_on(
        sites(), hazards=[grid_down(0.0, 200.0)], power=generator_sites(), recovery=recovery
    )
    trips = rs.simulate(scenario).fuel_trips
    assert rows(trips, ["kind", "truck", "node", "requested_h", "wait_reason"]) == [
        ("unserved", -1, "s1", 5.0, "closed_area")
    ]
    assert np.isnan(trips.depart_h[0]) and np.isnan(trips.wait_h[0])


def test_a_flood_closure_shows_in_road_closures_with_exact_times(tmp_path):
    """1 m of water over the ex - m segment (the first of the direct road) from 0 h,
    cleared after 15 h (test_fuel_roads): one closure row, 0 - 15 h, of segment 0 only;
    the truck (asked at 5 h) waits for it, leaves at 15 h by road, fuel in at 26.62 h."""
    flood, rule = flood_over_ex_m(15.0)
    roads = {"file": make_road_file(tmp_path, DIRECT), "damage": [rule]}
    scenario = scenario_on(
        sites(), hazards=[grid_down(0.0, 40.0), flood], power=fuel_with_roads(roads)
    )
    result = rs.simulate(scenario)
    closures = result.road_closures
    assert list(closures.columns) == list(ROAD_CLOSURE_COLUMNS)
    assert len(closures) == 1
    c = closures.iloc[0]
    assert (c.replication, c.segment, c.closed_from_h, c.reopen_h) == (0, 0, 0.0, 15.0)
    assert (c.from_lat, c.from_lon, c.to_lat, c.to_lon) == (0.0, 0.0, 0.0, 0.25)
    assert c.km == pytest.approx(DIRECT_KM / 2)
    assert c.cause == "damage[0] x hazards[1] (flood)"
    first = result.fuel_trips.iloc[0]
    assert (first.requested_h, first.depart_h, first.wait_reason) == (5.0, 15.0, "road_closed")
    assert first.by_road
    assert first.drive_h == pytest.approx(DIRECT_KM / SPEED)
    assert first.arrive_h == pytest.approx(15.0 + DIRECT_KM / SPEED + 0.5)


def test_an_empty_truck_waiting_for_its_road_home_is_a_to_depot_row(tmp_path):
    """test_fuel_roads' homeward timeline: one 25 L fill, fifo; s1 filled at 16.62 h, the
    truck is empty; a flood closes ex - m from 10 h to 30 h, so it leaves s1 for the depot
    at 30 h (road_closed), is home at 41.12 h, and s2 (asked at 5 h, no truck) gets its
    fuel at 41.12 + 11.12 + 0.5 = 52.74 h. The closure row: segment 0, 10 - 30 h."""
    flood, rule = flood_over_ex_m(20.0)
    flood["at_h"] = 10.0
    west = {**DIRECT, "geometry": {"type": "LineString", "coordinates": [[0.0, 0.0], [-0.5, 0.0]]}}
    roads = {"file": make_road_file(tmp_path, DIRECT, west), "damage": [rule]}
    power = fuel_with_roads(roads, capacity_l=25.0, policy="fifo")
    scenario = scenario_on(
        sites(fed=("s1", "s2")), hazards=[grid_down(0.0, 80.0), flood], power=power
    )
    result = rs.simulate(scenario)
    trip = DIRECT_KM / SPEED
    up = 5.0 + trip + 0.5
    trips = result.fuel_trips
    assert rows(trips.iloc[:3], [*COLUMNS, "wait_reason"]) == [
        ("delivery", 0, "d", "s1", 5.0, 5.0, round(up, 9), ""),
        ("to_depot", 0, "d", "", round(up, 9), 30.0, round(30.0 + trip, 9), "road_closed"),
        (
            "delivery",
            0,
            "d",
            "s2",
            5.0,
            round(30.0 + trip, 9),
            round(30.0 + 2 * trip + 0.5, 9),
            "no_truck",
        ),
    ]
    assert trips.by_road.iloc[:3].tolist() == [True, True, True]
    assert rows(result.road_closures, ["segment", "closed_from_h", "reopen_h"]) == [(0, 10.0, 30.0)]


def test_a_closed_area_over_a_road_is_a_closure_from_the_start(tmp_path):
    """The closed circle over ex - m (until 20 h) closes segment 0 over 0 - 20 h."""
    roads = {"file": make_road_file(tmp_path, DIRECT)}
    scenario = scenario_on(
        sites(),
        hazards=[grid_down(0.0, 40.0)],
        power=fuel_with_roads(roads),
        recovery={"closed_areas": [{**CUT_EX_M, "until_h": 20.0}]},
    )
    closures = rs.simulate(scenario).road_closures
    assert rows(closures, ["segment", "closed_from_h", "reopen_h", "cause"]) == [
        (0, 0.0, 20.0, "closed area")
    ]


def test_the_daily_figures_and_worst_sites_are_counted_by_hand():
    """Two replications. r0: s1 asks at 5 h, fuel in at 30 h (day 2); s2 asks at 10 h,
    still open at the 72 h horizon. r1: s1 asks at 20 h, fuel in at 21 h (day 1), s2
    asks at 40 h, mains back at 50 h. A segment closed 0 - 30 h in r0."""
    nan = np.nan
    trips = pd.DataFrame(
        {
            "kind": ["delivery", "unserved", "delivery", "cancelled", "to_depot"],
            "node": ["s1", "s2", "s1", "s2", ""],
            "requested_h": [5.0, 10.0, 20.0, 40.0, 30.0],
            "arrive_h": [30.0, nan, 21.0, nan, 40.0],
            "cancelled_h": [nan, nan, nan, 50.0, nan],
            "litres": [20.0, nan, 10.0, nan, nan],
            "wait_h": [25.0, nan, 1.0, 10.0, 0.0],
        }
    )
    closures = pd.DataFrame({"closed_from_h": [0.0], "reopen_h": [30.0]})
    daily = daily_fuel_logistics(trips, closures, 72.0, 2)
    assert daily.day.tolist() == [1, 2, 3]
    assert daily.deliveries.tolist() == [0.5, 0.5, 0.0]
    assert daily.litres.tolist() == [5.0, 10.0, 0.0]
    # end of day 1: r0 s1 and s2 wait (r1 s1 was filled at 21 h); day 2: r0 s2 and r1 s2
    # (asked at 40 h, dropped at 50 h); day 3: r0 s2
    assert daily.sites_waiting.tolist() == [1.0, 1.0, 0.5]
    assert daily.wait_p50_h.tolist()[:2] == [1.0, 25.0]
    assert np.isnan(daily.wait_p50_h[2])
    assert daily.segments_closed.tolist() == [0.5, 0.0, 0.0]
    worst = worst_served_sites(trips, 72.0)
    assert worst.node.tolist() == ["s2", "s1"]
    assert worst.max_wait_h.tolist() == [62.0, 25.0]  # open at the horizon: 72 - 10
    assert worst.requests.tolist() == [2, 2]
    assert worst.unserved.tolist() == [1, 0]


def test_the_roads_scenario_s_tables_are_the_same_whatever_the_batches_and_executor():
    """Batches of 1 or 3 and worker processes give identical fuel_trips and road_closures;
    every replication has rows."""
    scenario = rs.load_scenario(SCENARIOS / "pacific_island_cyclone_roads.yaml")
    one = rs.simulate(scenario, replications=3, seed=11, batch_size=1)
    three = rs.simulate(scenario, replications=3, seed=11, batch_size=3, executor="local")
    assert one.fuel_trips.equals(three.fuel_trips)
    assert one.road_closures.equals(three.road_closures)
    assert sorted(one.fuel_trips.replication.unique()) == [0, 1, 2]
    assert sorted(one.road_closures.replication.unique()) == [0, 1, 2]


def test_run_folders_hold_the_tables_only_with_fuel_and_resume_gives_the_same(tmp_path):
    roads = rs.load_scenario(SCENARIOS / "pacific_island_cyclone_roads.yaml")
    fuel = rs.load_scenario(SCENARIOS / "pacific_island_cyclone_fuel.yaml")
    plain = rs.load_scenario(SCENARIOS / "pacific_island_eruption.yaml")
    expected = rs.simulate(roads, replications=4, seed=3)
    done = run_study(roads, tmp_path / "a", 4, 3, batch_size=1).run_dir
    for table in ("fuel_trips", "road_closures"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(done / f"{table}.parquet"), getattr(expected, table), check_exact=True
        )
    manifest = json.loads((done / "manifest.json").read_text())
    assert {"fuel_trips.parquet", "road_closures.parquet"} <= set(manifest["files"])

    def stop(n_done: int) -> None:
        if n_done >= 2:
            raise KeyboardInterrupt

    with pytest.raises(StudyInterrupted) as info:
        run_study(roads, tmp_path / "b", 4, 3, stop, batch_size=1)
    resumed = resume_study(info.value.run_dir).run_dir
    for table in ("fuel_trips", "road_closures"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(resumed / f"{table}.parquet"),
            getattr(expected, table),
            check_exact=True,
        )
    fuel_dir = rs.write_run(rs.simulate(fuel, replications=2, seed=3), tmp_path / "c")
    assert (fuel_dir / "fuel_trips.parquet").is_file()
    assert not (fuel_dir / "road_closures.parquet").exists()
    plain_result = rs.simulate(plain, replications=2, seed=3)
    plain_dir = rs.write_run(plain_result, tmp_path / "d")
    assert not (plain_dir / "fuel_trips.parquet").exists()
    assert plain_result.fuel_trips.empty


@pytest.mark.parametrize(
    ("name", "roads"),
    [("pacific_island_cyclone_fuel", False), ("pacific_island_cyclone_roads", True)],
)
def test_the_report_has_a_fuel_section_for_fuel_scenarios(tmp_path, name, roads):
    scenario = rs.load_scenario(SCENARIOS / f"{name}.yaml")
    run_dir = rs.write_run(rs.simulate(scenario, replications=3, seed=5), tmp_path)
    page = write_report(run_dir).read_text()
    assert "<h2 id='fuel'>Fuel logistics</h2>" in page
    assert "href='#fuel'" in page
    assert 'id="fuel-logistics"' in page
    assert "Worst-served sites" in page
    assert ("road segments closed" in page) == roads


def test_the_report_has_no_fuel_section_without_fuel(tmp_path):
    scenario = rs.load_scenario(SCENARIOS / "pacific_island_eruption.yaml")
    run_dir = rs.write_run(rs.simulate(scenario, replications=2, seed=5), tmp_path)
    page = write_report(run_dir).read_text()
    assert "Fuel logistics" not in page
    assert "fuel-logistics" not in page
