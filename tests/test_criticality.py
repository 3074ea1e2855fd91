"""N-k criticality: hand-computed N-1 and N-2 losses, pruning against brute force,
cut structure against networkx, shared-risk groups from tags, landings and geometry."""

from __future__ import annotations

import itertools
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from conftest import make_topology

from resilience_sim.cli import cli
from resilience_sim.experiments.criticality import Evaluator, criticality
from resilience_sim.experiments.cut_structure import (
    AugmentedGraph,
    cycle_space_labels,
    dfs_cuts,
    gf2_rank,
)
from resilience_sim.experiments.risk_groups import risk_groups, shared_length_km
from resilience_sim.geo import haversine_km
from resilience_sim.topology import compile_topology, read_topology

ISLAND = Path(__file__).resolve().parents[1] / "topologies" / "pacific_island.yaml"


def ring_with_spur_nodes_links() -> tuple[list[dict], list[dict]]:
    """Core exchange C on a ring C-A-B-D-C; a spur B-S; gateway G hangs off C.

    Users: A 10, B 20, D 40, S 100 (170 in all). G is the only international node.
    """
    nodes = [
        {"id": "C", "kind": "exchange"},
        {"id": "A", "kind": "cell_site", "population": 10},
        {"id": "B", "kind": "aggregation", "population": 20},
        {"id": "D", "kind": "cell_site", "population": 40},
        {"id": "S", "kind": "cell_site", "population": 100},
        {"id": "G", "kind": "gateway"},
    ]
    fibre = "terrestrial_fiber"
    links = [
        {"id": "lCA", "source": "C", "target": "A", "kind": fibre},
        {"id": "lAB", "source": "A", "target": "B", "kind": fibre},
        {"id": "lBD", "source": "B", "target": "D", "kind": fibre},
        {"id": "lDC", "source": "D", "target": "C", "kind": fibre},
        {"id": "lBS", "source": "B", "target": "S", "kind": fibre},
        {"id": "lCG", "source": "C", "target": "G", "kind": "submarine_cable"},
    ]
    return nodes, links


@pytest.fixture
def ring_with_spur():
    return make_topology(*ring_with_spur_nodes_links(), name="ring-with-spur")


def test_n1_links_on_a_ring_with_a_spur_only_the_spur_cuts_users(ring_with_spur):
    """Cutting one ring link leaves every node on the other way round: no domestic loss.
    The spur lBS cuts S (100 users) and is ranked first; lCG cuts only the gateway, so
    everyone (170) loses international service but nobody domestic service."""
    table = criticality(ring_with_spur, k=1, assets="links").table.set_index("asset")
    assert table.loc["lBS", "rank"] == 1
    assert table.loc["lBS", "users_lost_domestic"] == 100
    assert table.loc["lBS", "share_lost_domestic"] == pytest.approx(100 / 170)
    assert table.loc["lCG", ["users_lost_domestic", "users_lost_international"]].tolist() == [
        0,
        170,
    ]
    for ring_link in ("lCA", "lAB", "lBD", "lDC"):
        assert table.loc[ring_link, "users_lost_domestic"] == 0
    assert (table.users_lost_domestic > 0).sum() == 1


def test_n1_nodes_lose_their_own_users_and_what_they_cut_off(ring_with_spur):
    """Node B cuts S off: 20 + 100. The core node C takes all domestic service (170)."""
    table = criticality(ring_with_spur, k=1, assets="nodes").table.set_index("asset")
    assert table.users_lost_domestic.to_dict() == {
        "C": 170,
        "B": 120,
        "S": 100,
        "D": 40,
        "A": 10,
        "G": 0,
    }
    assert list(table.index[:2]) == ["C", "B"]


def test_n2_links_hand_computed(ring_with_spur):
    """Two ring links cut the arc between them from C:
    {lCA,lDC} all 170; {lAB,lDC} B,D,S 160; {lCA,lBD} A,B,S 130; {lAB,lBD} B,S 120;
    {lBD,lDC} D 40; {lCA,lAB} A 10. Pairs with the spur or the gateway link lose only
    the sum of their members' losses (no excess) and are not listed."""
    result = criticality(ring_with_spur, k=2, assets="links")
    table = result.table
    got = {
        frozenset((a, b)): (dom, intl)
        for a, b, dom, intl in table[
            ["asset_a", "asset_b", "users_lost_domestic", "users_lost_international"]
        ].itertuples(index=False)
    }
    expected = {
        frozenset({"lCA", "lDC"}): 170,
        frozenset({"lAB", "lDC"}): 160,
        frozenset({"lCA", "lBD"}): 130,
        frozenset({"lAB", "lBD"}): 120,
        frozenset({"lBD", "lDC"}): 40,
        frozenset({"lCA", "lAB"}): 10,
    }
    assert got == {pair: (users, users) for pair, users in expected.items()}
    assert list(table.users_lost_domestic) == [170, 160, 130, 120, 40, 10]
    assert (table.excess_domestic == table.users_lost_domestic).all()  # singles lose 0
    assert result.n_possible == 15
    assert result.n_candidates < result.n_possible


