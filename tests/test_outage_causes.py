"""Cause classes of down intervals (events' ``cause_class``) and the daily cause table."""

from __future__ import annotations

import re

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


def three_sites():
    """ex (core) - agg - {s1, s3}; s1 fed by substation `sub`; s2 on its own link to ex
    but depending on agg. Sites: s1, s2 (region r1), s3 (region r2)."""
    nodes = [
        {"id": "ex", "kind": "exchange", "region": "r0"},
        {"id": "sub", "kind": "power_substation", "region": "r0"},
        {"id": "agg", "kind": "aggregation", "region": "r0"},
        {"id": "s1", "kind": "cell_site", "population": 10, "power_feed": "sub", "region": "r1"},
        {"id": "s2", "kind": "cell_site", "population": 20, "depends_on": ["agg"], "region": "r1"},
        {"id": "s3", "kind": "cell_site", "population": 5, "region": "r2"},
    ]
    links = [
        {"id": "l0", "source": "ex", "target": "agg", "kind": "terrestrial_fiber"},
        {"id": "l1", "source": "agg", "target": "s1", "kind": "microwave"},
        {"id": "l2", "source": "ex", "target": "s2", "kind": "microwave"},
        {"id": "l3", "source": "agg", "target": "s3", "kind": "microwave"},
    ]
    return make_topology(nodes, links, "three")


def three_days():
    """agg down 0-30 h; sub down 20-60 h (s1 has no battery); l3 cut at 40 h for good."""
    return scenario_on(
        three_sites(),
        horizon_h=72.0,
        hazards=[
            {"type": "asset_failure", "assets": ["agg"], "duration_h": 30.0},
            {
                "type": "power_grid_outage",
                "substations": ["sub"],
                "at_h": 20.0,
                "restore_h": fixed(40.0),
            },
            {"type": "asset_failure", "assets": ["l3"], "at_h": 40.0, "duration_h": 1000.0},
        ],
    )


def test_sites_out_by_region_by_cause_day_by_day():
    """agg down 0-30 h; sub down 20-60 h (s1 has no battery); l3 cut at 40 h for good.
    End of day 1 (24 h): s1 down for power, s2 down through its dependency on agg, s3 up
    but cut off behind agg (upstream). Day 2 (48 h): agg back; s1 still without power, s3
    cut off behind l3. Day 3 (72 h): s1 back; s3 still cut off."""
    scenario = three_days()
    table = simulate(scenario).outage_causes
    assert list(table.columns) == [
        "replication",
        "day",
        "time_h",
        "region",
        "cause_class",
        "sites_out",
    ]
    rows = sorted(
        zip(table.day, table.time_h, table.region, table.cause_class, table.sites_out, strict=True)
    )
    assert rows == [
        (1, 24.0, "r1", "power", 1),
        (1, 24.0, "r1", "upstream", 1),
        (1, 24.0, "r2", "upstream", 1),
        (2, 48.0, "r1", "power", 1),
        (2, 48.0, "r2", "upstream", 1),
        (3, 72.0, "r2", "upstream", 1),
    ]


def test_power_totals_match_the_events_and_totals_never_exceed_the_sites():
    """On the shipped typhoon: each day's power count equals the sites whose last
    event by the day's end is a power failure (read from the events table), and each day's
    total is at most the number of sites."""
    from pathlib import Path

    import resilience_sim as rs

    root = Path(__file__).resolve().parents[1]
    scenario = rs.load_scenario(root / "scenarios" / "archipelago_typhoon.yaml")
    result = simulate(scenario, replications=3, seed=5)
    table, ev = result.outage_causes, result.events
    n_sites = sum(1 for n in scenario.topology.nodes if n.population > 0)
    sites = {n.id for n in scenario.topology.nodes if n.population > 0}
    assert (table.groupby(["replication", "day"]).sites_out.sum() <= n_sites).all()
    assert (table.cause_class == "power").any()
    for (rep, day), end_h in table.groupby(["replication", "day"]).time_h.first().items():
        mine = ev[(ev.replication == rep) & (ev.time_h <= end_h) & ev.asset.isin(sites)]
        last = mine[mine.event.isin(["fail", "repair"])].groupby("asset").tail(1)
        expected = int(((last.event == "fail") & (last.cause_class == "power")).sum())
        got = table[(table.replication == rep) & (table.day == day)]
        assert int(got[got.cause_class == "power"].sites_out.sum()) == expected


def test_report_shows_sites_out_by_cause_day_by_day(tmp_path):
    import resilience_sim as rs
    from resilience_sim.reports import RunFolder, write_report
    from resilience_sim.reports.outage_causes import daily_figure, mean_sites_out

    scenario = three_days()
    run_dir = rs.write_run(simulate(scenario, replications=2), tmp_path)
    assert "outage_causes.parquet" in RunFolder.read(run_dir).manifest["files"]
    mean = mean_sites_out(RunFolder.read(run_dir))  # both replications are the same
    bars = {t.name: list(t.y) for t in daily_figure(mean).data}
    assert bars == {"power": [1.0, 1.0, 0.0], "upstream": [2.0, 1.0, 1.0]}
    page = write_report(run_dir).read_text()
    assert 'id="outage-causes"' in page and "Sites out by region, by cause, day by day" in page
    row = re.search(r"<tr><td>r2</td><td>upstream</td>(.*?)</tr>", page).group(1)
    assert row == "<td>1</td><td>1</td><td>1</td>"


def test_a_prebuilt_link_graph_gives_the_same_served_masks():
    """LinkGraph (sorted once, masked per state) against the reference served_masks, on
    random states of a 2,000-node synthetic network with parallel links."""
    import numpy as np

    from resilience_sim.engine.service import LinkGraph, served_masks
    from resilience_sim.topology import compile_topology
    from resilience_sim.topology.generate import generate_topology

    arrays = compile_topology(generate_topology("national", 2000, 3))
    graph = LinkGraph(arrays)
    rng = np.random.default_rng(12345)
    for k in range(20):
        up = np.ones(arrays.n_assets, dtype=bool)
        up[rng.choice(arrays.n_assets, 40 * k, replace=False)] = False
        for reference, prebuilt in zip(
            served_masks(arrays, up), served_masks(arrays, up, graph=graph), strict=True
        ):
            assert np.array_equal(reference, prebuilt)


def test_output_outage_causes_false_writes_an_empty_table_with_its_columns():
    base = three_days()
    spec = base.spec.model_copy(
        update={"output": base.spec.output.model_copy(update={"outage_causes": False})}
    )
    from resilience_sim import Scenario

    table = simulate(Scenario(spec, base.topology, base.source)).outage_causes
    assert table.empty
    assert list(table.columns) == [
        "replication",
        "day",
        "time_h",
        "region",
        "cause_class",
        "sites_out",
    ]
    assert str(table.sites_out.dtype) == "int64" and str(table.day.dtype) == "int64"
