"""Fuel trucks on a road network: exact timelines on tiny road graphs worked out by hand,
road closures against their threshold model, and bad road inputs."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from conftest import fixed, scenario_on
from scipy.special import ndtr
from test_power_fuel import events, generator_sites, grid_down, sites

from resilience_sim import InputError, load_scenario, simulate
from resilience_sim.cli import cli
from resilience_sim.engine.roads import RoadConditions, RoadGraph, RoadHazard, compile_roads
from resilience_sim.geo import haversine_km
from resilience_sim.scenario.power import RoadNetwork
from resilience_sim.topology import compile_topology
from resilience_sim.topology.io import write_topology

pytestmark = pytest.mark.filterwarnings("ignore:.*footprint touches no asset")

# The depot is at ex (0, 0) and s1 at (0, 0.5), as in test_power_fuel; the truck drives
# 5 km/h, road factor 1, 0.5 h to pump; s1's generator asks for fuel at 5 h, s1 is down
# from 12 h until the truck arrives.
SPEED = 5.0
DIRECT_KM = float(haversine_km(0.0, 0.0, 0.0, 0.5))  # ex - m - s1 along the equator
DETOUR_KM = 2.0 * float(haversine_km(0.0, 0.0, 0.25, 0.25))  # ex - n - s1 via (0.25, 0.25)
# a 1 km circle around the middle of the ex - m segment (0, 0.125): not s1, not the depot
CUT_EX_M = {"center": {"lat": 0.0, "lon": 0.125}, "radius_km": 1.0}


def line(*points, **props):
    coords = [[lon, lat] for lat, lon in points]
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": coords},
        "properties": props,
    }


def road_file(tmp_path, *features, name="roads.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features)}))
    return str(path)


DIRECT = line((0.0, 0.0), (0.0, 0.25), (0.0, 0.5))
DETOUR = line((0.0, 0.0), (0.25, 0.25), (0.0, 0.5))


def fuel_with_roads(roads, **fuel):
    power = generator_sites(**fuel)
    power["fuel"]["roads"] = roads
    return power


def up_at(result):
    return [t for t, a, e, _ in events(result) if a == "s1" and e == "repair"]


def test_without_closures_the_truck_takes_the_shortest_road(tmp_path):
    """Both roads open: the direct one, 55.60 km: up at 5 + 11.12 + 0.5 = 16.62 h."""
    roads = {"file": road_file(tmp_path, DIRECT, DETOUR)}
    scenario = scenario_on(sites(), hazards=[grid_down(0.0, 40.0)], power=fuel_with_roads(roads))
    assert up_at(simulate(scenario)) == [round(5.0 + DIRECT_KM / SPEED + 0.5, 9)]


def test_a_truck_goes_round_a_closed_segment(tmp_path):
    """The ex - m segment is inside a closed area until 50 h: the truck leaves at 5 h by
    the detour, 78.62 km: s1 up at 5 + 15.72 + 0.5 = 21.22 h (mains back at 40 h)."""
    roads = {"file": road_file(tmp_path, DIRECT, DETOUR)}
    scenario = scenario_on(
        sites(),
        hazards=[grid_down(0.0, 40.0)],
        power=fuel_with_roads(roads),
        recovery={"closed_areas": [{**CUT_EX_M, "until_h": 50.0}]},
    )
    assert up_at(simulate(scenario)) == [round(5.0 + DETOUR_KM / SPEED + 0.5, 9)]


def test_a_truck_waits_for_the_only_road_to_reopen(tmp_path):
    """Only the direct road, its first segment closed until 20 h: the truck leaves at 20 h,
    s1 (down since 12 h) is up at 20 + 11.12 + 0.5 = 31.62 h. Without roads the closed
    circle (which holds neither s1 nor the depot) would not delay it (16.62 h)."""
    recovery = {"closed_areas": [{**CUT_EX_M, "until_h": 20.0}]}
    roads = {"file": road_file(tmp_path, DIRECT)}
    scenario = scenario_on(
        sites(), hazards=[grid_down(0.0, 40.0)], power=fuel_with_roads(roads), recovery=recovery
    )
    assert events(simulate(scenario)) == [
        (12.0, "s1", "fail", "power"),
        (round(20.0 + DIRECT_KM / SPEED + 0.5, 9), "s1", "repair", "power"),
    ]
    no_roads = scenario_on(
        sites(), hazards=[grid_down(0.0, 40.0)], power=generator_sites(), recovery=recovery
    )
    assert up_at(simulate(no_roads)) == [round(5.0 + DIRECT_KM / SPEED + 0.5, 9)]


def test_closed_areas_can_be_left_off_the_roads(tmp_path):
    """``closed_areas: false``: the circle closes no road; the direct trip as if open."""
    roads = {"file": road_file(tmp_path, DIRECT), "closed_areas": False}
    scenario = scenario_on(
        sites(),
        hazards=[grid_down(0.0, 40.0)],
        power=fuel_with_roads(roads),
        recovery={"closed_areas": [{**CUT_EX_M, "until_h": 20.0}]},
    )
    assert up_at(simulate(scenario)) == [round(5.0 + DIRECT_KM / SPEED + 0.5, 9)]


def test_with_no_road_path_the_site_waits_for_mains(tmp_path):
    """s1's road (0, 0.5) - (0, 0.75) does not join the depot's: no path, no truck; s1 is
    down from 12 h until mains returns at 40 h."""
    roads = {
        "file": road_file(tmp_path, line((0.0, 0.0), (0.0, 0.2)), line((0.0, 0.5), (0.0, 0.75)))
    }
    scenario = scenario_on(sites(), hazards=[grid_down(0.0, 40.0)], power=fuel_with_roads(roads))
    assert events(simulate(scenario)) == [
        (12.0, "s1", "fail", "power"),
        (40.0, "s1", "repair", "power"),
    ]


def test_off_road_legs_are_great_circle_times_the_road_factor(tmp_path):
    """The road runs 0.1 deg north of the sites: (0.1, 0) to (0.1, 0.5). The truck drives
    11.12 km off-road (x road factor 2) to it, 55.6 km along it and 11.12 km x 2 off-road
    to s1: 5 + (2 x 2 x 11.12 + 55.6) / 5 + 0.5."""
    off_km = float(haversine_km(0.0, 0.0, 0.1, 0.0))
    along_km = float(haversine_km(0.1, 0.0, 0.1, 0.5))
    roads = {"file": road_file(tmp_path, line((0.1, 0.0), (0.1, 0.5)))}
    power = fuel_with_roads(roads)
    power["fuel"]["road_factor"] = 2.0
    scenario = scenario_on(sites(), hazards=[grid_down(0.0, 40.0)], power=power)
    assert up_at(simulate(scenario)) == [round(5.0 + (4 * off_km + along_km) / SPEED + 0.5, 9)]


def test_a_speed_limit_by_class_slows_the_truck(tmp_path):
    """The direct road is class ``track`` at 2 km/h (the truck 5 km/h): the detour at
    5 km/h (15.72 h) beats the direct road at 2 km/h (27.80 h)."""
    direct = line((0.0, 0.0), (0.0, 0.25), (0.0, 0.5), **{"class": "track"})
    roads = {"file": road_file(tmp_path, direct, DETOUR), "class_speed_kmh": {"track": 2.0}}
    scenario = scenario_on(sites(), hazards=[grid_down(0.0, 40.0)], power=fuel_with_roads(roads))
    assert up_at(simulate(scenario)) == [round(5.0 + DETOUR_KM / SPEED + 0.5, 9)]


def flood_over_ex_m(clearance_h):
    """1 m of water over a box around the ex - m segment's middle (no node inside)."""
    box = [[-0.05, 0.05], [-0.05, 0.2], [0.05, 0.2], [0.05, 0.05], [-0.05, 0.05]]
    return {
        "type": "flood",
        "source": "river",
        "at_h": 0.0,
        "polygon": box,
        "water_level_m": 1.0,
    }, {"hazard": "flood", "clearance_h": fixed(clearance_h)}


