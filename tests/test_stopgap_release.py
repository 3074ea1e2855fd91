"""Stopgap retirement: release on permanent repair and redeployment, traced by hand."""

from __future__ import annotations

import pytest
from conftest import fixed, make_topology, scenario_on

from resilience_sim import simulate


def two_islands():
    """gw (international); island 1: ls1 - town1 by cable c1 (gw-ls1) and fibre f1;
    island 2: ls2 - town2 by cable c2 and fibre f2. 10 Gbit/s demand per town."""
    nodes = [{"id": "gw", "kind": "gateway"}]
    links = []
    for k in (1, 2):
        nodes += [
            {"id": f"ls{k}", "kind": "landing_station", "region": f"island{k}"},
            {
                "id": f"town{k}",
                "kind": "exchange",
                "population": 1000,
                "demand_gbps": 10.0,
                "region": f"island{k}",
            },
        ]
        links += [
            {"id": f"c{k}", "source": "gw", "target": f"ls{k}", "kind": "submarine_cable"},
            {"id": f"f{k}", "source": f"ls{k}", "target": f"town{k}", "kind": "terrestrial_fiber"},
        ]
    return make_topology(nodes, links, "two islands")


def terminal_scenario(**terminal):
    """c1 cut 0-100 h, c2 cut 0-300 h; one 1 Gbit/s terminal arriving at town1 at 24 h."""
    return scenario_on(
        two_islands(),
        horizon_h=400.0,
        hazards=[
            {"type": "asset_failure", "assets": ["c1"], "duration_h": 100.0},
            {"type": "asset_failure", "assets": ["c2"], "duration_h": 300.0},
        ],
        recovery={
            "stopgaps": [
                {
                    "type": "satellite_gateway",
                    "node": "town1",
                    "after_h": 24.0,
                    "capacity_gbps": 1.0,
                    **terminal,
                }
            ]
        },
    )


def trace(result):
    ev = result.events
    return [(t, a, e) for t, a, e in zip(ev.time_h, ev.asset, ev.event, strict=True)]


def test_terminal_is_released_when_the_cable_returns():
    result = simulate(terminal_scenario(release="on_restore"))
    assert trace(result) == [
        (0.0, "c1", "fail"),
        (0.0, "c2", "fail"),
        (24.0, "stopgap-0-town1-satellite", "repair"),
        (100.0, "c1", "repair"),
        (100.0, "stopgap-0-town1-satellite", "stopgap_released"),
        (300.0, "c2", "repair"),
    ]
    cause = result.events.cause.tolist()
    assert cause[2] == "stopgap stopgap-0-town1-satellite deployed"
    assert cause[4] == "stopgap stopgap-0-town1-satellite released: town1 served"
    tl = result.timeline
    # 100 h: town1 back on its cable, the terminal gone: satellite share 0, town1's half
    assert tl.time_h.tolist() == [0.0, 24.0, 100.0, 300.0]
    assert tl.satellite_share.tolist()[1:3] == pytest.approx([1.0, 0.0])
    assert tl.served_international_capacity_frac.tolist() == pytest.approx(
        [0.0, 1.0 / 20.0, 10.0 / 20.0, 1.0]
    )


def test_without_release_the_terminal_stays_to_the_horizon():
    result = simulate(terminal_scenario())
    assert "stopgap_released" not in result.events.event.tolist()
    # from 100 h it idles at town1 (on its cable again) while town2 has nothing: 10 / 20
    tl = result.timeline
    assert tl.served_international_capacity_frac.iloc[2] == pytest.approx(10.0 / 20.0)
    assert tl.served_international_frac.iloc[2] == 0.5


def test_released_terminal_moves_to_the_next_site_in_need():
    """Released at 100 h, 24 h to move: at town2 from 124 h until c2 returns at 300 h."""
    result = simulate(terminal_scenario(release="on_restore", redeploy_to=["town2"]))
    assert trace(result)[3:] == [
        (100.0, "c1", "repair"),
        (100.0, "stopgap-0-town1-satellite", "stopgap_released"),
        (124.0, "stopgap-0-town2-satellite", "repair"),
        (300.0, "c2", "repair"),
        (300.0, "stopgap-0-town2-satellite", "stopgap_released"),
    ]
    tl = result.timeline.set_index("time_h")
    assert tl.served_international_frac[124.0] == 1.0  # both towns reach gw again
    assert tl.served_international_capacity_frac[124.0] == pytest.approx(11.0 / 20.0)


def test_a_terminal_with_no_site_in_need_waits_in_reserve():
    """Arriving at 150 h, after c1 is back: it goes straight to town2 (first site in need)."""
    result = simulate(terminal_scenario(release="on_restore", redeploy_to=["town2"], after_h=150.0))
    assert trace(result)[2:4] == [
        (100.0, "c1", "repair"),
        (150.0, "stopgap-0-town2-satellite", "repair"),
    ]


def test_redeploy_needs_release():
    from resilience_sim.errors import InputError

    with pytest.raises(InputError) as caught:
        terminal_scenario(redeploy_to=["town2"])
    assert "redeploy_to" in str(caught.value)


