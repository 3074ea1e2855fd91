"""Equity: per-access-node outage hours by replaying the event log, and the worst-served share."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import fixed, line_topology, make_topology, scenario_on

import resilience_sim as rs
from resilience_sim.engine import EVENT_NAMES, FAIL, REPAIR, EventArrays
from resilience_sim.metrics.equity import (
    log_arrays,
    lorenz_curve,
    node_outage_hours,
    replication_outage_hours,
    worst_served_share,
)
from resilience_sim.topology import compile_topology

HORIZON_H = 100.0


def hand_log(arrays):
    """l-a-b fails at 10 h and is repaired at 30 h; node c fails at 20 h, repaired at 50 h."""
    idx = arrays.asset_index
    time_h = np.array([10.0, 20.0, 30.0, 50.0])
    asset = np.array([idx["l-a-b"], idx["c"], idx["l-a-b"], idx["c"]])
    event = np.array([FAIL, FAIL, REPAIR, REPAIR], dtype=np.int8)
    return EventArrays(time_h, asset, event)


def test_node_outage_hours_by_hand():
    """gw - ex - a - b - c (a 100, b 50, c 25 users; ex is the core).

    a keeps its path to ex: 0 h. b is cut off while l-a-b is down, 10-30 h: 20 h.
    c is cut off from 10 h (l-a-b) and is itself down 20-50 h: unserved 10-50 h = 40 h.
    gw and ex stay connected: 0 h.
    """
    arrays = compile_topology(line_topology())
    hours = node_outage_hours(arrays, hand_log(arrays), HORIZON_H)
    np.testing.assert_allclose(hours, [0.0, 0.0, 0.0, 20.0, 40.0])


def test_worst_served_share_by_hand():
    """Burden: c 25 users x 40 h = 1000, b 50 x 20 h = 1000, a 0; 175 users, 2000 user-hours.

    The worst-served 20 % are 35 users: all 25 of c (1000 user-hours) and 10 of b
    (10 x 20 h = 200): 1200 / 2000 = 0.6. The Lorenz-style curve passes through
    (25/175, 0.5) and (75/175, 1.0).
    """
    arrays = compile_topology(line_topology())
    hours = node_outage_hours(arrays, hand_log(arrays), HORIZON_H)
    assert worst_served_share(hours, arrays.population) == pytest.approx(0.6)
    x, y = lorenz_curve(hours, arrays.population)
    np.testing.assert_allclose(x, [0.0, 25 / 175, 75 / 175, 1.0])
    np.testing.assert_allclose(y, [0.0, 0.5, 1.0, 1.0])


def test_equal_burden_gives_the_share_itself_and_no_burden_gives_nan():
    population = np.array([10.0, 30.0, 60.0])
    assert worst_served_share(np.full(3, 7.0), population) == pytest.approx(0.2)
    assert np.isnan(worst_served_share(np.zeros(3), population))
    # everything on one node holding 10 % of the users: the worst 20 % carry all of it
    assert worst_served_share(np.array([5.0, 0.0, 0.0]), population) == pytest.approx(1.0)


def test_events_table_decodes_assets_regions_and_values():
    """Hijack events name a region: its subject index is n_assets + region index."""
    arrays = compile_topology(line_topology())
    events = pd.DataFrame(
        {
            "time_h": [1.0, 2.0, 3.0],
            "asset": ["c", "r2", "l-a-b"],
            "asset_kind": ["cell_site", "region", "terrestrial_fiber"],
            "event": ["fail", "hijack_start", "degrade"],
            "capacity_frac": [np.nan, np.nan, 0.25],
        }
    )
    log = log_arrays(arrays, events)
    region = arrays.n_assets + arrays.region_names.index("r2")
    assert log.asset_idx.tolist() == [4, region, arrays.asset_index["l-a-b"]]
    assert log.event.tolist() == [
        FAIL,
        EVENT_NAMES.index("hijack_start"),
        EVENT_NAMES.index("degrade"),
    ]
    assert log.value[2] == 0.25 and log.time_h.tolist() == [1.0, 2.0, 3.0]


def test_degraded_links_and_hijacks_are_not_domestic_outages():
    """A link degraded to 25 % capacity is still up; a hijack diverts international
    traffic only: neither counts as hours without domestic service."""
    arrays = compile_topology(line_topology())
    events = pd.DataFrame(
        {
            "replication": [0, 0],
            "time_h": [1.0, 2.0],
            "asset": ["l-a-b", "r2"],
            "asset_kind": ["terrestrial_fiber", "region"],
            "event": ["degrade", "hijack_start"],
            "capacity_frac": [0.25, np.nan],
        }
    )
    hours = replication_outage_hours(arrays, events, HORIZON_H, [0])
    assert np.nansum(hours) == 0.0


def test_outage_is_clipped_at_the_horizon_and_unreachable_nodes_are_nan():
    """An isolated cell site (no link) is never served: NaN, not an outage.

    Node b fails at 90 h and is never repaired: b and c lose 10 h within a 100 h
    horizon. Burden 50 x 10 + 25 x 10 = 750 user-hours over 175 users (the island's
    40 are left out); the worst-served 35 users all lost 10 h: 350 / 750.
    """
    topo = line_topology()
    nodes = [n.model_dump(mode="json", exclude_none=True) for n in topo.nodes]
    nodes.append({"id": "island", "kind": "cell_site", "population": 40, "lat": 1.0, "lon": 1.0})
    links = [e.model_dump(mode="json", exclude_none=True) for e in topo.links]
    arrays = compile_topology(make_topology(nodes, links))
    b = arrays.asset_index["b"]
    hours = node_outage_hours(arrays, EventArrays([90.0], [b], [FAIL]), HORIZON_H)
    np.testing.assert_allclose(hours[:5], [0.0, 0.0, 0.0, 10.0, 10.0])
    assert np.isnan(hours[5])
    assert worst_served_share(hours, arrays.population) == pytest.approx(350 / 750)


def test_replayed_hours_integrate_to_the_summary_user_hours():
    """Oracle: sum over nodes of users x outage hours is the replication's domestic
    unserved user-hours from the engine's own timeline (same step-function integral)."""
    scenario = scenario_on(
        line_topology(),
        hazards=[
            {"type": "asset_failure", "kind": "cell_site", "fraction": 0.5},
            {"type": "asset_failure", "assets": ["l-ex-a"], "at_h": 24.0, "duration_h": 12.0},
        ],
        recovery={"crews": [{"depot": "ex"}], "repair_h": {"cell_site": fixed(10.0)}},
    )
    result = rs.simulate(scenario, replications=8, seed=3)
    arrays = compile_topology(scenario.topology)
    reps = result.summary.replication.tolist()
    hours = replication_outage_hours(arrays, result.events, scenario.horizon_h, reps)
    user_h = np.nansum(hours * arrays.population, axis=1)
    np.testing.assert_allclose(user_h, result.summary.unserved_user_h_domestic, rtol=1e-12)
    # a replication with no events at all has no outage
    empty = replication_outage_hours(arrays, result.events.iloc[:0], scenario.horizon_h, [0])
    assert np.nansum(empty) == 0.0


def test_replay_reads_event_names_and_ids_from_the_table():
    arrays = compile_topology(line_topology())
    events = pd.DataFrame(
        {
            "replication": [0, 0, 0, 0],
            "time_h": [10.0, 20.0, 30.0, 50.0],
            "asset": ["l-a-b", "c", "l-a-b", "c"],
            "event": ["fail", "fail", "repair", "repair"],
        }
    )
    hours = replication_outage_hours(arrays, events, HORIZON_H, [0])
    np.testing.assert_allclose(hours[0], [0.0, 0.0, 0.0, 20.0, 40.0])
