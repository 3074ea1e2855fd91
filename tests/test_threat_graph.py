"""Graph measures used by attack planning, checked against networkx and hand counts."""

from __future__ import annotations

from collections import Counter

import networkx as nx
import numpy as np
import pytest
from conftest import make_topology

from resilience_sim.engine import served_masks
from resilience_sim.threats.graph import (
    betweenness,
    incident_links,
    largest_component_share,
    molloy_reed_ratio,
    node_betweenness,
    node_degree,
    reaching,
    served_users,
)
from resilience_sim.topology import compile_topology


def random_multigraph(seed: int, n: int = 40, m: int = 80):
    """A random graph with two parallel links, as a topology; plus its edge list."""
    g = nx.gnm_random_graph(n, m, seed=seed)
    edges = list(g.edges())
    edges += [edges[0], edges[3]]  # parallel links
    nodes = [{"id": f"n{i}", "kind": "exchange"} for i in range(n)]
    links = [
        {"id": f"l{j}", "source": f"n{u}", "target": f"n{v}", "kind": "terrestrial_fiber"}
        for j, (u, v) in enumerate(edges)
    ]
    return make_topology(nodes, links, "random"), edges


def live_graph(n, edges, up):
    """networkx view of the live network (reference only)."""
    g = nx.Graph()
    g.add_nodes_from(i for i in range(n) if up[i])
    g.add_edges_from((u, v) for j, (u, v) in enumerate(edges) if up[n + j] and up[u] and up[v])
    return g


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_betweenness_equals_networkx_with_damage_and_parallel_links(seed):
    topo, edges = random_multigraph(seed)
    arrays = compile_topology(topo)
    n = arrays.n_nodes
    rng = np.random.default_rng(seed)
    up = np.ones(arrays.n_assets, dtype=bool)
    up[rng.choice(arrays.n_assets, size=6, replace=False)] = False
    node_bc, link_bc = betweenness(arrays, up)
    g = live_graph(n, edges, up)
    ref = nx.betweenness_centrality(g, normalized=False)
    expected = np.array([ref.get(i, 0.0) for i in range(n)])
    np.testing.assert_allclose(node_bc, expected, atol=1e-9)
    edge_ref = nx.edge_betweenness_centrality(g, normalized=False)
    multiplicity = Counter(
        frozenset(e) for j, e in enumerate(edges) if up[n + j] and up[e[0]] and up[e[1]]
    )
    for j, (u, v) in enumerate(edges):
        if up[n + j] and up[u] and up[v]:
            value = edge_ref.get((u, v), edge_ref.get((v, u)))
            assert link_bc[j] == pytest.approx(value / multiplicity[frozenset((u, v))])
        else:
            assert link_bc[j] == 0.0
    np.testing.assert_allclose(node_betweenness(arrays, up), node_bc)


def test_betweenness_from_all_pivots_is_exact_and_small_blocks_agree(monkeypatch):
    topo, _ = random_multigraph(5)
    arrays = compile_topology(topo)
    up = np.ones(arrays.n_assets, dtype=bool)
    exact = betweenness(arrays, up)
    pivots = betweenness(arrays, up, sources=np.arange(arrays.n_nodes))
    monkeypatch.setattr("resilience_sim.threats.graph._BLOCK_CELLS", 100)  # 1-2 sources/block
    blocked = betweenness(arrays, up)
    for a, b, c in zip(exact, pivots, blocked, strict=True):
        np.testing.assert_allclose(a, b)
        np.testing.assert_allclose(a, c)


def test_star_hand_counts():
    # hub h with leaves a, b, c (and a parallel h-a link): the hub lies on the 3 leaf
    # pairs; each leaf link carries its leaf's 3 pairs (to h and 2 leaves), split 2 ways
    # on the doubled a-h link.
    nodes = [{"id": x, "kind": "exchange"} for x in "habc"]
    links = [
        {"id": f"l{i}", "source": "h", "target": t, "kind": "microwave"}
        for i, t in enumerate("abca")
    ]
    arrays = compile_topology(make_topology(nodes, links))
    up = np.ones(arrays.n_assets, dtype=bool)
    node_bc, link_bc = betweenness(arrays, up)
    assert node_bc.tolist() == [3.0, 0.0, 0.0, 0.0]
    assert link_bc.tolist() == [1.5, 3.0, 3.0, 1.5]
    assert node_degree(arrays, up).tolist() == [4, 2, 1, 1]
    # <k^2>/<k> = (16 + 4 + 1 + 1) / (4 + 2 + 1 + 1) = 22 / 8
    assert molloy_reed_ratio(arrays, up) == pytest.approx(22 / 8)
    links_at, owner = incident_links(arrays, np.array([1, 0]), up)
    assert sorted(zip(owner.tolist(), links_at.tolist(), strict=True)) == [
        (0, 0),
        (0, 3),
        (1, 0),
        (1, 1),
        (1, 2),
        (1, 3),
    ]


def test_largest_component_share_counts_all_nodes_and_equals_networkx():
    topo, edges = random_multigraph(9, n=60, m=50)
    arrays = compile_topology(topo)
    up = np.ones(arrays.n_assets, dtype=bool)
    up[[0, 1, 2, 70]] = False
    g = live_graph(arrays.n_nodes, edges, up)
    expected = max(len(c) for c in nx.connected_components(g)) / 60
    assert largest_component_share(arrays, up) == pytest.approx(expected)
    assert largest_component_share(arrays, np.zeros(arrays.n_assets, dtype=bool)) == 0.0


def test_served_users_is_the_engine_service_rule(line):
    arrays = compile_topology(line)
    rng = np.random.default_rng(4)
    for _ in range(20):
        up = rng.random(arrays.n_assets) < 0.8
        dom, intl = served_users(arrays, up)
        ref_dom, ref_intl = served_masks(arrays, up)
        assert dom.tolist() == ref_dom.tolist()
        assert intl.tolist() == ref_intl.tolist()
    up = np.ones(arrays.n_assets, dtype=bool)
    up[arrays.asset_index["l-a-b"]] = False
    # gw - ex - a | b - c: b and c reach neither the gateway nor the exchange
    assert reaching(arrays, up, arrays.is_international).tolist() == [
        True,
        True,
        True,
        False,
        False,
    ]
