"""Per-operator outage hours, the map's operator selector and per-operator equity curves
(docs/operators.md, "In the report"): hand-worked on a two-operator town, and the
shipped two-operator blackout's report checked on its figure data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import make_topology

import resilience_sim as rs
from resilience_sim.engine.operators import OperatorServed
from resilience_sim.metrics.equity import unit_outage
from resilience_sim.reports import RunFolder, figures, geomap, write_report
from resilience_sim.reports.outage_map import outage_map
from resilience_sim.reports.replay import replay_run
from resilience_sim.topology import Topology, TopologyDocument

A, B = "001-01", "001-02"
SHIPPED = Path(__file__).resolve().parents[1] / "scenarios" / "archipelago_operators_blackout.yaml"


def town(coverage_km: float, name_a: str = "Op A") -> rs.Scenario:
    """One core exchange and a gateway; site sA (operator A, battery 3 h) and sB (operator
    B, battery 8 h), 1.1 km apart, 100 people each, on one grid that is down 0..12 h.
    Market shares 60 / 40 %."""
    nodes = [
        {"id": "core", "kind": "exchange", "lat": 0.0, "lon": 0.1},
        {"id": "gw", "kind": "gateway", "lat": 0.0, "lon": 0.2},
        {"id": "sA", "kind": "cell_site", "lat": 0.0, "lon": 0.0, "population": 100,
         "operator": A, "power_feed": "grid", "battery_h": 3.0},
        {"id": "sB", "kind": "cell_site", "lat": 0.0, "lon": 0.01, "population": 100,
         "operator": B, "power_feed": "grid", "battery_h": 8.0},
    ]  # fmt: skip
    links = [
        {"id": "core-gw", "source": "core", "target": "gw", "kind": "submarine_cable"},
        {"id": "a-core", "source": "sA", "target": "core", "kind": "microwave", "operator": A},
        {"id": "b-core", "source": "sB", "target": "core", "kind": "microwave", "operator": B},
    ]  # fmt: skip
    topo = make_topology(nodes, links, "town")
    doc = {
        "name": "town",
        "nodes": [n.model_dump(exclude_defaults=True, mode="json") for n in topo.nodes],
        "links": [x.model_dump(exclude_defaults=True, mode="json") for x in topo.links],
    }
    topology = Topology.from_document(TopologyDocument.model_validate(doc))
    data = {
        "name": "town blackout",
        "horizon_h": 48,
        "operators": [
            {"id": A, "name": name_a, "market_share": 0.6},
            {"id": B, "name": "Op B", "market_share": 0.4},
        ],
        "service": {"coverage_km": coverage_km},
        "hazards": [
            {
                "type": "power_grid_outage",
                "grid_regions": ["grid"],
                "restore_h": {"dist": "fixed", "value_h": 12},
            }
        ],
    }
    return rs.Scenario.from_dict(data, topology)


def town_replay(tmp_path, coverage_km: float, name_a: str = "Op A"):
    result = rs.simulate(town(coverage_km, name_a), replications=1, seed=1)
    run = RunFolder.read(rs.write_run(result, tmp_path / "town"))
    return result, run, replay_run(run)


def test_two_operators_on_one_grid_hand_worked(tmp_path):
    """Both sites cover both places (2 km). Grid down 0..12 h: A's site runs dry at 3 h,
    B's at 8 h, so every A user is out 3..12 h = 9 h, every B user 8..12 h = 4 h, at both
    places. Unserved user-hours: A 120 x 9 = 1080, B 80 x 4 = 320: the operator summary's.
    The node-level model counts a node's users out when its own site is: sA's 100 users
    9 h, sB's 100 users 4 h (1300), not 1400: it ignores coverage and market shares."""
    result, _, replay = town_replay(tmp_path, 2.0)
    ops = replay.operators
    assert ops.ids == (A, B) and ops.names == ("Op A", "Op B")
    arrays = replay.arrays
    sa, sb = arrays.asset_index["sA"], arrays.asset_index["sB"]
    place = {
        (int(o), int(n)): u for u, (o, n) in enumerate(zip(ops.unit_op, ops.unit_node, strict=True))
    }
    hours = ops.representative_outage_h
    for node in (sa, sb):
        assert hours[place[0, node]] == 9.0  # A's users at this place
        assert hours[place[1, node]] == 4.0  # B's users at this place
        assert ops.unit_users[place[0, node]] == pytest.approx(60.0)
        assert ops.unit_users[place[1, node]] == pytest.approx(40.0)
    by_op = [float(np.nansum((hours * ops.unit_users)[ops.unit_op == op])) for op in (0, 1)]
    assert by_op == pytest.approx([1080.0, 320.0])
    summary = result.operator_summary.set_index("operator").unserved_user_h_domestic
    assert by_op == pytest.approx([summary[A], summary[B]])
    assert sum(by_op) == pytest.approx(result.summary.unserved_user_h_domestic.iloc[0])
    node_hours = replay.representative_outage_h
    assert node_hours[sa] == 9.0 and node_hours[sb] == 4.0
    assert float(np.nansum(node_hours * arrays.population)) == pytest.approx(1300.0)


