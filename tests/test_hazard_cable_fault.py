"""Hazard `cable_fault`: anchor drag across cables, fishing-zone fault rates, and the
planar route geometry (resilience_sim.hazards.kit.routes) they use.

Hand geometry: cable X runs along the equator from lon 0 to lon 2 with a route vertex
at lon 1; cable Y along the parallel 1 deg N; a terrestrial fibre T along 1 deg S.
On the azimuthal equidistant plane about a point of the equator, the equator is the
x axis with x = R * dlon (exactly), and a meridian through the centre is the y axis
with y = R * dlat: so a track along the meridian lon 1 crosses X at (0, 1), at
distance R * 0.5 deg = 55.597 km from a start at lat -0.5.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_topology, scenario_on
from scipy import stats

import resilience_sim as rs
from resilience_sim.geo import EARTH_RADIUS_KM, KM_PER_NAUTICAL_MILE, haversine_km
from resilience_sim.hazards.cable_fault import (
    anchor_crossings,
    cable_fault_footprint,
    cable_fault_intensity,
    sample_cable_fault,
)
from resilience_sim.hazards.kit.footprint import empty_footprints
from resilience_sim.hazards.kit.route_faults import PIECE_KM
from resilience_sim.hazards.kit.routes import points_in_polygon, project, unproject
from resilience_sim.topology import compile_topology

KM_PER_DEG = np.radians(1.0) * EARTH_RADIUS_KM  # 111.195 km along a great circle


def sea_topology():
    nodes = [
        {"id": "x0", "kind": "landing_station", "lat": 0.0, "lon": 0.0},
        {"id": "x2", "kind": "landing_station", "lat": 0.0, "lon": 2.0},
        {"id": "y0", "kind": "landing_station", "lat": 1.0, "lon": 0.0},
        {"id": "y2", "kind": "landing_station", "lat": 1.0, "lon": 2.0},
        {"id": "t0", "kind": "exchange", "lat": -1.0, "lon": 0.0},
        {"id": "t2", "kind": "exchange", "lat": -1.0, "lon": 2.0},
        {"id": "a0", "kind": "landing_station", "lat": -18.0, "lon": 179.5},
        {"id": "a2", "kind": "landing_station", "lat": -18.0, "lon": -179.5},
    ]
    links = [
        {
            "id": "X",
            "source": "x0",
            "target": "x2",
            "kind": "submarine_cable",
            "route": [[0.0, 0.0], [0.0, 1.0], [0.0, 2.0]],
        },
        {"id": "Y", "source": "y0", "target": "y2", "kind": "submarine_cable"},
        {"id": "T", "source": "t0", "target": "t2", "kind": "terrestrial_fiber"},
        {"id": "A", "source": "a0", "target": "a2", "kind": "submarine_cable"},
    ]
    return make_topology(nodes, links, "sea")


def drag(track, width_km=2.0, **fields) -> dict:
    return {"type": "cable_fault", "anchor_drag": {"track": track, "width_km": width_km, **fields}}


def setup(hazard: dict):
    topo = sea_topology()
    scenario = scenario_on(topo, hazards=[hazard])
    return topo, compile_topology(topo), scenario.spec.hazards[0], scenario


def fault_ids(damage, arrays) -> list[str]:
    return sorted(arrays.asset_ids[damage.asset_idx].tolist())


# ------------------------------------------------------------------------- geometry


def test_projection_keeps_distances_from_the_centre_and_inverts():
    rng = np.random.default_rng(0)
    lat = rng.uniform(-60, 60, 500)
    lon = rng.uniform(-180, 180, 500)
    lat0, lon0 = -18.0, 179.0
    x, y = project(lat, lon, lat0, lon0)
    np.testing.assert_allclose(np.hypot(x, y), haversine_km(lat0, lon0, lat, lon), rtol=1e-9)
    back_lat, back_lon = unproject(x, y, lat0, lon0)
    np.testing.assert_allclose(back_lat, lat, atol=1e-8)
    np.testing.assert_allclose(np.cos(np.radians(back_lon - lon)), 1.0, atol=1e-12)


def test_points_in_polygon_even_odd_on_a_concave_ring():
    # an L: the unit square's corner (0.5..1, 0.5..1) cut out; the ring closes itself
    qx = np.array([0.0, 1.0, 1.0, 0.5, 0.5, 0.0, 0.0])
    qy = np.array([0.0, 0.0, 0.5, 0.5, 1.0, 1.0, 0.0])
    px = np.array([0.25, 0.75, 0.75, 0.25, 1.5, -0.1])
    py = np.array([0.25, 0.25, 0.75, 0.75, 0.5, 0.5])
    assert points_in_polygon(px, py, qx, qy).tolist() == [True, True, False, True, False, False]


# ------------------------------------------------------------------------- anchor drag


def test_perpendicular_drag_across_a_route_vertex_is_one_fault_when_the_ship_gets_there():
    """The track crosses X exactly at its route vertex (lon 1): the corridor's stretch of
    X spans two route segments but is one crossing, so one fault, at (0, 1), at
    at_h + 55.597 km / (5 kn x 1.852 km/h per kn) = 3 + 6.004 h."""
    topo, arrays, hazard, _ = setup({**drag([[-0.5, 1.0], [0.5, 1.0]], speed_kn=5.0), "at_h": 3.0})
    damage = sample_cable_fault(hazard, topo, arrays, np.random.default_rng(0), "anchor")
    assert fault_ids(damage, arrays) == ["X"]
    assert damage.fault_lat[0] == pytest.approx(0.0, abs=1e-9)
    assert damage.fault_lon[0] == pytest.approx(1.0, abs=1e-9)
    along_km = 0.5 * KM_PER_DEG
    assert damage.onset_h[0] == pytest.approx(3.0 + along_km / (5.0 * KM_PER_NAUTICAL_MILE))
    assert np.isnan(damage.duration_h).all()  # needs a repair


def test_a_zigzag_track_crossing_twice_makes_two_faults():
    """Legs (-0.3, 0.5) -> (0.3, 0.7) -> (-0.3, 0.9) cross the equator near lon 0.6 and
    0.8 (the legs are straight on the local plane: within 0.5 km of the lat/lon line)."""
    topo, arrays, hazard, _ = setup(drag([[-0.3, 0.5], [0.3, 0.7], [-0.3, 0.9]]))
    damage = sample_cable_fault(hazard, topo, arrays, np.random.default_rng(0), "anchor")
    assert fault_ids(damage, arrays) == ["X", "X"]
    np.testing.assert_allclose(np.sort(damage.fault_lon), [0.6, 0.8], atol=0.5 / KM_PER_DEG)
    # on the route (to ~1 m: the plane's centre is off the equator, so the equator is
    # not exactly straight there)
    np.testing.assert_allclose(damage.fault_lat, 0.0, atol=1e-5)


def test_drag_alongside_a_cable_is_one_crossing_at_the_middle_of_the_stretch():
    """A track 0.5 km north of X from lon 0.5 to 1.5 with a 2 km corridor: X is inside
    from 0.866 km (sqrt(1 - 0.5**2)) before the start to 0.866 km after the end, one
    stretch whose middle is at lon 1.0, halfway along the track."""
    off = 0.5 / KM_PER_DEG
    topo, arrays, hazard, _ = setup(drag([[off, 0.5], [off, 1.5]]))
    crossings = anchor_crossings(hazard.anchor_drag, topo, arrays)
    assert len(crossings) == 1
    assert crossings.lon[0] == pytest.approx(1.0, abs=1e-6)
    assert crossings.along_km[0] == pytest.approx(0.5 * KM_PER_DEG, rel=1e-4)


def test_the_corridor_width_decides_whether_a_track_ending_short_of_a_cable_hits_it():
    """The track stops 0.5 km south of X: a 2 km corridor (1 km each side, round ends)
    reaches X, a 0.8 km one does not -- then the hazard runs, damages nothing, and the
    footprint check says so."""
    stop = -0.5 / KM_PER_DEG
    topo, arrays, hazard, _ = setup(drag([[-0.5, 1.0], [stop, 1.0]], width_km=2.0))
    damage = sample_cable_fault(hazard, topo, arrays, np.random.default_rng(0), "anchor")
    assert fault_ids(damage, arrays) == ["X"]
    topo, arrays, hazard, scenario = setup(drag([[-0.5, 1.0], [stop, 1.0]], width_km=0.8))
    assert len(sample_cable_fault(hazard, topo, arrays, np.random.default_rng(0), "a")) == 0
    assert len(cable_fault_footprint(hazard, topo, arrays)) == 0
    assert empty_footprints(scenario.spec, topo, arrays) == [
        "hazards[0] (cable_fault): its footprint touches no asset"
    ]


def test_anchors_break_submarine_cables_only():
    """The track from 1.5 S to 1.5 N crosses T (fibre on land), X and Y: only X and Y."""
    topo, arrays, hazard, _ = setup(drag([[-1.5, 1.0], [1.5, 1.0]]))
    damage = sample_cable_fault(hazard, topo, arrays, np.random.default_rng(0), "anchor")
    assert fault_ids(damage, arrays) == ["X", "Y"]


def test_a_crossing_on_the_antimeridian_is_found():
    topo, arrays, hazard, _ = setup(drag([[-18.5, 179.99], [-17.5, -179.99]]))
    damage = sample_cable_fault(hazard, topo, arrays, np.random.default_rng(0), "anchor")
    assert fault_ids(damage, arrays) == ["A"]
    assert damage.fault_lat[0] == pytest.approx(-18.0, abs=0.01)
    assert abs(damage.fault_lon[0]) == pytest.approx(180.0, abs=0.02)


def test_fault_probability_per_crossing_is_respected():
    """One crossing, p = 0.3, 4,000 drags: the share broken has binomial standard error
    sqrt(0.3 * 0.7 / 4000) = 0.0072; allow 4 of them."""
    topo, arrays, hazard, _ = setup(drag([[-0.5, 1.0], [0.5, 1.0]], fault_probability=0.3))
    rng = np.random.default_rng(31)
    n = 4000
    broken = sum(len(sample_cable_fault(hazard, topo, arrays, rng, "a")) for _ in range(n))
    assert abs(broken / n - 0.3) < 4 * np.sqrt(0.3 * 0.7 / n)


def test_anchor_draws_do_not_depend_on_what_breaks():
    after = []
    for p in (0.1, 0.9):
        topo, arrays, hazard, _ = setup(drag([[-1.5, 1.0], [1.5, 1.0]], fault_probability=p))
        rng = np.random.default_rng(8)
        sample_cable_fault(hazard, topo, arrays, rng, "a")
        after.append(rng.random())
    assert after[0] == after[1]


# ------------------------------------------------------------------------- fishing zones

SQUARE = [[-0.2, 0.5], [-0.2, 1.5], [0.2, 1.5], [0.2, 0.5], [-0.2, 0.5]]  # holds 1 deg of X


def zone_hazard(**zone) -> dict:
    return {"type": "cable_fault", "fishing_zones": [{"polygon": SQUARE, **zone}]}


def test_zone_expected_faults_are_rate_times_km_inside():
    """1 deg of X (111.195 km) is inside; a piece counts by its middle, so +-1 km."""
    topo, arrays, hazard, _ = setup({**zone_hazard(faults_per_km_day=0.001), "window_days": 10})
    expected = cable_fault_intensity(hazard, topo, arrays)
    assert expected[arrays.asset_index["X"]] == pytest.approx(
        0.01 * KM_PER_DEG, abs=0.01 * PIECE_KM
    )
    assert expected[arrays.asset_index["Y"]] == 0.0
    assert expected[arrays.asset_index["T"]] == 0.0  # fishing breaks submarine cables only


def test_zone_faults_are_poisson_inside_the_polygon_and_uniform_over_the_window():
    """Rate 0.001 per km per day over 10 days on 111.2 km: mean 1.112 faults. 2,000 draws:
    the mean's standard error is sqrt(1.112 / 2000) = 0.0236; allow 4 SE plus the piece
    bias (0.01). Onsets are uniform on [at_h, at_h + 240 h]: Kolmogorov-Smirnov at
    alpha = 0.001 (the j-th of k faults on one 1-km piece is spread evenly, which only
    matters when a piece gets two faults: probability ~ (0.01)**2 / 2 per piece)."""
    topo, arrays, hazard, _ = setup(
        {**zone_hazard(faults_per_km_day=0.001), "window_days": 10, "at_h": 6.0}
    )
    rng = np.random.default_rng(12)
    n = 2000
    counts, onsets, lons = [], [], []
    for _ in range(n):
        damage = sample_cable_fault(hazard, topo, arrays, rng, "trawling")
        assert set(fault_ids(damage, arrays)) <= {"X"}
        counts.append(len(damage))
        onsets.append(damage.onset_h)
        lons.append(damage.fault_lon)
    mean = 0.01 * KM_PER_DEG
    assert abs(np.mean(counts) - mean) < 4 * np.sqrt(mean / n) + 0.01
    onset, lon = np.concatenate(onsets), np.concatenate(lons)
    assert np.all((onset >= 6.0) & (onset <= 6.0 + 240.0))
    assert stats.kstest(onset, stats.uniform(loc=6.0, scale=240.0).cdf).pvalue > 0.001
    half_piece_deg = 0.5 * PIECE_KM / KM_PER_DEG
    assert np.all((lon >= 0.5 - half_piece_deg) & (lon <= 1.5 + half_piece_deg))
    assert stats.kstest(lon, stats.uniform(loc=0.5, scale=1.0).cdf).pvalue > 0.001


def test_per_event_zone_faults_strike_at_at_h():
    topo, arrays, hazard, _ = setup({**zone_hazard(faults_per_km=0.05), "at_h": 2.5})
    damage = sample_cable_fault(hazard, topo, arrays, np.random.default_rng(1), "storm")
    assert len(damage) > 0
    assert np.all(damage.onset_h == 2.5)
    assert np.all(damage.has_fault_location())


def test_anchor_and_zone_expectations_add_up():
    hazard = {
        **zone_hazard(faults_per_km=0.01),
        "anchor_drag": {
            "track": [[-1.5, 1.8], [1.5, 1.8]],
            "width_km": 1.0,
            "fault_probability": 0.4,
        },
    }
    topo, arrays, spec, _ = setup(hazard)
    expected = cable_fault_intensity(spec, topo, arrays)
    assert expected[arrays.asset_index["X"]] == pytest.approx(0.4 + 0.01 * KM_PER_DEG, abs=0.01)
    assert expected[arrays.asset_index["Y"]] == pytest.approx(0.4)


# ------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("hazard", "field"),
    [
        ({"type": "cable_fault"}, "hazards[0].anchor_drag"),
        (drag([[0.0, 1.0]]), "hazards[0].anchor_drag.track"),
        (drag([[0.0, 1.0], [1.0, 1.0]], width_km=0.0), "hazards[0].anchor_drag.width_km"),
        (drag([[0.0, 1.0], [1.0, 1.0]], speed_kn=-3), "hazards[0].anchor_drag.speed_kn"),
        (
            drag([[0.0, 1.0], [1.0, 1.0]], fault_probability=1.5),
            "hazards[0].anchor_drag.fault_probability",
        ),
        (drag([[0.0, 1.0], [95.0, 1.0]]), "hazards[0].anchor_drag.track[1][0]"),
        ({**drag([[0.0, 1.0], [1.0, 1.0]]), "duration_h": 4.0}, "hazards[0].duration_h"),
        (
            {
                "type": "cable_fault",
                "fishing_zones": [{"polygon": SQUARE[:-1], "faults_per_km": 0.1}],
            },
            "hazards[0].fishing_zones[0].polygon",
        ),
        (
            {
                "type": "cable_fault",
                "fishing_zones": [{"polygon": [[0, 0], [0, 1], [0, 0]], "faults_per_km": 1}],
            },
            "hazards[0].fishing_zones[0].polygon",
        ),
        (
            {"type": "cable_fault", "fishing_zones": [{"polygon": SQUARE}]},
            "hazards[0].fishing_zones[0].faults_per_km_day",
        ),
        (zone_hazard(faults_per_km_day=0.01), "hazards[0].window_days"),
        (zone_hazard(faults_per_km=-1.0), "hazards[0].fishing_zones[0].faults_per_km"),
    ],
)
def test_impossible_parameters_are_rejected_naming_the_field(hazard, field):
    with pytest.raises(rs.InputError) as err:
        scenario_on(sea_topology(), hazards=[hazard])
    assert f"<scenario>: {field}: " in str(err.value)


def test_unclosed_polygon_message_says_what_to_do():
    with pytest.raises(rs.InputError) as err:
        scenario_on(
            sea_topology(),
            hazards=[
                {
                    "type": "cable_fault",
                    "fishing_zones": [{"polygon": SQUARE[:-1], "faults_per_km": 0.1}],
                }
            ],
        )
    assert "does not close: the last point must repeat the first" in str(err.value)
