"""Hazard `volcanic_eruption`: destroyed sites, ash outages, located cable faults.

Geometry of the hand-built cases: the vent is at (0, 0) on the equator. A point
(lat, lon) is at angular distance ``c`` with ``cos c = cos(lat) cos(lon)``, so a cable
running along the parallel ``lat`` is inside a circle of radius ``r`` for
``|lon| <= arccos(cos(r / R) / cos(lat))`` and the km of it inside are
``2 * lon_max * R * cos(lat)`` (R = 6371.0088 km, the IUGG mean radius of geo.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import make_topology, scenario_on
from scipy import stats

import resilience_sim as rs
from resilience_sim.geo import EARTH_RADIUS_KM, haversine_km
from resilience_sim.hazards.base import COMPLETE
from resilience_sim.hazards.kit.footprint import empty_footprints
from resilience_sim.hazards.kit.route_faults import PIECE_KM
from resilience_sim.hazards.volcanic_eruption import (
    eruption_footprint,
    sample_volcanic_eruption,
    volcanic_eruption_footprint,
    volcanic_eruption_intensity,
)
from resilience_sim.scenario.hazard_specs.volcanic_eruption import VEI_RADII_KM
from resilience_sim.topology import compile_topology

ISLAND = Path(__file__).resolve().parent.parent / "topologies" / "pacific_island.yaml"
HUNGA_TONGA = {"lat": -20.55, "lon": -175.39}  # Hunga Tonga-Hunga Ha'apai, approximately


def parallel_cable(cable_id: str, lat: float, a: str, b: str) -> dict:
    return {
        "id": cable_id,
        "source": a,
        "target": b,
        "kind": "submarine_cable",
        "route": [[lat, -3.0], [lat, 3.0]],
    }


def volcano_topology():
    """Sites at 5.6 km (``near``), 55.6 km (``mid``) and 333.6 km (``far``) east of the
    vent; a microwave hop near-mid; satellite links from mid and far to a teleport far
    away; submarine cables along the parallels 0.5 deg (55.6 km), 0.2 deg (22.2 km) and
    3 deg (333.6 km) north of the vent."""
    nodes = [
        {"id": "near", "kind": "cell_site", "lat": 0.0, "lon": 0.05, "population": 10},
        {"id": "mid", "kind": "exchange", "lat": 0.0, "lon": 0.5},
        {"id": "far", "kind": "exchange", "lat": 0.0, "lon": 3.0},
        {"id": "teleport", "kind": "gateway", "lat": 30.0, "lon": 60.0},
        {"id": "w1", "kind": "landing_station", "lat": 0.5, "lon": -3.0},
        {"id": "e1", "kind": "landing_station", "lat": 0.5, "lon": 3.0},
        {"id": "w2", "kind": "landing_station", "lat": 0.2, "lon": -3.0},
        {"id": "e2", "kind": "landing_station", "lat": 0.2, "lon": 3.0},
        {"id": "w3", "kind": "landing_station", "lat": 3.0, "lon": -3.0},
        {"id": "e3", "kind": "landing_station", "lat": 3.0, "lon": 3.0},
    ]
    links = [
        {"id": "mw", "source": "near", "target": "mid", "kind": "microwave"},
        {"id": "sat-mid", "source": "mid", "target": "teleport", "kind": "satellite"},
        {"id": "sat-far", "source": "far", "target": "teleport", "kind": "satellite"},
        parallel_cable("cable-55", 0.5, "w1", "e1"),
        parallel_cable("cable-22", 0.2, "w2", "e2"),
        parallel_cable("cable-333", 3.0, "w3", "e3"),
    ]
    return make_topology(nodes, links, "volcano")


def eruption(**fields) -> dict:
    return {"type": "volcanic_eruption", "vent": {"lat": 0.0, "lon": 0.0}, "vei": 5, **fields}


def km_inside_parallel(lat_deg: float, radius_km: float) -> float:
    """Km of a cable along the parallel ``lat_deg`` within ``radius_km`` of (0, 0)."""
    lon_max = np.arccos(np.cos(radius_km / EARTH_RADIUS_KM) / np.cos(np.radians(lat_deg)))
    return float(2 * lon_max * EARTH_RADIUS_KM * np.cos(np.radians(lat_deg)))


def setup(**fields):
    topo = volcano_topology()
    hazard = scenario_on(topo, hazards=[eruption(**fields)]).spec.hazards[0]
    return topo, compile_topology(topo), hazard


def faults_on(damage, arrays, asset_id):
    mine = damage.asset_idx == arrays.asset_index[asset_id]
    return damage.fault_lat[mine], damage.fault_lon[mine], damage.onset_h[mine]


def test_radii_default_by_vei_and_can_be_given():
    _, _, hazard = setup()
    assert hazard.radii_km() == (20.0, 150.0, 100.0, 75.0)  # VEI 5; near field 0.75 x 100
    _, _, hazard = setup(vei=3, damage_radius_km=7.0, cable_fault_radius_km=40.0)
    assert hazard.radii_km() == (7.0, VEI_RADII_KM[3][1], 40.0, 30.0)
    radii = np.array([VEI_RADII_KM[v] for v in range(9)])
    assert np.all(np.diff(radii, axis=0) > 0)  # every radius grows with the VEI


def test_sites_inside_the_damage_radius_are_destroyed_when_the_front_arrives():
    """Damage radius 20 km (VEI 5): ``near`` (5.56 km) and the microwave hop (its route
    starts at ``near``) are destroyed; ``mid`` (55.6 km) is not. Onset = at_h + d / 60."""
    topo, arrays, hazard = setup(at_h=2.0, repair_h={"cell_site": {"dist": "fixed", "value_h": 30}})
    damage = sample_volcanic_eruption(hazard, topo, arrays, np.random.default_rng(0), "v")
    destroyed = damage.damage_state == COMPLETE
    assert sorted(arrays.asset_ids[damage.asset_idx[destroyed]]) == ["mw", "near"]
    d_near = float(haversine_km(0, 0, 0, 0.05))
    assert d_near == pytest.approx(5.5597, abs=1e-4)
    near = damage.asset_idx == arrays.asset_index["near"]
    assert damage.onset_h[near] == pytest.approx([2.0 + d_near / 60.0])
    assert damage.repair_h[near] == pytest.approx([30.0])  # the per-kind override
    assert np.isnan(damage.duration_h[destroyed]).all()  # needs a repair
    mw = damage.asset_idx == arrays.asset_index["mw"]
    assert np.isnan(damage.repair_h[mw & destroyed]).all()  # no override: engine default


def test_ash_takes_microwave_and_satellite_links_off_the_air_for_ash_duration():
    """Ash radius 150 km: the microwave hop (nearest point 5.6 km) and the satellite link
    whose ground terminal ``mid`` is 55.6 km away are off for 72 h from the ash's arrival
    at at_h + d / 36 km/h; ``sat-far`` (terminal 333.6 km away) is not."""
    topo, arrays, hazard = setup(at_h=1.0)
    damage = sample_volcanic_eruption(hazard, topo, arrays, np.random.default_rng(0), "v")
    ash = ~np.isnan(damage.duration_h)
    assert sorted(arrays.asset_ids[damage.asset_idx[ash]]) == ["mw", "sat-mid"]
    assert np.all(damage.duration_h[ash] == 72.0)
    sat = ash & (damage.asset_idx == arrays.asset_index["sat-mid"])
    assert damage.onset_h[sat] == pytest.approx([1.0 + float(haversine_km(0, 0, 0, 0.5)) / 36.0])
    mw = ash & (damage.asset_idx == arrays.asset_index["mw"])
    # the microwave route's nearest piece middle is within half a piece of `near`
    assert damage.onset_h[mw][0] == pytest.approx(1.0 + 5.5597 / 36.0, abs=PIECE_KM / 2 / 36.0)


def test_ash_can_degrade_link_capacity_instead_of_cutting_links():
    """With ``ash_remaining_frac`` the two links under the ash keep 30 % of their
    capacity for 72 h from the ash's arrival (a CapacityLoss) and stay up; the same
    links are no longer in the Damage record."""
    topo, arrays, hazard = setup(at_h=1.0, ash_remaining_frac=0.3)
    damage, fade = sample_volcanic_eruption(hazard, topo, arrays, np.random.default_rng(0), "v")
    assert sorted(arrays.asset_ids[fade.asset_idx]) == ["mw", "sat-mid"]
    assert np.all(fade.remaining_frac == 0.3) and np.all(fade.duration_h == 72.0)
    sat = fade.asset_idx == arrays.asset_index["sat-mid"]
    assert fade.onset_h[sat] == pytest.approx([1.0 + float(haversine_km(0, 0, 0, 0.5)) / 36.0])
    assert np.all(np.isnan(damage.duration_h))  # no ash outage left in the Damage
    assert arrays.asset_index["sat-mid"] not in damage.asset_idx


def test_intensity_is_distance_from_the_vent():
    topo, arrays, hazard = setup()
    km = volcanic_eruption_intensity(hazard, topo, arrays)
    ix = arrays.asset_index
    assert km[ix["mid"]] == pytest.approx(float(haversine_km(0, 0, 0, 0.5)))
    assert km[ix["sat-far"]] == pytest.approx(float(haversine_km(0, 0, 0, 3.0)))  # terminal
    # a cable along the parallel 0.5 deg passes 55.6 km from the vent (within half a piece)
    assert km[ix["cable-55"]] == pytest.approx(np.radians(0.5) * EARTH_RADIUS_KM, abs=0.5)


def test_only_route_inside_the_fault_radius_gets_faults():
    """200 eruptions with a high rate: every fault on a cable lies within the fault
    radius (plus half a route piece: a piece counts as inside by its middle), and the
    cable 333.6 km away never gets one."""
    topo, arrays, hazard = setup(faults_per_km=0.05, cable_fault_radius_km=80.0)
    rng = np.random.default_rng(7)
    n_faults = 0
    for _ in range(200):
        damage = sample_volcanic_eruption(hazard, topo, arrays, rng, "v")
        located = damage.has_fault_location()
        km = haversine_km(0.0, 0.0, damage.fault_lat[located], damage.fault_lon[located])
        assert np.all(km <= 80.0 + PIECE_KM / 2)
        assert arrays.asset_index["cable-333"] not in damage.asset_idx
        n_faults += located.sum()
    assert n_faults > 1000  # the check above was exercised


def test_fault_count_is_poisson_with_mean_rate_times_km_inside():
    """Cable along 0.5 deg (55.6 km from the vent) with a 100 km fault radius and the
    near field shrunk to 10 km (no guaranteed fault): N ~ Poisson(0.01 x L) with
    L = 166.2 km inside (analytic, module docstring), mean 1.662.

    2,000 eruptions: the sample mean has standard error sqrt(1.662 / 2000) = 0.029;
    allow 4 SE plus the piece bias (a piece counts by its middle: |dL| <= 1 km, so the
    mean is off by at most 0.01). P(N = 0) = exp(-1.662) = 0.190, binomial SE
    sqrt(0.19 * 0.81 / 2000) = 0.0088; allow 4 SE + 0.01 x 0.19 (the same bias)."""
    topo, arrays, hazard = setup(near_field_radius_km=10.0)
    inside_km = km_inside_parallel(0.5, 100.0)
    assert inside_km == pytest.approx(166.2, abs=0.1)
    mean = 0.01 * inside_km
    rng = np.random.default_rng(2022)
    n = 2000
    counts = np.array(
        [
            len(
                faults_on(
                    sample_volcanic_eruption(hazard, topo, arrays, rng, "v"), arrays, "cable-55"
                )[0]
            )
            for _ in range(n)
        ]
    )
    assert abs(counts.mean() - mean) < 4 * np.sqrt(mean / n) + 0.01
    p0 = np.exp(-mean)
    assert abs(np.mean(counts == 0) - p0) < 4 * np.sqrt(p0 * (1 - p0) / n) + 0.002


def test_fault_positions_are_uniform_along_the_route_inside():
    """Faults on the 0.5 deg cable fall uniformly in longitude over [-lon_max, lon_max]
    (uniform along the parallel). Kolmogorov-Smirnov at alpha = 0.001; the piece rule
    moves the ends by <= 0.5 km (0.0045 deg of 0.75), far below the KS critical
    distance 1.95 / sqrt(n) ~ 0.03 at n ~ 4,000."""
    topo, arrays, hazard = setup(faults_per_km=0.05, near_field_radius_km=10.0)
    rng = np.random.default_rng(11)
    lats, lons = [], []
    for _ in range(500):
        lat, lon, _ = faults_on(
            sample_volcanic_eruption(hazard, topo, arrays, rng, "v"), arrays, "cable-55"
        )
        lats.append(lat)
        lons.append(lon)
    lat, lon = np.concatenate(lats), np.concatenate(lons)
    assert len(lon) > 3000
    np.testing.assert_allclose(lat, 0.5, atol=1e-9)  # on the route
    lon_max = km_inside_parallel(0.5, 100.0) / 2 / (EARTH_RADIUS_KM * np.cos(np.radians(0.5)))
    result = stats.kstest(
        lon, stats.uniform(loc=-np.degrees(lon_max), scale=2 * np.degrees(lon_max)).cdf
    )
    assert result.pvalue > 0.001


def test_near_field_cable_always_gets_a_fault_nearest_the_vent():
    """The cable along 0.2 deg passes 22.2 km from the vent, inside the 75 km near field.
    With a negligible rate (P(Poisson > 0) ~ 1e-4), every eruption still breaks it once,
    at its point nearest the vent (lon 0, within half a piece), when the front reaches
    that point: at_h + 22.24 / 60 h."""
    topo, arrays, hazard = setup(faults_per_km=1e-6)
    rng = np.random.default_rng(5)
    d_min = np.radians(0.2) * EARTH_RADIUS_KM
    for _ in range(200):
        lat, lon, onset = faults_on(
            sample_volcanic_eruption(hazard, topo, arrays, rng, "v"), arrays, "cable-22"
        )
        assert len(lat) == 1
        assert float(haversine_km(0.2, 0.0, lat[0], lon[0])) <= PIECE_KM / 2
        assert onset[0] == pytest.approx(d_min / 60.0, abs=PIECE_KM / 60.0)


def test_fault_onset_is_when_the_density_current_arrives():
    topo, arrays, hazard = setup(at_h=3.0, faults_per_km=0.05, front_speed_kmh=100.0)
    damage = sample_volcanic_eruption(hazard, topo, arrays, np.random.default_rng(3), "v")
    located = damage.has_fault_location()
    assert located.sum() > 5
    km = haversine_km(0.0, 0.0, damage.fault_lat[located], damage.fault_lon[located])
    np.testing.assert_allclose(damage.onset_h[located], 3.0 + km / 100.0)


def test_draws_do_not_depend_on_what_is_damaged():
    """Common random numbers: the generator advances by the same draws whatever the
    fault rate or radii (one uniform per destroyed site, two per cable route piece)."""
    states = []
    for fields in ({}, {"faults_per_km": 0.3}, {"near_field_radius_km": 1.0, "vei": 5}):
        topo, arrays, hazard = setup(**fields)
        rng = np.random.default_rng(99)
        sample_volcanic_eruption(hazard, topo, arrays, rng, "v")
        states.append(rng.random())
    assert states[0] == states[1] == states[2]


def test_same_generator_state_gives_identical_damage():
    topo, arrays, hazard = setup(faults_per_km=0.05)
    a = sample_volcanic_eruption(hazard, topo, arrays, np.random.default_rng(4), "v")
    b = sample_volcanic_eruption(hazard, topo, arrays, np.random.default_rng(4), "v")
    for name in ("asset_idx", "onset_h", "fault_lat", "fault_lon"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_tonga_like_eruption_cuts_the_international_cable_every_time():
    """A VEI-5 eruption at Hunga Tonga-Hunga Ha'apai on the shipped island topology.

    Where the cables run: the Tonga Cable System (tcs-sopu-suva) leaves Sopu westwards and
    passes ~56 km south-south-west of the vent; the domestic cable to Ha'apai passes ~30 km
    east. Both are inside the 75 km near field (the 2022 eruption cut both), so the
    international cable is cut in every replication, by design, whatever the draws."""
    topo = rs.load_topology(ISLAND)
    arrays = compile_topology(topo)
    hazard = scenario_on(
        topo, hazards=[{"type": "volcanic_eruption", "vent": HUNGA_TONGA, "vei": 5}]
    ).spec.hazards[0]
    km = volcanic_eruption_intensity(hazard, topo, arrays)
    assert km[arrays.asset_index["tcs-sopu-suva"]] == pytest.approx(56, abs=3)
    assert km[arrays.asset_index["tdc-tongatapu-haapai"]] == pytest.approx(30, abs=3)
    assert km[arrays.asset_index["tdc-haapai-vavau"]] > 100  # beyond the fault radius
    rng = np.random.default_rng(2022)
    tcs = arrays.asset_index["tcs-sopu-suva"]
    for _ in range(500):
        damage = sample_volcanic_eruption(hazard, topo, arrays, rng, "eruption")
        assert np.count_nonzero(damage.asset_idx == tcs) >= 1
        assert arrays.asset_index["tdc-haapai-vavau"] not in damage.asset_idx


def test_tonga_like_eruption_end_to_end_breaks_the_cable_in_every_replication():
    topo = rs.load_topology(ISLAND)
    scenario = rs.Scenario.from_dict(
        {
            "name": "Hunga Tonga-like eruption",
            "horizon_days": 30,
            "hazards": [
                {"type": "volcanic_eruption", "label": "eruption", "vent": HUNGA_TONGA, "vei": 5}
            ],
        },
        topo,
    )
    result = rs.simulate(scenario, replications=20, seed=2022)
    fails = result.events[
        (result.events.asset == "tcs-sopu-suva") & (result.events.event == "fail")
    ]
    assert sorted(fails.replication.unique()) == list(range(20))
    assert set(fails.cause) == {"eruption"}
    # no cable ship and no crew: the international cable stays down to the horizon
    tcs = result.events[result.events.asset == "tcs-sopu-suva"]
    assert (tcs.event == "fail").all()


def test_an_eruption_that_reaches_nothing_runs_and_is_reported():
    """A vent in the middle of the South Atlantic: no asset within any radius."""
    topo = volcano_topology()
    scenario = scenario_on(
        topo,
        hazards=[{"type": "volcanic_eruption", "vent": {"lat": -30.0, "lon": -20.0}, "vei": 6}],
    )
    arrays = compile_topology(topo)
    hazard = scenario.spec.hazards[0]
    assert len(volcanic_eruption_footprint(hazard, topo, arrays)) == 0
    damage = sample_volcanic_eruption(hazard, topo, arrays, np.random.default_rng(0), "v")
    assert len(damage) == 0
    assert empty_footprints(scenario.spec, topo, arrays) == [
        "hazards[0] (volcanic_eruption): its footprint touches no asset"
    ]
    assert len(rs.simulate(scenario, replications=2, seed=0).events) == 0


def test_footprint_lists_what_the_eruption_can_take_down():
    topo, arrays, hazard = setup()
    got = sorted(arrays.asset_ids[volcanic_eruption_footprint(hazard, topo, arrays)])
    # destroyed: near, mw; ash: mw, sat-mid; cables within 100 km: cable-55, cable-22
    assert got == ["cable-22", "cable-55", "mw", "near", "sat-mid"]
    fp = eruption_footprint(hazard, topo, arrays)
    assert sorted(arrays.asset_ids[arrays.n_nodes + fp.near_links]) == ["cable-22", "cable-55"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"vei": 9}, "hazards[0].vei"),
        ({"vei": -1}, "hazards[0].vei"),
        ({"vei": 4.5}, "hazards[0].vei"),
        ({"vent": {"lat": 95.0, "lon": 0.0}}, "hazards[0].vent.lat"),
        ({"damage_radius_km": 0.0}, "hazards[0].damage_radius_km"),
        ({"ash_radius_km": -5.0}, "hazards[0].ash_radius_km"),
        ({"cable_fault_radius_km": 0.0}, "hazards[0].cable_fault_radius_km"),
        ({"near_field_radius_km": 150.0}, "hazards[0].near_field_radius_km"),
        ({"faults_per_km": -0.1}, "hazards[0].faults_per_km"),
        ({"front_speed_kmh": 0.0}, "hazards[0].front_speed_kmh"),
        ({"duration_h": 5.0}, "hazards[0].duration_h"),
        ({"ash_kinds": ["submarine_cable"]}, "hazards[0].ash_kinds"),
        ({"ash_remaining_frac": 1.0}, "hazards[0].ash_remaining_frac"),
        ({"at_h": -1.0}, "hazards[0].at_h"),
    ],
)
def test_impossible_parameters_are_rejected_naming_the_field(change, field):
    with pytest.raises(rs.InputError) as err:
        scenario_on(volcano_topology(), hazards=[eruption(**change)])
    assert f"<scenario>: {field}: " in str(err.value)


def test_bad_vei_in_a_file_names_file_and_field(tmp_path):
    scenario = {
        "name": "bad eruption",
        "topology": str(ISLAND),
        "horizon_h": 10,
        "hazards": [{"type": "volcanic_eruption", "vent": HUNGA_TONGA, "vei": 11}],
    }
    path = tmp_path / "eruption.yaml"
    path.write_text(yaml.safe_dump(scenario))
    with pytest.raises(rs.InputError) as err:
        rs.load_scenario(path)
    assert str(err.value).startswith(f"{path}: hazards[0].vei: ")
