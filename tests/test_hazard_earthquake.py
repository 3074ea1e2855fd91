"""Hazard `earthquake`: BJF97 ground motion, fragility, cable faults, bad input.

Known answers are worked by hand from Boore, Joyner & Fumal (1997), PGA row (random
horizontal component): ln PGA = b1 + 0.527 (M - 6) - 0.778 ln r - 0.371 ln(Vs30 / 1396),
r = sqrt(rjb^2 + 5.57^2), b1 = -0.242 (unspecified mechanism).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import fixed, make_topology, scenario_on
from scipy.integrate import quad
from scipy.stats import norm

import resilience_sim as rs
from resilience_sim.geo import haversine_km
from resilience_sim.hazards import sample_hazards
from resilience_sim.hazards.checks import warn_unrepairable
from resilience_sim.hazards.earthquake import (
    BJF97_SIGMA_BETWEEN,
    BJF97_SIGMA_WITHIN,
    BUILTIN_RESTORATION,
    HAZUS_SUBSTATION,
    bjf97_median_pga_g,
    builtin_fragility,
    earthquake_footprint,
    earthquake_intensity,
    fiber_faults_per_km,
    sample_earthquake,
    submarine_faults_per_km,
)
from resilience_sim.hazards.kit.route_faults import distance_to_polyline_km
from resilience_sim.topology import compile_topology

DOCS = Path(__file__).resolve().parents[1] / "docs" / "hazards" / "earthquake.md"
KM_PER_DEG = float(haversine_km(0.0, 0.0, 0.0, 1.0))  # 111.195 km per degree on the equator


def quake(**fields) -> dict:
    base = {"type": "earthquake", "epicentre": {"lat": 0.0, "lon": 0.0}, "depth_km": 10.0}
    return {**base, "magnitude": 7.5, **fields}


def spec_of(topology, hazard: dict, **fields):
    return scenario_on(topology, hazards=[hazard], **fields).spec.hazards[0]


def star(n: int, kind: str = "exchange", lon: float = 0.0, **node) -> rs.Topology:
    """``n`` co-located nodes of one kind at (0, lon), no links."""
    nodes = [{"id": f"n{i}", "kind": kind, "lat": 0.0, "lon": lon, **node} for i in range(n)]
    return make_topology(nodes, [])


def cables(n: int, lon0: float, lon1: float, kind: str = "submarine_cable") -> rs.Topology:
    """``n`` parallel straight cables along the equator from lon0 to lon1 (degrees)."""
    nodes = [
        {"id": "a", "kind": "landing_station", "lat": 0.0, "lon": lon0, "hardening_factor": 100},
        {"id": "b", "kind": "landing_station", "lat": 0.0, "lon": lon1, "hardening_factor": 100},
    ]
    links = [{"id": f"c{i}", "source": "a", "target": "b", "kind": kind} for i in range(n)]
    return make_topology(nodes, links)


# --- ground motion -----------------------------------------------------------------------
def test_bjf97_median_at_the_epicentre_by_hand():
    """M 7.5, rjb 0, Vs30 760 m/s: ln PGA = -0.242 + 0.527 * 1.5 - 0.778 ln 5.57
    - 0.371 ln(760 / 1396) = -0.242 + 0.7905 - 1.336137 + 0.225586 = -0.562048,
    PGA = 0.57004 g."""
    got = bjf97_median_pga_g(7.5, np.array([0.0]), 760.0)[0]
    assert got == pytest.approx(math.exp(-0.562048), rel=1e-5)
    assert got == pytest.approx(0.57004, abs=1e-5)


def test_pga_falls_with_distance_by_the_documented_factor():
    """At rjb 10 and 40 km the ratio is ((40^2 + 5.57^2) / (10^2 + 5.57^2))^(-0.778/2)
    = (1631.02 / 131.02)^(-0.389) = 0.374976, whatever the magnitude and site.
    Checked through earthquake_intensity on nodes placed 10 and 40 km east."""
    topo = make_topology(
        [
            {"id": "near", "kind": "exchange", "lat": 0.0, "lon": 10.0 / KM_PER_DEG},
            {"id": "far", "kind": "exchange", "lat": 0.0, "lon": 40.0 / KM_PER_DEG},
        ],
        [],
    )
    pga = earthquake_intensity(spec_of(topo, quake(magnitude=6.3)), topo, compile_topology(topo))
    assert pga[1] / pga[0] == pytest.approx(0.374976, rel=1e-5)


def test_magnitude_is_held_at_7_5_and_mechanism_shifts_b1():
    """Above M 7.5 (the relation's range) the value of M 7.5 is used; reverse faulting
    raises ln PGA by b1rv - b1all = -0.117 + 0.242 = 0.125."""
    r = np.array([0.0, 20.0])
    np.testing.assert_allclose(bjf97_median_pga_g(9.0, r), bjf97_median_pga_g(7.5, r))
    ratio = bjf97_median_pga_g(6.0, r, mechanism="reverse") / bjf97_median_pga_g(6.0, r)
    np.testing.assert_allclose(ratio, math.exp(0.125))


def test_deep_hypocentre_adds_distance_in_quadrature():
    """Depth 50 km is 30 km below the 20 km shallow-crust bound: at the epicentre
    r = sqrt(5.57^2 + 30^2) = 30.513 km, so PGA / PGA(depth 10) = (30.513 / 5.57)^-0.778."""
    ratio = bjf97_median_pga_g(7.0, np.array([0.0]), depth_km=50.0) / bjf97_median_pga_g(
        7.0, np.array([0.0]), depth_km=10.0
    )
    assert ratio[0] == pytest.approx((math.hypot(5.57, 30.0) / 5.57) ** -0.778, rel=1e-9)


def test_site_terms_vs30_and_amplification_by_region():
    """Vs30 300 vs 760 m/s multiplies PGA by (300 / 760)^-0.371 = 1.41179; a region's own
    amplification (2.0) replaces the scenario-wide one (1.5) for its nodes only."""
    topo = make_topology(
        [
            {"id": "x", "kind": "exchange", "lat": 0.0, "lon": 0.1, "region": "soft"},
            {"id": "y", "kind": "exchange", "lat": 0.0, "lon": 0.1, "region": "rock"},
        ],
        [],
    )
    arrays = compile_topology(topo)
    base = earthquake_intensity(spec_of(topo, quake()), topo, arrays)
    soft = earthquake_intensity(spec_of(topo, quake(vs30_mps=300.0)), topo, arrays)
    np.testing.assert_allclose(soft / base, 1.41179, rtol=1e-5)
    amplified = quake(site_amplification=1.5, site_amplification_by_region={"soft": 2.0})
    got = earthquake_intensity(spec_of(topo, amplified), topo, arrays)
    np.testing.assert_allclose(got / base, [2.0, 1.5])


def test_rupture_trace_measures_distance_to_the_trace():
    """A site 25 km north of the middle of a 200 km east-west trace is at rjb = 25 km,
    however far the epicentre is; a site beyond the trace's end is measured to the end."""
    half = 100.0 / KM_PER_DEG
    trace = [{"lat": 0.0, "lon": -half}, {"lat": 0.0, "lon": half}]
    lat = np.array([25.0 / KM_PER_DEG, 0.0])
    lon = np.array([0.0, half + 30.0 / KM_PER_DEG])
    d = distance_to_polyline_km(lat, lon, np.array([0.0, 0.0]), np.array([-half, half]))
    np.testing.assert_allclose(d, [25.0, 30.0], rtol=1e-6)
    topo = make_topology([{"id": "s", "kind": "exchange", "lat": lat[0], "lon": 0.0}], [])
    hazard = quake(epicentre={"lat": 0.0, "lon": -half}, rupture_trace=trace)
    pga = earthquake_intensity(spec_of(topo, hazard), topo, compile_topology(topo))
    assert pga[0] == pytest.approx(bjf97_median_pga_g(7.5, np.array([25.0]))[0], rel=1e-6)


# --- fragility library -------------------------------------------------------------------
def documented_fragility() -> dict[str, tuple[tuple[float, float], ...]]:
    """Rows ``| `name` | m (b) | m (b) | m (b) | m (b) | ...`` of the fragility tables."""
    rows = {}
    cell = r"\s*([0-9.]+) \(([0-9.]+)\)\s*\|"
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\| `([a-z_]+)` \|" + cell * 4, line)
        if match:
            values = [float(v) for v in match.groups()[1:]]
            rows[match.group(1)] = tuple(zip(values[::2], values[1::2], strict=True))
    return rows


def library_sets():
    builtin = builtin_fragility()
    return {
        **HAZUS_SUBSTATION,
        "facility": builtin["exchange"],
        "cell_site": builtin["cell_site"],
    }


def test_every_builtin_curve_matches_the_docs_at_three_points():
    """Each curve equals its documented (median, beta): 0.5 at the median and
    Phi(-1) = 0.158655, Phi(1) = 0.841345 at median * exp(-+beta)."""
    documented = documented_fragility()
    sets = library_sets()
    assert set(sets) <= set(documented), set(sets) - set(documented)
    for name, fragility in sets.items():
        for curve, (median, beta) in zip(fragility.curves, documented[name], strict=True):
            assert (curve.median, curve.beta) == (median, beta), name
            x = median * np.exp(np.array([-beta, 0.0, beta]))
            np.testing.assert_allclose(
                curve.probability(x), [0.158655, 0.5, 0.841345], atol=1e-6, err_msg=name
            )


def test_every_builtin_curve_rises_with_pga_and_states_are_ordered():
    x = np.linspace(0.0, 3.0, 601)
    for name, fragility in library_sets().items():
        p = fragility.exceedance(x)
        assert np.all(np.diff(p, axis=0) >= 0), name
        assert np.all(np.diff(p, axis=1) <= 0), name
        medians = [c.median for c in fragility.curves]
        assert medians == sorted(medians), name


def test_every_node_kind_has_curves_and_repair_times():
    node_kinds = {k.value for k in rs.topology.NodeKind}
    assert set(builtin_fragility()) == node_kinds
    assert set(BUILTIN_RESTORATION) == node_kinds


# --- site damage -------------------------------------------------------------------------
def test_site_at_the_epicentre_fails_with_the_documented_probability():
    """4,000 exchanges at the epicentre of a M 7.5, median PGA (no residual): PGA 0.57004 g,
    P(>= moderate) = Phi(ln(0.57004 / 0.35) / 0.6) = Phi(0.81281) = 0.79188.
    Independent draws: binomial SE = sqrt(p (1 - p) / 4000) = 0.00642; allow 4 SE."""
    topo = star(4000)
    hazard = spec_of(topo, quake(pga_variability="median"))
    damage = sample_earthquake(
        hazard, topo, compile_topology(topo), np.random.default_rng(12345), "q"
    )
    p = norm.cdf(math.log(0.5700406 / 0.35) / 0.6)
    assert p == pytest.approx(0.79188, abs=1e-5)
    assert abs(len(damage) / 4000 - p) < 4 * math.sqrt(p * (1 - p) / 4000)
    assert np.all(damage.onset_h == 0.0) and np.all(damage.damage_state >= 2)


def test_sampled_ground_motion_widens_the_fragility_by_the_bjf97_sigma():
    """With sampled residuals ln PGA ~ N(ln 0.57004, 0.184^2 + 0.460^2), so the failure
    probability of one site is Phi(ln(0.57004 / 0.35) / sqrt(0.6^2 + 0.49544^2))
    = Phi(0.62698) = 0.73463. One site per replication (the between-event residual makes
    sites of one replication dependent), 2,000 replications: SE = 0.00987; allow 4 SE
    (the median-PGA probability 0.79188 is 5.8 SE away, so the test tells them apart)."""
    topo = star(1)
    arrays = compile_topology(topo)
    hazard = spec_of(topo, quake())
    rng = np.random.default_rng(7)
    n = 2000
    failed = sum(len(sample_earthquake(hazard, topo, arrays, rng, "q")) for _ in range(n))
    sigma = math.hypot(BJF97_SIGMA_BETWEEN, BJF97_SIGMA_WITHIN)
    p = norm.cdf(math.log(0.5700406 / 0.35) / math.hypot(0.6, sigma))
    assert p == pytest.approx(0.73463, abs=1e-5)
    assert abs(failed / n - p) < 4 * math.sqrt(p * (1 - p) / n)


def test_hardening_and_overrides_change_the_outcome_but_not_the_draws():
    """Same seed: a hardened copy of the network keeps exactly the unhardened failures of
    the other assets (one draw pattern whatever fails); hardening 100 never fails at 0.57 g;
    a fragility override with a tiny median makes every exchange fail."""
    plain = star(200)
    hardened_nodes = [
        {"id": f"n{i}", "kind": "exchange", "lat": 0.0, "lon": 0.0}
        | ({"hardening_factor": 100.0} if i % 2 else {})
        for i in range(200)
    ]
    hardened = make_topology(hardened_nodes, [])
    runs = []
    for topo in (plain, hardened):
        hazard = spec_of(topo, quake())
        runs.append(
            sample_earthquake(hazard, topo, compile_topology(topo), np.random.default_rng(3), "q")
        )
    even_plain = sorted(i for i in runs[0].asset_idx.tolist() if i % 2 == 0)
    assert sorted(runs[1].asset_idx.tolist()) == even_plain
    assert len(even_plain) > 0
    override = quake(fragility={"exchange": {"medians": [1e-4] * 4, "betas": [0.1] * 4}})
    damage = sample_earthquake(
        spec_of(plain, override), plain, compile_topology(plain), np.random.default_rng(3), "q"
    )
    assert len(damage) == 200 and np.all(damage.damage_state == 4)


def test_repair_time_is_drawn_from_the_damage_state_restoration():
    """Fixed restoration times per state show which state each failure drew."""
    topo = star(500)
    restoration = {
        "exchange": {
            "slight": fixed(1.0),
            "moderate": fixed(2.0),
            "extensive": fixed(3.0),
            "complete": fixed(4.0),
        }
    }
    hazard = spec_of(topo, quake(restoration=restoration, failure_state="slight"))
    damage = sample_earthquake(hazard, topo, compile_topology(topo), np.random.default_rng(1), "q")
    np.testing.assert_array_equal(damage.repair_h, damage.damage_state.astype(float))
    assert set(damage.damage_state.tolist()) == {1, 2, 3, 4}


# --- cable faults ------------------------------------------------------------------------
def test_submarine_rates_scale_with_magnitude_and_stop_at_the_last_band():
    """Default bands 0.008 / 0.004 / 0.001 per km to 100 / 300 / 600 km at M 7; x10 per
    magnitude unit, held at M 8; nothing beyond 600 km."""
    topo = star(1)
    d = np.array([0.0, 100.0, 100.01, 300.0, 599.0, 600.01, 5000.0])
    at7 = submarine_faults_per_km(spec_of(topo, quake(magnitude=7.0)), d)
    np.testing.assert_allclose(at7, [0.008, 0.008, 0.004, 0.004, 0.001, 0.0, 0.0])
    at8 = submarine_faults_per_km(spec_of(topo, quake(magnitude=8.0)), d)
    at9 = submarine_faults_per_km(spec_of(topo, quake(magnitude=9.0)), d)
    np.testing.assert_allclose(at8, 10 * at7)
    np.testing.assert_allclose(at9, at8)


def test_cable_inside_the_first_band_gets_poisson_faults_rate_times_km():
    """300 parallel cables from 5 to 95 km east of the epicentre (90 km each, all
    inside the 0-100 km band at 0.03 faults/km): faults per cable ~ Poisson(mean
    0.03 * 90 = 2.70). Over 300 cables x 10 replications the mean has SE
    sqrt(2.70 / 3000) = 0.0300; allow 4 SE. Poisson check: variance / mean within
    4 * sqrt(2 / 3000) = 0.103 of 1."""
    lon0, lon1 = 5.0 / KM_PER_DEG, 95.0 / KM_PER_DEG
    topo = cables(300, lon0, lon1)
    arrays = compile_topology(topo)
    km = float(haversine_km(0.0, lon0, 0.0, lon1))
    hazard = spec_of(
        topo,
        quake(
            magnitude=7.0,
            submarine_cable_faults={"bands": [{"to_km": 100.0, "faults_per_km": 0.03}]},
        ),
    )
    rng = np.random.default_rng(12345)
    counts = []
    for _ in range(10):
        damage = sample_earthquake(hazard, topo, arrays, rng, "q")
        links = damage.asset_idx[damage.has_fault_location()] - arrays.n_nodes
        counts.append(np.bincount(links, minlength=300))
    counts = np.concatenate(counts)
    mean = 0.03 * km
    assert mean == pytest.approx(2.70, abs=1e-9)
    assert abs(counts.mean() - mean) < 4 * math.sqrt(mean / counts.size)
    assert abs(counts.var() / counts.mean() - 1.0) < 4 * math.sqrt(2 / counts.size)


def test_cables_outside_every_band_never_fault():
    topo = cables(50, 700.0 / KM_PER_DEG, 900.0 / KM_PER_DEG)
    arrays = compile_topology(topo)
    hazard = spec_of(topo, quake(magnitude=8.0))
    rng = np.random.default_rng(0)
    for _ in range(20):
        assert not sample_earthquake(hazard, topo, arrays, rng, "q").has_fault_location().any()
    assert earthquake_footprint(hazard, topo, arrays).size == 0


def test_turbidity_faults_lie_on_the_route_and_break_after_the_current_arrives():
    """Every fault is on its cable (lat 0, within its ends) and breaks at
    at_h + distance from the epicentre / 20 km/h (the default current speed)."""
    lon0, lon1 = 50.0 / KM_PER_DEG, 250.0 / KM_PER_DEG
    topo = cables(40, lon0, lon1)
    hazard = spec_of(topo, quake(at_h=5.0, magnitude=7.5))
    damage = sample_earthquake(hazard, topo, compile_topology(topo), np.random.default_rng(2), "q")
    located = damage.has_fault_location()
    assert located.sum() > 20
    lat, lon = damage.fault_lat[located], damage.fault_lon[located]
    np.testing.assert_allclose(lat, 0.0, atol=1e-12)
    assert np.all((lon >= lon0) & (lon <= lon1))
    expected = 5.0 + haversine_km(0.0, 0.0, lat, lon) / 20.0
    np.testing.assert_allclose(damage.onset_h[located], expected, rtol=1e-9)


def test_fibre_fault_mean_matches_the_integral_of_the_rate_along_the_route():
    """Median PGA: the expected breaks on a fibre from 0 to 30 km east of a M 7.5
    epicentre are the integral of 0.2 * Phi(ln(PGA(x) / 0.8) / 0.6) dx (computed with
    quad) = 0.4265. 200 parallel fibres x 10 replications: SE = sqrt(0.4265 / 2000)
    = 0.0146; allow 4 SE (the 1 km pieces' midpoint rule is far inside that)."""
    lon1 = 30.0 / KM_PER_DEG
    topo = cables(200, 0.0, lon1, kind="terrestrial_fiber")
    arrays = compile_topology(topo)
    hazard = spec_of(topo, quake(pga_variability="median"))
    km = float(haversine_km(0.0, 0.0, 0.0, lon1))

    def rate(x_km: float) -> float:
        pga = bjf97_median_pga_g(7.5, np.array([x_km]), 760.0)
        return float(fiber_faults_per_km(hazard, pga)[0])

    mean = quad(rate, 0.0, km)[0]
    assert mean == pytest.approx(0.4265, abs=1e-3)
    rng = np.random.default_rng(99)
    total = 0
    for _ in range(10):
        damage = sample_earthquake(hazard, topo, arrays, rng, "q")
        total += int(damage.has_fault_location().sum())
        assert np.all(damage.onset_h[damage.has_fault_location()] == 0.0)
    n = 200 * 10
    assert abs(total / n - mean) < 4 * math.sqrt(mean / n)


def test_every_fault_is_its_own_repair_job():
    """One cable-repair crew at the landing station, fixed 100 h per repair, travel
    ~zero (2,000 km/h over < 10 km): a cable with k >= 2 faults comes back only after
    all k repairs, i.e. at (last repair end) >= first onset + k * 100 h, and is down in
    between (one fail and one repair event). The seed is chosen so that k == 2."""
    lon1 = 8.0 / KM_PER_DEG
    topo = make_topology(
        [
            {"id": "a", "kind": "landing_station", "lat": 0.0, "lon": 0.0, "hardening_factor": 100},
            {
                "id": "b",
                "kind": "landing_station",
                "lat": 0.0,
                "lon": lon1,
                "hardening_factor": 100,
            },
            {
                "id": "ex",
                "kind": "exchange",
                "lat": 0.0,
                "lon": 0.0,
                "population": 10,
                "hardening_factor": 100,
            },
            {"id": "gw", "kind": "gateway", "lat": 0.0, "lon": lon1, "hardening_factor": 100},
        ],
        [
            {"id": "ex-a", "source": "ex", "target": "a", "kind": "microwave"},
            {"id": "cable", "source": "a", "target": "b", "kind": "submarine_cable"},
            {"id": "b-gw", "source": "b", "target": "gw", "kind": "microwave"},
        ],
    )
    hazard = quake(
        magnitude=7.0,
        submarine_cable_faults={
            "bands": [{"to_km": 100.0, "faults_per_km": 0.25}],
            "turbidity_current_speed_kmh": 1000.0,
        },
    )
    recovery = {
        "crews": [{"depot": "a", "count": 1, "speed_kmh": 2000.0, "kinds": ["submarine_cable"]}],
        "repair_h": {"submarine_cable": fixed(100.0)},
    }
    scenario = scenario_on(topo, hazards=[hazard], recovery=recovery, horizon_h=1000.0)
    arrays = compile_topology(topo)
    for seed in range(50):
        rngs = rs.rng.replication_rngs(rs.rng.replication_seeds(seed, 1)[0])
        faults = sample_hazards(scenario.spec, topo, arrays, rngs["hazards"])[0]
        if faults.has_fault_location().sum() == 2:
            break
    else:
        pytest.fail("no seed below 50 gives exactly two faults")
    onsets = np.sort(faults.onset_h[faults.has_fault_location()])
    result = rs.simulate(scenario, replications=1, seed=seed)
    events = result.events[result.events.asset == "cable"]
    assert events.event.tolist() == ["fail", "repair"]
    fail_h, repair_h = events.time_h.tolist()
    assert fail_h == pytest.approx(onsets[0])
    # two 100 h jobs back to back by one crew, each with < 0.02 h of travel
    assert onsets[0] + 200.0 <= repair_h <= onsets[1] + 200.0 + 0.1


# --- footprint ---------------------------------------------------------------------------
def test_a_quake_that_touches_no_asset_runs_and_says_so():
    """A M 3 quake 2,000 km away: PGA ~ 1e-5 g, no site or cable at any risk. It runs
    (no damage) and the study warns that it touches no asset."""
    topo = cables(2, 0.0, 0.5)
    hazard = quake(magnitude=3.0, epicentre={"lat": 18.0, "lon": 0.0})
    scenario = scenario_on(topo, hazards=[hazard])
    arrays = compile_topology(topo)
    assert earthquake_footprint(scenario.spec.hazards[0], topo, arrays).size == 0
    with pytest.warns(rs.InputWarning, match="touches no asset"):
        messages = warn_unrepairable(scenario.spec, topo, arrays, "q.yaml")
    assert len(messages) == 1 and messages[0].startswith("q.yaml: hazards[0] (earthquake)")
    with pytest.warns(rs.InputWarning, match="touches no asset"):
        result = rs.simulate(scenario, replications=2, seed=0)
    assert len(result.events) == 0


# --- bad input ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"magnitude": 11.0}, "hazards[0].magnitude", "less than or equal to 10"),
        ({"magnitude": -1.0}, "hazards[0].magnitude", "greater than or equal to 0"),
        ({"depth_km": -5.0}, "hazards[0].depth_km", "greater than or equal to 0"),
        ({"vs30_mps": 0.0}, "hazards[0].vs30_mps", "greater than 0"),
        ({"duration_h": 5.0}, "hazards[0].duration_h", "need a repair"),
        ({"rupture_trace": [{"lat": 0, "lon": 0}]}, "hazards[0].rupture_trace", "at least 2"),
        (
            {
                "submarine_cable_faults": {
                    "bands": [
                        {"to_km": 300, "faults_per_km": 0.01},
                        {"to_km": 100, "faults_per_km": 0.01},
                    ]
                }
            },
            "hazards[0].submarine_cable_faults.bands",
            "must increase",
        ),
        (
            {"fragility": {"submarine_cable": {"medians": [1, 2, 3, 4], "betas": [1, 1, 1, 1]}}},
            "hazards[0].fragility",
            "link kinds (submarine_cable)",
        ),
        (
            {"site_amplification_by_region": {"atlantis": 2.0}},
            "hazards[0].site_amplification_by_region.atlantis",
            "no region 'atlantis'",
        ),
        ({"epicentre": {"lat": 95, "lon": 0}}, "hazards[0].epicentre.lat", "less than or equal"),
    ],
)
def test_bad_input_names_the_field(line, fields, field, message):
    with pytest.raises(rs.InputError) as info:
        scenario_on(line, hazards=[quake(**fields)])
    text = str(info.value)
    assert f"<scenario>: {field}: " in text, text
    assert message in text, text
