"""Hazard `geomagnetic_storm`: repeater failures on long submarine cables.

The model (assumed, docs/hazards/geomagnetic_storm.md): a cable of length L has
n = ceil(L / spacing) - 1 repeaters; repeater k fails with p_k = min(1, p_ref S g_k)
where S is the storm factor and g_k the latitude factor at the repeater's centred-dipole
geomagnetic latitude; P(cable fails) = 1 - prod(1 - p_k).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import make_topology, scenario_on

import resilience_sim as rs
from resilience_sim.hazards.geomagnetic_storm import (
    DIPOLE_POLE_LAT,
    DIPOLE_POLE_LON,
    cable_repeaters,
    geomagnetic_latitude_deg,
    geomagnetic_storm_footprint,
    geomagnetic_storm_intensity,
    latitude_factor,
    sample_geomagnetic_storm,
    storm_factor,
)
from resilience_sim.topology import compile_topology

ISLAND = Path(__file__).resolve().parent.parent / "topologies" / "pacific_island.yaml"


def cable(cable_id, a, b, route, length_km=None) -> dict:
    link = {"id": cable_id, "source": a, "target": b, "kind": "submarine_cable", "route": route}
    if length_km is not None:
        link["length_km"] = length_km
    return link


def storm_topology():
    """``polar``: 100 km (declared) straight across the geomagnetic north pole.
    ``equatorial``: 700 km (declared) along the equator from lon 0. ``short``: 50 km."""
    plat, plon = DIPOLE_POLE_LAT, DIPOLE_POLE_LON
    nodes = [
        {"id": "p0", "kind": "landing_station", "lat": plat - 0.45, "lon": plon},
        {"id": "p1", "kind": "landing_station", "lat": plat + 0.45, "lon": plon},
        {"id": "e0", "kind": "landing_station", "lat": 0.0, "lon": 0.0},
        {"id": "e1", "kind": "landing_station", "lat": 0.0, "lon": 6.3},
        {"id": "s0", "kind": "landing_station", "lat": 10.0, "lon": 10.0},
        {"id": "s1", "kind": "landing_station", "lat": 10.0, "lon": 10.45},
    ]
    links = [
        cable("polar", "p0", "p1", [[plat - 0.45, plon], [plat + 0.45, plon]], 100.0),
        cable("equatorial", "e0", "e1", [[0.0, 0.0], [0.0, 6.3]], 700.0),
        cable("short", "s0", "s1", [[10.0, 10.0], [10.0, 10.45]]),
        {"id": "fibre", "source": "e0", "target": "s0", "kind": "terrestrial_fiber"},
    ]
    return make_topology(nodes, links, "storm")


def setup(**fields):
    topo = storm_topology()
    hazard = {"type": "geomagnetic_storm", "dst_nt": -589.0, **fields}
    return topo, compile_topology(topo), scenario_on(topo, hazards=[hazard]).spec.hazards[0]


def test_dipole_geomagnetic_latitude_known_points():
    """sin(lambda_m) = sin(lat) sin(lat_p) + cos(lat) cos(lat_p) cos(lon - lon_p): 90 at the
    dipole pole, -90 at its antipode, 90 - 80.59 = 9.41 on the equator under the pole's
    meridian, 0 on the great circle 90 deg from the pole."""
    plat, plon = DIPOLE_POLE_LAT, DIPOLE_POLE_LON
    got = geomagnetic_latitude_deg(
        [plat, -plat, 0.0, -(90.0 - plat)], [plon, plon + 180.0, plon, plon]
    )
    np.testing.assert_allclose(got, [90.0, -90.0, 90.0 - plat, 0.0], atol=1e-9)


def test_latitude_factor_steps_up_across_50_degrees():
    """Logistic from 0.1 to 1: 0.55 at +-50 deg; 5 % and 95 % of the rise at 40 and 60."""
    assert latitude_factor(50.0) == pytest.approx(0.55)
    assert latitude_factor(-50.0) == pytest.approx(0.55)
    assert latitude_factor(40.0) == pytest.approx(0.1 + 0.9 * 0.05)
    assert latitude_factor(60.0) == pytest.approx(0.1 + 0.9 * 0.95)
    lat = np.linspace(0.0, 90.0, 91)
    g = latitude_factor(lat)
    assert np.all(np.diff(g) > 0) and g[0] > 0.1 and g[-1] < 1.0
    np.testing.assert_allclose(latitude_factor(-lat), g)


@pytest.mark.parametrize(
    ("index", "factor"),
    [
        ({"dst_nt": -589.0}, 1.0),
        ({"dst_nt": -294.5}, 0.5),
        ({"dst_nt": -1767.0}, 3.0),
        ({"kp": 9.0}, 1.0),
        ({"kp": 8.0}, 207.0 / 400.0),
        ({"kp": 8.5}, (207.0 + 400.0) / 2 / 400.0),
        ({"kp": 0.0}, 0.0),
    ],
)
def test_storm_factor_is_relative_to_the_march_1989_storm(index, factor):
    _, _, hazard = setup(**{"dst_nt": None, **index})
    assert storm_factor(hazard) == pytest.approx(factor)


def test_repeaters_are_evenly_spaced_along_the_route():
    """700 km at 70 km spacing: ceil(700 / 70) - 1 = 9 repeaters at 70, 140, ... 630 km,
    i.e. at k/10 of the route; 100 km gives 9 at 10 km spacing; a 50 km cable none."""
    topo, arrays, _ = setup()
    rep = cable_repeaters(topo, arrays, 70.0)
    equatorial = rep.link == arrays.asset_index["equatorial"] - arrays.n_nodes
    np.testing.assert_allclose(rep.lon[equatorial], 0.63 * np.arange(1, 10), atol=1e-9)
    np.testing.assert_allclose(rep.lat[equatorial], 0.0, atol=1e-12)
    counts = np.bincount(rep.link, minlength=arrays.n_links)
    ids = arrays.asset_ids[arrays.n_nodes :]
    assert dict(zip(ids, counts, strict=True)) == {
        "polar": 1,
        "equatorial": 9,
        "short": 0,
        "fibre": 0,
    }
    rep10 = cable_repeaters(topo, arrays, 10.0)
    assert np.count_nonzero(rep10.link == arrays.asset_index["polar"] - arrays.n_nodes) == 9


def test_failure_probability_is_one_minus_survival_of_every_repeater():
    """The polar cable sits at geomagnetic latitude 89.55-90 deg, where g = 0.99999 (to
    1e-6); with p_ref = 0.05 in a reference storm each of its 9 repeaters (10 km spacing)
    fails with p = 0.05 g, so P = 1 - (1 - p)**9 = 0.3698."""
    topo, arrays, hazard = setup(repeater_spacing_km=10.0, repeater_failure_probability=0.05)
    p = 0.05 * float(latitude_factor(90.0))
    intensity = geomagnetic_storm_intensity(hazard, topo, arrays)
    assert intensity[arrays.asset_index["polar"]] == pytest.approx(1 - (1 - p) ** 9, rel=1e-5)
    assert intensity[arrays.asset_index["fibre"]] == 0.0  # not a submarine cable
    assert intensity[arrays.asset_index["e0"]] == 0.0
    assert sorted(arrays.asset_ids[geomagnetic_storm_footprint(hazard, topo, arrays)]) == [
        "equatorial",
        "polar",
        "short",
    ]


def test_sampled_failures_match_the_probability():
    """4,000 storms on the polar cable: P(fails) = 0.3698 has binomial standard error
    sqrt(0.37 * 0.63 / 4000) = 0.0076; the number of failed repeaters, Binomial(9, 0.05),
    has mean 0.45 and standard error sqrt(9 * 0.05 * 0.95 / 4000) = 0.0103. 4 SE each."""
    topo, arrays, hazard = setup(repeater_spacing_km=10.0, repeater_failure_probability=0.05)
    rng = np.random.default_rng(1989)
    polar = arrays.asset_index["polar"]
    n = 4000
    counts = np.array(
        [
            np.count_nonzero(
                sample_geomagnetic_storm(hazard, topo, arrays, rng, "storm").asset_idx == polar
            )
            for _ in range(n)
        ]
    )
    p = 0.05 * float(latitude_factor(90.0))
    p_cable = 1 - (1 - p) ** 9
    assert abs(np.mean(counts > 0) - p_cable) < 4 * np.sqrt(p_cable * (1 - p_cable) / n)
    assert abs(counts.mean() - 9 * p) < 4 * np.sqrt(9 * p * (1 - p) / n)


def test_failed_repeaters_are_located_faults_or_self_clearing_trips():
    """p_ref = 1: every repeater of the polar cable fails (g ~ 1 there), each a located
    fault of its own; at low latitude p = 0.1 per repeater. With ``duration_h`` the same
    draws give one self-clearing trip per cable that had a failed repeater."""
    topo, arrays, located = setup(
        repeater_spacing_km=10.0, repeater_failure_probability=1.0, at_h=7.0
    )
    damage = sample_geomagnetic_storm(located, topo, arrays, np.random.default_rng(0), "storm")
    assert np.count_nonzero(damage.asset_idx == arrays.asset_index["polar"]) == 9
    assert np.all(damage.has_fault_location()) and np.all(damage.onset_h == 7.0)
    assert np.isnan(damage.duration_h).all()
    topo, arrays, trips = setup(
        repeater_spacing_km=10.0, repeater_failure_probability=1.0, at_h=7.0, duration_h=6.0
    )
    tripped = sample_geomagnetic_storm(trips, topo, arrays, np.random.default_rng(0), "storm")
    assert sorted(tripped.asset_idx) == sorted(set(damage.asset_idx))  # one per cable
    assert np.all(tripped.duration_h == 6.0) and not tripped.has_fault_location().any()


def test_risk_rises_with_storm_latitude_and_length():
    topo, arrays, weak = setup(dst_nt=-150.0)
    _, _, strong = setup(dst_nt=-1200.0)
    weak_p = geomagnetic_storm_intensity(weak, topo, arrays)
    strong_p = geomagnetic_storm_intensity(strong, topo, arrays)
    cables = [arrays.asset_index[c] for c in ("polar", "equatorial")]
    assert np.all(strong_p[cables] > weak_p[cables])
    # per repeater the pole is riskier than the equator (latitude factor ~1 vs ~0.1)
    rep = cable_repeaters(topo, arrays, 10.0)
    g = latitude_factor(geomagnetic_latitude_deg(rep.lat, rep.lon))
    on_polar = rep.link == arrays.asset_index["polar"] - arrays.n_nodes
    assert g[on_polar].min() > 0.99 > 0.12 > g[~on_polar].max()
    # a longer cable at the same place has more repeaters and so a higher risk
    topo2 = make_topology(
        [
            {"id": "a", "kind": "landing_station", "lat": 0.0, "lon": 0.0},
            {"id": "b", "kind": "landing_station", "lat": 0.0, "lon": 1.0},
        ],
        [
            cable("long", "a", "b", [[0.0, 0.0], [0.0, 1.0]], 2000.0),
            cable("shorter", "a", "b", [[0.0, 0.0], [0.0, 1.0]], 500.0),
        ],
    )
    storm = scenario_on(topo2, hazards=[{"type": "geomagnetic_storm", "kp": 9}]).spec.hazards[0]
    p = geomagnetic_storm_intensity(storm, topo2, compile_topology(topo2))
    assert p[2] > p[3] > 0  # assets: a, b, long, shorter


def test_the_island_cable_is_at_low_geomagnetic_latitude_and_low_risk():
    """Tonga (~21 S, 175 W) is at about 23 deg S geomagnetic: latitude factor ~0.10, so
    even a March-1989 storm gives the 827 km cable (11 repeaters) P(fail) < 1 %."""
    topo = rs.load_topology(ISLAND)
    arrays = compile_topology(topo)
    hazard = scenario_on(
        topo, hazards=[{"type": "geomagnetic_storm", "dst_nt": -589}]
    ).spec.hazards[0]
    assert abs(float(geomagnetic_latitude_deg(-21.13, -175.23))) == pytest.approx(23, abs=2)
    p = geomagnetic_storm_intensity(hazard, topo, arrays)
    assert 0 < p[arrays.asset_index["tcs-sopu-suva"]] < 0.01


def test_draws_do_not_depend_on_what_fails():
    after = []
    for p_ref in (0.001, 0.9):
        topo, arrays, hazard = setup(repeater_spacing_km=10.0, repeater_failure_probability=p_ref)
        rng = np.random.default_rng(3)
        sample_geomagnetic_storm(hazard, topo, arrays, rng, "s")
        after.append(rng.random())
    assert after[0] == after[1]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kp": 7}, "hazards[0].dst_nt"),  # both indices
        ({"dst_nt": None}, "hazards[0].dst_nt"),  # neither
        ({"dst_nt": 20.0}, "hazards[0].dst_nt"),
        ({"dst_nt": None, "kp": 9.5}, "hazards[0].kp"),
        ({"repeater_spacing_km": 0.0}, "hazards[0].repeater_spacing_km"),
        ({"repeater_failure_probability": 0.0}, "hazards[0].repeater_failure_probability"),
        ({"repeater_failure_probability": 1.5}, "hazards[0].repeater_failure_probability"),
    ],
)
def test_impossible_parameters_are_rejected_naming_the_field(fields, field):
    with pytest.raises(rs.InputError) as err:
        scenario_on(
            storm_topology(), hazards=[{"type": "geomagnetic_storm", "dst_nt": -300.0, **fields}]
        )
    assert f"<scenario>: {field}: " in str(err.value)
