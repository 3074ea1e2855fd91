"""Capacity-aware routing: widest paths with latency as the tie-break, worked by hand."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_topology, scenario_on

from resilience_sim import simulate
from resilience_sim.engine.routing import MS_PER_KM, link_latency_ms
from resilience_sim.engine.traffic import route_traffic
from resilience_sim.topology import compile_topology


def island(cable_gbps: float = 100.0):
    """gw (international) - ls (landing) by a submarine cable of `cable_gbps` (10 ms),
    ls - town by fibre (1 ms); town (core exchange, 10 Gbit/s demand) can also get a
    1 Gbit/s GEO satellite terminal straight to gw (280 ms): 1 hop against 2."""
    nodes = [
        {"id": "gw", "kind": "gateway"},
        {"id": "ls", "kind": "landing_station"},
        {"id": "town", "kind": "exchange", "population": 1000, "demand_gbps": 10.0},
    ]
    links = [
        {
            "id": "cable",
            "source": "gw",
            "target": "ls",
            "kind": "submarine_cable",
            "capacity_gbps": cable_gbps,
            "latency_ms": 10.0,
        },
        {
            "id": "fibre",
            "source": "ls",
            "target": "town",
            "kind": "terrestrial_fiber",
            "capacity_gbps": 100.0,
            "latency_ms": 1.0,
        },
    ]
    return make_topology(nodes, links, "island")


def repaired_cable_scenario(routing: str):
    """The cable is cut at 0 and back at 100 h; the satellite terminal works from 24 h."""
    return scenario_on(
        island(),
        horizon_h=200.0,
        hazards=[{"type": "asset_failure", "assets": ["cable"], "duration_h": 100.0}],
        recovery={
            "stopgaps": [
                {"type": "satellite_gateway", "node": "town", "after_h": 24.0, "capacity_gbps": 1.0}
            ]
        },
        service={"routing": routing},
    )


def test_traffic_leaves_the_satellite_stopgap_after_the_cable_repair():
    """Rows at 0, 24, 100 h. Routed share of the 10 Gbit/s: 0 (no path), 1/10 (satellite),
    then with hop-count routing still 1/10 (the 1-hop satellite beats the 2-hop cable),
    with widest routing 1 (bottleneck 100 Gbit/s over the cable against 1)."""
    shortest = simulate(repaired_cable_scenario("shortest")).timeline
    widest = simulate(repaired_cable_scenario("widest")).timeline
    assert widest.time_h.tolist() == [0.0, 24.0, 100.0]
    assert shortest.served_international_routed_frac.tolist() == pytest.approx([0.0, 0.1, 0.1])
    assert widest.served_international_routed_frac.tolist() == pytest.approx([0.0, 0.1, 1.0])
    # max-flow (ideal routing) is the same in both: 0, 0.1, then all (the satellite adds 1)
    for tl in (shortest, widest):
        assert tl.served_international_capacity_frac.tolist() == pytest.approx([0.0, 0.1, 1.0])
    # latency: nothing routed, then 280 ms over GEO, then 10 + 1 ms over the cable
    latency = widest.international_latency_ms.tolist()
    assert np.isnan(latency[0]) and latency[1:] == pytest.approx([280.0, 11.0])
    assert "international_latency_ms" not in shortest.columns  # default: only with widest


def test_latency_column_with_shortest_routing_when_asked():
    scenario = scenario_on(
        island(),
        horizon_h=200.0,
        hazards=[{"type": "asset_failure", "assets": ["cable"], "duration_h": 100.0}],
        recovery=repaired_cable_scenario("shortest").spec.recovery.model_dump(),
        service={"report_latency": True},
    )
    latency = simulate(scenario).timeline.international_latency_ms.tolist()
    assert latency[1:] == pytest.approx([280.0, 280.0])  # stays on the satellite


def diamond():
    """G (gateway) to T by two 2-hop routes and a thin direct link:
    G-A-T: 40 and 40 Gbit/s, 5 + 5 ms; G-B-T: 40 and 40 Gbit/s, 2 + 2 ms;
    G-T: 10 Gbit/s, 1 ms. T has 30 Gbit/s of demand, A and B none."""
    nodes = [
        {"id": "G", "kind": "gateway"},
        {"id": "A", "kind": "aggregation"},
        {"id": "B", "kind": "aggregation"},
        {"id": "T", "kind": "exchange", "demand_gbps": 30.0},
    ]

    def link(a, b, gbps, ms):
        return {
            "id": f"{a}-{b}",
            "source": a,
            "target": b,
            "kind": "terrestrial_fiber",
            "capacity_gbps": gbps,
            "latency_ms": ms,
        }

    links = [
        link("G", "A", 40.0, 5.0),
        link("A", "T", 40.0, 5.0),
        link("G", "B", 40.0, 2.0),
        link("B", "T", 40.0, 2.0),
        link("G", "T", 10.0, 1.0),
    ]
    return make_topology(nodes, links, "diamond")


def test_widest_path_breaks_ties_by_latency():
    """Widest bottleneck to T is 40 (via A or B); of those, via B is 4 ms against 10 ms.
    Hop count would take the direct 10 Gbit/s link: 10 / 30 delivered."""
    arrays = compile_topology(diamond())
    demand = np.array([0.0, 0.0, 0.0, 30.0])
    up = np.ones(arrays.n_assets, dtype=bool)
    widest = route_traffic(arrays, up, demand, routing="widest", with_latency=True)
    assert widest.through_gbps.tolist() == [30.0, 0.0, 30.0, 30.0]  # G, A, B, T
    assert widest.carried_frac == pytest.approx(1.0)
    assert widest.latency_ms.tolist() == pytest.approx([0.0, 5.0, 2.0, 4.0])
    assert widest.mean_latency_ms == pytest.approx(4.0)
    shortest = route_traffic(arrays, up, demand, with_latency=True)
    assert shortest.carried_frac == pytest.approx(10.0 / 30.0)
    assert shortest.mean_latency_ms == pytest.approx(1.0)
    up[arrays.asset_index["B-T"]] = False  # the widest route now goes via A
    widest = route_traffic(arrays, up, demand, routing="widest", with_latency=True)
    assert widest.through_gbps.tolist() == [30.0, 30.0, 0.0, 30.0]
    assert widest.mean_latency_ms == pytest.approx(10.0)


def test_widest_routing_congests_when_the_widest_path_is_too_thin():
    """Only the G-T link (10 Gbit/s) left: 10 of 30 delivered, as hop-count routing."""
    arrays = compile_topology(diamond())
    demand = np.array([0.0, 0.0, 0.0, 30.0])
    up = np.ones(arrays.n_assets, dtype=bool)
    up[arrays.asset_index["A"]] = up[arrays.asset_index["B"]] = False
    widest = route_traffic(arrays, up, demand, routing="widest")
    assert widest.delivered_share.tolist() == pytest.approx([1.0, 0.0, 0.0, 1.0 / 3.0])


def test_link_latency_from_length_when_not_given():
    """4.897 us per km in fibre (group index 1.468): 1,000 km is 4.897 ms."""
    got = link_latency_ms(np.array([7.0, np.nan, np.nan]), np.array([50.0, 1000.0, np.nan]))
    assert got[0] == 7.0 and got[2] == 0.0
    assert got[1] == pytest.approx(4.8967, abs=1e-4) == 1000 * MS_PER_KM


def test_parallel_links_form_one_bundle_with_capacity_weighted_latency():
    """Two parallel links G-T: 30 Gbit/s at 10 ms and 10 Gbit/s at 50 ms: one bundle of
    40 Gbit/s, latency (30 x 10 + 10 x 50) / 40 = 20 ms."""
    nodes = [{"id": "G", "kind": "gateway"}, {"id": "T", "kind": "exchange", "demand_gbps": 40.0}]
    links = [
        {
            "id": f"p{i}",
            "source": "G",
            "target": "T",
            "kind": "terrestrial_fiber",
            "capacity_gbps": c,
            "latency_ms": ms,
        }
        for i, (c, ms) in enumerate([(30.0, 10.0), (10.0, 50.0)])
    ]
    arrays = compile_topology(make_topology(nodes, links))
    up = np.ones(arrays.n_assets, dtype=bool)
    routed = route_traffic(arrays, up, np.array([0.0, 40.0]), routing="widest", with_latency=True)
    assert routed.carried_frac == pytest.approx(1.0)
    assert routed.mean_latency_ms == pytest.approx(20.0)


def test_report_draws_the_latency_curve_only_when_recorded(tmp_path):
    from resilience_sim.experiments.results import write_run
    from resilience_sim.reports.html import write_report

    widest = write_report(write_run(simulate(repaired_cable_scenario("widest")), tmp_path / "w"))
    plain = write_report(write_run(simulate(repaired_cable_scenario("shortest")), tmp_path / "s"))
    assert "latency-curve" in widest.read_text()
    assert "latency-curve" not in plain.read_text()
