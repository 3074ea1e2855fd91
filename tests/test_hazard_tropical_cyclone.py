"""Hazard ``tropical_cyclone``: Holland winds, asymmetry, timing, gust fragility, bad input.

Geometry helpers place sites at exact great-circle distances from a storm centre on
the equator or along a parallel; expected winds are computed by hand from Holland's
(1980) formula (docs/hazards/tropical_cyclone.md).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from conftest import make_topology, scenario_on
from scipy.special import ndtr

import resilience_sim as rs
from resilience_sim.errors import InputWarning
from resilience_sim.geo import EARTH_RADIUS_KM, haversine_km
from resilience_sim.hazards import sample_hazards, warn_unrepairable
from resilience_sim.hazards.cyclone_wind import (
    AIR_DENSITY_KGM3,
    coriolis_per_s,
    gust_history_ms,
    gust_upper_bound_ms,
    holland_gradient_wind_ms,
    peak_gust,
    storm_series,
    track_holland_parameters,
    vickery_holland_b,
)
from resilience_sim.hazards.kit.route_faults import route_pieces
from resilience_sim.hazards.tropical_cyclone import (
    FRAGILITY,
    LIBRARY_TABLE,
    RESTORATION,
    sample_tropical_cyclone,
    tropical_cyclone_footprint,
    tropical_cyclone_intensity,
)
from resilience_sim.topology import compile_topology

DOC = Path(__file__).resolve().parents[1] / "docs" / "hazards" / "tropical_cyclone.md"
KM_PER_DEG = EARTH_RADIUS_KM * np.pi / 180.0
K, G, ALPHA = 0.8, 1.25, 0.55  # documented defaults: surface factor, gust factor, forward share


def point(t_h, lat, lon, rmw_km=30.0, **intensity) -> dict:
    return {"t_h": t_h, "lat": lat, "lon": lon, "radius_max_wind_km": rmw_km, **intensity}


def cyclone(track, **fields) -> dict:
    return {"type": "tropical_cyclone", "track": track, **fields}


def hazard_on(topology, hazard: dict):
    return scenario_on(topology, hazards=[hazard]).spec.hazards[0]


def sites_topology(coords, kind="cell_site", **node_fields):
    nodes = [
        {"id": f"s{i}", "kind": kind, "lat": lat, "lon": lon, **node_fields}
        for i, (lat, lon) in enumerate(coords)
    ]
    return make_topology(nodes, [])


def stationary(lat=0.0, lon=0.0, **intensity) -> list[dict]:
    """A storm that does not move (zero forward speed) for 6 h."""
    return [point(0.0, lat, lon, **intensity), point(6.0, lat, lon, **intensity)]


# --- Holland profile: analytic values ------------------------------------------------------


@pytest.mark.parametrize("b", [1.0, 1.5, 2.5])
def test_holland_wind_at_rmw_is_vmax(b):
    """With f = 0, V(Rm) = sqrt(A e^-1) = Vm exactly, the maximum of the profile; at
    r = 2 Rm, V = sqrt(A 2^-B exp(-2^-B)). With Coriolis, V(Rm) = sqrt(Vm^2 + (Rm f/2)^2)
    - Rm f / 2, within Rm f / 2 of Vm."""
    vm, rmw = 50.0, 30.0
    a = np.e * vm**2
    assert holland_gradient_wind_ms(rmw, rmw, b, a, 0.0) == pytest.approx(vm, rel=1e-12)
    expected_2rm = np.sqrt(a * 2.0**-b * np.exp(-(2.0**-b)))
    assert holland_gradient_wind_ms(2 * rmw, rmw, b, a, 0.0) == pytest.approx(expected_2rm)
    r = np.linspace(1.0, 300.0, 29_901)  # 0.01 km grid
    v = holland_gradient_wind_ms(r, rmw, b, a, 0.0)
    assert r[np.argmax(v)] == pytest.approx(rmw, abs=0.011)
    f = float(coriolis_per_s(20.0))
    half = 0.5 * rmw * 1000.0 * f
    v_f = holland_gradient_wind_ms(rmw, rmw, b, a, f)
    assert v_f == pytest.approx(np.sqrt(vm**2 + half**2) - half, rel=1e-12)
    assert abs(v_f - vm) <= half


def test_vickery_b_and_holland_parameters_by_hand():
    """Pressure only: B = 1.38 + 0.00184 * 50 - 0.00309 * 30 = 1.3793, A = B dp / rho.
    Wind and pressure: B = rho e Vm^2 / dp with Vm = max_wind / K (stationary storm)."""
    assert vickery_holland_b(50.0, 30.0) == pytest.approx(1.3793)
    assert vickery_holland_b(10.0, 200.0) == 1.0  # 0.7824, clipped to Holland's range
    topo = sites_topology([(0.0, 1.0)])
    h = hazard_on(topo, cyclone(stationary(central_pressure_hpa=960.0)))
    a, b = track_holland_parameters(h)
    assert b == pytest.approx([1.3793, 1.3793])
    assert a == pytest.approx(1.3793 * 5000.0 / AIR_DENSITY_KGM3)
    h = hazard_on(topo, cyclone(stationary(central_pressure_hpa=960.0, max_wind_ms=40.0)))
    a, b = track_holland_parameters(h)
    vm = 40.0 / K
    assert b == pytest.approx(AIR_DENSITY_KGM3 * np.e * vm**2 / 5000.0)
    assert a == pytest.approx(np.e * vm**2)


def test_wind_only_solves_b_jointly_with_the_regression():
    """Wind only: B dp = rho e Vm^2 with B = 1.38 + 0.00184 dp - 0.00309 Rm (hPa, km)."""
    topo = sites_topology([(0.0, 1.0)])
    h = hazard_on(topo, cyclone(stationary(max_wind_ms=45.0)))
    _, b = track_holland_parameters(h)
    vm = 45.0 / K
    dp_hpa = (b[0] - 1.38 + 0.00309 * 30.0) / 0.00184
    assert b[0] * dp_hpa * 100.0 == pytest.approx(AIR_DENSITY_KGM3 * np.e * vm**2)


# --- Wind field at sites --------------------------------------------------------------------


def test_stationary_gust_is_gust_factor_times_surface_holland_wind():
    """A storm standing still: gust(r) = G K V(r), with V from Holland at the storm's
    latitude (f at 15 N). At r = Rm with max_wind_ms given, f = 0: G * max_wind exactly."""
    rmw = 30.0
    distances = np.array([rmw, 1.5 * rmw, 3 * rmw, 6 * rmw])
    topo = sites_topology(
        [(15.0, 0.0 + d / (KM_PER_DEG * np.cos(np.radians(15.0)))) for d in distances]
    )
    arrays = compile_topology(topo)
    h = hazard_on(topo, cyclone(stationary(lat=15.0, central_pressure_hpa=950.0, holland_b=1.6)))
    gust = tropical_cyclone_intensity(h, topo, arrays)
    r = haversine_km(15.0, 0.0, arrays.asset_lat, arrays.asset_lon)
    a = 1.6 * 6000.0 / AIR_DENSITY_KGM3
    expected = G * K * holland_gradient_wind_ms(r, rmw, 1.6, a, coriolis_per_s(15.0))
    np.testing.assert_allclose(gust, expected, rtol=1e-12)

    equator = sites_topology([(0.0, rmw / KM_PER_DEG)])
    h = hazard_on(equator, cyclone(stationary(max_wind_ms=40.0)))
    assert tropical_cyclone_intensity(h, equator, compile_topology(equator))[0] == pytest.approx(
        G * 40.0, rel=1e-9
    )


def moving_north_track(**intensity) -> list[dict]:
    """10 N -> 20 N along 130 E in 40 h: 1111.95 km / 40 h = 7.722 m/s northward."""
    return [point(0.0, 10.0, 130.0, **intensity), point(40.0, 20.0, 130.0, **intensity)]


def test_gusts_fall_with_distance_beyond_rmw_on_both_sides():
    rmw = 30.0
    multiples = np.array([1.0, 1.5, 2.0, 3.0, 5.0, 8.0, 12.0])
    dlon = multiples * rmw / (KM_PER_DEG * np.cos(np.radians(15.0)))
    coords = [(15.0, 130.0 + d) for d in dlon] + [(15.0, 130.0 - d) for d in dlon]
    topo = sites_topology(coords)
    h = hazard_on(topo, cyclone(moving_north_track(central_pressure_hpa=950.0)))
    gust = tropical_cyclone_intensity(h, topo, compile_topology(topo))
    right, left = gust[: len(dlon)], gust[len(dlon) :]
    assert np.all(np.diff(right) < 0) and np.all(np.diff(left) < 0)
    # northern hemisphere, moving north: the right (east) side is the windier one
    assert np.all(right > left)


def test_right_side_peak_adds_the_forward_speed():
    """With no rotation of the forward vector, the site abeam on the right at r = Rm
    sees the tangential and forward winds aligned when the centre passes (t = 20 h, on
    the time grid): gust = G (K V(Rm) + alpha v_t), v_t = 1111.95 km / 40 h."""
    rmw = 30.0
    topo = sites_topology([(15.0, 130.0 + rmw / (KM_PER_DEG * np.cos(np.radians(15.0))))])
    h = hazard_on(
        topo,
        cyclone(moving_north_track(central_pressure_hpa=950.0), translation_rotation_deg=0.0),
    )
    a, b = track_holland_parameters(h)
    vt = 10.0 * KM_PER_DEG * 1000.0 / (40.0 * 3600.0)
    v_rm = holland_gradient_wind_ms(rmw, rmw, b[0], a[0], coriolis_per_s(15.0))
    arrays = compile_topology(topo)
    peak = peak_gust(h, arrays.asset_lat, arrays.asset_lon, np.array([np.inf]))
    assert peak.gust_ms[0] == pytest.approx(G * (K * v_rm + ALPHA * vt), rel=1e-4)
    assert peak.t_peak_h[0] == pytest.approx(20.0)


def test_southern_hemisphere_mirrors_the_asymmetry():
    """Moving south in the southern hemisphere, the left side (east) is the windier."""
    track = [point(0.0, -10.0, 130.0, central_pressure_hpa=950.0)]
    track.append(point(40.0, -20.0, 130.0, central_pressure_hpa=950.0))
    d = 60.0 / (KM_PER_DEG * np.cos(np.radians(15.0)))
    topo = sites_topology([(-15.0, 130.0 + d), (-15.0, 130.0 - d)])
    gust = tropical_cyclone_intensity(hazard_on(topo, cyclone(track)), topo, compile_topology(topo))
    assert gust[0] > gust[1]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_cheap_gust_bound_never_falls_below_the_peak(seed):
    """Sites whose bound is below their negligible gust are skipped, so the bound must
    hold everywhere: random storms (pressure, Rm, B, speed, hemisphere) and 2,000 random
    sites within 25 degrees of the track."""
    g = np.random.default_rng(seed)
    lat0 = g.uniform(-30, 30)
    track = [
        point(
            0.0, lat0, 100.0, rmw_km=g.uniform(10, 80), central_pressure_hpa=g.uniform(900, 1000)
        ),
        point(
            g.uniform(6, 48),
            lat0 + g.uniform(-8, 8),
            100.0 + g.uniform(-8, 8),
            rmw_km=g.uniform(10, 80),
            central_pressure_hpa=g.uniform(900, 1000),
            holland_b=g.uniform(1.0, 2.5),
        ),
    ]
    topo = sites_topology([(lat0, 100.0)])
    h = hazard_on(topo, cyclone(track))
    lat = np.clip(lat0 + g.uniform(-25, 25, 2000), -89, 89)
    lon = 100.0 + g.uniform(-25, 25, 2000)
    series = storm_series(h)
    peak = gust_history_ms(series, h, lat, lon).max(axis=0)
    assert np.all(gust_upper_bound_ms(series, h, lat, lon) >= peak)


# --- Timing ------------------------------------------------------------------------------------


def westward_track(**fields) -> dict:
    """135 E -> 125 E along 15 N in 40 h, starting at at_h = 5."""
    track = [point(0.0, 15.0, 135.0, central_pressure_hpa=940.0)]
    track.append(point(40.0, 15.0, 125.0, central_pressure_hpa=940.0))
    return cyclone(track, at_h=5.0, **fields)


def test_onsets_follow_the_storm_along_its_track(rng):
    """Sites 22 km north of the track fail (override: moderate median 30 m/s, peaks are
    ~55 m/s, P(fail) = 1) when their gust first reaches 30 m/s: later farther along, and
    within 6 h of the centre passing their longitude (t = at_h + 4 h per degree)."""
    lons = np.array([134.0, 132.0, 130.0, 128.0, 126.0])
    topo = sites_topology([(15.2, x) for x in lons])
    arrays = compile_topology(topo)
    override = {"cell_site": {"medians": [20, 30, 100, 120], "betas": [0.05] * 4}}
    h = hazard_on(topo, westward_track(fragility=override))
    damage = sample_tropical_cyclone(h, topo, arrays, rng, "cyclone")
    assert damage.asset_idx.tolist() == [0, 1, 2, 3, 4]
    assert np.all(np.diff(damage.onset_h) > 0)
    passing = 5.0 + 4.0 * (135.0 - lons)
    assert np.all(damage.onset_h < passing) and np.all(damage.onset_h > passing - 6.0)
    peak = peak_gust(h, arrays.asset_lat, arrays.asset_lon, np.full(5, 30.0))
    np.testing.assert_array_equal(damage.onset_h, peak.t_cross_h)


def test_failure_below_the_median_strikes_at_the_peak():
    """A site whose peak gust stays below the failure median can still fail (wide beta);
    it then fails at the time of its peak gust."""
    topo = sites_topology([(15.2, 130.0)] * 200)
    arrays = compile_topology(topo)
    peak = tropical_cyclone_intensity(hazard_on(topo, westward_track()), topo, arrays)[0]
    m = 1.05 * peak
    override = {"cell_site": {"medians": [m, m, m, m], "betas": [3.0] * 4}}
    h = hazard_on(topo, westward_track(fragility=override))
    damage = sample_tropical_cyclone(h, topo, arrays, np.random.default_rng(5), "c")
    t_peak = peak_gust(h, arrays.asset_lat, arrays.asset_lon, np.full(200, np.inf)).t_peak_h[0]
    assert 50 < len(damage) < 150  # P = Phi(ln(1/1.05)/3) = 0.49
    assert np.all(damage.onset_h == t_peak)


# --- Fragility and statistics ------------------------------------------------------------------


def test_failure_share_at_a_known_gust_matches_the_curve():
    """4,000 cell sites at r = Rm from a standing storm on the equator with
    max_wind_ms = 40: gust = 1.25 * 40 = 50 m/s, the built-in moderate median, so
    P(>= moderate) = 0.5 exactly; the binomial standard error is sqrt(0.25 / 4000) =
    0.0079 and we allow 4 of them (two-sided false alarm 6e-5). Same check for the
    slight (median 40) and extensive (62) shares at their curve values."""
    n = 4000
    topo = sites_topology([(0.0, 30.0 / KM_PER_DEG)] * n)
    arrays = compile_topology(topo)
    h = hazard_on(topo, cyclone(stationary(max_wind_ms=40.0)))
    damage = sample_tropical_cyclone(h, topo, arrays, np.random.default_rng(2024), "c")
    share = len(np.unique(damage.asset_idx)) / n
    assert abs(share - 0.5) < 4 * np.sqrt(0.25 / n)
    for state, median in ((3, 62.0), (4, 75.0)):
        p = ndtr(np.log(50.0 / median) / 0.2)
        got = np.sum(damage.damage_state >= state) / n
        assert abs(got - p) < 4 * np.sqrt(p * (1 - p) / n) + 1e-12


def test_hardening_factor_scales_the_median():
    """Gust 55 m/s on sites hardened by 1.1: the moderate median becomes 55, P = 0.5;
    4,000 sites, tolerance 4 standard errors (0.032)."""
    n = 4000
    topo = sites_topology([(0.0, 30.0 / KM_PER_DEG)] * n, hardening_factor=1.1)
    arrays = compile_topology(topo)
    h = hazard_on(topo, cyclone(stationary(max_wind_ms=44.0)))
    damage = sample_tropical_cyclone(h, topo, arrays, np.random.default_rng(7), "c")
    assert abs(len(damage) / n - 0.5) < 4 * np.sqrt(0.25 / n)


def _documented_library() -> dict[str, tuple]:
    """The table of the docs section "Built-in fragility and restoration"."""
    text = DOC.read_text(encoding="utf-8").split("## Built-in fragility and restoration")[1]
    rows = {}
    for line in text.split("\n## ")[0].splitlines():
        m = re.match(r"^\| `([a-z_]+)` \|(.+)\|\s*$", line)
        if m:
            cells = [c.strip() for c in m.group(2).split("|")]
            medians = tuple(float(c) for c in cells[:4])
            repair = tuple(float(c) for c in cells[5].split("/"))
            rows[m.group(1)] = (medians, float(cells[4]), repair)
    return rows


def test_built_in_curves_match_the_documented_table():
    """Every curve: as documented, exactly 0.5 at its median, Phi(-1) and Phi(1) one beta
    either side (three points), and non-decreasing in gust."""
    documented = _documented_library()
    assert documented == LIBRARY_TABLE
    x = np.linspace(0.0, 150.0, 1501)
    for kind, fragility in FRAGILITY.items():
        medians, beta, repair = LIBRARY_TABLE[kind]
        for curve, median in zip(fragility.curves, medians, strict=True):
            assert (curve.median, curve.beta) == (median, beta)
            at = curve.probability(
                np.array([median * np.exp(-beta), median, median * np.exp(beta)])
            )
            np.testing.assert_allclose(at, [ndtr(-1.0), 0.5, ndtr(1.0)], rtol=1e-12)
            assert np.all(np.diff(curve.probability(x)) >= 0)
        got = [
            getattr(RESTORATION[kind], s).median_h
            for s in ("slight", "moderate", "extensive", "complete")
        ]
        assert tuple(got) == repair


# --- Links: microwave towers and overhead fibre spans ----------------------------------------


def test_links_fail_at_located_points():
    """A 9.95 km fibre route along the equator is cut into 10 pieces of <= 1 km (10
    sites) and a microwave link has a site at each end tower; with curves at which every
    site fails, each failing site is its own entry, located on the route at the middle
    of its piece."""
    length_deg = 9.95 / KM_PER_DEG
    topo = make_topology(
        [
            {"id": "a", "kind": "exchange", "lat": 0.0, "lon": 0.05},
            {"id": "b", "kind": "exchange", "lat": 0.0, "lon": 0.05 + length_deg},
        ],
        [
            {"id": "fibre", "source": "a", "target": "b", "kind": "terrestrial_fiber"},
            {"id": "mw", "source": "a", "target": "b", "kind": "microwave"},
            {"id": "sub", "source": "a", "target": "b", "kind": "submarine_cable"},
        ],
    )
    arrays = compile_topology(topo)
    weak = {"medians": [1, 2, 3, 4], "betas": [0.1] * 4}
    track = [point(0.0, 0.0, 0.0, max_wind_ms=40.0), point(10.0, 0.0, 0.3, max_wind_ms=40.0)]
    strong = {"medians": [500, 600, 700, 800], "betas": [0.1] * 4}
    fragility = {
        "terrestrial_fiber": weak,
        "microwave": weak,
        "submarine_cable": weak,
        "exchange": strong,
    }
    h = hazard_on(topo, cyclone(track, fragility=fragility))
    damage = sample_tropical_cyclone(h, topo, arrays, np.random.default_rng(0), "c")
    ids = arrays.asset_ids[damage.asset_idx].tolist()
    assert ids.count("fibre") == len(route_pieces(topo, arrays, ("terrestrial_fiber",))) == 10
    assert ids.count("mw") == 2 and "sub" not in ids  # submarine cables take no wind damage
    assert "a" not in ids and "b" not in ids
    fibre = damage.asset_idx == arrays.asset_index["fibre"]
    assert np.all(damage.fault_lat[fibre] == 0.0)
    np.testing.assert_allclose(
        np.sort(damage.fault_lon[fibre]), 0.05 + (np.arange(10) + 0.5) * length_deg / 10
    )
    mw = damage.asset_idx == arrays.asset_index["mw"]
    assert sorted(damage.fault_lon[mw]) == [0.05, 0.05 + length_deg]


# --- Draw pattern, restoration, self-restoring ----------------------------------------------


def test_two_draws_per_site_whatever_fails():
    """Common random numbers: the generator advances by 2 uniforms per site (5 nodes)
    whether nothing or everything fails."""
    topo = sites_topology([(15.2, x) for x in (134.0, 132.0, 130.0, 128.0, 126.0)])
    arrays = compile_topology(topo)
    for medians in ([1, 2, 3, 4], [900, 901, 902, 903]):
        h = hazard_on(
            topo, westward_track(fragility={"cell_site": {"medians": medians, "betas": [0.1] * 4}})
        )
        rng = np.random.default_rng(11)
        sample_tropical_cyclone(h, topo, arrays, rng, "c")
        reference = np.random.default_rng(11)
        reference.random(10)
        assert rng.random() == reference.random()


def test_repair_times_come_from_the_restoration_override_and_duration_self_restores(rng):
    topo = sites_topology([(15.2, x) for x in (134.0, 130.0, 126.0)])
    arrays = compile_topology(topo)
    fixed = {"dist": "fixed", "value_h": 7.0}
    restoration = {
        "cell_site": dict.fromkeys(("slight", "moderate", "extensive", "complete"), fixed)
    }
    override = {"cell_site": {"medians": [1, 2, 3, 4], "betas": [0.1] * 4}}
    h = hazard_on(topo, westward_track(fragility=override, restoration=restoration))
    damage = sample_tropical_cyclone(h, topo, arrays, rng, "c")
    assert damage.repair_h.tolist() == [7.0, 7.0, 7.0]
    assert np.isnan(damage.duration_h).all() and damage.damage_state.tolist() == [4, 4, 4]
    h = hazard_on(topo, westward_track(fragility=override, duration_h=12.0))
    damage = sample_tropical_cyclone(h, topo, arrays, rng, "c")
    assert damage.duration_h.tolist() == [12.0] * 3 and np.isnan(damage.repair_h).all()


# --- Footprint and end to end -------------------------------------------------------------------


def test_storm_far_away_touches_nothing_and_the_run_says_so():
    topo = make_topology(
        [
            {"id": "ex", "kind": "exchange", "lat": -21.1, "lon": -175.2},
            {"id": "cell", "kind": "cell_site", "lat": -21.2, "lon": -175.1, "population": 10},
        ],
        [{"id": "l", "source": "ex", "target": "cell", "kind": "microwave"}],
    )
    far = [point(0.0, 20.0, 120.0, max_wind_ms=60.0), point(24.0, 22.0, 118.0, max_wind_ms=60.0)]
    scenario = scenario_on(topo, hazards=[cyclone(far)])
    arrays = compile_topology(topo)
    assert len(tropical_cyclone_footprint(scenario.spec.hazards[0], topo, arrays)) == 0
    with pytest.warns(InputWarning, match="touches no asset"):
        messages = warn_unrepairable(scenario.spec, topo, arrays, "s.yaml")
    assert messages == ["s.yaml: hazards[0] (tropical_cyclone): its footprint touches no asset"]
    with pytest.warns(
        InputWarning, match=r"test scenario: hazards\[0\] \(tropical_cyclone\): its footprint"
    ):
        result = rs.simulate(scenario, replications=2, seed=1)
    assert len(result.events) == 0


def test_sample_hazards_dispatches_and_labels_the_cause(rng):
    topo = sites_topology([(15.2, 130.0)])
    override = {"cell_site": {"medians": [1, 2, 3, 4], "betas": [0.1] * 4}}
    scenario = scenario_on(topo, hazards=[westward_track(fragility=override)])
    (damage,) = sample_hazards(scenario.spec, topo, compile_topology(topo), rng)
    assert damage.cause == "hazards[0]:tropical_cyclone" and len(damage) == 1


# --- Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("track", "extra", "field", "message"),
    [
        (
            [
                point(0.0, 15, 130, central_pressure_hpa=950),
                point(0.0, 16, 129, central_pressure_hpa=950),
            ],
            {},
            "hazards[0].track",
            "t_h must strictly increase",
        ),
        (
            [
                point(0.0, 15, 130, central_pressure_hpa=950),
                point(6.0, 16, 129, central_pressure_hpa=800),
            ],
            {},
            "hazards[0].track[1].central_pressure_hpa",
            "greater than or equal to 850",
        ),
        (
            [
                point(0.0, 15, 130, central_pressure_hpa=1012),
                point(6.0, 16, 129, central_pressure_hpa=990),
            ],
            {},
            "hazards[0].track",
            "not below ambient_pressure_hpa",
        ),
        (
            [point(0.0, 15, 130, rmw_km=0.0, max_wind_ms=40), point(6.0, 16, 129, max_wind_ms=40)],
            {},
            "hazards[0].track[0].radius_max_wind_km",
            "greater than 0",
        ),
        (
            [point(0.0, 15, 130), point(6.0, 16, 129, max_wind_ms=40)],
            {},
            "hazards[0].track[0].central_pressure_hpa",
            "give central_pressure_hpa, max_wind_ms or both",
        ),
        (
            [point(0.0, 15, 130, max_wind_ms=40)],
            {},
            "hazards[0].track",
            "at least 2 items",
        ),
        (
            [point(0.0, 15, 130, max_wind_ms=40), point(6.0, 16, 129, max_wind_ms=40)],
            {"gust_factor": 0.9},
            "hazards[0].gust_factor",
            "greater than or equal to 1",
        ),
    ],
)
def test_impossible_parameters_are_rejected_naming_the_field(track, extra, field, message):
    topo = sites_topology([(15.0, 130.0)])
    with pytest.raises(rs.InputError) as info:
        scenario_on(topo, hazards=[cyclone(track, **extra)])
    problems = [(p.field, p.message) for p in info.value.problems]
    assert any(f == field and message in m for f, m in problems), problems
