"""Operators on a generated multi-operator network: the generator's market shares within
their standard error, the operator service model against a brute-force networkx
reference, and roaming never lowering the total served (docs/operators.md)."""

from __future__ import annotations

import dataclasses

import networkx as nx
import numpy as np
import pytest

import resilience_sim as rs
from resilience_sim.engine import FAIL, REPAIR, EventArrays
from resilience_sim.engine.operator_service_fast import served_per_operator
from resilience_sim.engine.operators import operator_model_of
from resilience_sim.experiments.compare import compare
from resilience_sim.geo import haversine_km
from resilience_sim.scenario.operators import Operator, Roaming
from resilience_sim.topology import compile_topology
from resilience_sim.topology.generate import _geography, _NetworkBuilder, generate_topology
from resilience_sim.topology.generate_operators import market_shares, operator_ids

N_OPS = 3


@pytest.fixture(scope="module")
def network():
    return generate_topology("national", 400, 11, operators=N_OPS)


def declared(shares=None):
    shares = market_shares(N_OPS) if shares is None else shares
    pairs = zip(operator_ids(N_OPS), shares, strict=True)
    return [Operator(id=a, market_share=float(s)) for a, s in pairs]


def test_cell_population_per_operator_matches_market_shares_within_standard_error():
    """Chains are drawn i.i.d. with the market shares, so the share of cell-site users on
    operator o's sites has mean s_o and variance s_o (1 - s_o) sum_c P_c^2 / P^2 over the
    chains' populations P_c: within 3.5 standard errors for each operator and 5 seeds."""
    shares = market_shares(N_OPS)
    for seed in range(5):
        topology = generate_topology("national", 3000, seed, operators=N_OPS)
        # the chains, as the generator built them (same draws: same preset, size, seed)
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
        built = _NetworkBuilder(3000, _geography("national", 3000, rng), rng).build()
        population = np.asarray(topology.node_column("population"))
        chain_pop = np.bincount(built.cell_chain, weights=population[built.cell])
        total = chain_pop.sum()
        op = np.asarray(topology.node_column("operator"), dtype=object)[built.cell]
        for k, op_id in enumerate(operator_ids(N_OPS)):
            observed = population[built.cell][op == op_id].sum() / total
            se = np.sqrt(shares[k] * (1 - shares[k]) * (chain_pop**2).sum()) / total
            assert abs(observed - shares[k]) < 3.5 * se, (seed, op_id, observed, shares[k], se)


def reference_served(topology, operators, down, coverage_km, factor, roaming):
    """Per operator, domestic users served with ``down`` assets failed: networkx
    components per operator network, then the documented assignment in plain Python."""
    ids = [o.id for o in operators]
    nodes = {n.id: n for n in topology.nodes}
    core = set(topology.core_node_ids())
    is_site = {a for a, n in nodes.items() if n.kind == "cell_site" or n.population > 0}

    def serving(op, failed):
        g = nx.MultiGraph()
        usable = {a for a, n in nodes.items() if a not in failed and n.operator in (op, None)}
        g.add_nodes_from(usable)
        for e in topology.links:
            ends_up = e.source in usable and e.target in usable
            if e.id not in failed and e.operator in (op, None) and ends_up:
                g.add_edge(e.source, e.target)
        out = set()
        for comp in nx.connected_components(g):
            if comp & core:
                out |= comp
        return out

    order = {a: i for i, a in enumerate(nodes)}
    lat = np.array([n.lat for n in nodes.values()])
    lon = np.array([n.lon for n in nodes.values()])
    dist = haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])

    def covers(area, site):
        return area == site or dist[order[area], order[site]] <= coverage_km

    units = {}
    for a, n in nodes.items():
        for o in operators:
            users = n.population * o.share_in(n.region)
            if users > 0:
                units[(a, o.id)] = users
    own = {u: [s for s in is_site if covers(u[0], s) and nodes[s].operator in (u[1], None)]
           for u in units}  # fmt: skip
    other = {u: [s for s in is_site if covers(u[0], s) and nodes[s].operator in ids
                 and nodes[s].operator != u[1]] for u in units}  # fmt: skip

    def evaluate(failed, roam, capacity, base_ok):
        ok = {o: serving(o, failed) for o in ids}
        use = {}
        for u in units:
            mine = [s for s in own[u] if s in ok[u[1]]]
            if not mine and roam and base_ok.get(u):
                mine = [s for s in other[u] if s in ok[nodes[s].operator]]
            use[u] = mine
        load = dict.fromkeys(nodes, 0.0)
        for u, sites in use.items():
            for s in sites:
                load[s] += units[u] / len(sites)
        served = dict.fromkeys(ids, 0.0)
        for u, sites in use.items():
            for s in sites:
                frac = 1.0 if load[s] <= capacity[s] else capacity[s] / load[s]
                served[u[1]] += units[u] / len(sites) * frac
        return served, load, use

    _, base_load, base_use = evaluate(set(), False, dict.fromkeys(nodes, np.inf), {})
    capacity = {s: factor * base_load[s] for s in nodes}
    base_ok = {u: bool(sites) for u, sites in base_use.items()}
    return evaluate(set(down), roaming, capacity, base_ok)[0]


