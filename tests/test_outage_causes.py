"""Cause classes of down intervals (events' ``cause_class``) and the daily cause table."""

from __future__ import annotations

from conftest import fixed, make_topology, scenario_on

from resilience_sim import simulate


def chain_with_substation():
    """ex (core) - agg - s1 (cell site fed by `sub`); s2 depends on agg (its backhaul
    aggregation, declared)."""
    nodes = [
        {"id": "ex", "kind": "exchange"},
        {"id": "sub", "kind": "power_substation"},
        {"id": "agg", "kind": "aggregation"},
        {"id": "s1", "kind": "cell_site", "population": 10, "power_feed": "sub"},
        {"id": "s2", "kind": "cell_site", "population": 20, "depends_on": ["agg"]},
    ]
    links = [
        {"id": "l0", "source": "ex", "target": "agg", "kind": "terrestrial_fiber"},
        {"id": "l1", "source": "agg", "target": "s1", "kind": "microwave"},
        {"id": "l2", "source": "ex", "target": "s2", "kind": "microwave"},
    ]
    return make_topology(nodes, links, "causes")


def classes(result):
    ev = result.events
    return [
        (t, a, e, c)
        for t, a, e, c in zip(ev.time_h, ev.asset, ev.event, ev.cause_class, strict=True)
    ]


def test_every_down_interval_carries_its_cause_class_on_fail_and_repair():
    """agg fails at 0 for 5 h (structural; s2 follows as upstream); sub fails at 1 for
    2 h (a grid outage: power), s1 has no battery so it is down 1-3 h (power)."""
    scenario = scenario_on(
        chain_with_substation(),
        hazards=[
            {"type": "asset_failure", "assets": ["agg"], "duration_h": 5.0},
            {
                "type": "power_grid_outage",
                "substations": ["sub"],
                "at_h": 1.0,
                "restore_h": fixed(2.0),
            },
        ],
    )
    assert classes(simulate(scenario)) == [
        (0.0, "agg", "fail", "structural"),
        (0.0, "s2", "fail", "upstream"),
        (1.0, "sub", "fail", "power"),
        (1.0, "s1", "fail", "power"),
        (3.0, "sub", "repair", "power"),
        (3.0, "s1", "repair", "power"),
        (5.0, "agg", "repair", "structural"),
        (5.0, "s2", "repair", "upstream"),
    ]


def test_threats_are_cyber_and_sabotage_is_structural():
    topo = chain_with_substation()
    hazards = [
        {
            "type": "targeted_attack",
            "target": "nodes",
            "rank_by": "degree",
            "budget_assets": 1,
            "duration_h": 4.0,
        },
        {"type": "sabotage", "assets": ["l2"], "at_h": 2.0},
    ]
    ev = simulate(scenario_on(topo, hazards=hazards)).events
    fails = ev[ev.event == "fail"]
    by_asset = dict(zip(fails.asset, fails.cause_class, strict=True))
    assert by_asset["l2"] == "structural"
    attacked = [a for a, c in by_asset.items() if c == "cyber"]
    assert len(attacked) == 1 and attacked[0] != "l2"