def test_without_coverage_each_operator_has_users_only_where_its_sites_are(tmp_path):
    """Coverage 0 km: A's users at sB's place have no A site there: not served even when
    undamaged (NaN hours, 0 users), like a node the undamaged network does not serve."""
    _, _, replay = town_replay(tmp_path, 0.0)
    ops, arrays = replay.operators, replay.arrays
    sa, sb = arrays.asset_index["sA"], arrays.asset_index["sB"]
    served = {
        (int(o), int(n)): (u, h)
        for o, n, u, h in zip(
            ops.unit_op, ops.unit_node, ops.unit_users, ops.outage_h[0], strict=True
        )
    }
    assert served[0, sa] == (pytest.approx(60.0), 9.0)
    assert served[1, sb] == (pytest.approx(40.0), 4.0)
    assert served[0, sb][0] == 0.0 and np.isnan(served[0, sb][1])
    assert served[1, sa][0] == 0.0 and np.isnan(served[1, sa][1])


def test_unit_outage_weights_shared_capacity_and_clips_at_the_horizon():
    """Unit 0 (10 users): half served 2..6 h, none 6..20 h, horizon 10 h: 2 + 4 h.
    Unit 1 (no users when undamaged): NaN hours, 0 user-hours."""
    served = OperatorServed(
        time_h=np.array([0.0, 2.0, 6.0, 20.0]),
        domestic=np.zeros((4, 1, 1)),
        international=np.zeros((4, 1, 1)),
        roaming_domestic=np.zeros((4, 1)),
        roaming_international=np.zeros((4, 1)),
        unit_domestic=np.array([[10.0, 0.0], [5.0, 0.0], [0.0, 0.0], [10.0, 0.0]]),
    )
    unserved, hours = unit_outage(served, np.array([10.0, 0.0]), 10.0)
    assert unserved.tolist() == [5.0 * 4 + 10.0 * 4, 0.0]
    assert hours[0] == 6.0 and np.isnan(hours[1])
    with pytest.raises(ValueError, match="per_unit"):
        unit_outage(OperatorServed(**{**served.__dict__, "unit_domestic": None}), np.ones(2), 1.0)


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    scenario = rs.load_scenario(SHIPPED)
    result = rs.simulate(scenario, replications=4, seed=4)
    run = RunFolder.read(rs.write_run(result, tmp_path_factory.mktemp("ops")))
    return result, run, replay_run(run)


def test_shipped_unit_hours_sum_to_each_operators_unserved_user_hours(shipped):
    """Per replication, each operator's units' user-hours are its operator_summary figure,
    and their sum the study's total (the totals are the operator model's)."""
    result, _, replay = shipped
    ops = replay.operators
    summary = result.operator_summary.set_index(["replication", "operator"])
    totals = result.summary.set_index("replication").unserved_user_h_domestic
    for row, rep in enumerate(replay.replications):
        burden = ops.outage_h[row] * ops.unit_users
        per_op = [float(np.nansum(burden[ops.unit_op == op])) for op in range(len(ops.ids))]
        expected = [summary.loc[(rep, op_id), "unserved_user_h_domestic"] for op_id in ops.ids]
        assert per_op == pytest.approx(expected, rel=1e-12)
        assert sum(per_op) == pytest.approx(totals[rep], rel=1e-12)


def test_shipped_map_has_an_operator_selector_and_per_operator_frames(shipped):
    """A's ordinary sites run dry at 3 h, B's at 8 h: at a frame between, A's users are
    served less than B's; the selector shows one operator's trace and hides the rest."""
    _, run, replay = shipped
    view, _ = geomap.national_view(replay.topology)
    fig = outage_map(run, replay, view)
    names = ["Operator A (synthetic)'s users", "Operator B (synthetic)'s users"]
    traces = {t.name: k for k, t in enumerate(fig.data)}
    assert all(name in traces for name in names)
    assert all(fig.data[traces[n]].visible is False for n in names)
    (selector,) = [m for m in fig.layout.updatemenus if m.type == "dropdown"]
    assert [b.label for b in selector.buttons] == ["all users", *names]
    nodes = traces["nodes"]
    everyone = selector.buttons[0].args[0]["visible"]
    assert everyone[nodes] and not any(everyone[traces[n]] for n in names)
    only_a = selector.buttons[1].args[0]["visible"]
    assert only_a[traces[names[0]]] and not only_a[traces[names[1]]] and not only_a[nodes]
    assert len(only_a) == len(fig.data)
    a_trace, b_trace = traces[names[0]], traces[names[1]]
    for frame in fig.frames:
        assert len(frame.data) == len(frame.traces)
    between = [f for f in fig.frames if f.name.startswith("t=") and 3.0 < float(f.name[2:]) < 8.0]
    assert between
    for frame in between:
        colour = operator_colours(frame, a_trace, b_trace)
        assert np.mean(colour[a_trace]) < np.mean(colour[b_trace])
        title = frame.layout.title.text
        a_pct, b_pct = (
            float(title.split(f"Operator {x} (synthetic) ")[1].split(" %")[0]) for x in "AB"
        )
        assert a_pct < b_pct
    (undamaged,) = [f for f in fig.frames if f.name == "undamaged"]
    colour = operator_colours(undamaged, a_trace, b_trace)
    assert set(colour[a_trace]) == {1.0} and set(colour[b_trace]) == {1.0}


