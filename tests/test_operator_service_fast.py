"""The fast per-operator service model equals the reference bit for bit (docs/operators.md).

``served_per_operator`` (engine/operator_service_fast.py: offline serving sites per
operator network, incremental assignment) against ``operator_service_reference`` (a
pass per event time) on random small multi-operator networks and random event logs:
failures, repairs (also of assets already up), capacity degradations, hijacks, stopgap
links on standby and their release, several events at one time and at t = 0; roaming
off, on from a time, on for a window and for a subset of operators; roaming partners;
coverage 0 km and more; site capacity factors low enough to congest. Every sum of the
fast model is taken over the same terms in the same order as the reference's, so the
tables are compared exactly (no tolerance).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_topology
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resilience_sim.engine.operator_service_fast import served_per_operator
from resilience_sim.engine.operators import Groups, operator_model_of, operator_service_reference
from resilience_sim.engine.state import (
    DEGRADE,
    FAIL,
    HIJACK_END,
    HIJACK_START,
    REPAIR,
    STOPGAP_RELEASED,
    EventArrays,
)
from resilience_sim.scenario.operators import Operator, Roaming
from resilience_sim.topology import compile_topology
from resilience_sim.topology.generate import generate_topology

IDS = ("001-01", "001-02", "001-03")
REGIONS = ("r1", "r2", "r3")
FIELDS = ("time_h", "domestic", "international", "roaming_domestic", "roaming_international")


def random_case(seed: int):
    """A random network (two core exchanges, a gateway, aggregation nodes, cell sites on a
    small grid of points so that several share a point, links owned by an operator or
    shared, some on standby), its operators, a roaming mandate, a coverage radius, a site
    capacity factor and the generator for its event logs."""
    rng = np.random.default_rng(seed)
    n_ops = int(rng.integers(2, 4))
    ids = IDS[:n_ops]
    owners = [None, *ids]
    nodes = [
        {"id": "core1", "kind": "exchange", "lat": 0.0, "lon": 0.0},
        {"id": "core2", "kind": "exchange", "lat": 0.01, "lon": 0.02},
        {"id": "gw", "kind": "gateway", "lat": 0.0, "lon": -0.01},
    ]
    for i in range(int(rng.integers(0, 4))):
        nodes.append({"id": f"agg{i}", "kind": "aggregation", "lat": 0.0, "lon": 0.01 * i})
    for i in range(int(rng.integers(3, 12))):
        nodes.append(
            {
                "id": f"s{i}",
                "kind": "cell_site",
                "lat": 0.01 * int(rng.integers(0, 3)),
                "lon": 0.01 * int(rng.integers(0, 4)),
                "population": int(rng.choice([0, 7, 50, 120, 333])),
                "region": str(rng.choice(REGIONS)),
                "operator": owners[int(rng.integers(0, len(owners)))],
            }
        )
    links = []
    for i in range(1, len(nodes)):  # a random tree, then random chords
        j = int(rng.integers(0, i))
        links.append((nodes[i]["id"], nodes[j]["id"]))
    for _ in range(int(rng.integers(0, len(nodes)))):
        a, b = rng.choice(len(nodes), 2, replace=False)
        links.append((nodes[int(a)]["id"], nodes[int(b)]["id"]))
    link_rows = [
        {
            "id": f"l{i}",
            "source": a,
            "target": b,
            "kind": "microwave",
            "operator": owners[int(rng.integers(0, len(owners)))] if rng.random() < 0.6 else None,
        }
        for i, (a, b) in enumerate(links)
    ]
    topology = make_topology(nodes, link_rows, f"random{seed}")
    standby = {r["id"]: 1.0 for r in link_rows if rng.random() < 0.1}  # stopgap links
    share = rng.dirichlet(np.ones(n_ops + 1))[:n_ops] * 0.999
    operators = []
    for o, a in enumerate(ids):
        regional = {r: float(rng.uniform(0, 1 / n_ops)) for r in REGIONS if rng.random() < 0.3}
        partners = [p for p in ids if p != a and rng.random() < 0.3]
        operators.append(
            Operator(
                id=a,
                market_share=float(share[o]),
                regional_market_share=regional,
                roaming_partners=partners,
            )
        )
    roaming = [
        None,
        Roaming(),
        Roaming(from_h=float(rng.integers(0, 6))),
        Roaming(from_h=1.0, until_h=float(rng.integers(2, 9))),
        Roaming(operators=list(ids[:2])),
    ][int(rng.integers(0, 5))]
    coverage_km = float(rng.choice([0.0, 0.0, 1.2, 3.0]))
    factor = float(rng.choice([0.4, 0.8, 1.0, 1.5]))
    return topology, standby, operators, roaming, coverage_km, factor, rng


def random_log(arrays, rng):
    """Events at a few random times (several per time, some at t = 0), in time order."""
    n = int(rng.integers(0, 40))
    time_h = np.sort(rng.integers(0, 10, n).astype(float))
    code = rng.choice(
        [FAIL, FAIL, REPAIR, REPAIR, DEGRADE, HIJACK_START, HIJACK_END, STOPGAP_RELEASED], n
    )
    asset = rng.integers(0, arrays.n_assets, n)
    hijack = (code == HIJACK_START) | (code == HIJACK_END)
    asset[hijack] = arrays.n_assets + rng.integers(0, len(arrays.region_names), hijack.sum())
    degrade = code == DEGRADE
    asset[degrade] = arrays.n_nodes + rng.integers(0, arrays.n_links, degrade.sum())
    value = np.where(degrade, rng.uniform(0, 1, n), np.nan)
    return time_h, asset.astype(np.int64), code.astype(np.int8), value


def assert_same(arrays, model, time_h, asset, code, value=None):
    """Both ways of finding the serving sites (a bottleneck tree per repair run, and a
    pass per batch of a short run) give the reference's tables; with ``per_unit`` both
    also give the same served users of every unit (operator x place), and the default
    keeps none."""
    events = EventArrays(time_h, asset, code, value)
    reference = operator_service_reference(arrays, model, events, per_unit=True)
    assert reference.unit_domestic.shape == (len(reference.time_h), len(model.unit_users))
    for short_run_batches in (0, 10**9):
        fast = served_per_operator(arrays, model, events, short_run_batches)
        assert fast.unit_domestic is None
        for name in FIELDS:
            np.testing.assert_array_equal(getattr(fast, name), getattr(reference, name), name)
        per_unit = served_per_operator(arrays, model, events, short_run_batches, per_unit=True)
        for name in (*FIELDS, "unit_domestic"):
            np.testing.assert_array_equal(getattr(per_unit, name), getattr(reference, name), name)
    return fast


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1))
def test_fast_operator_service_equals_the_reference_on_random_networks_and_logs(seed):
    topology, standby, operators, roaming, coverage_km, factor, rng = random_case(seed)
    arrays = compile_topology(topology, standby)
    model = operator_model_of(topology, arrays, operators, roaming, coverage_km, factor)
    for _ in range(3):
        assert_same(arrays, model, *random_log(arrays, rng))


@pytest.mark.parametrize("roaming", [None, Roaming(from_h=30.0, until_h=200.0)])
def test_fast_operator_service_equals_the_reference_on_a_generated_network(roaming):
    """A generated 3-operator network (400 nodes): failures of a fifth of the assets in
    three waves, repairs spread over 300 h one by one and in batches, a hijack."""
    topology = generate_topology("national", 400, 3, operators=3)
    arrays = compile_topology(topology)
    operators = [Operator(id=a, market_share=s) for a, s in zip(IDS, (0.5, 0.3, 0.2), strict=True)]
    model = operator_model_of(topology, arrays, operators, roaming, 2.0, 1.2)
    rng = np.random.default_rng(4)
    down = rng.choice(arrays.n_assets, arrays.n_assets // 5, replace=False)
    fail_at = rng.choice([0.0, 10.0, 55.0], len(down))
    back_at = fail_at + rng.integers(1, 300, len(down)).astype(float)
    time_h = np.concatenate([fail_at, back_at, [20.0, 90.0]])
    asset = np.concatenate([down, down, [arrays.n_assets, arrays.n_assets]])
    hijack = [HIJACK_START, HIJACK_END]
    code = np.concatenate([np.full(len(down), FAIL), np.full(len(down), REPAIR), hijack])
    order = np.argsort(time_h, kind="stable")
    served = assert_same(arrays, model, time_h[order], asset[order], code[order].astype(np.int8))
    assert len(served.time_h) > 100
    if roaming is not None:
        assert served.roaming_domestic.sum() > 0
    assert served.domestic.sum(axis=(1, 2)).min() < 0.9 * served.domestic[0].sum()


def test_groups_gather_members_key_after_key_in_increasing_order():
    groups = Groups.of(np.array([2, 0, 2, 1, 2]), 4)
    members, position = groups.gather(np.array([2, 0, 3]))
    assert members.tolist() == [0, 2, 4, 1]
    assert position.tolist() == [0, 0, 0, 1]
    members, position = groups.gather(np.array([], dtype=np.int64))
    assert members.tolist() == [] and position.tolist() == []