def test_a_flood_closes_a_road_until_it_is_cleared(tmp_path):
    """1 m of water (above the 0.3 m default) over ex - m from 0 h, cleared after 15 h:
    the truck (asked at 5 h) leaves at 15 h: s1 up at 15 + 11.12 + 0.5 = 26.62 h."""
    flood, rule = flood_over_ex_m(15.0)
    roads = {"file": road_file(tmp_path, DIRECT), "damage": [rule]}
    scenario = scenario_on(
        sites(), hazards=[grid_down(0.0, 40.0), flood], power=fuel_with_roads(roads)
    )
    assert up_at(simulate(scenario)) == [round(15.0 + DIRECT_KM / SPEED + 0.5, 9)]
    # a threshold above the water: the road stays open
    rule["above"] = 1.5
    scenario = scenario_on(
        sites(), hazards=[grid_down(0.0, 40.0), flood], power=fuel_with_roads(roads)
    )
    assert up_at(simulate(scenario)) == [round(5.0 + DIRECT_KM / SPEED + 0.5, 9)]


def test_an_empty_truck_waits_for_an_open_road_home(tmp_path):
    """fifo, one 25 L fill, both sites ask at 5 h (s1 first). The truck leaves at 5 h by
    the direct road (open), fills s1 at 16.62 h and is empty; a flood closes ex - m from
    10 h to 30 h, so it waits at s1 until 30 h, is home at 30 + 11.12 = 41.12 h, loads
    and reaches s2 (asked at 5 h, before s1's second request at 21.62 h) at
    41.12 + 11.12 + 0.5 = 52.74 h. With the road open it would be home at 27.74 h."""
    flood, rule = flood_over_ex_m(20.0)
    flood["at_h"] = 10.0
    west = line((0.0, 0.0), (0.0, -0.5))
    roads = {"file": road_file(tmp_path, DIRECT, west), "damage": [rule]}
    power = fuel_with_roads(roads, capacity_l=25.0, policy="fifo")
    scenario = scenario_on(
        sites(fed=("s1", "s2")), hazards=[grid_down(0.0, 80.0), flood], power=power
    )
    ups = [(t, a) for t, a, e, _ in events(simulate(scenario)) if e == "repair" and t < 80]
    trip = DIRECT_KM / SPEED
    assert ups[:2] == [(round(5.0 + trip + 0.5, 9), "s1"), (round(30.0 + 2 * trip + 0.5, 9), "s2")]
    rule["above"] = 5.0  # the road stays open
    power = fuel_with_roads(roads, capacity_l=25.0, policy="fifo")
    scenario = scenario_on(
        sites(fed=("s1", "s2")), hazards=[grid_down(0.0, 80.0), flood], power=power
    )
    ups = [(t, a) for t, a, e, _ in events(simulate(scenario)) if e == "repair" and t < 80]
    assert ups[1] == (round(5.0 + 3 * trip + 1.0, 9), "s2")


