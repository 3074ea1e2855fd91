"""Hazard ``flood``: water depth by hand, polygons, run-up decay, tsunami timing, bad input.

Depth = water level - node elevation (docs/hazards/flood.md); every expected value
below is worked out by hand in the test's docstring or comment.
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
from resilience_sim.hazards import warn_unrepairable
from resilience_sim.hazards.flood import (
    FRAGILITY,
    LIBRARY_TABLE,
    RESTORATION,
    TSUNAMI_FRAGILITY,
    distance_to_coast_km,
    flood_footprint,
    flood_intensity,
    flood_onset_h,
    in_polygon,
    sample_flood,
    tsunami_speed_kmh,
)
from resilience_sim.topology import compile_topology

DOC = Path(__file__).resolve().parents[1] / "docs" / "hazards" / "flood.md"
KM_PER_DEG = EARTH_RADIUS_KM * np.pi / 180.0
SQUARE = [[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.0], [0.0, 0.0]]
STATES = ("slight", "moderate", "extensive", "complete")


def nodes_topology(specs, links=()):
    """Nodes from ``(lat, lon, elevation_m[, kind])`` tuples, ids n0, n1, ..."""
    nodes = [
        {
            "id": f"n{i}",
            "kind": s[3] if len(s) > 3 else "exchange",
            "lat": s[0],
            "lon": s[1],
            "elevation_m": s[2],
            "region": s[4] if len(s) > 4 else "r",
        }
        for i, s in enumerate(specs)
    ]
    return make_topology(nodes, list(links))


def flood(**fields) -> dict:
    return {"type": "flood", "source": "river", **fields}


def hazard_on(topology, hazard: dict):
    return scenario_on(topology, hazards=[hazard]).spec.hazards[0]


def depth_of(topology, hazard: dict) -> np.ndarray:
    return flood_intensity(hazard_on(topology, hazard), topology, compile_topology(topology))


# --- Water depth -------------------------------------------------------------------------------


def test_depth_in_a_polygon_is_level_minus_elevation():
    """Level 3 m: inside at 1 m -> 2 m deep; inside at 5 m -> dry (0); inside at -0.5 m
    (below datum) -> 3.5 m; outside -> 0 whatever the elevation."""
    topo = nodes_topology([(0.5, 0.5, 1.0), (0.5, 0.6, 5.0), (0.2, 0.2, -0.5), (2.0, 2.0, -3.0)])
    depth = depth_of(topo, flood(polygon=SQUARE, water_level_m=3.0))
    assert depth.tolist() == [2.0, 0.0, 3.5, 0.0]


def test_regions_flood_every_node_of_the_region():
    topo = nodes_topology(
        [
            (0.5, 0.5, 1.0, "exchange", "low"),
            (30.0, 30.0, 0.0, "exchange", "low"),
            (0, 0, 0, "exchange", "high"),
        ]
    )
    depth = depth_of(topo, flood(regions=["low"], water_level_m=2.0))
    assert depth.tolist() == [1.0, 2.0, 0.0]


def test_links_are_not_assessed():
    topo = nodes_topology(
        [(0.5, 0.5, 0.0), (0.6, 0.6, 0.0)],
        [{"id": "f", "source": "n0", "target": "n1", "kind": "terrestrial_fiber"}],
    )
    depth = depth_of(topo, flood(polygon=SQUARE, water_level_m=10.0))
    assert depth[:2].tolist() == [10.0, 10.0] and np.isnan(depth[2])


def test_point_in_polygon_concave_and_across_the_antimeridian():
    """An L shape (the unit square minus its upper-right quarter): the notch is outside.
    A box from 179 E to 179 W contains points either side of 180, not 178 E."""
    ell = np.array([[0, 0], [0, 1], [0.5, 1], [0.5, 0.5], [1, 0.5], [1, 0], [0, 0]], float)
    lat = np.array([0.25, 0.75, 0.25, 0.75, 0.5, np.nan])
    lon = np.array([0.25, 0.25, 0.75, 0.75, 1.5, 0.5])
    assert in_polygon(lat, lon, ell).tolist() == [True, True, True, False, False, False]
    box = np.array([[-1, 179], [-1, -179], [1, -179], [1, 179], [-1, 179]], float)
    got = in_polygon(np.zeros(4), np.array([179.5, -179.5, 178.0, -178.0]), box)
    assert got.tolist() == [True, True, False, False]


def test_runup_falls_linearly_inland():
    """Coast along the equator from 0 to 1 E; runup 10 m, inundation distance 2 km.
    0.5 km inland at 2 m: level 10 (1 - 0.25) = 7.5, depth 5.5. 1.5 km inland at 0 m:
    level 2.5, depth 2.5. 2.5 km inland at -1 m (below datum): beyond reach, dry.
    0.1 km inland at 12 m: level 9.5, dry."""
    topo = nodes_topology(
        [
            (0.5 / KM_PER_DEG, 0.5, 2.0),
            (1.5 / KM_PER_DEG, 0.3, 0.0),
            (2.5 / KM_PER_DEG, 0.5, -1.0),
            (0.1 / KM_PER_DEG, 0.5, 12.0),
        ]
    )
    hazard = flood(
        source="tsunami", coast=[[0.0, 0.0], [0.0, 1.0]], runup_m=10.0, inundation_distance_km=2.0
    )
    np.testing.assert_allclose(depth_of(topo, hazard), [5.5, 2.5, 0.0, 0.0], atol=1e-6)


def test_distance_to_coast_is_great_circle_to_the_nearest_point():
    """Coast: along the meridian 120 E from 10 N to 11 N, then to (11.5 N, 121 E).
    A point 0.05 deg east of the meridian at 10.5 N is R asin(cos 10.5 sin 0.05) from it
    (a meridian is a great circle); a point south of the first vertex is nearest to that
    vertex; a single coast point works; a point far beyond the reach is skipped (inf)."""
    coast = np.array([[10.0, 120.0], [11.0, 120.0], [11.5, 121.0]])
    lat = np.array([10.5, 9.8, 30.0])
    lon = np.array([120.05, 120.1, 120.0])
    d = distance_to_coast_km(lat, lon, coast, reach_km=200.0)
    cross = EARTH_RADIUS_KM * np.arcsin(np.cos(np.radians(10.5)) * np.sin(np.radians(0.05)))
    assert d[0] == pytest.approx(cross, rel=1e-9)
    assert d[1] == pytest.approx(float(haversine_km(9.8, 120.1, 10.0, 120.0)), rel=1e-9)
    assert d[2] == np.inf
    single = distance_to_coast_km(lat[:1], lon[:1], coast[:1], reach_km=200.0)
    assert single[0] == pytest.approx(float(haversine_km(10.5, 120.05, 10.0, 120.0)))


# --- Timing ------------------------------------------------------------------------------------


def test_tsunami_arrives_later_at_farther_sites():
    """Shallow-water speed sqrt(9.80665 * 4000) = 198.06 m/s = 713.0 km/h by default.
    Sites 100, 500 and 1000 km east of the origin on the equator arrive at at_h + d / v."""
    assert tsunami_speed_kmh(
        hazard_on(
            nodes_topology([(0, 0, 0)]),
            flood(source="tsunami", polygon=SQUARE, water_level_m=1, origin={"lat": 0, "lon": 0}),
        )
    ) == pytest.approx(np.sqrt(9.80665 * 4000.0) * 3.6)
    d_km = np.array([100.0, 500.0, 1000.0])
    topo = nodes_topology([(0.0, d / KM_PER_DEG, 0.0) for d in d_km])
    arrays = compile_topology(topo)
    base = {"source": "tsunami", "regions": ["r"], "water_level_m": 5.0, "at_h": 2.0}
    origin = {"lat": 0.0, "lon": 0.0}
    h = hazard_on(topo, flood(**base, origin=origin))
    expected = 2.0 + d_km / (np.sqrt(9.80665 * 4000.0) * 3.6)
    np.testing.assert_allclose(flood_onset_h(h, arrays), expected, rtol=1e-9)
    h = hazard_on(topo, flood(**base, origin=origin, speed_kmh=500.0))
    np.testing.assert_allclose(flood_onset_h(h, arrays), 2.0 + d_km / 500.0, rtol=1e-9)
    h = hazard_on(topo, flood(**base, origin=origin, ocean_depth_m=1000.0))
    speed = np.sqrt(9.80665 * 1000.0) * 3.6
    np.testing.assert_allclose(flood_onset_h(h, arrays), 2.0 + d_km / speed, rtol=1e-9)
    damage = sample_flood(h, topo, arrays, np.random.default_rng(0), "t")
    assert np.all(np.diff(damage.onset_h) > 0)  # 5 m deep: all fail, in distance order


def test_river_flood_strikes_at_at_h(rng):
    topo = nodes_topology([(0.5, 0.5, 0.0), (0.2, 0.8, 0.0)])
    h = hazard_on(topo, flood(polygon=SQUARE, water_level_m=5.0, at_h=7.5))
    damage = sample_flood(h, topo, compile_topology(topo), rng, "f")
    assert damage.onset_h.tolist() == [7.5, 7.5]


# --- Fragility and statistics ------------------------------------------------------------------


def test_failure_share_at_a_known_depth_matches_the_curve():
    """4,000 exchanges 0.3 m under water (level 1.3 m, elevation 1 m): the built-in
    moderate median, P(>= moderate) = 0.5; standard error sqrt(0.25 / 4000) = 0.0079, we
    allow 4 (two-sided false alarm 6e-5). 4,000 cell sites 1 m deep: P(>= moderate) =
    Phi(ln(1 / 0.5) / 0.4) = 0.9584, SE 0.0032, 4 SE."""
    n = 4000
    for kind, level, p in (("exchange", 1.3, 0.5), ("cell_site", 2.0, ndtr(np.log(2.0) / 0.4))):
        topo = nodes_topology([(0.5, 0.5, 1.0, kind)] * n)
        h = hazard_on(topo, flood(polygon=SQUARE, water_level_m=level))
        damage = sample_flood(h, topo, compile_topology(topo), np.random.default_rng(99), "f")
        assert abs(len(damage) / n - p) < 4 * np.sqrt(p * (1 - p) / n)


def test_tsunami_curves_halve_the_severe_medians():
    """Tsunami flow: extensive and complete medians x 0.5 (never below moderate)."""
    for kind, (medians, _, _) in LIBRARY_TABLE.items():
        got = [c.median for c in TSUNAMI_FRAGILITY[kind].curves]
        m = medians
        assert got == [m[0], m[1], max(m[1], 0.5 * m[2]), max(m[1], 0.5 * m[3])]


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
    """Every curve: as documented, 0.5 at its median, Phi(-1) and Phi(1) one beta either
    side (three points), non-decreasing in depth, zero when dry."""
    assert _documented_library() == LIBRARY_TABLE
    x = np.linspace(0.0, 10.0, 1001)
    for library in (FRAGILITY, TSUNAMI_FRAGILITY):
        for kind, fragility in library.items():
            for curve in fragility.curves:
                m, b = curve.median, curve.beta
                at = curve.probability(np.array([m * np.exp(-b), m, m * np.exp(b)]))
                np.testing.assert_allclose(at, [ndtr(-1.0), 0.5, ndtr(1.0)], rtol=1e-12)
                p = curve.probability(x)
                assert p[0] == 0.0 and np.all(np.diff(p) >= 0)
            assert [c.beta for c in fragility.curves] == [LIBRARY_TABLE[kind][1]] * 4
    for kind, (medians, _, repair) in LIBRARY_TABLE.items():
        assert [c.median for c in FRAGILITY[kind].curves] == list(medians)
        assert tuple(getattr(RESTORATION[kind], s).median_h for s in STATES) == repair


def test_two_draws_per_node_whatever_fails():
    topo = nodes_topology([(0.5, 0.5, 0.0)] * 3 + [(5.0, 5.0, 0.0)] * 2)
    arrays = compile_topology(topo)
    for level in (0.0, 50.0):
        rng = np.random.default_rng(3)
        sample_flood(
            hazard_on(topo, flood(polygon=SQUARE, water_level_m=level)), topo, arrays, rng, "f"
        )
        reference = np.random.default_rng(3)
        reference.random(10)
        assert rng.random() == reference.random()


def test_deep_water_destroys_and_repair_times_follow_the_state(rng):
    """10 m deep: every node reaches complete (median 2 m, beta 0.4: P = Phi(4.0)); the
    fixed restoration override gives the repair time; nothing on the link."""
    topo = nodes_topology(
        [(0.5, 0.5, 0.0), (0.6, 0.6, 0.0, "landing_station")],
        [{"id": "c", "source": "n0", "target": "n1", "kind": "submarine_cable"}],
    )
    fixed = {"dist": "fixed", "value_h": 99.0}
    h = hazard_on(
        topo,
        flood(
            polygon=SQUARE,
            water_level_m=10.0,
            restoration={"landing_station": dict.fromkeys(STATES, fixed)},
        ),
    )
    damage = sample_flood(h, topo, compile_topology(topo), rng, "f")
    assert damage.asset_idx.tolist() == [0, 1]
    assert damage.damage_state.tolist() == [4, 4]
    assert damage.repair_h[1] == 99.0 and np.isnan(damage.fault_lat).all()


# --- Footprint and end to end -------------------------------------------------------------------


def test_flood_touching_nothing_runs_and_says_so():
    topo = make_topology(
        [
            {"id": "ex", "kind": "exchange", "lat": 0.5, "lon": 0.5, "elevation_m": 20.0},
            {"id": "cell", "kind": "cell_site", "lat": 0.6, "lon": 0.6, "population": 10},
        ],
        [{"id": "l", "source": "ex", "target": "cell", "kind": "microwave"}],
    )
    # the polygon holds only ex, which stands 20 m above the 3 m flood
    poly = [[0.4, 0.4], [0.4, 0.55], [0.55, 0.55], [0.55, 0.4], [0.4, 0.4]]
    scenario = scenario_on(topo, hazards=[flood(polygon=poly, water_level_m=3.0)])
    arrays = compile_topology(topo)
    assert len(flood_footprint(scenario.spec.hazards[0], topo, arrays)) == 0
    with pytest.warns(InputWarning, match="touches no asset"):
        messages = warn_unrepairable(scenario.spec, topo, arrays, "s.yaml")
    assert messages == ["s.yaml: hazards[0] (flood): its footprint touches no asset"]
    with pytest.warns(InputWarning, match=r"test scenario: hazards\[0\] \(flood\): its footprint"):
        result = rs.simulate(scenario, replications=2, seed=1)
    assert len(result.events) == 0


# --- Bad input ---------------------------------------------------------------------------------

COAST = {"coast": [[0, 0], [0, 1]], "runup_m": 5.0, "inundation_distance_km": 1.0}


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"polygon": SQUARE[:-1], "water_level_m": 1}, "hazards[0].polygon", "does not close"),
        (
            {"polygon": [[0, 0], [0, 1], [0, 0]], "water_level_m": 1},
            "hazards[0].polygon",
            "at least 3",
        ),
        ({"polygon": SQUARE}, "hazards[0].water_level_m", "required"),
        ({"polygon": SQUARE, "water_level_m": 1, **COAST}, "hazards[0].polygon", "give either"),
        ({}, "hazards[0].polygon", "give either"),
        ({**COAST, "runup_m": 0.0}, "hazards[0].runup_m", "greater than 0"),
        (
            {**COAST, "inundation_distance_km": -1.0},
            "hazards[0].inundation_distance_km",
            "greater than 0",
        ),
        ({"coast": [[0, 0]], "runup_m": 5.0}, "hazards[0].inundation_distance_km", "required"),
        (
            {**COAST, "origin": {"lat": 0, "lon": 0}},
            "hazards[0].origin",
            "only for source: tsunami",
        ),
        (
            {**COAST, "source": "tsunami", "origin": {"lat": 0, "lon": 0}, "ocean_depth_m": -5},
            "hazards[0].ocean_depth_m",
            "greater than 0",
        ),
        ({**COAST, "source": "tsunami", "speed_kmh": 700}, "hazards[0].origin", "required"),
        ({**COAST, "source": "lava"}, "hazards[0].source", "Input should be"),
        (
            {"regions": ["r"], "polygon": SQUARE, "water_level_m": 1},
            "hazards[0].regions",
            "not both",
        ),
    ],
)
def test_impossible_parameters_are_rejected_naming_the_field(fields, field, message):
    topo = nodes_topology([(0.5, 0.5, 0.0)])
    with pytest.raises(rs.InputError) as info:
        scenario_on(topo, hazards=[flood(**fields)])
    problems = [(p.field, p.message) for p in info.value.problems]
    assert any(f == field and message in m for f, m in problems), problems