def operator_colours(frame, *traces):
    """The frame's marker colours (shares served) of the given trace indices."""
    data = dict(zip(frame.traces, frame.data, strict=True))
    return {t: list(data[t].marker.color) for t in traces}


def test_shipped_equity_figure_has_one_curve_per_operator(shipped):
    _, run, replay = shipped
    fig = figures.equity_curve(replay)
    names = [t.name for t in fig.data]
    assert "median, Operator A (synthetic)'s users" in names
    assert "median, Operator B (synthetic)'s users" in names
    assert "median, all operators' users (per-operator model)" in names
    for trace in fig.data:
        if trace.name.startswith("median, Operator"):
            y = np.asarray(trace.y)
            assert y[0] == 0.0 and y[-1] == pytest.approx(100.0)
            assert np.all(np.diff(y) >= -1e-9)  # a cumulative share
    page = write_report(run.path).read_text()
    assert "median, Operator A (synthetic)'s users" in page  # the figure's JSON
    assert "Operator B (synthetic)'s users" in page
    assert "the selector at the top right" in page


def test_report_without_operators_has_no_selector_or_operator_curves(tmp_path):
    scenario = rs.load_scenario(SHIPPED)
    plain = rs.Scenario.from_dict(
        {
            **scenario.spec.model_dump(mode="json", exclude_none=True),
            "operators": [],
            "variants": {},
        },
        scenario.topology,
    )
    result = rs.simulate(plain, replications=2, seed=4)
    run = RunFolder.read(rs.write_run(result, tmp_path / "plain"))
    replay = replay_run(run)
    assert replay.operators is None
    view, _ = geomap.national_view(replay.topology)
    fig = outage_map(run, replay, view)
    assert [m.type for m in fig.layout.updatemenus] == ["buttons"]
    assert not any("median, " in (t.name or "") for t in figures.equity_curve(replay).data)
    page = write_report(run.path).read_text()
    assert "the selector at the top right" not in page and "dashed curve" not in page


def test_operator_names_are_escaped_in_the_map_and_equity_figures(tmp_path):
    evil = "<script>alert(1)</script>"
    _, run, replay = town_replay(tmp_path, 2.0, name_a=evil)
    view, _ = geomap.national_view(replay.topology)
    for fig in (outage_map(run, replay, view), figures.equity_curve(replay)):
        text = fig.to_json()
        assert evil not in text and "&lt;script&gt;" in text
    page = write_report(run.path).read_text()
    assert evil not in page


def test_town_map_shows_a_out_and_b_served_between_3_and_8_h(tmp_path):
    """At 5 h (A's site dry, B's on battery) A's users are served nowhere, B's everywhere;
    from 12 h (grid back) both are served."""
    _, run, replay = town_replay(tmp_path, 2.0)
    view, _ = geomap.national_view(replay.topology)
    fig = outage_map(run, replay, view)
    traces = {t.name: k for k, t in enumerate(fig.data)}
    a_trace, b_trace = traces["Op A's users"], traces["Op B's users"]
    assert len(fig.data[a_trace].lat) == 2 and len(fig.data[b_trace].lat) == 2  # both places
    frames = {f.name: f for f in fig.frames}
    assert set(frames) == {"undamaged", "t=0.0", "t=3.0", "t=8.0", "t=12.0"}
    expected = {"t=3.0": ([0.0, 0.0], [1.0, 1.0]), "t=8.0": ([0.0, 0.0], [0.0, 0.0])}
    expected |= {"t=0.0": ([1.0, 1.0], [1.0, 1.0]), "t=12.0": ([1.0, 1.0], [1.0, 1.0])}
    for name, (a, b) in expected.items():
        colour = operator_colours(frames[name], a_trace, b_trace)
        assert (colour[a_trace], colour[b_trace]) == (a, b), name
    assert "Op A 0.0 %, Op B 100.0 %" in frames["t=3.0"].layout.title.text
    hover = fig.data[a_trace].hovertext[0]
    assert "Op A: 60 users" in hover and "without service 9.0 h" in hover