def test_from_links_lays_roads_along_fibre_routes():
    """ex - s1 is a fibre whose route runs via (0.25, 0.25); s2's link is microwave. With
    ``from_links: [terrestrial_fiber]`` the truck follows the route: 78.62 km."""
    topo = sites()
    doc = topo.to_document().model_dump(mode="json", exclude_none=True)
    doc["links"][0].update(kind="terrestrial_fiber", route=[[0.0, 0.0], [0.25, 0.25], [0.0, 0.5]])
    from resilience_sim.topology.model import Topology, TopologyDocument

    topo = Topology.from_document(TopologyDocument.model_validate(doc))
    roads = {"from_links": ["terrestrial_fiber"]}
    scenario = scenario_on(topo, hazards=[grid_down(0.0, 40.0)], power=fuel_with_roads(roads))
    assert up_at(simulate(scenario)) == [round(5.0 + DETOUR_KM / SPEED + 0.5, 9)]


def test_no_roads_section_gives_the_same_log_as_before():
    """A power section without roads runs the great-circle model (golden traces pin the
    shipped scenarios): here the hand-worked 16.62 h of test_power_fuel."""
    scenario = scenario_on(sites(), hazards=[grid_down(0.0, 40.0)], power=generator_sites())
    assert up_at(simulate(scenario)) == [round(5.0 + DIRECT_KM / SPEED + 0.5, 9)]


# -- closures against their threshold model -----------------------------------------