def cell_region():
    """ex - s1 (30 users), ex - s2 (10 users), both in region r."""
    nodes = [
        {"id": "ex", "kind": "exchange", "region": "r"},
        {"id": "s1", "kind": "cell_site", "population": 30, "region": "r"},
        {"id": "s2", "kind": "cell_site", "population": 10, "region": "r"},
    ]
    links = [
        {"id": f"l{i}", "source": "ex", "target": f"s{i}", "kind": "microwave"} for i in (1, 2)
    ]
    return make_topology(nodes, links, "cells")


def test_cell_on_wheels_moves_to_the_next_failed_site():
    """Both sites damaged at 0; one crew (no travel, 10 h per repair, fifo) repairs s1 by
    10 h and s2 by 20 h. The unit arrives at 2 h at s1 (more users), is released when s1 is
    repaired at 10 h, and covers s2 from 14 h (4 h move) until its repair at 20 h. s1's
    repair itself shows no event: the site was already working under the cover."""
    scenario = scenario_on(
        cell_region(),
        hazards=[{"type": "asset_failure", "assets": ["s1", "s2"]}],
        recovery={
            "crews": [{"depot": "ex", "count": 1}],
            "repair_h": {"cell_site": fixed(10.0)},
            "stopgaps": [
                {
                    "type": "cell_on_wheels",
                    "region": "r",
                    "units": 1,
                    "after_h": 2.0,
                    "redeploy": True,
                }
            ],
        },
    )
    result = simulate(scenario)
    assert [(round(t, 6), a, e) for t, a, e in trace(result)] == [
        (0.0, "s1", "fail"),
        (0.0, "s2", "fail"),
        (2.0, "s1", "repair"),
        (10.0, "s1", "stopgap_released"),
        (14.0, "s2", "repair"),
        (20.0, "s2", "stopgap_released"),
    ]


def test_report_counts_stopgap_deployments_and_releases(tmp_path):
    from resilience_sim.experiments.results import write_run
    from resilience_sim.reports.html import write_report

    result = simulate(terminal_scenario(release="on_restore", redeploy_to=["town2"]))
    page = write_report(write_run(result, tmp_path)).read_text()
    assert "stopgaps: 2 deployed or taking over a site, 2 released" in page
    assert "stopgap_released" in page


def test_terminal_stays_while_its_site_is_down():
    """town1 itself is down 50-150 h (its cable is back at 100 h): the terminal is not
    released at 100 h, since the site has no service; it goes at 150 h."""
    scenario = terminal_scenario(release="on_restore")
    spec = scenario.spec.model_dump()
    spec["hazards"].append(
        {"type": "asset_failure", "assets": ["town1"], "at_h": 50.0, "duration_h": 100.0}
    )
    from resilience_sim import Scenario

    result = simulate(Scenario.from_dict(spec, scenario.topology))
    released = result.events[result.events.event == "stopgap_released"]
    assert released.time_h.tolist() == [150.0]


@pytest.mark.parametrize(
    "terminal", [{"release": "on_restore", "redeploy_to": ["town2"]}, {"release": "never"}]
)
def test_fast_service_equals_the_reference_with_releases(terminal):
    """The replayed timeline (fast path and the reference) treats a released terminal's
    link as down: both give the same rows, and the widest routing agrees too."""
    import numpy as np

    from resilience_sim.engine.fast_service import served_over_time_fast
    from resilience_sim.engine.service import served_over_time
    from resilience_sim.experiments.study import StudyContext
    from resilience_sim.metrics.equity import log_arrays

    scenario = terminal_scenario(**terminal)
    context = StudyContext.build(scenario)
    events = log_arrays(context.arrays, simulate(scenario).events)
    args = (context.arrays, events, context.demand_gbps)
    reference = served_over_time(*args, routing="widest", with_latency=True)
    fast = served_over_time_fast(*args, routing="widest", with_latency=True)
    for field in ("time_h", "domestic", "international", "assets_down"):
        assert np.array_equal(getattr(fast, field), getattr(reference, field))
    for field in ("international_capacity", "international_routed", "international_latency_ms"):
        np.testing.assert_array_equal(getattr(fast, field), getattr(reference, field))


def test_two_terminals_do_not_pile_onto_one_site():
    """Two terminals, both listing town1 then town2, arriving at 24 h: the first takes
    town1, the second (town1 taken) town2."""
    terminal = {"type": "satellite_gateway", "after_h": 24.0, "capacity_gbps": 1.0}
    terminal |= {"release": "on_restore"}
    scenario = scenario_on(
        two_islands(),
        horizon_h=400.0,
        hazards=[
            {"type": "asset_failure", "assets": ["c1"], "duration_h": 100.0},
            {"type": "asset_failure", "assets": ["c2"], "duration_h": 300.0},
        ],
        recovery={
            "stopgaps": [
                {**terminal, "node": "town1", "redeploy_to": ["town2"]},
                {**terminal, "node": "town1", "redeploy_to": ["town2"]},
            ]
        },
    )
    ev = simulate(scenario).events
    deployed = ev[(ev.event == "repair") & ev.cause.str.contains("deployed")]
    assert deployed.asset.tolist() == ["stopgap-0-town1-satellite", "stopgap-1-town2-satellite"]