def test_n2_node_pair_hand_computed(ring_with_spur):
    """A and D together cut B and S from C: 10 + 40 own users + 20 + 100 = 170 lost;
    alone they lose 10 and 40, so the excess is 120."""
    table = criticality(ring_with_spur, k=2).table
    row = table[(table.asset_a == "A") & (table.asset_b == "D")].iloc[0]
    assert row.users_lost_domestic == 170
    assert row.excess_domestic == 120


def brute_force_pairs(topology) -> dict[frozenset, tuple[float, float]]:
    """Every asset pair with a positive excess, by evaluating all of them."""
    arrays = compile_topology(topology)
    evaluator = Evaluator(arrays)
    singles = [evaluator.lost([i]) for i in range(arrays.n_assets)]
    out = {}
    for a, b in itertools.combinations(range(arrays.n_assets), 2):
        lost = evaluator.lost([a, b])
        if ((lost - singles[a] - singles[b]) > evaluator.tolerance).any():
            out[frozenset((arrays.asset_ids[a], arrays.asset_ids[b]))] = tuple(lost)
    return out


def pruned_pairs(topology) -> dict[frozenset, tuple[float, float]]:
    table = criticality(topology, k=2).table
    return {
        frozenset((a, b)): (dom, intl)
        for a, b, dom, intl in table[
            ["asset_a", "asset_b", "users_lost_domestic", "users_lost_international"]
        ].itertuples(index=False)
    }


def random_network(seed: int, n_nodes: int = 14, n_extra: int = 6):
    """A random tree plus extra links (some parallel), 2 core exchanges, 2 gateways."""
    rng = np.random.default_rng(seed)
    nodes = []
    for i in range(n_nodes):
        kind = "exchange" if i < 2 else "gateway" if i < 4 else "cell_site"
        pop = 0.0 if i < 4 else float(rng.integers(1, 100))
        nodes.append({"id": f"n{i}", "kind": kind, "population": pop})
    pairs = [(i, int(rng.integers(0, i))) for i in range(1, n_nodes)]
    pairs += [tuple(map(int, rng.choice(n_nodes, 2, replace=False))) for _ in range(n_extra)]
    pairs.append(pairs[-1])  # one parallel link
    links = [
        {"id": f"l{k}", "source": f"n{a}", "target": f"n{b}", "kind": "terrestrial_fiber"}
        for k, (a, b) in enumerate(pairs)
    ]
    return make_topology(nodes, links, name=f"random-{seed}")


@pytest.mark.parametrize("seed", range(6))
def test_pruning_finds_every_pair_brute_force_finds(seed):
    """Pruning is exact, not a heuristic: on random networks with several core and
    international nodes and parallel links, the pairs listed equal those with a positive
    excess among all pairs, with the same losses."""
    topology = random_network(seed)
    assert pruned_pairs(topology) == brute_force_pairs(topology)


def test_pruning_on_the_island_topology_matches_brute_force():
    topology = read_topology(ISLAND)
    pruned = pruned_pairs(topology)
    assert pruned == brute_force_pairs(topology)
    # the landing station and the earth station together isolate the country
    assert pruned[frozenset({"sopu-landing", "nukualofa-earth-station"})][1] == 94_000


def augmented_networkx(topology, targets_attr: str) -> nx.MultiGraph:
    g = nx.MultiGraph()
    g.add_node("ROOT")
    for node in topology.nodes:
        g.add_node(node.id)
    for link in topology.links:
        g.add_edge(link.source, link.target, key=link.id)
    ids = topology.core_node_ids() if targets_attr == "core" else topology.international_node_ids()
    for i, node_id in enumerate(ids):
        g.add_edge("ROOT", node_id, key=f"virtual-{i}")
    return g