def _parallel_graph(n_edges: int) -> RoadGraph:
    lat = np.zeros(n_edges + 1)
    lon = np.arange(n_edges + 1) * 0.01
    u, v = np.arange(n_edges), np.arange(1, n_edges + 1)
    km = haversine_km(lat[u], lon[u], lat[v], lon[v])
    return RoadGraph(
        lat,
        lon,
        u,
        v,
        km,
        np.full(n_edges, np.inf),
        lat[u],
        lon[u] + 0.005,
        np.zeros(0, np.int64),
        np.zeros(0),
        np.zeros(1, np.int64),
        np.zeros(1),
        None,
        (),
    )


@pytest.mark.parametrize(
    ("intensity", "above", "beta"), [(0.5, 0.3, 0.4), (0.3, 0.3, 0.6), (20.0, 40.0, 0.5)]
)
def test_road_closure_share_matches_the_lognormal_curve(intensity, above, beta):
    """20,000 segments at one intensity: the share closed at onset is within 4 binomial
    standard errors of Phi(ln(I / above) / beta); clearance fixed at 10 h, so none is
    closed at 10 h."""
    n = 20_000
    graph = _parallel_graph(n)
    hz = RoadHazard("t", np.full(n, intensity), np.full(n, 2.0), above, beta, fixed_dist(10.0))
    graph = dataclasses.replace(graph, hazards=(hz,))
    roads = RoadConditions(graph, np.random.default_rng(7))
    p = float(ndtr(np.log(intensity / above) / beta))
    share = roads.closed_at(2.0).mean()
    assert abs(share - p) <= 4 * np.sqrt(p * (1 - p) / n)
    assert not roads.closed_at(1.999).any() and not roads.closed_at(12.0).any()
    assert roads.closed_at(11.999).sum() == roads.closed_at(2.0).sum()


def fixed_dist(value_h):
    from resilience_sim.scenario.distributions import Fixed

    return Fixed(dist="fixed", value_h=value_h)


def test_a_sharp_threshold_closes_exactly_the_segments_above_it(tmp_path):
    """beta 0: segments whose midpoint lies in the 1 m flood close, others not (one
    road through the box and one outside), whatever the draws."""
    flood, rule = flood_over_ex_m(5.0)
    roads = RoadNetwork.model_validate({"file": road_file(tmp_path, DIRECT), "damage": [rule]})
    spec = scenario_on(sites(), hazards=[flood]).spec
    arrays = compile_topology(sites())
    graph = compile_roads(roads, arrays, np.zeros(1), np.zeros(1), hazards=tuple(spec.hazards))
    assert graph.n_edges == 2
    (hz,) = graph.hazards
    np.testing.assert_allclose(hz.intensity, [1.0, 0.0])  # elevation 0: depth = level
    for seed in range(5):
        roads_now = RoadConditions(graph, np.random.default_rng(seed))
        assert roads_now.closed_at(0.0).tolist() == [True, False]
        assert roads_now.closed_at(5.0).tolist() == [False, False]


def test_road_damage_draws_come_from_their_own_stream(tmp_path):
    """Adding road damage changes no other draw: with a rule that closes nothing (above
    the water) the log equals the one without roads' damage."""
    flood, rule = flood_over_ex_m(15.0)
    rule["above"] = 5.0
    with_rule = {"file": road_file(tmp_path, DIRECT), "damage": [rule]}
    without = {"file": road_file(tmp_path, DIRECT)}
    logs = []
    for roads in (with_rule, without):
        scenario = scenario_on(
            sites(fed=("s1", "s2")),
            hazards=[grid_down(0.0, 40.0), flood],
            power=fuel_with_roads(roads),
        )
        logs.append(events(simulate(scenario, replications=3, seed=5)))
    assert logs[0] == logs[1]


# -- bad input ----------------------------------------------------------------------


def _write(tmp_path, roads):
    write_topology(sites(), tmp_path / "topo.yaml")
    doc = {
        "name": "x",
        "topology": "topo.yaml",
        "horizon_h": 10,
        "power": fuel_with_roads(roads),
    }
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(doc))
    return tmp_path / "s.yaml"


