"""Hazards of the foundation: which assets a regional outage or asset failure takes."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_topology, scenario_on

from resilience_sim.geo import haversine_km
from resilience_sim.hazards import affected_assets, sample_hazards
from resilience_sim.topology import compile_topology


def ids(arrays, idx):
    return sorted(arrays.asset_ids[idx].tolist())


def test_regional_outage_by_region_takes_nodes_and_inner_links(line):
    scenario = scenario_on(line, hazards=[{"type": "regional_outage", "regions": ["r2"]}])
    arrays = compile_topology(line)
    got = affected_assets(scenario.spec.hazards[0], line, arrays)
    # b, c are in r2; l-b-c has both ends there; l-a-b has only one.
    assert ids(arrays, got) == ["b", "c", "l-b-c"]


def test_regional_outage_kind_filter(line):
    scenario = scenario_on(
        line, hazards=[{"type": "regional_outage", "regions": ["r2"], "kinds": ["microwave"]}]
    )
    arrays = compile_topology(line)
    assert ids(arrays, affected_assets(scenario.spec.hazards[0], line, arrays)) == ["l-b-c"]


def test_regional_outage_radius_uses_great_circle_distance(line):
    # Points are 0.1 deg of longitude (11.12 km) apart on the equator. A 12 km circle
    # around b (0, 0.3) holds a, b, c, and every link with a point inside: all but gw-ex.
    km = float(haversine_km(0, 0.3, 0, 0.4))
    assert km == pytest.approx(11.119, abs=1e-3)
    scenario = scenario_on(
        line,
        hazards=[
            {"type": "regional_outage", "center": {"lat": 0.0, "lon": 0.3}, "radius_km": 12.0}
        ],
    )
    arrays = compile_topology(line)
    got = ids(arrays, affected_assets(scenario.spec.hazards[0], line, arrays))
    assert got == ["a", "b", "c", "l-a-b", "l-b-c", "l-ex-a"]


def test_regional_outage_radius_catches_a_cable_by_its_route():
    # A cable between two far nodes whose route passes 5 km from the centre.
    topo = make_topology(
        [
            {"id": "x", "kind": "landing_station", "lat": -20.0, "lon": 170.0},
            {"id": "y", "kind": "landing_station", "lat": -20.0, "lon": 180.0},
        ],
        [
            {
                "id": "cable",
                "source": "x",
                "target": "y",
                "kind": "submarine_cable",
                "route": [[-20.0, 170.0], [-21.0, 175.0], [-20.0, 180.0]],
            }
        ],
    )
    scenario = scenario_on(
        topo,
        hazards=[
            {"type": "regional_outage", "center": {"lat": -21.04, "lon": 175.0}, "radius_km": 10.0}
        ],
    )
    arrays = compile_topology(topo)
    assert ids(arrays, affected_assets(scenario.spec.hazards[0], topo, arrays)) == ["cable"]


def test_named_asset_failure_and_onset_time(line, rng):
    scenario = scenario_on(
        line, hazards=[{"type": "asset_failure", "assets": ["l-a-b", "c"], "at_h": 3.5}]
    )
    arrays = compile_topology(line)
    (damage,) = sample_hazards(scenario.spec, line, arrays, rng)
    assert ids(arrays, damage.asset_idx) == ["c", "l-a-b"]
    assert damage.onset_h.tolist() == [3.5, 3.5]
    assert np.isnan(damage.duration_h).all()
    assert damage.cause == "hazards[0]:asset_failure"


def test_random_failure_only_touches_the_kind(line, rng):
    scenario = scenario_on(
        line, hazards=[{"type": "asset_failure", "kind": "cell_site", "fraction": 1.0}]
    )
    arrays = compile_topology(line)
    (damage,) = sample_hazards(scenario.spec, line, arrays, rng)
    assert ids(arrays, damage.asset_idx) == ["a", "b", "c"]