@pytest.mark.parametrize("seed", range(4))
def test_dfs_cuts_and_labels_agree_with_networkx(seed):
    """Bridges, articulation points and cut pairs on the augmented graph, checked against
    networkx (component of the root only, as the DFS sees it)."""
    topology = random_network(seed, n_nodes=16, n_extra=8)
    arrays = compile_topology(topology)
    graph = AugmentedGraph.build(arrays, arrays.is_core)
    g = augmented_networkx(topology, "core")
    g = g.subgraph(nx.node_connected_component(g, "ROOT")).copy()
    cuts = dfs_cuts(graph)
    ids = [*topology.node_index, "ROOT"]
    n_components = nx.number_connected_components(g)
    expected_bridges = set()
    for u, v, key in g.edges(keys=True):
        h = g.copy()
        h.remove_edge(u, v, key=key)
        if nx.number_connected_components(h) > n_components and key in topology.link_index:
            expected_bridges.add(key)
    link_ids = [e.id for e in topology.links]
    assert {link_ids[e] for e in cuts.bridges() if e < arrays.n_links} == expected_bridges
    got_aps = {ids[v] for v in cuts.articulation_points(graph.root)}
    assert got_aps == set(nx.articulation_points(nx.Graph(g))) - {"ROOT"}
    labels = cycle_space_labels(graph, np.random.default_rng(1))
    for e, f in itertools.combinations(range(arrays.n_links), 2):
        u, v = topology.links[e], topology.links[f]
        if not (g.has_node(u.source) and g.has_node(v.source)):
            continue
        h = g.copy()
        h.remove_edge(u.source, u.target, key=u.id)
        h.remove_edge(v.source, v.target, key=v.id)
        disconnects = nx.number_connected_components(h) > 1
        label_cut = gf2_rank([labels[e], labels[f]]) < 2
        assert label_cut == disconnects, (u.id, v.id)


def test_gf2_rank_hand_examples():
    assert gf2_rank([]) == 0
    assert gf2_rank([0b1100, 0b1010, 0b0110]) == 2  # third = XOR of the first two
    assert gf2_rank([1, 2, 4, 8]) == 4


def parallel_routes_topology(offset_deg: float):
    """Two fibres along the equator, 0.09 deg (~10 km) long, ``offset_deg`` apart, between
    four distinct nodes; a third fibre leaves a's start node northwards (shares an end)."""
    nodes = [
        {"id": "a0", "kind": "exchange", "lat": 0.0, "lon": 0.0},
        {"id": "a1", "kind": "cell_site", "lat": 0.0, "lon": 0.09, "population": 10},
        {"id": "b0", "kind": "aggregation", "lat": offset_deg, "lon": 0.0},
        {"id": "b1", "kind": "cell_site", "lat": offset_deg, "lon": 0.09, "population": 20},
        {"id": "n", "kind": "cell_site", "lat": 0.09, "lon": 0.0, "population": 5},
    ]
    fibre = "terrestrial_fiber"
    links = [
        {"id": "la", "source": "a0", "target": "a1", "kind": fibre,
         "route": [[0.0, 0.0], [0.0, 0.045], [0.0, 0.09]]},
        {"id": "lb", "source": "b0", "target": "b1", "kind": fibre,
         "route": [[offset_deg, 0.0], [offset_deg, 0.09]]},
        {"id": "ln", "source": "a0", "target": "n", "kind": fibre,
         "route": [[0.0, 0.0], [0.09, 0.0]]},
        {"id": "l-ab", "source": "a0", "target": "b0", "kind": fibre},
    ]  # fmt: skip
    return make_topology(nodes, links, name="parallel")


def test_parallel_routes_form_one_corridor():
    """Routes 0.0018 deg (~0.2 km) apart run side by side for their whole ~10 km: the
    shared length is la's full length and they form one derived group. ln leaves a0 at
    right angles: its first ~0.5 km near a0 is a shared end node's, not a corridor."""
    topology = parallel_routes_topology(0.0018)
    la = np.array(topology.link("la").route)
    lb = np.array(topology.link("lb").route)
    full = float(haversine_km(0.0, 0.0, 0.0, 0.09))
    assert shared_length_km(la, lb, buffer_km=0.5) == pytest.approx(full, rel=1e-9)
    groups = {g.name: g for g in risk_groups(topology, buffer_km=0.5, min_shared_km=1.0)}
    assert groups["corridor-1"].link_ids == ("la", "lb")
    assert groups["corridor-1"].sources == ("corridor within 0.5 km",)
    assert len(groups) == 1