BAD = [
    ({"file": "missing.geojson"}, "s.yaml: power.fuel.roads.file", "does not exist"),
    (
        {"from_links": ["submarine_cable"]},
        "s.yaml: power.fuel.roads.from_links",
        "terrestrial_fiber",
    ),
    (
        {"from_links": ["terrestrial_fiber"]},
        "s.yaml: power.fuel.roads.from_links",
        "no links of kinds",
    ),
    ({"file": "r.geojson", "from_links": ["microwave"]}, "s.yaml: power.fuel.roads", "exactly one"),
    (
        {"file": "r.geojson", "damage": [{"hazard": "volcano"}]},
        "s.yaml: power.fuel.roads.damage",
        "flood",
    ),
]


@pytest.mark.parametrize(("roads", "where", "message"), BAD)
def test_bad_roads_name_the_file_and_field(tmp_path, roads, where, message):
    (tmp_path / "r.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [DIRECT]})
    )
    path = _write(tmp_path, roads)
    with pytest.raises(InputError) as err:
        load_scenario(path)
    assert where in str(err.value) and message in str(err.value), str(err.value)


BAD_FILES = [
    (
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [0, 0]}}],
        },
        "features[0].geometry",
        "must be a LineString or MultiLineString",
    ),
    (
        {"type": "FeatureCollection", "features": [line((0.0, 0.0), (95.0, 0.0))]},
        "features[0].geometry.coordinates[1]",
        "not a [lon, lat] position",
    ),
    (
        {"type": "FeatureCollection", "features": [line((0.0, 0.0))]},
        "features[0].geometry.coordinates",
        "a line needs at least two",
    ),
    (
        {"type": "FeatureCollection", "features": [line((0.0, 0.0), (0.0, 1.0), speed_kmh=-3)]},
        "features[0].properties.speed_kmh",
        "must be a positive number",
    ),
    ({"type": "FeatureCollection", "features": []}, "features", "no road lines"),
    ({"type": "Topology"}, "type", "not a GeoJSON FeatureCollection"),
]


@pytest.mark.parametrize(("doc", "where", "message"), BAD_FILES)
def test_bad_road_files_name_the_file_and_feature(tmp_path, doc, where, message):
    (tmp_path / "r.geojson").write_text(json.dumps(doc))
    path = _write(tmp_path, {"file": "r.geojson"})
    with pytest.raises(InputError) as err:
        load_scenario(path)
    assert f"r.geojson: {where}: {message}" in str(err.value), str(err.value)