@pytest.mark.parametrize("roaming", [False, True])
def test_operator_model_equals_a_networkx_reference_on_a_generated_network(network, roaming):
    operators = declared()
    arrays = compile_topology(network)
    model = operator_model_of(network, arrays, operators, Roaming() if roaming else None, 3.0, 1.5)
    rng = np.random.default_rng(5)
    for _ in range(3):
        down_idx = np.flatnonzero(rng.random(arrays.n_assets) < 0.12)
        events = EventArrays(np.full(len(down_idx), 1.0), down_idx, np.full(len(down_idx), FAIL))
        served = served_per_operator(arrays, model, events)
        got = served.domestic[1].sum(axis=1)
        want = reference_served(
            network, operators, arrays.asset_ids[down_idx].tolist(), 3.0, 1.5, roaming
        )
        assert got == pytest.approx([want[a] for a in model.ids], rel=1e-9, abs=1e-6)
        if roaming:
            assert served.roaming_domestic[1].sum() > 0


def test_roaming_never_lowers_the_total_served_on_a_generated_network(network):
    """Roaming adds load only to sites that have spare capacity or are congested anyway:
    a site serves min(load, capacity) users, which more load never lowers, so in every
    replication and at every time the total served is at least the baseline's (common
    random numbers); the mean gain is positive by the paired t-interval."""
    scenario = rs.Scenario.from_dict(
        {
            "name": "generated outage",
            "horizon_h": 24,
            "operators": [o.model_dump() for o in declared()],
            "service": {"coverage_km": 3.0},
            "hazards": [
                {"type": "asset_failure", "kind": "cell_site", "fraction": 0.25, "duration_h": 8},
                {
                    "type": "asset_failure",
                    "kind": "aggregation",
                    "fraction": 0.25,
                    "duration_h": 12,
                },
            ],
            "variants": {"mandate_roaming": {"roaming": {"from_h": 2}}},
        },
        network,
    )
    comparison = compare(scenario, replications=12, seed=3)
    wide = comparison.summary.pivot(
        index="replication", columns="variant", values="unserved_user_h_domestic"
    )
    assert (wide["mandate_roaming"] <= wide["baseline"] + 1e-6).all()
    table = comparison.table.set_index("variant")
    assert table.loc["mandate_roaming", "unserved_user_h_domestic_diff_high"] < 0


def test_generator_without_operators_is_unchanged_and_with_is_deterministic():
    plain = generate_topology("island", 200, 4)
    with_ops = generate_topology("island", 200, 4, operators=2)
    assert plain.node_table.drop(["operator"]).equals(with_ops.node_table.drop(["operator"]))
    assert plain.link_table.drop(["operator"]).equals(with_ops.link_table.drop(["operator"]))
    assert set(plain.node_column("operator")) == {None}
    assert with_ops == generate_topology("island", 200, 4, operators=2)
    pairs = zip(with_ops.node_column("kind"), with_ops.node_column("operator"), strict=True)
    kinds = {k for k, o in pairs if o is not None}
    assert set(with_ops.node_column("operator")) == {None, "001-01", "001-02"}
    assert kinds == {"cell_site"}


def test_rows_reusing_unchanged_operator_networks_equal_fresh_evaluations(network):
    """Only networks holding a changed asset are re-evaluated between rows: every row of
    a long log with failures and repairs at many times equals a fresh evaluation of the
    same state: the log cut at that time with all its events moved to t = 0 (the first
    row, evaluated from scratch) and the roaming window shifted by as much."""
    arrays = compile_topology(network)
    model = operator_model_of(network, arrays, declared(), Roaming(from_h=3.0), 3.0, 1.2)
    rng = np.random.default_rng(8)
    assets = rng.choice(arrays.n_assets, 25, replace=False)
    fail_at = rng.uniform(0, 10, 25).round(1)
    back_at = fail_at + rng.uniform(0.5, 10, 25).round(1)
    time_h = np.concatenate([fail_at, back_at])
    order = np.argsort(time_h, kind="stable")
    time_h = time_h[order]
    asset_idx = np.concatenate([assets, assets])[order]
    event = np.concatenate([np.full(25, FAIL), np.full(25, REPAIR)]).astype(np.int8)[order]
    full = served_per_operator(arrays, model, EventArrays(time_h, asset_idx, event))
    assert len(full.time_h) > 20
    for row, t in enumerate(full.time_h[1:], start=1):
        cut = time_h <= t
        shifted = dataclasses.replace(
            model, roaming_from_h=model.roaming_from_h - t, roaming_until_h=np.inf
        )
        at_0 = np.zeros(int(cut.sum()))
        fresh = served_per_operator(arrays, shifted, EventArrays(at_0, asset_idx[cut], event[cut]))
        assert fresh.time_h.tolist() == [0.0]
        np.testing.assert_array_equal(full.domestic[row], fresh.domestic[0])
        np.testing.assert_array_equal(full.international[row], fresh.international[0])
        np.testing.assert_array_equal(full.roaming_domestic[row], fresh.roaming_domestic[0])


def test_topology_generate_cli_writes_operators_and_refuses_too_many(tmp_path):
    from click.testing import CliRunner

    from resilience_sim.cli import cli
    from resilience_sim.topology import read_topology

    out = tmp_path / "ops.yaml"
    args = ["topology", "generate", "--nodes", "150", "--operators", "2", "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert set(read_topology(out).node_column("operator")) == {None, "001-01", "001-02"}
    bad = tmp_path / "bad.yaml"
    args = ["topology", "generate", "--nodes", "150", "--operators", "10", "--out", str(bad)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "--operators" in result.output and not bad.exists()