def test_routes_farther_apart_than_the_buffer_are_not_grouped():
    topology = parallel_routes_topology(0.009)  # ~1 km apart, buffer 0.5 km
    assert risk_groups(topology, buffer_km=0.5, min_shared_km=1.0) == []


def test_partial_overlap_counts_only_the_shared_stretch():
    """lb runs beside the second half of la (lon 0.045..0.09 deg), 0.001 deg (d = 0.111 km)
    to the side. la is within 0.5 km of lb along that half plus, before lb's end point,
    sqrt(0.5^2 - d^2) = 0.487 km. Samples are 0.25 km apart, so the result is within
    one sample of that."""
    la = np.array([[0.0, 0.0], [0.0, 0.09]])
    lb = np.array([[0.001, 0.045], [0.001, 0.09]])
    half = float(haversine_km(0.0, 0.0, 0.0, 0.045))
    d = float(haversine_km(0.0, 0.0, 0.001, 0.0))
    expected = half + np.sqrt(0.5**2 - d**2)
    assert shared_length_km(la, lb, buffer_km=0.5) == pytest.approx(expected, abs=0.25)


def test_landing_and_tag_groups_and_srlg_criticality():
    """Two cables landing at L form `landing:L`; a shared tag forms a group. Failing the
    landing group cuts W (both cables gone) though no single cable does."""
    nodes = [
        {"id": "X", "kind": "exchange", "population": 0},
        {"id": "L", "kind": "landing_station"},
        {"id": "W", "kind": "cell_site", "population": 50},
    ]
    links = [
        {"id": "f", "source": "X", "target": "L", "kind": "terrestrial_fiber", "srlg": ["t"]},
        {"id": "c1", "source": "L", "target": "W", "kind": "submarine_cable"},
        {"id": "c2", "source": "L", "target": "W", "kind": "submarine_cable"},
    ]
    topology = make_topology(nodes, links)
    groups = {g.name: g for g in risk_groups(topology)}
    assert groups["landing:L"].link_ids == ("c1", "c2")
    assert groups["t"].sources == ("tag t",)
    table = criticality(topology, k=1, by="srlg").table.set_index("group")
    assert table.loc["landing:L", "users_lost_domestic"] == 50
    assert table.loc["t", "users_lost_domestic"] == 50


def test_srlg_pairs_hand_computed(ring_with_spur):
    """Tags make one-link groups g1 = {lCA}, g2 = {lBD}, g3 = {lDC}; a group pair then
    cuts what its link pair cuts (test_n2_links_hand_computed): g1+g3 all 170, g1+g2
    A, B, S 130, g2+g3 D 40."""
    nodes, links = ring_with_spur_nodes_links()
    tags = {"lCA": ["g1"], "lBD": ["g2"], "lDC": ["g3"]}
    links = [{**e, "srlg": tags.get(e["id"], [])} for e in links]
    table = criticality(make_topology(nodes, links), k=2, by="srlg").table
    got = {frozenset((a, b)): d for a, b, d in table[["group_a", "group_b", "users_lost_domestic"]]
           .itertuples(index=False)}  # fmt: skip
    assert got == {
        frozenset({"g1", "g3"}): 170,
        frozenset({"g1", "g2"}): 130,
        frozenset({"g2", "g3"}): 40,
    }


def test_criticality_cli_end_to_end(tmp_path, ring_with_spur):
    """`criticality FILE --k 2` writes the ranked table and the groups, and prints them."""
    nodes, links = ring_with_spur_nodes_links()
    file = tmp_path / "ring.yaml"
    file.write_text(yaml.safe_dump({"name": "ring-with-spur", "nodes": nodes, "links": links}))
    runner = CliRunner()
    result = runner.invoke(
        cli, ["criticality", str(file), "--k", "2", "--assets", "links", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "lCA" in result.output and "170" in result.output
    (run_dir,) = tmp_path.glob("ring-with-spur-criticality-k2-asset-*")
    table = pd.read_parquet(run_dir / "criticality.parquet")
    assert list(table.users_lost_domestic) == [170, 160, 130, 120, 40, 10]
    assert pd.read_csv(run_dir / "criticality.csv").shape == table.shape
    assert (run_dir / "risk_groups.csv").is_file()
    assert not list(tmp_path.glob(".*tmp*"))


def test_criticality_cli_bad_topology_exits_2(tmp_path):
    file = tmp_path / "bad.yaml"
    file.write_text("name: x\nnodes: []\n")
    result = CliRunner().invoke(cli, ["criticality", str(file), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert f"{file}: nodes" in result.output
