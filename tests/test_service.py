"""Service model: known answers on hand-built graphs, checked against networkx."""

from __future__ import annotations

import networkx as nx
import numpy as np
from conftest import make_topology
from hypothesis import given, settings
from hypothesis import strategies as st

from resilience_sim.engine import (
    FAIL,
    REPAIR,
    EventArrays,
    baseline_population,
    served_masks,
    served_over_time,
)
from resilience_sim.topology import compile_topology


def _up(arrays, down=()):
    mask = np.ones(arrays.n_assets, dtype=bool)
    mask[[arrays.asset_index[a] for a in down]] = False
    return mask


def test_cut_in_the_middle_serves_exactly_the_gateway_side(line):
    arrays = compile_topology(line)
    domestic, international = served_masks(arrays, _up(arrays, ["l-a-b"]))
    # gw, ex, a stay together; b and c are cut off from both core and gateway.
    assert domestic.tolist() == [True, True, True, False, False]
    assert international.tolist() == [True, True, True, False, False]


def test_gateway_cut_keeps_domestic_but_loses_international(line):
    arrays = compile_topology(line)
    domestic, international = served_masks(arrays, _up(arrays, ["l-gw-ex"]))
    assert domestic.tolist() == [False, True, True, True, True]
    assert international.tolist() == [True, False, False, False, False]


def test_failed_node_is_unserved_and_breaks_its_links(line):
    arrays = compile_topology(line)
    domestic, _ = served_masks(arrays, _up(arrays, ["b"]))
    assert domestic.tolist() == [True, True, True, False, False]


def test_parallel_link_keeps_service_when_one_is_cut():
    topo = make_topology(
        [
            {"id": "ex", "kind": "exchange"},
            {"id": "a", "kind": "cell_site", "population": 10},
        ],
        [
            {"id": "p1", "source": "ex", "target": "a", "kind": "terrestrial_fiber"},
            {"id": "p2", "source": "ex", "target": "a", "kind": "microwave"},
        ],
    )
    arrays = compile_topology(topo)
    assert served_masks(arrays, _up(arrays, ["p1"]))[0].tolist() == [True, True]
    assert served_masks(arrays, _up(arrays, ["p1", "p2"]))[0].tolist() == [True, False]


def test_served_over_time_batches_events_at_the_same_time(line):
    arrays = compile_topology(line)
    idx = arrays.asset_index
    # t=2: cut a-b and fail c; t=5: repair a-b; t=5 also: c repaired. t=7: cut ex-a.
    time_h = np.array([2.0, 2.0, 5.0, 5.0, 7.0])
    assets = np.array([idx["l-a-b"], idx["c"], idx["l-a-b"], idx["c"], idx["l-ex-a"]])
    events = np.array([FAIL, FAIL, REPAIR, REPAIR, FAIL], dtype=np.int8)
    served = served_over_time(arrays, EventArrays(time_h, assets, events))
    assert served.time_h.tolist() == [0.0, 2.0, 5.0, 7.0]
    assert served.domestic.tolist() == [175.0, 100.0, 175.0, 0.0]
    assert served.assets_down.tolist() == [0, 2, 0, 1]
    # regions in order of first appearance: unassigned, r1, r2
    assert served.by_region_domestic[1].tolist() == [0.0, 100.0, 0.0]


def test_fail_and_repair_of_one_asset_at_the_same_time_ends_up(line):
    arrays = compile_topology(line)
    i = arrays.asset_index["l-a-b"]
    served = served_over_time(arrays, EventArrays([3.0, 3.0], [i, i], [FAIL, REPAIR]))
    assert served.domestic.tolist() == [175.0, 175.0]


def test_baseline_counts_only_reachable_users():
    topo = make_topology(
        [
            {"id": "ex", "kind": "exchange"},
            {"id": "a", "kind": "cell_site", "population": 10},
            {"id": "island", "kind": "cell_site", "population": 7},
        ],
        [{"id": "l", "source": "ex", "target": "a", "kind": "terrestrial_fiber"}],
    )
    base = baseline_population(compile_topology(topo))
    assert base.domestic.tolist() == [10.0]
    assert base.international.tolist() == [0.0]  # no gateway at all


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(3, 25),
    edges=st.lists(st.tuples(st.integers(0, 24), st.integers(0, 24)), max_size=60),
    down=st.lists(st.integers(0, 84), max_size=20),
    data=st.data(),
)
def test_served_set_matches_networkx(n, edges, down, data):
    """Domestic service equals networkx reachability from the core on the surviving graph."""
    edges = [(u % n, v % n) for u, v in edges if u % n != v % n]
    core = data.draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=3))
    nodes = [
        {"id": f"n{i}", "kind": "exchange" if i in core else "cell_site", "population": i + 1}
        for i in range(n)
    ]
    links = [
        {"id": f"e{k}", "source": f"n{u}", "target": f"n{v}", "kind": "terrestrial_fiber"}
        for k, (u, v) in enumerate(edges)
    ]
    topo = make_topology(nodes, links)
    arrays = compile_topology(topo)
    up = np.ones(arrays.n_assets, dtype=bool)
    up[[d % arrays.n_assets for d in down]] = False
    domestic, _ = served_masks(arrays, up)

    g = nx.MultiGraph()
    g.add_nodes_from(i for i in range(n) if up[i])
    g.add_edges_from((u, v) for k, (u, v) in enumerate(edges) if up[n + k] and up[u] and up[v])
    expected = set()
    for c in core:
        if up[c]:
            expected |= nx.node_connected_component(g, c)
    assert set(np.flatnonzero(domestic).tolist()) == expected
