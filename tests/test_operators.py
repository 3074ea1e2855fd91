"""Service per operator: hand-worked served users on small graphs (docs/operators.md)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import make_topology

import resilience_sim as rs
from resilience_sim.engine import FAIL, REPAIR, EventArrays
from resilience_sim.engine.operator_service_fast import served_per_operator
from resilience_sim.engine.operators import baseline_per_operator, operator_model_of
from resilience_sim.errors import InputError, InputWarning
from resilience_sim.experiments.compare import compare
from resilience_sim.experiments.criticality import criticality
from resilience_sim.experiments.risk_groups import risk_groups
from resilience_sim.experiments.runs import run_study
from resilience_sim.scenario.operators import Operator, Roaming
from resilience_sim.topology import Topology, TopologyDocument, compile_topology

A, B = "001-01", "001-02"
SHIPPED = Path(__file__).resolve().parents[1] / "scenarios" / "archipelago_operators_blackout.yaml"


def two_operator_town(link_b_operator: str | None = B):
    """One shared core exchange and gateway; site sA (operator A) and sB (operator B),
    1.1 km apart, each with 100 people, each backhauled to the core by its own link."""
    nodes = [
        {"id": "core", "kind": "exchange", "lat": 0.0, "lon": 0.1},
        {"id": "gw", "kind": "gateway", "lat": 0.0, "lon": 0.2},
        {"id": "sA", "kind": "cell_site", "lat": 0.0, "lon": 0.0, "population": 100,
         "operator": A},
        {"id": "sB", "kind": "cell_site", "lat": 0.0, "lon": 0.01, "population": 100,
         "operator": B},
    ]  # fmt: skip
    links = [
        {"id": "core-gw", "source": "core", "target": "gw", "kind": "submarine_cable"},
        {"id": "a-core", "source": "sA", "target": "core", "kind": "microwave", "operator": A},
        {"id": "b-core", "source": "sB", "target": "core", "kind": "microwave",
         "operator": link_b_operator},
    ]  # fmt: skip
    return make_topology(nodes, links)


def model_of(topology, operators, roaming=None, coverage_km=2.0, factor=1.5):
    arrays = compile_topology(topology)
    return arrays, operator_model_of(topology, arrays, operators, roaming, coverage_km, factor)


def shares(a=0.6, b=0.4, partners_b=()):
    return [
        Operator(id=A, market_share=a),
        Operator(id=B, market_share=b, roaming_partners=list(partners_b)),
    ]


def fail_sa(arrays, at_h=1.0, back_h=5.0):
    i = arrays.asset_index["sA"]
    return EventArrays([at_h, back_h], [i, i], [FAIL, REPAIR])


def per_op(served, row):
    """(domestic, international) persons per operator at a timeline row."""
    return served.domestic[row].sum(axis=1).tolist(), served.international[row].sum(axis=1).tolist()


def test_baseline_splits_each_node_by_market_share_and_serves_from_own_sites():
    arrays, model = model_of(two_operator_town(), shares())
    base = baseline_per_operator(arrays, model)
    # A: 60 + 60 users on sA; B: 40 + 40 on sB; every one reaches core and gateway
    assert per_op(base, 0) == ([120.0, 80.0], [120.0, 80.0])
    sa, sb = arrays.asset_index["sA"], arrays.asset_index["sB"]
    assert model.capacity_users[sa] == pytest.approx(1.5 * 120)
    assert model.capacity_users[sb] == pytest.approx(1.5 * 80)


def test_own_site_down_without_roaming_loses_exactly_that_operators_users():
    arrays, model = model_of(two_operator_town(), shares())
    served = served_per_operator(arrays, model, fail_sa(arrays))
    assert served.time_h.tolist() == [0.0, 1.0, 5.0]
    assert per_op(served, 0) == ([120.0, 80.0], [120.0, 80.0])
    assert per_op(served, 1) == ([0.0, 80.0], [0.0, 80.0])
    assert per_op(served, 2) == ([120.0, 80.0], [120.0, 80.0])
    assert served.roaming_domestic.sum() == 0


def test_roaming_shares_the_surviving_sites_capacity_proportionally():
    # sB carries 80 users (capacity 1.5 x 80 = 120); A's 120 users roam on it: load 200,
    # everyone on it served with probability 120 / 200 = 0.6 -> A 72, B 48.
    arrays, model = model_of(two_operator_town(), shares(), Roaming(from_h=0.0))
    served = served_per_operator(arrays, model, fail_sa(arrays))
    dom, intl = per_op(served, 1)
    assert dom == pytest.approx([72.0, 48.0])
    assert intl == pytest.approx([72.0, 48.0])
    assert served.roaming_domestic[1].tolist() == pytest.approx([72.0, 0.0])
    # with capacity factor 2: capacity 160 of a load of 200 -> 0.8: A 96, B 64
    arrays, model = model_of(two_operator_town(), shares(), Roaming(from_h=0.0), factor=2.0)
    dom, _ = per_op(served_per_operator(arrays, model, fail_sa(arrays)), 1)
    assert dom == pytest.approx([96.0, 64.0])


def test_roaming_starts_at_its_time_and_only_for_listed_operators():
    arrays, model = model_of(two_operator_town(), shares(), Roaming(from_h=3.0))
    sa, gw = arrays.asset_index["sA"], arrays.asset_index["gw"]
    served = served_per_operator(
        arrays, model, EventArrays([1.0, 3.0, 5.0], [sa, gw, sa], [FAIL, REPAIR, REPAIR])
    )
    # gateway repair at 3 h is a no-op event that gives a row at 3 h
    assert served.time_h.tolist() == [0.0, 1.0, 3.0, 5.0]
    assert per_op(served, 1)[0] == [0.0, 80.0]
    assert per_op(served, 2)[0] == pytest.approx([72.0, 48.0])
    arrays, model = model_of(two_operator_town(), shares(), Roaming(operators=[B]))
    assert per_op(served_per_operator(arrays, model, fail_sa(arrays)), 1)[0] == [0.0, 80.0]


def test_roaming_partner_sites_count_as_own_at_all_times():
    # B's users may always use A's site (through A's network): each B unit splits 20/20
    arrays, model = model_of(two_operator_town(), shares(partners_b=[A]))
    base = baseline_per_operator(arrays, model)
    assert per_op(base, 0)[0] == [120.0, 80.0]
    sa, sb = arrays.asset_index["sA"], arrays.asset_index["sB"]
    assert model.capacity_users[sa] == pytest.approx(1.5 * 160)
    assert model.capacity_users[sb] == pytest.approx(1.5 * 40)
    # sA down: B's 80 users all on sB (capacity 60) -> 60 served; A none
    dom, _ = per_op(served_per_operator(arrays, model, fail_sa(arrays)), 1)
    assert dom == pytest.approx([0.0, 60.0])


def test_an_operator_reaches_the_core_only_over_its_own_and_shared_assets():
    # sB's backhaul belongs to A: B's own site cannot reach the core in B's network
    arrays, model = model_of(two_operator_town(link_b_operator=A), shares())
    assert per_op(baseline_per_operator(arrays, model), 0)[0] == [120.0, 0.0]
    # a shared backhaul (operator None) serves B again
    arrays, model = model_of(two_operator_town(link_b_operator=None), shares())
    assert per_op(baseline_per_operator(arrays, model), 0)[0] == [120.0, 80.0]


def test_without_coverage_radius_a_site_covers_only_its_own_node():
    # coverage 0: at sA only A's 60 users are covered, at sB only B's 40
    arrays, model = model_of(two_operator_town(), shares(), Roaming(), coverage_km=0.0)
    assert per_op(baseline_per_operator(arrays, model), 0)[0] == [60.0, 40.0]
    # sA down: A's 60 users at sA are not covered by sB's... sB covers only its own node
    dom, _ = per_op(served_per_operator(arrays, model, fail_sa(arrays)), 1)
    assert dom == [0.0, 40.0]


def test_shared_site_serves_every_operator_and_fails_once_for_all():
    topo = make_topology(
        [
            {"id": "core", "kind": "exchange"},
            {"id": "shared", "kind": "cell_site", "population": 200},
        ],
        [{"id": "l", "source": "shared", "target": "core", "kind": "microwave"}],
    )
    arrays, model = model_of(topo, shares(0.75, 0.25))
    i = arrays.asset_index["shared"]
    served = served_per_operator(arrays, model, EventArrays([2.0], [i], [FAIL]))
    assert per_op(served, 0)[0] == [150.0, 50.0]
    assert per_op(served, 1)[0] == [0.0, 0.0]


# ---------------------------------------------------------------- whole studies


def town_document(battery_a_h: float = 2.0) -> dict:
    """The two-operator town as a topology file: sites on grid power with batteries."""
    topo = two_operator_town()
    nodes = [n.model_dump(exclude_defaults=True, mode="json") for n in topo.nodes]
    for node in nodes:
        if node["kind"] == "cell_site":
            node["power_feed"] = "grid"
            node["battery_h"] = battery_a_h if node["id"] == "sA" else 10.0
    links = [x.model_dump(exclude_defaults=True, mode="json") for x in topo.links]
    return {"name": "town", "nodes": nodes, "links": links}


def town_scenario(restore_h: dict, **extra) -> rs.Scenario:
    topology = Topology.from_document(TopologyDocument.model_validate(town_document()))
    data = {
        "name": "town blackout",
        "horizon_h": 48,
        "operators": [{"id": A, "market_share": 0.6}, {"id": B, "market_share": 0.4}],
        "service": {"coverage_km": 2.0},
        "hazards": [
            {"type": "power_grid_outage", "grid_regions": ["grid"], "restore_h": restore_h},
            {"type": "asset_failure", "assets": ["core-gw"], "duration_h": 30},
        ],
        **extra,
    }
    return rs.Scenario.from_dict(data, topology)


def test_study_totals_and_operator_tables_hand_worked():
    # grid back at 8 h; sA's battery lasts 2 h, sB's 10 h: sA is down 2..8 h
    scenario = town_scenario({"dist": "fixed", "value_h": 8})
    result = rs.simulate(scenario, replications=1, seed=1)
    row = result.summary.iloc[0]
    assert row["unserved_user_h_domestic"] == pytest.approx(120 * 6)
    # international: everyone 0..30 h (cable), and A's users 2..8 h are inside that
    assert row["unserved_user_h_international"] == pytest.approx(200 * 30)
    ops = result.operator_summary.set_index("operator")
    assert ops.loc[A, "unserved_user_h_domestic"] == pytest.approx(720)
    assert ops.loc[B, "unserved_user_h_domestic"] == 0
    assert ops.loc[A, "peak_outage_frac"] == 1.0
    timeline = result.operators[result.operators.time_h == 2.0].set_index("operator")
    assert timeline.loc[A, "served_domestic_frac"] == 0.0
    assert timeline.loc[B, "served_domestic_frac"] == 1.0
    total = result.timeline.set_index("time_h").loc[2.0, "served_domestic_frac"]
    assert total == pytest.approx(80 / 200)


def test_study_with_roaming_mandate_hand_worked():
    scenario = town_scenario({"dist": "fixed", "value_h": 8}, roaming={"from_h": 0})
    result = rs.simulate(scenario, replications=1, seed=1)
    # 2..8 h: A's 120 users roam on sB (capacity 120 of a load of 200): A 72, B 48 served
    assert result.summary.iloc[0]["unserved_user_h_domestic"] == pytest.approx((48 + 32) * 6)
    ops = result.operator_summary.set_index("operator")
    assert ops.loc[A, "unserved_user_h_domestic"] == pytest.approx(48 * 6)
    assert ops.loc[B, "unserved_user_h_domestic"] == pytest.approx(32 * 6)
    assert ops.loc[A, "roaming_user_h_domestic"] == pytest.approx(72 * 6)
    assert ops.loc[B, "roaming_user_h_domestic"] == 0


def test_compare_mandate_roaming_batteries_and_second_cable_on_common_random_numbers():
    """Grid restoration ~ lognormal(median 12 h), the one cable out for 30 h. With common
    random numbers every replication sees the same grid time R in every variant, so:
    roaming lowers domestic unserved user-hours whenever sA is down while sB is up
    (R > 2 h), batteries (24 h at sA) never raise them, a second cable changes nothing
    domestically but lowers the international loss of everyone reachable."""
    variants = {
        "mandate_roaming": {"roaming": {"from_h": 0}},
        "batteries": {"batteries": [{"nodes": ["sA"], "battery_h": 24}], "capex_musd": 1},
        "second_cable": {
            "add_links": [
                {"id": "core-gw-2", "source": "core", "target": "gw", "kind": "submarine_cable"}
            ],
            "capex_musd": 50,
        },
    }
    scenario = town_scenario({"dist": "lognormal", "median_h": 12, "sigma": 0.5}, variants=variants)
    comparison = compare(scenario, replications=30, seed=5)
    wide = comparison.summary.pivot(
        index="replication", columns="variant", values="unserved_user_h_domestic"
    )
    diff = wide.sub(wide["baseline"], axis=0)
    assert (diff["mandate_roaming"] < 0).all()
    assert (diff["batteries"] <= 1e-9).all()
    assert (diff["second_cable"].abs() < 1e-9).all()
    table = comparison.table.set_index("variant")
    assert table.loc["mandate_roaming", "unserved_user_h_domestic_diff_high"] < 0
    assert table.loc["second_cable", "unserved_user_h_international_diff_high"] < 0
    intl = comparison.summary.pivot(
        index="replication", columns="variant", values="unserved_user_h_international"
    )
    assert (intl["second_cable"] < intl["baseline"]).all()


# ---------------------------------------------------------------- shared infrastructure


def test_parallel_trunks_of_two_operators_are_one_shared_risk_group():
    topo = make_topology(
        [
            {"id": "core", "kind": "exchange"},
            {"id": "town", "kind": "aggregation", "population": 500},
        ],
        [
            {"id": "fa", "source": "core", "target": "town", "kind": "terrestrial_fiber",
             "operator": A},
            {"id": "fb", "source": "town", "target": "core", "kind": "terrestrial_fiber",
             "operator": B},
        ],
    )  # fmt: skip
    groups = {g.name: g for g in risk_groups(topo)}
    assert groups["shared-trunk:core~town"].link_ids == ("fa", "fb")
    result = criticality(topo, k=1, by="srlg")
    row = result.table.set_index("group").loc["shared-trunk:core~town"]
    assert row["users_lost_domestic"] == 500  # neither link alone cuts anyone
    assert result.groups.set_index("group").loc["shared-trunk:core~town", "operators"] == (
        f"{A} {B}"
    )


def test_a_shared_tower_fails_once_for_all_its_tenants():
    """Tenant sites of A and B on one passive tower (a cell_site without links, operator
    None) depend on it: one asset_failure of the tower takes both tenants down, and with
    them every user of both operators there."""
    nodes = [
        {"id": "core", "kind": "exchange"},
        {"id": "tower", "kind": "cell_site"},
        {"id": "tA", "kind": "cell_site", "population": 100, "operator": A,
         "depends_on": ["tower"]},
        {"id": "tB", "kind": "cell_site", "population": 100, "operator": B,
         "depends_on": ["tower"]},
    ]  # fmt: skip
    links = [
        {"id": "la", "source": "tA", "target": "core", "kind": "microwave"},
        {"id": "lb", "source": "tB", "target": "core", "kind": "microwave"},
    ]
    topology = make_topology(nodes, links)
    scenario = rs.Scenario.from_dict(
        {
            "name": "tower collapse",
            "horizon_h": 10,
            "operators": [{"id": A, "market_share": 0.5}, {"id": B, "market_share": 0.5}],
            "roaming": {},
            "hazards": [{"type": "asset_failure", "assets": ["tower"], "at_h": 1, "duration_h": 4}],
        },
        topology,
    )
    result = rs.simulate(scenario, replications=1, seed=3)
    ops = result.operator_summary.set_index("operator")
    # coverage 0: 50 A users at tA, 50 B users at tB; both lost for 4 h, roaming cannot help
    assert ops["unserved_user_h_domestic"].tolist() == [200.0, 200.0]
    assert result.summary.iloc[0]["unserved_user_h_domestic"] == 400.0
    assert result.operators.roaming_domestic_users.sum() == 0


def test_run_folder_holds_the_operator_tables_only_when_operators_are_declared(tmp_path):
    scenario = town_scenario({"dist": "lognormal", "median_h": 6, "sigma": 0.5})
    expected = rs.simulate(scenario, replications=4, seed=2)
    written = run_study(scenario, tmp_path / "ops", replications=4, seed=2, batch_size=3)
    for table in ("operators", "operator_summary", "summary", "timeline"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(written.run_dir / f"{table}.parquet"),
            getattr(expected, table),
            check_exact=True,
        )
    manifest = json.loads((written.run_dir / "manifest.json").read_text())
    assert {"operators.parquet", "operator_summary.parquet"} <= set(manifest["files"])
    plain = dataclasses.replace(scenario, spec=scenario.spec.model_copy(update={"operators": []}))
    folder = run_study(plain, tmp_path / "plain", replications=2, seed=2).run_dir
    assert not (folder / "operators.parquet").exists()
    assert not (folder / "operator_summary.parquet").exists()
    assert run_study(plain, tmp_path / "again", replications=2, seed=2).operators.empty


def test_sweeping_the_mandate_start_never_helps_later_on_the_shipped_example():
    """Roaming never lowers the total served at any time, so starting the mandate earlier
    never raises domestic unserved user-hours, replication by replication."""
    from resilience_sim.experiments import sweep

    scenario = rs.load_scenario(SHIPPED)
    result = sweep(scenario, {"roaming.from_h": [0, 4, 48]}, replications=4, seed=1)
    wide = result.table.pivot(
        index="replication", columns="roaming.from_h", values="unserved_user_h_domestic"
    )
    assert (wide[0] <= wide[4] + 1e-6).all() and (wide[4] <= wide[48] + 1e-6).all()
    assert (wide[0] < wide[48]).all()  # A's ordinary sites are down from 3 h in every one


def test_report_has_an_operators_section_only_with_operators(tmp_path):
    from resilience_sim.experiments import write_run
    from resilience_sim.reports import write_report

    scenario = rs.load_scenario(SHIPPED)
    result = rs.simulate(scenario, replications=3, seed=4)
    page = write_report(write_run(result, tmp_path / "ops")).read_text()
    assert "<h2 id='operators'>Operators</h2>" in page and "href='#operators'" in page
    assert "Operator A (synthetic)" in page and "Emergency roaming" not in page
    means = result.operator_summary.groupby("operator").unserved_user_h_domestic.mean()
    assert means.sum() == pytest.approx(result.summary.unserved_user_h_domestic.mean())
    spec = scenario.spec.model_copy(update={"operators": [], "variants": {}})
    plain = dataclasses.replace(scenario, spec=spec)
    page = write_report(write_run(rs.simulate(plain, 2, 4), tmp_path / "plain")).read_text()
    assert "id='operators'" not in page


def test_bad_operator_sections_are_refused_and_unused_ids_warned():
    topology = two_operator_town()
    base = {"name": "x", "horizon_h": 5}
    bad = {
        "operators": [
            {"id": A, "market_share": 0.6, "regional_market_share": {"nowhere": 0.5}},
            {"id": A, "market_share": 0.3, "roaming_partners": ["ghost"]},
        ],
        "roaming": {"operators": ["ghost"]},
    }
    with pytest.raises(InputError) as info:
        rs.Scenario.from_dict({**base, **bad}, topology)
    fields = {p.field: p.message for p in info.value.problems}
    assert "declared twice" in fields["operators[1].id"]
    assert "nowhere" in fields["operators[0].regional_market_share"]
    assert "ghost" in fields["operators[1].roaming_partners[0]"]
    assert "add up to 0.9" in fields["operators"]
    assert "ghost" in fields["roaming.operators[0]"]
    with pytest.raises(InputError, match="needs an operators"):
        rs.Scenario.from_dict({**base, "roaming": {}}, topology)
    with pytest.warns(InputWarning, match=r"operators\[1\]\.id: no node or link .* '001-2'"):
        rs.Scenario.from_dict(
            {
                **base,
                "operators": [{"id": A, "market_share": 0.5}, {"id": "001-2", "market_share": 0.5}],
            },
            topology,
        )


def test_backhaul_twins_of_tenants_on_one_tower_are_shared_trunks_in_the_shipped_topology():
    """Tenant sites of A and B stand at the same point; their twin backhaul links to the
    exchange are one shared trunk section, listed with both operators."""
    topology = rs.load_scenario(SHIPPED).topology
    groups = {g.name: g for g in risk_groups(topology)}
    twin = groups["shared-trunk:portvila-cell-1~portvila-exchange"]
    assert twin.link_ids == ("fibre-portvila-cell-1", "fibre-portvila-cell-1-b")
    assert sum(name.startswith("shared-trunk:") for name in groups) == 39  # 22 fibre, 17 mw
    result = criticality(topology, k=1, by="srlg")
    row = result.groups.set_index("group").loc["shared-trunk:portvila-cell-1~portvila-exchange"]
    assert row["operators"] == f"{A} {B}"


def test_compare_keeps_each_variants_operator_summary_and_writes_it(tmp_path):
    """The mandate's cost to the host shows per operator: with roaming B's own users lose
    service on the towers A's users crowd onto (paired, same replications)."""
    from resilience_sim.experiments.compare import write_comparison

    scenario = rs.load_scenario(SHIPPED)
    comparison = compare(scenario, replications=4, seed=6, variants=["mandate_roaming"])
    ops = comparison.operator_summary
    assert list(ops.columns[:3]) == ["variant", "replication", "operator"]
    wide = ops.pivot_table(
        index=["replication", "operator"], columns="variant", values="unserved_user_h_domestic"
    )
    diff = (wide["mandate_roaming"] - wide["baseline"]).unstack("operator")
    assert (diff[A] < 0).all() and (diff[B] > 0).all()
    totals = comparison.summary.pivot(
        index="replication", columns="variant", values="unserved_user_h_domestic"
    )
    assert np.allclose(diff.sum(axis=1), totals["mandate_roaming"] - totals["baseline"])
    folder = write_comparison(comparison, tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert "operator_summary.parquet" in manifest["files"]
    pd.testing.assert_frame_equal(pd.read_parquet(folder / "operator_summary.parquet"), ops)