def test_cli_exits_2_on_a_missing_road_file(tmp_path):
    path = _write(tmp_path, {"file": "missing.geojson"})
    out = tmp_path / "results"
    result = CliRunner().invoke(cli, ["run", str(path), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "s.yaml: power.fuel.roads.file: file 'missing.geojson' does not exist" in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


def test_cli_exits_2_on_bad_road_geometry(tmp_path):
    doc = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": None}]}
    (tmp_path / "r.geojson").write_text(json.dumps(doc))
    path = _write(tmp_path, {"file": "r.geojson"})
    result = CliRunner().invoke(cli, ["run", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    assert "r.geojson: features[0].geometry: must be a LineString" in result.stderr


# -- the shipped example, the hazards' intensity at roads -----------------------------


def test_the_shipped_roads_scenario_is_the_same_whatever_the_batches_and_executor():
    """Road draws belong to each replication: batches of 1 or 3, and worker processes
    (the plan with its road graph pickled), give the same tables; the roads change the
    result against the same scenario without them."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "scenarios"
    scenario = load_scenario(root / "pacific_island_cyclone_roads.yaml")
    one = simulate(scenario, replications=3, seed=11, batch_size=1)
    three = simulate(scenario, replications=3, seed=11, batch_size=3, executor="local")
    assert one.events.equals(three.events)
    assert one.outage_causes.equals(three.outage_causes)
    without = simulate(
        load_scenario(root / "pacific_island_cyclone_fuel.yaml"), replications=3, seed=11
    )
    assert not one.events.equals(without.events)


def test_road_intensity_is_the_hazard_s_own_model_at_the_segment_midpoints(tmp_path):
    """Earthquake: BJF97 median PGA at each midpoint's distance from the epicentre, x the
    site amplification; cyclone: the Holland peak gust there (and its threshold time)."""
    from resilience_sim.hazards.cyclone_wind import peak_gust
    from resilience_sim.hazards.earthquake import bjf97_median_pga_g

    quake = {
        "type": "earthquake",
        "epicentre": {"lat": 0.0, "lon": 0.1},
        "magnitude": 6.5,
        "depth_km": 10.0,
        "at_h": 3.0,
        "site_amplification": 1.2,
    }
    storm = {
        "type": "tropical_cyclone",
        "at_h": 0.0,
        "track": [
            {
                "t_h": 0,
                "lat": -1.0,
                "lon": 0.2,
                "central_pressure_hpa": 960,
                "radius_max_wind_km": 30,
            },
            {
                "t_h": 12,
                "lat": 1.0,
                "lon": 0.3,
                "central_pressure_hpa": 960,
                "radius_max_wind_km": 30,
            },
        ],
    }
    rules = [{"hazard": "earthquake"}, {"hazard": "tropical_cyclone", "above": 30.0}]
    roads = RoadNetwork.model_validate(
        {"file": road_file(tmp_path, DIRECT, DETOUR), "damage": rules}
    )
    spec = scenario_on(sites(), hazards=[quake, storm]).spec
    arrays = compile_topology(sites())
    graph = compile_roads(roads, arrays, np.zeros(1), np.zeros(1), hazards=tuple(spec.hazards))
    eq, tc = graph.hazards
    h = spec.hazards[0]
    rjb = haversine_km(0.0, 0.1, graph.edge_mid_lat, graph.edge_mid_lon)
    expected = bjf97_median_pga_g(h.magnitude, rjb, h.vs30_mps, h.mechanism, h.depth_km) * 1.2
    np.testing.assert_allclose(eq.intensity, expected, rtol=1e-12)
    assert eq.onset_h.tolist() == [3.0] * graph.n_edges and eq.above == 0.3
    peak = peak_gust(spec.hazards[1], graph.edge_mid_lat, graph.edge_mid_lon, np.full(4, 30.0))
    np.testing.assert_allclose(tc.intensity, peak.gust_ms, rtol=1e-12)
    assert (tc.intensity > 30.0).any()
    onset = np.where(np.isnan(peak.t_cross_h), peak.t_peak_h, peak.t_cross_h)
    np.testing.assert_allclose(tc.onset_h, onset)


def test_a_closed_region_closes_the_roads_nearest_its_nodes(tmp_path):
    """Region r0 (the depot ex) closed until 50 h: the first segment of both roads has its
    midpoint nearest ex, so no road leaves the depot; s1 (region r1, open) waits for
    mains at 40 h. Without roads only s1's own region would hold the truck: 16.62 h."""
    roads = {"file": road_file(tmp_path, DIRECT, DETOUR)}
    recovery = {"closed_areas": [{"regions": ["r0"], "until_h": 50.0}]}
    scenario = scenario_on(
        sites(), hazards=[grid_down(0.0, 40.0)], power=fuel_with_roads(roads), recovery=recovery
    )
    assert events(simulate(scenario)) == [
        (12.0, "s1", "fail", "power"),
        (40.0, "s1", "repair", "power"),
    ]
    no_roads = scenario_on(
        sites(), hazards=[grid_down(0.0, 40.0)], power=generator_sites(), recovery=recovery
    )
    assert up_at(simulate(no_roads)) == [round(5.0 + DIRECT_KM / SPEED + 0.5, 9)]


def test_a_variant_s_road_file_is_read_relative_to_the_scenario(tmp_path):
    """A road file named only in a variant's power section is found next to the scenario
    and its path made absolute; a missing one is refused with the variant's field."""
    (tmp_path / "r.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [DIRECT]})
    )
    write_topology(sites(), tmp_path / "topo.yaml")
    doc = {
        "name": "x",
        "topology": "topo.yaml",
        "horizon_h": 10,
        "power": generator_sites(),
        "variants": {"roads": {"power": fuel_with_roads({"file": "r.geojson"})}},
    }
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(doc))
    spec = load_scenario(tmp_path / "s.yaml").spec
    assert spec.variants["roads"].power.fuel.roads.file == str((tmp_path / "r.geojson").resolve())
    doc["variants"]["roads"]["power"]["fuel"]["roads"]["file"] = "gone.geojson"
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(doc))
    with pytest.raises(InputError) as err:
        load_scenario(tmp_path / "s.yaml")
    assert "s.yaml: variants.roads.power.fuel.roads.file: file 'gone.geojson'" in str(err.value)
